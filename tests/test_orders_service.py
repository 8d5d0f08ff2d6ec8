"""The work-order lifecycle services, on SQLite and PostgreSQL (the ``engine`` fixture).

Every write must leave exactly one timeline row and one audit row, refuse bad input, foreign
platforms and stale versions without writing anything, and number orders correctly under
concurrent writers.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from db.engine import read_session
from db.errors import ConflictError, InvalidTransition, NotFound, PermissionDenied, ValidationError
from db.models import AuditLog, Counter, ExtensionRequest, WorkOrder, WorkOrderEvent
from db.queries.calendar import load_calendar
from db.rules.phone import normalize_phone
from db.rules.sla import add_workdays, local_to_utc, to_local, warn_point
from db.services import orders, settings
from tests.factories.orders import MOBILE, T0, World, build_world, intake


@pytest.fixture
def w(engine) -> World:
    return build_world(engine)


def get(w: World, order_id: int) -> WorkOrder:
    with read_session(w.engine) as s:
        return s.get(WorkOrder, order_id)


def counts(w: World) -> dict[str, int]:
    with read_session(w.engine) as s:
        return {
            m.__tablename__: s.scalar(select(func.count()).select_from(m))
            for m in (WorkOrder, WorkOrderEvent, AuditLog, ExtensionRequest, Counter)
        }


def order_audits(w: World, order_id: int) -> list[str]:
    with read_session(w.engine) as s:
        return list(
            s.scalars(
                select(AuditLog.action)
                .where(AuditLog.entity == "work_order", AuditLog.entity_id == str(order_id))
                .order_by(AuditLog.id)
            )
        )


def events(w: World, order_id: int) -> list[WorkOrderEvent]:
    with read_session(w.engine) as s:
        return list(
            s.scalars(select(WorkOrderEvent).where(WorkOrderEvent.order_id == order_id).order_by(WorkOrderEvent.id))
        )


def calendar(w: World):
    with read_session(w.engine) as s:
        return load_calendar(s)


def to_dispatched(w: World, now=T0, **kw) -> dict:
    o = orders.register(w.engine, w.reception, intake(w, contacted=True, **kw), now=now)
    return orders.dispatch(
        w.engine, w.dispatcher, o["id"], o["version"], w.platform_id, w.dept, now=now + timedelta(minutes=30)
    )


# --------------------------------------------------------------------------- phone (pure)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+86-138-1234-5678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("0396-7654321", "0396-7654321"),
        ("０３９６－７６５４３２１", "0396-7654321"),
        ("(0396) 7654321", "0396-7654321"),
        ("+86 396 7654321", "0396-7654321"),
        ("010-12345678", "010-12345678"),
        ("02112345678", "021-12345678"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_phone_normalised(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "12345",
        "7654321",
        "1381234567",
        "138123456789",
        "4008123123",
        "+1 650 253 0000",
        "+852 2123 4567",
        "138abcd5678",
        "电话13812345678",
        "138\x001234\x005678",
        "0755-1234567",
    ],
)
def test_phone_refused(raw):
    with pytest.raises(ValidationError, match="^电话号码格式不正确："):
        normalize_phone(raw)


def test_derived_title():
    """Issue #20: place, key phrase and category, not the first 20 characters cut mid-sentence."""
    assert orders.derive_title("  短标题  ") == "短标题"
    long = "村口道路坑洼严重，雨天积水，电动车多次摔倒，请尽快修复。"
    assert orders.derive_title(long) == "村口道路坑洼严重"
    assert orders.derive_title(long, "东湖村", "道路维修") == "东湖村·村口道路坑洼严重（道路维修）"
    assert orders.derive_title("东湖村村口路灯坏了", "东湖村", "路灯") == "东湖村村口路灯坏了"  # said already
    assert orders.derive_title("第一行\n第二行") == "第一行"
    assert orders.derive_title("一" * 30 + "，二") == "一" * 20 + "…"
    assert orders.derive_title("，开头就是标点") == "，开头就是标点"


# --------------------------------------------------------------------------- lifecycle


