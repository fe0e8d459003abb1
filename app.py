"""Streamlit front end; the full app lands with its own issue. Run: streamlit run app.py"""

import streamlit as st

st.set_page_config(page_title="Neural style transfer", page_icon="🎨")
st.title("Neural style transfer")
st.info("The web app is being built. Meanwhile: python -m nst photo.jpg --style painting.jpg -o out.png")
