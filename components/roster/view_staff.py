"""网格员: grid chiefs and workers, filtered and paged; admin adds and edits (``forms``)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import paging
from components.roster import common, forms, reads
from db.models.people import EMPLOYMENT, STAFF_ROLES
from db.permissions import Actor, allowed, sees_unmasked
from db.queries import roster as q


def view_staff(actor: Actor) -> None:
    scope = common.place_filter(actor, "staff")
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    text = c1.text_input(
        "搜索",
        placeholder="姓名、网格名称或编码" + ("、电话" if sees_unmasked(actor.role, "phone") else ""),
        key="staff_text",
    )
    role = c2.selectbox(
        "职务",
        [None, *STAFF_ROLES],
        format_func=lambda v: common.ALL if v is None else STAFF_ROLES[v],
        key="staff_role",
    )
    emp = c3.selectbox(
        "专兼职", [None, *EMPLOYMENT], format_func=lambda v: common.ALL if v is None else EMPLOYMENT[v], key="staff_emp"
    )
    active = c4.selectbox(
        "状态",
        [True, False, None],
        format_func=lambda v: {True: "在岗", False: "离岗", None: common.ALL}[v],
        key="staff_active",
    )
    f = q.StaffFilter(scope=scope, role=role, employment=emp, active=active, text=text or None)
    common.reset_on_change("staff", f)
    page = paging.paged("staff_page", lambda off, lim: reads.staff_page(f, off, lim, actor.role), common.PAGE_SIZE)
    head, pager, add = st.columns([3, 1, 1], vertical_alignment="bottom")
    head.markdown(f"**共 {page.total} 人**（第 {page.number}/{page.pages} 页）")
    page.control(pager)
    may_edit = allowed(actor.role, "roster.edit")
    if may_edit and add.button("新增人员", icon=":material/person_add:"):
        st.session_state["staff_new"] = True
    frame = pd.DataFrame(
        [
            {
                "村（社区）": r["village"],
                "网格": r["grid"],
                "职务": STAFF_ROLES.get(r["staff_role"]),
                "姓名": r["name"],
                "电话": common.phone_text(r["phone"]),
                "身份证号": r["id_number"] or "—",
                "专兼职": EMPLOYMENT.get(r["employment"]),
                "状态": "在岗" if r["active"] else "离岗",
            }
            for r in page.rows
        ]
    )
    i = common.pick_row(frame, common.table_key("staff", page.number))
    if may_edit and st.session_state.get("staff_new"):
        forms.staff_form(actor, None, scope)
    elif i is not None:
        if may_edit:
            forms.staff_form(actor, page.rows[i], scope)
        else:
            st.caption("如需修改人员信息，请联系系统管理员。")
