"""网格事件: the report form (a grid worker for its own grid; an administrator for any grid)."""

from __future__ import annotations

import streamlit as st

from components import data, runtime, ui
from components.grid_events.event_list import reset_table
from components.grid_events.reads import own_staff, staff_options
from components.ui import esc
from db.models.grid_work import EVENT_TYPES
from db.permissions import Actor
from db.services import grid_events as svc


def report_form(actor: Actor, ref: dict) -> None:
    staff = own_staff(actor) if actor.role == "grid" else None
    if actor.role == "grid" and staff is None:
        st.warning("该账号尚未关联网格员档案，请联系管理员。")
        return
    grid_id = staff["grid_id"] if staff else None
    reporter = staff["id"] if staff else None
    if actor.role != "grid":  # admin reports for a grid (choices outside the form: they depend on each other)
        c1, c2, c3 = st.columns(3)
        vills = {v["id"]: v["name"] for v in ref["villages"]}
        village_id = c1.selectbox(
            "村（社区）", list(vills), index=None, format_func=vills.get, key="ger_village", placeholder="请选择"
        )
        grids = {g["id"]: g["name"] for g in data.grids(village_id)} if village_id else {}
        grid_id = c2.selectbox(
            "网格",
            list(grids),
            index=None,
            format_func=grids.get,
            key="ger_grid",
            placeholder="请先选村（社区）" if not village_id else "请选择",
        )
        people = (
            {
                p["id"]: f"{p['name']}（{'网格长' if p['staff_role'] == 'chief' else '网格员'}）"
                for p in staff_options(None, grid_id)
            }
            if grid_id
            else {}
        )
        reporter = c3.selectbox(
            "上报人", list(people), index=None, format_func=people.get, key="ger_staff", placeholder="选填"
        )
    else:
        st.caption(f"上报人：{esc(staff['name'])}，事件记入本人负责的网格。")
    households = (
        {h["id"]: f"{h['address']}（{h['head_name']}）" for h in data.households(grid_id, actor.role)}
        if grid_id
        else {}
    )
    with st.form("ge_report", clear_on_submit=True):
        c1, c2 = st.columns([1, 2])
        event_type = c1.selectbox(
            "事件类型", list(EVENT_TYPES), index=None, format_func=EVENT_TYPES.get, placeholder="请选择"
        )
        household = c2.selectbox(
            "所在户（选填）",
            list(households),
            index=None,
            format_func=households.get,
            placeholder="输入门牌或户主搜索",
            help="选中所在户后可不填地点，地点取该户地址",
        )
        address = st.text_input("地点", max_chars=200, placeholder="如：东湖村村口老桥")
        description = st.text_area(
            "事件描述", max_chars=2000, height=100, placeholder="发现了什么、影响多大、是否需要其他部门协助"
        )
        photo = st.file_uploader("现场照片（选填，JPEG/PNG/WebP，5MB以内）", type=["jpg", "jpeg", "png", "webp"])
        submitted = st.form_submit_button("上报事件", type="primary", icon=":material/campaign:")
    if not submitted:
        return
    with ui.user_errors():
        r = svc.report(
            runtime.engine(),
            actor,
            svc.EventReport(
                event_type=event_type or "",
                description=description,
                grid_id=grid_id,
                address=address,
                household_id=household,
                reporter_staff_id=reporter,
                photo=photo.getvalue() if photo else None,
            ),
        )
        data.invalidate()
        reset_table()
        ui.flash(f"已上报事件 {r['number']}，请在下方分级转办。")
        st.query_params["event"] = r["number"]
        st.rerun()
