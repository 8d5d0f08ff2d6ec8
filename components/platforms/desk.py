"""The desk's pieces: the platform acted for, the tables of hand-offs and of cases, and the
picker that opens a listed case."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from components import data, ui
from components.platforms import reads
from components.platforms.common import due_text
from db.permissions import Actor
from db.rules import platform_fsm as fsm


def pick_platform(actor: Actor) -> dict | None:
    """An officer's own platform; admin picks any (township · platform)."""
    if actor.role == "platform":
        return reads.platform(actor.platform_id) if actor.platform_id else None
    ref = data.reference()["platforms"]
    if not ref:
        return None
    labels = {p["id"]: f"{p['township']} · {p['name']}" for p in ref}
    pid = st.selectbox("以哪个平台的身份办理", list(labels), format_func=labels.get, key="pl_as")
    return reads.platform(pid)


def handoff_table(rows: list[dict], now: datetime) -> None:
    ui.table(
        pd.DataFrame(
            {
                "案件编号": [r["number"] for r in rows],
                "标题": [r["title"] for r in rows],
                "推送平台": [r["from_platform"] for r in rows],
                "推送理由": [r["reason"] or "" for r in rows],
                "答复期限": [due_text(r["respond_due_at"], now) for r in rows],
                "已退回次数": [r["bounce_count"] for r in rows],
            }
        )
    )


def case_table(rows: list[dict], now: datetime) -> None:
    ui.table(
        pd.DataFrame(
            {
                "案件编号": [r["number"] for r in rows],
                "标题": [r["title"] for r in rows],
                "状态": [fsm.CASE_STATUS_LABELS.get(r["status"], r["status"]) for r in rows],
                "角色": [("牵头" if r["is_lead"] else "协办") + ("·联办" if r["is_joint"] else "") for r in rows],
                "期限": [due_text(r["due_at"], now) for r in rows],
                "提示": ["多次退回" if fsm.is_flagged(r["bounce_count"]) else "" for r in rows],
            }
        )
    )


def open_case_picker(rows: list[dict], key: str) -> None:
    """A select of the listed cases; choosing one opens it (?case=number)."""
    if not rows:
        return
    numbers = [r["number"] for r in rows]
    pick = st.selectbox(
        "打开案件", [""] + numbers, key=key, format_func=lambda n: n if n else "选择案件编号以查看详情并办理"
    )
    if pick:
        st.query_params["case"] = pick
        st.rerun()
