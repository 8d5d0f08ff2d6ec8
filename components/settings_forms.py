"""Forms of the admin settings page: a category's SLA rule, a township's own settings (its link
range, first-contact clock and category clocks), a year's holiday schedule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from components import data, runtime, ui
from components.timefmt import fmt
from db.engine import read_session
from db.errors import ConflictError
from db.models.orders import TIERS
from db.models.people import PLATFORMS
from db.permissions import Actor
from db.queries import township_settings as ts_q
from db.rules.calendar_input import __doc__ as SCHEDULE_HELP
from db.rules.sla import CONTACT_HOURS
from db.services import settings as settings_svc
from db.services import township_settings as township_svc
from db.services.roster import LINKS_HARD_MAX

SAMPLE = "2027-01-01 元旦\n2027-02-06 至 2027-02-13 春节\n2027-02-14 上班 春节调休"


def categories_table(cats: list[dict]) -> None:
    df = pd.DataFrame(cats)
    df["default_tier"] = df["default_tier"].map(TIERS)
    df["platform_code"] = df["platform_code"].map(lambda c: PLATFORMS.get(c, "—"))
    df["active"] = df["active"].map({True: "启用", False: "停用"})
    df = df[["parent", "name", "default_tier", "platform_code", "contact_hours", "handling_workdays", "active"]]
    df.columns = ["上级类别", "类别", "默认处置层级", "默认承办平台", "首次联系（小时）", "办理时限（工作日）", "状态"]
    st.dataframe(df.fillna("—"), hide_index=True, width="stretch", height=320)


def category_form(actor: Actor, cats: list[dict]) -> None:
    by_id = {c["id"]: c for c in cats}
    cid = st.selectbox(
        "选择要修改的类别",
        list(by_id),
        format_func=lambda i: f"{by_id[i]['parent'] + ' / ' if by_id[i]['parent'] else ''}{by_id[i]['name']}",
    )
    if cid is None:
        return
    c = by_id[cid]
    vkey = f"category_version_{cid}"
    st.session_state.setdefault(vkey, c["version"])
    with st.form(f"category_{cid}"):
        name = st.text_input("类别名称", c["name"], max_chars=40)
        col1, col2 = st.columns(2)
        tiers = list(TIERS)
        tier = col1.selectbox("默认处置层级", tiers, index=tiers.index(c["default_tier"]), format_func=TIERS.get)
        plats = [None] + list(PLATFORMS)
        platform = col2.selectbox(
            "默认承办平台",
            plats,
            index=plats.index(c["platform_code"]),
            format_func=lambda p: "（不指定）" if p is None else PLATFORMS[p],
        )
        hours = col1.number_input("首次联系时限（小时）", 1, settings_svc.MAX_CONTACT_HOURS, int(c["contact_hours"]))
        days = col2.number_input("办理时限（工作日）", 1, settings_svc.MAX_WORKDAYS, int(c["handling_workdays"]))
        keywords = st.text_area("分类关键词（逗号分隔，供自动分类使用）", c["keywords"] or "", height=80)
        active = st.checkbox("启用", c["active"])
        if st.form_submit_button("保存", type="primary"):
            with ui.user_errors():
                settings_svc.update_category(
                    runtime.engine(),
                    actor,
                    cid,
                    st.session_state[vkey],
                    name=name,
                    default_tier=tier,
                    platform_code=platform,
                    contact_hours=hours,
                    handling_workdays=days,
                    keywords=keywords,
                    active=active,
                )
                st.session_state.pop(vkey, None)
                data.invalidate()
                ui.flash("类别与时限已保存；新派单按新时限计算，已派单工单不受影响。")
                st.rerun()


# --------------------------------------------------------------------------- 本乡镇设置


@runtime.cached(ttl=60)
def township_settings(township_id: int) -> dict:
    """A township's settings and the clocks of its categories (db.queries.township_settings)."""

    with read_session(runtime.engine()) as s:
        return {"settings": ts_q.settings_of(s, township_id), "clocks": ts_q.category_clock_rows(s, township_id)}


