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

Determinism: one ``random.Random(seed)`` is threaded through every stage, nothing iterates
a set or uses the global random state, and ``now`` defaults to the fixed instant
2026-11-20 02:00 UTC, so the same seed gives the same rows. All timestamps are naive UTC.

Scales: "township" (双庙街乡: 18 villages/communities, 98 grids, ~4,600 households, ~5,000
orders) and "county" (18 townships of 泌阳县 with 3,809 grids - 3,145 rural, 282 community,
382 special - leaner households per grid, 1,000,000 orders by default, grid events, disputes
and platform records in proportion). ``orders`` overrides the order count in either
scale, and the activity volumes that depend on it scale with it. At county scale, orders
received more than 120 days before ``now`` keep only their first and last timeline events.

Rows are written with SQLAlchemy Core in batches, with explicit primary keys; each batch
is its own transaction (a failed run leaves a partly filled database: start again from
an empty one). On PostgreSQL the id sequences are moved past the inserted ids.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Callable

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from db.demo import gridwork, mediation, org, platforms
from db.demo import orders as order_stage
from db.demo.context import DEFAULT_NOW, SCALES, Context
from db.demo.writer import BulkWriter
from db.models import AppSetting, AuditLog, Base, Counter, HolidayYear, WorkOrder
from db.rules.sla import HolidayCalendar
from db.services.calendar import calendar_from_package, seed_from_package

ProgressFn = Callable[[str, int], None]
BATCH_SIZE = 10_000
SETTINGS = {"mediation_followup_days": "30", "mediation_stale_days": "15"}


def generate(engine: Engine, *, scale: str = "township", orders: int | None = None,
             seed: int = 20261123, now: datetime | None = None,
             progress: ProgressFn | None = None) -> dict[str, int]:
    """Fill an empty, migrated database with demo data; returns the row count per table.

    Raises RuntimeError if ``work_order`` already has rows, ValueError for an unknown scale.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {sorted(SCALES)}")
    spec = SCALES[scale]
    n_orders = spec.default_orders if orders is None else orders
    if n_orders < 10:
        raise ValueError("orders must be at least 10")
    now = (now or DEFAULT_NOW).replace(microsecond=0)
    if now.tzinfo is not None:
        raise ValueError("now must be a naive UTC datetime")

    with engine.connect() as conn:
        with conn.begin():
            existing = conn.execute(select(func.count()).select_from(WorkOrder.__table__)).scalar_one()
        if existing:
            raise RuntimeError(
                f"the database already holds {existing} work orders; "
                "the demo generator only fills an empty database")

    with Session(engine) as session, session.begin():
        seed_from_package(session)
    with engine.begin() as conn:  # the demo clock is the entry time, for reproducible rows
        conn.execute(update(HolidayYear.__table__).values(entered_at=now))

    calendar = _calendar_covering(calendar_from_package(), now)
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MB page cache
            conn.commit()
        writer = BulkWriter(conn, now, BATCH_SIZE)
        ctx = Context(rng=random.Random(seed), now=now, spec=spec, orders=n_orders,
                      calendar=calendar, writer=writer, progress=progress)
        org.build(ctx)
        writer.flush()
        ctx.progress("组织与人员", writer.counts["resident"])
        order_stage.build(ctx)
        gridwork.build(ctx)
        mediation.build(ctx)
        platforms.build(ctx)
        for (name, year), value in sorted(ctx.counters.items()):
            ctx.add(Counter.__table__, dict(name=name, year=year, value=value))
        for key, value in SETTINGS.items():
            ctx.add(AppSetting.__table__, dict(key=key, value=value))
        writer.flush()
        counts = _table_counts(conn, writer)
        ctx.add(AuditLog.__table__, dict(
            id=ctx.next_id(AuditLog.__table__), at=now, user_id=None, username="system",
            action="demo_seed", entity="database", entity_id=None, before=None,
            after={"scale": scale, "seed": seed, "counts": counts}))
        writer.finish()
        counts["audit_log"] = counts.get("audit_log", 0) + 1
    ctx.progress("完成", sum(counts.values()))
    return counts


def _calendar_covering(cal: HolidayCalendar, now: datetime) -> HolidayCalendar:
    """The package calendar, with plain Mon-Fri weeks assumed for years it does not know
    (only reachable when ``now`` is set past the package's last year)."""
    years = set(cal.known_years)
    missing = [y for y in range(2023, now.year + 2) if y not in years]
    if not missing:
        return cal
    return HolidayCalendar(known_years=frozenset(years | set(missing)),
                           exceptions=dict(cal.exceptions))


def _table_counts(conn, writer: BulkWriter) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        n = writer.counts.get(table.name, 0)
        if table.name in ("holiday_year", "calendar_day"):
            with conn.begin():
                n = conn.execute(select(func.count()).select_from(table)).scalar_one()
        counts[table.name] = n
    return dict(sorted(counts.items()))
