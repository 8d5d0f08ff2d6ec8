"""平台工作台: one desk per platform — its incoming queue, its deadlines and its own records."""

import streamlit as st

from components import paging, ui
from components import platforms as pui

actor = ui.guard("platform_desk")
ui.page_header(
    "platform_desk",
    "本平台的待办：其他平台推送来的案件（须在期限内接收或退回）、本平台牵头或协办的案件（按期限排序）、"
    "派给本平台的工单，以及本平台的业务台账。",
)
ui.show_flash()
plat = pui.pick_platform(actor)
if plat is None:
    st.warning("您的账号未关联平台，请联系管理员。")
    ui.stop()
now = pui.now_utc()

deep = st.query_params.get("case")
if deep:  # one case: its details, its actions for my platform, its whole timeline
    number = ui.param_number("case")  # ASCII record number, else no lookup (a NUL breaks PostgreSQL)
    case_id = pui.case_id_by_number(number) if number else None
    detail = pui.case_detail(case_id, role=actor.role) if case_id else None
    if detail is None or detail["township_id"] != plat["township_id"]:
        st.warning(f"案件 {ui.esc(deep[:40])} 不存在或无权查看。")
    else:
        pui.case_panel(actor, detail, plat)
    if st.button("返回工作台", icon=":material/arrow_back:"):
        del st.query_params["case"]
        st.rerun()
    ui.stop()

counts = pui.desk_counts(plat["id"], now)
st.markdown(f"**{ui.esc(plat['township'])} · {ui.esc(plat['name'])}**")
cols = st.columns(5)
cols[0].metric("待接收推送", counts["handoffs"])
cols[1].metric("在办案件", counts["open"])
cols[2].metric("超期案件", counts["overdue"])
cols[3].metric("多次退回", counts["flagged"])
cols[4].metric("待办工单", counts["orders"])

# a segmented control, not tabs: the chosen view survives the rerun after a save
VIEWS = ["待办队列", f"{plat['name'].replace('平台', '')}业务台账", "巡查发现立案"]
view = (
    st.segmented_control("视图", VIEWS, default=VIEWS[0], key=f"pl_view_{plat['code']}", label_visibility="collapsed")
    or VIEWS[0]
)
if view == VIEWS[0]:
    st.subheader("待接收的推送")
    page = paging.paged(
        "pl_hand_page",
        lambda off, lim: pui.handoffs_waiting(plat["id"], off, lim, role=actor.role),
        pui.PAGE_SIZE,
    )
    if page.total:
        page.control(noun="件")
        pui.handoff_table(page.rows, now)
        pui.open_case_picker(page.rows, "pl_pick_hand")
    else:
        st.caption("没有待接收的推送。")

    st.subheader("本平台的案件（牵头或协办）")
    flagged = st.toggle("只看多次退回的案件", key="pl_only_flagged")
    page = paging.paged(
        "pl_case_page",
        lambda off, lim: pui.my_cases(plat["id"], off, lim, role=actor.role, only_flagged=flagged),
        pui.PAGE_SIZE,
    )
    if page.total:
        page.control(noun="件")
        pui.case_table(page.rows, now)
        pui.open_case_picker(page.rows, "pl_pick_case")
    else:
        st.caption("没有在办案件。")

    st.subheader("派给本平台的工单")
    page = paging.paged(
        "pl_order_page", lambda off, lim: pui.my_orders(plat["id"], off, lim, role=actor.role), pui.PAGE_SIZE
    )
    if page.total:
        page.control(noun="件")
        for r in page.rows:
            due = pui.due_text(r["due_at"], now)
            # a link's label is markdown: the title is the caller's words (an image in it was drawn)
            st.page_link(
                "pages/inbox.py",
                label=f"{r['number']} · {ui.esc(r['title'])} · {r['status_label']} · 期限 {due}",
                query_params={"order": r["number"]},
                icon=":material/assignment:",
            )
    else:
        st.caption("没有派给本平台的在办工单。")

elif view == VIEWS[1]:
    pui.records(actor, plat)

else:
    st.caption("本平台巡查发现的问题立案后由本平台办理；属于其他平台职责的，选择该平台即立案并推送。")
    pui.new_case_form(actor, plat)
