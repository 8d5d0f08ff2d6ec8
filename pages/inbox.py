"""Inbox (工单中心): the queue sorted by SLA risk, the order detail and its actions."""

import streamlit as st

from components import data, orders, paging, timefmt, ui
from db.permissions import allowed
from db.queries import orders as orders_q
from db.services import audit_export

actor = ui.guard("inbox")
ui.page_header("inbox", "按时限风险排序：超期在前，临期其次。选中一行查看详情并办理；选中多行可批量派单。")
ui.show_flash()
ref = data.reference()


def show_order(order_id: int) -> None:
    bundle = orders.order_bundle(order_id, actor)
    if bundle is None:
        st.warning("该工单不存在或无权查看。")
        return
    orders.detail_fields(bundle["order"])
    orders.receipt.offer(actor, order_id, bundle["order"]["number"], key="detail")
    if actor.role != "demo":
        orders.actions.render(actor, bundle, ref)
    with st.expander(f"处理时间线（{len(bundle['timeline'])} 步）", expanded=True):
        orders.timeline_table(bundle["timeline"])
    if bundle["links"]:
        with st.expander(f"关联记录（{len(bundle['links'])}）"):
            orders.links_list(bundle["links"])


deep = st.query_params.get("order")
if deep:  # a link to one order (intake, supervision, after an action, a bookmark): the order first
    number = ui.param_number("order")  # ASCII record number, else no lookup (a NUL breaks PostgreSQL)
    order_id = orders.order_id_by_number(number) if number else None
    if order_id:
        show_order(order_id)
    else:
        st.warning(f"工单 {ui.esc(deep[:40])} 不存在或无权查看。")
    if st.button("返回工单列表", icon=":material/arrow_back:"):
        del st.query_params["order"]
        st.rerun()
    ui.stop()

f, set_aside = orders_q.for_record_number(orders.filters(ref, actor.role))
if set_aside:
    st.caption(f"按工单编号查找，已暂不按{'、'.join(set_aside)}筛选。")
if st.session_state.get("inbox_last_filter") != f:  # a new filter: page 1, no stale selection
    st.session_state["inbox_last_filter"] = f
    st.session_state["inbox_page"] = 1
    orders.actions.reset_tables()
page = paging.paged(
    "inbox_page", lambda off, lim: orders.inbox(f, actor, off, lim, timefmt.minute_key()), orders.PAGE_SIZE
)
total, rows, page_no = page.total, page.rows, page.number

head, pager, export = st.columns([3, 2, 2], vertical_alignment="bottom")
head.markdown(f"**当前筛选共 {total} 件**（第 {page_no}/{page.pages} 页）")
page.control(pager)
may_export = allowed(actor.role, "order.export")
if may_export and export.button("导出Excel", icon=":material/download:", disabled=total == 0):
    rows_all = orders.inbox_export(f, actor)
    audit_export.record(actor, "work_order", len(rows_all), {"filter": repr(f)})
    st.download_button(
        "下载工单.xlsx",
        orders.export_bytes(rows_all),
        file_name="工单导出.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        type="primary",
    )

if not rows:  # not an empty table reading "empty"
    mine = "（只查本乡镇的工单）" if set_aside and actor.township_id is not None else ""
    st.info(f"没有符合当前筛选条件的工单{mine}。")
    ui.stop()
gen = st.session_state.get(orders.actions.TABLE_GEN, 0)
event = st.dataframe(
    orders.styled(orders.inbox_frame(rows)),
    hide_index=True,
    width="stretch",
    column_config=orders.INBOX_COLUMNS,
    on_select="rerun",
    selection_mode="multi-row",
    key=f"inbox_table_{gen}_{page_no}",
    height=38 + 35 * min(len(rows), 12),
)
selected = [rows[i] for i in event.selection.rows if i < len(rows)]
if len(selected) > 1:
    if allowed(actor.role, "order.dispatch"):
        orders.actions.bulk_dispatch(actor, selected, ref)
    else:
        st.info("选中一行查看详情。")
elif selected:
    st.divider()
    show_order(selected[0]["id"])
elif total:
    st.caption("选中一行查看详情并办理。")
