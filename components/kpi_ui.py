"""KPI page UI: the period selector, the KPI cards with their n, trend and comparison charts
(pure ``build_*_figure`` functions), the drill-down list, and the cached reads behind them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import runtime, ui
from components.timefmt import minute_key
from db.engine import read_session
from db.models.base import utcnow
from db.models.orders import CHANNELS, ORDER_STATUSES
from db.queries import kpi as kpi_q
from db.rules.sla import to_local

FONT = "Noto Sans CJK SC, Microsoft YaHei, sans-serif"
BLUE, RED, GREY = "#1f5fa8", "#c0392b", "#8a8f98"
CARD_ORDER = (
    "closure",
    "on_time",
    "contact",
    "satisfaction",
    "handling_days",
    "overdue",
    "supervised",
    "redispatch",
    "petitions",
)


# --------------------------------------------------------------------------- formatting


def fmt_value(metric: kpi_q.Metric, value: Any) -> str:
    if value is None:
        return "—"
    if metric.kind == "rate":
        return f"{value:.1%}"
    if metric.kind == "avg":
        return f"{value:.1f}{metric.unit}"
    return f"{int(value)}{metric.unit}"


def fmt_delta(metric: kpi_q.Metric, now: Any, before: Any) -> str | None:
    if now is None or before is None:
        return None
    d = now - before
    if metric.kind == "rate":
        return f"{d * 100:+.1f}个百分点"
    if metric.kind == "avg":
        return f"{d:+.1f}{metric.unit}"
    return f"{int(d):+d}{metric.unit}"


def all_metrics() -> dict[str, kpi_q.Metric]:
    return {**kpi_q.ORDER_METRICS, **kpi_q.OTHER_METRICS}


# --------------------------------------------------------------------------- cached reads


@runtime.cached(ttl=60)
def summary(period: kpi_q.Period, minute: str) -> dict:
    with read_session(runtime.engine()) as s:
        return kpi_q.summary(s, period, utcnow())


@runtime.cached(ttl=60)
def trend(span: kpi_q.Period, grain: str, minute: str) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return kpi_q.trend(s, span, utcnow(), grain)


@runtime.cached(ttl=60)
def compare(period: kpi_q.Period, by: str, minute: str) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return kpi_q.compare(s, period, utcnow(), by)


@runtime.cached(ttl=60)
def others(period: kpi_q.Period, minute: str) -> dict:
    """Dispute resolution, the share resolved in the village and grid events per worker, now
    and in the previous period cut at the same point."""
    with read_session(runtime.engine()) as s:
        return kpi_q.module_summary(s, period, utcnow())


@runtime.cached(ttl=30)
def drill(
    metric: str,
    period: kpi_q.Period,
    by: str | None,
    key: Any,
    part: str,
    bucket: kpi_q.Period | None,
    offset: int,
    limit: int,
    role: str,
    minute: str,
) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return kpi_q.drill_page_for(
            s,
            metric,
            period.since,
            period.until,
            utcnow(),
            role,
            by=by,
            key=key,
            part=part,
            bucket=bucket,
            offset=offset,
            limit=limit,
        )


# --------------------------------------------------------------------------- widgets


def period_selector(key: str = "kpi") -> kpi_q.Period:
    """The period the page shows: by default the last complete week, month, quarter or year (a
    period still running reads low: on the 6th "本月" showed 办结率 22.9% against 95% the month
    before); the one in progress is one click away and says so."""
    today = to_local(utcnow()).date()
    c1, c2, c3 = st.columns([3, 3, 3], vertical_alignment="bottom")
    kind = (
        c1.segmented_control(
            "统计周期", list(kpi_q.PERIOD_KINDS), format_func=kpi_q.PERIOD_KINDS.get, default="month", key=f"{key}_kind"
        )
        or "month"
    )
    if kind == "custom":
        picked = c2.date_input(
            "起止日期",
            value=(today - timedelta(days=29), today),
            max_value=today,
            format="YYYY-MM-DD",
            key=f"{key}_range",
        )
        if not (isinstance(picked, tuple) and len(picked) == 2):
            st.info("请选择结束日期。")
            ui.stop()
        period = kpi_q.period_of("custom", today, picked[0], picked[1])
    else:
        current = kpi_q.period_of(kind, today)
        choices = {"done": kpi_q.period_name(current.previous(), today), "current": kpi_q.period_name(current, today)}
        which = (
            c2.segmented_control(
                "时段", list(choices), format_func=choices.get, default="done", key=f"{key}_which_{kind}"
            )
            or "done"
        )
        period = current if which == "current" else current.previous()
    windows = kpi_q.comparison_windows(period, utcnow())
    c3.caption(
        f"本期：{kpi_q.window_label(*windows['current'])}　对比上期同期：{kpi_q.window_label(*windows['previous'])}"
    )
    if kpi_q.in_progress(period, utcnow()):
        st.caption(
            ":orange-badge[进行中] 本期尚未结束，统计到此刻；按受理时间取样的比率（如办结率）在时段进行中偏低属正常，"
            "环比对比的是上期的同一时长。"
        )
    return period


COMPARISON_NOTE = (
    "环比、同比均对比上期同期：本期统计到此刻为止，上期只统计从上期开始起经过同样时长的部分"
    "（上期较短时取上期全部），上年同期统计到上年同一日期时刻为止；已结束的时段与上一时段整段对比。"
    "按受理或登记时间取样的比率（如办结率、纠纷化解率）计算的是样本中至今已办结或化解的比例，"
    "上期的样本经过的时间更长，时段进行中本期偏低属正常。"
)


def definitions_popover() -> None:
    with st.popover("指标口径", icon=":material/help:"):
        for m in all_metrics().values():
            st.markdown(f"**{m.label}**：{m.definition}")
        st.markdown(f"**环比与同比**：{COMPARISON_NOTE}")


def kpi_cards(data: dict, other: dict) -> None:
    """Every KPI with its n and the change against the previous period."""
    cur, prev, year = data["current"], data["previous"], data["year_before"]
    cols = st.columns(4)
    i = 0
    for key in CARD_ORDER:
        m = kpi_q.ORDER_METRICS[key]
        with cols[i % 4].container(border=True):
            if key == "petitions":
                delta = fmt_delta(m, cur[key], year[key])
                delta = f"{delta} 同比（上年{year[key]}件）" if delta else None
            else:
                delta = fmt_delta(m, cur[key], prev[key])
                delta = f"{delta} 环比" if delta else None
            st.metric(
                f"{m.label}（n={cur[f'{key}_n']}）",
                fmt_value(m, cur[key]),
                help=m.definition,
                **ui.change_style(delta, m.higher_is_better),
            )
        i += 1
    cur, prev = other["current"], other["previous"]
    for key in ("dispute_resolution", "village_share", "events_per_worker"):
        m = kpi_q.OTHER_METRICS[key]
        delta = fmt_delta(m, cur[key], prev[key])
        with cols[i % 4].container(border=True):
            st.metric(
                f"{m.label}（n={cur[f'{key}_n']}）",
                fmt_value(m, cur[key]),
                help=m.definition,
                **ui.change_style(f"{delta} 环比" if delta else None, m.higher_is_better),
            )
        i += 1


# --------------------------------------------------------------------------- figures (pure)


def _metric_series(rows: list[dict], metric: kpi_q.Metric) -> list[float | None]:
    vals = [r[metric.key] for r in rows]
    return [v * 100 if (v is not None and metric.kind == "rate") else v for v in vals]


def build_trend_figure(rows: list[dict], metric: kpi_q.Metric) -> go.Figure:
    """Line of the metric per bucket; each point's hover shows its n; empty buckets leave a gap."""
    x = [r.get("short", r["label"]) + ("（进行中）" if r.get("in_progress") else "") for r in rows]
    values = _metric_series(rows, metric)
    ns = [r[f"{metric.key}_n"] for r in rows]
    running = [bool(r.get("in_progress")) for r in rows]
    # the line joins complete buckets only: the one still running reads low (its orders are
    # young), so it is a separate hollow grey point, not the end of a dive; buckets not begun
    # have no point at all
    y = [None if r.get("future") or run else v for r, run, v in zip(rows, running, values, strict=True)]
    fig = go.Figure(
        go.Scatter(
            x=x,
            y=y,
            mode="lines+markers+text",
            line={"color": BLUE, "width": 3},
            marker={"size": 10},
            text=[f"n={n}" for n in ns],
            textposition="top center",
            customdata=list(range(len(rows))),
            hovertemplate="%{x}<br>%{y:.1f}<br>%{text}<extra></extra>",
            showlegend=False,
        )
    )
    for i in (i for i, run in enumerate(running) if run and values[i] is not None):
        fig.add_trace(
            go.Scatter(
                x=[x[i]],
                y=[values[i]],
                mode="markers+text",
                marker={"size": 11, "symbol": "circle-open", "color": "#8a8a8a", "line": {"width": 2}},
                text=[f"n={ns[i]}"],
                textposition="top center",
                customdata=[i],
                showlegend=False,
                hovertemplate="%{x}<br>%{y:.1f}<br>%{text}<br>时段进行中，数值尚未完整<extra></extra>",
            )
        )
    _layout(fig, metric, "时段")
    fig.update_xaxes(type="category")
    return fig


