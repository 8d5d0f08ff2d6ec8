"""Grid-event reads: per-worker counts for the KPIs, the event list, the event's file and the
work logs.

Every function takes a Session, never commits, filters, counts and paginates in SQL, and
returns plain dicts. Times are naive UTC; local dates (log dates, date filters) are
Asia/Shanghai.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Grid, GridEvent, GridStaff, Village, WorkLog
from db.rules.sla import to_local


def log_day_bounds(since: datetime, until: datetime):
    """The local days a period [since, until) touches, as (first, last) inclusive dates.

    Logs are dated by local day; a day counts when any part of it lies in the period, so a
    period from local midnight to local midnight counts exactly its days and a period ending
    "now" counts today.
    """
    first = to_local(since).date()
    last = to_local(until - timedelta(microseconds=1)).date()
    return first, last


def worker_counts(s: Session, since: datetime, until: datetime,
                  village_id: int | None = None) -> list[dict]:
    """One dict per active grid staff member with what they recorded in [since, until).

    Keys: staff_id, name, staff_role, grid_id, grid_name, village_id, village_name,
    events_reported (grid events with this reporter, reported_at in the period),
    logs (work logs whose local log_date falls in the period's days) and
    households_visited (the sum of those logs' households_visited).
    Aggregated in SQL; sorted by village code, grid code, name (then staff id) - the codes
    give the official order and the same order on every backend.
    """
    ev = (
        select(GridEvent.reporter_staff_id.label("staff_id"), func.count().label("n"))
        .where(GridEvent.reporter_staff_id.is_not(None),
               GridEvent.reported_at >= since, GridEvent.reported_at < until)
        .group_by(GridEvent.reporter_staff_id)
        .subquery("ev")
    )
    first, last = log_day_bounds(since, until)
    lg = (
        select(WorkLog.staff_id.label("staff_id"), func.count().label("n"),
               func.coalesce(func.sum(WorkLog.households_visited), 0).label("hh"))
        .where(WorkLog.log_date >= first, WorkLog.log_date <= last)
        .group_by(WorkLog.staff_id)
        .subquery("lg")
    )
    q = (
        select(
            GridStaff.id, GridStaff.name, GridStaff.staff_role, Grid.id, Grid.name,
            Village.id, Village.name,
            func.coalesce(ev.c.n, 0), func.coalesce(lg.c.n, 0), func.coalesce(lg.c.hh, 0),
        )
        .join(Grid, Grid.id == GridStaff.grid_id)
        .join(Village, Village.id == Grid.village_id)
        .outerjoin(ev, ev.c.staff_id == GridStaff.id)
        .outerjoin(lg, lg.c.staff_id == GridStaff.id)
        .where(GridStaff.active.is_(True))
        .order_by(Village.code, Village.id, Grid.code, Grid.id, GridStaff.name, GridStaff.id)
    )
    if village_id is not None:
        q = q.where(Grid.village_id == village_id)
    keys = ("staff_id", "name", "staff_role", "grid_id", "grid_name", "village_id", "village_name",
            "events_reported", "logs", "households_visited")
    return [dict(zip(keys, (*row[:7], int(row[7]), int(row[8]), int(row[9])))) for row in s.execute(q)]
