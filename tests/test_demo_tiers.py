"""The demo data shows the tiers with behaviour (issue #21, item 5), on SQLite and PostgreSQL:

- 就地办: most dispatched 就地办 orders are handled by the village of their grid (no platform, no
  department), dispatched with the service's words, accepted by its grid workers without naming a
  department; some went to the village first and were sent back;
- 吹哨办: every dispatched 吹哨办 order has one or two assisting departments of the township's other
  platforms (never its lead), each part's steps in its order's timeline in time order, all reported
  before the lead resolved; a part of a dispatch sent back is withdrawn at the bounce; nothing after
  the generator's ``now``.

A small township (600 orders) generated once per backend at the tests' clock.
"""

from __future__ import annotations

import shutil
from collections import defaultdict

import pytest
from sqlalchemy import Engine, select

from db.demo import generate
from db.engine import make_engine
from db.models import Department, Grid, OrderAssist, Platform, Village, WorkOrder, WorkOrderEvent
from db.models.orders import ASSIST_STATUSES, OPEN_STATUSES
from tests.factories.backends import BACKENDS
from tests.factories.clock import TEST_NOW

NOW = TEST_NOW.replace(microsecond=0)
ASSIST_ACTIONS = ("assist_accept", "assist_report")


@pytest.fixture(scope="module", params=BACKENDS)
def demo(request, tmp_path_factory):
    """(engine, counts) of a small demo township on the backend."""
    drop = None
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("demo-tiers") / "demo.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        engine = make_engine(f"sqlite:///{path}")
    else:
        cluster = request.getfixturevalue("pg_cluster")
        template = request.getfixturevalue("pg_template")
        name = cluster.new_name("demo_tiers")
        engine = make_engine(cluster.create_database(name, template=template))
        drop = lambda: cluster.drop_database(name)  # noqa: E731
    try:
        counts = generate(engine, orders=600, now=NOW)
        yield engine, counts
    finally:
        engine.dispose()
        if drop is not None:
            drop()


def _all(engine: Engine, stmt) -> list:
    with engine.connect() as conn:
        return conn.execute(stmt).all()


def _orders(engine: Engine) -> dict:
    return {o.id: o for o in _all(engine, select(WorkOrder))}


def _timelines(engine: Engine) -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    for ev in _all(
        engine, select(WorkOrderEvent).order_by(WorkOrderEvent.order_id, WorkOrderEvent.at, WorkOrderEvent.id)
    ):
        out[ev.order_id].append(ev)
    return out


def _parts(engine: Engine) -> list:
    return _all(engine, select(OrderAssist).order_by(OrderAssist.id))


def test_local_orders_are_handled_by_their_village(demo):
    engine, _ = demo
    orders, timelines = _orders(engine), _timelines(engine)
    village_of_grid = dict(_all(engine, select(Grid.id, Grid.village_id)))
    village_names = dict(_all(engine, select(Village.id, Village.name)))
    departments = {name for (name,) in _all(engine, select(Department.name))}
    local = [o for o in orders.values() if o.tier == "local" and o.dispatched_at is not None]
    village = [o for o in local if o.handler_village_id is not None]
    assert village, "no 就地办 order handled by its village"
    assert 0.4 <= len(village) / len(local) <= 0.8, (len(village), len(local))
    assert all(o.tier == "local" for o in orders.values() if o.handler_village_id is not None)
    for o in village:
        assert o.handler_village_id == village_of_grid[o.grid_id] == o.village_id, o.number
        assert o.platform_id is None and o.department_id is None, o.number
        evs = timelines[o.id]
        # the latest hand-over: the dispatch to the village (or a re-dispatch after a callback, to it again)
        handover = [
            e for e in evs if e.action == "dispatch" or (e.action == "callback" and e.to_status == "dispatched")
        ]
        last = handover[-1]
        assert last.at == o.dispatched_at and last.data["village_id"] == o.handler_village_id, o.number
        assert "platform_id" not in last.data and "department_id" not in last.data, o.number
        name = village_names[o.handler_village_id]
        if last.action == "dispatch":
            assert last.note == (
                f"就地办：派至{name}，由网格员、村干部办理并反馈，限{last.data['workdays']}个工作日办结。"
            ), last.note
            assert set(last.data) == {"village_id", "workdays", "due_at", "provisional"}
        else:
            assert f"重新交办{name}就地办理" in last.note, last.note
        # the village's own steps name no department
        first = next(e for e in evs if e.action == "dispatch" and e.data.get("village_id") == o.handler_village_id)
        for e in evs:
            if e.at >= first.at and e.action in ("accept", "resolve"):
                assert not any(d in (e.note or "") for d in departments), (o.number, e.note)
        if o.status in ("resolved", "archived"):
            assert not any(d in (o.result or "") for d in departments), (o.number, o.result)


