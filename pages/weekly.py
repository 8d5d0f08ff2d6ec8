"""周调度报告: the weekly dispatch meeting on screen (one section per topic) and as Word / Excel."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from components import runtime, timefmt, ui
from db.engine import read_session
from db.models.base import utcnow
from db.permissions import allowed
from db.services import weekly_report as wr

actor = ui.guard("weekly")
ui.page_header("weekly", "周一至周日（北京时间）。上会时逐节展示；也可导出 Word 与 Excel 分发。个人信息按角色脱敏。")
ui.show_flash()


@runtime.cached(ttl=60, spinner="正在汇总本周数据……")
def load(week_start, role: str, minute: str) -> dict:
    with read_session(runtime.engine()) as s:
        return wr.assemble(s, wr.week_of(week_start), utcnow(), role)


today = timefmt.today()
this_monday = today - timedelta(days=today.weekday())
weeks = [this_monday - timedelta(days=7 * i) for i in range(0, 12)]
c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="bottom")
week_start = c1.selectbox(
    "周次",
    weeks,
    index=1 if today.weekday() < 2 else 0,
    key="weekly_week",
    format_func=lambda d: (
        f"{d:%Y-%m-%d} 至 {d + timedelta(days=6):%Y-%m-%d}"
        + ("（本周）" if d == this_monday else "（上周）" if d == weeks[1] else "")
    ),
)
report = load(week_start, actor.role, timefmt.minute_key())

if allowed(actor.role, "report.export"):
    for col, fmt, label in ((c2, "docx", "生成 Word"), (c3, "xlsx", "生成 Excel")):
        if col.button(label, icon=":material/description:", key=f"weekly_make_{fmt}", width="stretch"):
            with ui.user_errors():
                name, mime, data = wr.export(actor, week_start, fmt, utcnow(), engine=runtime.engine())
                st.session_state[f"weekly_file_{fmt}"] = (name, mime, data)
        made = st.session_state.get(f"weekly_file_{fmt}")
        if made and made[0].startswith(f"周调度会材料_{week_start:%Y%m%d}"):
            col.download_button(
                f"下载 {fmt.upper()}",
                made[2],
                file_name=made[0],
                mime=made[1],
                type="primary",
                key=f"weekly_dl_{fmt}",
                width="stretch",
            )

st.markdown(f"## {ui.esc(wr.title_of(report))}")
st.caption(f"生成时间 {report['generated_at']}（北京时间）")

numbers = {r["key"]: r for r in report["numbers"]}
with st.container(border=True):
    st.markdown("### 一、本周数据与上周对比")
    st.caption(
        f"箭头为与上周同期（{report['previous']['label']}）相比的变化，本周未过完时上周只统计到同一时点；"
        "将鼠标停在问号上可见上周数值。"
    )
    cols = st.columns(4)  # four across: five cut the labels with their n ("本期受理中超期（n=…")
    for i, key in enumerate(
        (
            "received",
            "closure",
            "on_time",
            "satisfaction",
            "overdue",
            "supervised",
            "contact",
            "handling_days",
            "petitions",
            "disputes",
            "hazards",
        )
    ):
        r = numbers[key]
        # fewer is better for these (more disputes is not good news, nor fewer a bad one)
        lower_better = key in (
            "overdue",
            "supervised",
            "handling_days",
            "petitions",
            "redispatch",
            "disputes",
            "hazards",
        )
        cols[i % 4].metric(
            f"{r['label']}（n={r['n']}）",
            r["this"],
            help=f"上周 {r['last']}（n={r['n_last']}）；变化为本周减上周",
            **ui.change_style(r["change"], not lower_better),
        )

sections = wr.sections(report)
for title, note, header, rows in sections[1:]:
    with st.container(border=True):
        st.markdown(f"### {title}")
        st.caption(note)
        if rows:
            ui.table(pd.DataFrame([[("" if v is None else str(v)) for v in r] for r in rows], columns=header))
        else:
            st.success("无。")
