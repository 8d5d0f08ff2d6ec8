"""网格花名册: the views of the roster page, their cached reads (masked for the role) and the
reusable ``household_chain`` (chain of responsibility + history of one household)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components import data, runtime, ui
from components.timefmt import fmt
from db.engine import read_session
from db.models.base import utcnow
from db.models.grid_work import EVENT_STATUSES
from db.models.mediation import CASE_STATUSES, RISK_COLOURS
from db.models.orders import ORDER_STATUSES
from db.models.org import GRID_KINDS, VILLAGE_KINDS
from db.models.people import EMPLOYMENT, STAFF_ROLES
from db.permissions import Actor, allowed, sees_unmasked
from db.queries import roster as q
from db.rules.roster import link_range_text, link_status, link_status_labels
from db.rules.sla import to_local

VIEWS = {
    "org": "组织架构",
    "map": "一张图",
    "staff": "网格员",
    "units": "十户长",
    "party": "党员",
    "household": "户与地址",
    "teams": "突击队与责任区",
    "io": "导入导出",
}
PAGE_SIZE = 20
ALL = "全部"


# --------------------------------------------------------------------------- cached reads


@runtime.cached(ttl=120)
def townships() -> list[dict]:
    with read_session(runtime.engine()) as s:
        return q.townships(s)


@runtime.cached(ttl=120)
def villages(township_id: int | None) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return q.villages_of(s, township_id)


@runtime.cached(ttl=120)
def grids(village_id: int) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return q.grids_of(s, village_id)


@runtime.cached(ttl=60)
def tree(township_id: int | None) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return q.village_tree(s, township_id)


@runtime.cached(ttl=60)
def grid_rows(village_id: int, role: str) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return q.grid_rows_for(s, village_id, role)


@runtime.cached(ttl=60)
def grid_people(grid_id: int, role: str) -> dict:
    with read_session(runtime.engine()) as s:
        return q.grid_people_for(s, grid_id, role)


@runtime.cached(ttl=60)
def link_rule(township_id: int | None) -> tuple[int, int] | None:
    """The 党员联户 range shown for a township, or for every township the reader sees (None when
    their ranges differ: each member is still counted against their own township's range)."""
    from db.queries.township_settings import shown_link_range

    with read_session(runtime.engine()) as s:
        rule = shown_link_range(s, township_id)
        return (rule.low, rule.high) if rule else None


def _link_range(rule: tuple[int, int] | None):
    from db.queries.township_settings import LinkRange

    return LinkRange(*rule) if rule else None


def _member_status(r: dict) -> str:
    """A member's link status in words, against the member's own township's range."""
    lo, hi = r["link_min"], r["link_max"]
    return link_status_labels(lo, hi)[link_status(r["links"], lo, hi)]


@runtime.cached(ttl=60)
def gaps(scope: q.Scope) -> dict[str, int]:
    with read_session(runtime.engine()) as s:
        return q.gap_counts(s, scope)


@runtime.cached(ttl=60)
def gap_page(kind: str, scope: q.Scope, offset: int, limit: int, role: str) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.gap_page_for(s, kind, scope, offset, limit, role)


@runtime.cached(ttl=30)
def staff_page(f: q.StaffFilter, offset: int, limit: int, role: str) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.staff_page_for(s, f, offset, limit, role)


@runtime.cached(ttl=30)
def unit_page(f: q.UnitFilter, offset: int, limit: int, role: str) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.unit_chief_page_for(s, f, offset, limit, role)


@runtime.cached(ttl=30)
def party_page(f: q.PartyFilter, offset: int, limit: int, role: str) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.party_page_for(s, f, offset, limit, role)


@runtime.cached(ttl=15)
def party_detail(member_id: int, role: str) -> dict | None:
    with read_session(runtime.engine()) as s:
        return q.party_detail_for(s, member_id, role)


@runtime.cached(ttl=30)
def household_page(f: q.HouseholdFilter, offset: int, limit: int, role: str) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.household_page_for(s, f, offset, limit, role)


@runtime.cached(ttl=15)
def chain(household_id: int, role: str) -> dict | None:
    with read_session(runtime.engine()) as s:
        return q.household_chain_for(s, household_id, role)


@runtime.cached(ttl=60)
def teams(township_id: int | None) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return q.teams(s, township_id)


@runtime.cached(ttl=60)
def zones(village_id: int) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return q.zones(s, village_id)


@runtime.cached(ttl=30)
def members(team_id: int | None, zone_id: int | None, role: str) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return q.group_members_for(s, role, team_id=team_id, zone_id=zone_id)


@runtime.cached(ttl=30)
def village_households(village_id: int) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return q.village_households(s, village_id)


@runtime.cached(ttl=30)
def unit_candidates(unit_id: int) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return q.unit_candidates(s, unit_id)


@runtime.cached(ttl=300)
def my_grid(user_id: int) -> dict | None:
    with read_session(runtime.engine()) as s:
        return q.actor_grid(s, user_id)


# --------------------------------------------------------------------------- shared widgets


def views_for(role: str) -> dict[str, str]:
    """The views a role may open: the observer of a delegation gets no household list (a
    household's address and members are nothing a visit needs; issue #17)."""
    return {k: v for k, v in VIEWS.items() if not (role == "demo" and k == "household")}


def current_view(role: str) -> str:
    """The view switcher. The URL is the source of truth (?view=..., ?household=..., ?member=...),
    so every view can be linked to and a rerun never loses the view."""
    qp = st.query_params
    views = views_for(role)
    wanted = "household" if qp.get("household") else "party" if qp.get("member") else qp.get("view")
    if wanted not in views:
        wanted = "org"
    st.session_state["roster_view"] = wanted

    def switch() -> None:
        chosen = st.session_state.get("roster_view") or "org"
        for k in ("household", "member"):
            if k in st.query_params:
                del st.query_params[k]
        st.query_params["view"] = chosen

    st.segmented_control(
        "视图", list(views), format_func=views.get, key="roster_view", label_visibility="collapsed", on_change=switch
    )
    if qp.get("view") != wanted:
        st.query_params["view"] = wanted
    return wanted


def place_filter(actor: Actor, key: str, with_grid: bool = True) -> q.Scope:
    """Township (when several) → village → grid selects; a grid worker starts at their own grid."""
    towns = townships()
    cols = st.columns(3 if len(towns) > 1 else 2)
    i = 0
    town_id = None
    if len(towns) > 1:
        t = cols[0].selectbox(
            "乡镇（街道）",
            [None] + [x["id"] for x in towns],
            key=f"{key}_town",
            format_func=lambda v: ALL if v is None else next(x["name"] for x in towns if x["id"] == v),
        )
        town_id, i = t, 1
    vs = villages(town_id)
    mine = my_grid(actor.user_id) if actor.role == "grid" else None
    if mine and f"{key}_village" not in st.session_state:
        st.session_state[f"{key}_village"] = mine["village_id"]
        st.session_state[f"{key}_grid"] = mine["id"]
    vid = cols[i].selectbox(
        "村（社区）",
        [None] + [v["id"] for v in vs],
        key=f"{key}_village",
        format_func=lambda v: ALL if v is None else next((x["name"] for x in vs if x["id"] == v), "—"),
    )
    gid = None
    if with_grid and vid:
        gs = grids(vid)
        gid = cols[i + 1].selectbox(
            "网格",
            [None] + [g["id"] for g in gs],
            key=f"{key}_grid",
            format_func=lambda v: ALL if v is None else next((g["name"] for g in gs if g["id"] == v), "—"),
        )
    return q.Scope(township_id=town_id, village_id=vid, grid_id=gid)


def reset_on_change(key: str, value: object) -> None:
    """Back to page 1 when the filter changed, and a new table generation (see ``table_key``):
    a row selected in the old list must not select whoever is now at that position."""
    if st.session_state.get(f"{key}_last") != value:
        st.session_state[f"{key}_last"] = value
        st.session_state[f"{key}_page"] = 1
        st.session_state[f"{key}_gen"] = st.session_state.get(f"{key}_gen", 0) + 1


def table_key(key: str, page_number: int) -> str:
    """The key of a list's selectable table: changes with the page, the filter (``reset_on_change``)
    and every write (``after_write``), so a selection never outlives the rows it was made on."""
    return f"{key}_table_{page_number}_{st.session_state.get(f'{key}_gen', 0)}_{st.session_state.get('roster_gen', 0)}"


def save_versioned(version_key: str, save, message) -> None:
    """Run ``save(version)`` with the version remembered when the form was rendered (``message``:
    the flash text, or a function of ``save``'s result). The remembered version is dropped on
    success and on a conflict; after a conflict the caches are cleared, so the next run shows the
    current record with its version and a retry can save."""
    saved, result = ui.versioned_write(version_key, lambda: save(st.session_state.get(version_key)))
    if not saved:
        return
    after_write(message(result) if callable(message) else message)
    st.rerun()


def pick_row(frame: pd.DataFrame, key: str, height: int | None = None, **kw) -> int | None:
    """A table with single-row selection; the index of the chosen row."""
    event = st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=key,
        height=height or 38 + 35 * min(max(len(frame), 1), 12),
        **kw,
    )
    rows = [i for i in event.selection.rows if i < len(frame)]
    return rows[0] if rows else None


