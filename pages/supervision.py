"""Supervision list (党委督办): overdue orders enter it by themselves; leaders assign and urge."""

import streamlit as st

from components import data, order_actions, orders_ui, ui

actor = ui.guard("supervision")
ui.page_header("supervision", "超过办理时限仍未办结的工单自动列入；领导可指定督办班子成员并催办，所有操作记入工单时间线。")
ui.show_flash()
ref = data.reference()
page_no = st.session_state.get("sup_page", 1)
total, rows = data.supervision((page_no - 1) * orders_ui.PAGE_SIZE, orders_ui.PAGE_SIZE, data.now_minute())
pages = max(1, -(-total // orders_ui.PAGE_SIZE))
c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
c1.markdown(f"**督办清单共 {total} 件**（第 {page_no}/{pages} 页）")
c2.number_input("页码", 1, pages, key="sup_page", label_visibility="collapsed")
if not rows:
    st.success("目前没有超期或督办中的工单。")
    st.stop()
event = st.dataframe(orders_ui.supervision_frame(rows), hide_index=True, width="stretch", on_select="rerun",
                     selection_mode="single-row", key=f"sup_table_{page_no}")
if event.selection.rows:
    bundle = data.order_bundle(rows[event.selection.rows[0]]["id"], actor.role)
    if bundle:
        st.divider()
        orders_ui.detail_fields(bundle["order"])
        if actor.role != "demo":
            order_actions.render(actor, bundle, ref)
        with st.expander("处理时间线", expanded=False):
            orders_ui.timeline_table(bundle["timeline"])
else:
    st.caption("选中一行查看详情；领导可“督办”（指定班子成员）或“催办”。")
