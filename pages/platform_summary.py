"""四平台总览: every platform's results summarised back to 综治 — counts, hand-off flow, flagged cases."""

import pandas as pd
import streamlit as st

from components import paging, ui
from components import platforms as pui
from components.timefmt import fmt
from db.models.people import PLATFORMS
from db.queries.platforms import Period
from db.rules import platform_fsm as fsm

actor = ui.guard("platform_summary")
ui.page_header(
    "platform_summary",
    "四个平台期间内立案的在办、办结、超期数，平台之间的推送流向（接收与退回），以及被退回两次及以上的案件。",
)
now = pui.now_utc()

c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
with c1:
    start, end, label = pui.period_picker("pls_period")
if actor.role == "platform":
    plat = pui.platform(actor.platform_id) if actor.platform_id else None
    township_id = plat["township_id"] if plat else -1
    c2.markdown(f"**{ui.esc(plat['township']) if plat else ''}**")
else:
    towns = {t["id"]: t["name"] for t in pui.townships()}
    township_id = c2.selectbox(
        "乡镇", [None] + list(towns), key="pls_town", format_func=lambda i: "全部乡镇" if i is None else towns[i]
    )
period = Period(start, end, township_id)

rows = pui.summary(period, now)
pui.summary_table(rows)
st.caption(
    "期间立案：统计期间内立案的案件，按当前牵头平台归类；超期：在办且已过期限，或办结晚于期限；"
    "多次退回：推送被退回两次及以上。"
)

st.subheader("平台之间的推送流向")
flows = pui.flows(period)
chart, matrix = st.tabs(["流向图", "流向矩阵"])
with chart:
    pui.sankey(flows)
with matrix:
    pui.flow_matrix(flows)

st.subheader("案件清单")
d1, d2 = st.columns(2)
codes = [None] + list(PLATFORMS)
code = d1.selectbox("平台", codes, key="pls_code", format_func=lambda c: "全部平台" if c is None else PLATFORMS[c])
buckets = {"flagged": "多次退回", "overdue": "超期", "open": "在办", "closed": "已办结", "all": "全部"}
bucket = d2.selectbox("类别", list(buckets), format_func=buckets.get, key="pls_bucket")
key = f"pls_page_{code}_{bucket}_{label}_{township_id}"
page = paging.paged(
    key,
    lambda off, lim: pui.case_list(period, now, off, lim, role=actor.role, code=code, bucket=bucket),
    pui.PAGE_SIZE,
)
page.control(noun="件")
ui.table(
    pd.DataFrame(
        {
            "案件编号": [r["number"] for r in page.rows],
            "标题": [r["title"] for r in page.rows],
            "乡镇": [r["township"] for r in page.rows],
            "牵头平台": [r["lead_platform"] for r in page.rows],
            "状态": [fsm.CASE_STATUS_LABELS.get(r["status"], r["status"]) for r in page.rows],
            "期限": [fmt(r["due_at"]) for r in page.rows],
            "退回次数": [r["bounce_count"] for r in page.rows],
        }
    )
)
if page.rows:
    number = st.selectbox(
        "查看案件时间线",
        [""] + [r["number"] for r in page.rows],
        key="pls_pick",
        format_func=lambda n: n if n else "选择案件编号",
    )
    if number:
        cid = pui.case_id_by_number(number)
        detail = pui.case_detail(cid, role=actor.role) if cid else None
        if detail:
            pui.case_panel(actor, detail, None)