def test_bounces_clear_the_handler_and_withdraw_open_parts(demo):
    engine, _ = demo
    orders, timelines, parts = _orders(engine), _timelines(engine), _parts(engine)
    for o in orders.values():  # waiting for a (new) dispatch: nobody handles it
        if o.status in ("received", "contacted"):
            assert (o.platform_id, o.department_id, o.handler_village_id) == (None, None, None), o.number
    withdrawn: dict[tuple[int, object], int] = defaultdict(int)
    for p in parts:
        if p.status == "withdrawn":
            withdrawn[(p.order_id, p.updated_at)] += 1
    for order_id, evs in timelines.items():
        for i, cur in enumerate(evs):
            if cur.action != "bounce":
                continue
            dispatch = [e for e in evs[:i] if e.action == "dispatch"][-1]
            assert cur.to_status == "contacted" and orders[order_id].bounce_count >= 1
            if cur.data.get("village_id") is not None:  # sent back by the village (就地办)
                assert dispatch.data["village_id"] == cur.data["village_id"]
                assert cur.data["platform_id"] is None and cur.data["department_id"] is None
            else:
                assert dispatch.data["department_id"] == cur.data["department_id"]
            # a 吹哨办's parts still open are withdrawn at the bounce
            assert withdrawn.pop((order_id, cur.at), 0) == cur.data.get("withdrawn_assists", 0)
    assert not withdrawn, "a part withdrawn without its order's bounce"


def test_whistle_orders_have_assisting_departments_of_other_platforms(demo):
    engine, counts = demo
    orders, timelines, parts = _orders(engine), _timelines(engine), _parts(engine)
    assert counts["order_assist"] == len(parts) > 0
    dept_platform = dict(_all(engine, select(Department.id, Department.platform_id)))
    platform_town = dict(_all(engine, select(Platform.id, Platform.township_id)))
    by_order: dict[int, list] = defaultdict(list)
    for p in parts:
        by_order[p.order_id].append(p)
    whistle = [o for o in orders.values() if o.tier == "whistle" and o.dispatched_at is not None]
    assert whistle
    for o in whistle:  # every dispatched 吹哨办 order has its parts
        live = [p for p in by_order[o.id] if p.status != "withdrawn"]
        assert 1 <= len(live) <= 2, (o.number, live)
        assert all(p.department_id != o.department_id and p.platform_id != o.platform_id for p in live), o.number
    assert set(by_order) <= {o.id for o in orders.values() if o.tier == "whistle"}
    for p in parts:
        order = orders[p.order_id]
        assert p.status in ASSIST_STATUSES
        assert dept_platform[p.department_id] == p.platform_id
        assert platform_town[p.platform_id] == order.township_id
        # named by the dispatch that assigned it, never its own lead
        dispatch = [e for e in timelines[p.order_id] if e.action == "dispatch" and e.at == p.assigned_at]
        assert len(dispatch) == 1, (order.number, p.id)
        data = dispatch[0].data
        assert p.department_id in data["assisting"] and p.department_id != data["department_id"]
        assert dept_platform[data["department_id"]] != p.platform_id
        assert dispatch[0].note.startswith("吹哨办：") and "牵头" in dispatch[0].note and "协办" in dispatch[0].note


def test_parts_are_reported_before_the_lead_resolves(demo):
    engine, _ = demo
    orders, parts = _orders(engine), _parts(engine)
    closed = 0
    for p in parts:
        order = orders[p.order_id]
        if order.status in ("resolved", "archived"):
            closed += 1
            assert p.status in ("reported", "withdrawn"), (order.number, p.status)
            if p.status == "reported":
                assert p.reported_at <= order.resolved_at, order.number
        if order.status not in OPEN_STATUSES and order.status != "cancelled":
            assert p.status not in ("assigned", "accepted"), order.number
    assert closed > 0
    for order in orders.values():  # a closed 吹哨办 had every part of its dispatch reported
        own = [p for p in parts if p.order_id == order.id and p.status != "withdrawn"]
        if order.tier == "whistle" and order.status in ("resolved", "archived") and order.dispatched_at is not None:
            assert own and all(p.status == "reported" for p in own), order.number


