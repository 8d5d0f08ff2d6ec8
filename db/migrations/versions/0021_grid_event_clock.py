"""grid_event: the handling clock (issue #21, item 4)

``grid_event`` gains ``due_at`` (24:00 of the N-th working day after the day of the report),
``warn_at`` (the yellow point, 80 % of the clock), ``due_workdays`` (N, by event type),
``due_provisional`` (暂定: the clock counted a day of a year whose holiday schedule is not
entered) and ``closed_at`` (when the handling passed its check, 核查通过), with an index for the
overdue list (status, due_at).

Backfill, written here once and for all (it never imports the console's live code, which may
change after this revision):

- ``closed_at``: for events already 已核查 / 已评价 / 已归档, their ``verified_at`` (else the
  evaluation's or the archive's time, for rows that lack it).
- ``due_at``, ``warn_at``, ``due_workdays`` for every event, from ``reported_at`` and the event
  type's working days as they stood at this revision (``WORKDAYS`` below), on the holiday calendar
  stored in the database (``holiday_year``, ``calendar_day``). A day of a year whose schedule is
  not entered is counted Monday to Friday, and the deadline is marked provisional: when the year's
  schedule is entered, the open events' provisional deadlines are recounted on it
  (``grid_events.recount_provisional``, like the orders'); a closed event keeps its deadline.
  Beijing time is UTC+8 (no daylight saving since 1991).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-09
"""

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# frozen copy of db.models.grid_work.EVENT_CLOCK_WORKDAYS at this revision
WORKDAYS = {
    "safety": 2,
    "dispute": 3,
    "environment": 3,
    "infrastructure": 5,
    "livelihood": 5,
    "special_group": 3,
    "other": 5,
}
DEFAULT_WORKDAYS = 5
LOCAL_OFFSET = timedelta(hours=8)
YELLOW_AT = 0.8
CHUNK = 5000

_event = sa.table(
    "grid_event",
    sa.column("id", sa.Integer),
    sa.column("event_type", sa.String),
    sa.column("reported_at", sa.DateTime),
    sa.column("due_at", sa.DateTime),
    sa.column("warn_at", sa.DateTime),
    sa.column("due_workdays", sa.Integer),
    sa.column("due_provisional", sa.Boolean),
)
_year = sa.table("holiday_year", sa.column("year", sa.Integer))
_day = sa.table("calendar_day", sa.column("day", sa.Date), sa.column("is_workday", sa.Boolean))


def upgrade() -> None:
    op.add_column("grid_event", sa.Column("due_at", sa.DateTime(), nullable=True))
    op.add_column("grid_event", sa.Column("warn_at", sa.DateTime(), nullable=True))
    op.add_column("grid_event", sa.Column("due_workdays", sa.Integer(), nullable=True))
    op.add_column("grid_event", sa.Column("due_provisional", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("grid_event", sa.Column("closed_at", sa.DateTime(), nullable=True))
    op.create_index("ix_grid_event_status_due", "grid_event", ["status", "due_at"])
    op.execute(
        "UPDATE grid_event SET closed_at = COALESCE(verified_at, evaluated_at, archived_at) "
        "WHERE status IN ('verified', 'evaluated', 'archived')"
    )
    _backfill_clock(op.get_bind())


def _backfill_clock(conn) -> None:
    known = {y for (y,) in conn.execute(sa.select(_year.c.year))}
    exceptions = {d: bool(w) for d, w in conn.execute(sa.select(_day.c.day, _day.c.is_workday))}

    def is_workday(day: date) -> bool:
        if day.year in known and day in exceptions:
            return exceptions[day]
        return day.weekday() < 5

    cache: dict[tuple[date, int], tuple[datetime, bool]] = {}

    def deadline(start_local_day: date, workdays: int) -> tuple[datetime, bool]:
        hit = cache.get((start_local_day, workdays))
        if hit is None:
            day, counted, provisional = start_local_day, 0, False
            while counted < workdays:
                day += timedelta(days=1)
                provisional = provisional or day.year not in known
                if is_workday(day):
                    counted += 1
            # 24:00 local of the last day counted = 00:00 local of the next day, as naive UTC
            hit = (datetime.combine(day + timedelta(days=1), time.min) - LOCAL_OFFSET, provisional)
            cache[(start_local_day, workdays)] = hit
        return hit

    update = (
        sa.update(_event)
        .where(_event.c.id == sa.bindparam("_id"))
        .values(
            due_at=sa.bindparam("_due"),
            warn_at=sa.bindparam("_warn"),
            due_workdays=sa.bindparam("_wd"),
            due_provisional=sa.bindparam("_prov"),
        )
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(_event.c.id, _event.c.event_type, _event.c.reported_at)
            .where(_event.c.id > last, _event.c.due_at.is_(None))
            .order_by(_event.c.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            return
        params = []
        for eid, event_type, reported in rows:
            if reported is None:
                continue
            wd = WORKDAYS.get(event_type, DEFAULT_WORKDAYS)
            due, provisional = deadline((reported + LOCAL_OFFSET).date(), wd)
            params.append(
                {
                    "_id": eid,
                    "_due": due,
                    "_warn": reported + (due - reported) * YELLOW_AT,
                    "_wd": wd,
                    "_prov": provisional,
                }
            )
        if params:
            conn.execute(update, params)
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_index("ix_grid_event_status_due", table_name="grid_event")
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch copy of grid_event would fail on SQLite
    # once other tables' rows refer to its events (foreign keys are enforced)
    for column in ("closed_at", "due_provisional", "due_workdays", "warn_at", "due_at"):
        op.drop_column("grid_event", column)
