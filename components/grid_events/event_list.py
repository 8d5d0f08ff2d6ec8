"""网格事件: the list and its filters (the open events first), its table and its clock text."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import data
from components.orders import LIGHT_STYLE
from components.timefmt import fmt_short
from db.models.base import utcnow
from db.models.grid_work import EVENT_HANDLING, EVENT_TYPES
from db.permissions import Actor
from db.queries.grid_events import EVENT_COUNTS, OPEN_STAGES, STAGES, EventFilter
from db.rules.sla import LIGHT_LABELS, overdue_text, remaining_text

PAGE_SIZE = 20
STAGE_STYLE = {
    "待分级转办": "background-color:#f9dedc;color:#8c1d18;font-weight:600",
    "待核查反馈": "background-color:#fdf0d5;color:#7a4b00;font-weight:600",
    "待评价": "background-color:#e3ecfa;color:#1f3f7a",
    "待归档": "background-color:#e3ecfa;color:#1f3f7a",
}


def filters(ref: dict, actor: Actor) -> EventFilter:
    """The list filter widgets; defaults to the open events (the archive is one click away)."""
    options = {"open": "全部未归档（待办理在前）", **STAGES, "all": "全部（含已归档）"}
    wanted = st.query_params.get("stage", "")
    c1, c2, c3 = st.columns([3, 2, 2], vertical_alignment="bottom")
    choice = c1.selectbox(
        "环节",
        list(options),
        index=list(options).index(wanted) if wanted in options else 0,
        format_func=options.get,
        key="ge_stage",
    )
    stages = OPEN_STAGES if choice == "open" else () if choice == "all" else (choice,)
    number = c2.text_input("事件编号", placeholder="如 SJ-2026-000123", key="ge_number")
    mine_label = "我上报的" if actor.role == "grid" else "我办理过的"
    mine = c3.toggle(mine_label, key="ge_mine")
    # 已超期: the "now" count of the leader's home card (db.queries.grid_events.EVENT_COUNTS), which links here
    overdue = c3.toggle(
        "只看已超期",
        value=st.query_params.get("only") == "overdue",
        key="ge_overdue",
        help=EVENT_COUNTS["overdue"].definition,
    )
    with st.expander("更多筛选：类型、转办方式、村（社区）与网格、上报日期"):
        c1, c2, c3 = st.columns(3)
        types = c1.multiselect("事件类型", list(EVENT_TYPES), format_func=EVENT_TYPES.get, key="ge_types")
        handling = c2.multiselect("转办方式", list(EVENT_HANDLING), format_func=EVENT_HANDLING.get, key="ge_handling")
        dates = c3.date_input("上报日期", value=(), format="YYYY-MM-DD", key="ge_dates")
        village_id = grid_id = None
        if actor.role != "grid":
            vills = {v["id"]: v["name"] for v in ref["villages"]}
            village_id = c1.selectbox(
                "村（社区）", list(vills), index=None, format_func=vills.get, key="ge_village", placeholder="全部"
            )
            if village_id:
                grids = {g["id"]: g["name"] for g in data.grids(village_id)}
                grid_id = c2.selectbox(
                    "网格", list(grids), index=None, format_func=grids.get, key="ge_grid", placeholder="全部"
                )
    d_from = dates[0] if isinstance(dates, tuple) and len(dates) == 2 else None
    d_to = dates[1] if isinstance(dates, tuple) and len(dates) == 2 else None
    return EventFilter(
        stages=tuple(stages),
        event_types=tuple(types),
        handling=tuple(handling),
        village_id=village_id,
        grid_id=grid_id,
        reported_from=d_from,
        reported_to=d_to,
        mine=mine,
        number=number.strip() or None,
        overdue=overdue,
    )


def clock_text(r: dict, now) -> str:
    """The handling clock in a list: time left or overdue (``db.rules.sla.remaining_text``, the
    orders' format), （暂定）; a closed event: 按期办结, or how late it was when closed."""
    if r.get("due_at") is None:
        return ""
    if r.get("closed_at") is not None:
        late = overdue_text(r["due_at"], r["closed_at"])
        return f"办结时{late}" if late else "按期办结"
    return remaining_text(r["due_at"], now) + ("（暂定）" if r.get("due_provisional") else "")


def _risk(r: dict) -> str:
    return LIGHT_LABELS.get(r.get("light", ""), "") if r.get("closed_at") is None and r.get("due_at") else ""


def list_frame(rows: list[dict]) -> pd.DataFrame:
    now = utcnow()
    return pd.DataFrame(
        {
            "风险": [_risk(r) for r in rows],
            "环节": [STAGES[r["stage"]] for r in rows],
            "编号": [r["number"] for r in rows],
            "上报": [fmt_short(r["reported_at"]) for r in rows],
            "时限": [clock_text(r, now) for r in rows],
            "类型": [EVENT_TYPES.get(r["event_type"], r["event_type"]) for r in rows],
            "事件": [(r["description"] or "")[:40] for r in rows],
            "网格": [f"{r['village']} {r['grid']}" for r in rows],
            "转办": [EVENT_HANDLING.get(r["handling"] or "", "—") for r in rows],
            "上报人": [r["reporter"] or "—" for r in rows],
        }
    )


LIST_COLUMNS = {
    "风险": st.column_config.TextColumn(width=48),
    "环节": st.column_config.TextColumn(width=90),
    "编号": st.column_config.TextColumn(width=118),
    "上报": st.column_config.TextColumn(width=86),
    "时限": st.column_config.TextColumn(width=110),
    "类型": st.column_config.TextColumn(width=72),
    "事件": st.column_config.TextColumn(width=300),
    "网格": st.column_config.TextColumn(width=150),
    "转办": st.column_config.TextColumn(width=64),
    "上报人": st.column_config.TextColumn(width=64),
}


def styled(df: pd.DataFrame):
    return df.style.map(lambda v: STAGE_STYLE.get(v, ""), subset=["环节"]).map(
        lambda v: LIGHT_STYLE.get(v, ""), subset=["风险"]
    )


TABLE_GEN = "ge_table_gen"


def reset_table() -> None:
    st.session_state[TABLE_GEN] = st.session_state.get(TABLE_GEN, 0) + 1