def test_full_lifecycle_with_timeline_and_audit(w):
    o = orders.register(w.engine, w.reception, intake(w), now=T0)
    assert o["number"] == "RX-2025-000001" and o["status"] == "received" and o["version"] == 1
    row = get(w, o["id"])
    assert row.contact_due_at == T0 + timedelta(hours=24)
    assert row.title == "东湖村·邻居家装修噪音扰民（邻里纠纷）"
    assert row.created_by == w.reception.user_id and row.township_id is not None

    t = T0 + timedelta(hours=1)
    r = orders.contact(w.engine, w.reception, o["id"], 1, now=t)
    assert r["version"] == 2 and r["status"] == "contacted"
    t_disp = T0 + timedelta(hours=2)
    r = orders.dispatch(w.engine, w.dispatcher, o["id"], 2, w.platform_id, w.dept, note="请核实", now=t_disp)
    cal = calendar(w)
    due = add_workdays(t_disp, 5, cal)
    assert r["due_at"] == due and r["version"] == 3
    row = get(w, o["id"])
    assert (row.status, row.platform_id, row.department_id) == ("dispatched", w.platform_id, w.dept)
    assert row.dispatched_at == t_disp and row.due_at == due and row.warn_at == warn_point(t_disp, due)
    assert to_local(due).date() == date(2025, 3, 11)  # Mon + 5 working days = Mon 10 Mar, 24:00

    r = orders.accept(w.engine, w.platform, o["id"], 3, now=t_disp + timedelta(hours=1))
    assert get(w, o["id"]).assignee_id == w.platform.user_id
    r = orders.resolve(
        w.engine, w.platform, o["id"], r["version"], "已协调施工方调整作业时间。", now=t_disp + timedelta(days=2)
    )
    r = orders.callback(w.engine, w.reception, o["id"], r["version"], "satisfied", now=t_disp + timedelta(days=3))
    assert r == {"id": o["id"], "number": o["number"], "version": 6, "status": "archived"}
    row = get(w, o["id"])
    assert row.status == "archived" and row.satisfaction == "satisfied" and row.version == 6
    assert row.result == "已协调施工方调整作业时间。" and row.resolved_at == t_disp + timedelta(days=2)

    evs = events(w, o["id"])
    assert [e.action for e in evs] == ["receive", "contact", "dispatch", "accept", "resolve", "callback"]
    assert [(e.from_status, e.to_status) for e in evs] == [
        (None, "received"),
        ("received", "contacted"),
        ("contacted", "dispatched"),
        ("dispatched", "in_progress"),
        ("in_progress", "resolved"),
        ("resolved", "archived"),
    ]
    assert evs[2].data["workdays"] == 5 and "请核实" in evs[2].note
    assert evs[3].actor_id == w.platform.user_id
    assert order_audits(w, o["id"]) == [
        "order.create",
        "order.contact",
        "order.dispatch",
        "order.accept",
        "order.resolve",
        "order.callback",
    ]
    # nothing further is possible on an archived order
    with pytest.raises(InvalidTransition, match="已回访"):
        orders.urge(w.engine, w.leader, o["id"], 6)


def test_register_contacted_and_instant_answer(w):
    c = orders.register(w.engine, w.reception, intake(w, contacted=True), now=T0)
    assert c["status"] == "contacted" and get(w, c["id"]).contacted_at == T0
    assert [e.action for e in events(w, c["id"])] == ["receive", "contact"]
    assert order_audits(w, c["id"]) == ["order.create"]

    a = orders.register(
        w.engine,
        w.reception,
        intake(
            w,
            tier="instant",
            answer="低保申请需携带户口本到便民服务中心办理。",
            description="咨询低保申请需要哪些材料？",
            title="低保政策咨询",
        ),
        now=T0,
    )
    row = get(w, a["id"])
    assert a["status"] == "archived" and a["number"] == "RX-2025-000002"
    assert row.result.startswith("低保申请") and row.resolved_at == T0 and row.title == "低保政策咨询"
    assert [(e.action, e.to_status) for e in events(w, a["id"])] == [("receive", "received"), ("answer", "archived")]
    before = counts(w)
    with pytest.raises(ValidationError, match="即办"):
        orders.register(w.engine, w.reception, intake(w, tier="local", answer="答复"), now=T0)
    assert counts(w) == before


