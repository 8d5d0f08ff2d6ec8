"""网格事件: grid workers report what they find on their rounds; the matter follows the loop
上报 → 分级转办 → 处置 → 核查反馈 → 评价 → 归档. Daily work logs per worker."""

import streamlit as st

from components import data, paging, timefmt, ui
from components import grid_events as gu
from db.permissions import allowed

actor = ui.guard("grid_events")
ui.page_header(
    "grid_events",
    "网格吹哨 → 分级转办 → 响应处置 → 核查反馈 → 考核评价 → 事件归档。"
    "列表中待办理的事件在前：待转办、待核查、待评价、待归档。",
)
ui.show_flash()
ref = data.reference()

deep = st.query_params.get("event")
if deep:  # a link to one event (after a report or an action, a bookmark): the event first
    number = ui.param_number("event")  # ASCII record number, else no lookup (a NUL breaks PostgreSQL)
    event_id = gu.event_id_by_number(number) if number else None
    if event_id:
        gu.show_event(event_id, actor, ref)
    else:
        st.warning(f"事件 {ui.esc(deep[:40])} 不存在或无权查看。")
    if st.button("返回事件列表", icon=":material/arrow_back:"):
        del st.query_params["event"]
        st.rerun()
    ui.stop()

views = ["事件列表"]
if allowed(actor.role, "grid_event.report"):
    views.append("上报事件")
views.append("工作日志")
if actor.role != "grid":
    views.append("事件考核")
wanted = st.query_params.get("view")
view = (
    st.segmented_control(
        "视图", views, default=wanted if wanted in views else views[0], key="ge_view", label_visibility="collapsed"
    )
    or views[0]
)

if view == "上报事件":
    gu.report_form(actor, ref)

elif view == "事件考核":
    st.subheader("网格事件考核：办结率、按期办结率、处置时长")
    gu.kpi_table(ref, actor)

elif view == "工作日志":
    if actor.role == "grid":
        staff = gu.own_staff(actor)
        if staff is None:
            st.warning("该账号尚未关联网格员档案，请联系管理员。")
            ui.stop()
        st.subheader(f"{ui.esc(staff['name'])}的工作日志")
        left, right = st.columns([2, 3])
        with left:
            gu.log_form(actor, staff["id"])
        with right:
            gu.log_list(staff["id"], actor.role)
    else:
        st.subheader("网格员工作量")
        gu.workload_table(ref, actor)
        st.subheader("查看或代填工作日志" if gu.may_write_logs(actor) else "查看工作日志")
        staff_id = gu.pick_staff(ref, "gel_pick")
        if staff_id:
            if gu.may_write_logs(actor):
                left, right = st.columns([2, 3])
                with left:
                    gu.log_form(actor, staff_id)
                with right:
                    gu.log_list(staff_id, actor.role)
            else:
                gu.log_list(staff_id, actor.role)

else:
    f = gu.filters(ref, actor)
    if st.session_state.get("ge_last_filter") != f:  # a new filter: page 1, no stale selection
        st.session_state["ge_last_filter"] = f
        st.session_state["ge_page"] = 1
        gu.reset_table()
    page = paging.paged("ge_page", lambda off, lim: gu.events(f, actor, off, lim, timefmt.minute_key()), gu.PAGE_SIZE)
    page.control(noun="件", label="当前筛选共")
    rows = page.rows
    if not rows:
        st.info("没有符合条件的事件。")
        ui.stop()
    gen = st.session_state.get(gu.TABLE_GEN, 0)
    table = st.dataframe(
        gu.styled(gu.list_frame(rows)),
        hide_index=True,
        width="stretch",
        column_config=gu.LIST_COLUMNS,
        on_select="rerun",
        selection_mode="single-row",
        key=f"ge_table_{gen}_{page.number}",
        height=38 + 35 * min(len(rows), 12),
    )
    picked = [i for i in table.selection.rows if i < len(rows)]
    if picked:
        st.divider()
        gu.show_event(rows[picked[0]]["id"], actor, ref)
    else:
        st.caption("选中一行查看事件详情并办理。")
