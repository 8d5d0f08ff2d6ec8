"""The ledger: the counts with their warnings, the filters and the table with its warning colours."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.tasks.common import QUICK
from components.tasks.reads import lead_units
from components.timefmt import fmt
from db.models.tasks import TASK_STATUSES
from db.queries import tasks as tq


def cards(c: dict[str, int]) -> None:
    cols = st.columns(len(tq.COUNTS))
    for col, (key, count) in zip(cols, tq.COUNTS.items(), strict=True):
        with col.container(border=True):
            st.metric(count.label, c[key], help=f"口径：{count.basis}")
            if key != "open" and c[key]:
                colour, word = ("orange", "临近时限") if key == "due_soon" else ("red", "需督促")
                st.markdown(f":{colour}-badge[{word}]")


def filters(quick: str | None) -> tq.TaskFilter:
    keys = list(QUICK)
    a, b, c = st.columns([2, 2, 3])
    view = a.selectbox(
        "快捷视图", keys, index=keys.index(quick) if quick in QUICK else 0, format_func=QUICK.get, key="task_quick"
    )
    units = lead_units()
    lead = b.selectbox("牵头单位", units, index=None, key="task_lead", placeholder="全部")
    text = c.text_input("编号或关键词", key="task_text", placeholder="如 县-036、改造、综治中心")
    status = {"closed": "closed", "all": None}.get(view, "open")
    warning = view if view in tq.WARNINGS else None
    return tq.TaskFilter(status=status, warning=warning, lead_unit=lead, text=text or None)


def frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "编号": r["number"],
                "任务": r["title"],
                "牵头单位": r["lead_unit"],
                "责任人": r["owner"] or "—",
                "完成时限": fmt(r["due_on"]),
                "节点": f"{r['m_done']}/{r['m_total']}",
                "进度": f"{r['progress_percent']}%",
                "状态": TASK_STATUSES.get(r["status"], r["status"]),
                "提醒": r["warning_text"] or ("已销号" if r["status"] == "closed" else ""),
            }
            for r in rows
        ]
    )


def _colour(value: str) -> str:
    if "逾期" in value:
        return "background-color:#fde2e1"
    if "到期" in value:
        return "background-color:#fff4d6"
    return ""


def ledger_table(rows: list[dict], page_no: int) -> dict | None:
    gen = st.session_state.get("task_table_gen", 0)
    df = frame(rows)
    event = st.dataframe(
        df.style.map(_colour, subset=["提醒"]) if len(df) else df,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=f"task_table_{gen}_{page_no}",
        height=38 + 35 * min(max(len(rows), 1), 12),
        column_config={
            "任务": st.column_config.TextColumn(width="large"),
            "编号": st.column_config.TextColumn(width=120),
        },
    )
    picked = [rows[i] for i in event.selection.rows if i < len(rows)]
    return picked[0] if picked else None
