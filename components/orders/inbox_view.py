"""The order lists: the inbox's filters, its table (risk first) and the supervision list."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from components.orders.common import (
    LIGHT_ICONS,
    LIGHT_STYLE,
    channel_and_caller,
    county_no,
    handler_cell,
    remaining,
    where_and_who,
)
from components.timefmt import fmt, fmt_deadline, fmt_short, today
from db.models.base import utcnow
from db.models.orders import CHANNELS, OPEN_STATUSES, ORDER_STATUSES
from db.queries.order_counts import COUNTS
from db.queries.orders import InboxFilter
from db.rules.sla import overdue_text


def filters(ref: dict, role: str) -> InboxFilter:
    """The inbox filter widgets; defaults to the open orders."""
    # a link (from the home page) may set the first filters: ?status=a,b  ?from=today
    qp = st.query_params
    wanted = [x for x in qp.get("status", "").split(",") if x in ORDER_STATUSES]
    c1, c2 = st.columns([2, 3])
    text = c1.text_input("搜索", placeholder="编号、电话、地址或关键词", key="inbox_text")
    statuses = c2.multiselect(
        "状态",
        list(ORDER_STATUSES),
        default=wanted or list(OPEN_STATUSES),
        format_func=ORDER_STATUSES.get,
        key="inbox_status",
    )
    # the labels of the "now" counts (db.queries.order_counts), as on the home cards they come from
    flag_names = {
        "overdue": COUNTS["overdue"].label,
        "contact_overdue": COUNTS["contact_overdue"].label,
        "supervised": COUNTS["supervised"].label,
        "unsatisfied": "不满意",
        "extension": "待批延期",
        "mine": "我的",
    }
    wanted_flags = [x for x in qp.get("only", "").split(",") if x in flag_names]
    # a row of its own: six pills in a third of the width ran off its edge
    flags = (
        st.pills(
            "只看",
            list(flag_names),
            selection_mode="multi",
            default=wanted_flags or None,
            format_func=flag_names.get,
            key="inbox_flags",
        )
        or []
    )
    with st.expander("更多筛选：渠道、类别、平台、村（社区）、受理日期", expanded=qp.get("from") == "today"):
        c1, c2 = st.columns(2)
        channels = c1.multiselect("渠道", list(CHANNELS), format_func=CHANNELS.get, key="inbox_channel")
        cats = {c["id"]: c["label"] for c in ref["categories"]}
        category_ids = c2.multiselect("类别", list(cats), format_func=cats.get, key="inbox_cat")
        plats = {p["id"]: p["name"] for p in ref["platforms"]}
        platform_ids = c1.multiselect(
            "承办平台",
            list(plats),
            format_func=plats.get,
            key="inbox_plat",
            disabled=role == "platform",
            help="平台工作人员只看本平台工单",
        )
        vills = {v["id"]: v["name"] for v in ref["villages"]}
        village_ids = c2.multiselect("村（社区）", list(vills), format_func=vills.get, key="inbox_village")
        day = today()
        dates = c1.date_input(
            "受理日期",
            value=(day, day) if qp.get("from") == "today" else (),
            format="YYYY-MM-DD",
            key="inbox_dates",
        )
    date_from = dates[0] if isinstance(dates, tuple) and len(dates) == 2 else None
    date_to = dates[1] if isinstance(dates, tuple) and len(dates) == 2 else None
    return InboxFilter(
        statuses=tuple(statuses),
        channels=tuple(channels),
        category_ids=tuple(category_ids),
        platform_ids=tuple(platform_ids),
        village_ids=tuple(village_ids),
        received_from=date_from,
        received_to=date_to,
        overdue="overdue" in flags,
        contact_overdue="contact_overdue" in flags,
        supervised="supervised" in flags,
        unsatisfied="unsatisfied" in flags,
        mine="mine" in flags,
        extension_pending="extension" in flags,
        text=text.strip() or None,
    )


def inbox_frame(rows: list[dict]) -> pd.DataFrame:
    now = utcnow()

    def clock(r: dict) -> str:
        if r["status"] not in OPEN_STATUSES:
            return f"办结 {fmt(r['resolved_at'], False)}" if r.get("resolved_at") else ""
        if r["due_at"]:
            return remaining(r["due_at"], now) + ("（暂定）" if r.get("due_provisional") else "")
        if r.get("external_due_at"):  # transferred by 12345, not yet dispatched: the county's clock runs
            return "县限" + remaining(r["external_due_at"], now)
        return "联系" + remaining(r["contact_due_at"], now)

    return pd.DataFrame(
        {
            "风险": [LIGHT_ICONS.get(r["light"], "") for r in rows],
            "编号": [r["number"] for r in rows],
            "受理": [fmt_short(r["received_at"]) for r in rows],
            "事项": [(f"【县{r['external_no']}】" if county_no(r) else "") + (r["title"] or "") for r in rows],
            **where_and_who(rows),
            "时限": [clock(r) for r in rows],
            **channel_and_caller(rows),
        }
    )


INBOX_COLUMNS = {
    "风险": st.column_config.TextColumn(width=48),
    "编号": st.column_config.TextColumn(width=118),
    "受理": st.column_config.TextColumn(width=86),
    # 事项 and 状态 are the facts of the row: wide enough for a whole title (the desk's titles stop
    # at about 20 characters) and for 办理中·督办 (a cut title read as another matter)
    "事项": st.column_config.TextColumn(width=300),
    "类别": st.column_config.TextColumn(width=80),
    "村（社区）": st.column_config.TextColumn(width=72),
    "状态": st.column_config.TextColumn(width=104),
    "承办": st.column_config.TextColumn(width=104),
    "时限": st.column_config.TextColumn(width=96),
}


def styled(df: pd.DataFrame):
    """The risk column coloured (red / amber / green) rather than marked with emoji."""
    if df.empty:
        return df
    return df.style.map(lambda v: LIGHT_STYLE.get(v, ""), subset=["风险"])


def supervision_frame(rows: list[dict], now: datetime | None = None) -> pd.DataFrame:
    now = now or utcnow()
    return pd.DataFrame(
        {
            "编号": [r["number"] for r in rows],
            "事项": [r["title"] for r in rows],
            "村（社区）": [r["village"] or "" for r in rows],
            "承办部门": [handler_cell(r) for r in rows],
            "截止": [fmt_deadline(r["due_at"], r.get("due_provisional")) for r in rows],
            "超期": [overdue_text(r["due_at"], now) or "未超期" for r in rows],
            "督办领导": [r["supervisor"] or "未指定" for r in rows],
            "催办": [r["urge_count"] for r in rows],
            "延期": [r["extension_count"] for r in rows],
        }
    )
