"""便民服务平台's records: service requests and the catalogue of service items."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import runtime, ui
from components.platforms import reads
from components.platforms.common import after_write, as_pid, pager, remember_versions, save, sub_view, village_map
from components.timefmt import fmt
from db.models.platforms import (
    SERVICE_CHANNELS,
)
from db.permissions import Actor
from db.services import platforms as svc

VIEWS = ["服务申请", "服务事项目录"]


def bianmin(actor: Actor, plat: dict) -> None:
    e, kw = runtime.engine(), {"as_platform_id": as_pid(actor, plat)}
    sub = sub_view("pl_bm_view", VIEWS)
    if sub == VIEWS[0]:
        items = reads.active_service_items()
        imap = {i["id"]: f"{i['code']} {i['name']}" for i in items}
        vmap = village_map(plat)
        with st.expander("登记服务申请", icon=":material/add:"), st.form("pl_req", clear_on_submit=True):
            c1, c2 = st.columns([3, 2])
            item = c1.selectbox("服务事项", list(imap), format_func=imap.get)
            village = c2.selectbox("村（社区）", list(vmap), format_func=vmap.get)
            c3, c4, c5 = st.columns(3)
            name = c3.text_input("申请人姓名")
            phone = c4.text_input("联系电话")
            channel = c5.selectbox("办理方式", list(SERVICE_CHANNELS), format_func=SERVICE_CHANNELS.get)
            c6, c7 = st.columns(2)
            vuln = c6.checkbox("老年人或残疾人（上门服务）")
            done = c7.checkbox("当场办结")
            if st.form_submit_button("保存申请", type="primary"):
                with ui.user_errors():
                    svc.record_service_request(
                        e,
                        actor,
                        item_id=item,
                        village_id=village,
                        applicant_name=name,
                        applicant_phone=phone,
                        channel=channel,
                        for_elderly_or_disabled=vuln,
                        done=done,
                        **kw,
                    )
                    after_write("已登记服务申请。")
        only = st.toggle("只看未办结", value=True, key="pl_req_only")
        page = pager(
            "pl_req_page",
            lambda off, lim: reads.service_requests(plat["township_id"], actor.role, off, lim, only_open=only),
        )
        rows = page.rows
        ui.table(
            pd.DataFrame(
                {
                    "事项": [r["item"] for r in rows],
                    "村（社区）": [r["village"] for r in rows],
                    "申请人": [r["applicant_name"] for r in rows],
                    "电话": [r["applicant_phone"] or "—" for r in rows],
                    "方式": [SERVICE_CHANNELS.get(r["channel"], r["channel"]) for r in rows],
                    "老残": ["是" if r["for_elderly_or_disabled"] else "" for r in rows],
                    "申请时间": [fmt(r["requested_at"]) for r in rows],
                    "办结": [fmt(r["done_at"]) for r in rows],
                }
            )
        )
        open_rows = {r["id"]: r for r in rows if r["done_at"] is None}
        remember_versions("req", list(open_rows.values()))
        if open_rows:
            c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
            rid = c1.selectbox(
                "办结申请",
                list(open_rows),
                format_func=lambda i: f"{open_rows[i]['item']} · {open_rows[i]['applicant_name']}",
            )
            if c2.button("标记办结", key="pl_req_done"):
                save("req", rid, lambda v: svc.complete_service_request(e, actor, rid, v, **kw), "已办结。")
    else:
        search = st.text_input("搜索事项（名称或编码）", key="pl_item_q")
        page = pager("pl_item_page", lambda off, lim: reads.service_items(off, lim, search=search))
        rows = page.rows
        ui.table(
            pd.DataFrame(
                {
                    "编码": [r["code"] for r in rows],
                    "事项名称": [r["name"] for r in rows],
                    "村代办点可办": ["是" if r["agent_point_ok"] else "否" for r in rows],
                    "状态": ["在用" if r["active"] else "停用" for r in rows],
                }
            )
        )
        by_id = {r["id"]: r for r in rows}
        choice = st.selectbox(
            "编辑事项",
            [0] + list(by_id),
            key="pl_item_pick",
            format_func=lambda i: "新增事项" if i == 0 else f"{by_id[i]['code']} {by_id[i]['name']}",
        )
        cur = by_id.get(choice, {})
        if cur:
            remember_versions("item", [cur])
        with st.form(f"pl_item_{choice}"):
            c1, c2, c3, c4 = st.columns([1, 3, 1, 1], vertical_alignment="bottom")
            code = c1.text_input("编码", value=cur.get("code", ""))
            name = c2.text_input("事项名称", value=cur.get("name", ""))
            agent = c3.checkbox("村代办点可办", value=cur.get("agent_point_ok", True))
            active = c4.checkbox("在用", value=cur.get("active", True))
            if st.form_submit_button("保存事项", type="primary"):
                save(
                    "item",
                    choice,
                    lambda v: svc.save_service_item(
                        e,
                        actor,
                        item_id=choice or None,
                        version=v,
                        code=code,
                        name=name,
                        agent_point_ok=agent,
                        active=active,
                        department_id=cur.get("department_id"),
                        **kw,
                    ),
                    "事项已保存。",
                )
