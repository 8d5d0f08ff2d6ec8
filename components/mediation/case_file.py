"""One case's file: its facts, parties and steps, the printable documents, and (for those who
may edit) the actions its status allows (``case_actions``)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import runtime, ui
from components.mediation.case_actions import actions
from components.mediation.common import DOCX
from components.timefmt import fmt
from db.models.mediation import CASE_LEVELS, CASE_SOURCES, DISPUTE_TYPES, RISK_COLOURS
from db.permissions import Actor, allowed
from db.rules import mediation_fsm as fsm
from db.services import mediation as svc
from db.services import mediation_docs as docs

COLOUR_ICON = {"red": ":red-badge[红色]", "yellow": ":orange-badge[黄色]", "blue": ":blue-badge[蓝色]"}


def case_view(actor: Actor, c: dict) -> None:
    kind = "【隐患】" if c["kind"] == "hazard" else ""
    st.subheader(f"{c['number']}　{kind}{ui.esc(c['title'])}")
    st.markdown(
        f"{COLOUR_ICON.get(c['risk_colour'], '')} :gray-badge[{fsm.STATUS_LABELS.get(c['status'])}] "
        f":violet-badge[{CASE_LEVELS.get(c['level'])}] :gray-badge[进度 {c['current_step']}/4]"
        + (f" :orange-badge[超{c['stale_days']}天无进展]" if c["stale"] else "")
        + (f" :gray-badge[重启{c['reopen_count']}次]" if c["reopen_count"] else "")
    )
    info = {
        "所在地": f"{c['township']} {c['village']}" + (f" · {c['grid']}" if c.get("grid") else ""),
        "纠纷类型": DISPUTE_TYPES.get(c["dispute_type"], ""),
        "来源": CASE_SOURCES.get(c["source"], ""),
        "调解员": c.get("mediator") or "—",
        "登记时间": fmt(c["reported_at"]),
        "最近进展": fmt(c["last_progress_at"]),
    }
    if c.get("escalated_at"):
        info["升级至乡级"] = f"{fmt(c['escalated_at'])}（{c.get('escalation_reason') or ''}）"
    if c.get("agreed_at"):
        info["协议达成"] = fmt(c["agreed_at"])
        info["应回访日期"] = fmt(c.get("followup_due_on"))
    if c.get("followup_at"):
        info["回访"] = f"{fmt(c['followup_at'], with_time=False)} {c.get('followup_note') or ''}"
    if c.get("closed_at"):
        info["销号时间"] = fmt(c["closed_at"])
    ui.table(pd.DataFrame({"项目": list(info), "内容": list(info.values())}).set_index("项目"))
    st.markdown("**简要情况：** " + ui.esc(c["summary"]))
    if c.get("agreement_text"):
        st.markdown("**协议内容：** " + ui.esc(c["agreement_text"]))
    if c.get("outcome"):
        st.markdown("**调处结果：** " + ui.esc(c["outcome"]))
    if c["parties"]:
        st.markdown("**当事人**")
        ui.table(
            pd.DataFrame(
                [
                    {
                        "身份": svc.PARTY_SIDES.get(p["side"], p["side"]),
                        "姓名": p["name"],
                        "电话": p["phone"] or "—",
                        "身份证号": p["id_number"] or "—",
                    }
                    for p in c["parties"]
                ]
            )
        )
    st.markdown(f"**调解过程（{len(c['steps'])} 步）**")
    if c["steps"]:
        ui.table(
            pd.DataFrame(
                [
                    {
                        "步骤": f"第{s['step_no']}步 {s['step']}" + ("（乡级）" if s.get("township") else ""),
                        "日期": fmt(s["held_on"]),
                        "参加人员": s["participants"],
                        "调解情况": s["notes"],
                        "结果": svc.STEP_OUTCOMES.get(s["outcome"], s["outcome"]),
                        "风险": RISK_COLOURS.get(s["risk_colour"], ""),
                    }
                    for s in c["steps"]
                ]
            )
        )
    else:
        st.caption("尚未开展调解。")
    if c["links"]:
        st.markdown(
            "**关联记录（一事一档）：** "
            + "；".join(ui.esc(f"{k['number'] or ''} {k['title'] or ''}") for k in c["links"])
        )
    if allowed(actor.role, "mediation.export"):
        prints(actor, c)
    if allowed(actor.role, "mediation.edit"):
        actions(actor, c)


def prints(actor: Actor, c: dict) -> None:
    a, b, _ = st.columns([2, 2, 4])
    with ui.user_errors():
        if a.button("生成案卷（Word）", icon=":material/description:", key=f"med_file_{c['id']}"):
            blob = docs.export_case_file(runtime.engine(), actor, c["id"])
            a.download_button("下载案卷.docx", blob, file_name=f"{c['number']}案卷.docx", mime=DOCX, type="primary")
        if c.get("agreement_text") and b.button("生成调解协议书", icon=":material/contract:", key=f"med_agr_{c['id']}"):
            blob = docs.export_agreement(runtime.engine(), actor, c["id"])
            b.download_button(
                "下载协议书.docx", blob, file_name=f"{c['number']}调解协议书.docx", mime=DOCX, type="primary"
            )
