"""The roster's edit forms: a grid staff member, a party member's score, details and linked
households. Each saves with the version it was rendered with (``ui.save_versioned``)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components import runtime, ui
from components.roster import common, reads
from components.timefmt import today
from db.models.people import EMPLOYMENT, STAFF_ROLES
from db.permissions import Actor
from db.queries import roster as q
from db.rules.roster import link_range_text
from db.services import roster as svc


def staff_form(actor: Actor, row: dict | None, scope: q.Scope) -> None:

    st.divider()
    st.markdown("**新增网格人员**" if row is None else f"**编辑：{ui.esc(row['name'])}**")
    if row is not None:
        ui.remember_version(f"staff_v_{row['id']}", row["version"])
    grid_choices: list[dict] = []
    village_id = scope.village_id
    if row is not None:
        grid_choices = [{"id": row["grid_id"], "name": row["grid"]}]
    if village_id:
        grid_choices = reads.grids(village_id) + [
            g for g in grid_choices if g["id"] not in {x["id"] for x in reads.grids(village_id)}
        ]
    if not grid_choices:
        st.info("请先在上方选择村（社区），再为其网格新增人员。")
        return
    key = f"staff_form_{row['id'] if row else 'new'}"
    with st.form(key):
        c1, c2, c3 = st.columns(3)
        name = c1.text_input("姓名", value=row["name"] if row else "", max_chars=40)
        phone = c2.text_input("联系电话", value=row["phone"] or "" if row else "")
        ident = c3.text_input("身份证号", value=row["id_number"] or "" if row else "")
        c4, c5, c6, c7 = st.columns(4)
        ids = [g["id"] for g in grid_choices]
        grid_id = c4.selectbox(
            "所属网格",
            ids,
            index=ids.index(row["grid_id"]) if row and row["grid_id"] in ids else 0,
            format_func=lambda v: next(g["name"] for g in grid_choices if g["id"] == v),
        )
        roles = list(STAFF_ROLES)
        srole = c5.selectbox(
            "职务", roles, index=roles.index(row["staff_role"]) if row else 1, format_func=STAFF_ROLES.get
        )
        emps = list(EMPLOYMENT)
        emp = c6.selectbox(
            "专兼职", emps, index=emps.index(row["employment"]) if row else 0, format_func=EMPLOYMENT.get
        )
        active = c7.checkbox("在岗", value=row["active"] if row else True)
        ok = st.form_submit_button("保存", type="primary")
    if ok:
        i = svc.StaffInput(
            grid_id=grid_id, name=name, phone=phone, id_number=ident, staff_role=srole, employment=emp, active=active
        )

        def save(version: int | None) -> None:
            if row is None:
                svc.save_staff(runtime.engine(), actor, i)
            else:
                svc.save_staff(runtime.engine(), actor, i, staff_id=row["id"], version=version)
            st.session_state.pop("staff_new", None)

        ui.save_versioned(
            f"staff_v_{row['id']}" if row else "staff_v_new",
            save,
            "已保存网格人员信息。",
            conflict_note=ui.SAVED_NOTE,
            after=common.next_generation,
        )


def score_form(actor: Actor, m: dict) -> None:

    with st.form(f"score_form_{m['id']}", clear_on_submit=True):
        c1, c2, c3 = st.columns([1, 4, 1], vertical_alignment="bottom")
        delta = c1.number_input("分值（扣分填负数）", min_value=-100, max_value=100, value=0, step=1)
        reason = c2.text_input("事由", placeholder="如：走访联系户并解决实际困难；无故缺席组织生活")
        ok = c3.form_submit_button("登记加减分", type="primary")
    if ok:
        ui.save_versioned(
            f"party_v_{m['id']}",
            lambda version: svc.add_score_entry(runtime.engine(), actor, m["id"], version, delta, reason),
            lambda r: f"已登记，当前得分{r['score']}分。",
            conflict_note=ui.SAVED_NOTE,
            after=common.next_generation,
        )


def party_form(actor: Actor, m: dict, links: list[dict]) -> None:

    gs = reads.grids(m["village_id"])
    zs = reads.zones(m["village_id"])
    ts = [x for x in reads.teams(None) if x["village_id"] in (None, m["village_id"])]
    with st.form(f"party_form_{m['id']}"):
        c1, c2, c3 = st.columns(3)
        name = c1.text_input("姓名", value=m["name"])
        phone = c2.text_input("联系电话", value=m["phone"] or "")
        joined = c3.date_input(
            "入党日期",
            value=m["joined_on"],
            min_value=date(1921, 7, 1),
            max_value=today(),
            format="YYYY-MM-DD",
        )
        c4, c5, c6, c7 = st.columns([3, 3, 3, 1])
        gids = [None] + [g["id"] for g in gs]
        grid_id = c4.selectbox(
            "所属网格",
            gids,
            index=gids.index(m["grid_id"]) if m["grid_id"] in gids else 0,
            format_func=lambda v: "—" if v is None else next(g["name"] for g in gs if g["id"] == v),
        )
        zids = [None] + [z["id"] for z in zs]
        zone_id = c5.selectbox(
            "责任区",
            zids,
            index=zids.index(m["zone_id"]) if m["zone_id"] in zids else 0,
            format_func=lambda v: "未分配" if v is None else next(z["name"] for z in zs if z["id"] == v),
        )
        tids = [None] + [x["id"] for x in ts]
        team_id = c6.selectbox(
            "突击队",
            tids,
            index=tids.index(m["team_id"]) if m["team_id"] in tids else 0,
            format_func=lambda v: "未参加" if v is None else next(x["name"] for x in ts if x["id"] == v),
        )
        active = c7.checkbox("在册", value=m["active"])
        ok = st.form_submit_button("保存党员信息", type="primary")
    if ok:
        values = svc.PartyInput(
            name=name, phone=phone, grid_id=grid_id, zone_id=zone_id, team_id=team_id, joined_on=joined, active=active
        )
        ui.save_versioned(
            f"party_v_{m['id']}",
            lambda version: svc.update_party_member(runtime.engine(), actor, m["id"], version, values),
            "已保存党员信息。",
            conflict_note=ui.SAVED_NOTE,
            after=common.next_generation,
        )
    hhs = reads.village_households(m["village_id"])
    label = {h["id"]: f"{h['address']}（{h['head_name']}，{h['linked_by']}名党员联系）" for h in hhs}
    with st.form(f"links_form_{m['id']}"):
        chosen = st.multiselect(
            f"联系户（{link_range_text(m['link_min'], m['link_max'])}）",
            list(label),
            default=[h["id"] for h in links if h["id"] in label],
            format_func=label.get,
        )
        ok = st.form_submit_button("保存联系户", type="primary")
    if ok:
        ui.save_versioned(
            f"party_v_{m['id']}",
            lambda version: svc.set_party_links(runtime.engine(), actor, m["id"], version, chosen),
            lambda r: f"已保存联系户：新增{r['added']}户，解除{r['removed']}户。",
            conflict_note=ui.SAVED_NOTE,
            after=common.next_generation,
        )
