"""A grid's card: its figures for every role and, for staff, its open matters with links to them."""

from __future__ import annotations

import streamlit as st

from components import ui
from components.grid_map.common import fmt_measure
from components.grid_map.reads import open_matters
from components.timefmt import fmt
from db.permissions import Actor
from db.queries import grid_map as q


def grid_card(actor: Actor, grid_id: int, name: str, v: dict, minute: str) -> None:
    """A grid's figures (every role) and, for staff, its open matters with links to them."""
    with st.container(border=True):
        st.markdown(f"#### {ui.esc(name)}")
        cols = st.columns(5)
        cols[0].metric(
            "在办工单",
            f"{v['open_orders']}件",
            delta=f"超期{v['overdue']}件" if v["overdue"] else None,
            delta_color="inverse",
        )
        cols[1].metric(
            "未归档网格事件",
            f"{v['open_events']}件",
            delta=f"本月上报{v['events_month']}件",
            delta_color="off",
            delta_arrow="off",
        )
        cols[2].metric(
            "未结矛盾纠纷",
            f"{v['disputes']}件",
            delta=f"红{v['red']} 黄{v['yellow']} 蓝{v['blue']}",
            delta_color="off",
            delta_arrow="off",
        )
        cols[3].metric("户数", f"{v['households']}户")
        cols[4].metric("党员联户覆盖率", fmt_measure("party", q.measure_value("party", v)))
        if actor.role == "demo":
            st.caption("演示模式只显示汇总数字。")
            return
        m = open_matters(grid_id, actor.role, minute)
        if not any(m.values()):
            st.caption("该网格目前没有在办事项。")
            return
        for r in m["orders"]:
            due = f"时限 {fmt(r['due_at'])}" if r["due_at"] else ""
            st.page_link(
                "pages/inbox.py",
                label=ui.esc(
                    f"工单 {r['number']}　{r['title'] or ''}　{r['status_label']}　{due}"
                    + ("　已超期" if r["overdue"] else "")
                ),
                icon=":material/call:",
                query_params={"order": r["number"]},
            )
        for r in m["events"]:
            st.page_link(
                "pages/grid_events.py",
                label=ui.esc(
                    f"事件 {r['number']}　{r['type_label']}　{r['status_label']}　{(r['description'] or '')[:30]}"
                ),
                icon=":material/flag:",
                query_params={"event": r["number"]},
            )
        for r in m["disputes"]:
            st.page_link(
                "pages/mediation.py",
                label=ui.esc(f"纠纷 {r['number']}　{r['type_label']}　{r['risk_label']}　{r['status_label']}"),
                icon=":material/handshake:",
                query_params={"case": r["number"]},
            )
