"""网格事件: one event's file — its details, handling clock, photos, timeline and links — with
the steps the role may take (actions.py)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import ui
from components.grid_events.actions import actions
from components.grid_events.event_list import clock_text
from components.grid_events.reads import bundle, own_staff
from components.grid_events.records import RECORD_LABELS, RECORD_PAGES, record_status
from components.orders import badge
from components.timefmt import fmt, fmt_deadline
from components.ui import esc
from db.models.base import utcnow
from db.models.grid_work import EVENT_HANDLING, EVENT_RATINGS, EVENT_STATUSES, EVENT_TYPES
from db.permissions import Actor, can_open
from db.queries import grid_events as q
from db.queries.grid_events import STAGES
from db.rules import event_fsm
from db.rules import photo as photo_rules
from db.rules.sla import remaining_text


def detail(b: dict) -> None:
    e = b["event"]
    st.markdown(f"### {esc(e['number'])} · {EVENT_TYPES.get(e['event_type'], '')}")
    stage = STAGES[e["stage"]]
    st.caption(
        f"状态：{EVENT_STATUSES.get(e['status'])}（{stage}）"
        + (f" · {EVENT_HANDLING[e['handling']]}" if e["handling"] else "")
        + (f" · 评价：{EVENT_RATINGS[e['rating']]}" if e["rating"] else "")
    )
    c1, c2, c3 = st.columns(3)
    c1.markdown(
        f"**网格**：{esc(e['village'])} {esc(e['grid'])}  \n**地点**：{esc(e['address'] or '—')}  \n"
        f"**所在户**：{esc(e['household_head'] or '—')} {esc(e['household_phone'] or '')}"
    )
    c2.markdown(
        f"**上报人**：{esc(e['reporter'] or '—')} {esc(e['reporter_phone'] or '')}  \n"
        f"**上报时间**：{fmt(e['reported_at'])}  \n**处置时间**：{fmt(e['handled_at'])}"
    )
    c3.markdown(
        f"**核查时间**：{fmt(e['verified_at'])}  \n**评价时间**：{fmt(e['evaluated_at'])}  \n"
        f"**归档时间**：{fmt(e['archived_at'])}"
    )
    clock(e)
    text_col, photo_col = st.columns([3, 2]) if b["photos"] else (st.container(), None)
    with text_col:
        st.markdown("**事件描述**")
        st.text(e["description"])
        if e["evaluation"]:
            st.markdown("**评价意见**")
            st.text(e["evaluation"])
        rec = b["linked"]
        if rec:
            hint = ""
            if e["stage"] == "in_hand":
                hint = "，办结后可记录处置结果" if not rec["closed"] else "，可记录处置结果"
            st.info(
                f"已转{RECORD_LABELS[rec['type']]} {rec['number']}，当前状态："
                f"{record_status(rec['type'], rec['status'])}{hint}。",
                icon=":material/link:",
            )
    if photo_col is not None:
        for k, photo in enumerate(b["photos"]):
            label = f"现场照片{k + 1 if len(b['photos']) > 1 else ''}"
            if photo_rules.displayable(photo):
                photo_col.image(photo, caption=label, width=320)
            else:  # stored before uploads were re-encoded: one bad file must not break the event
                photo_col.caption(f"{label}无法显示（文件已损坏）。")


def clock(e: dict) -> None:
    """The handling clock, as the order's 办理时限 panel: light, deadline, time left or overdue."""
    if e.get("due_at") is None:
        return
    now = utcnow()
    lt = q.clock_light(e, now)
    with st.container(border=True):
        st.markdown(f"**处置时限** · {badge(lt)}")
        st.write(
            f"上报 {fmt(e['reported_at'])} → 截止 {fmt_deadline(e['due_at'], e.get('due_provisional'))}"
            f"（{EVENT_TYPES.get(e['event_type'], '')}，{e.get('due_workdays') or '—'}个工作日，自上报次日起算）"
        )
        if e.get("due_provisional"):
            st.caption(
                "时限暂定：所跨年份的节假日安排尚未录入，按法定节假日和周末计算（不含调休）；管理员录入后自动重算。"
            )
        if e.get("closed_at"):
            st.write(f"办结（核查通过）：{fmt(e['closed_at'])}，{clock_text(e, now)}")
        else:
            st.write(f"未办结（核查通过即办结）：{remaining_text(e['due_at'], now)}")


def timeline_table(steps: list[dict]) -> None:
    df = pd.DataFrame(
        {
            "时间": [fmt(t["at"]) for t in steps],
            "操作人": [t["actor"] for t in steps],
            "操作": [event_fsm.action_label(t["action"]) for t in steps],
            "状态变化": [
                f"{EVENT_STATUSES.get(t['from_status'] or '', '')} → {EVENT_STATUSES.get(t['to_status'] or '', '')}"
                if t["from_status"] != t["to_status"] and t["to_status"]
                else ""
                for t in steps
            ],
            "说明": [t["note"] or "" for t in steps],
        }
    )
    ui.table(df.set_index("时间"))


def links_list(items: list[dict], actor: Actor) -> None:
    for link in items:
        label = f"{RECORD_LABELS.get(link['type'], link['type'])} {link.get('number') or '#' + str(link['id'])}"
        status = record_status(link["type"], link.get("status"))
        target = RECORD_PAGES.get(link["type"])
        if target and can_open(actor.role, target[0]) and link.get("number"):
            params = {target[2]: link["number"]} if target[2] else None
            st.page_link(
                target[1], label=esc(f"{label}（{status}）"), icon=":material/open_in_new:", query_params=params
            )
        else:
            st.markdown(f"- {esc(label)}（{esc(status)}）")


def show_event(event_id: int, actor: Actor, ref: dict) -> None:
    b = bundle(event_id, actor.role)
    if b is None:
        st.warning("该事件不存在或无权查看。")
        return
    if actor.role == "grid":
        staff = own_staff(actor)
        if staff is None or staff["grid_id"] != b["event"]["grid_id"]:
            st.warning("该事件不属于您负责的网格。")
            return
    detail(b)
    if actor.role != "demo":
        actions(b, actor, ref)
    with st.expander(f"处理时间线（{len(b['timeline'])} 步）", expanded=True):
        timeline_table(b["timeline"]) if b["timeline"] else st.caption("（历史数据，无逐步记录）")
    if b["links"]:
        with st.expander(f"关联记录（{len(b['links'])}）", expanded=True):
            links_list(b["links"], actor)
