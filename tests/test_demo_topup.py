"""The demo township stays alive (issue #22): data made a month ago is topped up to the present at
the township's rhythm through the console's services; nothing open older than an office would
leave it; the same data and moment give the same top-up (one test: a second would generate the
month-old data again); a second start has nothing to do."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from db import scope
from db.demo import generate, topup, topup_cases
from db.engine import make_engine, read_session
from db.migrate import upgrade
from db.models import GridEvent, MediationCase, MediationStep, PlatformCase, WorkOrder
from db.models.grid_work import GridEventStep
from db.models.orders import OPEN_STATUSES
from db.models.platforms import OPEN_CASE_STATUSES, PlatformCaseEvent
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
    import shutil

    first = _made_a_month_ago(tmp_path / "a.db")
    first.dispose()
    # the same data twice (made once: generation is deterministic on its own, test_demo_generator):
    # the same top-up at the same moment
    shutil.copyfile(tmp_path / "a.db", tmp_path / "b.db")
    twin = make_engine(f"sqlite:///{tmp_path / 'b.db'}")
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        assert _count(engine, WorkOrder.received_at > ANCHOR) == 0
        rhythm = _count(engine, WorkOrder.received_at > ANCHOR - timedelta(days=60)) / 60  # calls a day
        admin = first_admin(engine)
        clerk = account(engine, admin, "clerk", "reception", "王接待")  # the township's (its only one)
        mediator = account(engine, admin, "med", "mediator", "陈调解")
        dispatcher = account(engine, admin, "disp", "dispatcher", "赵督办")
        done = topup.run(engine, TEST_NOW)
        twin_admin = first_admin(twin)  # the same accounts, made in the same order
        assert account(twin, twin_admin, "clerk", "reception", "王接待").user_id == clerk.user_id
        account(twin, twin_admin, "med", "mediator", "陈调解")
        account(twin, twin_admin, "disp", "dispatcher", "赵督办")
        assert topup.run(twin, TEST_NOW) == done  # deterministic for the data and the moment
        # the calls are the clerk's: their timelines name who took them
        assert (
            _count(engine, WorkOrder.received_at > ANCHOR, WorkOrder.created_by == clerk.user_id) == done["registered"]
        )
        # about a month of calls at the township's rhythm
        assert 0.5 * 30 * rhythm <= done["registered"] <= 2 * 30 * rhythm, (done, rhythm)
        week = _count(engine, WorkOrder.received_at > TEST_NOW - timedelta(days=7))
        assert week > 0, "this week shows no work"
        assert _count(engine, WorkOrder.received_at > TEST_NOW) == 0  # nothing in the future
        stale = _count(
            engine,
            WorkOrder.status.in_(OPEN_STATUSES),
            WorkOrder.received_at < TEST_NOW - timedelta(days=topup.STALE_DAYS),
        )
        assert stale == 0
        # the grid workers' rounds too: this week's events, and none left open for long but those
        # waiting on the record they were referred to
        assert done["events"] > 0
        assert _count_events(engine, GridEvent.reported_at > TEST_NOW - timedelta(days=7)) > 0
        assert (
            _count_events(
                engine,
                GridEvent.status.not_in(("archived", "referred")),
                GridEvent.reported_at < TEST_NOW - timedelta(days=topup.STALE_DAYS),
            )
            == 0
        )
        # some of the newest calls are still being handled, some of the month's are closed
        recent_open = _count(engine, WorkOrder.status.in_(OPEN_STATUSES), WorkOrder.received_at > ANCHOR)
        assert 0 < recent_open < done["registered"]
        # disputes: new ones this month, none left without a step for long, agreements followed up
        # and closed once due; platform cases: new patrol findings, none waiting for long
        assert done["disputes"] > 0 and done["disputes_moved"] > 0 and done["platform_cases_moved"] > 0, done
        with read_session(engine) as s:
            C, P = MediationCase, PlatformCase
            assert s.scalar(select(func.count()).select_from(C).where(C.reported_at > TEST_NOW - timedelta(days=7))) > 0
            idle = s.scalar(
                select(func.count())
                .select_from(C)
                .where(C.status.in_(("open", "mediating")), C.last_progress_at < TEST_NOW - timedelta(days=8))
            )
            assert idle == 0
            overdue_followup = s.scalar(
                select(func.count())
                .select_from(C)
                .where(C.status == "agreed", C.followup_due_on < (TEST_NOW - timedelta(days=5)).date())
            )
            assert overdue_followup == 0
            waiting = s.scalar(
                select(func.count())
                .select_from(P)
                .where(P.status.in_(OPEN_CASE_STATUSES), P.created_at < TEST_NOW - timedelta(days=10))
            )
            assert waiting == 0
            assert s.scalar(select(func.max(PlatformCaseEvent.at))) <= TEST_NOW
            assert s.scalar(select(func.max(C.last_progress_at))) <= TEST_NOW
            # the events' verification is the dispatcher's
            verified_by = set(
                s.scalars(
                    select(GridEventStep.actor_id).where(GridEventStep.action == "verify", GridEventStep.at > ANCHOR)
                )
            )
            assert verified_by == {dispatcher.user_id}, verified_by
            # the mediator's steps: the township's own account
            assert (
                s.scalar(
                    select(func.count()).select_from(MediationStep).where(MediationStep.recorded_by == mediator.user_id)
                )
                > 0
            )
        # a second start at the same moment has nothing to do
        assert topup.run(engine, TEST_NOW) == topup.NOTHING
        # a patrol finding of nine days ago is closed by now, one of an hour ago still waits
        town = scope.scoped(engine, 1)
        made = topup_cases.platform_cases(
            town,
            random.Random(1),
            TEST_NOW - timedelta(days=10),
            TEST_NOW,
            topup.staff_of(town),
            lambda *_a: [TEST_NOW - timedelta(days=9), TEST_NOW - timedelta(minutes=5)],
        )
        assert made["platform_cases"] == 2
        with read_session(engine) as s:
            newest = s.execute(select(PlatformCase.status).order_by(PlatformCase.id.desc()).limit(2)).scalars().all()
        assert newest == ["pending", "closed"]
    finally:
        engine.dispose()
        twin.dispose()
