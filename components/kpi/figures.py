"""KPI page: the figures, pure functions of the rows (trend, comparison, overlap)."""

from __future__ import annotations

import plotly.graph_objects as go

from components.kpi.formatting import fmt_value
from db.queries import kpi as kpi_q

FONT = "Noto Sans CJK SC, Microsoft YaHei, sans-serif"
BLUE, RED, GREY = "#1f5fa8", "#c0392b", "#8a8f98"


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
