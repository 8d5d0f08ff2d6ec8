"""A task's actions, by permission: report progress, add a milestone, mark one done, edit the
task, close it out (销号) or reopen it. Each form saves with the version the task (or the
milestone) was first rendered at (``common.save``)."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from components import runtime, ui
from components.tasks.common import save, version_key
from components.tasks.forms import task_fields
from components.timefmt import fmt, today
from db.permissions import Actor, allowed
from db.services import tasks as svc


def actions(actor: Actor, t: dict) -> None:
    manage, close = allowed(actor.role, "task.manage"), allowed(actor.role, "task.close")
    if t["status"] == "open":
        acts = {
            k: v
            for k, v, ok in (
                ("progress", "报告进展", manage),
                ("milestone", "增加节点", manage),
                ("done", "节点完成", manage and t["m_total"] > t["m_done"]),
                ("edit", "修改任务", manage),
                ("close", "销号", close),
            )
            if ok
        }
    else:
        acts = {"reopen": "重新打开"} if close else {}
    if not acts:
        return
    st.divider()
    action = st.segmented_control("办理", list(acts), format_func=acts.get, key=f"task_act_{t['id']}")
    if action is None:
        st.caption("选择上方要办理的事项。")
        return
    key = version_key("task", t["id"])
    ui.remember_version(key, t["version"])  # the version the task was first rendered at
    eng = runtime.engine()
    form = f"task_{action}_{t['id']}"
    if action == "progress":
        with st.form(form):
            a, b = st.columns(2)
            day = a.date_input("报告日期", value=today(), max_value=today(), format="YYYY-MM-DD")
            pct = b.number_input("完成进度（%）", 0, 100, value=int(t["progress_percent"]), step=5)
            text = st.text_area("进展情况", placeholder="本周完成了什么、存在的问题、下一步安排")
            if st.form_submit_button("报告进展", type="primary"):
                save(
                    key,
                    t["id"],
                    lambda v: svc.report_progress(eng, actor, t["id"], v, percent=pct, text=text, reported_on=day),
                    f"{t['number']} 已报告进展。",
                )
    elif action == "milestone":
        with st.form(form):
            a, b = st.columns([3, 1])
            title = a.text_input("节点名称", placeholder="如 完成施工招标")
            due = b.date_input(
                "节点时限",
                value=min(t["due_on"], today() + timedelta(days=30)),
                max_value=t["due_on"],
                format="YYYY-MM-DD",
            )
            note = st.text_input("说明（可不填）")
            if st.form_submit_button("增加节点", type="primary"):
                save(
                    key,
                    t["id"],
                    lambda v: svc.add_milestone(eng, actor, t["id"], v, title=title, due_on=due, note=note),
                    f"{t['number']} 已增加节点。",
                )
    elif action == "done":
        left = {
            m["id"]: f"{m['seq']}. {m['title']}（{fmt(m['due_on'])}）" for m in t["milestones"] if m["done_on"] is None
        }
        versions = {m["id"]: m["version"] for m in t["milestones"]}
        with st.form(form):
            a, b = st.columns([3, 1])
            mid = a.selectbox("节点", list(left), format_func=left.get)
            day = b.date_input("完成日期", value=today(), max_value=today(), format="YYYY-MM-DD")
            note = st.text_input("说明（可不填）")
            if st.form_submit_button("标记完成", type="primary") and mid is not None:
                mkey = version_key("milestone", mid)
                ui.remember_version(mkey, versions[mid])
                save(
                    mkey,
                    t["id"],
                    lambda v: svc.set_milestone_done(eng, actor, mid, v, done_on=day, note=note or None),
                    f"{t['number']} 节点已完成。",
                )
    elif action == "edit":
        fields = task_fields(form, t)
        if fields is not None:
            save(key, t["id"], lambda v: svc.update_task(eng, actor, t["id"], v, fields), f"{t['number']} 已修改。")
    elif action == "close":
        left = t["m_total"] - t["m_done"]
        if left:
            st.warning(f"还有 {left} 个节点未完成：销号须说明原因。")
        with st.form(form):
            day = st.date_input("销号日期", value=today(), max_value=today(), format="YYYY-MM-DD")
            evidence = st.text_area("销号依据", placeholder="如：县专班已验收，验收报告和现场照片已存档")
            reason = st.text_area("未完成节点的说明", placeholder="节点均已完成时不填") if left else None
            if st.form_submit_button("确认销号", type="primary"):
                save(
                    key,
                    t["id"],
                    lambda v: svc.close_task(eng, actor, t["id"], v, evidence=evidence, closed_on=day, reason=reason),
                    f"{t['number']} 已销号。",
                )
    elif action == "reopen":
        with st.form(form):
            reason = st.text_area("重新打开的原因", placeholder="如：县专班复核未通过，需继续整改")
            if st.form_submit_button("确认重新打开", type="primary"):
                save(
                    key,
                    t["id"],
                    lambda v: svc.reopen_task(eng, actor, t["id"], v, reason=reason),
                    f"{t['number']} 已重新打开。",
                )
