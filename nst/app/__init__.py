"""The Streamlit app (``streamlit run app.py``): a page per task over shared parts.

``app.py`` declares the pages (``pages/``); a page builds a :class:`~nst.request.model.Request`
and hands it to the one :func:`~nst.app.backend.backend` (the models in this process, or a
style server); ``parts`` holds what several pages show, ``state`` the session's typed state.
Only the app imports this package (the ``app`` extra); importing it loads no model.
"""