def _phone(p: str | None) -> str:
    return p or "—"


# --------------------------------------------------------------------------- household chain (reusable)


def household_chain(household_id: int, role: str) -> None:
    """The chain of responsibility of a household (grid chief → grid worker → ten-household chief
    → linked party member), phones masked for the role, and its history (orders, grid events,
    disputes). Other pages may call this."""
    c = chain(household_id, role)
    if c is None:
        st.warning("该户不存在或无权查看。")
        return
    h = c["household"]
    st.subheader(ui.esc(h["address"]))
    st.caption(
        f"{ui.esc(h['township'])} · {ui.esc(h['village'])} · {ui.esc(h['grid'])}"
        f"（{GRID_KINDS.get(h['grid_kind'], '')}） · 户主 {ui.esc(h['head_name'] or '—')} · {h['size']} 人 · "
        f"十户单元：{ui.esc(h['unit'] or '未编入')}"
    )
    steps = [
        ("网格长", c["chiefs"]),
        ("网格员", c["workers"]),
        ("十户长", [c["unit_chief"]] if c["unit_chief"] else []),
        ("联系党员", c["party_members"]),
    ]
    cols = st.columns(4)
    for col, (label, people) in zip(cols, steps, strict=False):
        with col.container(border=True):
            st.markdown(f"**{label}**")
            if not people:
                st.markdown(":red[空缺]" if label != "十户长" or h["unit"] else ":orange[未编入十户单元]")
            for p in people:
                st.markdown(f"{ui.esc(p['name'])}  \n:material/call: {ui.esc(_phone(p['phone']))}")
    hist = c["history"]
    st.markdown(
        f"**一户一档**：工单 {len(hist['orders'])} 件 · 网格事件 {len(hist['events'])} 件 · "
        f"矛盾纠纷 {len(hist['disputes'])} 件（各显示最近20件）"
    )
    if hist["orders"]:
        ui.table(
            pd.DataFrame(
                [
                    {
                        "编号": o["number"],
                        "受理时间": fmt(o["received_at"], with_time=False),
                        "分类": o["category"],
                        "标题": o["title"],
                        "状态": ORDER_STATUSES.get(o["status"], o["status"]),
                    }
                    for o in hist["orders"]
                ]
            )
        )
    if hist["events"]:
        ui.table(
            pd.DataFrame(
                [
                    {
                        "编号": e["number"],
                        "上报时间": fmt(e["reported_at"], with_time=False),
                        "网格": e["grid"],
                        "描述": (e["description"] or "")[:40],
                        "状态": EVENT_STATUSES.get(e["status"], e["status"]),
                    }
                    for e in hist["events"]
                ]
            )
        )
    if hist["disputes"]:
        ui.table(
            pd.DataFrame(
                [
                    {
                        "编号": d["number"],
                        "登记时间": fmt(d["reported_at"], with_time=False),
                        "标题": d["title"],
                        "风险": RISK_COLOURS.get(d["risk_colour"], d["risk_colour"]),
                        "状态": CASE_STATUSES.get(d["status"], d["status"]),
                    }
                    for d in hist["disputes"]
                ]
            )
        )


