"""KPI page: a metric's value and its change against an earlier period, as text."""

from __future__ import annotations

from typing import Any

from db.queries import kpi as kpi_q


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
