"""The KPI summary tables (``db/stats.py``) against the orders, on SQLite and PostgreSQL.

A random township's orders are inserted, updated (status, times, callbacks, dimensions, duplicate
marks, receipt time moved across a month boundary) and deleted with plain SQL, as any write path
would, so only the triggers can keep the tables current. Then:

- the tables equal a rebuild from scratch (a grouped scan of ``work_order``);
- ``kpi.order_stats`` (whole days and months from the tables, edges scanned, open-and-overdue
  counted live) equals ``kpi._scan_stats`` (everything from ``work_order``) for totals, every
  dimension and day/week/month trends, over windows with whole and partial days and months.

Both are built from one definition per counter (``db/rules/kpi_defs.py``), and the SQL
``db/stats.py`` generates from it is, byte for byte, what the newest migration froze.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, text, update

from db import stats
from db.engine import read_session, write_session
from db.models import Category, Department, Grid, Platform, Township, Village, WorkOrder
from db.models.stats import COUNTERS
from db.queries import kpi
from db.rules import kpi_defs
from db.rules.sla import CONTACT_HOURS, contact_deadline, local_to_utc

W = WorkOrder
STATUSES = ["received", "contacted", "dispatched", "in_progress", "resolved", "archived", "cancelled"]
CHANNELS = ["hotline", "walk_in", "grid", "petition", "online"]
START = datetime(2026, 1, 20)  # local
SPAN_DAYS = 80  # to 10 April: three month boundaries


def L(*args) -> datetime:
    return local_to_utc(datetime(*args))


def _ref(s) -> dict:
    t = Township(code="T1", name="青龙镇", county="示范县")
    s.add(t)
    s.flush()
    villages = [Village(township_id=t.id, code=f"V{i}", name=f"村{i}") for i in range(3)]
    s.add_all(villages)
    s.flush()
    grids = [Grid(village_id=v.id, code=f"G{i}", name=f"网格{i}") for i, v in enumerate(villages)]
    plats = [Platform(township_id=t.id, code=c, name=n) for c, n in (("zongzhi", "综治"), ("shichang", "市场监管"))]
    cats = [Category(code=f"C{i}", name=f"类别{i}") for i in range(3)]
    s.add_all(grids + plats + cats)
    s.flush()
    depts = [Department(platform_id=p.id, name=f"{p.name}办") for p in plats]
    s.add_all(depts)
    s.flush()
    return {
        "township": t.id,
        "village": [v.id for v in villages] + [None],
        "grid": [g.id for g in grids] + [None],
        "platform": [p.id for p in plats] + [None],
        "department": [d.id for d in depts] + [None],
        "category": [c.id for c in cats],
    }


def _when(rng: random.Random) -> datetime:
    """A local time in the span, often right around local midnight (the UTC+8 day edge)."""
    day = START + timedelta(days=rng.randrange(SPAN_DAYS))
    minute = rng.choice([0, 5, 23 * 60 + 55, 7 * 60 + 59, 8 * 60, rng.randrange(24 * 60)])
    return local_to_utc(day + timedelta(minutes=minute, seconds=rng.randrange(60)))


def _fields(rng: random.Random, ref: dict) -> dict:
    received = _when(rng)
    status = rng.choice(STATUSES)
    f = {
        "received_at": received,
        "status": status,
        "channel": rng.choice(CHANNELS),
        "village_id": rng.choice(ref["village"]),
        "grid_id": rng.choice(ref["grid"]),
        "platform_id": rng.choice(ref["platform"]),
        "department_id": rng.choice(ref["department"]),
        "category_id": rng.choice(ref["category"]),
        "supervised": rng.random() < 0.2,
        "bounce_count": rng.choice([0, 0, 1, 2]),
        "redispatch_count": rng.choice([0, 0, 0, 1]),
    }
    later = lambda hours: received + timedelta(hours=hours, minutes=rng.randrange(60))  # noqa: E731
    f["contacted_at"] = later(rng.choice([0, 2, 23, 25, 40])) if rng.random() < 0.8 else None
    f["dispatched_at"] = later(1) if rng.random() < 0.7 else None
    f["due_at"] = later(rng.choice([24, 72, 120])) if rng.random() < 0.7 else None
    done = status in ("resolved", "archived") or (status == "cancelled" and rng.random() < 0.3)
    f["resolved_at"] = later(rng.choice([1, 30, 100, 200])) if done else None
    if done and f["due_at"] is not None and rng.random() < 0.3:  # the boundaries: on the minute
        f["resolved_at"] = f["due_at"]
    if f["contacted_at"] is not None and rng.random() < 0.2:
        f["contacted_at"] = received + timedelta(hours=24)
    if f["resolved_at"] is not None and rng.random() < 0.7:
        f["callback_at"] = f["resolved_at"] + timedelta(hours=rng.choice([2, 20, 50]))
        f["satisfaction"] = rng.choice(["satisfied", "basic", "unsatisfied", None])
    else:
        f["callback_at"], f["satisfaction"] = None, None
    return f


def _write_random_history(engine, seed: int) -> None:
    rng = random.Random(seed)
    with write_session(engine) as s:
        ref = _ref(s)
    ids: list[int] = []
    with write_session(engine) as s:  # inserts
        for i in range(140):
            o = WorkOrder(
                number=f"RX-S-{i:04d}",
                township_id=ref["township"],
                title="事项",
                description="测试",
                **_fields(rng, ref),
            )
            s.add(o)
            s.flush()
            ids.append(o.id)
    for step in range(200):  # updates, each its own transaction, as the services write
        oid = rng.choice(ids)
        with write_session(engine) as s:
            kind = rng.randrange(8)
            if kind == 0:  # a whole new state
                values = _fields(rng, ref)
            elif kind == 7:  # one column alone, so every watched column is seen changing by itself
                name, value = rng.choice(list(_fields(rng, ref).items()))
                values = {name: value}
            elif kind == 1:  # a transition
                values = {"status": rng.choice(STATUSES), "resolved_at": rng.choice([None, _when(rng)])}
            elif kind == 2:  # a callback
                values = {"callback_at": _when(rng), "satisfaction": rng.choice(["satisfied", "unsatisfied", None])}
            elif kind == 3:  # moved to another village, department, channel
                values = {
                    "village_id": rng.choice(ref["village"]),
                    "department_id": rng.choice(ref["department"]),
                    "channel": rng.choice(CHANNELS),
                    "supervised": rng.random() < 0.5,
                }
            elif kind == 4:  # marked a duplicate, or unmarked
                other = rng.choice(ids)
                values = {"duplicate_of_id": other if other != oid and rng.random() < 0.7 else None}
            elif kind == 5:  # an edit the counters do not see
                values = {"title": f"改{step}", "version": W.version + 1}
            else:  # the receipt time moved (a correction), possibly into another month
                values = {"received_at": _when(rng)}
            s.execute(update(W).where(W.id == oid).values(**values))
    for name in _fields(rng, ref):  # every column alone, changed to another value, on a few orders
        for oid in rng.sample(ids, 4):
            with write_session(engine) as s:
                current = s.scalar(select(getattr(W, name)).where(W.id == oid))
                value = next(v for v in (_fields(rng, ref)[name] for _ in range(50)) if v != current)
                s.execute(update(W).where(W.id == oid).values({name: value}))
    with write_session(engine) as s:  # deletes (orders nothing points at)
        referenced = set(s.scalars(select(W.duplicate_of_id).where(W.duplicate_of_id.is_not(None))))
        gone = [i for i in rng.sample(ids, 15) if i not in referenced]
        s.execute(delete(W).where(W.id.in_(gone)))


@pytest.fixture(params=[7, 2026])
def history(request, engine):
    _write_random_history(engine, request.param)
    return engine


def _table(conn, name: str, keys: str) -> dict:
    rows = conn.execute(text(f"SELECT {keys}, {', '.join(COUNTERS)} FROM {name}")).mappings()  # nosec B608
    out = {}
    for r in rows:
        counts = {c: r[c] for c in COUNTERS}
        # rows all zero are left behind by subtraction; they count nothing (the float hours may
        # keep a rounding residue of adding and subtracting the same value)
        if any(abs(v) > 1e-6 for v in counts.values()):
            out[tuple(str(r[k]) for k in keys.split(", "))] = counts
    return out


def _same_counts(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        abs(a[k] - b[k]) < 1e-6 if isinstance(a[k], float) or isinstance(b[k], float) else a[k] == b[k] for k in a
    )


def _assert_tables_match_a_rebuild(engine) -> None:
    with engine.connect() as conn:
        live = {
            "day": _table(conn, "order_stats_day", "day"),
            "month": _table(conn, "order_stats_month", "month, dim, key"),
        }
        assert live["day"] and live["month"]
        stats.rebuild(conn)
        fresh = {
            "day": _table(conn, "order_stats_day", "day"),
            "month": _table(conn, "order_stats_month", "month, dim, key"),
        }
        conn.rollback()
    for part in ("day", "month"):
        extra = {k: v for k, v in live[part].items() if k not in fresh[part]}
        missing = {k: v for k, v in fresh[part].items() if k not in live[part]}
        assert not extra and not missing, (part, extra, missing)
        for k in live[part]:
            assert _same_counts(live[part][k], fresh[part][k]), (part, k, live[part][k], fresh[part][k])


NOW = L(2026, 3, 20, 14, 30)  # open orders due before this are overdue
WINDOWS = [
    (L(2026, 2, 1), L(2026, 3, 1)),  # a whole month
    (L(2026, 1, 1), L(2026, 4, 1)),  # a quarter
    (L(2026, 1, 1), L(2027, 1, 1)),  # the year
    (L(2026, 2, 9), L(2026, 2, 16)),  # a whole week
    (L(2026, 1, 27, 13, 15), L(2026, 3, 20, 14, 30)),  # partial days at both ends, months inside
    (L(2026, 3, 2), NOW),  # a period in progress, cut at now
    (L(2026, 2, 3, 8), L(2026, 2, 3, 20)),  # inside one day
    (L(2026, 1, 31, 23, 30), L(2026, 2, 1, 0, 30)),  # across one local midnight
]


def _comparable(rows: list[dict]) -> list[dict]:
    keep = list(kpi._empty_counts()) + ["key", "label"]
    return [{k: r[k] for k in keep} for r in rows]


def _assert_same(got: list[dict], want: list[dict], what) -> None:
    got, want = _comparable(got), _comparable(want)
    assert [(r["key"], r["label"]) for r in got] == [(r["key"], r["label"]) for r in want], what
    for g, w in zip(got, want, strict=True):
        assert _same_counts(g, w), (what, g["key"], g, w)


TRENDS = [
    ("month", date(2026, 2, 10), "day"),
    ("quarter", date(2026, 2, 10), "week"),
    ("year", date(2026, 3, 20), "month"),
    ("week", date(2026, 3, 18), "day"),
]


def test_after_random_writes_tables_equal_a_rebuild_and_order_stats_the_scan(history):
    _assert_tables_match_a_rebuild(history)
    with read_session(history) as s:
        for since, until in WINDOWS:
            what = f"{since:%m-%d %H:%M} to {until:%m-%d %H:%M}"
            scan = kpi._scan_stats(s, since, until, NOW)
            _assert_same(kpi.order_stats(s, since, until, NOW), scan, what)
            assert kpi.received_and_closed(s, since, until) == (scan[0]["received"], scan[0]["closure_hit"]), what
            for by in kpi.DIMENSIONS:
                _assert_same(
                    kpi.order_stats(s, since, until, NOW, by=by),
                    kpi._scan_stats(s, since, until, NOW, by=by),
                    (what, by),
                )
        for kind, day in (("month", date(2026, 2, 10)), ("week", date(2026, 3, 18)), ("year", date(2026, 3, 1))):
            period = kpi.period_of(kind, day)
            direct = dict(
                s.execute(
                    select(W.channel, func.count()).where(*kpi.cohort(period.since, period.until)).group_by(W.channel)
                ).all()
            )
            assert {r["channel"]: r["n"] for r in kpi.channel_mix(s, period)} == direct, kind
            by_cat = [(r["key"], r["received"]) for r in kpi.received_by(s, period.since, period.until, "category")]
            assert by_cat == [
                (r["key"], r["received"]) for r in kpi._scan_stats(s, period.since, period.until, NOW, by="category")
            ], kind
        for kind, day, grain in TRENDS:
            period = kpi.period_of(kind, day)
            points = kpi.buckets(period, grain)
            for until in (period.until, NOW):
                end = max(period.since, min(period.until, until))
                _assert_same(
                    kpi.order_stats(s, period.since, end, NOW, points=points),
                    kpi._scan_stats(s, period.since, end, NOW, points=points),
                    (kind, grain, until),
                )


def test_a_bulk_load_with_the_triggers_suspended_rebuilds_the_tables(engine):
    with write_session(engine) as s:
        ref = _ref(s)
    rng = random.Random(5)
    with engine.connect() as conn:
        with stats.suspended(conn):
            for i in range(30):
                f = _fields(rng, ref)
                conn.execute(
                    WorkOrder.__table__.insert().values(
                        number=f"RX-B-{i:03d}", township_id=ref["township"], title="批量", description="导入", **f
                    )
                )
            conn.commit()
        assert (
            conn.execute(text("SELECT SUM(received) FROM order_stats_day")).scalar()
            == conn.execute(
                text("SELECT COUNT(*) FROM work_order WHERE status <> 'cancelled' AND duplicate_of_id IS NULL")
            ).scalar()
        )
    with write_session(engine) as s:  # and the triggers are back
        s.execute(update(W).where(W.number == "RX-B-000").values(status="cancelled"))
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT SUM(received) FROM order_stats_day")).scalar()
            == conn.execute(
                text("SELECT COUNT(*) FROM work_order WHERE status <> 'cancelled' AND duplicate_of_id IS NULL")
            ).scalar()
        )


def test_concurrent_multi_order_writers_do_not_deadlock_on_postgresql(pg_engine):
    """Transactions that each update two orders of different days in random order, with
    callbacks on other days, from four threads at once: without the advisory lock the counter
    rows are locked in varying order and PostgreSQL aborts some as deadlocked. Every transaction
    must commit, and the tables must still equal a rebuild."""
    import threading

    engine = pg_engine
    with write_session(engine) as s:
        ref = _ref(s)
    rng = random.Random(11)
    with write_session(engine) as s:
        ids = []
        for i in range(40):
            o = WorkOrder(
                number=f"RX-C-{i:03d}",
                township_id=ref["township"],
                title="并发",
                description="测试",
                **_fields(rng, ref),
            )
            s.add(o)
            s.flush()
            ids.append(o.id)
    errors: list[BaseException] = []
    committed: list[int] = []  # list.append is atomic across threads

    def writer(seed: int) -> None:
        r = random.Random(seed)
        try:
            for _ in range(25):
                with write_session(engine) as s:
                    for oid in r.sample(ids, 2):
                        s.execute(
                            update(W)
                            .where(W.id == oid)
                            .values(
                                status=r.choice(STATUSES),
                                village_id=r.choice(ref["village"]),
                                callback_at=_when(r),
                                satisfaction=r.choice(["satisfied", "unsatisfied"]),
                            )
                        )
                committed.append(1)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:1]
    assert len(committed) == 100
    _assert_tables_match_a_rebuild(engine)


def test_cli_rebuild_stats_repairs_the_tables_and_is_audited(sqlite_engine, monkeypatch, capsys):
    from db import cli
    from db.models import AuditLog

    monkeypatch.setenv("GOV_DB_PATH", sqlite_engine.url.database)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("GOV_MODE", "production")
    monkeypatch.setenv("GOV_COOKIE_KEY", "k" * 40)
    _write_random_history(sqlite_engine, 3)
    with write_session(sqlite_engine) as s:  # damage: a repair in SQL that bypassed the counters
        s.execute(text("UPDATE order_stats_day SET received = received + 5"))
        s.execute(text("DELETE FROM order_stats_month WHERE dim = 'village'"))
    assert cli.main(["rebuild-stats"]) == 0
    assert "已重算工单统计汇总表" in capsys.readouterr().out
    _assert_tables_match_a_rebuild(sqlite_engine)
    with read_session(sqlite_engine) as s:
        assert s.scalars(select(AuditLog.action).order_by(AuditLog.id.desc())).first() == "system.rebuild_stats"
        with_village = s.scalar(text("SELECT COUNT(*) FROM order_stats_month WHERE dim = 'village'"))
    assert with_village > 0


class _Recorder:
    """Stands in for a connection: keeps the statements instead of running them (as
    scripts/freeze_stats.py does)."""

    def __init__(self, dialect: str):
        self.sql: list[str] = []
        self.dialect = type("Dialect", (), {"name": dialect})()

    def exec_driver_sql(self, statement: str) -> None:
        self.sql.append(statement)


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_the_generated_sql_is_what_migration_0014_froze(dialect):
    """The triggers, their drop and the rebuild that db/stats.py generates from the definitions
    are the statements migration 0014 installed (db/migrations/frozen/stats_0014.py), byte for
    byte: a change to a definition needs a new migration and a new frozen copy."""
    from db.migrations.frozen import stats_0014 as frozen

    name = dialect.upper()
    assert frozen.COUNTERS == COUNTERS
    assert stats.trigger_ddl(dialect) == getattr(frozen, f"TRIGGERS_{name}")
    for what, fn in (("DROP", stats.drop_triggers), ("REBUILD", stats.rebuild)):
        rec = _Recorder(dialect)
        fn(rec)
        assert rec.sql == getattr(frozen, f"{what}_{name}"), what


def test_one_definition_per_counter_and_one_first_contact_clock():
    assert tuple(kpi_defs.COUNTER_DEFS) == COUNTERS  # every column of the tables, in their order
    assert set(kpi_defs.COHORTS) == {d.cohort for d in kpi_defs.COUNTER_DEFS.values()}
    assert kpi_defs.METRICS.keys() == kpi.ORDER_METRICS.keys()
    for key, (n, hit) in kpi_defs.METRICS.items():
        assert kpi_defs.COUNTER_DEFS[n].cohort == kpi_defs.COUNTER_DEFS[hit].cohort == kpi.ORDER_METRICS[key].cohort
    # the 24 hours of the first contact: the deadline's default, the KPI's bound in the scan and the triggers
    assert contact_deadline(START) == START + timedelta(hours=CONTACT_HOURS)
    assert kpi.ORDER_METRICS["contact"].label == f"{CONTACT_HOURS}小时首次联系率"
    for dialect in ("sqlite", "postgresql"):
        row = kpi_defs.Row("NEW", dialect)
        contact = kpi_defs.COUNTER_DEFS["contact_hit"].when
        assert contact is not None
        assert f"{row.hours(row.received_at, row.contacted_at)} <= {CONTACT_HOURS}" in contact(row)
        assert contact(row) in "\n".join(stats.trigger_ddl(dialect))
