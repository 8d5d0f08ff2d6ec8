"""指标分析: every KPI with its n, the change against the previous period, a trend, comparisons
by village / grid / platform / department / category, the multi-channel overlap, and a click
on a bar or point that lists the records behind it."""

import streamlit as st

from components import grid_map, kpi, paging, timefmt, ui
from components.data import reference
from db.queries import kpi as kpi_q

actor = ui.guard("kpi")
ui.page_header(
    "kpi", "每项指标都标注样本量 n；将鼠标停在指标名旁的问号上可查看口径。点击图中的柱或点，下方列出对应工单。"
)
period = kpi.period_selector()
minute = timefmt.minute_key()
data = kpi.summary(period, minute)
other = kpi.others(period, minute)

top_l, top_r = st.columns([6, 1])
top_l.subheader(f"{kpi_q.period_name(period, timefmt.today())}指标　{period.label}")
with top_r:
    kpi.definitions_popover()
kpi.kpi_cards(data, other)

st.divider()
view = (
    st.segmented_control("分析视图", ["趋势", "分类对比", "多渠道重合度", "一张图"], default="趋势", key="kpi_view")
    or "趋势"
)

if view == "一张图":  # the township's grids coloured by a measure (now, not the period above)
    st.caption("地图显示当前状态（在办、超期、风险为此刻，网格事件为本月），不随上方统计周期变化。")
    grid_map.render(actor, "kpi_map")
    ui.stop()

if view == "多渠道重合度":
    kpi.render_overlap(actor, period)
    ui.stop()

metrics = dict(kpi_q.ORDER_METRICS)
c1, c2, c3 = st.columns([2, 2, 3])
metric_key = c1.selectbox("指标", list(metrics), format_func=lambda k: metrics[k].label, key="kpi_metric")
metric = metrics[metric_key]
if view == "趋势":
    span, grain0 = kpi_q.trend_span(period)
    grains = {"day": "按日", "week": "按周", "month": "按月"}
    grain = c2.selectbox(
        "粒度", list(grains), index=list(grains).index(grain0), format_func=grains.get, key=f"kpi_grain_{period.kind}"
    )
    c3.caption(f"趋势范围：{span.label}；每个点标注其样本量 n，没有样本的时段留空。")
    rows = kpi.trend(span, grain, minute)
    fig = kpi.build_trend_figure(rows, metric)
    by = None
else:
    # 乡镇 is a dimension for the county (its users see every township); a township's user
    # would see one bar
    county = actor.township_id is None and len(reference()["townships"]) > 1
    dims = {k: v[0] for k, v in kpi_q.DIMENSIONS.items() if county or k != "township"}
    by = c2.selectbox("对比维度", list(dims), format_func=dims.get, key="kpi_by")
    rows = kpi.compare(period, by, minute)
    fig = kpi.build_compare_figure(rows, metric)
    if len(rows) > 20:
        c3.caption(f"共 {len(rows)} 组，图中显示样本量最大的 20 组；完整数据见下表。")

chart_key = f"kpi_chart_{view}_{metric_key}_{by}_{period.kind}_{period.start}"
event = st.plotly_chart(
    fig, on_select="rerun", selection_mode="points", key=chart_key, config={"displayModeBar": False}
)
idx = kpi.selected_index(event)
if view == "分类对比":
    with st.expander(f"{kpi_q.DIMENSIONS[by][0]}对比明细（{len(rows)} 组）"):
        st.dataframe(kpi.compare_table(rows, metric), hide_index=True, width="stretch")
        pick = st.selectbox(
            "查看某一组的工单",
            [None, *range(len(rows))],
            key=f"kpi_pick_{by}",
            format_func=lambda i: "（请选择）" if i is None else str(rows[i]["label"]),
        )
        idx = pick if pick is not None else idx

if idx is None or idx >= len(rows):
    st.caption("点击图中的柱或点（或在明细中选择一组），查看对应的工单清单。")
    ui.stop()

row = rows[idx]
st.subheader(
    f"{metric.label}：{ui.esc(row['label'])}　{kpi.fmt_value(metric, row[metric_key])}（n={row[f'{metric_key}_n']}）"
)
part = (
    st.segmented_control(
        "列出", list(kpi_q.DRILL_PARTS), format_func=kpi_q.DRILL_PARTS.get, default="n", key="kpi_part"
    )
    or "n"
)
bucket = kpi_q.Period("custom", row["start"], row["end"]) if view == "趋势" else None
drill_period = span if view == "趋势" else period
group_key = None if view == "趋势" else row["key"]
drill_id = (metric_key, by, group_key, str(bucket), part)
if st.session_state.get("kpi_drill_id") != drill_id:
    st.session_state["kpi_drill_id"] = drill_id
    st.session_state["kpi_drill_page"] = 1
page = paging.paged(
    "kpi_drill_page",
    lambda off, lim: kpi.drill(metric_key, drill_period, by, group_key, part, bucket, off, lim, actor.role, minute),
    20,
)
page.control(noun="件")
if not page.rows:
    st.info("没有符合条件的工单。")
    ui.stop()
picked = st.dataframe(
    kpi.drill_frame(page.rows),
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key=f"kpi_drill_table_{hash(drill_id)}_{page.number}",
)
sel = [i for i in picked.selection.rows if i < len(page.rows)]
if sel:
    number = page.rows[sel[0]]["number"]
    st.page_link(
        "pages/inbox.py",
        label=f"在工单中心打开 {number}",
        icon=":material/open_in_new:",
        query_params={"order": number},
    )
else:
    st.caption("选中一行可在工单中心打开该工单的详情与时间线。")