def _versioned_save(form: str, vkey: str, write: Callable[[int], Any], message: str) -> None:
    """Save with the version remembered when the form was drawn: a field's error at its field, a
    conflict shown with the remembered version dropped and the caches cleared (the page then
    shows what is stored, and a retry can save)."""
    with ui.field_errors(form):
        try:
            write(st.session_state.get(vkey, 0))
        except ConflictError as exc:
            st.session_state.pop(vkey, None)
            data.invalidate()
            st.error(f"{exc} {ui.SAVED_NOTE}")
            return
        st.session_state.pop(vkey, None)
        data.invalidate()
        ui.flash(message)
        st.rerun()


def township_section(actor: Actor) -> None:
    """系统设置 → 本乡镇设置: the settings a township differs on. A township's administrator edits
    their own township's; the county's administrator picks the township."""
    towns = data.reference()["townships"]
    if not towns:
        st.info("尚未建立乡镇：请先在“上线准备”中建立乡镇。")
        return
    if actor.township_id is not None:
        town_id = actor.township_id
    else:
        names = {t["id"]: t["name"] for t in towns}
        town_id = st.selectbox("乡镇（街道）", list(names), format_func=names.get, key="township_settings_town")
    got = township_settings(town_id)
    if got["settings"] is None:
        st.warning("该乡镇不存在或无权查看。")
        return
    township_form(actor, got["settings"])
    category_clocks_section(actor, town_id, got["clocks"])


def township_form(actor: Actor, t: dict) -> None:
    town = t["township_id"]
    vkey, form = f"township_setting_version_{town}", f"township_setting_{town}"
    st.session_state.setdefault(vkey, t["version"])
    st.subheader(f"{t['township']}：党员联户与首次联系")
    st.caption(
        "党员联户户数范围：联系户少于下限或多于上限的党员列为花名册的覆盖缺口（默认5—15户）。"
        f"首次联系时限：本乡镇所有类别的首次联系时限；留空则按县级类别目录（一般为{CONTACT_HOURS}小时）。"
        "新受理的工单按新时限计算，已受理工单不受影响。"
    )
    low_label, high_label, hours_label = "联户户数下限（户）", "联户户数上限（户）", "首次联系时限（小时）"
    with st.form(form):
        c1, c2, c3 = st.columns(3)
        with c1:
            low = st.number_input(low_label, 1, LINKS_HARD_MAX, int(t["link_min"]))
            ui.field_error(form, "link_min", label=low_label)
        with c2:
            high = st.number_input(high_label, 1, LINKS_HARD_MAX, int(t["link_max"]))
            ui.field_error(form, "link_max", label=high_label)
        with c3:
            hours = st.number_input(
                hours_label,
                1,
                settings_svc.MAX_CONTACT_HOURS,
                t["contact_hours"],
                placeholder=f"按类别（一般{CONTACT_HOURS}小时）",
            )
            ui.field_error(form, "contact_hours", label=hours_label)
        ui.field_error(form, any_field=True)
        if st.form_submit_button("保存本乡镇设置", type="primary"):
            _versioned_save(
                form,
                vkey,
                lambda version: township_svc.update_township_settings(
                    runtime.engine(), actor, town, version, link_min=low, link_max=high, contact_hours=hours
                ),
                "本乡镇设置已保存；新受理的工单按新的首次联系时限计算。",
            )


