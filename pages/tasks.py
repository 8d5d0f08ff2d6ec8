"""任务台账: the meeting's task ledger: counts and warnings, the list, a task's milestones and
progress, its actions (by permission), a new task, and the ledger's Excel import."""

import streamlit as st

from components import imports_ui, paging, timefmt, ui
from components import tasks as tui
from db.permissions import allowed

actor = ui.guard("tasks")
ui.page_header(
    "tasks",
    "逾期在前、临期其次。每项任务明确牵头单位、责任单位、责任人、量化标准和节点时限，"
    "周调度逐项过账，完成一项销号一项（销号须有依据）。",
)
ui.show_flash()

task_id = ui.param_id("task")
if task_id is not None:  # a link to one task (after a save, a bookmark): the task first
    t = tui.detail(task_id, actor.role, timefmt.minute_key())
    if t is None:
        st.warning("任务不存在或无权查看。")
    else:
        tui.task_view(actor, t)
    if st.button("返回任务台账", icon=":material/arrow_back:"):
        del st.query_params["task"]
        st.rerun()
    ui.stop()

tui.cards(tui.counts(timefmt.minute_key()))

views = {"ledger": "台账"}
if allowed(actor.role, "task.manage"):
    views |= {"new": "新建任务", "import": "Excel导入"}
view = (
    st.segmented_control(
        "视图", list(views), format_func=views.get, default="ledger", key="task_view", label_visibility="collapsed"
    )
    or "ledger"
)

if view == "new":
    tui.new_form(actor)
elif view == "import":
    st.caption("按模板填写“任务”和“节点”两张表；按任务编号识别，重复导入不会重复新增。进展和销号在本页记录。")
    imports_ui.kind_boxes(actor, "tasks")
else:
    f = tui.filters(st.query_params.get("only"))
    if st.session_state.get("task_last_filter") != f:  # a new filter: page 1, no stale selection
        st.session_state["task_last_filter"] = f
        st.session_state["task_page"] = 1
        st.session_state["task_table_gen"] = st.session_state.get("task_table_gen", 0) + 1
    page = paging.paged(
        "task_page", lambda off, lim: tui.page_rows(f, actor.role, off, lim, timefmt.minute_key()), tui.PAGE_SIZE
    )
    page.control(noun="项", label="共")
    if not page.total:
        st.info("没有符合条件的任务。")
        ui.stop()
    picked = tui.ledger_table(page.rows, page.number)
    if picked is None and page.total == 1:
        picked = page.rows[0]  # a search that finds one task opens it
    if picked is not None:
        st.divider()
        t = tui.detail(picked["id"], actor.role, timefmt.minute_key())
        if t is not None:
            tui.task_view(actor, t)
    else:
        st.caption("选中一行查看任务的节点、进展并办理。")
