"""The monthly screening: each village's result for a month, and the form that records it (saved
with the version it was rendered at)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import runtime, timefmt, ui
from components.mediation.common import reset
from components.mediation.reads import screening, writable_villages
from components.timefmt import today
from db.permissions import Actor, allowed
from db.services import mediation as svc


def month_options(n: int = 12) -> list[str]:
    t = today()
    y, m = t.year, t.month
    out = []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out


def screening_view(actor: Actor) -> None:
    a, b = st.columns([2, 3], vertical_alignment="bottom")
    month = a.selectbox("排查月份", month_options(), key="med_month")
    only_missing = b.toggle("只看未完成的村", key="med_missing")
    summary, rows = screening(month, only_missing, actor.role, timefmt.minute_key())
    m1, m2, m3 = st.columns(3)
    m1.metric("已完成排查", f"{summary['done']} / {summary['villages']} 个村")
    m2.metric("未完成" + ("（已逾期）" if summary["overdue"] else "（本月底前）"), summary["missing"])
    m3.metric("排查出纠纷", summary["found"])
    frame = pd.DataFrame(
        [
            {
                "乡镇": r["township"],
                "村（社区）": r["village"],
                "排查": "已完成" if r["done"] else ("逾期未排查" if r["overdue"] else "未完成"),
                "发现纠纷": r["disputes_found"] or 0,
                "排查情况": r["findings"] or "—",
            }
            for r in rows
        ]
    )
    st.dataframe(frame, hide_index=True, width="stretch", height=38 + 35 * min(max(len(rows), 1), 10))
    if not allowed(actor.role, "mediation.screening") or not rows:
        return
    mine = writable_villages(actor)
    by_id = {r["village_id"]: r for r in rows if mine is None or r["village_id"] in mine}
    if not by_id:
        return
    with st.expander("登记 / 修改排查结果", expanded=False):
        ui.show_conflict()
        vid = st.selectbox(
            "村（社区）",
            list(by_id),
            format_func=lambda i: f"{by_id[i]['township']} {by_id[i]['village']}",
            key="med_scr_village",
        )
        r = by_id[vid]
        vkey = f"med_v_scr_{month}_{vid}"  # the version this form was rendered with
        ui.remember_version(vkey, r["version"])
        with st.form(f"med_scr_{month}_{vid}"):
            done = st.checkbox("已完成本月排查（婚姻家庭、邻里、土地边界纠纷）", value=r["done"])
            found = st.number_input("排查出的纠纷数", 0, 99, value=int(r["disputes_found"] or 0))
            findings = st.text_area("排查情况", value=r["findings"] or "", placeholder="如：未发现新的矛盾纠纷")
            if st.form_submit_button("保存排查结果", type="primary"):
                ui.save_versioned(
                    vkey,
                    lambda v: svc.save_screening(
                        runtime.engine(),
                        actor,
                        vid,
                        month,
                        done=done,
                        findings=findings,
                        disputes_found=found,
                        version=v,
                    ),
                    f"{ui.esc(r['village'])} {month} 排查结果已保存。",
                    after=reset,
                    reload_on_conflict=True,
                )
