"""十户长: the ten-household units with their chief; admin appoints a chief from the unit's
residents."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import paging, runtime, ui
from components.roster import common, reads
from db.permissions import Actor, allowed
from db.queries import roster as q
from db.services import roster as svc


def view_units(actor: Actor) -> None:
    scope = common.place_filter(actor, "units")
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    text = c1.text_input("搜索", placeholder="十户长姓名或单元名称", key="units_text")
    no_chief = c2.checkbox("只看十户长空缺的单元", key="units_nochief")
    f = q.UnitFilter(scope=scope, without_chief=no_chief, text=text or None)
    common.reset_on_change("units", f)
    page = paging.paged("units_page", lambda off, lim: reads.unit_page(f, off, lim, actor.role), common.PAGE_SIZE)
    page.control(noun="个十户单元")
    frame = pd.DataFrame(
        [
            {
                "村（社区）": r["village"],
                "网格": r["grid"],
                "十户单元": r["unit"],
                "十户长": r["chief_name"] or "空缺",
                "电话": common.phone_text(r["chief_phone"]),
                "十户长住址": r["chief_address"] or "—",
                "户数": r["households"],
            }
            for r in page.rows
        ]
    )
    i = common.pick_row(frame, common.table_key("units", page.number))
    if i is None or not allowed(actor.role, "roster.edit"):
        return

    unit = page.rows[i]
    ui.remember_version(f"unit_v_{unit['id']}", unit["version"])
    people = reads.unit_candidates(unit["id"])
    ids = [None] + [p["id"] for p in people]
    label = {p["id"]: f"{p['name']}（{p['address']}，{p['phone'] or '无电话'}）" for p in people}
    with st.form(f"unit_form_{unit['id']}"):
        chief = st.selectbox(
            f"{unit['unit']}的十户长",
            ids,
            index=ids.index(unit["chief_id"]) if unit["chief_id"] in ids else 0,
            format_func=lambda v: "（空缺）" if v is None else label[v],
        )
        ok = st.form_submit_button("保存", type="primary")
    if ok:
        ui.save_versioned(
            f"unit_v_{unit['id']}",
            lambda version: svc.set_unit_chief(runtime.engine(), actor, unit["id"], version, chief),
            "已更新十户长。",
            conflict_note=ui.SAVED_NOTE,
            after=common.next_generation,
        )
