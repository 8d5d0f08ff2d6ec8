"""The map on a page: its measure switch, the figure, the grids needing attention and the
查看网格 list that opens a grid's card (``grid_card``)."""

from __future__ import annotations

import streamlit as st

from components import ui
from components.grid_map.common import fmt_measure, grid_label, ranking
from components.grid_map.figure import build_figure
from components.grid_map.grid_card import grid_card
from components.grid_map.reads import grid_total, recent, shapes, values
from components.timefmt import minute_key
from db.permissions import Actor
from db.queries import grid_map as q


def _empty(actor: Actor) -> None:
    st.info(
        "本乡镇尚未导入网格边界，地图无法绘制。"
        + (
            "请在 网格花名册 → 导入导出 中导入 GeoJSON 文件（每个网格一个面，属性写网格编号）。"
            if actor.role == "admin"
            else "请联系系统管理员导入网格边界（GeoJSON）。"
        )
    )


def render(actor: Actor, key: str) -> None:
    """The map with its measure switch, the grids needing attention and a grid's detail."""
    drawn = shapes()
    grids = drawn["grids"]
    if not grids:
        _empty(actor)
        return
    minute = minute_key()
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    measure = (
        c1.segmented_control(
            "着色指标",
            list(q.MEASURES),
            format_func=lambda k: q.MEASURES[k].label,
            default="open",
            key=f"{key}_measure",
        )
        or "open"
    )
    c2.caption(q.MEASURES[measure].definition + f"；圆圈为近{q.RECENT_DAYS}天新增事项，按网格（或村）计。")
    vals = values(minute)
    left, right = st.columns([3, 1])
    with left:
        event = st.plotly_chart(
            build_figure(drawn, vals, measure, recent(minute)),
            on_select="rerun",
            selection_mode="points",
            key=f"{key}_chart_{measure}",
            config={"displayModeBar": False, "scrollZoom": False},
        )
    picked = _clicked_grid(event)
    names = {g["grid_id"]: grid_label(g) for g in grids}
    with right:
        st.markdown(f"**{q.MEASURES[measure].label}靠前的网格**")
        for i, r in enumerate(ranking(grids, vals, measure), start=1):
            st.markdown(f"{i}. {ui.esc(grid_label(r))}　**{fmt_measure(measure, r['value'])}**")
        drawn = len(grids)
        total = grid_total()
        if drawn < total:
            st.caption(f"{total - drawn} 个网格尚未导入边界，未在图上。")
    options = sorted(names, key=names.get)
    state = f"{key}_grid"
    if picked is not None and picked in names and st.session_state.get(f"{key}_last_click") != picked:
        st.session_state[f"{key}_last_click"] = picked
        st.session_state[state] = picked
    grid_id = st.selectbox(
        "查看网格",
        [None, *options],
        key=state,
        format_func=lambda g: "（点击地图上的网格，或在此选择）" if g is None else names[g],
    )
    if grid_id is not None:
        grid_card(actor, grid_id, names[grid_id], q.figures_of(vals, grid_id), minute)


def _clicked_grid(event) -> int | None:
    try:
        points = event.selection.points
    except AttributeError:
        return None
    for p in points or []:
        cd = p.get("customdata")
        if isinstance(cd, list):
            cd = cd[0] if cd else None
        if isinstance(cd, (int, float)):
            return int(cd)
    return None