# --------------------------------------------------------------------------- view: organisation


def gap_help(rule: tuple[int, int] | None) -> dict[str, str]:
    """The help of each gap count; the party members' with the township's range (5-15 unless the
    township set its own in 系统设置 → 本乡镇设置)."""
    under = f"少于{rule[0]}户" if rule else "少于所在乡镇规定户数"
    over = f"多于{rule[1]}户" if rule else "多于所在乡镇规定户数"
    return {
        "grid_no_chief": "没有在岗网格长的网格",
        "grid_no_worker": "没有在岗网格员（专职或兼职）的网格",
        "household_no_unit": "未编入任何十户单元的户",
        "party_under": f"在册党员中联系户{under}的（联户户数范围在系统设置中按乡镇设定）",
        "party_over": f"在册党员中联系户{over}的（联户户数范围在系统设置中按乡镇设定）",
        "household_unlinked": "没有任何在册党员联系的户",
    }


def view_org(actor: Actor) -> None:
    towns = townships()
    town_id = None
    if len(towns) > 1:
        town_id = st.selectbox(
            "乡镇（街道）",
            [None] + [x["id"] for x in towns],
            key="org_town",
            format_func=lambda v: "全县" if v is None else next(x["name"] for x in towns if x["id"] == v),
        )
    scope = q.Scope(township_id=town_id)
    counts = gaps(scope)
    rule = link_rule(town_id)
    kinds, helps = q.gap_kinds(_link_range(rule)), gap_help(rule)
    st.markdown("**覆盖缺口**（点击查看名单）")
    cols = st.columns(len(kinds))
    for col, (kind, label) in zip(cols, kinds.items(), strict=False):
        with col.container(border=True):
            st.metric(label, counts[kind], help=helps[kind])
            if col.button("查看", key=f"gap_{kind}", disabled=counts[kind] == 0, width="stretch"):
                st.session_state["org_gap"] = kind
                st.session_state["org_gap_page"] = 1
    kind = st.session_state.get("org_gap")
    if kind:
        gap_list(actor, kind, scope)
    rows = tree(town_id)
    st.markdown(f"**村（社区）{len(rows)} 个**：选中一行展开其网格")
    frame = pd.DataFrame(
        [
            {
                "乡镇": r["township"],
                "村（社区）": r["name"],
                "类型": VILLAGE_KINDS.get(r["kind"], r["kind"]),
                "农村网格": r["rural"],
                "社区网格": r["community"],
                "专属网格": r["special"],
                "户数": r["households"],
                "十户单元": r["units"],
                "网格长": r["chiefs"],
                "专职网格员": r["workers_full"],
                "兼职网格员": r["workers_part"],
                "党员": r["party_members"],
                "缺口": sum(r[k] for k in ("grid_no_chief", "grid_no_worker", "party_under", "party_over")),
            }
            for r in rows
        ]
    )
    i = pick_row(frame, f"org_villages_{town_id}", height=320)
    if i is None:
        return
    village = rows[i]
    st.markdown(f"#### {ui.esc(village['name'])}的网格")
    grs = grid_rows(village["id"], actor.role)
    gframe = pd.DataFrame(
        [
            {
                "网格编码": g["code"],
                "网格": g["name"],
                "类型": GRID_KINDS.get(g["kind"], g["kind"]),
                "网格长": g["chief"] or "空缺",
                "网格员": g["workers"],
                "户数": g["households"],
                "十户单元": g["units"],
                "未编入单元户": g["no_unit"],
                "无党员联系户": g["unlinked"],
            }
            for g in grs
        ]
    )
    j = pick_row(gframe, f"org_grids_{village['id']}")
    if j is None:
        return
    grid = grs[j]
    people = grid_people(grid["id"], actor.role)
    st.markdown(f"#### {ui.esc(grid['name'])}")
    ui.table(
        pd.DataFrame(
            [
                {
                    "职务": STAFF_ROLES.get(p["staff_role"]),
                    "姓名": p["name"],
                    "电话": _phone(p["phone"]),
                    "专兼职": EMPLOYMENT.get(p["employment"]),
                    "状态": "在岗" if p["active"] else "离岗",
                }
                for p in people["staff"]
            ]
        )
        if people["staff"]
        else pd.DataFrame({"提示": ["本网格尚无网格人员"]})
    )
    units = people["units"]
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "十户单元": u["name"],
                    "十户长": u["chief_name"] or "空缺",
                    "电话": _phone(u["chief_phone"]),
                    "户数": u["households"],
                }
                for u in units
            ]
        ),
        hide_index=True,
        width="stretch",
    )


