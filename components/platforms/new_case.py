"""A patrol finding: opened for my platform, or opened and pushed at once to the platform it
belongs to (one service call, one transaction)."""

from __future__ import annotations

import streamlit as st

from components import data, runtime, ui
from components.platforms import reads
from components.platforms.common import after_write, as_pid
from db.permissions import Actor
from db.services import platforms as svc


def new_case_form(actor: Actor, plat: dict) -> None:
    """A patrol finding: opened for my platform, or pushed at once to the platform it belongs to."""
    villages = list(data.reference()["villages"])
    town = plat["township"]
    vmap = {v["id"]: v["name"] for v in villages if v["township"] == town}
    plats = {p["id"]: p["name"] for p in reads.township_platforms(plat["township_id"])}
    with st.form("pl_new_case", clear_on_submit=True):
        c1, c2, c3 = st.columns([3, 2, 2])
        title = c1.text_input("标题", max_chars=100)
        village = c2.selectbox("村（社区）", list(vmap), format_func=vmap.get)
        lead = c3.selectbox(
            "由哪个平台办理",
            list(plats),
            format_func=plats.get,
            index=list(plats).index(plat["id"]) if plat["id"] in plats else 0,
            help="选择其他平台即立案后立刻推送给该平台，对方须在1个工作日内接收或退回。",
        )
        desc = st.text_area("情况描述", height=80)
        assists = st.multiselect(
            "协办平台（联合办理，共用一个期限）", [p for p in plats if p != plat["id"]], format_func=plats.get
        )
        if st.form_submit_button("登记巡查发现", type="primary"):
            with ui.user_errors():  # opened and (for another platform) pushed in ONE transaction
                push_to = lead if lead != plat["id"] else None
                r = svc.open_patrol_case(
                    runtime.engine(),
                    actor,
                    platform_id=plat["id"],
                    title=title,
                    description=desc,
                    village_id=village,
                    assist_platform_ids=tuple(a for a in assists if a != lead),
                    push_to_platform_id=push_to,
                    push_reason=f"巡查发现，属{plats[lead]}职责：{(title or '').strip()}"[: svc.REASON_MAX],
                    as_platform_id=as_pid(actor, plat),
                )
                after_write(
                    f"已登记案件{r['number']}并推送给{plats[lead]}。" if r["pushed"] else f"已登记案件{r['number']}。"
                )
