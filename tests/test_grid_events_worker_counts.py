"""The KPI contract ``db.queries.grid_events.worker_counts`` on a hand-made dataset, on SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from db.engine import read_session, write_session
from db.models import Grid, GridEvent, GridStaff, Township, Village, WorkLog
from db.queries.grid_events import log_day_bounds, worker_counts
from db.rules.sla import local_midnight, local_to_utc

DAY1 = date(2025, 3, 3)  # Monday
SINCE = local_midnight(DAY1)
UNTIL = local_midnight(DAY1 + timedelta(days=7))  # one local week


def _world(engine):
    with write_session(engine) as s:
        town = Township(code="T1", name="青龙镇", county="示范县")
        s.add(town)
        s.flush()
        # codes sort V1 < V2 though the names would sort the other way
        v1 = Village(township_id=town.id, code="V1", name="西山村")
        v2 = Village(township_id=town.id, code="V2", name="东湖村")
        s.add_all([v1, v2])
        s.flush()
        g1 = Grid(village_id=v1.id, code="G1", name="西山一网格")
        g2 = Grid(village_id=v1.id, code="G2", name="西山二网格")
        g3 = Grid(village_id=v2.id, code="G3", name="东湖一网格")
        s.add_all([g1, g2, g3])
        s.flush()
        a = GridStaff(grid_id=g1.id, name="Wang", staff_role="worker")
        b = GridStaff(grid_id=g1.id, name="Chen", staff_role="chief")
        c = GridStaff(grid_id=g2.id, name="Li", staff_role="worker")
        d = GridStaff(grid_id=g3.id, name="Zhao", staff_role="worker")
        gone = GridStaff(grid_id=g3.id, name="Gone", staff_role="worker", active=False)
        s.add_all([a, b, c, d, gone])
        s.flush()

        seq = iter(range(1, 100))

        def event(staff, at, grid=g1):
            s.add(
                GridEvent(
                    number=f"SJ-T-{next(seq):03d}",
                    grid_id=grid.id,
                    reporter_staff_id=staff.id if staff else None,
                    event_type="safety",
                    description="x",
                    reported_at=at,
                )
            )

        # a: 3 inside (first instant included), 1 at UNTIL (excluded), 1 just before SINCE
        event(a, SINCE)
        event(a, SINCE + timedelta(days=2))
        event(a, UNTIL - timedelta(seconds=1))
        event(a, UNTIL)
        event(a, SINCE - timedelta(seconds=1))
        # c: one inside; d: none; gone: one inside but inactive; no reporter: not counted
        event(c, SINCE + timedelta(hours=5), g2)
        event(gone, SINCE + timedelta(hours=5), g3)
        event(None, SINCE + timedelta(hours=6), g3)

        def log(staff, day, hh):
            s.add(WorkLog(staff_id=staff.id, log_date=day, content="巡查", households_visited=hh))

        # a: logs on the first and last local day count, the days around do not
        log(a, DAY1, 4)
        log(a, DAY1 + timedelta(days=6), 6)
        log(a, DAY1 - timedelta(days=1), 100)
        log(a, DAY1 + timedelta(days=7), 100)
        log(b, DAY1 + timedelta(days=3), 0)
        log(d, DAY1 + timedelta(days=1), 9)
        log(d, DAY1 + timedelta(days=2), 1)
        s.flush()
        return {
            "a": a.id,
            "b": b.id,
            "c": c.id,
            "d": d.id,
            "v1": v1.id,
            "v2": v2.id,
            "g1": g1.id,
            "g2": g2.id,
            "g3": g3.id,
        }


def test_worker_counts_by_staff(engine):
    ids = _world(engine)
    with read_session(engine) as s:
        rows = worker_counts(s, SINCE, UNTIL)
    got = [(r["name"], r["events_reported"], r["logs"], r["households_visited"]) for r in rows]
    # sorted by village code, grid code, name; inactive staff left out; zeros for the idle
    assert got == [("Chen", 0, 1, 0), ("Wang", 3, 2, 10), ("Li", 1, 0, 0), ("Zhao", 0, 2, 10)]
    wang = rows[1]
    assert set(wang) == {
        "staff_id",
        "name",
        "staff_role",
        "grid_id",
        "grid_name",
        "village_id",
        "village_name",
        "events_reported",
        "logs",
        "households_visited",
    }
    assert (
        wang["staff_id"],
        wang["staff_role"],
        wang["grid_id"],
        wang["grid_name"],
        wang["village_id"],
        wang["village_name"],
    ) == (ids["a"], "worker", ids["g1"], "西山一网格", ids["v1"], "西山村")
    assert all(isinstance(r[k], int) for r in rows for k in ("events_reported", "logs", "households_visited"))


def test_worker_counts_village_filter_and_periods(engine):
    ids = _world(engine)
    with read_session(engine) as s:
        v2 = worker_counts(s, SINCE, UNTIL, village_id=ids["v2"])
        assert [(r["name"], r["logs"], r["households_visited"]) for r in v2] == [("Zhao", 2, 10)]
        # the first local day only: Wang's first event and first log
        day = {r["name"]: r for r in worker_counts(s, SINCE, SINCE + timedelta(days=1))}
        assert (day["Wang"]["events_reported"], day["Wang"]["logs"], day["Wang"]["households_visited"]) == (1, 1, 4)
        assert day["Li"]["events_reported"] == 1 and day["Zhao"]["logs"] == 0
        # an empty period counts nothing but still lists everyone
        empty = worker_counts(s, SINCE, SINCE)
        assert len(empty) == 4 and all(r["events_reported"] == r["logs"] == 0 for r in empty)


def test_log_day_bounds_local_days():
    assert log_day_bounds(SINCE, UNTIL) == (DAY1, DAY1 + timedelta(days=6))
    # a period ending mid-afternoon (local) includes that day
    now = local_to_utc(datetime(2025, 3, 5, 15, 0))
    assert log_day_bounds(SINCE, now) == (DAY1, date(2025, 3, 5))


def test_kpi_events_per_worker_is_worker_counts_total(engine):
    """The KPI card's 人均网格事件 (``kpi.module_stats``, counted in SQL) agrees with the
    per-staff counts, and its 环比 compares the week before cut at the same point."""
    from db.queries import kpi

    _world(engine)
    with read_session(engine) as s:
        row = kpi.module_stats(s, SINCE, UNTIL)
        rows = worker_counts(s, SINCE, UNTIL)
        # Wang 3 + Li 1 (Gone is inactive, the event with no reporter counts for nobody) over
        # the 4 active staff
        assert (
            (row["events"], row["events_per_worker_n"])
            == (4, 4)
            == (sum(r["events_reported"] for r in rows), len(rows))
        )
        assert row["events_per_worker"] == 1.0
        # no disputes: the dispute rates have no value, and n = 0
        assert (row["dispute_resolution"], row["dispute_resolution_n"], row["village_share"]) == (None, 0, None)
        # Wednesday 5 March 2025 12:00, in the week of DAY1: two and a half days so far, against
        # the week before cut after as long (24 Feb 00:00 .. 26 Feb 12:00): nothing there, since
        # Wang's event one second before SINCE falls on Sunday 2 March
        now = local_to_utc(datetime(2025, 3, 5, 12, 0))
        out = kpi.module_summary(s, kpi.period_of("week", DAY1), now)
        # Wang at SINCE and on Wednesday 00:00, Li five hours in; not Wang's on Sunday night
        assert out["current"]["events"] == 3
        assert out["previous"]["events"] == 0 and out["previous"]["events_per_worker"] == 0.0
        # the week over: whole against whole, and Sunday's event is the week before's
        out = kpi.module_summary(s, kpi.period_of("week", DAY1), UNTIL + timedelta(days=1))
        assert (out["current"]["events"], out["previous"]["events"]) == (4, 1)
        assert out["previous"]["events_per_worker"] == 0.25