def gap_list(actor: Actor, kind: str, scope: q.Scope) -> None:
    with st.container(border=True):
        head, close = st.columns([5, 1])
        head.markdown(f"**{q.gap_kinds(_link_range(link_rule(scope.township_id)))[kind]}**")
        if close.button("收起", key="gap_close"):
            st.session_state.pop("org_gap", None)
            st.rerun()
        page = ui.paged("org_gap_page", lambda off, lim: gap_page(kind, scope, off, lim, actor.role), PAGE_SIZE)
        page.control()
        entity = q.GAP_ENTITY[kind]
        if entity == "grid":
            frame = pd.DataFrame(
                [
                    {
                        "村（社区）": r["village"],
                        "网格编码": r["code"],
                        "网格": r["name"],
                        "类型": GRID_KINDS.get(r["kind"]),
                    }
                    for r in page.rows
                ]
            )
        elif entity == "household":
            frame = pd.DataFrame(
                [
                    {
                        "村（社区）": r["village"],
                        "网格": r["grid"],
                        "地址": r["address"],
                        "户主": r["head_name"],
                        "电话": _phone(r["phone"]),
                        "人口": r["size"],
                    }
                    for r in page.rows
                ]
            )
        else:
            frame = pd.DataFrame(
                [
                    {
                        "村（社区）": r["village"],
                        "党员": r["name"],
                        "电话": _phone(r["phone"]),
                        "联系户数": r["links"],
                        "规定户数": f"{r['link_min']}—{r['link_max']}",
                    }
                    for r in page.rows
                ]
            )
        i = pick_row(frame, f"gap_table_{kind}_{page.number}")
        if i is not None and entity == "household":
            st.query_params["household"] = str(page.rows[i]["id"])
            st.rerun()
        if i is not None and entity == "party":
            st.query_params["member"] = str(page.rows[i]["id"])
            st.rerun()


# --------------------------------------------------------------------------- view: grid staff


