"""The deterministic demo-data generator.

``generate(engine, scale=..., orders=..., seed=..., now=...)`` fills an already-migrated,
empty database with a township's (or a county's) organisation, people on duty and two to
three years of activity: work orders with timelines, grid events and work logs, the
dispute ledger, platform cases and services. See the stage modules for what each part
contains and the conventions it follows:

- :mod:`db.demo.org` - organisation, residents, staff, party members, mediators, platforms,
  categories, service catalogue
- :mod:`db.demo.orders` - work orders, timelines, extension requests, duplicates
- :mod:`db.demo.gridwork` - grid events and work logs
- :mod:`db.demo.mediation` - dispute ledger, screenings, special-group visits
- :mod:`db.demo.platforms` - platform cases, hand-offs, inspections, enforcement, services
- :mod:`db.demo.tasks` - the task ledger (任务台账): tasks, milestones, progress reports

Determinism: one ``random.Random(seed)`` is threaded through every stage, nothing iterates
a set or uses the global random state, and every date is relative to ``now`` (the anchor, a
required argument: the app's first start passes the real time, tests a fixed one), so the
same seed and anchor give the same rows. All timestamps are naive UTC.

Scales (volumes in :data:`db.demo.context.SCALES`):

- "township": 双庙街乡 with 18 villages/communities, 98 grids, ~4,700 households and
  ~15,000 residents, 5,000 orders, 14,000 grid events, 700 disputes, a year of work logs.
- "county": the 18 townships of 泌阳县 with 3,809 grids (3,145 rural, 282 community,
  382 special, as in the seed county) but only 6-10 households per rural grid (~29,000
  households), 1,000,000 orders, 500,000 grid events, 50,000 disputes, 60 days of work
  logs. Each township has its own four platforms, departments and mediators.

``orders`` overrides the order count in either scale; the activity volumes (grid events,
disputes, platform cases, inspections, service requests, days of work logs) scale with
it, the organisation does not. At county scale, orders received more than 120 days before
``now`` keep only their first and last timeline events (receive and the final step), to
keep the benchmark fast; every order of the township scale has its full timeline.

Rows are written in batches of 10,000 with explicit primary keys (see
:mod:`db.demo.writer`); each batch is its own transaction, so a failed run leaves a partly
filled database: start again from an empty one. On PostgreSQL the id sequences are moved
past the inserted ids.

Record links (RecordLink) point from a record to what it came from: work order -> the
grid event behind it, mediation case / platform case -> its source order or grid event
(kind 'source'), and a duplicate order -> the original (kind 'duplicate').
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, Engine, bindparam, func, select, update
from sqlalchemy.orm import Session

from db import stats
from db.demo import gridwork, mediation, org, platforms, tasks
from db.demo import orders as order_stage
from db.demo.context import SCALES, Context
from db.demo.writer import BulkWriter
from db.models import AppSetting, AuditLog, Base, Counter, HolidayYear
from db.queries.calendar import calendar_from_package
from db.services.calendar import seed_from_package

ProgressFn = Callable[[str, int], None]
BATCH_SIZE = 10_000
SETTINGS = {"mediation_followup_days": "30", "mediation_stale_days": "15"}
# tables that may already have rows (accounts, audit, settings, counters, calendar)
MAY_HAVE_ROWS = ("app_user", "audit_log", "app_setting", "counter", "holiday_year", "calendar_day")


def generate(
    engine: Engine,
    *,
    scale: str = "township",
    orders: int | None = None,
    seed: int = 20261123,
    now: datetime,
    progress: ProgressFn | None = None,
) -> dict[str, int]:
    """Fill an empty, migrated database with demo data; returns the number of rows of
    every table afterwards.

    Raises RuntimeError if ``work_order`` (or any other table the generator fills with
    explicit ids) already has rows, ValueError for an unknown scale or a bad argument.
    Users, audit entries, settings, counters and the holiday calendar may already exist:
    they are kept (settings and calendar years already present are not overwritten).
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {sorted(SCALES)}")
    spec = SCALES[scale]
    n_orders = spec.default_orders if orders is None else orders
    if n_orders < 10:
        raise ValueError("orders must be at least 10")
    now = now.replace(microsecond=0)
    if now.tzinfo is not None:
        raise ValueError("now must be a naive UTC datetime")

    _refuse_unless_empty(engine)
    with Session(engine) as session, session.begin():
        known = set(session.scalars(select(HolidayYear.year)))
        seed_from_package(session)
        session.flush()
        added = [y for y in session.scalars(select(HolidayYear.year)) if y not in known]
        if added:  # the demo clock is their entry time, so that runs are reproducible
            session.execute(update(HolidayYear).where(HolidayYear.year.in_(added)).values(entered_at=now))
        last_audit = session.scalar(select(func.max(AuditLog.id))) or 0
        settings = set(session.scalars(select(AppSetting.key)))
        counters = {(n, y): v for n, y, v in session.execute(select(Counter.name, Counter.year, Counter.value))}

    calendar = calendar_from_package()  # provisional for a year the package does not know
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MB page cache
            conn.commit()
        # the KPI summary triggers are off for the load (one grouped rebuild instead of an
        # upsert per order), and back on with the tables rebuilt even if the load fails
        with stats.suspended(conn):
            writer = BulkWriter(conn, now, BATCH_SIZE)
            ctx = Context(
                rng=random.Random(seed),  # nosec B311
                now=now,
                spec=spec,
                orders=n_orders,
                calendar=calendar,
                writer=writer,
                progress=progress,
            )
            ctx.reserve_ids(AuditLog, last_audit)
            org.build(ctx)
            writer.flush()
            ctx.progress("组织与人员", writer.counts["resident"])
            order_stage.build(ctx)
            gridwork.build(ctx)
            mediation.build(ctx)
            platforms.build(ctx)
            tasks.build(ctx)
            stale = []  # counters left over from deleted records: move them past our numbers
            for (name, year), value in sorted(ctx.counters.items()):
                if (name, year) not in counters:
                    ctx.add(Counter, dict(name=name, year=year, value=value))
                elif counters[(name, year)] < value:
                    stale.append({"c_name": name, "c_year": year, "c_value": value})
            for key, setting in SETTINGS.items():
                if key not in settings:
                    ctx.add(AppSetting, dict(key=key, value=setting))
            if stale:
                writer.execute_many(
                    update(Counter)
                    .where(Counter.name == bindparam("c_name"), Counter.year == bindparam("c_year"))
                    .values(value=bindparam("c_value")),
                    stale,
                )
            writer.flush()
            written = {name: n for name, n in writer.counts.items() if n}
            ctx.add(
                AuditLog,
                dict(
                    id=ctx.next_id(AuditLog),
                    at=now,
                    user_id=None,
                    username="system",
                    action="demo_seed",
                    entity="database",
                    entity_id=None,
                    before=None,
                    after={"scale": scale, "seed": seed, "orders": n_orders, "rows": written},
                ),
            )
            writer.finish()
        if conn.dialect.name == "postgresql":
            # planner statistics for the bulk-loaded tables now, not when autovacuum gets to them.
            # Not on SQLite: without STAT4 its sqlite_stat1 averages make `duplicate_of_id IS NULL`
            # look selective and the status indexes cheap, which was measured to make the KPI,
            # weekly and carried-over queries slower (docs/benchmarks.md, county scale)
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
        counts = _table_counts(conn)
    ctx.progress("完成", sum(counts.values()))
    return counts


def _refuse_unless_empty(engine: Engine) -> None:
    """RuntimeError unless every table the generator fills with explicit ids is empty."""
    busy: list[str] = []
    with engine.connect() as conn, conn.begin():
        for table in Base.metadata.sorted_tables:
            if table.name in MAY_HAVE_ROWS:
                continue
            if conn.execute(select(table).limit(1)).first() is not None:
                busy.append(table.name)
    if busy:
        raise RuntimeError(
            "the demo generator only fills an empty database, but these tables have rows: " + ", ".join(busy)
        )


def _table_counts(conn: Connection) -> dict[str, int]:
    counts: dict[str, int] = {}
    with conn.begin():
        for table in sorted(Base.metadata.sorted_tables, key=lambda t: t.name):
            counts[table.name] = conn.execute(select(func.count()).select_from(table)).scalar_one()
    return counts
