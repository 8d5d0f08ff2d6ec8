"""The tiers with behaviour (issue #21, item 5), on SQLite and PostgreSQL:

- 就地办 goes to the order's village: its grid worker reads, accepts, resolves or sends it back;
  another village's worker and the platforms cannot;
- 吹哨办 has a lead department and assisting ones: each assisting department reads the order,
  accepts and reports its part; the lead cannot close before every part reported; a part sent
  back or cancelled with the order is withdrawn;
- every step leaves its timeline line and audit record, a refused step writes nothing;
- the KPIs split by tier.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from db.engine import read_session, write_session
from db.errors import ConflictError, InvalidTransition, PermissionDenied, ValidationError
from db.models import AuditLog, OrderAssist, WorkOrder, WorkOrderEvent
from db.queries import home as home_q
from db.queries import kpi as kpi_q
from db.queries import orders as orders_q
from db.services import order_assists, orders
from tests.factories.accounts import account
from tests.factories.orders import T0, World, build_world, intake

LATER = T0 + timedelta(hours=2)


@pytest.fixture
def w(engine) -> World:
    return build_world(engine)


def grid_worker(w: World, village: int, name: str):
    return account(w.engine, w.admin, f"gw{village}", "grid", name, village_id=village)


def contacted(w: World, **kw) -> dict:
    return orders.register(w.engine, w.reception, intake(w, contacted=True, **kw), now=T0)


def get(w: World, order_id: int) -> WorkOrder:
    with read_session(w.engine) as s:
        return s.get(WorkOrder, order_id)


def written(w: World) -> tuple[int, int, int, int]:
    with read_session(w.engine) as s:
        return tuple(
            s.scalar(select(func.count()).select_from(m)) for m in (WorkOrder, WorkOrderEvent, AuditLog, OrderAssist)
        )


def notes(w: World, order_id: int) -> list[tuple[str, str]]:
    with read_session(w.engine) as s:
        return [
            (e.action, e.note or "")
            for e in s.scalars(
                select(WorkOrderEvent).where(WorkOrderEvent.order_id == order_id).order_by(WorkOrderEvent.id)
            )
        ]


def readable(w: World, actor, order_id: int) -> tuple[bool, bool]:
    """(may open it, listed in the actor's inbox)"""
    with read_session(w.engine) as s:
        listed = [r["id"] for r in orders_q.inbox_page(s, orders_q.InboxFilter(), actor, LATER)]
        return orders_q.may_read(s, actor, order_id), order_id in listed


def test_local_goes_to_the_village_and_its_grid_worker_handles_it(w):
    mine, other = grid_worker(w, w.village, "东湖网格员"), grid_worker(w, w.village2, "西山网格员")
    o = contacted(w)
    before = written(w)
    d = orders.dispatch_local(w.engine, w.dispatcher, o["id"], o["version"], now=T0 + timedelta(minutes=30))
    order = get(w, o["id"])
    assert (order.status, order.tier, order.handler_village_id, order.platform_id, order.department_id) == (
        "dispatched",
        "local",
        w.village,
        None,
        None,
    )
    assert order.due_at == d["due_at"] and order.due_workdays == 5
    assert written(w)[1:3] == (before[1] + 1, before[2] + 1)  # one timeline line, one audit record
    assert "就地办：派至东湖村" in notes(w, o["id"])[-1][1]
    # who may read it: the village's worker, not the other village's, not a platform officer
    assert readable(w, mine, o["id"]) == (True, True)
    assert readable(w, other, o["id"]) == (False, False)
    assert readable(w, w.platform, o["id"]) == (False, False)
    with read_session(w.engine) as s:
        counts = {a.key: a.value for a in home_q.attention(s, mine, LATER)}
    assert counts["local_orders"] == 1  # the worker's home counts it
    # who may act: refused steps write nothing
    before = written(w)
    for actor in (other, w.platform):
        with pytest.raises(PermissionDenied):
            orders.accept(w.engine, actor, o["id"], d["version"], now=LATER)
    assert written(w) == before
    a = orders.accept(w.engine, mine, o["id"], d["version"], now=LATER)
    r = orders.resolve(w.engine, mine, o["id"], a["version"], "已上门调解，双方同意晚上停工。", now=LATER)
    assert get(w, o["id"]).status == "resolved" and r["status"] == "resolved"


def test_a_village_sends_back_what_it_cannot_solve_and_an_unsatisfied_callback_returns_there(w):
    mine = grid_worker(w, w.village, "东湖网格员")
    o = contacted(w)
    d = orders.dispatch_local(w.engine, w.dispatcher, o["id"], o["version"], now=T0)
    b = orders.bounce(w.engine, mine, o["id"], d["version"], "涉及违建拆除，需执法部门吹哨处理。", now=LATER)
    order = get(w, o["id"])
    assert (order.status, order.handler_village_id, order.due_at) == ("contacted", None, None)
    # dispatched again to the village, resolved, the caller unsatisfied: back to the same village
    d = orders.dispatch_local(w.engine, w.dispatcher, o["id"], b["version"], now=LATER)
    a = orders.accept(w.engine, mine, o["id"], d["version"], now=LATER)
    r = orders.resolve(w.engine, mine, o["id"], a["version"], "已协调。", now=LATER)
    c = orders.callback(w.engine, w.reception, o["id"], r["version"], "unsatisfied", "噪音仍在", now=LATER)
    order = get(w, o["id"])
    assert (c["status"], order.handler_village_id, order.platform_id) == ("dispatched", w.village, None)
    assert "重新交办东湖村就地办理" in notes(w, o["id"])[-1][1]


def test_local_needs_a_village(w):
    o = contacted(w)
    with write_session(w.engine) as s:  # an order not placed in a village (as a county transfer can be)
        s.execute(
            update(WorkOrder).where(WorkOrder.id == o["id"]).values(village_id=None, grid_id=None, household_id=None)
        )
    before = written(w)
    with pytest.raises(ValidationError, match="就地办须先填写诉求所在村"):
        orders.dispatch_local(w.engine, w.dispatcher, o["id"], o["version"], now=T0)
    assert written(w) == before and get(w, o["id"]).status == "contacted"


def test_whistle_lead_and_assisting_departments_each_report_before_the_lead_closes(w):
    o = contacted(w)
    d = orders.dispatch(
        w.engine, w.dispatcher, o["id"], o["version"], w.platform_id, w.dept, now=T0, assisting=[w.dept2]
    )
    order = get(w, o["id"])
    assert (order.tier, order.platform_id, order.department_id) == ("whistle", w.platform_id, w.dept)
    assert "吹哨办：综治平台综治办牵头，综合执法平台执法中队协办" in notes(w, o["id"])[-1][1]
    with read_session(w.engine) as s:
        [part] = orders_q.assists(s, o["id"])
    assert (part["status"], part["department"], part["platform_id"]) == ("assigned", "执法中队", w.platform2_id)
    # the assisting platform reads the order (file and inbox) but cannot take the lead's steps
    assert readable(w, w.platform2, o["id"]) == (True, True)
    with pytest.raises(PermissionDenied):
        orders.accept(w.engine, w.platform2, o["id"], d["version"], now=LATER)
    # nor can the lead's officer report the assisting part
    with pytest.raises(PermissionDenied):
        order_assists.report(w.engine, w.platform, part["id"], part["version"], "代为反馈", now=LATER)
    a = orders.accept(w.engine, w.platform, o["id"], d["version"], now=LATER)
    before = written(w)
    with pytest.raises(ValidationError, match="协办部门执法中队尚未反馈"):
        orders.resolve(w.engine, w.platform, o["id"], a["version"], "已处理。", now=LATER)
    assert written(w) == before
    p1 = order_assists.accept(w.engine, w.platform2, part["id"], part["version"], now=LATER)
    with pytest.raises(InvalidTransition):  # accepted once
        order_assists.accept(w.engine, w.platform2, part["id"], p1["version"], now=LATER)
    with pytest.raises(ConflictError):  # the version the form was rendered with is stale
        order_assists.report(w.engine, w.platform2, part["id"], part["version"], "已拆除违建。", now=LATER)
    p2 = order_assists.report(w.engine, w.platform2, part["id"], p1["version"], "已拆除违建围挡。", now=LATER)
    assert p2["status"] == "reported"
    r = orders.resolve(w.engine, w.platform, o["id"], a["version"], "牵头协调，执法中队拆除围挡，已办结。", now=LATER)
    assert r["status"] == "resolved"
    actions = [a for a, _ in notes(w, o["id"])]
    assert actions[-3:] == ["assist_accept", "assist_report", "resolve"]
    with read_session(w.engine) as s:
        audited = list(s.scalars(select(AuditLog.action).where(AuditLog.entity == "order_assist")))
        [staff_view] = orders_q.assists(s, o["id"], "leader")
        [observer_view] = orders_q.assists(s, o["id"], "demo")
        observer_timeline = orders_q.timeline(s, o["id"], "demo")
        staff_timeline = orders_q.timeline(s, o["id"], "leader")
    assert audited == ["order.assist_accept", "order.assist_report"]
    # the officers' names: public to the staff, masked for the delegation's observer (in the
    # parts and in the timeline)
    assert staff_view["reported_by"] == "孙执法" and observer_view["reported_by"] not in (None, "孙执法")
    assert "孙执法" in {e["actor"] for e in staff_timeline}
    assert not {e["actor"] for e in observer_timeline} & {"孙执法", "钱综治", "赵转办", "王接待"}


def test_assisting_departments_are_checked(w):
    o = contacted(w)
    before = written(w)
    for assisting, message in (
        ([w.dept], "已是牵头部门"),
        ([w.dept2, w.dept2], "不能重复"),
        ([999999], "不存在或已停用"),
    ):
        with pytest.raises(ValidationError, match=message):
            orders.dispatch(
                w.engine, w.dispatcher, o["id"], o["version"], w.platform_id, w.dept, now=T0, assisting=assisting
            )
    assert written(w) == before


def test_a_bounced_or_cancelled_whistle_withdraws_its_open_parts(w):
    o = contacted(w)
    d = orders.dispatch(
        w.engine, w.dispatcher, o["id"], o["version"], w.platform_id, w.dept, now=T0, assisting=[w.dept2, w.dept_b]
    )
    b = orders.bounce(w.engine, w.platform, o["id"], d["version"], "不属于本平台职责。", now=LATER)
    with read_session(w.engine) as s:
        assert {p["status"] for p in orders_q.assists(s, o["id"])} == {"withdrawn"}
    assert readable(w, w.platform2, o["id"]) == (False, False)  # a withdrawn part gives no reading
    d = orders.dispatch(
        w.engine, w.dispatcher, o["id"], b["version"], w.platform_id, w.dept, now=LATER, assisting=[w.dept2]
    )
    orders.cancel(w.engine, w.dispatcher, o["id"], d["version"], "群众撤回诉求。", now=LATER)
    with read_session(w.engine) as s:
        statuses = [p["status"] for p in orders_q.assists(s, o["id"])]
        part = orders_q.assists(s, o["id"])[-1]
    assert statuses == ["withdrawn", "withdrawn", "withdrawn"]
    with pytest.raises(InvalidTransition):  # the order is closed: nothing to report
        order_assists.report(w.engine, w.platform2, part["id"], part["version"], "已处理。", now=LATER)


def test_kpis_split_by_tier(w):
    instant = orders.register(w.engine, w.reception, intake(w, tier="instant", answer="已电话答复政策。"), now=T0)
    local = contacted(w)
    orders.dispatch_local(w.engine, w.dispatcher, local["id"], local["version"], now=T0)
    whistle = contacted(w)
    orders.dispatch(
        w.engine, w.dispatcher, whistle["id"], whistle["version"], w.platform_id, w.dept, now=T0, assisting=[w.dept2]
    )
    with read_session(w.engine) as s:
        rows = kpi_q.order_stats(s, T0 - timedelta(days=1), T0 + timedelta(days=1), LATER, by="tier")
    got = {r["key"]: (r["label"], r["received"]) for r in rows}
    assert got == {"instant": ("即办", 1), "local": ("就地办", 1), "whistle": ("吹哨办", 1)}
    assert instant["status"] == "archived"
