"""一张图: the township's grids drawn from their GeoJSON boundaries (no tile server, no request to
another host: plain Plotly shapes on hidden axes), coloured by a chosen measure, with the last
seven days' matters marked at their grid (or village), on 指标分析, 网格花名册 and the big screen.

A click on a grid (or the 查看网格 list, for the keyboard) opens its open matters for a staff
role, its figures only for the delegation's observer. Every figure is an aggregate per grid;
the map never places anything at a household.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
import streamlit as st
from plotly.colors import sample_colorscale

from components import runtime, ui
from components.timefmt import fmt, minute_key
from db.engine import read_session
from db.models.base import utcnow
from db.permissions import Actor
from db.queries import grid_map as q
from db.rules import geo

FONT = "Noto Sans CJK SC, Microsoft YaHei, sans-serif"
WORSE = [[0.0, "#fff5d6"], [0.35, "#fdc46a"], [0.7, "#f0703c"], [1.0, "#b3202a"]]  # more is worse
BETTER = [[0.0, "#b3202a"], [0.4, "#f6b26b"], [0.75, "#a9d9a0"], [1.0, "#2e8b57"]]  # more is better
NO_VALUE = "#c9ced6"


# --------------------------------------------------------------------------- cached reads


@runtime.cached(ttl=300)
def shapes() -> dict[str, list[dict]]:
    """The township's drawn grids and villages (a village: the union of its grids), each with
    its outer rings and an anchor point inside it (lon/lat)."""
    with read_session(runtime.engine()) as s:
        rows = q.shapes(s)
    return outlines(rows)


def outlines(rows: list[dict]) -> dict[str, list[dict]]:
    grids, by = [], {}
    for r in rows:
        g = geo.from_json(r["geometry"])
        grids.append({k: v for k, v in r.items() if k != "geometry"} | {"rings": geo.rings(g), "anchor": geo.anchor(g)})
        by.setdefault(r["village_id"], (r["village"], []))[1].append(g)
    villages = []
    for vid, (name, gs) in by.items():
        outline = geo.merged(gs)
        villages.append({"village_id": vid, "name": name, "rings": geo.rings(outline), "anchor": geo.anchor(outline)})
    return {"grids": grids, "villages": villages}


@runtime.cached(ttl=300)
def grid_total() -> int:
    with read_session(runtime.engine()) as s:
        return q.grid_count(s)


@runtime.cached(ttl=60)
def values(minute: str) -> dict[int, dict]:
    with read_session(runtime.engine()) as s:
        return q.values(s, utcnow())


@runtime.cached(ttl=60)
def recent(minute: str) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return q.recent(s, utcnow())


@runtime.cached(ttl=60)
def open_matters(grid_id: int, role: str, minute: str) -> dict[str, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.open_matters_for(s, grid_id, utcnow(), role)


# --------------------------------------------------------------------------- the figure


def _xy(points, k: float) -> tuple[list[float], list[float]]:
    """(lon, lat) to the plane: longitude shrunk by cos(latitude), so the map keeps its shape."""
    return [p[0] * k for p in points], [p[1] for p in points]


def fmt_measure(key: str, v: float | None) -> str:
    m = q.MEASURES[key]
    if v is None:
        return "—"
    return f"{v:.1f}%" if m.unit == "%" else f"{int(v)}{m.unit}"


def classes(measure: str, values: list[float]) -> list[dict]:
    """The map's colour classes for ``measure``: {label, lo, hi, colour}, the lightest (or the
    worst, for a measure where more is better) first. Counts: 0, then up to four equal steps up
    to the largest value; a percentage: four fixed bands."""
    m = q.MEASURES[measure]
    scale = WORSE if m.higher_is_worse else BETTER
    if m.unit == "%":
        bands = [(0.0, 60.0, "低于60%"), (60.0, 75.0, "60%–75%"), (75.0, 90.0, "75%–90%"), (90.0, 100.0, "90%及以上")]
    else:
        top = int(max(values + [0]))
        step = max(1, math.ceil(top / 4))
        bands = [(0.0, 0.0, f"0{m.unit}")]
        for a in range(1, top + 1, step):
            b = min(top, a + step - 1)
            bands.append((float(a), float(b), f"{a}{m.unit}" if a == b else f"{a}–{b}{m.unit}"))
    n = len(bands)
    colours = sample_colorscale(scale, [i / max(1, n - 1) for i in range(n)])
    # counts: whole numbers, each band holds its upper bound; percentages: [lo, hi), the last closed
    return [
        {"lo": lo, "hi": hi, "label": label, "colour": c, "closed": m.unit != "%" or i == n - 1}
        for i, ((lo, hi, label), c) in enumerate(zip(bands, colours, strict=True))
    ]


def class_of(v: float | None, cls: list[dict]) -> dict | None:
    if v is None:
        return None
    for c in cls:
        if v < c["hi"] or (c["closed"] and v <= c["hi"]):
            return c
    return cls[-1]


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


def grid_label(g: dict) -> str:
    """A grid's name with its village, once (第3网格 of 白云村 is often named 白云村第3网格)."""
    return g["name"] if g["name"].startswith(g["village"]) else f"{g['village']} · {g['name']}"


