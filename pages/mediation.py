"""矛盾纠纷台账: the dispute and hazard ledger, the four-step mediation, screening and visits."""

import streamlit as st

from components import data, paging, timefmt, ui
from components import mediation as mui
from db.permissions import allowed

actor = ui.guard("mediation")
ui.page_header(
    "mediation", "红色预警在前，超期无进展其次。选中一行查看案卷并办理；四步调解按顺序记录，任何一步都可达成协议。"
)
ui.show_flash()
ref = data.reference()

deep = st.query_params.get("case")
if deep:  # a link to one case (after a save, a bookmark): the case first
    number = ui.param_number("case")  # ASCII record number, else no lookup (a NUL breaks PostgreSQL)
    cid = mui.case_id(number) if number else None
    c = mui.case(cid, actor, timefmt.minute_key()) if cid else None
    if c is None:
        st.warning(f"案件 {ui.esc(deep[:40])} 不存在或无权查看。")
    else:
        mui.case_view(actor, c)
    if st.button("返回台账", icon=":material/arrow_back:"):
        del st.query_params["case"]
        st.rerun()
    ui.stop()

views = {"ledger": "台账"}
if allowed(actor.role, "mediation.create"):
    views["new"] = "登记纠纷"
views |= {"screening": "月度排查", "visits": "特殊人群走访", "kpi": "化解指标"}
if allowed(actor.role, "mediation.settings"):
    views["settings"] = "设置"
view = (
    st.segmented_control(
        "视图", list(views), format_func=views.get, default="ledger", key="med_view", label_visibility="collapsed"
    )
    or "ledger"
)

if view == "new":
    mui.register_form(actor, ref)
elif view == "screening":
    mui.screening_view(actor)
elif view == "visits":
    mui.visits_view(actor)
elif view == "kpi":
    mui.kpi_view()
elif view == "settings":
    mui.settings_view(actor)
else:
    f = mui.filters(ref, st.query_params.get("only"))
    if st.session_state.get("med_last_filter") != f:  # a new filter: page 1, no stale selection
        st.session_state["med_last_filter"] = f
        st.session_state["med_page"] = 1
        st.session_state["med_table_gen"] = st.session_state.get("med_table_gen", 0) + 1
    page = paging.paged(
        "med_page", lambda off, lim: mui.ledger(f, actor, off, lim, timefmt.minute_key()), mui.PAGE_SIZE
    )
    head, pager, export = st.columns([3, 2, 2], vertical_alignment="bottom")
    head.markdown(f"**共 {page.total} 件**（第 {page.number}/{page.pages} 页）")
    page.control(pager)
    mui.export_button(actor, f, page.total, export)
    picked = mui.ledger_table(page.rows, page.number)
    if picked is None and page.total == 1:
        picked = page.rows[0]  # a search that finds one case opens it
    if picked is not None:
        st.divider()
        c = mui.case(picked["id"], actor, timefmt.minute_key())
        if c is not None:
            mui.case_view(actor, c)
    elif page.total:
        st.caption("选中一行查看案卷并办理。")
