"""市场监管平台's records: inspections (a problem found issues a rectification notice, printable)
and their re-inspection."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import runtime, ui
from components.platforms import reads
from components.platforms.common import after_write, as_pid, pager, remember_versions, save
from components.timefmt import today
from db.models.platforms import (
    INSPECTION_KINDS,
    INSPECTION_STATUSES,
)
from db.permissions import Actor
from db.services import platform_docs
from db.services import platforms as svc


def shichang(actor: Actor, plat: dict) -> None:
    e, kw = runtime.engine(), {"as_platform_id": as_pid(actor, plat)}
    with (
        st.expander("登记检查（发现问题即下达《责令限期整改通知书》）", icon=":material/add:"),
        st.form("pl_inspect", clear_on_submit=True),
    ):
        c1, c2, c3 = st.columns([3, 3, 2])
        name = c1.text_input("经营主体名称")
        addr = c2.text_input("经营地址")
        kind = c3.selectbox("检查类型", list(INSPECTION_KINDS), format_func=INSPECTION_KINDS.get)
        finding = st.text_area("检查情况", height=70)
        c4, c5, c6 = st.columns(3)
        day = c4.date_input("检查日期", today(), max_value=today())
        problem = c5.checkbox("发现问题，责令限期整改")
        days = c6.number_input("整改期限（天）", 1, svc.RECTIFY_DAYS_MAX, 7)
        if st.form_submit_button("保存检查记录", type="primary"):
            with ui.user_errors():
                r = svc.record_inspection(
                    e,
                    actor,
                    business_name=name,
                    address=addr,
                    kind=kind,
                    inspected_on=day,
                    finding=finding,
                    problem=problem,
                    rectify_days=int(days),
                    **kw,
                )
                if r["notice_number"]:  # show the new notice, ready to print
                    st.session_state["pl_ins_pick"] = r["id"]
                after_write(
                    f"已保存；整改通知书编号 {r['notice_number']}。" if r["notice_number"] else "已保存检查记录。"
                )
    only = st.toggle("只看限期整改中", value=True, key="pl_ins_only")
    page = pager(
        "pl_ins_page",
        lambda off, lim: reads.inspections(plat["township_id"], off, lim, role=actor.role, only_open=only),
    )
    rows = page.rows
    ui.table(
        pd.DataFrame(
            {
                "通知书编号": [r["notice_number"] or "—" for r in rows],
                "经营主体": [r["business_name"] for r in rows],
                "地址": [r["address"] for r in rows],
                "类型": [INSPECTION_KINDS.get(r["kind"], r["kind"]) for r in rows],
                "检查日期": [str(r["inspected_on"]) for r in rows],
                "整改期限": [str(r["rectify_by"] or "—") for r in rows],
                "状态": [
                    INSPECTION_STATUSES.get(r["status"], r["status"])
                    + (
                        "（已逾期）"
                        if r["status"] == "rectifying" and r["rectify_by"] and r["rectify_by"] < today()
                        else ""
                    )
                    for r in rows
                ],
            }
        )
    )
    noticed = {r["id"]: r for r in rows if r["notice_number"]}
    if not noticed:
        return
    pick = st.selectbox(
        "选择整改通知书",
        list(noticed),
        key="pl_ins_pick",
        format_func=lambda i: f"{noticed[i]['notice_number']} · {noticed[i]['business_name']}",
    )
    ins = noticed[pick]
    remember_versions("ins", [ins])
    c1, c2 = st.columns(2)
    if c1.button("生成整改通知书（Word）", icon=":material/print:", key="pl_notice_btn"):
        with ui.user_errors():
            fname, blob = platform_docs.notice_docx(e, actor, ins["id"], **kw)
            st.session_state["pl_notice_file"] = (ins["id"], fname, blob)
    stored = st.session_state.get("pl_notice_file")
    if stored and stored[0] == ins["id"]:  # never offer another notice's file
        _, fname, blob = stored
        c1.download_button(
            f"下载 {fname}",
            blob,
            file_name=fname,
            type="primary",
            mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
    if ins["status"] == "rectifying":
        with c2.form("pl_reinspect"):
            passed = st.radio("复查结果", ["整改到位，复查合格", "仍未整改到位"], horizontal=True)
            note = st.text_input("复查情况")
            extra = st.number_input("未整改到位时的新整改期限（天）", 1, svc.RECTIFY_DAYS_MAX, 7)
            if st.form_submit_button("保存复查"):
                save(
                    "ins",
                    ins["id"],
                    lambda v: svc.reinspect(
                        e,
                        actor,
                        ins["id"],
                        v,
                        reinspected_on=today(),
                        passed=passed.startswith("整改到位"),
                        note=note,
                        extra_days=int(extra),
                        **kw,
                    ),
                    "复查已保存。",
                )
