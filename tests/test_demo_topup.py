"""The demo township stays alive (issue #22): data made a month ago is topped up to the present at
the township's rhythm through the console's services; nothing open older than an office would
leave it; the same data and moment give the same top-up; a second start has nothing to do."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from db.demo import generate, topup
from db.engine import make_engine, read_session
from db.migrate import upgrade
from db.models import GridEvent, WorkOrder
from db.models.orders import OPEN_STATUSES
from tests.factories.accounts import account, first_admin
from tests.factories.clock import TEST_NOW

ANCHOR = TEST_NOW - timedelta(days=30)  # the data was made a month before "now"


def _made_a_month_ago(path):
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    generate(engine, orders=600, now=ANCHOR)
    return engine


def _count(engine, *where) -> int:
    with read_session(engine) as s:
        return s.scalar(select(func.count()).select_from(WorkOrder).where(*where)) or 0


def _count_events(engine, *where) -> int:
    with read_session(engine) as s:
        return s.scalar(select(func.count()).select_from(GridEvent).where(*where)) or 0


def test_a_month_old_demo_is_topped_up_to_today(tmp_path):
    engine = _made_a_month_ago(tmp_path / "a.db")
    try:
        assert _count(engine, WorkOrder.received_at > ANCHOR) == 0
        rhythm = _count(engine, WorkOrder.received_at > ANCHOR - timedelta(days=60)) / 60  # calls a day
        admin = first_admin(engine)
        clerk = account(engine, admin, "clerk", "reception", "王接待")  # the township's (its only one)
        done = topup.run(engine, TEST_NOW)
        # the calls are the clerk's: their timelines name who took them
        assert _count(engine, WorkOrder.received_at > ANCHOR, WorkOrder.created_by == clerk.user_id) == done["registered"]
        # about a month of calls at the township's rhythm
        assert 0.5 * 30 * rhythm <= done["registered"] <= 2 * 30 * rhythm, (done, rhythm)
        week = _count(engine, WorkOrder.received_at > TEST_NOW - timedelta(days=7))
        assert week > 0, "this week shows no work"
        assert _count(engine, WorkOrder.received_at > TEST_NOW) == 0  # nothing in the future
        stale = _count(engine, WorkOrder.status.in_(OPEN_STATUSES),
                       WorkOrder.received_at < TEST_NOW - timedelta(days=topup.STALE_DAYS))
        assert stale == 0
        # the grid workers' rounds too: this week's events, and none left open for long but those
        # waiting on the record they were referred to
        assert done["events"] > 0
        assert _count_events(engine, GridEvent.reported_at > TEST_NOW - timedelta(days=7)) > 0
        assert _count_events(engine, GridEvent.status.not_in(("archived", "referred")),
                             GridEvent.reported_at < TEST_NOW - timedelta(days=topup.STALE_DAYS)) == 0
        # some of the newest calls are still being handled, some of the month's are closed
        recent_open = _count(engine, WorkOrder.status.in_(OPEN_STATUSES), WorkOrder.received_at > ANCHOR)
        assert 0 < recent_open < done["registered"]
        # a second start at the same moment has nothing to do
        assert topup.run(engine, TEST_NOW) == topup.NOTHING
    finally:
        engine.dispose()


def test_the_same_data_and_moment_give_the_same_top_up(tmp_path):
    results = []
    for name in ("a.db", "b.db"):
        engine = _made_a_month_ago(tmp_path / name)
        try:
            results.append((topup.run(engine, TEST_NOW), _count(engine, WorkOrder.status == "archived")))
        finally:
            engine.dispose()
    assert results[0] == results[1]