def ranking(grids: list[dict], vals: dict[int, dict], measure: str, n: int = 10) -> list[dict]:
    """The grids that most need attention on ``measure`` (the worst first)."""
    m = q.MEASURES[measure]
    rows = [
        {
            "grid_id": g["grid_id"],
            "name": g["name"],
            "village": g["village"],
            "value": q.measure_value(measure, q.figures_of(vals, g["grid_id"])),
        }
        for g in grids
    ]
    rows = [r for r in rows if r["value"] is not None]
    rows.sort(key=lambda r: (-r["value"] if m.higher_is_worse else r["value"], r["name"]))
    return rows[:n]


def totals(vals: dict[int, dict]) -> dict[str, int]:
    return {k: sum(v[k] for v in vals.values()) for k in q.KEYS}


# --------------------------------------------------------------------------- the page part


def _empty(actor: Actor) -> None:
    st.info(
        "本乡镇尚未导入网格边界，地图无法绘制。"
        + (
            "请在 网格花名册 → 导入导出 中导入 GeoJSON 文件（每个网格一个面，属性写网格编号）。"
            if actor.role == "admin"
            else "请联系系统管理员导入网格边界（GeoJSON）。"
        )
    )


def render(actor: Actor, key: str) -> None:
    """The map with its measure switch, the grids needing attention and a grid's detail."""
    drawn = shapes()
    grids = drawn["grids"]
    if not grids:
        _empty(actor)
        return
    minute = minute_key()
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    measure = (
        c1.segmented_control(
            "着色指标",
            list(q.MEASURES),
            format_func=lambda k: q.MEASURES[k].label,
            default="open",
            key=f"{key}_measure",
        )
        or "open"
    )
    c2.caption(q.MEASURES[measure].definition + f"；圆圈为近{q.RECENT_DAYS}天新增事项，按网格（或村）计。")
    vals = values(minute)
    left, right = st.columns([3, 1])
    with left:
        event = st.plotly_chart(
            build_figure(drawn, vals, measure, recent(minute)),
            on_select="rerun",
            selection_mode="points",
            key=f"{key}_chart_{measure}",
            config={"displayModeBar": False, "scrollZoom": False},
        )
    picked = _clicked_grid(event)
    names = {g["grid_id"]: grid_label(g) for g in grids}
    with right:
        st.markdown(f"**{q.MEASURES[measure].label}靠前的网格**")
        for i, r in enumerate(ranking(grids, vals, measure), start=1):
            st.markdown(f"{i}. {ui.esc(grid_label(r))}　**{fmt_measure(measure, r['value'])}**")
        drawn = len(grids)
        total = grid_total()
        if drawn < total:
            st.caption(f"{total - drawn} 个网格尚未导入边界，未在图上。")
    options = sorted(names, key=names.get)
    state = f"{key}_grid"
    if picked is not None and picked in names and st.session_state.get(f"{key}_last_click") != picked:
        st.session_state[f"{key}_last_click"] = picked
        st.session_state[state] = picked
    grid_id = st.selectbox(
        "查看网格",
        [None, *options],
        key=state,
        format_func=lambda g: "（点击地图上的网格，或在此选择）" if g is None else names[g],
    )
    if grid_id is not None:
        grid_card(actor, grid_id, names[grid_id], q.figures_of(vals, grid_id), minute)


def _clicked_grid(event) -> int | None:
    try:
        points = event.selection.points
    except AttributeError:
        return None
    for p in points or []:
        cd = p.get("customdata")
        if isinstance(cd, list):
            cd = cd[0] if cd else None
        if isinstance(cd, (int, float)):
            return int(cd)
    return None


