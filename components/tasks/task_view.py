"""One task's file: its badges, its particulars, its milestones and progress reports, then its
actions (``actions``)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import ui
from components.tasks.actions import actions
from components.tasks.common import LEVEL_BADGE
from components.timefmt import fmt
from db.permissions import Actor


def task_view(actor: Actor, t: dict) -> None:
    st.subheader(f"{t['number']}　{ui.esc(t['title'])}")
    badges = [
        f":{'green' if t['status'] == 'closed' else 'blue'}-badge[{t['status_label']}]",
        f":gray-badge[进度 {t['progress_percent']}%]",
        f":gray-badge[节点 {t['m_done']}/{t['m_total']}]",
    ]
    if t["warning"]:
        badges.append(f":{LEVEL_BADGE[t['warning']]}-badge[{ui.esc(t['warning_text'])}]")
    st.markdown(" ".join(badges))
    info = {
        "牵头单位": t["lead_unit"],
        "责任单位": t["responsible_units"] or "—",
        "责任人": t["owner"] or "—",
        "来源": t["source_label"],
        "完成时限": fmt(t["due_on"]),
        "量化标准": t["standard"] or "—",
        "最近报告": fmt(t["last_report_on"]) if t["last_report_on"] else "尚未报告进展",
    }
    if t["status"] == "closed":
        info["销号"] = fmt(t["closed_on"]) + (f"（{t['closed_by_name']}）" if t.get("closed_by_name") else "")
        info["销号依据"] = t["closing_evidence"] or "—"
        if t.get("closing_reason"):
            info["未完成节点说明"] = t["closing_reason"]
    ui.table(pd.DataFrame({"项目": list(info), "内容": list(info.values())}).set_index("项目"))
    st.markdown(f"**任务节点（{t['m_done']}/{t['m_total']} 已完成）**")
    if t["milestones"]:
        ui.table(
            pd.DataFrame(
                [
                    {
                        "序号": m["seq"],
                        "节点": m["title"],
                        "节点时限": fmt(m["due_on"]),
                        "完成日期": fmt(m["done_on"]) if m["done_on"] else "未完成",
                        "提醒": m["warning_text"],
                        "说明": m["note"] or "",
                    }
                    for m in t["milestones"]
                ]
            )
        )
    else:
        st.caption("尚未设置节点。")
    st.markdown(f"**进展情况（{len(t['progress'])} 次报告）**")
    if t["progress"]:
        ui.table(
            pd.DataFrame(
                [
                    {
                        "日期": fmt(p["reported_on"]),
                        "进度": f"{p['percent']}%",
                        "进展情况": p["text"],
                        "报告人": p["reporter"] or "—",
                    }
                    for p in t["progress"]
                ]
            )
        )
    else:
        st.caption("尚未报告进展。")
    actions(actor, t)
