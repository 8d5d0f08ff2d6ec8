"""One case: its facts, the actions my platform may take now (a form each, saved with the
version the case was rendered at) and its whole timeline."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import runtime, ui
from components.platforms.common import as_pid, due_text, now_utc, save, version_key
from components.timefmt import fmt
from db.models.platforms import CASE_SOURCES
from db.permissions import Actor
from db.rules import platform_fsm as fsm
from db.services import platforms as svc


def timeline(events: list[dict]) -> None:
    ui.table(
        pd.DataFrame(
            {
                "时间": [fmt(e["at"]) for e in events],
                "平台": [e["platform"] or "—" for e in events],
                "操作人": [e["actor"] or "系统" for e in events],
                "操作": [
                    fsm.EVENT_LABELS.get(e["action"], e["action"])
                    + (f" → {e['to_platform']}" if e["to_platform"] else "")
                    for e in events
                ],
                "状态": [
                    f"{fsm.CASE_STATUS_LABELS.get(e['from_status'], '')} → "
                    f"{fsm.CASE_STATUS_LABELS.get(e['to_status'], '')}"
                    if e["from_status"]
                    else fsm.CASE_STATUS_LABELS.get(e["to_status"], "")
                    for e in events
                ],
                "说明": [e["note"] or "" for e in events],
            }
        )
    )


def case_panel(actor: Actor, c: dict, plat: dict | None) -> None:
    now = now_utc()
    st.markdown(f"### {ui.esc(c['number'])} · {ui.esc(c['title'])}")
    status = fsm.CASE_STATUS_LABELS.get(c["status"], c["status"])
    flag = " · :red-badge[多次退回]" if fsm.is_flagged(c["bounce_count"]) else ""
    st.markdown(
        f"**状态**：{status} · **牵头**：{ui.esc(c['lead_platform'])}"
        + (f" · **协办**：{ui.esc('、'.join(c['assists']))}" if c["assists"] else "")
        + f" · **来源**：{CASE_SOURCES.get(c['source'], c['source'])}"
        + f" · **期限**：{due_text(c['due_at'], now) if c['status'] != 'closed' else fmt(c['due_at'])}"
        + f" · **退回**：{c['bounce_count']} 次{flag}"
    )
    st.markdown(f"**村（社区）**：{ui.esc(c['village'] or '—')} · **描述**：{ui.esc(c['description'])}")
    if c["result"]:
        st.markdown(f"**办理结果**：{ui.esc(c['result'])}")
    if actor.role in ("platform", "admin") and plat is not None:
        _actions(actor, c, plat)
    st.markdown(f"**处理时间线**（{len(c['timeline'])} 步）")
    timeline(c["timeline"])


def _actions(actor: Actor, c: dict, plat: dict) -> None:
    pid = plat["id"]
    pending = c["pending_handoff"]
    my_sides = fsm.sides(
        is_lead=c["lead_platform_id"] == pid,
        is_receiver=bool(pending and pending["to_platform_id"] == pid),
        is_assist=pid in c["assist_ids"],
    )
    actions = fsm.actions_for(c["status"], actor.role, my_sides)
    if not actions:
        st.caption("当前没有需要本平台办理的操作。")
        return
    ui.remember_version(version_key("case", c["id"]), c["version"])  # the version the case was rendered at
    tabs = st.tabs([fsm.ACTION_LABELS[a] for a in actions])
    for tab, action in zip(tabs, actions, strict=False):
        with tab:
            _action_form(actor, c, plat, action)


def _action_form(actor: Actor, c: dict, plat: dict, action: str) -> None:
    kw = {"as_platform_id": as_pid(actor, plat)}
    e = runtime.engine()
    with st.form(f"case_{action}_{c['id']}", clear_on_submit=False, border=False):
        if action in ("accept", "receive"):
            st.caption("签收后由本平台牵头办理。" if action == "receive" else "确认由本平台办理。")
        target = None
        if action == "push":
            others = {p: n for p, n in c["platforms"].items() if p != c["lead_platform_id"]}
            target = st.selectbox("推送给", list(others), format_func=others.get, key=f"push_to_{c['id']}")
        text = None
        if action in ("push", "bounce", "close", "note"):
            label = {"push": "推送理由", "bounce": "退回理由", "close": "办理结果", "note": "办理记录"}[action]
            text = st.text_area(label, key=f"case_{action}_text_{c['id']}", height=80)
        if st.form_submit_button(fsm.ACTION_LABELS[action], type="primary"):
            step = {
                "accept": lambda v: svc.accept(e, actor, c["id"], v, **kw),
                "receive": lambda v: svc.receive(e, actor, c["id"], v, **kw),
                "push": lambda v: svc.push(e, actor, c["id"], v, to_platform_id=target, reason=text, **kw),
                "bounce": lambda v: svc.bounce(e, actor, c["id"], v, reason=text, **kw),
                "close": lambda v: svc.close(e, actor, c["id"], v, result=text, **kw),
                "note": lambda v: svc.add_note(e, actor, c["id"], v, note=text, **kw),
            }[action]
            save("case", c["id"], step, f"案件{c['number']}：{fsm.ACTION_LABELS[action]}完成。")