def grid_card(actor: Actor, grid_id: int, name: str, v: dict, minute: str) -> None:
    """A grid's figures (every role) and, for staff, its open matters with links to them."""
    with st.container(border=True):
        st.markdown(f"#### {ui.esc(name)}")
        cols = st.columns(5)
        cols[0].metric(
            "在办工单",
            f"{v['open_orders']}件",
            delta=f"超期{v['overdue']}件" if v["overdue"] else None,
            delta_color="inverse",
        )
        cols[1].metric(
            "未归档网格事件",
            f"{v['open_events']}件",
            delta=f"本月上报{v['events_month']}件",
            delta_color="off",
            delta_arrow="off",
        )
        cols[2].metric(
            "未结矛盾纠纷",
            f"{v['disputes']}件",
            delta=f"红{v['red']} 黄{v['yellow']} 蓝{v['blue']}",
            delta_color="off",
            delta_arrow="off",
        )
        cols[3].metric("户数", f"{v['households']}户")
        cols[4].metric("党员联户覆盖率", fmt_measure("party", q.measure_value("party", v)))
        if actor.role == "demo":
            st.caption("演示模式只显示汇总数字。")
            return
        m = open_matters(grid_id, actor.role, minute)
        if not any(m.values()):
            st.caption("该网格目前没有在办事项。")
            return
        for r in m["orders"]:
            due = f"时限 {fmt(r['due_at'])}" if r["due_at"] else ""
            st.page_link(
                "pages/inbox.py",
                label=ui.esc(
                    f"工单 {r['number']}　{r['title'] or ''}　{r['status_label']}　{due}"
                    + ("　已超期" if r["overdue"] else "")
                ),
                icon=":material/call:",
                query_params={"order": r["number"]},
            )
        for r in m["events"]:
            st.page_link(
                "pages/grid_events.py",
                label=ui.esc(
                    f"事件 {r['number']}　{r['type_label']}　{r['status_label']}　{(r['description'] or '')[:30]}"
                ),
                icon=":material/flag:",
                query_params={"event": r["number"]},
            )
        for r in m["disputes"]:
            st.page_link(
                "pages/mediation.py",
                label=ui.esc(f"纠纷 {r['number']}　{r['type_label']}　{r['risk_label']}　{r['status_label']}"),
                icon=":material/handshake:",
                query_params={"case": r["number"]},
            )


# --------------------------------------------------------------------------- import / export


def io_box(actor: Actor) -> None:
    """网格边界（一张图）: the GeoJSON import (administrator) and export (who may export the roster)."""
    from components import data
    from db.permissions import allowed
    from db.services import grid_map

    may_export, may_import = allowed(actor.role, "roster.export"), allowed(actor.role, "roster.import")
    if not (may_export or may_import):
        return
    st.divider()
    st.markdown(
        "**网格边界（一张图）**　GeoJSON 要素集合，经纬度（WGS84），每个网格一个面，属性写"
        "**网格编号**（或网格名称）。未写入文件的网格保留原有边界。"
    )
    c1, c2 = st.columns(2)
    drawn, total = len(shapes()["grids"]), grid_total()
    c1.caption(f"已绘制 {drawn} / {total} 个网格。")
    if may_export and drawn:
        c1.download_button(
            "导出网格边界.geojson",
            grid_map.export_geojson(runtime.engine(), actor),
            file_name="网格边界.geojson",
            mime="application/geo+json",
            icon=":material/download:",
        )
    if not may_import:
        return
    gen = st.session_state.get("geo_gen", 0)
    up = c2.file_uploader("选择 .geojson 文件", type=["geojson", "json"], key=f"geo_upload_{gen}")
    if up is not None and c2.button("检查并导入边界", type="primary", key="geo_import"):
        with ui.user_errors():
            try:
                r = grid_map.import_geojson(runtime.engine(), actor, up.getvalue())
            except geo.GeoJSONError as e:  # every problem on its own line; nothing was imported
                c2.error(f"文件有 {len(e.problems)} 处问题，未导入任何边界。请修改后重新导入：")
                c2.markdown("\n".join(f"- {ui.esc(p)}" for p in e.problems[: geo.MAX_ERRORS]))
                return
            data.invalidate()
            st.session_state["geo_gen"] = gen + 1
            st.session_state["geo_done"] = (
                f"已导入 {r.total} 个网格的边界（新增 {r.created}、更新 {r.replaced}、"
                f"未变 {r.unchanged}）"
                + (f"；另有 {r.grids_without_shape} 个网格尚无边界。" if r.grids_without_shape else "。")
            )
            st.rerun()
    if st.session_state.get("geo_done"):
        c2.success(st.session_state["geo_done"])
