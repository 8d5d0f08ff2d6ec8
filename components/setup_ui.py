"""上线准备: the go-live checklist and the forms that create a township's organisation
(db/services/setup.py). Households, residents, staff and party members then come from the
roster's Excel import (网格花名册 → 导入导出), which needs the grids made here."""

from __future__ import annotations

import streamlit as st

from components import data, runtime, ui
from components.imports_ui import imports_section
from db.engine import read_session
from db.permissions import PAGES_BY_KEY, Actor
from db.queries import setup as setup_q
from db.queries.platforms import townships
from db.services import setup as setup_svc

steps = runtime.cached_query(setup_q.checklist, ttl=30)


def checklist_panel(items: list[setup_q.Step]) -> None:
    """The checklist: each step done or not, with what there is and where it is done."""
    for step in items:
        mark = ":green[:material/check_circle:]" if step.done else ":orange[:material/radio_button_unchecked:]"
        where = PAGES_BY_KEY[step.where].title
        line = f"{mark} **{step.label}**：{step.detail}"
        if not step.done:
            line += f"（在“{where}”完成）"
        st.markdown(line)


def _save(form: str, write, done: str) -> None:
    with ui.field_errors(form):
        write()
        data.invalidate()
        ui.flash(done)
        st.rerun()


def setup_section(actor: Actor) -> None:
    items = steps()
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.subheader("上线检查")
        st.caption("以下各项齐备后，接待员即可登记第一件来电。")
        checklist_panel(items)
    with right:
        done = {step.label: step.done for step in items}
        if actor.township_id is None:  # townships are created by the county's administrator
            _township_form(actor, expanded=not done["乡镇与四个平台"])
        if not done["诉求类别与时限"] and not data.county_settings_locked(actor):
            _categories_step(actor)
        _village_form(actor, expanded=not done["村（社区）"])
        _grid_form(actor, expanded=not done["网格"])
        _departments(actor)
    st.divider()

    imports_section(actor)


def _township_form(actor: Actor, expanded: bool) -> None:
    with (
        st.expander("新建乡镇（同时建立四个平台及常设承办部门）", expanded=expanded),
        st.form("setup_town", clear_on_submit=True),
    ):
        c1, c2, c3 = st.columns([1, 1.4, 1.4])
        code = c1.text_input("乡镇编码", max_chars=20, placeholder="如 SMJ", required=True)
        name = c2.text_input("乡镇名称", max_chars=50, placeholder="如 双庙街乡", required=True)
        county = c3.text_input("所属县（区）", max_chars=50, placeholder="如 示范县", required=True)
        ui.field_error("setup_town", any_field=True)
        if st.form_submit_button("新建乡镇", type="primary"):
            _save(
                "setup_town",
                lambda: setup_svc.create_township(runtime.engine(), actor, code=code, name=name, county=county),
                f"已新建乡镇“{name.strip()}”及四个平台。",
            )


def _categories_step(actor: Actor) -> None:
    with st.container(border=True):
        st.markdown(
            "**诉求类别与时限**：尚无类别。可载入标准类别目录（9个大类及其小类，含首次联系和办理时限），"
            "再在“类别与办理时限”中逐项调整。"
        )
        if st.button("载入标准类别", key="setup_cats"):
            _save(
                "setup_cats",
                lambda: setup_svc.load_standard_categories(runtime.engine(), actor),
                "已载入标准诉求类别。",
            )
        ui.field_error("setup_cats", any_field=True)


@runtime.cached(ttl=60)
def _township_options() -> dict[int, str]:

    with read_session(runtime.engine()) as s:
        return {t["id"]: t["name"] for t in townships(s)}


def _unit_form(
    actor: Actor,
    unit: setup_svc.OrgUnit,
    parents: dict[int, str],
    parent_label: str,
    hints: tuple[str, str],
    create,
    expanded: bool,
) -> None:
    """The form that adds a village (under a township) or a grid (under a village)."""
    form = f"setup_{unit.entity}"
    with st.expander(f"新建{unit.label}", expanded=expanded), st.form(form, clear_on_submit=True):
        c1, c2 = st.columns(2)
        parent = c1.selectbox(parent_label, list(parents), format_func=parents.get)
        kind = c2.selectbox("类型", list(unit.kinds), format_func=unit.kinds.get)
        c1, c2 = st.columns(2)
        code = c1.text_input(f"{unit.label}编码", max_chars=unit.code_len, placeholder=hints[0], required=True)
        name = c2.text_input(f"{unit.label}名称", max_chars=unit.name_len, placeholder=hints[1], required=True)
        ui.field_error(form, any_field=True)
        if st.form_submit_button(f"新建{unit.label}", type="primary"):
            _save(
                form,
                lambda: create(runtime.engine(), actor, parent, code=code, name=name, kind=kind),
                f"已新建{unit.label}“{name.strip()}”。",
            )


