"""历史工单 (issue #19): a township's past orders from its old ledger, imported so that the caller
history, the inbox and the KPIs start with its past; keyed by the ledger's number, re-imported
without duplicates, refused whole with every bad row and column named."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy import text as sql

from db import scope, stats
from db.engine import read_session, write_session
from db.errors import PermissionDenied
from db.models import AuditLog, Category, Grid, Household, TownshipCategoryClock, WorkOrder, WorkOrderEvent
from db.models.base import utcnow
from db.permissions import Actor
from db.queries import kpi, order_counts
from db.queries import orders as orders_q
from db.rules.sla import local_to_utc
from db.services import orders as orders_svc
from db.services import setup
from db.services.base import Clock
from db.services.imports import base, history
from tests.factories.accounts import first_admin

COLUMNS = history.ORDERS.names


def L(*args) -> datetime:
    return local_to_utc(datetime(*args))


def _build(engine) -> dict:
    admin = first_admin(engine)
    setup.load_standard_categories(engine, admin)
    town = setup.create_township(engine, admin, code="T1", name="青龙镇", county="示范县")
    v1 = setup.create_village(engine, admin, township_id=town, code="T1001", name="东湖村")
    v2 = setup.create_village(engine, admin, township_id=town, code="T1002", name="西山社区", kind="community")
    g1 = setup.create_grid(engine, admin, village_id=v1, code="T100101", name="东湖村第一网格")
    g2 = setup.create_grid(engine, admin, village_id=v2, code="T100201", name="西山社区第一网格")
    with write_session(engine) as s:
        hh = Household(grid_id=g1, address="东湖村一组12号", head_name="王建国", phone="13800000001", size=3)
        twins = [
            Household(grid_id=g1, address=f"东湖村二组{i}号", head_name="李某", phone="13800000002") for i in (1, 2)
        ]
        s.add_all([hh, *twins])
        s.flush()
        household = hh.id
    return {
        "engine": engine,
        "scoped": scope.scoped(engine, town),
        "admin": admin,
        "town": town,
        "villages": (v1, v2),
        "grids": (g1, g2),
        "household": household,
    }


@pytest.fixture
def town(sqlite_engine):
    return _build(sqlite_engine)


def _file(rows: list[dict], keep_template_rows: bool = True) -> bytes:
    wb = load_workbook(io.BytesIO(base.template_bytes(history.SPEC)))
    ws = wb[history.ORDERS.name]
    if not keep_template_rows:
        ws.delete_rows(2, 2)
    for r in rows:
        ws.append([r.get(c) for c in COLUMNS])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _run(t: dict, content: bytes) -> base.ImportReport:
    return base.run(t["scoped"], t["admin"], history, content, township_id=t["town"], file_name="台账.xlsx")


# a: closed on time, rated; its phone is one household's of the village
A = {
    "原工单编号": "GX-2025-001",
    "受理时间": "2025-03-03 09:30",
    "渠道": "热线",
    "来电人姓名": "王建国",
    "联系电话": "138 0000 0001",
    "所属村（社区）": "东湖村",
    "详细地址": "东湖村一组12号",
    "诉求类别": "用电故障",
    "诉求内容": "家里停电一整天，请供电所来看看。",
    "承办部门": "供电所",
    "状态": "已办结",
    "办结时间": datetime(2025, 3, 5, 16, 0),
    "办理结果": "已更换保险丝，恢复供电。",
    "满意度": "满意",
    "首次联系时间": "2025-03-03 10:15",
}
# b: a policy question answered at the walk-in desk the same day (即办: no handling clock)
B = {
    "原工单编号": "GX-2025-002",
    "受理时间": datetime(2025, 3, 5, 10, 0),
    "渠道": "来访",
    "所属村（社区）": "T1002",
    "诉求类别": "政策咨询 / 惠农补贴咨询",
    "诉求内容": "咨询今年的耕地地力补贴什么时候发。",
    "状态": "已办结",
    "办结时间": "2025-03-05 10:20",
    "办理结果": "已告知发放时间。",
}
# c: still open at its department: an overdue open order in the inbox
C = {
    "原工单编号": "GX-2025-003",
    "受理时间": "2025-03-06 08:00",
    "渠道": "网格上报",
    "所属村（社区）": "东湖村",
    "所属网格编码": "t100101",
    "诉求类别": "邻里矛盾",
    "诉求内容": "两户因为排水沟堵塞发生争吵。",
    "承办部门": "司法所",
    "状态": "办理中",
}
# d: closed late, unsatisfied; its phone is two households' (no household linked)
D = {
    "原工单编号": "GX-2025-004",
    "受理时间": "2025-03-04 10:00",
    "渠道": "12345转办",
    "联系电话": "13800000002",
    "所属村（社区）": "东湖村",
    "诉求类别": "DLJT02",
    "诉求内容": "村口路灯不亮已经一个星期了。",
    "标题": "村口路灯不亮",
    "承办部门": "供电所",
    "状态": "已办结",
    "办结时间": "2025-03-14 09:00",
    "满意度": "不满意",
}
GOOD = [A, B, C, D]


def _orders(engine) -> dict[str, WorkOrder]:
    with read_session(engine) as s:
        return {o.external_no: o for o in s.scalars(select(WorkOrder))}


def _count(engine, model, *where) -> int:
    with read_session(engine) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_a_good_file_imports_as_the_console_would_keep_the_orders(town):
    engine = town["engine"]
    report = _run(town, _file(GOOD))
    assert report.ok, report.errors
    assert report.counts == {"历史工单": {"created": 4, "updated": 0, "unchanged": 0}}
    o = _orders(engine)
    a, b, c, d = (o[n] for n in ("GX-2025-001", "GX-2025-002", "GX-2025-003", "GX-2025-004"))
    # numbered by the year of receipt, in the order of receipt
    assert [x.number for x in (a, d, b, c)] == [f"RX-2025-{i:06d}" for i in range(1, 5)]
    assert {x.external_source for x in o.values()} == {"history"} and {x.township_id for x in o.values()} == {
        town["town"]
    }

    # a: the desk's clocks at the 受理时间: 24 h contact; 2 working days from Monday -> Wednesday 24:00
    assert a.received_at == L(2025, 3, 3, 9, 30) and a.contact_due_at == L(2025, 3, 4, 9, 30)
    assert a.dispatched_at == a.received_at and a.due_workdays == 2 and a.due_at == L(2025, 3, 6, 0, 0)
    assert a.warn_at == a.received_at + (a.due_at - a.received_at) * 0.8
    assert (a.status, a.resolved_at, a.callback_at, a.satisfaction) == (
        "archived",
        L(2025, 3, 5, 16),
        L(2025, 3, 5, 16),
        "satisfied",
    )
    assert a.caller_phone == "13800000001" and a.contacted_at == L(2025, 3, 3, 10, 15)
    assert (a.household_id, a.grid_id) == (town["household"], town["grids"][0])  # the household places it in its grid
    assert a.title == "东湖村·家里停电一整天（用电故障）"  # made as the desk makes it
    assert a.platform_id is not None and a.department_id is not None
    # b: an answer at intake, in the village given by its code
    assert (b.tier, b.due_at, b.dispatched_at, b.contacted_at) == ("instant", None, None, b.received_at)
    assert b.village_id == town["villages"][1] and b.status == "archived" and b.satisfaction is None
    # c: open at 司法所, 7 working days from Thursday 6 March: Monday 17 March 24:00, overdue now
    assert (c.status, c.grid_id, c.due_at, c.resolved_at) == ("in_progress", town["grids"][0], L(2025, 3, 18), None)
    # d: two households have its phone: none linked; its own title; late
    assert (d.household_id, d.title, d.channel) == (None, "村口路灯不亮", "12345")
    assert d.resolved_at > d.due_at and d.satisfaction == "unsatisfied"
    assert (d.contacted_at, c.contacted_at) == (d.resolved_at, None)  # reached by the closure at the latest
    with read_session(engine) as s:
        # the deadline is the desk's own function's (the holiday calendar, 暂定 for a year not entered)
        clock = Clock(s)
        for x in (a, c, d):
            assert (x.due_at, x.due_provisional) == clock.deadline(x.received_at, x.due_workdays)

        # the timeline: the ledger's steps at their moments, and the import with the original number
        steps = s.execute(
            select(WorkOrderEvent.action, WorkOrderEvent.at, WorkOrderEvent.to_status, WorkOrderEvent.note)
            .where(WorkOrderEvent.order_id == a.id)
            .order_by(WorkOrderEvent.at, WorkOrderEvent.id)
        ).all()
        assert [x.action for x in steps] == ["receive", "dispatch", "resolve", "callback", "import"]
        assert steps[0].at == a.received_at and steps[2].at == a.resolved_at and steps[-1].to_status == "archived"
        assert "由历史台账导入" in steps[-1].note and "GX-2025-001" in steps[-1].note
        assert [x["action"] for x in orders_q.timeline(s, b.id)] == ["receive", "answer", "import"]

    # the desk's caller history, the inbox's counts and search, the KPIs
    now = utcnow()
    with read_session(town["scoped"]) as s:
        assert [r["number"] for r in orders_q.caller_history(s, phone="13800000001")["orders"]] == [a.number]
        assert [r["number"] for r in orders_q.caller_history(s, household_id=town["household"])["orders"]] == [a.number]
        assert order_counts.counts(s, ["open", "overdue", "callback", "to_dispatch"], now) == {
            "open": 1,
            "overdue": 1,
            "callback": 0,
            "to_dispatch": 0,
        }
        month = kpi.period_of("month", date(2025, 3, 1))
        row = kpi.order_stats(s, month.since, month.until, now)[0]
        assert row["received"] == 4 and row["closure_hit"] == 3
        assert (row["on_time_n"], row["on_time_hit"]) == (2, 1)  # a on time, d late; b (即办) has no clock
        assert (row["contact_n"], row["contact_hit"]) == (4, 2)  # a within 24 h, b answered at intake; d closed later
        assert (row["satisfaction_n"], row["satisfaction_hit"]) == (2, 1)
        assert (row["overdue_n"], row["overdue_hit"]) == (3, 2)  # d closed late, c open past due
    assert _count(engine, AuditLog, AuditLog.action == "work_order.import") == 4
    assert _count(engine, AuditLog, AuditLog.action == "import.orders") == 1


def test_the_same_file_again_changes_nothing_and_a_changed_row_is_updated(town):
    engine = town["engine"]
    assert _run(town, _file(GOOD)).ok
    events = _count(engine, WorkOrderEvent)
    audits = _count(engine, AuditLog)
    before = {n: (o.number, o.version) for n, o in _orders(engine).items()}

    report = _run(town, _file(GOOD))
    assert report.ok and report.counts == {"历史工单": {"created": 0, "updated": 0, "unchanged": 4}}
    assert {n: (o.number, o.version) for n, o in _orders(engine).items()} == before
    assert _count(engine, WorkOrderEvent) == events
    assert _count(engine, AuditLog) == audits + 1  # the summary only

    # the ledger corrected: a's result; c closed since
    a2 = {**A, "办理结果": "已更换保险丝和入户线，恢复供电。"}
    c2 = {
        **C,
        "状态": "已办结",
        "办结时间": "2025-03-10 17:00",
        "办理结果": "经调解两户达成一致。",
        "满意度": "基本满意",
    }
    report = _run(town, _file([a2, B, c2, D]))
    assert report.ok and report.counts == {"历史工单": {"created": 0, "updated": 2, "unchanged": 2}}
    o = _orders(engine)
    assert len(o) == 4 and o["GX-2025-001"].result == a2["办理结果"] and o["GX-2025-001"].version == 2
    c = o["GX-2025-003"]
    assert (c.status, c.resolved_at, c.satisfaction, c.version) == ("archived", L(2025, 3, 10, 17), "basic", 2)
    with read_session(engine) as s:
        note = s.scalar(
            select(WorkOrderEvent.note)
            .where(WorkOrderEvent.order_id == c.id)
            .order_by(WorkOrderEvent.id.desc())
            .limit(1)
        )
        assert "重新导入" in note and "状态" in note and "办结时间" in note
        assert order_counts.count(s, "open", utcnow()) == 0
    assert _count(engine, AuditLog, AuditLog.action == "work_order.import") == 6


def test_an_order_handled_in_the_console_since_is_left_to_the_console(town):
    engine, admin = town["engine"], town["admin"]
    assert _run(town, _file([C])).ok
    c = _orders(engine)["GX-2025-003"]
    orders_svc.urge(engine, admin, c.id, c.version)  # handled on in the console
    report = _run(town, _file([{**C, "诉求内容": "两户因为排水沟堵塞发生争吵，已动手。"}]))
    assert report.ok and report.counts == {"历史工单": {"created": 0, "updated": 0, "unchanged": 1}}
    after = _orders(engine)["GX-2025-003"]
    assert (after.description, after.version, after.urge_count) == (C["诉求内容"], 2, 1)


def test_the_townships_own_clock_for_the_category_is_used(town):
    engine = town["engine"]
    with write_session(engine) as s:
        cat = s.scalar(select(Category.id).where(Category.code == "SDQN02"))
        s.add(TownshipCategoryClock(township_id=town["town"], category_id=cat, contact_hours=12, handling_workdays=4))
    assert _run(town, _file([A])).ok
    a = _orders(engine)["GX-2025-001"]
    assert a.contact_due_at == L(2025, 3, 3, 21, 30) and a.due_workdays == 4 and a.due_at == L(2025, 3, 8)


BAD = [  # (row dict, the column named, a word of the message)
    ({**A, "原工单编号": "X" * 41}, "原工单编号", "40"),
    (
        {**A, "原工单编号": "E2", "受理时间": (utcnow() + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")},
        "受理时间",
        "现在",
    ),
    ({**A, "原工单编号": "E3", "受理时间": "去年春天"}, "受理时间", "不是日期时间"),
    ({**A, "原工单编号": "E4", "渠道": "微信"}, "渠道", "不是可选值"),
    ({**A, "原工单编号": "E5", "联系电话": None}, "联系电话", "须填写联系电话"),
    ({**A, "原工单编号": "E6", "联系电话": "12345"}, "联系电话", "格式不正确"),
    ({**A, "原工单编号": "E7", "所属村（社区）": "南山村"}, "所属村（社区）", "没有"),
    ({**A, "原工单编号": "E8", "所属网格编码": "T100201"}, "所属网格编码", "不属于东湖村"),
    ({**A, "原工单编号": "E9", "诉求类别": "水电气暖"}, "诉求类别", "最末一级"),
    ({**A, "原工单编号": "E10", "诉求内容": "停电"}, "诉求内容", "至少"),
    ({**C, "原工单编号": "E11", "承办部门": None}, "承办部门", "须填写承办部门"),
    ({**A, "原工单编号": "E12", "承办部门": "宣传办"}, "承办部门", "没有在用的部门"),
    ({**A, "原工单编号": "E13", "办结时间": None}, "办结时间", "须填写办结时间"),
    ({**A, "原工单编号": "E14", "办结时间": "2025-03-01 08:00"}, "办结时间", "不能早于受理时间"),
    ({**C, "原工单编号": "E15", "满意度": "满意"}, "满意度", "不填满意度"),
    ({**A, "原工单编号": "E16", "首次联系时间": "2025-03-06 08:00"}, "首次联系时间", "不能晚于办结时间"),
    ({**A, "原工单编号": "E17", "状态": "已撤销"}, "状态", "不是可选值"),
    ({**A, "原工单编号": "E18", "来电人姓名": "王" * 31}, "来电人姓名", "不能超过30个字"),
]


def test_a_file_with_bad_rows_writes_nothing_and_names_every_row_and_column(town):
    engine = town["engine"]
    rows = [A, *[r for r, _c, _m in BAD], {**B, "原工单编号": "GX-2025-001"}]
    report = _run(town, _file(rows))
    assert not report.ok and report.counts == {}
    found = {(e.row, e.column): e.message for e in report.errors}
    for i, (_r, column, word) in enumerate(BAD, start=5):  # header, explanation, example, A
        assert word in found.get((i, column), ""), (i, column, found.get((i, column)))
    assert "与第4行重复" in found[(5 + len(BAD), None)]
    assert report.error_total == len(BAD) + 1
    assert _count(engine, WorkOrder) == 0 and _count(engine, WorkOrderEvent) == 0
    assert _count(engine, AuditLog, AuditLog.action.like("%import%")) == 0
    marked = load_workbook(io.BytesIO(base.errors_workbook(history.SPEC, report)))[history.ORDERS.name]
    assert marked.cell(row=3, column=1).value.startswith("「原工单编号」")  # the first bad row, beside its values


def test_the_templates_explanation_and_example_rows_are_skipped(town):
    report = _run(town, _file([]))
    assert report.ok and report.counts == {} and base.summary(report) == "文件中没有数据行。"
    report = _run(town, _file([A]))
    assert report.ok and report.counts["历史工单"]["created"] == 1
    assert _count(town["engine"], WorkOrder) == 1
    report = _run(town, _file([B], keep_template_rows=False))  # deleted rows: the data starts at row 2
    assert report.ok and report.counts["历史工单"]["created"] == 1


def test_only_an_administrator_imports(sqlite_engine):
    clerk = Actor(7, "desk", "reception", "接待员", township_id=1)
    with pytest.raises(PermissionDenied):
        base.run(sqlite_engine, clerk, history, _file([A]), township_id=1)


def test_import_and_reimport_on_both_backends_keep_the_kpi_tables_exact(engine):
    t = _build(engine)
    assert _run(t, _file(GOOD)).counts == {"历史工单": {"created": 4, "updated": 0, "unchanged": 0}}
    assert _run(t, _file([{**C, "状态": "已办结", "办结时间": "2025-03-20 09:00"}, A, B, D])).counts == {
        "历史工单": {"created": 0, "updated": 1, "unchanged": 3}
    }
    cols = "township_id, day, received, closure_hit, on_time_n, on_time_hit, contact_hit, overdue_n, overdue_late"
    with engine.connect() as conn:
        kept = conn.execute(sql(f"SELECT {cols} FROM order_stats_day ORDER BY day")).all()  # nosec B608
        stats.rebuild(conn)
        assert conn.execute(sql(f"SELECT {cols} FROM order_stats_day ORDER BY day")).all() == kept  # nosec B608
        conn.rollback()
    assert sum(r.received for r in kept) == 4 and sum(r.overdue_late for r in kept) == 2  # d and c, late
    with read_session(t["scoped"]) as s:
        assert s.scalar(select(func.count()).select_from(Grid)) == 2
        assert {r["number"] for r in orders_q.caller_history(s, phone="13800000001")["orders"]} == {
            _orders(engine)["GX-2025-001"].number
        }
