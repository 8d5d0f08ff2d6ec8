"""网格事件: the work logs — one day's log form, a worker's list of logs, the village's
workload, and the staff picker of those who view or fill in another's logs."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from components import data, paging, runtime, ui
from components.grid_events.reads import log_for, logs, staff_options, workload
from components.timefmt import fmt_short, today
from db.permissions import Actor, allowed
from db.services import grid_events as svc

LOG_PAGE_SIZE = 10


def pick_staff(ref: dict, key: str) -> int | None:
    c1, c2, c3 = st.columns(3)
    vills = {v["id"]: v["name"] for v in ref["villages"]}
    village_id = c1.selectbox(
        "村（社区）", list(vills), index=None, format_func=vills.get, key=f"{key}_v", placeholder="请选择"
    )
    grids = {g["id"]: g["name"] for g in data.grids(village_id)} if village_id else {}
    grid_id = c2.selectbox(
        "网格",
        list(grids),
        index=None,
        format_func=grids.get,
        key=f"{key}_g",
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
    return c3.selectbox(
        "网格员",
        list(people),
        index=None,
        format_func=people.get,
        key=f"{key}_s",
        placeholder="请先选网格" if not grid_id else "请选择",
    )


def log_form(actor: Actor, staff_id: int) -> None:
    """Write or edit one day's log (the date is chosen outside the form: it loads that day's log)."""
    first = today() - timedelta(days=svc.LOG_BACKDATE_DAYS)
    day = st.date_input(
        "日志日期", value=today(), min_value=first, max_value=today(), format="YYYY-MM-DD", key=f"gel_day_{staff_id}"
    )
    existing = log_for(staff_id, day)
    vkey = f"gel_version_{staff_id}_{day}"
    if existing:
        ui.remember_version(vkey, existing["version"])
    st.caption("已有当日日志，可修改后保存。" if existing else "当日尚未填写日志。")
    with st.form(f"gel_form_{staff_id}_{day}"):
        content = st.text_area(
            "工作内容",
            value=existing["content"] if existing else "",
            max_chars=2000,
            height=110,
            placeholder="巡查了哪些地方、走访了哪些户、发现和处理了什么问题",
        )
        visited = st.number_input(
            "走访户数", 0, svc.HOUSEHOLDS_MAX, value=existing["households_visited"] if existing else 0
        )
        submitted = st.form_submit_button("保存日志", type="primary", icon=":material/save:")
    if not submitted:
        return
    ui.save_versioned(
        vkey,
        lambda version: svc.write_log(
            runtime.engine(),
            actor,
            day,
            content,
            visited,
            version=version if existing else None,  # a new log has no version
            staff_id=None if actor.role == "grid" else staff_id,
        ),
        f"已保存 {day:%Y-%m-%d} 的工作日志。",
        conflict_note=ui.SAVED_NOTE,
    )


def log_list(staff_id: int, role: str) -> None:
    page = paging.paged(f"gel_page_{staff_id}", lambda off, lim: logs(staff_id, off, lim, role), LOG_PAGE_SIZE)
    page.control(noun="篇", label="工作日志共")
    if not page.rows:
        st.caption("暂无工作日志。")
        return
    df = pd.DataFrame(
        {
            "日期": [fmt_short(r["log_date"]) for r in page.rows],
            "走访户数": [r["households_visited"] for r in page.rows],
            "工作内容": [r["content"] for r in page.rows],
        }
    )
    ui.table(df.set_index("日期"))


def workload_table(ref: dict, actor: Actor) -> None:
    """本月工作量: per staff member of one village, the KPI counts (db.queries.grid_events.worker_counts)."""
    c1, c2 = st.columns([1, 1])
    vills = {v["id"]: v["name"] for v in ref["villages"]}
    village_id = c1.selectbox(
        "村（社区）", list(vills), index=0 if vills else None, format_func=vills.get, key="gew_village"
    )
    first_of_month = today().replace(day=1)
    span = c2.date_input("统计期间", value=(first_of_month, today()), format="YYYY-MM-DD", key="gew_span")
    if not village_id or not (isinstance(span, tuple) and len(span) == 2):
        st.caption("请选择村（社区）和起止日期。")
        return
    rows = workload(village_id, span[0], span[1], actor.role)
    if not rows:
        st.caption("该村（社区）没有在岗网格员。")
        return
    df = pd.DataFrame(
        {
            "网格": [r["grid_name"] for r in rows],
            "姓名": [r["name"] for r in rows],
            "岗位": ["网格长" if r["staff_role"] == "chief" else "网格员" for r in rows],
            "上报事件": [r["events_reported"] for r in rows],
            "工作日志": [r["logs"] for r in rows],
            "走访户数": [r["households_visited"] for r in rows],
        }
    )
    st.caption(f"{span[0]:%Y-%m-%d} 至 {span[1]:%Y-%m-%d}，{len(rows)} 人；上报事件按上报时间、日志按日志日期统计。")
    st.dataframe(df, hide_index=True, width="stretch")


def may_write_logs(actor: Actor) -> bool:
    return allowed(actor.role, "work_log.write")