def test_unsatisfied_callback_redispatches(w):
    d = to_dispatched(w)
    oid = d["id"]
    r = orders.accept(w.engine, w.platform, oid, d["version"], now=T0 + timedelta(hours=1))
    r = orders.resolve(w.engine, w.platform, oid, r["version"], "已处理。", now=T0 + timedelta(days=1))
    with pytest.raises(ValidationError, match="不满意的原因"):
        orders.callback(w.engine, w.reception, oid, r["version"], "unsatisfied", now=T0)
    with pytest.raises(ValidationError, match="满意度"):
        orders.callback(w.engine, w.reception, oid, r["version"], "so-so", now=T0)
    t_cb = local_to_utc(datetime(2025, 3, 7, 15, 0))  # Friday afternoon
    r = orders.callback(w.engine, w.reception, oid, r["version"], "unsatisfied", note="噪音仍未解决", now=t_cb)
    row = get(w, oid)
    due = add_workdays(t_cb, 5, calendar(w))
    assert r["status"] == "dispatched" and r["due_at"] == due
    assert (row.status, row.redispatch_count, row.satisfaction) == ("dispatched", 1, "unsatisfied")
    assert (row.platform_id, row.department_id) == (w.platform_id, w.dept)
    assert row.dispatched_at == t_cb and row.due_at == due and row.warn_at == warn_point(t_cb, due)
    assert row.resolved_at is None and row.result is None and row.assignee_id is None
    ev = events(w, oid)[-1]
    assert (ev.action, ev.from_status, ev.to_status) == ("callback", "resolved", "dispatched")
    assert ev.data["redispatch"] is True and "噪音仍未解决" in ev.note

    # second round goes to another department of the same platform, then satisfied
    r = orders.accept(w.engine, w.platform, oid, r["version"], now=t_cb + timedelta(hours=1))
    r = orders.resolve(w.engine, w.platform, oid, r["version"], "已彻底解决。", now=t_cb + timedelta(days=1))
    r = orders.callback(
        w.engine,
        w.reception,
        oid,
        r["version"],
        "unsatisfied",
        note="还是吵",
        department_id=w.dept_b,
        workdays=3,
        now=t_cb + timedelta(days=2),
    )
    row = get(w, oid)
    assert row.department_id == w.dept_b and row.redispatch_count == 2
    assert row.due_at == add_workdays(t_cb + timedelta(days=2), 3, calendar(w))
    with pytest.raises(ValidationError, match="不属于"):  # department of another platform
        r2 = orders.accept(w.engine, w.platform, oid, r["version"], now=t_cb + timedelta(days=2, hours=1))
        r2 = orders.resolve(w.engine, w.platform, oid, r2["version"], "好了。", now=t_cb + timedelta(days=3))
        orders.callback(
            w.engine,
            w.reception,
            oid,
            r2["version"],
            "unsatisfied",
            note="差",
            department_id=w.dept2,
            now=t_cb + timedelta(days=4),
        )
    assert get(w, oid).status == "resolved"  # the refused callback wrote nothing
    r = orders.callback(w.engine, w.reception, oid, get(w, oid).version, "basic", now=t_cb + timedelta(days=4))
    row = get(w, oid)
    assert (row.status, row.satisfaction, row.redispatch_count) == ("archived", "basic", 2)


def test_bounce_returns_to_contacted(w):
    d = to_dispatched(w)
    oid = d["id"]
    with pytest.raises(ValidationError, match="退回理由"):
        orders.bounce(w.engine, w.platform, oid, d["version"], "   ")
    r = orders.bounce(w.engine, w.platform, oid, d["version"], "不属于本平台职责", now=T0 + timedelta(hours=2))
    row = get(w, oid)
    assert r["status"] == "contacted" and row.bounce_count == 1
    assert (row.platform_id, row.department_id, row.due_at, row.warn_at, row.dispatched_at) == (
        None,
        None,
        None,
        None,
        None,
    )
    ev = events(w, oid)[-1]
    assert ev.note == "不属于本平台职责" and ev.data["platform_id"] == w.platform_id
    # re-dispatch to the right platform, accept, bounce again from in_progress
    r = orders.dispatch(w.engine, w.dispatcher, oid, r["version"], w.platform2_id, w.dept2, now=T0 + timedelta(hours=3))
    r = orders.accept(w.engine, w.platform2, oid, r["version"], now=T0 + timedelta(hours=4))
    r = orders.bounce(w.engine, w.platform2, oid, r["version"], "需多部门联合处置", now=T0 + timedelta(hours=5))
    assert get(w, oid).bounce_count == 2 and r["status"] == "contacted"
    assert len(order_audits(w, oid)) == len(events(w, oid)) - 1  # register writes receive+contact


