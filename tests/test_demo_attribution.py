"""The demo's records agree with their own timelines (issue #22): the generated steps name the
demo township's accounts by role, and an order's 签收人, 督办领导 and 登记人 are those of its steps."""

from __future__ import annotations

from sqlalchemy import func, select

from db.engine import read_session
from db.models import User, WorkOrder
from db.models.orders import WorkOrderEvent
from tests.factories import pages as pages_f


def test_every_order_of_the_demo_township_agrees_with_its_timeline(demo_db):
    town = demo_db["leader"].township_id
    W, E = WorkOrder, WorkOrderEvent
    with read_session(pages_f.engine()) as s:
        roles = dict(s.execute(select(User.id, User.role)).all())
        steps = s.execute(
            select(E.order_id, E.action, E.actor_id)
            .join(W, W.id == E.order_id)
            .where(W.township_id == town)
            .order_by(E.at, E.id)
        ).all()
        orders = {
            r.id: r
            for r in s.execute(
                select(
                    W.id, W.assignee_id, W.supervisor_user_id, W.created_by, W.supervised, W.handler_village_id
                ).where(W.township_id == town)
            )
        }
        assert s.scalar(select(func.count()).select_from(W).where(W.township_id == town, W.supervised.is_(True))) > 0
    last: dict[tuple[int, str], int | None] = {}
    for oid, action, actor in steps:
        assert actor is not None, (oid, action)  # every step names who took it
        last[(oid, action)] = actor
    expected_role = {
        "receive": "reception",
        "contact": "reception",
        "dispatch": "dispatcher",
        "accept": "platform",
        "resolve": "platform",
        "supervise": "leader",
    }
    for (oid, action), actor in last.items():
        if action in expected_role:
            role = expected_role[action]
            if role == "platform" and orders[oid].handler_village_id is not None:
                role = "grid"  # a 就地办: the village's grid worker
            assert roles[actor] in (role, "admin"), (oid, action, roles[actor])
        if action in ("assist_accept", "assist_report"):
            assert roles[actor] in ("platform", "admin"), (oid, action, roles[actor])
    for oid, o in orders.items():
        if (oid, "accept") in last:
            assert o.assignee_id == last[(oid, "accept")], oid
        if o.supervised:
            assert o.supervisor_user_id == last.get((oid, "supervise")) and o.supervisor_user_id, oid
        assert o.created_by == last[(oid, "receive")], oid


def test_a_first_start_marks_the_generated_data_current_so_it_changes_none_of_it(demo_db):
    """The generated data is current when made: the first start's top-up has nothing to do (its
    steps would have moved generated disputes past the states the demo shows, e.g. its open red
    ones); a later start tops up from that moment."""
    from datetime import datetime

    from db.models import AppSetting, Township

    with read_session(pages_f.engine()) as s:
        towns = set(s.scalars(select(Township.id)))
        marks = dict(
            s.execute(select(AppSetting.key, AppSetting.value).where(AppSetting.key.like("demo_topped_up_%"))).all()
        )
        newest = s.scalar(select(func.max(WorkOrder.received_at)))
    assert set(marks) == {f"demo_topped_up_{t}" for t in towns}
    assert all(datetime.fromisoformat(v) >= newest for v in marks.values())
