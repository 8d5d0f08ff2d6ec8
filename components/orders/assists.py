"""The assisting departments of a 吹哨办 order on its file: who assists, where each part stands,
what each reported; and, for an officer of an assisting department's platform, its part's
签收 / 反馈 (db/services/order_assists.py)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import runtime, ui
from components.timefmt import fmt
from db.models.orders import ASSIST_OPEN, ASSIST_STATUSES
from db.permissions import Actor, allowed
from db.services import order_assists as svc


def version_key(assist_id: int) -> str:
    return f"assist_version_{assist_id}"


def frame(assists: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "协办部门": [f"{a['platform']} / {a['department']}" for a in assists],
            "状态": [ASSIST_STATUSES.get(a["status"], a["status"]) for a in assists],
            "签收": [
                f"{fmt(a['accepted_at'])} {a['accepted_by'] or ''}".strip() if a["accepted_at"] else "—"
                for a in assists
            ],
            "反馈": [
                f"{fmt(a['reported_at'])} {a['reported_by'] or ''}".strip() if a["reported_at"] else "—"
                for a in assists
            ],
            "反馈内容": [a["report"] or "" for a in assists],
        }
    )


def mine(actor: Actor, assists: list[dict]) -> list[dict]:
    """The open parts the actor may act on: an officer, those of the officer's platform; the
    administrator, every open part."""
    if not allowed(actor.role, "order.assist"):
        return []
    return [
        a
        for a in assists
        if a["status"] in ASSIST_OPEN and (actor.role == "admin" or a["platform_id"] == actor.platform_id)
    ]


def render(actor: Actor, order: dict, assists: list[dict]) -> None:
    waiting = sum(1 for a in assists if a["status"] in ASSIST_OPEN)
    lead = f"{order['platform'] or ''}{order['department'] or ''}"
    st.markdown(
        f"**吹哨办 · 协办部门**（{lead}牵头；"
        + (f"{waiting} 个协办部门尚未反馈，牵头部门须待全部反馈后办结）" if waiting else "协办部门均已反馈）")
    )
    st.dataframe(frame(assists), hide_index=True, width="stretch")
    if order["status"] not in ("dispatched", "in_progress"):
        return
    for part in mine(actor, assists):
        _part_form(actor, order, part)


def _part_form(actor: Actor, order: dict, part: dict) -> None:
    ui.remember_version(version_key(part["id"]), part["version"])
    with st.form(f"assist_{part['id']}"):
        st.markdown(f"**{part['department']}的协办**（{ASSIST_STATUSES[part['status']]}）")
        text = st.text_area(
            "协办反馈（本部门办理了什么、结果如何）",
            max_chars=svc.REPORT_MAX,
            height=80,
            key=f"assist_text_{part['id']}",
        )
        c1, c2 = st.columns(2)
        accept = c1.form_submit_button("签收协办", disabled=part["status"] != "assigned")
        report = c2.form_submit_button("提交反馈", type="primary")
    if not (accept or report):
        return
    engine = runtime.engine()

    def save(version: int) -> None:
        if report:
            svc.report(engine, actor, part["id"], version, text)
        else:
            svc.accept(engine, actor, part["id"], version)

    def show_order() -> None:
        st.query_params["order"] = order["number"]

    done = "已提交协办反馈" if report else "已签收协办"
    ui.save_versioned(
        version_key(part["id"]),
        save,
        f"{order['number']}：{part['department']}{done}。",
        conflict_note=ui.SAVED_NOTE,
        after=show_order,
    )
