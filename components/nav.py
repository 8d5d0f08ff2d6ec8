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
    )
