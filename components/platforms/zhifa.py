"""综合执法平台's records: reports received and the arrival on site (target: within 30 minutes)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from components import runtime, ui
from components.platforms import reads
from components.platforms.common import after_write, as_pid, pager, remember_versions, save
from components.timefmt import fmt, today
from db.models.base import utcnow
from db.models.platforms import (
    ARRIVAL_TARGET_MINUTES,
    ENFORCEMENT_KINDS,
)
from db.permissions import Actor
from db.rules.sla import local_to_utc, to_local
from db.services import platforms as svc


def zhifa(actor: Actor, plat: dict) -> None:
    e, kw = runtime.engine(), {"as_platform_id": as_pid(actor, plat)}
    st.caption(f"接报后须在 {ARRIVAL_TARGET_MINUTES} 分钟内到达现场。")
    with (
        st.expander("登记接报（占道经营、违法建设、环境污染）", icon=":material/add:"),
        st.form("pl_enf", clear_on_submit=True),
    ):
        c1, c2, c3 = st.columns([2, 4, 2])
        kind = c1.selectbox("问题类型", list(ENFORCEMENT_KINDS), format_func=ENFORCEMENT_KINDS.get)
        addr = c2.text_input("地点")
        joint = c3.checkbox("联合执法")
        c4, c5 = st.columns(2)
        t = c4.time_input("接报时间（今天）", value=to_local(utcnow()).time().replace(second=0, microsecond=0))
        if st.form_submit_button("保存接报", type="primary"):
            with ui.user_errors():
                reported = local_to_utc(datetime.combine(today(), t))
                svc.record_enforcement(e, actor, kind=kind, address=addr, reported_at=reported, joint=joint, **kw)
                after_write("已登记接报。")
    only = st.toggle("只看未到场", value=False, key="pl_enf_only")
    page = pager("pl_enf_page", lambda off, lim: reads.enforcement(plat["township_id"], off, lim, only_waiting=only))
    rows = page.rows
    ui.table(
        pd.DataFrame(
            {
                "类型": [ENFORCEMENT_KINDS.get(r["kind"], r["kind"]) for r in rows],
                "地点": [r["address"] for r in rows],
                "接报": [fmt(r["reported_at"]) for r in rows],
                "到场": [fmt(r["arrived_at"]) for r in rows],
                "用时": [
                    "—"
                    if r["minutes"] is None
                    else f"{r['minutes']}分钟" + ("（超时）" if r["minutes"] > ARRIVAL_TARGET_MINUTES else "")
                    for r in rows
                ],
                "联合执法": ["是" if r["joint"] else "" for r in rows],
            }
        )
    )
    waiting = {r["id"]: r for r in rows if r["arrived_at"] is None}
    remember_versions("enf", list(waiting.values()))
    if waiting:
        with st.form("pl_arrive"):
            c1, c2 = st.columns([3, 2])
            rid = c1.selectbox(
                "登记到场",
                list(waiting),
                format_func=lambda i: f"{fmt(waiting[i]['reported_at'])} · {waiting[i]['address']}",
            )
            t = c2.time_input("到场时间（今天）", value=to_local(utcnow()).time().replace(second=0, microsecond=0))
            if st.form_submit_button("保存到场时间"):
                save(
                    "enf",
                    rid,
                    lambda v: svc.record_arrival(
                        e, actor, rid, v, arrived_at=local_to_utc(datetime.combine(today(), t)), **kw
                    ),
                    "已登记到场时间。",
                )
