"""One number per fact (issue #21): each "now" count of work orders is the same through every
page's own path: the home cards of the dispatcher, the platform officer and the leader, the
supervision list (its count and its rows), the inbox's 超期/督办 filters, and the weekly report's
section 三 and carried-over section. Both backends.

The world is the KPI dataset (tests/factories/kpi.py) plus orders made for the distinctions that
matter: overdue but not supervised, supervised but not overdue, both, due soon, overdue but
already closed, and overdue on another platform.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from db.engine import read_session, write_session
from db.models import Category, Platform, Village, WorkOrder
from db.permissions import Actor
from db.queries import home, order_counts
from db.queries import orders as orders_q
from db.rules.sla import overdue_text, remaining_text
from db.services import weekly_report as wr
from tests.factories.kpi import NOW, WEEK, build

LEADER = Actor(0, "chief", "leader", "周书记")
DISPATCHER = Actor(0, "disp", "dispatcher", "调度员")


@pytest.fixture
def world(engine):
    build(engine)
    with write_session(engine) as s:
        v = s.scalar(select(Village).where(Village.code == "V1"))
        p = s.scalar(select(Platform))
        category = s.scalar(select(Category))
        other = Platform(township_id=p.township_id, code="shichang", name="市场监管平台")
        s.add(other)
        s.flush()
        n = iter(range(1, 100))

        def order(status="in_progress", platform=p, **kw):
            s.add(
                WorkOrder(
                    number=f"RX-C-{next(n):04d}",
                    township_id=v.township_id,
                    channel="hotline",
                    village_id=v.id,
                    category_id=category.id,
                    title="核对事项",
                    description="核对",
                    received_at=NOW - timedelta(days=20),
                    status=status,
                    platform_id=platform.id,
                    dispatched_at=NOW - timedelta(days=19),
                    **kw,
                )
            )

        order(due_at=NOW - timedelta(days=3))  # overdue, not supervised
        order(due_at=NOW - timedelta(hours=5), supervised=True, supervision_level="red")  # both
        order(due_at=NOW + timedelta(days=5), supervised=True, supervision_level="yellow")  # supervised only
        order(due_at=NOW + timedelta(hours=6), warn_at=NOW - timedelta(hours=1))  # due soon
        order(status="resolved", due_at=NOW - timedelta(days=4), resolved_at=NOW - timedelta(days=1))  # closed late
        order(due_at=NOW - timedelta(days=2), platform=other)  # overdue on the other platform
        s.flush()
        platform_id = p.id
    return engine, platform_id


def _card(items, key):
    return next(a.value for a in items if a.key == key)


def test_every_page_shows_the_same_now_counts(world):
    engine, platform_id = world
    with read_session(engine) as s:
        c = order_counts.counts(s, list(order_counts.COUNTS), NOW)
        # worked out by hand: o4 of the KPI set is overdue (due 5 March, in progress) and none of
        # the KPI set is supervised and open (o2 was supervised but is resolved)
        assert (c["overdue"], c["supervised"], c["overdue_or_supervised"], c["due_soon"]) == (4, 2, 5, 1)

        leader = home.attention(s, LEADER, NOW)
        dispatcher = home.attention(s, DISPATCHER, NOW)
        officer = home.attention(s, Actor(0, "p", "platform", "平台", platform_id=platform_id), NOW)
        assert _card(leader, "overdue") == _card(dispatcher, "overdue") == c["overdue"]
        assert _card(leader, "supervised") == c["supervised"]
        assert _card(dispatcher, "due_soon") == c["due_soon"]
        # the officer's card counts its own platform's orders only: one overdue order is elsewhere
        assert _card(officer, "overdue") == c["overdue"] - 1

        # the supervision list: its count, and its rows split into overdue and supervised
        assert orders_q.supervision_count(s, NOW) == c["overdue_or_supervised"]
        rows = orders_q.supervision_list(s, NOW, limit=100)
        assert len(rows) == c["overdue_or_supervised"]
        assert sum(r["overdue"] for r in rows) == c["overdue"]
        assert sum(bool(r["supervised"]) for r in rows) == c["supervised"]

        # the inbox's quick filters (any status: they are "now" counts of open orders themselves)
        for flag in ("overdue", "contact_overdue", "supervised"):
            assert orders_q.inbox_count(s, orders_q.InboxFilter(**{flag: True}), LEADER, NOW) == c[flag], flag

        # the weekly report: section 三 and the carried-over section
        report = wr.assemble(s, WEEK, NOW, "leader")
        od = report["overdue"]
        assert (od["total"], od["overdue"], od["supervised"]) == (
            c["overdue_or_supervised"],
            c["overdue"],
            c["supervised"],
        )
        before = order_counts.count(s, "open", NOW, WorkOrder.received_at < WEEK.since)
        assert report["carried"]["total"] == before
        text = "\n".join(note for _title, note, _head, _rows in wr.sections(report))
        assert f"超期未办结 {c['overdue']} 件" in text and f"督办中 {c['supervised']} 件" in text


def test_overdue_and_deadlines_read_the_same_on_every_page(world):
    """One unit for "how long overdue" (the supervision list said working days, the inbox and the
    weekly report natural days) and one text for a deadline (24:00 of its last day)."""
    engine, _ = world
    with read_session(engine) as s:
        rows = {r["number"]: r for r in orders_q.supervision_list(s, NOW, limit=100)}
        report = wr.assemble(s, WEEK, NOW, "leader")
    from components import orders

    frame = orders.supervision_frame(list(rows.values()), NOW)
    for item in report["overdue"]["items"]:
        row = rows[item["number"]]
        shown = frame.loc[frame["编号"] == item["number"]].iloc[0]
        assert item["overdue_days"] == (overdue_text(row["due_at"], NOW)) == (shown["超期"] if row["overdue"] else "")
        assert item["due"] == shown["截止"]
        if row["overdue"]:
            assert remaining_text(row["due_at"], NOW) == item["overdue_days"]


def test_overdue_text_units():
    assert overdue_text(NOW - timedelta(hours=5), NOW) == "已超期 5 小时"
    assert overdue_text(NOW - timedelta(days=32, hours=14, minutes=24), NOW) == "已超期 32.6 天"
    assert overdue_text(NOW + timedelta(hours=1), NOW) == "" and overdue_text(None, NOW) == ""
    assert remaining_text(NOW + timedelta(hours=30), NOW) == "剩余 1.2 天"
