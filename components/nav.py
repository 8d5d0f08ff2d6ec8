"""Build st.navigation from the pure page table in db.permissions."""

from __future__ import annotations

import streamlit as st

from db.permissions import navigation_for


def build(role: str):
    """The role's pages grouped into sidebar sections; pages it may not use are left out."""
    sections = navigation_for(role)
    return st.navigation(
        {section: [st.Page(p.path, title=p.title, icon=p.icon, url_path=p.key,
                           default=(p.key == "home")) for p in pages]
         for section, pages in sections.items()},
        position="sidebar",
        expanded=True,  # a role's whole menu, not "View N more"
    )


def login_only(login_page):
    """While logged out, every page URL shows the login form (a bookmark or deep link lands
    there, and after login the same URL opens the page if the role may use it)."""
    from db.permissions import PAGES

    pages = [st.Page(login_page, title="登录", url_path="login", default=True)]
    pages += [st.Page(login_page, title="登录", url_path=p.key) for p in PAGES if p.key != "home"]
    return st.navigation(pages, position="hidden")