def view_staff(actor: Actor) -> None:
    scope = place_filter(actor, "staff")
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    text = c1.text_input(
        "搜索",
        placeholder="姓名、网格名称或编码" + ("、电话" if sees_unmasked(actor.role, "phone") else ""),
        key="staff_text",
    )
    role = c2.selectbox(
        "职务", [None, *STAFF_ROLES], format_func=lambda v: ALL if v is None else STAFF_ROLES[v], key="staff_role"
    )
    emp = c3.selectbox(
        "专兼职", [None, *EMPLOYMENT], format_func=lambda v: ALL if v is None else EMPLOYMENT[v], key="staff_emp"
    )
    active = c4.selectbox(
        "状态",
        [True, False, None],
        format_func=lambda v: {True: "在岗", False: "离岗", None: ALL}[v],
        key="staff_active",
    )
    f = q.StaffFilter(scope=scope, role=role, employment=emp, active=active, text=text or None)
    reset_on_change("staff", f)
    page = ui.paged("staff_page", lambda off, lim: staff_page(f, off, lim, actor.role), PAGE_SIZE)
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
                "电话": _phone(r["phone"]),
                "身份证号": r["id_number"] or "—",
                "专兼职": EMPLOYMENT.get(r["employment"]),
                "状态": "在岗" if r["active"] else "离岗",
            }
            for r in page.rows
        ]
    )
    i = pick_row(frame, table_key("staff", page.number))
    if may_edit and st.session_state.get("staff_new"):
        staff_form(actor, None, scope)
    elif i is not None:
        if may_edit:
            staff_form(actor, page.rows[i], scope)
        else:
            st.caption("如需修改人员信息，请联系系统管理员。")


