"""One order's file: its facts, the two clocks (first contact and handling), its timeline and
its linked records."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.orders.common import HISTORY, badge, remaining
from components.timefmt import fmt, fmt_deadline
from components.ui import esc, table
from db.models.base import utcnow
from db.models.orders import CHANNELS, OPEN_STATUSES, ORDER_STATUSES, SATISFACTION, TIERS, URGENCIES
from db.rules.order_fsm import action_label
from db.rules.sla import light


def clocks(o: dict) -> None:
    """The two clocks: first contact, and handling."""
    now = utcnow()
    c1, c2 = st.columns(2)
    with c1.container(border=True):
        lt = light(o["received_at"], o["contact_due_at"], now, o["contacted_at"])
        st.markdown(f"**首次联系时限** · {badge(lt)}")
        st.write(f"受理 {fmt(o['received_at'])} → 须在 {fmt(o['contact_due_at'])} 前联系群众")
        st.write(
            f"已联系：{fmt(o['contacted_at'])}"
            if o["contacted_at"]
            else f"尚未联系（{remaining(o['contact_due_at'], now)}）"
        )
    with c2.container(border=True):
        if o["due_at"] is None:
            st.markdown("**办理时限** · 未派单")
            if o.get("external_due_at"):  # the county's clock runs from its own transfer
                st.write(
                    f"县平台办理时限 {fmt_deadline(o['external_due_at'])}（{remaining(o['external_due_at'], now)}）；"
                    "派单时取类别时限与县平台时限中较早者。"
                )
            else:
                st.write("派单时按类别时限（工作日，已扣除节假日并计入调休）计算。")
        else:
            done = o["resolved_at"] if o["status"] not in OPEN_STATUSES else None
            lt = light(o["dispatched_at"], o["due_at"], now, done)
            st.markdown(f"**办理时限** · {badge(lt)}")
            st.write(f"派单 {fmt(o['dispatched_at'])} → 截止 {fmt_deadline(o['due_at'], o.get('due_provisional'))}")
            if o.get("due_provisional"):
                st.caption(
                    "时限暂定：所跨年份的节假日安排尚未录入，按法定节假日和周末计算（不含调休）；管理员录入后自动重算。"
                )
            st.write(f"办结：{fmt(o['resolved_at'])}" if o["resolved_at"] else remaining(o["due_at"], now))


def handler_text(o: dict) -> str:
    """Who handles the order: the village of a 就地办, else the platform and department."""
    if o.get("handler_village"):
        return f"{o['handler_village']}（就地办：网格员、村干部）"
    return f"{o['platform'] or '—'} {o['department'] or ''}".strip()


def detail_fields(o: dict) -> None:
    raw_description, raw_result = o["description"], o["result"]
    o = {
        k: (esc(v) if isinstance(v, str) and k not in ("status", "channel", "tier", "urgency", "satisfaction") else v)
        for k, v in o.items()
    }
    st.markdown(f"### {o['number']} · {o['title']}")
    st.caption(
        f"状态：{ORDER_STATUSES.get(o['status'])}"
        + (f" · 督办（{o['supervisor'] or '未指定督办领导'}）" if o["supervised"] else "")
        + (f" · 重新交办 {o['redispatch_count']} 次" if o["redispatch_count"] else "")
        + (f" · 延期 {o['extension_count']} 次" if o["extension_count"] else "")
        + (f" · 退回 {o['bounce_count']} 次" if o["bounce_count"] else "")
        + (f" · 催办 {o['urge_count']} 次" if o["urge_count"] else "")
    )
    if o.get("external_source") == HISTORY:
        st.info(f"**由历史台账导入** · 原工单编号 {o['external_no']}", icon=":material/history:")
    elif o.get("external_no"):  # transferred by the county's 12345 platform, or a petition
        source = "县12345平台转办" if o["external_source"] == "12345" else "县信访件"
        st.info(
            f"**{source}** · 县平台编号 {o['external_no']}"
            + (f" · 县平台受理 {fmt(o['external_received_at'])}" if o.get("external_received_at") else "")
            + (
                f" · **县平台办理时限 {fmt_deadline(o['external_due_at'])}**（本系统办理时限取两者中较早者）"
                if o.get("external_due_at")
                else ""
            ),
            icon=":material/account_balance:",
        )
    clocks(o)
    c1, c2, c3 = st.columns(3)
    c1.markdown(
        f"**渠道**：{CHANNELS.get(o['channel'])}  \n**来电人**：{o['caller_name'] or '—'}  \n"
        f"**电话**：{o['caller_phone'] or '—'}"
    )
    c2.markdown(
        f"**地点**：{o['village'] or '—'} {o['grid'] or ''}  \n**地址**：{o['address'] or '—'}  \n"
        f"**类别**：{o['category']}（{TIERS.get(o['tier'])}，{URGENCIES.get(o['urgency'])}）"
    )
    c3.markdown(
        f"**承办**：{handler_text(o)}  \n**签收人**：{o['assignee'] or '—'}  \n"
        f"**回访**：{SATISFACTION.get(o['satisfaction'], '—')}"
    )
    st.markdown("**诉求描述**")
    st.text(raw_description)
    if raw_result:
        st.markdown("**办理结果**")
        st.text(raw_result)
    if o["duplicate_of_number"]:
        st.caption(f"本件为 {o['duplicate_of_number']} 的重复件。")


def timeline_table(events: list[dict]) -> None:
    df = pd.DataFrame(
        {
            "时间": [fmt(e["at"]) for e in events],
            "操作人": [e["actor"] for e in events],
            "操作": [action_label(e["action"]) for e in events],
            "状态变化": [
                f"{ORDER_STATUSES.get(e['from_status'], '')} → {ORDER_STATUSES.get(e['to_status'], '')}"
                if e["from_status"] != e["to_status"] and e["to_status"]
                else ""
                for e in events
            ],
            "说明": [e["note"] or "" for e in events],
        }
    )
    table(df.set_index("时间"))  # a static table: short, printable, readable by screen readers


LINK_TYPES = {"work_order": "工单", "grid_event": "网格事件", "mediation_case": "矛盾纠纷", "platform_case": "平台案件"}
LINK_KINDS = {"source": "来源", "duplicate": "重复件", "related": "相关", "escalated": "升级", "duplicate_of": "重复于"}


def links_list(links: list[dict]) -> None:
    for link in links:
        label = link.get("number") or f"#{link['id']}"
        st.markdown(
            f"- {LINK_TYPES.get(link['type'], link['type'])} {esc(label)} {esc(link.get('title') or '')}"
            f"（{LINK_KINDS.get(link['kind'], link['kind'])}）"
        )
