"""KPI definitions against a small hand-made dataset whose answers are worked out by hand in
the comments, on SQLite and PostgreSQL (the ``engine`` fixture).

The week under test is Monday 2 March 2026 .. Sunday 8 March 2026 (Beijing time). ``L(...)``
turns a Beijing wall-clock time into the naive UTC the database stores. The dataset and its
comments are in tests/factories/kpi.py.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from db.engine import read_session, write_session
from db.models import Category, Department, Grid, Village, WorkOrder
from db.queries import kpi
from tests.factories.kpi import NOW, WEEK, L, build


@pytest.fixture
def world(engine):
    return engine, build(engine)


def test_periods_are_local_calendar_units():
    assert (WEEK.start, WEEK.end) == (date(2026, 3, 2), date(2026, 3, 8))
    assert WEEK.since == datetime(2026, 3, 1, 16, 0)  # Monday 00:00 Beijing in UTC
    assert (WEEK.previous().start, WEEK.previous().end) == (date(2026, 2, 23), date(2026, 3, 1))
    m = kpi.period_of("month", date(2026, 3, 15))
    assert (m.start, m.end, m.previous().start, m.previous().end) == (
        date(2026, 3, 1),
        date(2026, 3, 31),
        date(2026, 2, 1),
        date(2026, 2, 28),
    )
    q = kpi.period_of("quarter", date(2026, 5, 20))
    assert (q.start, q.end, q.previous().start) == (date(2026, 4, 1), date(2026, 6, 30), date(2026, 1, 1))
    y = kpi.period_of("year", date(2026, 5, 20))
    assert (y.previous().start, y.previous().end) == (date(2025, 1, 1), date(2025, 12, 31))
    c = kpi.period_of("custom", date(2026, 5, 1), start=date(2026, 5, 10), end=date(2026, 5, 19))
    assert (c.previous().start, c.previous().end) == (date(2026, 4, 30), date(2026, 5, 9))
    assert kpi.period_of("custom", date(2024, 3, 1), date(2024, 2, 29), date(2024, 2, 29)).year_before().start == date(
        2023, 2, 28
    )
    with pytest.raises(ValueError):
        kpi.period_of("custom", date(2026, 5, 1), start=date(2026, 5, 10), end=date(2026, 5, 1))
    months = kpi.buckets(kpi.period_of("quarter", date(2026, 2, 1)), "month")
    assert [(b.start, b.end) for b in months] == [
        (date(2026, 1, 1), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 3, 31)),
    ]
    weeks = kpi.buckets(kpi.period_of("month", date(2026, 3, 1)), "week")
    assert (weeks[0].start, weeks[0].end) == (date(2026, 3, 1), date(2026, 3, 1))  # March 1st is a Sunday
    assert (weeks[-1].start, weeks[-1].end) == (date(2026, 3, 30), date(2026, 3, 31))


def test_every_order_kpi_against_hand_computed_values(world):
    engine, ids = world
    with read_session(engine) as s:
        row = kpi.order_stats(s, WEEK.since, WEEK.until, NOW)[0]
    # cohort: o1..o5 (o6 cancelled, o7 duplicate, o8 last week, o9 last year are out)
    assert row["received"] == 5
    # closure: o1 archived, o2 resolved, o3 archived -> 3 / 5
    assert (row["closure_hit"], row["closure_n"]) == (3, 5)
    assert row["closure"] == pytest.approx(0.6)
    # on time: resolved with a deadline = o1, o2; o1 before Friday 24:00 -> 1 / 2 (o3 has no deadline)
    assert (row["on_time_hit"], row["on_time_n"]) == (1, 2)
    # contact within 24 h: o1 (2 h), o3 (0 h, instant), o4 (1 h) -> 3 / 5; o2 took 30 h, o5 none
    assert (row["contact_hit"], row["contact_n"]) == (3, 5)
    # satisfaction by callback date: o1 satisfied, o3 unsatisfied, o8 basic (received last week) -> 2 / 3
    assert (row["satisfaction_hit"], row["satisfaction_n"]) == (2, 3)
    assert row["satisfaction"] == pytest.approx(2 / 3)
    # handling time: o1 72 h, o2 166 h (Mon 12:00 -> next Mon 10:00), o3 0 h -> 238 h / 3 / 24 days
    assert row["handling_days_n"] == 3
    assert row["handling_days"] == pytest.approx(238 / 3 / 24)
    # overdue among those with a deadline (o1, o2, o4): o2 resolved late, o4 open past its deadline
    assert (row["overdue_hit"], row["overdue_n"]) == (2, 3)
    assert row["overdue"] == 2
    # supervised: o2 -> 1 of 5
    assert (row["supervised_hit"], row["supervised_n"]) == (1, 5)
    # re-dispatch among dispatched (o1, o2, o4): o2 was bounced -> 1 / 3
    assert (row["redispatch_hit"], row["redispatch_n"]) == (1, 3)
    # petitions: o4, o5 (o6 cancelled and o7 duplicate do not count)
    assert row["petitions"] == 2


def test_previous_period_and_year_before(world):
    engine, _ = world
    with read_session(engine) as s:
        out = kpi.summary(s, WEEK, NOW)
    # previous week (23 Feb .. 1 Mar): only o8, a petition, closed
    assert out["previous"]["received"] == 1 and out["previous"]["petitions"] == 1
    assert out["previous"]["closure"] == pytest.approx(1.0)
    # the same week a year before (2 .. 8 March 2025): o9
    assert out["year_before"]["petitions"] == 1
    assert out["current"]["petitions"] == 2


def test_comparison_by_village(world):
    engine, ids = world
    with read_session(engine) as s:
        rows = {r["label"]: r for r in kpi.compare(s, WEEK, NOW, "village")}
    # 东湖村: o1, o2, o5 -> closure 2/3; satisfaction o1 satisfied + o8 basic -> 2/2
    assert rows["东湖村"]["received"] == 3 and rows["东湖村"]["closure_hit"] == 2
    assert (rows["东湖村"]["satisfaction_hit"], rows["东湖村"]["satisfaction_n"]) == (2, 2)
    # 西山社区: o3, o4 -> closure 1/2; satisfaction o3 unsatisfied -> 0/1
    assert rows["西山社区"]["received"] == 2 and rows["西山社区"]["closure"] == pytest.approx(0.5)
    assert (rows["西山社区"]["satisfaction_hit"], rows["西山社区"]["satisfaction_n"]) == (0, 1)
    assert rows["东湖村"]["key"] == ids["va"]


def test_trend_by_local_day(world):
    engine, _ = world
    with read_session(engine) as s:
        rows = kpi.trend(s, WEEK, NOW, "day")
        weekly = kpi.trend(s, WEEK, NOW, "week")
    # Mon: o1, o2; Tue: o3; Wed: o4; Thu: o5; Fri-Sun none (o8 on Sunday 1 March 23:30 is last week)
    assert [r["received"] for r in rows] == [2, 1, 1, 1, 0, 0, 0]
    # callbacks: Tue o8 (basic), Wed o3 (unsatisfied), Fri o1 (satisfied)
    assert [r["satisfaction_n"] for r in rows] == [0, 1, 1, 0, 1, 0, 0]
    assert rows[0]["closure"] == pytest.approx(1.0) and rows[5]["closure"] is None
    assert [r["received"] for r in weekly] == [5]


def test_drill_down_lists_exactly_the_counted_records(world):
    engine, ids = world
    with read_session(engine) as s:
        total, rows = kpi.drill_page(s, "closure", WEEK.since, WEEK.until, NOW, part="miss")
        # not closed: o4 (in progress), o5 (received)
        assert total == 2 and {r["status"] for r in rows} == {"in_progress", "received"}
        total, rows = kpi.drill_page(s, "closure", WEEK.since, WEEK.until, NOW, by="village", key=ids["va"], part="hit")
        assert total == 2 and {r["status"] for r in rows} == {"archived", "resolved"}
        total, _ = kpi.drill_page(s, "overdue", WEEK.since, WEEK.until, NOW, part="hit")
        assert total == 2
        total, _ = kpi.drill_page(s, "satisfaction", WEEK.since, WEEK.until, NOW, part="n")
        assert total == 3
        day = kpi.buckets(WEEK, "day")[0]
        total, _ = kpi.drill_page(s, "contact", WEEK.since, WEEK.until, NOW, bucket=day, part="miss")
        assert total == 1  # Monday: o2 contacted after 30 h
        assert "caller_name" not in rows[0] and "caller_phone" not in rows[0]


def test_empty_period_has_no_values(engine):
    with read_session(engine) as s:
        row = kpi.order_stats(s, WEEK.since, WEEK.until, NOW)[0]
    assert row["received"] == 0 and row["closure"] is None and row["satisfaction"] is None
    assert row["handling_days"] is None and row["overdue"] == 0


def _add_order(engine, received, **kw) -> int:
    """One more order in the hand-made township (village V1, the only category and department)."""
    with write_session(engine) as s:
        va = s.query(Village).filter_by(code="V1").one()
        ga = s.query(Grid).filter_by(code="G1").one()
        c = s.query(Category).one()
        d = s.query(Department).one()
        count = s.query(WorkOrder).count()
        o = WorkOrder(
            number=f"RX-X-{count + 1:04d}",
            township_id=va.township_id,
            channel=kw.pop("channel", "hotline"),
            village_id=va.id,
            grid_id=ga.id,
            category_id=c.id,
            title=kw.pop("title", "测试事项"),
            description="测试",
            received_at=received,
            status=kw.pop("status", "received"),
            platform_id=d.platform_id,
            department_id=d.id,
            **kw,
        )
        s.add(o)
        s.flush()
        return o.id


def test_drill_hit_and_miss_partition_every_cohort(world):
    """For every metric the drill-down's "达标" and "未达标" lists together are exactly its n:
    no order falls out of both through SQL NULL logic (an open order not yet due has
    resolved_at NULL, so ``resolved_at > due_at`` is NULL)."""
    engine, _ = world
    # o10: dispatched Friday, due Friday 20 March, still in progress at NOW -> in the overdue
    # cohort (it has a deadline), not overdue
    _add_order(
        engine,
        L(2026, 3, 6, 9),
        contacted_at=L(2026, 3, 6, 10),
        dispatched_at=L(2026, 3, 6, 11),
        due_at=L(2026, 3, 21, 0, 0),
        status="in_progress",
    )
    with read_session(engine) as s:
        row = kpi.order_stats(s, WEEK.since, WEEK.until, NOW)[0]
        assert (row["overdue_hit"], row["overdue_n"]) == (2, 4)  # o2, o4 of o1, o2, o4, o10
        for key in kpi.ORDER_METRICS:
            n, _ = kpi.drill_page(s, key, WEEK.since, WEEK.until, NOW, part="n")
            hit, _ = kpi.drill_page(s, key, WEEK.since, WEEK.until, NOW, part="hit")
            miss, _ = kpi.drill_page(s, key, WEEK.since, WEEK.until, NOW, part="miss")
            assert n == row[f"{key}_n"], key
            assert hit + miss == n, (key, n, hit, miss)
            if key != "handling_days":  # an average: every sample "counts"
                assert hit == row[f"{key}_hit"], key
        miss, rows = kpi.drill_page(s, "overdue", WEEK.since, WEEK.until, NOW, part="miss")
        assert miss == 2 and {r["status"] for r in rows} == {"archived", "in_progress"}  # o1, o10


def test_comparisons_are_cut_at_the_same_point_of_the_period(world):
    """环比/同比 against the same part of the earlier period, never a partial period against a
    whole one. NOW is Tuesday 10 March 2026 12:00 (Beijing)."""
    engine, _ = world
    # 2025: o9 on 4 March (before the cut) and one on 1 June 2025 (after the cut: not compared)
    _add_order(engine, L(2025, 6, 1, 9), channel="petition")
    # this week (Mon 9 .. Sun 15 March), 1.5 days elapsed: one order on Monday 9 March
    _add_order(engine, L(2026, 3, 9, 9))
    with read_session(engine) as s:
        week = kpi.summary(s, kpi.period_of("week", date(2026, 3, 10)), NOW)
        year = kpi.summary(s, kpi.period_of("year", date(2026, 3, 10)), NOW)
        done = kpi.summary(s, WEEK, NOW)
    assert week["current"]["received"] == 1
    # the week before cut after 1.5 days (Tuesday 3 March 12:00): o1, o2 (Monday), o3 (Tuesday 09:00);
    # not o4 (Wednesday) or o5 (Thursday)
    assert week["previous"]["received"] == 3
    assert week["windows"]["previous"] == (L(2026, 3, 2, 0, 0), L(2026, 3, 3, 12, 0))
    # the same week a year before cut at the same moment (Tuesday 11 March 2025 12:00): nothing
    assert week["year_before"]["received"] == 0
    # this year so far: the petitions o8, o4, o5 against 2025 up to 10 March 12:00 -> o9 only, not 1 June
    assert year["current"]["petitions"] == 3 and year["year_before"]["petitions"] == 1
    assert year["windows"]["year_before"] == (L(2025, 1, 1, 0, 0), L(2025, 3, 10, 12, 0))
    assert year["previous"]["petitions"] == 1
    # a finished period is compared whole with the whole period before
    assert done["previous"]["received"] == 1 and done["windows"]["previous"] == (L(2026, 2, 23), L(2026, 3, 2))


def test_comparison_cut_is_clipped_to_a_shorter_previous_period():
    # 31 March 18:00: the month so far is 30.75 days; February has 28, so all of February
    now = L(2026, 3, 31, 18, 0)
    w = kpi.comparison_windows(kpi.period_of("month", date(2026, 3, 31)), now)
    assert w["current"] == (L(2026, 3, 1), now)
    assert w["previous"] == (L(2026, 2, 1), L(2026, 3, 1))
    # a leap day: the year before is cut on 28 February
    now = L(2024, 2, 29, 10, 0)
    w = kpi.comparison_windows(kpi.period_of("month", date(2024, 2, 29)), now)
    assert w["year_before"] == (L(2023, 2, 1), L(2023, 2, 28, 10, 0))
    # a finished month is compared with the whole month before, whatever their lengths
    w = kpi.comparison_windows(kpi.period_of("month", date(2026, 4, 10)), L(2026, 5, 3, 9, 0))
    assert w["previous"] == (L(2026, 3, 1), L(2026, 4, 1)) and w["year_before"] == (L(2025, 4, 1), L(2025, 5, 1))
    assert kpi.window_label(*w["previous"]) == "2026-03-01 至 2026-03-31"
    assert kpi.window_label(L(2026, 3, 2), L(2026, 3, 3, 12, 0)) == "2026-03-02 至 2026-03-03 12:00"


def test_dispute_resolution_definition_matches_what_is_counted(world):
    """纠纷化解率 counts agreed OR closed disputes (mediation.resolution_stats); the card's text
    says so, not "调解成功销号"."""
    from db.models import MediationCase

    engine, ids = world
    with write_session(engine) as s:
        va = s.get(Village, ids["va"])
        for i, (status, kind) in enumerate(
            (
                ("agreed", "dispute"),
                ("closed", "dispute"),
                ("failed", "dispute"),
                ("mediating", "dispute"),
                ("closed", "hazard"),
            ),
            start=1,
        ):
            s.add(
                MediationCase(
                    number=f"TJ-2026-{i:06d}",
                    township_id=va.township_id,
                    village_id=va.id,
                    kind=kind,
                    dispute_type="homestead",
                    title="纠纷",
                    summary="纠纷",
                    source="walk_in",
                    risk_colour="green",
                    status=status,
                    reported_at=L(2026, 3, 3, 10),
                )
            )
    with read_session(engine) as s:
        total = kpi.dispute_stats(s, WEEK)[0]
    assert (total["resolved"], total["n"]) == (2, 4)  # agreed + closed of four disputes (the hazard is out)
    text = kpi.OTHER_METRICS["dispute_resolution"].definition
    assert text.startswith("登记时间在所选时段内的矛盾纠纷中，已达成调解协议或已销号的比例")
    assert "调解成功销号" not in text


def test_dispute_cards_compare_with_the_previous_period(world):
    """纠纷化解率 and 化解在村比例 on the KPI cards, this week against the week before, both
    worked out by hand."""
    from db.models import MediationCase

    engine, ids = world
    seq = iter(range(1, 100))
    with write_session(engine) as s:
        va = s.get(Village, ids["va"])

        def case(status, reported, **kw):
            s.add(
                MediationCase(
                    number=f"TJ-2026-{next(seq):06d}",
                    township_id=va.township_id,
                    village_id=va.id,
                    kind=kw.pop("kind", "dispute"),
                    dispute_type="neighbour",
                    title="纠纷",
                    summary="纠纷",
                    source="walk_in",
                    risk_colour="blue",
                    status=status,
                    reported_at=reported,
                    **kw,
                )
            )

        # this week: agreed in the village, closed after escalation to the township, still mediating
        case("agreed", L(2026, 3, 3, 10))
        case("closed", L(2026, 3, 4, 10), level="township", escalated_at=L(2026, 3, 5, 9))
        case("mediating", L(2026, 3, 6, 10))
        case("closed", L(2026, 3, 4, 11), kind="hazard")  # a hazard: not a dispute
        # the week before: two disputes, both resolved in the village
        case("closed", L(2026, 2, 24, 10))
        case("agreed", L(2026, 3, 1, 23, 0))  # Sunday night, Beijing: still the week before
        case("agreed", L(2026, 2, 22, 10))  # the week before that: in neither
    with read_session(engine) as s:
        out = kpi.module_summary(s, WEEK, NOW)
    cur, prev = out["current"], out["previous"]
    # resolved 2 of 3 disputes; of the 2 resolved, 1 stayed in the village
    assert (cur["dispute_resolution_n"], cur["village_share_n"]) == (3, 2)
    assert cur["dispute_resolution"] == pytest.approx(2 / 3) and cur["village_share"] == pytest.approx(0.5)
    assert (prev["dispute_resolution"], prev["dispute_resolution_n"], prev["village_share"]) == (1.0, 2, 1.0)
    # no grid staff in this world: no events per worker
    assert (cur["events_per_worker"], cur["events_per_worker_n"]) == (None, 0)


def test_period_names_and_the_period_in_progress():
    """The KPI page opens on the last complete period; the running one says 进行中 (issue #21)."""

    today = date(2026, 12, 6)
    month = kpi.period_of("month", today)
    assert kpi.period_name(month, today) == "本月（进行中）"
    assert kpi.period_name(month.previous(), today) == "上月"
    assert month.previous().label == "2026-11-01 至 2026-11-30"
    assert kpi.period_name(kpi.period_of("week", today).previous(), today) == "上周"
    assert kpi.period_name(kpi.period_of("year", date(2026, 1, 1)).previous(), date(2026, 1, 1)) == "上年"
    assert kpi.period_name(month.previous().previous(), today) == "2026-10-01 至 2026-10-31"
    now = L(2026, 12, 6, 9, 0)
    assert kpi.in_progress(month, now) and not kpi.in_progress(month.previous(), now)
    # the last minute of November belongs to November, the first of December does not
    assert kpi.in_progress(month.previous(), L(2026, 11, 30, 23, 59))
    assert not kpi.in_progress(month.previous(), L(2026, 12, 1, 0, 0))


def test_trend_marks_the_bucket_in_progress_and_leaves_later_ones_empty(world):
    """Issue #22: the trend drew this year's closure rate falling to about 20% in December, a
    month just begun. The running bucket says so; buckets not begun carry no point."""
    from components import kpi as kpi_ui

    engine, _ = world
    march = kpi.period_of("month", date(2026, 3, 10))
    thursday = L(2026, 3, 5, 12, 0)  # inside the week of the dataset's orders (2..8 March)
    with read_session(engine) as s:
        rows = kpi.trend(s, march, thursday, "week")
    assert [(r["in_progress"], r["future"]) for r in rows] == [
        (False, False),
        (True, False),
        (False, True),
        (False, True),
        (False, True),
        (False, True),
    ]
    fig = kpi_ui.build_trend_figure(rows, kpi.ORDER_METRICS["closure"])
    line, point = fig.data  # the complete weeks joined by the line; the running week a point apart
    assert [x.endswith("（进行中）") for x in line.x] == [r["in_progress"] for r in rows]
    assert [v is None for v in line.y] == [r["in_progress"] or r["future"] or r["closure"] is None for r in rows]
    assert list(point.x) == [line.x[1]] and point.marker.symbol == "circle-open" and list(point.customdata) == [1]
    assert point.y[0] is not None
