"""Forms of the admin settings page: a category's SLA rule, a year's holiday schedule."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import data, runtime, ui
from db.models.orders import TIERS
from db.models.people import PLATFORMS
from db.permissions import Actor
from db.rules.calendar_input import __doc__ as SCHEDULE_HELP
from db.rules.sla import to_local
from db.services import settings as settings_svc

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
    cid = st.selectbox("选择要修改的类别", list(by_id),
                       format_func=lambda i: f'{by_id[i]["parent"] + " / " if by_id[i]["parent"] else ""}{by_id[i]["name"]}')
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
        platform = col2.selectbox("默认承办平台", plats, index=plats.index(c["platform_code"]),
                                  format_func=lambda p: "（不指定）" if p is None else PLATFORMS[p])
        hours = col1.number_input("首次联系时限（小时）", 1, settings_svc.MAX_CONTACT_HOURS, int(c["contact_hours"]))
        days = col2.number_input("办理时限（工作日）", 1, settings_svc.MAX_WORKDAYS, int(c["handling_workdays"]))
        keywords = st.text_area("分类关键词（逗号分隔，供自动分类使用）", c["keywords"] or "", height=80)
        active = st.checkbox("启用", c["active"])
        if st.form_submit_button("保存", type="primary"):
            with ui.user_errors():
                settings_svc.update_category(runtime.engine(), actor, cid, st.session_state[vkey], name=name,
                                             default_tier=tier, platform_code=platform, contact_hours=hours,
                                             handling_workdays=days, keywords=keywords, active=active)
                st.session_state.pop(vkey, None)
                data.invalidate()
                ui.flash("类别与时限已保存；新派单按新时限计算，已派单工单不受影响。")
                st.rerun()


def calendar_section(actor: Actor, years: list[dict], editable: bool = True) -> None:
    df = pd.DataFrame(years)
    if not df.empty:
        df["entered_at"] = df["entered_at"].map(lambda t: f"{to_local(t):%Y-%m-%d %H:%M}")
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
    st.caption("国务院办公厅每年年底公布次年放假安排。未录入的年份按法定节假日和周末暂定办理时限"
               "（不含调休），工单上标“暂定”；录入后，在办工单的暂定时限自动重算并记入工单时间线。")
    with st.form("enter_year"):
        col1, col2 = st.columns([1, 3])
        known = {y["year"] for y in years}
        year = col1.number_input("年份", 2000, 2100, (max(known) + 1) if known else 2027)
        source = col2.text_input("依据（通知文号）", placeholder="如：国办发明电〔2026〕X号", max_chars=100)
        text = st.text_area("放假与调休安排（每行一条）", placeholder=SAMPLE, height=180,
                            help=(SCHEDULE_HELP or "").strip())
        replace = st.checkbox("覆盖已有安排（更正已录入的年份）")
        if st.form_submit_button("保存放假安排", type="primary"):
            with ui.user_errors():
                res = settings_svc.enter_holiday_year(runtime.engine(), actor, int(year), text, source, replace)
                data.invalidate()
                recounted = f"重算暂定时限{res['recounted']}件。" if res["recounted"] else ""
                ui.flash(f"已录入{int(year)}年：放假{res['days_off']}天，调休上班{res['workdays']}天。{recounted}")
                st.rerun()
