"""The app's pages, one task each; ``app.py`` declares them with ``st.navigation``."""
