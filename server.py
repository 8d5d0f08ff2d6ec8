"""What ``streamlit run server.py`` serves: the console (app.py), the login cookie's route
(components/cookie_route.py: the cookie set by a response header, so it can be HttpOnly) and
the public progress page of an order (components/public_route.py: no login; a receipt's link
and QR code point to it)."""

import streamlit as st

from components import public_route
from components.cookie_route import routes

app = st.App("app.py", routes=[*routes(), *public_route.routes()])
