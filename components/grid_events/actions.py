"""网格事件: the steps of the loop the role may take on one event, each as a small form, saved
with the version the event had when its file was shown (``ui.save_versioned``)."""

from __future__ import annotations

import streamlit as st

from components import runtime, ui
from components.grid_events.event_list import reset_table
from components.grid_events.records import RECORD_LABELS
from db.errors import ValidationError
from db.models.grid_work import EVENT_HANDLING, EVENT_RATINGS
from db.models.mediation import DISPUTE_TYPES, RISK_COLOURS
from db.models.orders import URGENCIES
from db.permissions import Actor
from db.rules import event_fsm
from db.services import grid_events as svc


def _version_key(event_id: int) -> str:
    return f"ge_version_{event_id}"


def _offered(e: dict, actor: Actor, rec: dict | None) -> list[str]:
    acts = event_fsm.actions_for(e["status"], actor.role)
    if e["handled_at"] is not None:
        acts = [a for a in acts if a != "mark_handled"]
    else:
        acts = [a for a in acts if a != "verify"]
    if "mark_handled" in acts and rec is not None and not rec["closed"]:
        acts.remove("mark_handled")
    return acts


def actions(b: dict, actor: Actor, ref: dict) -> None:
    """The steps the role may take now, each as a small form."""
    e = b["event"]
    acts = _offered(e, actor, b["linked"])
    if not acts:
        waiting = {"in_hand": "等待转办单位办结后记录处置结果。", "archived": "事件已归档，闭环完成。"}.get(
            e["stage"], "当前角色在此环节没有可执行的操作。"
        )
        st.caption(waiting)
        return
    ui.remember_version(_version_key(e["id"]), e["version"])
    action = st.segmented_control("办理操作", acts, format_func=event_fsm.action_label, key=f"ge_act_{e['id']}")
    if not action:
        return
    key = f"ge_f_{e['id']}_{action}"
    v: dict = {}
    if action == "refer":  # the kind decides the form's fields: chosen outside the form
        kinds = ["order", "mediation", "platform"]
        v["kind"] = st.radio("转办去向", kinds, format_func=EVENT_HANDLING.get, horizontal=True, key=f"{key}_kind")
    with st.form(key):
        if action == "refer":
            if v["kind"] == "order":
                cats = {c["id"]: c["label"] for c in ref["categories"]}
                v["category"] = st.selectbox(
                    "诉求分类", list(cats), index=None, format_func=cats.get, placeholder="输入分类名搜索"
                )
                v["urgency"] = st.radio("紧急程度", list(URGENCIES), format_func=URGENCIES.get, horizontal=True)
            elif v["kind"] == "mediation":
                v["dispute_type"] = st.selectbox("纠纷类型", list(DISPUTE_TYPES), format_func=DISPUTE_TYPES.get)
                v["risk"] = st.radio("风险等级", list(RISK_COLOURS), format_func=RISK_COLOURS.get, horizontal=True)
            else:
                plats = {p["id"]: p["name"] for p in b["platforms"]}
                v["platform"] = st.selectbox(
                    "牵头平台", list(plats), index=None, format_func=plats.get, placeholder="请选择"
                )
            v["note"] = st.text_input("转办说明（选填）", max_chars=300)
        elif action == "verify":
            v["passed"] = st.radio(
                "核查结果", list(event_fsm.VERIFY_OUTCOMES), format_func=event_fsm.VERIFY_OUTCOMES.get, horizontal=True
            )
            v["note"] = st.text_area("核查情况（未通过时必填）", max_chars=1000, height=80)
        elif action == "evaluate":
            v["rating"] = st.radio(
                "评价等级", list(EVENT_RATINGS), format_func=EVENT_RATINGS.get, horizontal=True, index=1
            )
            v["note"] = st.text_input("评价意见（“较差”时必填）", max_chars=200)
        else:
            label = {
                "handle_on_spot": "处置情况（做了什么、结果如何）",
                "mark_handled": "处置结果",
                "archive": "归档说明（选填）",
            }[action]
            v["note"] = st.text_area(label, max_chars=1000, height=80)
        submitted = st.form_submit_button(f"确认{event_fsm.action_label(action)}", type="primary")
    if not submitted:
        return

    def after() -> None:
        st.session_state.pop(f"ge_act_{e['id']}", None)
        reset_table()
        st.query_params["event"] = e["number"]

    def message(result: dict) -> str:
        extra = (
            f"，已生成{RECORD_LABELS[result['record_type']]} {result['record_number']}"
            if result.get("record_number")
            else ""
        )
        return f"{e['number']}：已{event_fsm.action_label(action)}{extra}。"

    ui.save_versioned(
        _version_key(e["id"]),
        lambda version: _run(action, actor, e["id"], version, v),
        message,
        conflict_note=ui.SAVED_NOTE,
        after=after,
    )


def _run(action: str, actor: Actor, eid: int, version: int, v: dict) -> dict:
    engine, note = runtime.engine(), v.get("note")
    if action == "handle_on_spot":
        return svc.handle_on_spot(engine, actor, eid, version, note)
    if action == "refer":
        if v["kind"] == "order":
            if v["category"] is None:
                raise ValidationError("请选择诉求分类。", field="category_id")
            return svc.refer_to_order(engine, actor, eid, version, v["category"], v["urgency"], note)
        if v["kind"] == "mediation":
            return svc.refer_to_mediation(engine, actor, eid, version, v["dispute_type"], v["risk"], note=note)
        return svc.refer_to_platform(engine, actor, eid, version, v["platform"] or 0, note=note)
    if action == "mark_handled":
        return svc.mark_handled(engine, actor, eid, version, note)
    if action == "verify":
        return svc.verify(engine, actor, eid, version, v["passed"], note)
    if action == "evaluate":
        return svc.evaluate(engine, actor, eid, version, v["rating"], note)
    return svc.archive(engine, actor, eid, version, note)
