"""KPI page: the period selector."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from components import timefmt, ui
from db.models.base import utcnow
from db.queries import kpi as kpi_q


def period_selector(key: str = "kpi") -> kpi_q.Period:
    """The period the page shows: by default the last complete week, month, quarter or year (a
    period still running reads low: on the 6th "本月" showed 办结率 22.9% against 95% the month
    before); the one in progress is one click away and says so."""
    today = timefmt.today()
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