def category_clocks_section(actor: Actor, town: int, rows: list[dict]) -> None:
    st.subheader("本乡镇类别时限")
    st.caption(
        "在县级类别目录之上，本乡镇可为某一类别另定首次联系时限和办理时限；留空则按县级目录"
        "（首次联系另按上面的本乡镇首次联系时限）。新受理、新派单的工单按新时限计算。"
    )
    if not rows:
        st.info("尚未配置诉求类别：可在“上线准备”中载入标准类别目录。")
        return
    dash = "—"
    df = pd.DataFrame(
        [
            {
                "类别": r["label"],
                "县级首次联系（小时）": r["county_hours"],
                "本乡镇首次联系（小时）": r["own_hours"] or dash,
                "县级办理（工作日）": r["county_workdays"],
                "本乡镇办理（工作日）": r["own_workdays"] or dash,
                "现行时限": f"首次联系{r['contact_hours']}小时（{r['contact_from']}），"
                f"办理{r['handling_workdays']}个工作日（{r['workdays_from']}）",
            }
            for r in rows
        ]
    )
    st.dataframe(df.astype(str), hide_index=True, width="stretch", height=320)
    by_id = {r["id"]: r for r in rows}
    cid = st.selectbox(
        "选择要另定时限的类别",
        list(by_id),
        format_func=lambda i: by_id[i]["label"],
        key=f"township_clock_category_{town}",
    )
    if cid is None:
        return
    r = by_id[cid]
    vkey, form = f"township_clock_version_{town}_{cid}", f"township_clock_{town}_{cid}"
    st.session_state.setdefault(vkey, r["version"])
    hours_label, days_label = "本乡镇首次联系时限（小时）", "本乡镇办理时限（工作日）"
    with st.form(form):
        c1, c2 = st.columns(2)
        with c1:
            hours = st.number_input(
                hours_label,
                1,
                settings_svc.MAX_CONTACT_HOURS,
                r["own_hours"],
                placeholder=f"按县级目录（{r['county_hours']}小时）",
            )
            ui.field_error(form, "contact_hours", label=hours_label)
        with c2:
            days = st.number_input(
                days_label,
                1,
                settings_svc.MAX_WORKDAYS,
                r["own_workdays"],
                placeholder=f"按县级目录（{r['county_workdays']}个工作日）",
            )
            ui.field_error(form, "handling_workdays", label=days_label)
        ui.field_error(form, any_field=True)
        if st.form_submit_button("保存类别时限", type="primary"):
            _versioned_save(
                form,
                vkey,
                lambda version: township_svc.set_category_clock(
                    runtime.engine(), actor, town, cid, version, contact_hours=hours, handling_workdays=days
                ),
                f"已保存“{r['label']}”的本乡镇时限；新受理、新派单的工单按新时限计算。",
            )


def calendar_section(actor: Actor, years: list[dict], editable: bool = True) -> None:
    df = pd.DataFrame(years)
    if not df.empty:
        df["entered_at"] = df["entered_at"].map(fmt)
        df.columns = ["年份", "依据", "放假天数", "调休上班天数", "录入时间"]
        st.dataframe(df, hide_index=True, width="stretch")
        year = st.selectbox("查看某年安排", [y["year"] for y in years])
        days = data.calendar_days(year)
        if not days.empty:
            days["is_workday"] = days["is_workday"].map({True: "调休上班", False: "放假"})
            days.columns = ["日期", "类型", "名称"]
            st.dataframe(days, hide_index=True, width="stretch", height=240)
    if not editable:
        st.info("节假日安排" + data.COUNTY_ONLY)
        return
    st.subheader("录入新一年的放假安排")
    st.caption(
        "国务院办公厅每年年底公布次年放假安排。未录入的年份按法定节假日和周末暂定办理时限"
        "（不含调休），工单上标“暂定”；录入后，在办工单的暂定时限自动重算并记入工单时间线。"
    )
    with st.form("enter_year"):
        col1, col2 = st.columns([1, 3])
        known = {y["year"] for y in years}
        year = col1.number_input("年份", 2000, 2100, (max(known) + 1) if known else 2027)
        source = col2.text_input("依据（通知文号）", placeholder="如：国办发明电〔2026〕X号", max_chars=100)
        text = st.text_area(
            "放假与调休安排（每行一条）", placeholder=SAMPLE, height=180, help=(SCHEDULE_HELP or "").strip()
        )
        replace = st.checkbox("覆盖已有安排（更正已录入的年份）")
        if st.form_submit_button("保存放假安排", type="primary"):
            with ui.user_errors():
                res = settings_svc.enter_holiday_year(runtime.engine(), actor, int(year), text, source, replace)
                data.invalidate()
                recounted = f"重算暂定时限{res['recounted']}件。" if res["recounted"] else ""
                ui.flash(f"已录入{int(year)}年：放假{res['days_off']}天，调休上班{res['workdays']}天。{recounted}")
                st.rerun()
