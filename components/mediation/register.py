"""Registering a dispute or a hazard: where, what, who (at most one applicant and one respondent)."""

from __future__ import annotations

import streamlit as st

from components import runtime, ui
from components.mediation.common import done
from components.mediation.reads import grids, mediators, writable_villages
from db.models.mediation import CASE_KINDS, CASE_LEVELS, CASE_SOURCES, DISPUTE_TYPES, RISK_COLOURS
from db.permissions import Actor
from db.services import mediation as svc


def register_form(actor: Actor, ref: dict) -> None:
    mine = writable_villages(actor)
    if mine is not None and not mine:
        st.warning("该账号尚未关联网格员档案，不能登记纠纷，请联系管理员。")
        return
    villages = {v["id"]: f"{v['township']} {v['name']}" for v in ref["villages"] if mine is None or v["id"] in mine}
    a, b, c_ = st.columns(3)
    kind = a.radio("类别", list(CASE_KINDS), format_func=CASE_KINDS.get, horizontal=True, key="med_new_kind")
    village = b.selectbox(
        "所在村（社区）",
        list(villages),
        index=None,
        format_func=villages.get,
        key="med_new_village",
        placeholder="输入村名搜索",
    )
    gmap = {g["id"]: g["name"] for g in grids(village)} if village else {}
    grid = c_.selectbox(
        "网格",
        list(gmap),
        index=None,
        format_func=gmap.get,
        key="med_new_grid",
        placeholder="先选村" if not village else "可不选",
    )
    with st.form("med_new"):
        d1, d2, d3, d4 = st.columns(4)
        dtype = d1.selectbox("纠纷类型", list(DISPUTE_TYPES), format_func=DISPUTE_TYPES.get)
        source = d2.selectbox("来源", ["walk_in", "screening"], format_func=CASE_SOURCES.get)
        colour = d3.selectbox("风险等级", list(RISK_COLOURS), format_func=RISK_COLOURS.get)
        level = d4.selectbox("调处层级", list(CASE_LEVELS), format_func=CASE_LEVELS.get)
        title = st.text_input("标题", placeholder="如：东湖村张某与李某宅前排水纠纷")
        summary = st.text_area("简要情况", placeholder="起因、诉求、双方分歧")
        meds = {
            m["id"]: m["name"] + ("（" + m["speciality"] + "）" if m["speciality"] else "")
            for m in mediators(actor.role)
        }
        mediator = st.selectbox("包案调解员", list(meds), index=None, format_func=meds.get, placeholder="可不选")
        st.markdown("**当事人**（来访、排查登记的纠纷至少填写一位申请人）")
        p = st.columns(4)
        a_name = p[0].text_input("申请人姓名")
        a_phone = p[1].text_input("申请人电话")
        r_name = p[2].text_input("被申请人姓名")
        r_phone = p[3].text_input("被申请人电话")
        if st.form_submit_button("登记", type="primary"):
            parties = []
            if a_name.strip() or a_phone.strip():
                parties.append(svc.PartyInput(a_name, a_phone or None, side="applicant"))
            if r_name.strip() or r_phone.strip():
                parties.append(svc.PartyInput(r_name, r_phone or None, side="respondent"))
            with ui.user_errors():
                out = svc.open_case(
                    runtime.engine(),
                    actor,
                    svc.CaseInput(
                        kind=kind,
                        dispute_type=dtype,
                        title=title,
                        summary=summary,
                        village_id=village,
                        grid_id=grid,
                        source=source,
                        risk_colour=colour,
                        level=level,
                        mediator_id=mediator,
                        parties=parties,
                    ),
                )
                for k in ("med_new_village", "med_new_grid"):
                    st.session_state.pop(k, None)
                done(f"已登记 {out['number']}。", out["number"])
