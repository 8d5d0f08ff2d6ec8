"""The actions a case's status allows, each a form: the next mediation step (its guided form),
escalation, referral to litigation or petition, the follow-up visit, close-out and reopening.
Each saves with the version the case was rendered at (``common.save_case``)."""

from __future__ import annotations

import streamlit as st

from components import runtime, ui
from components.mediation.common import save_case, version_key
from components.mediation.reads import mediators, write_scope
from components.timefmt import fmt, today
from db.models.mediation import MEDIATION_STEPS, RISK_COLOURS
from db.permissions import Actor
from db.queries import mediation as mq
from db.rules import mediation_fsm as fsm
from db.services import mediation as svc


def actions(actor: Actor, c: dict) -> None:
    acts = [a for a in c["actions"] if a != "agree"]  # agreement is a step's outcome
    if not acts:
        return
    st.divider()
    refusal = mq.case_scope_refusal(write_scope(actor), c["number"], c["township_id"], c["village_id"], c["level"])
    if refusal:
        st.caption(refusal + "（仅可查看）")
        return
    ui.show_conflict()
    if c["exit_required"]:
        st.warning("四步调解均未达成协议：请升级至乡级、转诉讼或转信访。")
    labels = {
        "step": f"记录第{c['next_step']}步：{MEDIATION_STEPS.get(c['next_step'], '')}" if c["next_step"] else "",
        **{k: v for k, v in fsm.ACTION_LABELS.items() if k != "step"},
    }
    action = st.segmented_control("办理", acts, format_func=labels.get, key=f"med_act_{c['id']}", default=acts[0])
    if action is None:
        st.caption("选择上方要办理的事项。")
        return
    ui.remember_version(version_key(c["id"]), c["version"])  # the version this case was rendered at
    eng = runtime.engine()
    if action == "step":
        _step_form(actor, c)
    elif action == "escalate":
        with st.form(f"med_esc_{c['id']}"):
            reason = st.text_area("升级原因", placeholder="如：涉及多户、村级调解未果、需乡里协调相关部门")
            township_meds = {
                m["id"]: m["name"] + ("（" + m["speciality"] + "）" if m["speciality"] else "")
                for m in mediators(actor.role)
                if m["level"] == "township"
            }
            new_med = st.selectbox(
                "乡级调解员（可不选）", list(township_meds), index=None, format_func=township_meds.get
            )
            if st.form_submit_button("确认升级至乡级", type="primary"):
                save_case(
                    c,
                    lambda v: svc.escalate(eng, actor, c["id"], v, reason, mediator_id=new_med),
                    lambda out: f"{out['number']} 已升级至乡级调处。",
                )
    elif action in ("litigation", "petition"):
        with st.form(f"med_out_{c['id']}"):
            note = st.text_area("去向说明", placeholder="如：当事人已向县人民法院起诉")
            if st.form_submit_button(f"确认{fsm.ACTION_LABELS[action]}", type="primary"):
                save_case(
                    c,
                    lambda v: svc.refer_out(eng, actor, c["id"], v, action, note),
                    lambda out: f"{out['number']} 已标记为{fsm.STATUS_LABELS[action]}。",
                )
    elif action == "followup":
        due = c.get("followup_due_on")
        if due and due > today():
            st.info(f"应回访日期为 {fmt(due)}，早于该日期的回访不能作为销号依据。")
        with st.form(f"med_fu_{c['id']}"):
            day = st.date_input("回访日期", value=today(), max_value=today(), format="YYYY-MM-DD")
            note = st.text_area("回访情况", placeholder="协议履行情况、当事人意见")
            if st.form_submit_button("登记回访", type="primary"):
                save_case(
                    c,
                    lambda v: svc.record_followup(eng, actor, c["id"], v, day, note),
                    lambda out: f"{out['number']} 已登记回访。",
                )
    elif action == "close":
        if not c.get("followup_at"):
            st.info("销号前须先登记回访（应回访日期起）。")
        with st.form(f"med_close_{c['id']}"):
            outcome = st.text_area("调处结果", placeholder="如：协议已履行到位，双方无异议")
            if st.form_submit_button("确认销号", type="primary"):
                save_case(
                    c, lambda v: svc.close(eng, actor, c["id"], v, outcome), lambda out: f"{out['number']} 已销号。"
                )
    elif action == "reopen":
        with st.form(f"med_reopen_{c['id']}"):
            reason = st.text_area("重新启调原因", placeholder="如：一方未履行协议，纠纷再起")
            if st.form_submit_button("确认重新启调", type="primary"):
                save_case(
                    c, lambda v: svc.reopen(eng, actor, c["id"], v, reason), lambda out: f"{out['number']} 已重新启调。"
                )


STEP_HINTS = {
    1: "网格员到场了解情况、初步调解，参加人员一般为网格员和双方当事人。",
    2: "邀请乡贤、老党员、村两委成员参与调解。",
    3: "法律顾问到场释法明理，讲清法律规定和可能的后果。",
    4: "召集村民代表评议，依据评议意见定案。",
}


def _step_form(actor: Actor, c: dict) -> None:
    no = c["next_step"]
    st.caption(
        f"第{no}步“{MEDIATION_STEPS[no]}”：{STEP_HINTS[no]} 任何一步都可以达成协议；"
        "未达成则进入下一步，第四步仍未达成须升级、转诉讼或转信访。"
    )
    outcome = st.radio(
        "本步结果",
        list(svc.STEP_OUTCOMES),
        format_func=svc.STEP_OUTCOMES.get,
        horizontal=True,
        key=f"med_outcome_{c['id']}",
    )
    with st.form(f"med_step_{c['id']}"):
        a, b = st.columns(2)
        day = a.date_input("调解日期", value=today(), max_value=today(), format="YYYY-MM-DD")
        colour = b.selectbox(
            "重新评定风险等级",
            list(RISK_COLOURS),
            index=list(RISK_COLOURS).index(c["risk_colour"]),
            format_func=RISK_COLOURS.get,
        )
        who = st.text_input("参加人员", placeholder="如：网格员王某、双方当事人")
        notes = st.text_area("调解情况（各方意见、调解员所做工作）")
        agreement = (
            st.text_area("协议内容", placeholder="逐条写明双方同意的事项、履行方式和期限")
            if outcome == "agreed"
            else None
        )
        if st.form_submit_button(f"保存第{no}步", type="primary"):
            msg = "已达成协议" if outcome == "agreed" else f"已记录第{no}步"
            save_case(
                c,
                lambda v: svc.record_step(
                    runtime.engine(),
                    actor,
                    c["id"],
                    v,
                    step_no=no,
                    held_on=day,
                    participants=who,
                    notes=notes,
                    risk_colour=colour,
                    outcome=outcome,
                    agreement_text=agreement,
                ),
                lambda out: f"{out['number']} {msg}。",
            )
