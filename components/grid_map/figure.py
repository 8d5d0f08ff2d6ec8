"""The map as a Plotly figure: the grids filled by their class on a measure, the villages'
outlines and names, a clickable point per grid and the recent matters' marks (no tiles, no
request to another host: plain shapes on hidden axes)."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from components.grid_map.classes import NO_VALUE, class_of, classes
from components.grid_map.common import fmt_measure, grid_label
from db.queries import grid_map as q

FONT = "Noto Sans CJK SC, Microsoft YaHei, sans-serif"


def _xy(points, k: float) -> tuple[list[float], list[float]]:
    """(lon, lat) to the plane: longitude shrunk by cos(latitude), so the map keeps its shape."""
    return [p[0] * k for p in points], [p[1] for p in points]


def _rings_xy(rings_list, k: float) -> tuple[list, list]:
    """Many rings as one line, a gap (None) between them: one trace fills them all."""
    xs: list = []
    ys: list = []
    for ring in rings_list:
        x, y = _xy(ring, k)
        xs += x + [None]
        ys += y + [None]
    return xs, ys


def build_figure(
    drawn: dict[str, list[dict]],
    vals: dict[int, dict],
    measure: str,
    marks: list[dict],
    *,
    dark: bool = False,
    height: int | None = 620,
    labels: bool = True,
    clickable: bool = True,
) -> go.Figure:
    """The map: the grids filled by the class of their value on ``measure`` (one trace per class,
    named in the legend), the villages' outlines and names, a clickable point per grid (customdata:
    the grid id) and the recent matters' marks. About ten traces, however many grids."""
    m = q.MEASURES[measure]
    grids, vs = drawn["grids"], drawn["villages"]
    fg = "#ffffff" if dark else "#1d2b3a"
    fig = go.Figure()
    if not grids:
        return fig
    k = math.cos(math.radians(sum(g["anchor"][1] for g in grids) / len(grids)))
    per = {g["grid_id"]: q.measure_value(measure, q.figures_of(vals, g["grid_id"])) for g in grids}
    cls = classes(measure, [v for v in per.values() if v is not None])
    edge = "#0b1a2e" if dark else "#ffffff"
    groups: dict[str, list] = {}
    for g in grids:
        c = class_of(per[g["grid_id"]], cls)
        groups.setdefault(c["label"] if c else "无户", []).extend(g["rings"])
    for c in [*cls, {"label": "无户", "colour": NO_VALUE}]:
        if c["label"] not in groups:
            continue
        x, y = _rings_xy(groups[c["label"]], k)
        fig.add_scatter(
            x=x,
            y=y,
            mode="lines",
            fill="toself",
            fillcolor=c["colour"],
            name=c["label"],
            line={"color": edge, "width": 0.8},
            hoverinfo="skip",
            showlegend=True,
        )
    x, y = _rings_xy([r for v in vs for r in v["rings"]], k)
    fig.add_scatter(
        x=x,
        y=y,
        mode="lines",
        line={"color": "#1d2b3a" if not dark else "#e8eef8", "width": 2},
        hoverinfo="skip",
        showlegend=False,
    )
    # the clickable point of each grid
    ax, ay = _xy([g["anchor"] for g in grids], k)
    hover = [f"{grid_label(g)}<br>{m.label}：{fmt_measure(measure, per[g['grid_id']])}" for g in grids]
    colours = [(class_of(per[g["grid_id"]], cls) or {"colour": NO_VALUE})["colour"] for g in grids]
    fig.add_scatter(
        x=ax,
        y=ay,
        mode="markers",
        customdata=[g["grid_id"] for g in grids],
        hovertext=hover,
        hoverinfo="text",
        showlegend=False,
        name="网格",
        marker={
            "size": 9 if clickable else 1,
            "opacity": 1 if clickable else 0,
            "color": colours,
            "line": {"color": "#1d2b3a" if not dark else edge, "width": 1},
        },
    )
    # the last days' matters, at their grid or their village (never nearer)
    at = {g["grid_id"]: g["anchor"] for g in grids}
    vat = {v["village_id"]: v["anchor"] for v in vs}
    pts = []
    for r in marks:
        where = at.get(r["grid_id"]) if r["grid_id"] else vat.get(r["village_id"])
        n = r["orders"] + r["events"] + r["disputes"]
        if where and n:
            pts.append(
                (
                    where,
                    n,
                    f"近{q.RECENT_DAYS}天新增：工单{r['orders']}件、网格事件{r['events']}件、矛盾纠纷{r['disputes']}件",
                )
            )
    if pts:
        px, py = _xy([p[0] for p in pts], k)
        fig.add_scatter(
            x=px,
            y=py,
            mode="markers",
            hovertext=[p[2] for p in pts],
            hoverinfo="text",
            name=f"近{q.RECENT_DAYS}天新增事项",
            showlegend=True,
            marker={
                "size": [10 + 5 * math.sqrt(p[1]) for p in pts],
                "color": "rgba(31,95,168,0.35)",
                "line": {"color": "#1f5fa8" if not dark else "#9cc7ff", "width": 2},
            },
        )
    if labels:
        lx, ly = _xy([v["anchor"] for v in vs], k)
        fig.add_scatter(
            x=lx,
            y=ly,
            mode="text",
            text=[v["name"] for v in vs],
            hoverinfo="skip",
            showlegend=False,
            textfont={
                "size": 17 if dark else 12,
                "color": fg,
                "shadow": "0 0 3px #0b1a2e, 0 0 4px #0b1a2e" if dark else "0 0 3px #ffffff, 0 0 3px #ffffff",
            },
        )
    # a click selects a grid: keep the map as it was (Plotly greys what is not selected)
    fig.update_traces(unselected={"marker": {"opacity": 1 if clickable else 0}}, selector={"mode": "markers"})
    fig.update_traces(unselected={"textfont": {"color": fg}}, selector={"mode": "text"})
    if height:  # None: as tall as its container (the kiosk's map fills the screen's height)
        fig.update_layout(height=height)
    fig.update_layout(
        margin={"l": 4, "r": 4, "t": 8, "b": 4},
        dragmode=False,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"family": FONT, "size": 16 if dark else 13, "color": fg},
        legend={
            "title": {"text": f"{m.label}：", "font": {"color": fg, "size": 17 if dark else 12}},
            "orientation": "h",
            "x": 0,
            "y": 0,
            "bgcolor": "rgba(0,0,0,0)",
            "font": {"color": fg, "size": 17 if dark else 12},
            "itemclick": False,
            "itemdoubleclick": False,
        },
        hoverlabel={"font": {"family": FONT}},
        clickmode="event+select",
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    return fig