def build_compare_figure(rows: list[dict], metric: kpi_q.Metric, limit: int = 20) -> go.Figure:
    """Horizontal bars of the metric per group (largest samples first), n in each label."""
    rows = rows[:limit]
    y = [f"{r['label']}（n={r[f'{metric.key}_n']}）" for r in rows]
    x = _metric_series(rows, metric)
    text = [fmt_value(metric, r[metric.key]) for r in rows]
    fig = go.Figure(
        go.Bar(
            x=x,
            y=y,
            orientation="h",
            marker={"color": BLUE},
            customdata=list(range(len(rows))),
            text=text,
            textposition="auto",
            hovertemplate="%{y}<br>%{text}<extra></extra>",
        )
    )
    # a bar of value 0 has no width: plotly draws neither it nor its text, so the group would look
    # empty and could not be clicked. A marker at 0 shows its value and opens it like a bar.
    zeros = [i for i, v in enumerate(x) if v == 0]
    if zeros:
        fig.add_trace(
            go.Scatter(
                x=[0] * len(zeros),
                y=[y[i] for i in zeros],
                mode="markers+text",
                customdata=zeros,
                marker={"color": BLUE, "symbol": "line-ns", "size": 18, "line": {"width": 3, "color": BLUE}},
                text=[text[i] for i in zeros],
                textposition="middle right",
                cliponaxis=False,
                hovertemplate="%{y}<br>%{text}<extra></extra>",
            )
        )
    _layout(fig, metric, None)
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=max(280, 34 * len(rows) + 80), showlegend=False)
    return fig


