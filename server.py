"""What ``streamlit run server.py`` serves: the console (app.py) and the login cookie's route
(components/cookie_route.py: the cookie set by a response header, so it can be HttpOnly)."""

import streamlit as st

from components.cookie_route import routes

app = st.App("app.py", routes=routes())