def test_extension_approve_and_refuse(w):
    d = to_dispatched(w)
    oid = d["id"]
    old_due = get(w, oid).due_at
    with pytest.raises(ValidationError, match="1至30"):
        orders.request_extension(w.engine, w.platform, oid, d["version"], 31, "太忙")
    with pytest.raises(PermissionDenied):
        orders.request_extension(w.engine, w.platform2, oid, d["version"], 3, "需要协调")
    r = orders.request_extension(
        w.engine, w.platform, oid, d["version"], 3, "需等待鉴定结果", now=T0 + timedelta(days=1)
    )
    assert r["status"] == "dispatched" and r["version"] == d["version"] + 1
    with pytest.raises(ValidationError, match="待审批"):
        orders.request_extension(w.engine, w.platform, oid, r["version"], 2, "再延")
    with pytest.raises(PermissionDenied):
        orders.decide_extension(w.engine, w.platform, r["request_id"], 1, True)
    t_dec = T0 + timedelta(days=2)
    a = orders.decide_extension(w.engine, w.dispatcher, r["request_id"], 1, True, now=t_dec)
    new_due = add_workdays(old_due - timedelta(microseconds=1), 3, calendar(w))
    assert to_local(new_due).date() == date(2025, 3, 14)  # 10 Mar + 3 working days = Thu 13 Mar, 24:00
    row = get(w, oid)
    assert a["due_at"] == new_due == row.due_at and row.extension_count == 1
    assert row.warn_at == warn_point(row.dispatched_at, new_due)
    with read_session(w.engine) as s:
        req = s.get(ExtensionRequest, r["request_id"])
        assert (req.status, req.new_due_at, req.version, req.decided_by) == (
            "approved",
            new_due,
            2,
            w.dispatcher.user_id,
        )
    with pytest.raises(ConflictError):  # stale request version
        orders.decide_extension(w.engine, w.dispatcher, r["request_id"], 1, False, note="不行")
    with pytest.raises(InvalidTransition, match="已处理"):
        orders.decide_extension(w.engine, w.dispatcher, r["request_id"], 2, False, note="不行")

    r2 = orders.request_extension(
        w.engine, w.platform, oid, a["version"], 2, "再等两天", now=t_dec + timedelta(hours=1)
    )
    with pytest.raises(ValidationError, match="理由"):
        orders.decide_extension(w.engine, w.dispatcher, r2["request_id"], 1, False)
    f = orders.decide_extension(
        w.engine, w.dispatcher, r2["request_id"], 1, False, note="请按期办结", now=t_dec + timedelta(hours=2)
    )
    row = get(w, oid)
    assert f["approved"] is False and row.due_at == new_due and row.extension_count == 1
    assert [e.action for e in events(w, oid)][-4:] == [
        "request_extension",
        "decide_extension",
        "request_extension",
        "decide_extension",
    ]
    # a pending request is withdrawn when the order is resolved
    r3 = orders.request_extension(w.engine, w.platform, oid, f["version"], 2, "第三次", now=t_dec + timedelta(hours=3))
    acc = orders.accept(w.engine, w.platform, oid, r3["version"], now=t_dec + timedelta(hours=4))
    orders.resolve(w.engine, w.platform, oid, acc["version"], "已办结。", now=t_dec + timedelta(hours=5))
    with read_session(w.engine) as s:
        assert s.get(ExtensionRequest, r3["request_id"]).status == "withdrawn"
    with pytest.raises(InvalidTransition):
        orders.decide_extension(w.engine, w.dispatcher, r3["request_id"], 2, True)


