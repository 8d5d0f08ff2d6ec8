"""The roster's shared widgets: the place filter, the selectable tables and their keys, and the
view list."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.roster import reads
from db.permissions import Actor
from db.queries import roster as q

VIEWS = {
    "org": "组织架构",
    "map": "一张图",
    "staff": "网格员",
    "units": "十户长",
    "party": "党员",
    "household": "户与地址",
    "teams": "突击队与责任区",
    "io": "导入导出",
}
PAGE_SIZE = 20
ALL = "全部"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def views_for(role: str) -> dict[str, str]:
    """The views a role may open: the observer of a delegation gets no household list (a
    household's address and members are nothing a visit needs; issue #17)."""
    return {k: v for k, v in VIEWS.items() if not (role == "demo" and k == "household")}


def place_filter(actor: Actor, key: str, with_grid: bool = True) -> q.Scope:
    """Township (when several) → village → grid selects; a grid worker starts at their own grid."""
    towns = reads.townships()
    cols = st.columns(3 if len(towns) > 1 else 2)
    i = 0
    town_id = None
    if len(towns) > 1:
        t = cols[0].selectbox(
            "乡镇（街道）",
            [None] + [x["id"] for x in towns],
            key=f"{key}_town",
            format_func=lambda v: ALL if v is None else next(x["name"] for x in towns if x["id"] == v),
        )
        town_id, i = t, 1
    vs = reads.villages(town_id)
    mine = reads.my_grid(actor.user_id) if actor.role == "grid" else None
    if mine and f"{key}_village" not in st.session_state:
        st.session_state[f"{key}_village"] = mine["village_id"]
        st.session_state[f"{key}_grid"] = mine["id"]
    vid = cols[i].selectbox(
        "村（社区）",
        [None] + [v["id"] for v in vs],
        key=f"{key}_village",
        format_func=lambda v: ALL if v is None else next((x["name"] for x in vs if x["id"] == v), "—"),
    )
    gid = None
    if with_grid and vid:
        gs = reads.grids(vid)
        gid = cols[i + 1].selectbox(
            "网格",
            [None] + [g["id"] for g in gs],
            key=f"{key}_grid",
            format_func=lambda v: ALL if v is None else next((g["name"] for g in gs if g["id"] == v), "—"),
        )
    return q.Scope(township_id=town_id, village_id=vid, grid_id=gid)


def reset_on_change(key: str, value: object) -> None:
    """Back to page 1 when the filter changed, and a new table generation (see ``table_key``):
    a row selected in the old list must not select whoever is now at that position."""
    if st.session_state.get(f"{key}_last") != value:
        st.session_state[f"{key}_last"] = value
        st.session_state[f"{key}_page"] = 1
        st.session_state[f"{key}_gen"] = st.session_state.get(f"{key}_gen", 0) + 1


def table_key(key: str, page_number: int) -> str:
    """The key of a list's selectable table: changes with the page, the filter (``reset_on_change``)
    and every save (``next_generation``), so a selection never outlives the rows it was made on."""
    return f"{key}_table_{page_number}_{st.session_state.get(f'{key}_gen', 0)}_{st.session_state.get('roster_gen', 0)}"


def next_generation() -> None:
    """After a save (``ui.save_versioned(..., after=next_generation)``): every list's table gets a
    new key (``table_key``), so no row stays selected on rows that may have changed."""
    st.session_state["roster_gen"] = st.session_state.get("roster_gen", 0) + 1


def pick_row(frame: pd.DataFrame, key: str, height: int | None = None, **kw) -> int | None:
    """A table with single-row selection; the index of the chosen row."""
    event = st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=key,
        height=height or 38 + 35 * min(max(len(frame), 1), 12),
        **kw,
    )
    rows = [i for i in event.selection.rows if i < len(frame)]
    return rows[0] if rows else None


def phone_text(p: str | None) -> str:
    return p or "—"
