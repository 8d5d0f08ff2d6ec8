"""The ledger: its filters, the table of cases (a row picked opens the case) and the export."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import runtime, ui
from components.mediation.common import XLSX
from components.mediation.reads import mediators
from components.timefmt import fmt
from db.models.mediation import CASE_KINDS, CASE_LEVELS, DISPUTE_TYPES, RISK_COLOURS
from db.permissions import Actor, allowed
from db.queries import mediation as mq
from db.rules import mediation_fsm as fsm
from db.services import mediation_docs as docs

QUICK = {"open": "在调纠纷", "red": "红色预警", "stale": "超期无进展", "followup": "待回访销号"}


def filters(ref: dict, quick: str | None) -> mq.LedgerFilter:
    villages = {v["id"]: f"{v['township']} {v['name']}" for v in ref["villages"]}
    c1, c2, c3, c4 = st.columns([2, 2, 2, 3])
    view = c1.selectbox(
        "快捷视图",
        ["all", *QUICK],
        index=(["all", *QUICK].index(quick) if quick in QUICK else 0),
        format_func=lambda k: "全部案件" if k == "all" else QUICK[k],
        key="med_quick",
    )
    colours = c2.multiselect(
        "风险等级", list(RISK_COLOURS), format_func=RISK_COLOURS.get, key="med_colours", placeholder="全部"
    )
    statuses = c3.multiselect(
        "状态", list(fsm.STATUS_LABELS), format_func=fsm.STATUS_LABELS.get, key="med_statuses", placeholder="全部"
    )
    text = c4.text_input("编号或标题", key="med_text", placeholder="如 TJ-2026-000123 或 宅基地")
    with st.expander("更多筛选"):
        d1, d2, d3, d4, d5 = st.columns(5)
        kinds = d1.multiselect(
            "类别", list(CASE_KINDS), format_func=CASE_KINDS.get, key="med_kinds", placeholder="全部"
        )
        types = d2.multiselect(
            "纠纷类型", list(DISPUTE_TYPES), format_func=DISPUTE_TYPES.get, key="med_types", placeholder="全部"
        )
        village = d3.selectbox(
            "村（社区）", list(villages), index=None, format_func=villages.get, key="med_village", placeholder="全部"
        )
        level = d4.selectbox(
            "层级", list(CASE_LEVELS), index=None, format_func=CASE_LEVELS.get, key="med_level", placeholder="全部"
        )
        role = st.session_state["gov_actor"].role
        meds = {m["id"]: m["name"] for m in mediators(role)}
        mediator = d5.selectbox(
            "调解员", list(meds), index=None, format_func=meds.get, key="med_mediator", placeholder="全部"
        )
    return mq.LedgerFilter(
        kinds=tuple(kinds),
        colours=tuple(colours),
        statuses=tuple(statuses),
        dispute_types=tuple(types),
        village_ids=(village,) if village else (),
        level=level,
        mediator_id=mediator,
        open_only=view == "open",
        red_only=view == "red",
        stale=view == "stale",
        followup_due=view == "followup",
        text=text or None,
    )


def ledger_frame(rows: list[dict]) -> pd.DataFrame:
    def flag(r: dict) -> str:
        marks = []
        if r["stale"]:
            marks.append("无进展")
        if r["followup_overdue"]:
            marks.append("待回访")
        return "、".join(marks)

    return pd.DataFrame(
        [
            {
                "编号": r["number"],
                "登记日期": fmt(r["reported_at"], with_time=False),
                "村（社区）": r["village"],
                "类型": DISPUTE_TYPES.get(r["dispute_type"], r["dispute_type"])
                + ("（隐患）" if r["kind"] == "hazard" else ""),
                "标题": r["title"],
                "当事人": r["parties"],
                "风险": RISK_COLOURS.get(r["risk_colour"], ""),
                "层级": CASE_LEVELS.get(r["level"], ""),
                "进度": f"{r['current_step']}/4",
                "状态": fsm.STATUS_LABELS.get(r["status"], r["status"]),
                "提醒": flag(r),
            }
            for r in rows
        ]
    )


def _style(df: pd.DataFrame):
    colours = {
        "红色": "background-color:#fde2e1",
        "黄色": "background-color:#fff4d6",
        "蓝色": "background-color:#e3efff",
    }
    return df.style.map(lambda v: colours.get(v, ""), subset=["风险"]) if len(df) else df


def ledger_table(rows: list[dict], page_no: int) -> dict | None:
    gen = st.session_state.get("med_table_gen", 0)
    event = st.dataframe(
        _style(ledger_frame(rows)),
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=f"med_table_{gen}_{page_no}",
        height=38 + 35 * min(max(len(rows), 1), 12),
        column_config={
            "标题": st.column_config.TextColumn(width="medium"),
            "编号": st.column_config.TextColumn(width=130),
        },
    )
    picked = [rows[i] for i in event.selection.rows if i < len(rows)]
    return picked[0] if picked else None


def export_button(actor: Actor, f: mq.LedgerFilter, total: int, where) -> None:
    if not allowed(actor.role, "mediation.export"):
        return
    if where.button("导出台账Excel", icon=":material/download:", disabled=total == 0):
        with ui.user_errors():
            blob, n = docs.export_ledger(runtime.engine(), actor, f)
            st.download_button(
                f"下载台账.xlsx（{n}件）", blob, file_name="矛盾纠纷台账.xlsx", mime=XLSX, type="primary"
            )