def test_cancel(w):
    o = orders.register(w.engine, w.reception, intake(w), now=T0)
    with pytest.raises(ValidationError, match="撤销理由"):
        orders.cancel(w.engine, w.dispatcher, o["id"], 1, "")
    with pytest.raises(PermissionDenied):
        orders.cancel(w.engine, w.reception, o["id"], 1, "重复")
    first = orders.register(w.engine, w.reception, intake(w), now=T0 - timedelta(days=1))
    r = orders.cancel(
        w.engine, w.dispatcher, o["id"], 1, "重复诉求", duplicate_of_id=first["id"], now=T0 + timedelta(hours=1)
    )
    row = get(w, o["id"])
    assert (r["status"], row.cancelled_reason, row.duplicate_of_id) == ("cancelled", "重复诉求", first["id"])
    with pytest.raises(InvalidTransition, match="已撤销"):
        orders.cancel(w.engine, w.dispatcher, o["id"], r["version"], "再撤")
    d = to_dispatched(w)
    orders.cancel(w.engine, w.admin, d["id"], d["version"], "群众撤回诉求")
    assert get(w, d["id"]).status == "cancelled"


def test_supervise_and_urge(w):
    d = to_dispatched(w)
    oid = d["id"]
    with pytest.raises(PermissionDenied):
        orders.supervise(w.engine, w.dispatcher, oid, d["version"], w.leader.user_id)
    with pytest.raises(ValidationError, match="督办人"):
        orders.supervise(w.engine, w.leader, oid, d["version"], w.reception.user_id)
    r = orders.supervise(
        w.engine, w.leader, oid, d["version"], w.leader.user_id, note="本周内办结", now=T0 + timedelta(days=1)
    )
    row = get(w, oid)
    assert (row.supervised, row.supervision_level, row.supervisor_user_id) == (True, "yellow", w.leader.user_id)
    r = orders.urge(w.engine, w.leader, oid, r["version"], now=T0 + timedelta(days=2))
    r = orders.urge(w.engine, w.admin, oid, r["version"], note="请加快", now=T0 + timedelta(days=3))
    assert get(w, oid).urge_count == 2 and r["status"] == "dispatched"
    # once overdue, supervision is red
    late = get(w, oid).due_at + timedelta(hours=1)
    r = orders.supervise(w.engine, w.leader, oid, r["version"], w.admin.user_id, now=late)
    assert get(w, oid).supervision_level == "red"
    # received and not contacted within 24 hours counts as overdue too
    o = orders.register(w.engine, w.reception, intake(w), now=T0)
    orders.supervise(w.engine, w.leader, o["id"], 1, w.leader.user_id, now=T0 + timedelta(hours=25))
    assert get(w, o["id"]).supervision_level == "red"
    assert [e.action for e in events(w, oid)][-4:] == ["supervise", "urge", "urge", "supervise"]


def test_deadline_across_spring_festival_2025(w):
    # Monday 27 Jan 2025 10:00 local; the holiday runs 28 Jan - 4 Feb, Sat 8 Feb is a make-up day
    now = local_to_utc(datetime(2025, 1, 27, 10, 0))
    o = orders.register(w.engine, w.reception, intake(w, contacted=True), now=now - timedelta(hours=1))
    r = orders.dispatch(w.engine, w.dispatcher, o["id"], o["version"], w.platform_id, w.dept, workdays=5, now=now)
    assert r["due_at"] == local_to_utc(datetime(2025, 2, 11, 0, 0))  # end of Mon 10 Feb
    row = get(w, o["id"])
    assert row.warn_at == warn_point(now, row.due_at)
    o2 = orders.register(w.engine, w.reception, intake(w, contacted=True), now=now)
    r2 = orders.dispatch(w.engine, w.dispatcher, o2["id"], o2["version"], w.platform_id, w.dept, workdays=4, now=now)
    assert to_local(r2["due_at"]).date() == date(2025, 2, 9)  # end of the make-up Saturday 8 Feb


