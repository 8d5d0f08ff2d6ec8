"""The task's fields as a form (new task, edit), and the new-task view."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from components import data, runtime, ui
from components.tasks.common import done
from components.timefmt import today
from db.models.tasks import TASK_SOURCES
from db.permissions import Actor
from db.services import tasks as svc


def task_fields(form: str, t: dict | None = None) -> svc.TaskInput | None:
    """The task's fields in a form; the input when submitted, else None."""
    t = t or {}
    sources = list(TASK_SOURCES)
    with st.form(form):
        a, b = st.columns([3, 1])
        title = a.text_input("任务名称", value=t.get("title", ""))
        due = b.date_input("完成时限", value=t.get("due_on") or today() + timedelta(days=90), format="YYYY-MM-DD")
        c, d, e = st.columns([2, 3, 1])
        lead = c.text_input("牵头单位", value=t.get("lead_unit", ""), placeholder="如 规划建设办公室")
        units = d.text_input("责任单位", value=t.get("responsible_units") or "", placeholder="多个用顿号分隔")
        owner = e.text_input("责任人", value=t.get("owner") or "")
        standard = st.text_area(
            "量化标准", value=t.get("standard") or "", placeholder="如 完成3栋楼外墙改造，惠及120户"
        )
        f, g = st.columns([1, 3])
        source = f.selectbox(
            "来源", sources, index=sources.index(t.get("source", "township")), format_func=TASK_SOURCES.get
        )
        number = (
            None if t else g.text_input("任务编号（可不填）", placeholder="台账自己的编号；不填则自动生成 RW-年份-序号")
        )
        if not st.form_submit_button("保存" if t else "新建任务", type="primary"):
            return None
    return svc.TaskInput(
        title=title,
        lead_unit=lead,
        due_on=due,
        responsible_units=units,
        owner=owner,
        standard=standard,
        source=source,
        number=number,
    )


def new_form(actor: Actor) -> None:
    town = None
    if actor.township_id is None:
        towns = {x["id"]: x["name"] for x in data.reference()["townships"]}
        town = st.selectbox("所属乡镇", list(towns), format_func=towns.get, key="task_new_town")
    fields = task_fields("task_new")
    if fields is not None:
        with ui.user_errors():
            out = svc.create_task(runtime.engine(), actor, fields, township_id=town)
            done(f"已新建任务 {out['number']}。", out["id"])