def test_each_part_has_its_steps_in_its_timeline_in_time_order(demo):
    engine, _ = demo
    orders, timelines, parts = _orders(engine), _timelines(engine), _parts(engine)
    seen: set[int] = set()
    for p in parts:
        evs = timelines[p.order_id]
        steps = {e.action: e for e in evs if e.action in ASSIST_ACTIONS and e.data["assist_id"] == p.id}
        seen.update(e.id for e in steps.values())
        assert all(e.data["department_id"] == p.department_id for e in steps.values())
        assert all(e.from_status == e.to_status and e.from_status in OPEN_STATUSES for e in steps.values())
        assert p.assigned_at <= NOW and p.updated_at <= NOW
        if p.status == "assigned":
            assert p.accepted_at is None and p.reported_at is None and not steps and p.version == 1
        if p.accepted_at is not None:
            assert p.assigned_at <= p.accepted_at <= NOW
            assert steps["assist_accept"].at == p.accepted_at
            assert steps["assist_accept"].note.endswith("签收协办。")
        if p.status == "accepted":
            assert p.reported_at is None and p.report is None and p.updated_at == p.accepted_at
        if p.status == "reported":
            assert p.accepted_at is not None and p.accepted_at <= p.reported_at <= NOW
            assert p.report and steps["assist_report"].at == p.reported_at == p.updated_at
            assert steps["assist_report"].note.endswith("协办反馈：" + p.report)
        else:
            assert "assist_report" not in steps and p.reported_at is None
        if p.status == "withdrawn":  # sent back with the order: at its bounce
            bounce = [e for e in evs if e.action == "bounce" and e.at == p.updated_at]
            assert bounce and bounce[0].data["withdrawn_assists"] >= 1, orders[p.order_id].number
            assert p.accepted_at is None or p.accepted_at <= p.updated_at
        # the part's steps come after its dispatch and before anything that ends its part
        for e in steps.values():
            assert p.assigned_at <= e.at <= NOW
    every = {e.id for evs in timelines.values() for e in evs if e.action in ASSIST_ACTIONS}
    assert every == seen, "a timeline step names no part of its order"
    assert every, "no assisting part took a step"


def test_nothing_after_now(demo):
    engine, _ = demo
    for p in _parts(engine):
        for at in (p.assigned_at, p.accepted_at, p.reported_at, p.updated_at):
            assert at is None or at <= NOW
    latest = max(e.at for evs in _timelines(engine).values() for e in evs)
    assert latest <= NOW


def test_the_top_up_keeps_the_tiers(tmp_path, sqlite_template):
    """A month-old demo topped up to now through the services (db/demo/topup.py): new 就地办 calls go
    to their village, new 吹哨办 calls get their parts; the stale 吹哨办 orders it closes had every
    open part report first (the lead cannot close before), each step after the one before."""
    from datetime import timedelta

    from db.demo import topup
    from tests.factories.accounts import account, first_admin

    anchor = NOW - timedelta(days=30)
    path = tmp_path / "topup.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        generate(engine, orders=800, now=anchor)
        open_before = {p.id for p in _parts(engine) if p.status in ("assigned", "accepted")}
        admin = first_admin(engine)
        account(engine, admin, "disp", "dispatcher", "赵督办")
        done = topup.run(engine, NOW)
        assert done["registered"] > 0
        orders, timelines, parts = _orders(engine), _timelines(engine), _parts(engine)
        new = [o for o in orders.values() if o.received_at > anchor and o.dispatched_at is not None]
        assert any(o.handler_village_id == o.village_id is not None and o.platform_id is None for o in new)
        by_order: dict[int, list] = defaultdict(list)
        for p in parts:
            by_order[p.order_id].append(p)
        for o in new:
            if o.tier == "whistle":
                assert 1 <= len(by_order[o.id]) <= 2 and all(p.platform_id != o.platform_id for p in by_order[o.id])
        for p in parts:
            order = orders[p.order_id]
            if order.status in ("resolved", "archived"):
                assert p.status in ("reported", "withdrawn"), order.number
                assert p.status == "withdrawn" or p.reported_at <= order.resolved_at, order.number
            assert p.accepted_at is None or p.assigned_at <= p.accepted_at
            assert p.reported_at is None or p.accepted_at <= p.reported_at <= NOW
        assert all(
            p.status == "reported"
            for p in parts
            if p.id in open_before and orders[p.order_id].status in ("resolved", "archived")
        )
        for o in new + [orders[p.order_id] for p in parts if p.id in open_before]:
            evs = timelines[o.id]
            assert [e.id for e in evs] == sorted(e.id for e in evs), o.number  # written in time order
    finally:
        engine.dispose()