def test_a_year_not_entered_gives_a_provisional_deadline_recounted_when_it_is(w):
    """Dispatched on Monday 28 December 2026 with no 2027 schedule entered: the desk is not
    stopped; the deadline is counted on weekends plus the statutory holidays (元旦 1 January)
    and marked 暂定. Entering the official schedule recounts it, with a timeline entry and an
    audit record, and clears 暂定."""
    now = local_to_utc(datetime(2026, 12, 28, 10, 0))
    o = orders.register(w.engine, w.reception, intake(w, contacted=True), now=now)
    r = orders.dispatch(w.engine, w.dispatcher, o["id"], o["version"], w.platform_id, w.dept, workdays=5, now=now)
    # 29, 30, 31 December, (1 January off), 4 and 5 January: ends at 24:00 on 5 January
    assert to_local(r["due_at"]) == datetime(2027, 1, 6, 0, 0, tzinfo=to_local(now).tzinfo)
    row = get(w, o["id"])
    assert row.due_provisional and row.due_workdays == 5 and row.warn_at == warn_point(now, row.due_at)
    with read_session(w.engine) as s:
        note = s.scalars(
            select(WorkOrderEvent.note).where(WorkOrderEvent.order_id == o["id"], WorkOrderEvent.action == "dispatch")
        ).one()
    assert "时限暂定" in note and "2027年节假日安排尚未录入" in note
    # a second order, closed before the schedule is entered, keeps its deadline
    o2 = orders.register(w.engine, w.reception, intake(w, contacted=True), now=now)
    orders.dispatch(w.engine, w.dispatcher, o2["id"], o2["version"], w.platform_id, w.dept, workdays=5, now=now)
    orders.cancel(w.engine, w.dispatcher, o2["id"], get(w, o2["id"]).version, reason="测试撤销", now=now)
    closed_due = get(w, o2["id"]).due_at

    # the official schedule: 1 to 4 January off (a made-up notice for the test)
    out = settings.enter_holiday_year(
        w.engine, w.admin, 2027, "2027-01-01 至 2027-01-04 元旦", "国办发明电〔2026〕测试号"
    )
    assert out["recounted"] == 1
    row = get(w, o["id"])
    assert to_local(row.due_at).date() == date(2027, 1, 7)  # 29, 30, 31 Dec, 5, 6 Jan: 24:00 on the 6th
    assert not row.due_provisional and row.warn_at == warn_point(now, row.due_at)
    assert get(w, o2["id"]).due_at == closed_due and get(w, o2["id"]).due_provisional  # closed: left alone
    with read_session(w.engine) as s:
        ev = s.scalars(
            select(WorkOrderEvent).where(WorkOrderEvent.order_id == o["id"]).order_by(WorkOrderEvent.id.desc())
        ).first()
        audits = s.scalars(
            select(AuditLog.action).where(AuditLog.entity_id == str(o["id"]), AuditLog.entity == "work_order")
        ).all()
    assert ev.action == "recount_deadline" and "2027-01-05 24:00重算为2027-01-06 24:00" in ev.note
    assert "order.recount_deadline" in audits


def test_a_provisional_deadline_stays_provisional_while_it_reaches_a_year_still_missing(w):
    now = local_to_utc(datetime(2026, 12, 28, 10, 0))
    o = orders.register(w.engine, w.reception, intake(w, contacted=True), now=now)
    orders.dispatch(w.engine, w.dispatcher, o["id"], o["version"], w.platform_id, w.dept, workdays=60, now=now)
    assert get(w, o["id"]).due_provisional
    # an extension keeps the clock's working days (60 + 10) and its provisional mark
    req = orders.request_extension(
        w.engine, w.platform, o["id"], get(w, o["id"]).version, 10, "需协调多部门。", now=now
    )
    orders.decide_extension(w.engine, w.dispatcher, req["request_id"], 1, approve=True, now=now)
    row = get(w, o["id"])
    assert row.due_workdays == 70 and row.due_provisional
    with read_session(w.engine) as s:
        expected = add_workdays(now, 70, load_calendar(s))
    assert row.due_at == expected


# --------------------------------------------------------------------------- refusals


def test_permission_refusals_write_nothing(w):
    d = to_dispatched(w)
    before = counts(w)
    with pytest.raises(PermissionDenied):
        orders.register(w.engine, w.demo, intake(w), now=T0)
    with pytest.raises(PermissionDenied):
        orders.register(w.engine, w.platform, intake(w), now=T0)
    with pytest.raises(PermissionDenied):
        orders.accept(w.engine, w.demo, d["id"], d["version"])
    with pytest.raises(PermissionDenied, match="不属于您所在的平台"):
        orders.accept(w.engine, w.platform2, d["id"], d["version"])
    with pytest.raises(PermissionDenied):
        orders.accept(w.engine, replace(w.platform, platform_id=None), d["id"], d["version"])
    with pytest.raises(PermissionDenied):
        orders.dispatch(w.engine, w.reception, d["id"], d["version"], w.platform_id, w.dept)
    with pytest.raises(PermissionDenied):
        orders.supervise(w.engine, w.platform, d["id"], d["version"], w.leader.user_id)
    with pytest.raises(NotFound):
        orders.accept(w.engine, w.platform, 999_999, 1)
    assert counts(w) == before


