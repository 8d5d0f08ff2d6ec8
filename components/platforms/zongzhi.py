"""综治平台's records: the villages' weekly report checks, the monthly analysis meetings (which
may assign cases) and the floating population."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import runtime, ui
from components.platforms import reads
from components.platforms.common import after_write, as_pid, pager, remember_versions, save, sub_view, village_map
from components.timefmt import today
from db.permissions import Actor
from db.services import platforms as svc

VIEWS = ["村级周报筛查", "月度研判会议", "流动人口登记"]


def zongzhi(actor: Actor, plat: dict) -> None:
    e, kw = runtime.engine(), {"as_platform_id": as_pid(actor, plat)}
    vmap = village_map(plat)
    sub = sub_view("pl_zz_view", VIEWS)
    if sub == VIEWS[0]:
        with st.form("pl_check", clear_on_submit=True):
            c1, c2, c3, c4 = st.columns([3, 2, 1, 1], vertical_alignment="bottom")
            village = c1.selectbox("村（社区）", list(vmap), format_func=vmap.get)
            week = c2.date_input("周次（任选当周一天）", today(), max_value=today())
            reported = c3.checkbox("已上报", value=True)
            n = c4.number_input("发现问题数", 0, 999, 0)
            issues = st.text_input("问题摘要（有问题时必填）")
            if st.form_submit_button("保存筛查", type="primary"):
                with ui.user_errors():
                    svc.record_report_check(
                        e,
                        actor,
                        village_id=village,
                        week_of=week,
                        reported=reported,
                        issues_found=int(n),
                        issues=issues,
                        **kw,
                    )
                    after_write("已保存本周筛查。")
        rows = pager(
            "pl_check_page", lambda off, lim: reads.report_checks(plat["township_id"], off, lim, role=actor.role)
        ).rows
        ui.table(
            pd.DataFrame(
                {
                    "周（周一）": [str(r["week_start"]) for r in rows],
                    "村（社区）": [r["village"] for r in rows],
                    "上报": ["已上报" if r["reported"] else "未上报" for r in rows],
                    "问题数": [r["issues_found"] for r in rows],
                    "问题摘要": [r["issues"] or "" for r in rows],
                }
            )
        )
    elif sub == VIEWS[1]:
        plats = {p["id"]: p["name"] for p in reads.township_platforms(plat["township_id"])}
        with st.form("pl_meeting", clear_on_submit=True):
            c1, c2 = st.columns([1, 3])
            held = c1.date_input("会议日期", today(), max_value=today())
            att = c2.text_input("参会人员")
            minutes = st.text_area("会议纪要", height=80)
            decisions = st.text_area("会议决定", height=60)
            c3, c4 = st.columns([1, 3])
            to = c3.selectbox(
                "交办平台（可选）", [0] + list(plats), format_func=lambda i: "不交办" if i == 0 else plats[i]
            )
            task = c4.text_input("交办事项（交办时必填，将生成平台案件）")
            if st.form_submit_button("保存会议", type="primary"):
                with ui.user_errors():
                    r = svc.record_meeting(
                        e,
                        actor,
                        held_on=held,
                        attendees=att,
                        minutes=minutes,
                        decisions=decisions,
                        assign=((to, task),) if to else (),
                        **kw,
                    )
                    after_write("会议已保存" + (f"，交办案件{'、'.join(r['cases'])}。" if r["cases"] else "。"))
        rows = pager(
            "pl_meet_page", lambda off, lim: reads.meetings(plat["township_id"], off, lim, role=actor.role)
        ).rows
        ui.table(
            pd.DataFrame(
                {
                    "日期": [str(r["held_on"]) for r in rows],
                    "参会人员": [r["attendees"] for r in rows],
                    "纪要": [r["minutes"] for r in rows],
                    "决定": [r["decisions"] or "" for r in rows],
                    "交办案件": [r["cases"] for r in rows],
                }
            )
        )
    else:
        with st.expander("登记流动人口", icon=":material/add:"), st.form("pl_float", clear_on_submit=True):
            c1, c2, c3 = st.columns(3)
            name = c1.text_input("姓名")
            idn = c2.text_input("身份证号")
            phone = c3.text_input("联系电话")
            c4, c5, c6 = st.columns(3)
            village = c4.selectbox("现居村（社区）", list(vmap), format_func=vmap.get)
            origin = c5.text_input("户籍地（来源地）")
            addr = c6.text_input("现住址")
            day = st.date_input("登记日期", today(), max_value=today())
            if st.form_submit_button("保存登记", type="primary"):
                with ui.user_errors():
                    svc.register_floating(
                        e,
                        actor,
                        village_id=village,
                        name=name,
                        id_number=idn,
                        phone=phone,
                        origin=origin,
                        address=addr,
                        registered_on=day,
                        **kw,
                    )
                    after_write("已登记。")
        present = st.toggle("只看在住人员", value=True, key="pl_float_only")
        rows = pager(
            "pl_float_page",
            lambda off, lim: reads.floating(plat["township_id"], actor.role, off, lim, only_present=present),
        ).rows
        ui.table(
            pd.DataFrame(
                {
                    "姓名": [r["name"] for r in rows],
                    "身份证号": [r["id_number"] or "—" for r in rows],
                    "电话": [r["phone"] or "—" for r in rows],
                    "户籍地": [r["origin"] for r in rows],
                    "村（社区）": [r["village"] for r in rows],
                    "现住址": [r["address"] for r in rows],
                    "登记": [str(r["registered_on"]) for r in rows],
                    "离开": [str(r["left_on"] or "—") for r in rows],
                }
            )
        )
        here = {r["id"]: r for r in rows if r["left_on"] is None}
        remember_versions("float", list(here.values()))
        if here:
            c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
            rid = c1.selectbox(
                "登记离开", list(here), format_func=lambda i: f"{here[i]['name']} · {here[i]['address']}"
            )
            if c2.button("今天离开", key="pl_float_left"):
                save(
                    "float",
                    rid,
                    lambda v: svc.floating_left(e, actor, rid, v, left_on=today(), **kw),
                    "已登记离开。",
                )
