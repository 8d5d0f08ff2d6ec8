"""KPI page: the drill-down — the point or bar clicked, the comparison's table, the orders behind it."""

from __future__ import annotations

import pandas as pd

from components.kpi.formatting import fmt_value
from components.timefmt import fmt
from db.models.orders import CHANNELS, ORDER_STATUSES
from db.queries import kpi as kpi_q


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
        return fmt(v) if v else ""

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
