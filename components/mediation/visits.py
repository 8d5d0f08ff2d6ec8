"""Visits to special groups (released prisoners, the elderly living alone): who is due, and the
form that records a visit."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import paging, runtime, timefmt, ui
from components.mediation.common import PAGE_SIZE, done
from components.mediation.reads import special, writable_villages
from components.timefmt import fmt, today
from db.permissions import Actor, allowed
from db.services import mediation as svc


def visits_view(actor: Actor) -> None:
    a, b = st.columns([2, 3], vertical_alignment="bottom")
    tag = a.selectbox(
        "对象",
        [None, *svc.SPECIAL_GROUPS],
        format_func=lambda t: "全部" if t is None else svc.SPECIAL_GROUPS[t],
        key="med_vis_tag",
    )
    overdue = b.toggle("只看逾期未走访", key="med_vis_overdue")
    page = paging.paged(
        "med_vis_page", lambda off, lim: special(actor, tag, overdue, off, lim, timefmt.minute_key()), PAGE_SIZE
    )
    page.control(noun="人")
    rows = page.rows
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "姓名": r["name"],
                    "类别": r["group"],
                    "村（社区）": r["village"],
                    "网格": r["grid"],
                    "上次走访": fmt(r["last_visit"]),
                    "下次应走访": fmt(r["next_due"]) if r["next_due"] else "尽快走访",
                    "提醒": "逾期" if r["overdue"] else "",
                }
                for r in rows
            ]
        ),
        hide_index=True,
        width="stretch",
        height=38 + 35 * min(max(len(rows), 1), 10),
    )
    if not allowed(actor.role, "mediation.screening") or not rows:
        return
    mine = writable_villages(actor)
    opts = {
        (r["resident_id"], r["tag"]): f"{r['name']}（{r['group']}，{r['village']}）"
        for r in rows
        if mine is None or r["village_id"] in mine
    }
    if not opts:
        return
    with st.expander("登记走访", expanded=False), st.form("med_visit"):
        who = st.selectbox("走访对象（本页）", list(opts), format_func=opts.get)
        x, y = st.columns(2)
        day = x.date_input("走访日期", value=today(), max_value=today(), format="YYYY-MM-DD")
        visitor = y.text_input("走访人", value=actor.display_name)
        note = st.text_area("走访情况")
        if st.form_submit_button("保存走访", type="primary"):
            with ui.user_errors():
                out = svc.record_visit(runtime.engine(), actor, who[0], who[1], day, visitor, note)
                done(f"已登记走访，下次应走访日期 {fmt(out['next_due_on'])}。")
