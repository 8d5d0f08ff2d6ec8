"""网格花名册: the views of the roster page (one module each), their cached reads (``reads``,
masked for the role), the edit forms (``forms``), the shared widgets (``common``) and the
reusable ``household_chain`` (chain of responsibility + history of one household)."""

from __future__ import annotations

import streamlit as st

from components.roster.common import VIEWS, views_for
from components.roster.view_household import household_chain, view_household
from components.roster.view_io import view_files, view_map
from components.roster.view_org import view_org
from components.roster.view_party import view_party
from components.roster.view_staff import view_staff
from components.roster.view_teams import view_teams
from components.roster.view_units import view_units

__all__ = ["RENDER", "VIEWS", "current_view", "household_chain", "views_for"]


def current_view(role: str) -> str:
    """The view switcher. The URL is the source of truth (?view=..., ?household=..., ?member=...),
    so every view can be linked to and a rerun never loses the view."""
    qp = st.query_params
    views = views_for(role)
    wanted = "household" if qp.get("household") else "party" if qp.get("member") else qp.get("view")
    if wanted not in views:
        wanted = "org"
    st.session_state["roster_view"] = wanted

    def switch() -> None:
        chosen = st.session_state.get("roster_view") or "org"
        for k in ("household", "member"):
            if k in st.query_params:
                del st.query_params[k]
        st.query_params["view"] = chosen

    st.segmented_control(
        "视图", list(views), format_func=views.get, key="roster_view", label_visibility="collapsed", on_change=switch
    )
    if qp.get("view") != wanted:
        st.query_params["view"] = wanted
    return wanted


RENDER = {
    "org": view_org,
    "map": view_map,
    "staff": view_staff,
    "units": view_units,
    "party": view_party,
    "household": view_household,
    "teams": view_teams,
    "io": view_files,
}