def _bad_intakes():
    return [
        ("bad phone", dict(caller_phone="12345"), "电话号码格式不正确"),
        ("phone required", dict(caller_phone=None), "联系电话"),
        ("empty description", dict(description="   "), "诉求内容"),
        ("short description", dict(description="噪音"), "至少"),
        ("long description", dict(description="吵" * 5000), "不能超过2000"),
        ("unknown category", dict(category_id=999_999), "分类"),
        ("inactive category", dict(category_id="category_inactive"), "分类"),
        ("grid not in village", dict(grid_id="grid2", household_id=None), "网格不属于"),
        ("household not in grid", dict(household_id="household2"), "户不属于"),
        ("household of another village", dict(grid_id=None, household_id="household2"), "网格不属于"),
        ("control char in name", dict(caller_name="张\x07三"), "控制字符"),
        ("control char in description", dict(description="邻居装修\x1b[31m噪音扰民"), "控制字符"),
        ("bidi override in address", dict(address="东湖村\u202e21号"), "控制字符"),
        ("long name", dict(caller_name="张" * 31), "不能超过30"),
        ("long address", dict(address="址" * 201), "不能超过200"),
        ("bad channel", dict(channel="fax"), "渠道"),
        ("bad tier", dict(tier="later"), "分级"),
        ("bad urgency", dict(urgency="asap"), "紧急"),
        ("no village", dict(village_id=None, grid_id=None, household_id=None), "村"),
        ("unknown duplicate", dict(duplicate_of_id=999_999), "原工单"),
    ]


@pytest.mark.parametrize("case", _bad_intakes(), ids=[c[0] for c in _bad_intakes()])
def test_bad_intake_writes_nothing(w, case):
    _, overrides, message = case
    resolved = {k: getattr(w, v) if k.endswith("_id") and isinstance(v, str) else v for k, v in overrides.items()}
    before = counts(w)
    with pytest.raises(ValidationError, match=message):
        orders.register(w.engine, w.reception, intake(w, **resolved), now=T0)
    assert counts(w) == before


def test_good_intake_normalises_and_allows_optional_phone(w):
    o = orders.register(
        w.engine,
        w.reception,
        intake(
            w,
            caller_phone="＋８６ １３８－１２３４－５６７８",
            description="  多行描述：\n第一，路灯不亮。\n第二，井盖缺失。  ",
            caller_name="\u200b张三",
        ),
        now=T0,
    )
    row = get(w, o["id"])
    assert row.caller_phone == MOBILE and row.caller_name == "张三"
    assert (
        row.description == "多行描述：\n第一，路灯不亮。\n第二，井盖缺失。"
        and row.title == "东湖村·多行描述（邻里纠纷）"
    )
    walk_in = orders.register(
        w.engine, w.reception, intake(w, channel="walk_in", caller_phone=None, household_id=None, grid_id=None), now=T0
    )
    assert get(w, walk_in["id"]).caller_phone is None
    by_household = orders.register(w.engine, w.reception, intake(w, grid_id=None), now=T0)
    assert get(w, by_household["id"]).grid_id == w.grid  # the household places it in its grid


def test_bad_dispatch_input_writes_nothing(w):
    o = orders.register(w.engine, w.reception, intake(w, contacted=True), now=T0)
    before = counts(w)
    cases = [
        (dict(platform_id=w.platform_id, department_id=w.dept2), "不属于"),
        (dict(platform_id=None, department_id=w.dept), "承办平台"),
        (dict(platform_id=w.platform_id, department_id=None), "承办部门"),
        (dict(platform_id=w.platform_id, department_id=w.dept, workdays=0), "办理时限"),
        (dict(platform_id=w.platform_id, department_id=w.dept, workdays="abc"), "办理时限"),
        (dict(platform_id=w.platform_id, department_id=w.dept, note="好\x00"), "控制字符"),
    ]
    for kw, message in cases:
        with pytest.raises(ValidationError, match=message):
            orders.dispatch(w.engine, w.dispatcher, o["id"], o["version"], now=T0, **kw)
    assert counts(w) == before


# --------------------------------------------------------------------------- concurrency


