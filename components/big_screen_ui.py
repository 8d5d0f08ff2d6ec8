"""The delegation big screen: a dark, high-contrast, large-type read-only overview.

Only aggregates and scrubbed free text reach this screen (never a name, phone or ID number,
whatever the viewer's role); the CSS is fixed text, never user data."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from components import grid_map as gm
from components import runtime
from components.ui import esc
from db.engine import read_session
from db.models.base import utcnow
from db.queries import grid_map as gq
from db.queries import kpi as kpi_q
from db.rules.sla import to_local

FONT = "Noto Sans CJK SC, Microsoft YaHei, sans-serif"
BG, PANEL, FG, ACCENT, WARN = "#0b1a2e", "#12284a", "#ffffff", "#ffd34d", "#ff7a6b"
VIEWS = {"overview": "总览", "trend": "趋势", "map": "一张图", "cases": "办结案例"}

CSS = f"""
<style>
[data-testid="stAppViewContainer"], [data-testid="stMain"], [data-testid="stHeader"] {{
  background: {BG}; color: {FG};
}}
[data-testid="stMain"] h1, [data-testid="stMain"] h2, [data-testid="stMain"] h3,
[data-testid="stMain"] p, [data-testid="stMain"] label, [data-testid="stMain"] span,
[data-testid="stMain"] li {{ color: {FG} !important; }}
[data-testid="stMain"] h1 {{ font-size: 3rem; }}
[data-testid="stMetric"] {{ background: {PANEL}; border-radius: 10px; padding: 14px 18px; }}
[data-testid="stMetricLabel"] p {{ font-size: 1.45rem !important; color: #cfe0ff !important; }}
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * {{
  font-size: 3.6rem !important; color: {ACCENT} !important; font-weight: 700; }}
[data-testid="stMetricDelta"], [data-testid="stMetricDelta"] * {{
  font-size: 1.1rem !important; color: #cfe0ff !important;
  background: transparent !important; }}
[data-testid="stMain"] button {{ background: {PANEL} !important; border-color: #4d6a99 !important; }}
[data-testid="stMain"] button p, [data-testid="stMain"] button span {{ color: {FG} !important; font-size: 1.3rem; }}
[data-testid="stMain"] [data-testid="stCaptionContainer"] p {{ color: #cfe0ff !important; font-size: 1.1rem; }}
[data-testid="stMain"] [data-testid="stVerticalBlockBorderWrapper"] {{ background: {PANEL}; }}
[data-testid="stMain"] [data-testid="stMarkdownContainer"] p {{ font-size: 1.5rem; line-height: 1.6; }}
</style>
"""


# 展示模式 (kiosk, ``?kiosk=1``): the screen alone on a TV, no sidebar, no Streamlit chrome,
# no controls, no scrolling at 1920x1080 or 1366x768; the tour always on, with the next view named
KIOSK_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"] { display: none !important; }
[data-testid="stMainBlockContainer"] { padding: 0.2rem 2.4rem 0.2rem 2.4rem !important; max-width: 100% !important; }
[data-testid="stMain"] h2 { font-size: 2.4rem; padding: 0 0 0.2rem 0; }
[data-testid="stMain"] [data-testid="stVerticalBlock"] { gap: 0.7rem; }
[data-testid="stMetric"] { padding: 8px 16px; }
@media (max-height: 800px) {
  [data-testid="stMain"] h2 { font-size: 1.9rem; }
  [data-testid="stMetricLabel"] p { font-size: 1.15rem !important; }
  [data-testid="stMetricValue"], [data-testid="stMetricValue"] * { font-size: 2.5rem !important; }
  [data-testid="stMain"] [data-testid="stMarkdownContainer"] p { font-size: 1.25rem; }
}
</style>
"""
KIOSK_CHART_HEIGHT = 300  # two rows of figures and one of charts fit 768 px


def apply_theme(kiosk: bool = False) -> None:
    st.markdown(CSS, unsafe_allow_html=True)  # fixed text only
    if kiosk:
        st.markdown(KIOSK_CSS, unsafe_allow_html=True)


def tour_line(views: list[str], current: str, seconds: int) -> str:
    """The kiosk's indicator: where the tour is and what comes next (fixed labels only)."""
    marks = "　".join(("● " if v == current else "○ ") + VIEWS[v] for v in views)
    nxt = views[(views.index(current) + 1) % len(views)]
    return f"{marks}　　每{seconds}秒自动切换，下一画面：{VIEWS[nxt]}"


@runtime.cached(ttl=60)
def headline(minute: str) -> dict:
    now = utcnow()
    today = to_local(now).date()
    year = kpi_q.period_of("year", today)
    month = kpi_q.period_of("month", today)
    with read_session(runtime.engine()) as s:
        # one scan of the year, by month up to now: the year's and the month's numbers are sums
        trend = kpi_q.trend(s, year, now, "month", until=now)
        y = kpi_q.total(trend)
        m = kpi_q.total([t for t in trend if t["start"] == month.start])
        mix = kpi_q.channel_mix(s, month)
        # the whole month: nothing is received after now, and whole months come from the summary table
        cats = kpi_q.received_by(s, month.since, month.until, "category")[:8]
        disputes = kpi_q.dispute_stats(s, year)[0]
    return {
        "year": y,
        "month": m,
        "trend": [t for t in trend if t["start"] <= today],
        "mix": mix,
        "cats": cats,
        "disputes": disputes,
        "today": today,
    }


@runtime.cached(ttl=60)
def cases(minute: str) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return kpi_q.recent_closed_public(s, utcnow())


def _pct(v) -> str:
    return "—" if v is None else f"{v:.1%}"


def _metric(col, label: str, value: str, n: int | None = None, note: str | None = None, **kw) -> None:
    """A big-screen figure with its sample size (or a short note) in the line under it."""
    col.metric(
        label, value, delta=f"样本 n={n:,}" if n is not None else note, delta_color="off", delta_arrow="off", **kw
    )


def metrics(h: dict) -> None:
    y, m = h["year"], h["month"]
    row1 = st.columns(4)
    # no sparkline: st.metric draws it on the light theme's white background, a bright box on
    # the dark big screen; the monthly trend has its own view (趋势)
    _metric(row1[0], "今年受理诉求", f"{y['received']:,}", note=f"其中本月{m['received']:,}件")
    _metric(row1[1], "今年办结率", _pct(y["closure"]), y["closure_n"])
    _metric(row1[2], "本月按期办结率", _pct(m["on_time"]), m["on_time_n"])
    _metric(row1[3], "本月满意率", _pct(m["satisfaction"]), m["satisfaction_n"])
    row2 = st.columns(4)
    _metric(row2[0], "本月24小时联系率", _pct(m["contact"]), m["contact_n"])
    _metric(
        row2[1],
        "本月平均办理时长",
        "—" if m["handling_days"] is None else f"{m['handling_days']:.1f}天",
        m["handling_days_n"],
    )
    d = h["disputes"]
    _metric(row2[2], "今年纠纷化解率", _pct(d["resolution_rate"]), d["n"])
    _metric(row2[3], "纠纷化解在村比例", _pct(d["village_share"]), d["resolved"])


def _dark(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    fig.update_layout(
        paper_bgcolor=PANEL,
        plot_bgcolor=PANEL,
        font={"family": FONT, "size": 18, "color": FG},
        title={"text": title, "font": {"size": 22, "color": FG}},
        height=height,
        margin={"l": 20, "r": 20, "t": 60, "b": 20},
        showlegend=False,
    )
    fig.update_xaxes(gridcolor="#2b4670", color=FG, tickfont={"size": 16, "color": FG})  # read from 3 m
    fig.update_yaxes(gridcolor="#2b4670", color=FG, tickfont={"size": 18, "color": FG})
    return fig


def build_trend_figure(trend: list[dict]) -> go.Figure:
    fig = go.Figure()
    x = [t["short"] + ("（进行中）" if t.get("in_progress") else "") for t in trend]
    fig.add_bar(
        x=x,
        y=[None if t.get("future") else t["received"] for t in trend],
        marker={"color": ["#2b5f99" if t.get("in_progress") else "#4da3ff" for t in trend]},
        name="受理",
        text=["" if t.get("future") else t["received"] for t in trend],
        textposition="outside",
    )
    # a month without orders has no closure rate: None leaves a gap instead of a false 0 %; the
    # month still running is drawn hollow (its rate is still climbing), the months to come not at all
    rate = [None if t["closure"] is None or t.get("future") else t["closure"] * 100 for t in trend]
    fig.add_scatter(
        x=x,
        y=[None if t.get("in_progress") else r for t, r in zip(trend, rate, strict=True)],
        yaxis="y2",
        mode="lines+markers",
        line={"color": ACCENT, "width": 4},
        marker={"size": 12},
        name="办结率",
    )
    running = [i for i, t in enumerate(trend) if t.get("in_progress") and rate[i] is not None]
    if running:
        fig.add_scatter(
            x=[x[i] for i in running],
            y=[rate[i] for i in running],
            yaxis="y2",
            mode="markers",
            marker={"size": 14, "symbol": "circle-open", "color": ACCENT, "line": {"width": 3}},
            name="办结率（本月进行中）",
        )
    fig.update_layout(
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "range": [0, 105],
            "color": ACCENT,
            "title": {"text": "办结率%", "font": {"size": 16, "color": ACCENT}},
            "tickvals": [0, 25, 50, 75, 100],
            "showgrid": False,
        }
    )
    fig.update_xaxes(type="category")
    return _dark(fig, "今年每月受理量（柱）与办结率（线）")


def build_category_figure(cats: list[dict]) -> go.Figure:
    fig = go.Figure(
        go.Bar(
            x=[c["received"] for c in cats],
            y=[str(c["label"]) for c in cats],
            orientation="h",
            marker={"color": ACCENT},
            text=[c["received"] for c in cats],
            textposition="outside",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig = _dark(fig, "本月诉求类别前八")
    fig.update_xaxes(visible=False)  # every bar carries its count: no fractional ticks for counts
    return fig


def build_channel_figure(mix: list[dict]) -> go.Figure:
    fig = go.Figure(
        go.Pie(
            labels=[m["label"] for m in mix],
            values=[m["n"] for m in mix],
            hole=0.45,
            textinfo="label+percent",
            textfont={"size": 18},
            automargin=True,
        )
    )
    return _dark(fig, "本月受理渠道构成")


def case_card(c: dict, i: int, total: int) -> None:
    with st.container(border=True):
        st.markdown(f"### 办结案例 {i + 1}/{total}　{esc_fixed(c['category'])}·{esc_fixed(c['village'])}")
        st.markdown(f"**诉求**：{esc_fixed(c['title'])}")
        st.markdown(f"**办理结果**：{esc_fixed(c['result'] or '已办结')}")
        resolved = to_local(c["resolved_at"]) if c["resolved_at"] else None
        st.caption(f"承办：{esc_fixed(c['department'] or '—')}　办结：{resolved:%m月%d日}" if resolved else "")


def esc_fixed(text) -> str:

    return esc(text)


# the kiosk's map fills the screen's height under the title line, at any resolution
KIOSK_MAP_CSS = (
    "<style>.st-key-bs_map_box { flex: 0 0 auto !important; height: calc(100vh - 175px) !important; }</style>"
)


def map_view(minute: str, kiosk: bool) -> None:
    """一张图 on the big screen: the grids coloured by open matters with the week's new ones marked,
    the township's figures beside it and the grids with most open matters (aggregates only)."""
    drawn = gm.shapes()
    if not drawn["grids"]:
        st.info("本乡镇尚未导入网格边界（一张图）。")
        return
    vals = gm.values(minute)
    left, right = st.columns([5, 2])
    marks = gm.recent(minute)
    fig = gm.build_figure(drawn, vals, "open", marks, dark=True, height=None if kiosk else 640, clickable=False)
    if kiosk:
        st.markdown(KIOSK_MAP_CSS, unsafe_allow_html=True)  # fixed text only
        left.container(key="bs_map_box").plotly_chart(
            fig, height="stretch", config={"displayModeBar": False, "staticPlot": True}
        )
    else:
        left.plotly_chart(fig, config={"displayModeBar": False, "staticPlot": True})
    t = gm.totals(vals)
    week = sum(r["orders"] + r["events"] + r["disputes"] for r in marks)
    with right:
        r1 = st.columns(2)
        _metric(
            r1[0],
            "在办事项",
            f"{t['open_orders'] + t['open_events'] + t['disputes']:,}",
            note=f"超期工单{t['overdue']}件",
        )
        _metric(r1[1], f"近{gq.RECENT_DAYS}天新增", f"{week:,}", note="工单事件纠纷")
        r2 = st.columns(2)
        cover = None if not t["households"] else t["linked"] / t["households"]
        _metric(r2[0], "党员联户覆盖", _pct(cover), note=f"{t['households']:,}户")
        _metric(r2[1], "网格", f"{len(drawn['grids'])}个", note=f"{len(drawn['villages'])}个村（社区）")
        top = gm.ranking(drawn["grids"], vals, "open", n=5)
        st.markdown("**在办事项较多的网格**")
        st.markdown(
            "  \n".join(
                f"{i}. {esc_fixed(r['name'])}　{int(r['value'])}件" for i, r in enumerate(top, start=1) if r["value"]
            )
            or "各网格暂无在办事项。"
        )