def staff_form(actor: Actor, row: dict | None, scope: q.Scope) -> None:
    from db.services import roster as svc

    st.divider()
    st.markdown("**新增网格人员**" if row is None else f"**编辑：{ui.esc(row['name'])}**")
    if row is not None:
        st.session_state.setdefault(f"staff_v_{row['id']}", row["version"])
    grid_choices: list[dict] = []
    village_id = scope.village_id
    if row is not None:
        grid_choices = [{"id": row["grid_id"], "name": row["grid"]}]
    if village_id:
        grid_choices = grids(village_id) + [
            g for g in grid_choices if g["id"] not in {x["id"] for x in grids(village_id)}
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

        save_versioned(f"staff_v_{row['id']}" if row else "staff_v_new", save, "已保存网格人员信息。")


def after_write(message: str) -> None:
    data.invalidate()
    st.session_state["roster_gen"] = st.session_state.get("roster_gen", 0) + 1
    ui.flash(message)


# --------------------------------------------------------------------------- view: ten-household chiefs


def view_units(actor: Actor) -> None:
    scope = place_filter(actor, "units")
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    text = c1.text_input("搜索", placeholder="十户长姓名或单元名称", key="units_text")
    no_chief = c2.checkbox("只看十户长空缺的单元", key="units_nochief")
    f = q.UnitFilter(scope=scope, without_chief=no_chief, text=text or None)
    reset_on_change("units", f)
    page = ui.paged("units_page", lambda off, lim: unit_page(f, off, lim, actor.role), PAGE_SIZE)
    page.control(noun="个十户单元")
    frame = pd.DataFrame(
        [
            {
                "村（社区）": r["village"],
                "网格": r["grid"],
                "十户单元": r["unit"],
                "十户长": r["chief_name"] or "空缺",
                "电话": _phone(r["chief_phone"]),
                "十户长住址": r["chief_address"] or "—",
                "户数": r["households"],
            }
            for r in page.rows
        ]
    )
    i = pick_row(frame, table_key("units", page.number))
    if i is None or not allowed(actor.role, "roster.edit"):
        return
    from db.services import roster as svc

    unit = page.rows[i]
    st.session_state.setdefault(f"unit_v_{unit['id']}", unit["version"])
    people = unit_candidates(unit["id"])
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
        save_versioned(
            f"unit_v_{unit['id']}",
            lambda version: svc.set_unit_chief(runtime.engine(), actor, unit["id"], version, chief),
            "已更新十户长。",
        )


# --------------------------------------------------------------------------- view: party members


def view_party(actor: Actor) -> None:
    deep = ui.param_id("member")  # ASCII digits within 64 bits, else no deep link
    if deep is not None:
        if st.button("返回党员名册", icon=":material/arrow_back:"):
            del st.query_params["member"]
            st.rerun()
        party_member(actor, deep)
        return
    if st.query_params.get("member"):
        st.info("链接中的党员编号无效，已显示党员名册。")
    scope = place_filter(actor, "party")
    c1, c2, c3, c4 = st.columns([3, 3, 2, 2])
    text = c1.text_input(
        "搜索", placeholder="姓名" + ("或电话" if sees_unmasked(actor.role, "phone") else ""), key="party_text"
    )
    ts = teams(scope.township_id)
    if scope.village_id:
        ts = [x for x in ts if x["village_id"] in (None, scope.village_id)]
    team = c2.selectbox(
        "突击队",
        [None] + [x["id"] for x in ts],
        key="party_team",
        format_func=lambda v: ALL if v is None else next((x["name"] for x in ts if x["id"] == v), "—"),
    )
    rule = link_rule(scope.township_id)
    status_words = link_status_labels(*(rule or (None, None)))
    status = c3.selectbox(
        "联户情况",
        [None, "under", "over", "ok"],
        key="party_links",
        format_func=lambda v: ALL if v is None else status_words[v],
    )
    below = c4.selectbox(
        "考评得分", [None, 90, 80], key="party_score", format_func=lambda v: ALL if v is None else f"低于{v}分"
    )
    f = q.PartyFilter(scope=scope, team_id=team, link_status=status, score_below=below, text=text or None)
    reset_on_change("party", f)
    page = ui.paged("party_page", lambda off, lim: party_page(f, off, lim, actor.role), PAGE_SIZE)
    page.control(noun="名党员")
    frame = pd.DataFrame(
        [
            {
                "村（社区）": r["village"],
                "姓名": r["name"],
                "电话": _phone(r["phone"]),
                "网格": r["grid"] or "—",
                "责任区": r["zone"] or "—",
                "突击队": r["team"] or "—",
                "联系户": r["links"],
                "联户情况": _member_status(r),
                "考评得分": r["score"],
            }
            for r in page.rows
        ]
    )
    i = pick_row(frame, table_key("party", page.number))
    if i is not None:
        st.query_params["member"] = str(page.rows[i]["id"])
        st.rerun()
    elif page.total:
        st.caption("选中一行查看党员的联系户、责任区、突击队和考评记录。")


def party_member(actor: Actor, member_id: int) -> None:
    d = party_detail(member_id, actor.role)
    if d is None:
        st.warning("该党员不存在或无权查看。")
        return
    m = d["member"]
    n = len(d["links"])
    st.subheader(f"党员 {ui.esc(m['name'])}")
    st.markdown(
        f"{ui.esc(m['village'])} · {ui.esc(m['grid'] or '未定网格')} · 电话 {ui.esc(_phone(m['phone']))} · "
        f"入党日期 {fmt(m['joined_on'], with_time=False)} · {'在册' if m['active'] else '已不在册'}"
    )
    c1, c2, c3 = st.columns(3)
    c1.metric("百分制考评得分", m["score"])
    lo, hi = m["link_min"], m["link_max"]  # the member's township's range
    c2.metric("联系户数", n, help=f"本乡镇{link_range_text(lo, hi)}")
    c3.metric("考评记录", len(d["scores"]))
    st.markdown(
        f"**责任区**：{ui.esc(m['zone'] or '未分配')}"
        + (f"（{ui.esc(m['zone_description'])}）" if m["zone_description"] else "")
        + f"  \n**突击队**：{ui.esc(m['team'] or '未参加')}"
    )
    if link_status(n, lo, hi) != "ok":
        st.warning(
            f"{link_status_labels(lo, hi)[link_status(n, lo, hi)]}（当前{n}户，本乡镇{link_range_text(lo, hi)}）。"
        )
    left, right = st.columns(2)
    with left:
        st.markdown("**联系户**")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "地址": h["address"],
                        "户主": h["head_name"],
                        "电话": _phone(h["phone"]),
                        "网格": h["grid"],
                        "联户日期": fmt(h["linked_on"], with_time=False),
                    }
                    for h in d["links"]
                ]
            ),
            hide_index=True,
            width="stretch",
            height=38 + 35 * min(max(n, 1), 10),
        )
    with right:
        st.markdown("**考评记录**（加分、扣分及事由）")
        ui.table(
            pd.DataFrame(
                [
                    {"日期": fmt(e["recorded_at"], with_time=False), "分值": f"{e['delta']:+d}", "事由": e["reason"]}
                    for e in d["scores"]
                ]
            )
            if d["scores"]
            else pd.DataFrame({"提示": ["暂无考评记录"]})
        )
    st.session_state.setdefault(f"party_v_{member_id}", m["version"])
    if allowed(actor.role, "party.score"):
        score_form(actor, m)
    if allowed(actor.role, "roster.edit"):
        with st.expander("编辑党员信息与联系户"):
            party_form(actor, m, d["links"])


def score_form(actor: Actor, m: dict) -> None:
    from db.services import roster as svc

    with st.form(f"score_form_{m['id']}", clear_on_submit=True):
        c1, c2, c3 = st.columns([1, 4, 1], vertical_alignment="bottom")
        delta = c1.number_input("分值（扣分填负数）", min_value=-100, max_value=100, value=0, step=1)
        reason = c2.text_input("事由", placeholder="如：走访联系户并解决实际困难；无故缺席组织生活")
        ok = c3.form_submit_button("登记加减分", type="primary")
    if ok:
        save_versioned(
            f"party_v_{m['id']}",
            lambda version: svc.add_score_entry(runtime.engine(), actor, m["id"], version, delta, reason),
            lambda r: f"已登记，当前得分{r['score']}分。",
        )


