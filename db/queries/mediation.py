"""Mediation reads: the ledger (filtered, sorted red first then stale, paginated in SQL), a
case's file, the red list, the screening and special-group views, and the KPIs
(``resolution_stats``).

Every function takes a Session, never commits, aggregates and paginates in SQL and returns
plain dicts. Times are naive UTC; local dates are Asia/Shanghai.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from db.models import MediationCase, Village
from db.models.mediation import DISPUTE_TYPES, RISK_COLOURS
from db.rules import mediation_fsm as fsm

C = MediationCase

STATS_GROUPS = {None: "全部", "risk_colour": "风险等级", "dispute_type": "纠纷类型", "village": "村（社区）"}


# --------------------------------------------------------------------------- KPIs


def _days_between(s: Session, later, earlier):
    """``later - earlier`` in (fractional) days, as a SQL expression on either backend."""
    if s.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def resolution_stats(s: Session, since: datetime, until: datetime, by: str | None = None) -> list[dict]:
    """Resolution KPIs of the dispute cases reported in ``[since, until)`` (naive UTC).

    Cohort: ``kind == "dispute"`` (hazards are left out) and ``since <= reported_at < until``.
    Per group: ``n`` cases; ``resolved`` those now agreed or closed; ``resolved_in_village``
    resolved ones still at village level and never escalated (小事不出村); ``resolution_rate``
    = resolved / n; ``village_share`` = resolved_in_village / resolved; ``avg_days`` = mean of
    ``coalesce(agreed_at, closed_at) - reported_at`` in days over resolved cases. Rates are
    None when their denominator is 0. Groups: ``by=None`` one row (key None, label "全部");
    ``risk_colour`` (the case's current colour) and ``dispute_type`` every known value in a
    fixed order, zeros included; ``village`` the villages having cases in the cohort, most
    cases first.
    """
    if by not in STATS_GROUPS:
        raise ValueError(f"unknown grouping: {by}")
    resolved = C.status.in_(fsm.RESOLVED_STATUSES)
    in_village = and_(resolved, C.level == "village", C.escalated_at.is_(None))
    days = _days_between(s, func.coalesce(C.agreed_at, C.closed_at), C.reported_at)
    measures = [
        func.count().label("n"),
        func.coalesce(func.sum(case((resolved, 1), else_=0)), 0).label("resolved"),
        func.coalesce(func.sum(case((in_village, 1), else_=0)), 0).label("resolved_in_village"),
        func.avg(case((resolved, days), else_=None)).label("avg_days"),
    ]
    cohort = (C.kind == "dispute", C.reported_at >= since, C.reported_at < until)
    if by is None:
        stmt = select(*measures).where(*cohort)
        rows = [(None, *s.execute(stmt).one())]
    elif by == "village":
        stmt = (select(C.village_id, Village.name, *measures).join(Village, Village.id == C.village_id)
                .where(*cohort).group_by(C.village_id, Village.name)
                .order_by(func.count().desc(), Village.name))
        rows = [(vid, n, r, rv, avg, name) for vid, name, n, r, rv, avg in s.execute(stmt)]
    else:
        key_col = getattr(C, by)
        stmt = select(key_col, *measures).where(*cohort).group_by(key_col)
        found = {row[0]: row for row in s.execute(stmt)}
        labels = RISK_COLOURS if by == "risk_colour" else DISPUTE_TYPES
        keys = list(labels) + [k for k in found if k not in labels]
        rows = [found.get(k, (k, 0, 0, 0, None)) for k in keys]
    out = []
    for row in rows:
        key, n, res, res_v, avg = row[:5]
        n, res, res_v = int(n or 0), int(res or 0), int(res_v or 0)
        if by is None:
            label = "全部"
        elif by == "village":
            label = row[5]
        elif by == "risk_colour":
            label = RISK_COLOURS.get(key, str(key))
        else:
            label = DISPUTE_TYPES.get(key, str(key))
        out.append({
            "key": key, "label": label, "n": n, "resolved": res, "resolved_in_village": res_v,
            "resolution_rate": res / n if n else None,
            "village_share": res_v / res if res else None,
            "avg_days": float(avg) if res and avg is not None else None,
        })
    return out