def _layout(fig: go.Figure, metric: kpi_q.Metric, xtitle: str | None) -> None:
    unit = "%" if metric.kind == "rate" else metric.unit
    fig.update_layout(
        font={"family": FONT, "size": 14},
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        height=340,
        plot_bgcolor="white",
        clickmode="event+select",
        title={"text": f"{metric.label}（{unit}）", "font": {"size": 15}},
    )
    fig.update_xaxes(gridcolor="#eee")
    fig.update_yaxes(gridcolor="#eee")
    if metric.kind == "rate" and xtitle:  # room above 100 % for the n labels
        fig.update_yaxes(range=[0, 112], tickvals=[0, 20, 40, 60, 80, 100])
    elif metric.kind == "rate":
        fig.update_xaxes(range=[0, 105])


# --------------------------------------------------------------------------- drill-down


def selected_index(event) -> int | None:
    try:
        points = event.selection.points
    except AttributeError:
        return None
    if not points:
        return None
    p = points[0]
    idx = p.get("customdata", p.get("point_index"))
    if isinstance(idx, list):
        idx = idx[0]
    return int(idx) if idx is not None else None


def drill_frame(rows: list[dict]) -> pd.DataFrame:
    def t(v):
        return f"{to_local(v):%Y-%m-%d %H:%M}" if v else ""

    return pd.DataFrame(
        {
            "编号": [r["number"] for r in rows],
            "受理": [t(r["received_at"]) for r in rows],
            "事项": [r["title"] for r in rows],
            "类别": [r["category"] or "" for r in rows],
            "村（社区）": [r["village"] or "" for r in rows],
            "渠道": [CHANNELS.get(r["channel"], r["channel"]) for r in rows],
            "状态": [ORDER_STATUSES.get(r["status"], r["status"]) + ("·督办" if r["supervised"] else "") for r in rows],
            "承办": [r["department"] or r["platform"] or "" for r in rows],
            "时限": [t(r["due_at"]) for r in rows],
            "办结": [t(r["resolved_at"]) for r in rows],
        }
    )