def test_stale_version_is_a_conflict_and_the_first_save_is_kept(w):
    o = orders.register(w.engine, w.reception, intake(w, contacted=True), now=T0)
    loaded_a = loaded_b = get(w, o["id"]).version  # two users open the same order
    orders.dispatch(w.engine, w.dispatcher, o["id"], loaded_a, w.platform_id, w.dept, now=T0)
    before = counts(w)
    with pytest.raises(ConflictError, match=f"您打开的是第{loaded_b}版，当前为第{loaded_b + 1}版"):
        orders.cancel(w.engine, w.admin, o["id"], loaded_b, "重复")
    row = get(w, o["id"])
    assert (row.status, row.version, row.cancelled_reason) == ("dispatched", loaded_a + 1, None)
    assert counts(w) == before


def test_racing_writers_on_one_version_one_wins(w):
    o = orders.register(w.engine, w.reception, intake(w), now=T0)
    barrier = threading.Barrier(4)
    results: list[str] = []

    def worker():
        barrier.wait()
        try:
            orders.urge(w.engine, w.leader, o["id"], 1)
            results.append("ok")
        except ConflictError:
            results.append("conflict")

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == ["conflict"] * 3 + ["ok"]
    row = get(w, o["id"])
    assert (row.urge_count, row.version) == (1, 2)
    assert [e.action for e in events(w, o["id"])] == ["receive", "urge"]


def test_bulk_dispatch_is_all_or_nothing(w):
    made = [orders.register(w.engine, w.reception, intake(w, contacted=True), now=T0) for _ in range(3)]
    items = [(m["id"], m["version"]) for m in made]
    stale = items[:2] + [(made[2]["id"], 99)]
    before = counts(w)
    with pytest.raises(ConflictError, match=made[2]["number"]):
        orders.bulk_dispatch(w.engine, w.dispatcher, stale, w.platform_id, w.dept, now=T0)
    received = orders.register(w.engine, w.reception, intake(w), now=T0)
    before = counts(w)
    with pytest.raises(InvalidTransition, match=received["number"] + ".*受理.*派单"):
        orders.bulk_dispatch(w.engine, w.dispatcher, items + [(received["id"], 1)], w.platform_id, w.dept, now=T0)
    with pytest.raises(ValidationError, match=made[0]["number"]):
        orders.bulk_dispatch(w.engine, w.dispatcher, items, w.platform_id, w.dept2, now=T0)
    with pytest.raises(ValidationError, match="勾选"):
        orders.bulk_dispatch(w.engine, w.dispatcher, [], w.platform_id, w.dept, now=T0)
    with pytest.raises(PermissionDenied):
        orders.bulk_dispatch(w.engine, w.reception, items, w.platform_id, w.dept, now=T0)
    assert counts(w) == before
    assert {get(w, m["id"]).status for m in made} == {"contacted"}

    assert (
        orders.bulk_dispatch(w.engine, w.dispatcher, items, w.platform_id, w.dept, workdays=3, note="集中派单", now=T0)
        == 3
    )
    due = add_workdays(T0, 3, calendar(w))
    for m in made:
        row = get(w, m["id"])
        assert (row.status, row.due_at, row.version) == ("dispatched", due, 2)
    assert counts(w)["audit_log"] == before["audit_log"] + 3
    assert counts(w)["work_order_event"] == before["work_order_event"] + 3


def test_concurrent_registration_numbers_are_distinct_and_consecutive(w):
    n_threads, per_thread = 8, 3
    barrier = threading.Barrier(n_threads)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(k: int):
        barrier.wait()
        for j in range(per_thread):
            try:
                o = orders.register(
                    w.engine, w.reception, intake(w, description=f"并发登记测试第{k}-{j}号诉求"), now=T0
                )
                with lock:
                    numbers.append(o["number"])
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                with lock:
                    errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    total = n_threads * per_thread
    assert sorted(numbers) == [f"RX-2025-{i:06d}" for i in range(1, total + 1)]
    with read_session(w.engine) as s:
        assert s.scalar(select(Counter.value).where(Counter.name == "RX", Counter.year == 2025)) == total
    # a new local year starts a new sequence (31 Dec 16:30 UTC is 1 Jan 00:30 in Beijing)
    o = orders.register(w.engine, w.reception, intake(w), now=datetime(2025, 12, 31, 16, 30))
    assert o["number"] == "RX-2026-000001"