def _village_form(actor: Actor, expanded: bool) -> None:
    towns = _township_options()
    if towns:
        _unit_form(
            actor,
            setup_svc.VILLAGE,
            towns,
            "乡镇",
            ("如 SMJ-01", "如 东湖村"),
            lambda e, a, parent, **kw: setup_svc.create_village(e, a, township_id=parent, **kw),
            expanded,
        )


def _grid_form(actor: Actor, expanded: bool) -> None:
    villages = {v["id"]: f"{v['name']}（{v['township']}）" for v in data.reference()["villages"]}
    if villages:
        _unit_form(
            actor,
            setup_svc.GRID,
            villages,
            "村（社区）",
            ("如 SMJ-01-G01", "如 东湖村第一网格"),
            lambda e, a, parent, **kw: setup_svc.create_grid(e, a, village_id=parent, **kw),
            expanded,
        )
        st.caption("也可用下方“从 Excel 台账导入”的组织架构模板一次导入全部村、网格和十户单元。")


_department_rows = runtime.cached_query(setup_q.departments, ttl=60)


def _departments(actor: Actor) -> None:
    """承办部门: the usual departments come with the township; a township adds its own, renames
    one or stops using it (a stopped one is no longer offered at dispatch)."""
    rows = _department_rows()
    if not rows:
        return
    with st.expander(f"承办部门（四个平台共 {sum(r['active'] for r in rows)} 个在用）"):
        ui.table(
            [
                {
                    "平台": r["platform"],
                    "部门": r["name"],
                    "电话": r["phone"] or "—",
                    "状态": "在用" if r["active"] else "停用",
                }
                for r in rows
            ]
        )
        platforms = {r["platform_id"]: r["platform"] for r in rows}
        with st.form("setup_dept_add", clear_on_submit=True):
            c1, c2, c3 = st.columns([1.2, 1.4, 1.2])
            platform = c1.selectbox("平台", list(platforms), format_func=platforms.get)
            name = c2.text_input("部门名称", max_chars=setup_svc.DEPARTMENT_NAME_MAX, placeholder="如 林业站")
            phone = c3.text_input("电话（可选）", max_chars=20)
            ui.field_error("setup_dept_add", any_field=True)
            if st.form_submit_button("新增部门"):
                _save(
                    "setup_dept_add",
                    lambda: setup_svc.add_department(
                        runtime.engine(), actor, platform_id=platform, name=name, phone=phone or None
                    ),
                    f"已新增部门“{name.strip()}”。",
                )
        by_id = {r["id"]: r for r in rows}
        dept = st.selectbox(
            "修改部门",
            list(by_id),
            index=None,
            placeholder="选择要修改或停用的部门",
            format_func=lambda i: f"{by_id[i]['platform']} · {by_id[i]['name']}",
            key="setup_dept_pick",
        )
        if dept is None:
            return
        row = by_id[dept]
        version_key = f"setup_dept_version_{dept}"
        st.session_state.setdefault(version_key, row["version"])
        with st.form(f"setup_dept_{dept}"):
            c1, c2, c3 = st.columns([1.4, 1.2, 0.8], vertical_alignment="bottom")
            new_name = c1.text_input("部门名称", value=row["name"], max_chars=setup_svc.DEPARTMENT_NAME_MAX)
            new_phone = c2.text_input("电话（可选）", value=row["phone"] or "", max_chars=20)
            active = c3.checkbox("在用", value=row["active"])
            if st.form_submit_button("保存部门"):
                saved, _ = ui.versioned_write(
                    version_key,
                    lambda: setup_svc.update_department(
                        runtime.engine(),
                        actor,
                        dept,
                        st.session_state[version_key],
                        name=new_name,
                        phone=new_phone or None,
                        active=active,
                    ),
                )
                if saved:
                    data.invalidate()
                    ui.flash("已保存部门。")
                    st.rerun()