def compare_table(rows: list[dict], metric: kpi_q.Metric) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "分组": [str(r["label"]) for r in rows],
            "受理件数": [r["received"] for r in rows],
            metric.label: [fmt_value(metric, r[metric.key]) for r in rows],
            "样本量n": [r[f"{metric.key}_n"] for r in rows],
        }
    )


# --------------------------------------------------------------------------- overlap (重合度)

OVERLAP_PAGE = 15
OVERLAP_MATTER = (
    "同一户或同一电话的同类诉求（{key}天内）、同一地址的同类诉求（{place}天内），以及相互关联的工单与网格事件，"
    "合为一件事项。"
)
OVERLAP_SENTINEL = "事项首次经热线或信访反映之前，网格（网格工单或网格事件）没有上报过。"


def overlap_key(period: kpi_q.Period) -> str:
    """The overlap's cache key: a running period's minute (its figures grow), a finished period's
    hour (one pass over a county's records takes about a second; a write in this process clears the
    display caches anyway, ``runtime.cached``)."""
    minute = minute_key()
    return minute if kpi_q.in_progress(period, utcnow()) else minute[:10]


@runtime.cached(ttl=600)
def overlap_summary(period: kpi_q.Period, minute: str) -> dict:
    from db.queries import overlap as overlap_q

    with read_session(runtime.engine()) as s:
        return overlap_q.summary(s, period.since, period.until, first_page=OVERLAP_PAGE)


@runtime.cached(ttl=600)
def overlap_matters(
    period: kpi_q.Period, combo: tuple | None, sentinel: bool, offset: int, limit: int, minute: str
) -> tuple[int, list[dict]]:
    from db.queries import overlap as overlap_q

    with read_session(runtime.engine()) as s:
        return overlap_q.matters(
            s, period.since, period.until, combo=combo, sentinel_only=sentinel, offset=offset, limit=limit
        )


@runtime.cached(ttl=600)
def overlap_records(order_ids: tuple, event_ids: tuple, role: str, minute: str) -> list[dict]:
    from db.queries import overlap as overlap_q

    with read_session(runtime.engine()) as s:
        return overlap_q.matter_records_for(s, role, order_ids, event_ids)


def build_overlap_figure(summary_: dict) -> go.Figure:
    """The seven channel combinations as bars (a Venn diagram read as a list): multi-channel
    combinations in a darker colour."""
    combos = summary_["combos"]
    fig = go.Figure(
        go.Bar(
            x=[c["label"] for c in combos],
            y=[c["matters"] for c in combos],
            marker={"color": [RED if sum(c["combo"]) > 1 else BLUE for c in combos]},
            text=[c["matters"] for c in combos],
            textposition="outside",
            customdata=list(range(len(combos))),
            hovertemplate="%{x}：%{y} 件事项<extra></extra>",
        )
    )
    fig.update_layout(
        font={"family": FONT, "size": 14},
        height=340,
        plot_bgcolor="white",
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        clickmode="event+select",
        title={"text": "按来源渠道组合统计的事项数（红色为多渠道）", "font": {"size": 15}},
    )
    return fig


