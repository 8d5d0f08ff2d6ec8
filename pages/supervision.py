"""Supervision list (党委督办): overdue orders enter it by themselves; leaders assign and urge."""

import streamlit as st

from components import data, orders, paging, timefmt, ui

actor = ui.guard("supervision")
ui.page_header(
    "supervision", "超过办理时限仍未办结的工单自动列入；领导可指定督办班子成员并催办，所有操作记入工单时间线。"
)
ui.show_flash()
ref = data.reference()


def show_order(order_id: int) -> None:
    bundle = orders.order_bundle(order_id, actor)
    if bundle:
        orders.detail_fields(bundle["order"])
        if actor.role != "demo":
            orders.actions.render(actor, bundle, ref)
        with st.expander("处理时间线", expanded=False):
            orders.timeline_table(bundle["timeline"])


deep = ui.param_number("order")  # ASCII record number, else no lookup (a NUL breaks PostgreSQL)
if deep and (order_id := orders.order_id_by_number(deep)):  # after an action: the order, updated
    show_order(order_id)
    if st.button("返回督办清单", icon=":material/arrow_back:"):
        del st.query_params["order"]
        st.rerun()
    ui.stop()

page = paging.paged(
    "sup_page", lambda off, lim: orders.supervision(off, lim, timefmt.minute_key(), actor.role), orders.PAGE_SIZE
)
total, rows, page_no = page.total, page.rows, page.number
page.control(noun="件", label="督办清单共")
if not rows:
    st.success("目前没有超期或督办中的工单。")
    ui.stop()
gen = st.session_state.get(orders.actions.TABLE_GEN, 0)
event = st.dataframe(
    orders.supervision_frame(rows),
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key=f"sup_table_{gen}_{page_no}",
)
picked = [i for i in event.selection.rows if i < len(rows)]
if picked:
    st.divider()
    show_order(rows[picked[0]]["id"])
else:
    st.caption("选中一行查看详情；领导可“督办”（指定班子成员）或“催办”。")
