"""The grid events' handling clock (issue #21, item 4): the deadline per event type on the holiday
calendar, the yellow and red light, closure at 核查通过, the leader's 超期网格事件 (count, list, the
events page's filter), the provisional deadline and its recount, the KPIs per grid and per worker
with their n, and migration 0021's backfill of existing events; the demo township's clocks and the
pages that show them.

Fixed moments only (T0 of the grid world and hand-made dates), and the tests' clock (TEST_NOW,
tests/factories/clock.py) for the shared demo township (``demo_db``): nothing depends on today.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import select, text

from db import migrate
from db.engine import make_engine, read_session, write_session
from db.models.grid_work import EVENT_CLOCK_WORKDAYS, EVENT_TYPES, GridEvent, GridEventStep
from db.queries import grid_events as q
from db.queries import home
from db.queries.calendar import calendar_from_package
from db.rules.sla import add_workdays, deadline_text, light, local_to_utc, overdue_text, warn_point
from db.services import grid_events as ge
from db.services import settings
from tests.factories.grid_events import T0, G, build_grid_world, report

# Tuesday 30 September 2025, 10:00 Beijing: National Day and Mid-Autumn follow (1-8 October off,
# Saturday 11 October worked)
BEFORE_HOLIDAY = local_to_utc(datetime(2025, 9, 30, 10, 0))


def _event(g: G, eid: int) -> GridEvent:
    with read_session(g.w.engine) as s:
        return s.get(GridEvent, eid)


def test_every_type_has_a_clock():
    assert set(EVENT_CLOCK_WORKDAYS) == set(EVENT_TYPES)
    assert all(1 <= n <= 10 for n in EVENT_CLOCK_WORKDAYS.values())


# --------------------------------------------------------------------------- the clock, on both backends


def test_clock_over_national_day_overdue_on_the_leaders_list_and_closed_at_the_check(engine):
    g = build_grid_world(engine)
    safety = report(g)  # at T0 (Monday 3 March 2025, 09:00): a control, due Wed 5 March 24:00
    assert deadline_text(_event(g, safety["id"]).due_at) == "2025-03-05 24:00"
    e = ge.report(
        g.w.engine,
        g.grid,
        ge.EventReport(event_type="safety", description="桥头护栏松动，有坠落风险。", address="东湖村桥头"),
        now=BEFORE_HOLIDAY,
    )
    i = ge.report(
        g.w.engine,
        g.grid,
        ge.EventReport(event_type="infrastructure", description="路灯损坏三盏，夜间无照明。", address="东湖村主路"),
        now=BEFORE_HOLIDAY,
    )
    ev, inf = _event(g, e["id"]), _event(g, i["id"])
    # safety, 2 working days: 9 and 10 October; infrastructure, 5: 9, 10, 11 (make-up day), 13, 14
    assert deadline_text(ev.due_at) == "2025-10-10 24:00" and ev.due_workdays == 2
    assert deadline_text(inf.due_at) == "2025-10-14 24:00" and inf.due_workdays == 5
    assert not ev.due_provisional and ev.warn_at == warn_point(BEFORE_HOLIDAY, ev.due_at)
    assert ev.closed_at is None

    # the light: green, yellow from warn_at, red after due_at (the clock of the orders)
    assert light(ev.reported_at, ev.due_at, ev.warn_at - timedelta(minutes=1)) == "green"
    assert light(ev.reported_at, ev.due_at, ev.warn_at + timedelta(minutes=1)) == "yellow"
    late = ev.due_at + timedelta(days=2)
    assert light(ev.reported_at, ev.due_at, late) == "red"
    with read_session(g.w.engine) as s:
        assert q.now_count(s, "due_soon", ev.warn_at + timedelta(minutes=1)) >= 1
        assert q.now_count(s, "overdue", ev.due_at - timedelta(minutes=1)) == 1  # the T0 control only
        # past its deadline, unclosed: on the leader's home card and list, and the page's 已超期 filter
        cards = {a.key: a for a in home.attention(s, g.w.leader, late)}
        card = cards["events_overdue"]
        assert (card.label, card.value, card.page, card.tone) == ("超期网格事件", 2, "grid_events", "danger")
        assert card.query == (("only", "overdue"),) and "处置时限" in card.help
        listed = q.overdue_events(s, late)
        assert [r["number"] for r in listed] == [safety["number"], e["number"]]  # the most overdue first
        assert overdue_text(listed[1]["due_at"], late) == "已超期 2.0 天"
        f = q.EventFilter(overdue=True)
        assert q.event_count(s, f, g.w.leader, now=late) == 2
        rows = q.event_page(s, f, g.w.leader, now=late)
        assert {r["number"] for r in rows} == {safety["number"], e["number"]}
        assert all(r["light"] == "red" for r in rows)

    # handled, then 核查通过: closed (closed_at), off the list; closed late, so red
    t1 = ev.due_at + timedelta(hours=3)
    r = ge.handle_on_spot(g.w.engine, g.grid, e["id"], 1, "已设置警示带并加固护栏。", now=t1)
    r = ge.verify(g.w.engine, g.grid, e["id"], r["version"], "failed", "护栏仍松动。", now=t1 + timedelta(hours=1))
    assert _event(g, e["id"]).closed_at is None  # a failed check closes nothing
    r = ge.mark_handled(g.w.engine, g.grid, e["id"], r["version"], "重新焊接护栏。", now=t1 + timedelta(hours=2))
    ge.verify(g.w.engine, g.grid, e["id"], r["version"], "passed", now=t1 + timedelta(hours=4))
    ev = _event(g, e["id"])
    assert ev.closed_at == ev.verified_at == t1 + timedelta(hours=4)
    with read_session(g.w.engine) as s:
        assert q.now_count(s, "overdue", late) == 1
        assert e["number"] not in [x["number"] for x in q.overdue_events(s, late)]
        assert {a.key: a.value for a in home.attention(s, g.w.leader, late)}["events_overdue"] == 1
        [row] = q.event_page(s, q.EventFilter(stages=(), number=e["number"]), g.w.leader, now=late)
        assert row["light"] == "red" and row["closed_at"] == ev.closed_at  # closed, but late


def test_grid_workers_home_counts_its_own_grid(sqlite_engine):
    g = build_grid_world(sqlite_engine)
    report(g)
    report(g, actor=g.grid2)
    late = T0 + timedelta(days=10)
    with read_session(sqlite_engine) as s:
        cards = {a.key: a.value for a in home.attention(s, g.grid, late)}
        assert (cards["events_open"], cards["events_overdue"]) == (1, 1)
        assert {a.key: a.value for a in home.attention(s, g.w.leader, late)}["events_overdue"] == 2


# --------------------------------------------------------------------------- provisional, recounted


def test_a_clock_into_a_year_not_entered_is_provisional_and_recounted(sqlite_engine):
    g = build_grid_world(sqlite_engine)  # the world's calendar: 2025 and 2026
    at = local_to_utc(datetime(2026, 12, 30, 10, 0))  # Wednesday
    e = ge.report(
        g.w.engine,
        g.grid,
        ge.EventReport(event_type="infrastructure", description="路灯损坏三盏，夜间无照明。", address="东湖村主路"),
        now=at,
    )
    ev = _event(g, e["id"])
    # 31 Dec, then 2027 on the statutory days (1 January off): 4, 5, 6, 7 January
    assert ev.due_provisional and deadline_text(ev.due_at, True) == "2027-01-07 24:00（暂定）"
    out = settings.enter_holiday_year(
        g.w.engine, g.w.admin, 2027, "2027-01-01 至 2027-01-04 元旦", "国办发明电〔2026〕测试号"
    )
    assert out["recounted"] == 1
    ev = _event(g, e["id"])
    assert deadline_text(ev.due_at) == "2027-01-08 24:00" and not ev.due_provisional  # 31, 5, 6, 7, 8
    assert ev.warn_at == warn_point(at, ev.due_at) and ev.version == 2
    with read_session(g.w.engine) as s:
        step = s.scalars(
            select(GridEventStep).where(GridEventStep.event_id == e["id"]).order_by(GridEventStep.id.desc())
        ).first()
    assert step.action == "recount_deadline" and "2027-01-08 24:00" in step.note


# --------------------------------------------------------------------------- KPIs on hand-made data


def test_kpis_per_grid_and_per_worker_with_their_n(engine):  # the median's SQL differs per backend
    g = build_grid_world(engine)
    base = local_to_utc(datetime(2025, 5, 5, 9, 0))  # a Monday in May
    hours = lambda n: base + timedelta(hours=n)  # noqa: E731
    due = hours(72)
    # grid 1, reporter staff (worker 甲): 6 events; closed after 10, 20, 30, 40 (late: 80) hours, one open
    # grid 1, reporter chief (丙): 1 event closed after 5 hours
    # grid 2 (乙): 2 events, one closed on time after 12 hours; one outside the period
    rows = (
        [(g.w.grid, g.staff, h) for h in (10, 20, 30, 40, 80, None)]
        + [(g.w.grid, g.chief, 5)]
        + [(g.w.grid2, g.staff2, 12), (g.w.grid2, g.staff2, None)]
    )
    with write_session(engine) as s:
        for k, (grid, staff, closed) in enumerate(rows, 1):
            s.add(
                GridEvent(
                    number=f"SJ-2025-{k:06d}",
                    grid_id=grid,
                    reporter_staff_id=staff,
                    event_type="safety",
                    description="测试事件描述。",
                    address="测试地点",
                    reported_at=base,
                    due_at=due,
                    warn_at=warn_point(base, due),
                    due_workdays=3,
                    status="verified" if closed is not None else "handling",
                    closed_at=hours(closed) if closed is not None else None,
                )
            )
        s.add(
            GridEvent(
                number="SJ-2025-000099",
                grid_id=g.w.grid2,
                reporter_staff_id=g.staff2,
                event_type="safety",
                description="期外事件。",
                address="测试地点",
                reported_at=base - timedelta(days=40),
                status="reported",
            )
        )
    since, until = local_to_utc(datetime(2025, 5, 1)), local_to_utc(datetime(2025, 6, 1))
    with read_session(engine) as s:
        by_grid = {r["id"]: r for r in q.handling_kpis(s, since, until, "grid")}
        by_worker = {r["id"]: r for r in q.handling_kpis(s, since, until, "worker")}
    g1, g2 = by_grid[g.w.grid], by_grid[g.w.grid2]
    assert (g1["reported"], g1["closed"], g1["on_time_n"], g1["on_time"]) == (7, 6, 6, 5)
    assert g1["closure_rate"] == pytest.approx(6 / 7) and g1["on_time_rate"] == pytest.approx(5 / 6)
    assert g1["median_days"] == pytest.approx(25 / 24)  # 5, 10, 20 | 30, 40, 80: (20 + 30) / 2 hours
    assert (g2["reported"], g2["closed"], g2["closure_rate"], g2["median_days"]) == (2, 1, 0.5, pytest.approx(0.5))
    w1 = by_worker[g.staff]
    assert (w1["reported"], w1["closed"], w1["name"]) == (6, 5, "网格员甲")
    assert w1["median_days"] == pytest.approx(30 / 24)  # 10, 20, 30, 40, 80
    assert by_worker[g.chief]["closed"] == 1 and by_worker[g.chief]["staff_role"] == "chief"

    # ranked only with n >= 5 on the KPI ranked; the others follow, unranked
    ranked = q.rank(list(by_grid.values()), "on_time_rate")
    assert [(r["id"], r["rank"]) for r in ranked] == [(g.w.grid, 1), (g.w.grid2, None)]
    ranked = q.rank(list(by_worker.values()), "median_days")
    assert [(r["id"], r["rank"]) for r in ranked][0] == (g.staff, 1)
    assert all(r["rank"] is None for r in ranked[1:])
    with read_session(engine) as s:  # one village only
        assert [r["id"] for r in q.handling_kpis(s, since, until, "grid", g.w.village2)] == [g.w.grid2]


# --------------------------------------------------------------------------- migration 0021


def _alembic(engine, fn, target: str) -> None:
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        fn(cfg, target)


def _iso(ts: datetime | None) -> str | None:
    return None if ts is None else ts.isoformat(" ")


def test_migration_backfills_the_clock_of_existing_events(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        _alembic(engine, command.upgrade, "0020")
        cal = calendar_from_package()
        with engine.begin() as c:
            c.execute(text("INSERT INTO holiday_year (year, source, entered_at) VALUES (2025, 'pkg', '2025-01-01')"))
            for day, workday in cal.exceptions.items():
                if day.year == 2025:
                    c.execute(
                        text("INSERT INTO calendar_day (day, is_workday) VALUES (:d, :w)"),
                        {"d": day.isoformat(), "w": workday},
                    )
            c.execute(text("INSERT INTO township (id, code, name, county) VALUES (1, 'T1', '青龙镇', '示范县')"))
            c.execute(
                text("INSERT INTO village (id, township_id, code, name, kind) VALUES (1, 1, 'V1', '东湖村', 'village')")
            )
            c.execute(
                text("INSERT INTO grid (id, village_id, code, name, kind) VALUES (1, 1, 'G1', '一网格', 'rural')")
            )
            late_dec = local_to_utc(datetime(2025, 12, 30, 10, 0))  # the clock reaches 2026, not entered here
            for eid, etype, status, at, verified, archived in (
                (1, "safety", "reported", BEFORE_HOLIDAY, None, None),
                (
                    2,
                    "infrastructure",
                    "archived",
                    BEFORE_HOLIDAY,
                    BEFORE_HOLIDAY + timedelta(days=3),
                    BEFORE_HOLIDAY + timedelta(days=20),
                ),
                (3, "dispute", "evaluated", BEFORE_HOLIDAY, None, None),
                (4, "other", "handling", late_dec, None, None),
            ):
                c.execute(
                    text(
                        "INSERT INTO grid_event (id, number, grid_id, event_type, description, status, reported_at, "
                        "verified_at, evaluated_at, archived_at, version, updated_at) "
                        "VALUES (:i, :n, 1, :t, '描述内容', :s, :at, :v, :ev, :a, 1, :at)"
                    ),
                    {
                        "i": eid,
                        "n": f"SJ-2025-{eid:06d}",
                        "t": etype,
                        "s": status,
                        "at": _iso(at),
                        "v": _iso(verified),
                        "ev": _iso(BEFORE_HOLIDAY + timedelta(days=9) if status == "evaluated" else None),
                        "a": _iso(archived),
                    },
                )
        _alembic(engine, command.upgrade, "0021")
        with read_session(engine) as s:
            ev = {e.id: e for e in s.scalars(select(GridEvent))}
        for e in ev.values():  # as the services count them, on the package's calendar
            expected = add_workdays(e.reported_at, EVENT_CLOCK_WORKDAYS[e.event_type], cal)
            if e.id != 4:
                assert e.due_at == expected, e.id
            assert e.warn_at == warn_point(e.reported_at, e.due_at)
            assert e.due_workdays == EVENT_CLOCK_WORKDAYS[e.event_type]
        assert deadline_text(ev[1].due_at) == "2025-10-10 24:00" and not ev[1].due_provisional
        assert deadline_text(ev[2].due_at) == "2025-10-14 24:00"
        # closed_at: the verification, else the evaluation (an old row without it); open: none
        assert (ev[1].closed_at, ev[2].closed_at, ev[3].closed_at, ev[4].closed_at) == (
            None,
            BEFORE_HOLIDAY + timedelta(days=3),
            BEFORE_HOLIDAY + timedelta(days=9),
            None,
        )
        # 31 Dec, then 2026 counted Monday to Friday, provisional until 2026 is entered: 1, 2, 5, 6 Jan
        assert ev[4].due_provisional and deadline_text(ev[4].due_at) == "2026-01-06 24:00"
        _alembic(engine, command.downgrade, "0020")  # and back
        _alembic(engine, command.upgrade, "head")
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- the demo township


def test_the_demo_township_has_clocks_mostly_on_time_and_overdue_events_for_its_leader(demo_db):
    from db.config import load_settings
    from db.engine import get_engine
    from tests.factories.clock import TEST_NOW

    engine = get_engine(load_settings())
    with read_session(engine) as s:
        rows = s.execute(
            select(GridEvent.status, GridEvent.due_at, GridEvent.warn_at, GridEvent.closed_at, GridEvent.verified_at)
        ).all()
        card = {a.key: a for a in home.attention(s, demo_db["leader"], TEST_NOW)}["events_overdue"]
        listed = q.overdue_events(s, TEST_NOW)
    assert all(r.due_at is not None and r.warn_at < r.due_at for r in rows)
    closed = [r for r in rows if r.status in ("verified", "evaluated", "archived")]
    assert all(r.closed_at is not None for r in closed)
    assert all(r.closed_at is None for r in rows if r.status not in ("verified", "evaluated", "archived"))
    late = sum(r.closed_at > r.due_at for r in closed)
    assert 0.02 < late / len(closed) < 0.3  # most on time, some late
    assert card.value >= 3 and len(listed) >= 3  # a few stalled before their check, past their deadline


def test_leader_home_lists_them_and_the_events_page_filters_and_ranks(demo_db):
    from streamlit.testing.v1 import AppTest

    from tests.factories.pages import ROOT, TIMEOUT, run_via_app

    leader = demo_db["leader"]
    at = run_via_app("pages/home.py", leader)
    assert not at.exception, [e.value for e in at.exception]
    text = " ".join(m.value for m in at.markdown)
    assert "超期网格事件（" in text and "已超期" in " ".join(str(t.value) for t in at.table)

    at = AppTest.from_file(str(ROOT / "pages/grid_events.py"), default_timeout=TIMEOUT)
    at.session_state["gov_actor"] = leader
    at.query_params["only"] = "overdue"  # the home card's link
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert next(t for t in at.toggle if t.key == "ge_overdue").value is True
    frame = at.dataframe[0].value
    frame = getattr(frame, "data", frame)  # a Styler
    assert len(frame) >= 3 and set(frame["风险"]) == {"超期"} and all(frame["时限"].str.startswith("已超期"))

    at = AppTest.from_file(str(ROOT / "pages/grid_events.py"), default_timeout=TIMEOUT)
    at.session_state["gov_actor"] = demo_db["demo"]  # the observer: names masked
    at.query_params["view"] = "事件考核"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "只排该指标 n 不少于5件的" in " ".join(c.value for c in at.caption)
    kpis = at.dataframe[0].value
    assert {"排名", "事件办结率", "按期办结率", "处置时长中位数（天）"} <= set(kpis.columns)
    assert kpis["事件办结率"].str.contains(r"（n=\d+）").all()
