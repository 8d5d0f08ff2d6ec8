"""Build st.navigation from the pure page table in db.permissions."""

from __future__ import annotations

import re

import streamlit as st

from db.permissions import PAGES, PAGES_BY_KEY, can_open, navigation_for
from db.rules.text import search_text

# a record number's prefix -> the page that opens it and that page's query parameter
ROUTES = {
    "RX": ("inbox", "order"),
    "SJ": ("grid_events", "event"),
    "TJ": ("mediation", "case"),
    "PT": ("platform_desk", "case"),
}
KINDS = {"RX": "工单", "SJ": "网格事件", "TJ": "矛盾纠纷", "PT": "平台案件"}
_NUMBER = re.compile(r"(RX|SJ|TJ|PT)-\d{4}-\d{6}")


def route_for(typed: str, role: str) -> tuple[str, str, str] | str:
    """(page path, query parameter, number) that opens the record number ``typed`` for ``role``,
    or why not (a message). The page itself still checks the record's scope."""
    number = (search_text(typed) or "").upper().replace("－", "-")
    m = _NUMBER.fullmatch(number)
    if not m:
        return "请输入完整编号，如 RX-2026-000123（工单）、SJ-（网格事件）、TJ-（纠纷）、PT-（平台案件）。"
    key, param = ROUTES[m.group(1)]
    if not can_open(role, key):
        return f"当前角色不能查看{KINDS[m.group(1)]}。"
    return PAGES_BY_KEY[key].path, param, number


def goto_box(role: str) -> None:
    """按编号打开, in the sidebar on every page: a number read out on the phone opens its record."""
    with st.sidebar.form("goto_form", border=False, clear_on_submit=True):
        typed = st.text_input("按编号打开", placeholder="如 RX-2026-000123", max_chars=40, key="goto_number")
        go = st.form_submit_button("打开", icon=":material/search:")
    if go and typed.strip():
        route = route_for(typed, role)
        if isinstance(route, str):
            st.sidebar.error(route)
            return
        path, param, number = route
        st.switch_page(path, query_params={param: number})


def build(role: str):
    """The role's pages grouped into sidebar sections; pages it may not use are left out."""
    sections = navigation_for(role)
    return st.navigation(
        {
            section: [
                st.Page(p.path, title=p.title, icon=p.icon, url_path=p.key, default=(p.key == "home")) for p in pages
            ]
            for section, pages in sections.items()
        },
        position="sidebar",
        expanded=True,  # a role's whole menu, not "View N more"
    )


VISIT_KEY = "gov_page_visit"


def count_visit(page) -> None:
    """Count the arrivals on a page (another page before this run): a page's one-time script (the
    desk's cursor in its first field) runs again on a new visit, not on the reruns within one."""
    if st.session_state.get("gov_page") != page.url_path:
        st.session_state["gov_page"] = page.url_path
        st.session_state[VISIT_KEY] = st.session_state.get(VISIT_KEY, 0) + 1


def login_only(login_page):
    """While logged out, every page URL shows the login form (a bookmark or deep link lands
    there, and after login the same URL opens the page if the role may use it)."""

    pages = [st.Page(login_page, title="登录", url_path="login", default=True)]
    pages += [st.Page(login_page, title="登录", url_path=p.key) for p in PAGES if p.key != "home"]
    return st.navigation(pages, position="hidden")