def _share(part: int, n: int) -> str:
    return f"{part / n:.1%}" if n else "—"


def overlap_frame(rows: list[dict], first: str, first_of=lambda r: r) -> pd.DataFrame:
    """Per week / per village / per category: matters and multi-channel (n = matters), reached the
    desk and sentinel failures (n = reached), each share beside its count."""
    return pd.DataFrame(
        {
            first: [first_of(r) for r in rows],
            "事项（n）": [r["matters"] for r in rows],
            "多渠道": [r["multi"] for r in rows],
            "多渠道占比": [_share(r["multi"], r["matters"]) for r in rows],
            "首到热线/信访（n）": [r["reached"] for r in rows],
            "哨点失灵": [r["sentinel_failures"] for r in rows],
            "失灵占比": [_share(r["sentinel_failures"], r["reached"]) for r in rows],
        }
    )


def week_label(r: dict) -> str:
    return f"第{r['start'].isocalendar()[1]}周 {r['start']:%m-%d}至{r['end']:%m-%d}"


def render_overlap(actor, period: kpi_q.Period) -> None:
    from db.queries import overlap as overlap_q

    minute = overlap_key(period)
    data = overlap_summary(period, minute)
    matter_rule = OVERLAP_MATTER.format(key=overlap_q.KEY_WINDOW_DAYS, place=overlap_q.ADDRESS_WINDOW_DAYS)
    st.caption(f"**事项**：{matter_rule}　**哨点失灵**：{OVERLAP_SENTINEL}")
    with st.popover("重合度口径", icon=":material/help:"):
        st.markdown(
            "- **渠道**：网格上报（网格事件，及网格渠道的工单）、热线（热线、"
            "12345转办、线上）、信访；来访不计，已撤销的工单不计。\n"
            f"- **同一事项**：{matter_rule}“同类”按一级类别比较；网格事件按事件类型对应一级类别"
            "（基础设施—水电气暖、道路交通；环境卫生—环境卫生；矛盾纠纷—邻里纠纷、土地纠纷；民生诉求—政策咨询、"
            "社会保障、劳动就业；特殊人群—社会保障；安全隐患—违法建设、治安防范；其他—其余类别）。"
            "电话：工单的来电号码（网格工单的是网格员的，不用）、网格事件所属户的登记电话。关联可以传递：甲与乙、乙与丙为同一事项，三者即为一件事项。\n"
            f"- **本期事项**：本期内有记录的事项（匹配时向前多看{overlap_q.LOOKBACK_DAYS}天）；"
            "按本期记录的渠道组合统计，两个及以上渠道为**多渠道重合**。按周、按村统计时，事项计入它本期第一条记录所在的周和村，"
            "首到热线/信访和哨点失灵计入首次热线/信访所在的周和村。\n"
            "- **首到热线/信访**：事项第一次经热线或信访反映的时间在本期内。\n"
            f"- **哨点失灵**：首到热线/信访的事项中，在这第一次反映之前（含本期前{overlap_q.LOOKBACK_DAYS}天）"
            "没有任何网格上报的。"
        )
    c = st.columns(4)
    c[0].metric(f"本期事项（n={data['matters']}）", data["matters"])
    share = data["multi_share"]
    c[1].metric(
        f"多渠道重合（n={data['matters']}）",
        data["multi"],
        delta=f"占 {share:.1%}" if share is not None else None,
        delta_color="off",
        delta_arrow="off",
    )
    c[2].metric(
        f"匹配的网格事件（n={data['events']}）",
        data["events_matched"],
        delta=f"占 {_share(data['events_matched'], data['events'])}" if data["events"] else None,
        delta_color="off",
        delta_arrow="off",
        help="n：本期的网格事件；其中所属事项本期也有热线或信访工单的。",
    )
    fail = data["sentinel_share"]
    c[3].metric(
        f"哨点失灵（n={data['reached']}）",
        data["sentinel_failures"],
        delta=f"占 {fail:.1%}" if fail is not None else None,
        delta_color="off",
        delta_arrow="off",
        help="n：本期首次经热线或信访反映的事项；其中此前网格没有上报过的为哨点失灵。",
    )
    event = st.plotly_chart(
        build_overlap_figure(data),
        on_select="rerun",
        selection_mode="points",
        key=f"overlap_chart_{period.kind}_{period.start}",
        config={"displayModeBar": False},
    )
    st.markdown("**按周**（北京时间；事项计入本期第一条记录所在的周，哨点计入首次热线/信访所在的周）")
    st.dataframe(overlap_frame(data["by_week"], "周", week_label), hide_index=True, width="stretch")
    county = len({r["township"] for r in data["by_village"] if r["township"]}) > 1
    st.markdown("**按村（社区）**（事项计入本期第一条记录所在的村，哨点计入首次热线/信访所在的村）")
    st.dataframe(
        overlap_frame(
            data["by_village"],
            "村（社区）",
            lambda r: f"{r['township']} {r['village']}" if county and r["township"] else r["village"],
        ),
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(data["by_village"]), 420),
    )
    if data["by_category"]:
        with st.expander("按类别"):
            st.dataframe(
                overlap_frame(data["by_category"], "类别", lambda r: r["category"]), hide_index=True, width="stretch"
            )
    options = {
        "sentinel": "哨点失灵的事项",
        **{str(i): f"{c['label']}（{c['matters']}）" for i, c in enumerate(data["combos"])},
    }
    idx = selected_index(event)
    default = str(idx) if idx is not None else "sentinel"
    if st.session_state.get("overlap_last_click") != idx and idx is not None:
        st.session_state["overlap_last_click"] = idx
        st.session_state["overlap_pick"] = default
    pick = st.selectbox("查看事项清单", list(options), format_func=options.get, key="overlap_pick")
    combo = None if pick == "sentinel" else data["combos"][int(pick)]["combo"]

    def fetch(off: int, lim: int) -> tuple[int, list[dict]]:
        if pick == "sentinel" and off == 0 and lim == OVERLAP_PAGE:
            return data["sentinel_list"]  # read with the figures
        return overlap_matters(period, combo, pick == "sentinel", off, lim, minute)

    page = ui.paged("overlap_page", fetch, OVERLAP_PAGE)
    page.control(noun="个事项")
    if not page.rows:
        st.info("没有符合条件的事项。")
        return
    fmt = lambda v: f"{to_local(v):%Y-%m-%d}" if v else ""  # noqa: E731
    table = st.dataframe(
        pd.DataFrame(
            {
                "类别": [r["category"] for r in page.rows],
                "村（社区）": [r["village"] or "" for r in page.rows],
                "来源渠道（本期）": [r["channels"] for r in page.rows],
                "工单": [r["orders"] for r in page.rows],
                "网格事件": [r["events"] for r in page.rows],
                "首次网格上报": [fmt(r["first_grid"]) for r in page.rows],
                "首次热线/信访": [fmt(r["first_call"]) for r in page.rows],
            }
        ),
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=f"overlap_table_{pick}_{page.number}",
    )
    sel = [i for i in table.selection.rows if i < len(page.rows)]
    if sel:
        r = page.rows[sel[0]]
        rows = overlap_records(r["order_ids"], r["event_ids"], actor.role, minute)
        st.markdown(f"**该事项的工单与网格事件（{len(rows)} 件）**")
        st.dataframe(
            pd.DataFrame(
                {
                    "编号": [o["number"] for o in rows],
                    "日期": [fmt(o["at"]) for o in rows],
                    "渠道/类型": [o["source"] for o in rows],
                    "内容": [o["text"] for o in rows],
                    "状态": [o["status"] for o in rows],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption("选中一行查看该事项的工单和网格事件（含本期前的记录）。")


__all__ = [
    "build_compare_figure",
    "build_trend_figure",
    "compare",
    "definitions_popover",
    "drill",
    "drill_frame",
    "kpi_cards",
    "others",
    "period_selector",
    "selected_index",
    "summary",
    "trend",
]