def party_form(actor: Actor, m: dict, links: list[dict]) -> None:
    from db.services import roster as svc

    gs = grids(m["village_id"])
    zs = zones(m["village_id"])
    ts = [x for x in teams(None) if x["village_id"] in (None, m["village_id"])]
    with st.form(f"party_form_{m['id']}"):
        c1, c2, c3 = st.columns(3)
        name = c1.text_input("姓名", value=m["name"])
        phone = c2.text_input("联系电话", value=m["phone"] or "")
        joined = c3.date_input(
            "入党日期",
            value=m["joined_on"],
            min_value=date(1921, 7, 1),
            max_value=to_local(utcnow()).date(),
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
        save_versioned(
            f"party_v_{m['id']}",
            lambda version: svc.update_party_member(runtime.engine(), actor, m["id"], version, values),
            "已保存党员信息。",
        )
    hhs = village_households(m["village_id"])
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
        save_versioned(
            f"party_v_{m['id']}",
            lambda version: svc.set_party_links(runtime.engine(), actor, m["id"], version, chosen),
            lambda r: f"已保存联系户：新增{r['added']}户，解除{r['removed']}户。",
        )


# --------------------------------------------------------------------------- view: households


def view_household(actor: Actor) -> None:
    deep = ui.param_id("household")  # ASCII digits within 64 bits, else no deep link
    if deep is not None:
        if st.button("返回户列表", icon=":material/arrow_back:"):
            del st.query_params["household"]
            st.rerun()
        household_chain(deep, actor.role)
        return
    if st.query_params.get("household"):
        st.info("链接中的户编号无效，已显示户列表。")
    scope = place_filter(actor, "hh")
    text = st.text_input(
        "搜索", placeholder="地址" + ("或户主姓名" if sees_unmasked(actor.role, "name") else ""), key="hh_text"
    )
    f = q.HouseholdFilter(scope=scope, text=text or None)
    reset_on_change("hh", f)
    page = ui.paged("hh_page", lambda off, lim: household_page(f, off, lim, actor.role), PAGE_SIZE)
    page.control(noun="户")
    frame = pd.DataFrame(
        [
            {
                "村（社区）": r["village"],
                "网格": r["grid"],
                "地址": r["address"],
                "户主": r["head_name"],
                "电话": _phone(r["phone"]),
                "人口": r["size"],
            }
            for r in page.rows
        ]
    )
    i = pick_row(frame, table_key("hh", page.number))
    if i is not None:
        st.query_params["household"] = str(page.rows[i]["id"])
        st.rerun()
    elif page.total:
        st.caption("选中一户查看其责任链（网格长→网格员→十户长→联系党员）和一户一档记录。")


# --------------------------------------------------------------------------- view: teams and zones


def view_teams(actor: Actor) -> None:
    towns = townships()
    town_id = None
    if len(towns) > 1:
        town_id = st.selectbox(
            "乡镇（街道）",
            [x["id"] for x in towns],
            key="teams_town",
            format_func=lambda v: next(x["name"] for x in towns if x["id"] == v),
        )
    kind = st.radio(
        "列出",
        ["team", "zone"],
        horizontal=True,
        key="teams_kind",
        format_func={"team": "党员突击队", "zone": "党员责任区"}.get,
    )
    if kind == "team":
        ts = teams(town_id)
        frame = pd.DataFrame(
            [
                {
                    "突击队": x["name"],
                    "用途": x["purpose"],
                    "层级": x["village"] or f"{x['township']}（乡级）",
                    "在册队员": x["members"],
                }
                for x in ts
            ]
        )
        i = pick_row(frame, "teams_table", height=300)
        if i is None:
            st.caption("选中一支突击队查看队员，并可一键导出应急名单（防汛、抗旱等）。")
            return
        group(actor, ts[i]["name"], team_id=ts[i]["id"])
    else:
        vs = villages(town_id)
        vid = st.selectbox(
            "村（社区）",
            [v["id"] for v in vs],
            key="zones_village",
            format_func=lambda v: next(x["name"] for x in vs if x["id"] == v),
        )
        zs = zones(vid)
        frame = pd.DataFrame(
            [{"责任区": z["name"], "任务": z["description"] or "—", "在册党员": z["members"]} for z in zs]
        )
        i = pick_row(frame, f"zones_table_{vid}")
        if i is not None:
            group(actor, zs[i]["name"], zone_id=zs[i]["id"])


def group(actor: Actor, title: str, team_id: int | None = None, zone_id: int | None = None) -> None:
    rows = members(team_id, zone_id, actor.role)
    head, button = st.columns([4, 2], vertical_alignment="bottom")
    head.markdown(f"**{ui.esc(title)}**：在册 {len(rows)} 人")
    if (
        allowed(actor.role, "roster.export")
        and rows
        and button.button("导出应急名单", icon=":material/download:", key=f"emg_{team_id}_{zone_id}")
    ):
        from db.services import roster_io

        with ui.user_errors():
            content, n = roster_io.emergency_workbook(runtime.engine(), actor, team_id=team_id, zone_id=zone_id)
            st.download_button(
                f"下载应急名单（{n}人）.xlsx", content, file_name=f"{title}应急名单.xlsx", mime=XLSX, type="primary"
            )
            if actor.role != "admin":
                st.caption("按您的角色已对姓名、电话脱敏；真实应急调度请由系统管理员导出完整名单。")
    ui.table(
        pd.DataFrame(
            [
                {
                    "姓名": r["name"],
                    "电话": _phone(r["phone"]),
                    "村（社区）": r["village"],
                    "网格": r["grid"] or "—",
                    "考评得分": r["score"],
                }
                for r in rows
            ]
        )
        if rows
        else pd.DataFrame({"提示": ["暂无在册队员"]})
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --------------------------------------------------------------------------- view: import / export


def view_io(actor: Actor) -> None:
    from db.services import roster_io

    may_export, may_import = allowed(actor.role, "roster.export"), allowed(actor.role, "roster.import")
    if not (may_export or may_import):
        st.info("当前角色不能导入或导出花名册。")
        return
    st.markdown(
        "花名册模板共四张数据表：**网格**、**网格人员**、**党员**、**党员联户**，另附“填写说明”。"
        "导出的文件即导入模板：导出后原样导入不会产生任何变化。"
    )
    c1, c2 = st.columns(2)
    with c1.container(border=True):
        st.markdown("**导出花名册**")
        if may_export:
            towns = townships()
            town_id = None
            if len(towns) > 1:
                town_id = st.selectbox(
                    "范围",
                    [None] + [x["id"] for x in towns],
                    key="io_town",
                    format_func=lambda v: "全部乡镇" if v is None else next(x["name"] for x in towns if x["id"] == v),
                )
            if actor.role != "admin":
                st.caption("按您的角色，导出文件中的姓名、电话、身份证号将脱敏，脱敏文件不能再导入。")
            if st.button("生成导出文件", icon=":material/download:"):
                with st.spinner("正在生成……"), ui.user_errors():
                    content, counts = roster_io.export_workbook(runtime.engine(), actor, town_id)
                    st.download_button(
                        "下载花名册.xlsx", content, file_name="网格花名册.xlsx", mime=XLSX, type="primary"
                    )
                    st.caption("、".join(f"{k}{v}行" for k, v in counts.items()))
        st.download_button("下载空白模板", roster_io.template_bytes(), file_name="网格花名册模板.xlsx", mime=XLSX)
    with c2.container(border=True):
        st.markdown("**导入花名册**")
        if not may_import:
            st.caption("只有系统管理员可以导入。")
            return
        up = st.file_uploader(
            "选择 .xlsx 文件", type=["xlsx"], key=f"io_upload_{st.session_state.get('roster_gen', 0)}"
        )
        if up is not None and st.button("检查并导入", type="primary"):
            bar = st.progress(0.0, text="开始……")
            with ui.user_errors():
                report = roster_io.import_workbook(
                    runtime.engine(),
                    actor,
                    up.getvalue(),
                    progress=lambda f, text: bar.progress(min(1.0, f), text=text),
                )
                st.session_state["io_report"] = report
                if report.ok:
                    data.invalidate()
    report = st.session_state.get("io_report")
    if report is not None:
        if report.ok:
            st.success("导入完成。" + roster_io.summary(report))
        else:
            st.error(f"文件中有 {report.error_total} 处错误，未导入任何数据。请修改后重新导入。")
            ui.table(pd.DataFrame(roster_io.error_rows(report)))
            if report.error_total > len(report.errors):
                st.caption(f"仅列出前 {len(report.errors)} 处。")


def view_map(actor: Actor) -> None:
    from components import grid_map_ui

    grid_map_ui.render(actor, "roster_map")


def view_files(actor: Actor) -> None:
    """导入导出: the roster workbook, then the grids' boundaries (GeoJSON)."""
    from components import grid_map_ui

    view_io(actor)
    grid_map_ui.io_box(actor)


RENDER = {
    "org": view_org,
    "map": view_map,
    "staff": view_staff,
    "units": view_units,
    "party": view_party,
    "household": view_household,
    "teams": view_teams,
    "io": view_files,
}
