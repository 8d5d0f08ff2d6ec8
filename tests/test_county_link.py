"""The county's 12345 platform and petition office (issue #23): their exports, with the quirks such
exports have (a title and a date line above the table, merged cells, full-width digits, dates as
Excel numbers and as Chinese text, phones stored as numbers, the header repeated, a 合计 line),
imported as the township's orders through a review of the unmatched wording; imported again
without duplicates; the county's deadline kept when earlier; replies exported once per change.
Every workbook is built here from code."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import func, select

from db.engine import read_session, write_session
from db.errors import PermissionDenied, ValidationError
from db.models import AuditLog, Category, Grid, Household, WorkOrder
from db.permissions import Actor
from db.rules import county_sheet as sheet
from db.rules.sla import local_to_utc
from db.services import county_link as link
from db.services import orders as orders_svc
from db.services import setup
from tests.factories.accounts import first_admin
from tests.factories.clock import TEST_NOW

HEADERS = [
    "序号",
    "工单编号",
    "受理时间",
    "来电人",
    "联系电话",
    "诉求内容",
    "诉求类型",
    "所属区域",
    "办理时限",
    "紧急程度",
    "承办单位",
]


def excel_serial(local: datetime) -> float:
    return (local - datetime(1899, 12, 30)).total_seconds() / 86400


def county_export(rows: list[list], title: str = "泌阳县12345政务服务便民热线转办工单") -> bytes:
    """A workbook as the county platform exports it: a merged title, an export-time line, the
    header, the rows (a vertically merged cell among them), the header again, a blank line and
    a 合计 line."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws.append(["导出时间：2026年11月20日 09:00", None, None, "导出人：县热线办"])
    ws.append(HEADERS)
    for k, r in enumerate(rows, start=1):
        ws.append([k, *r])
        if k == 2:
            ws.append(HEADERS)  # the next printed page
    ws.append([])
    ws.append(["合计", f"{len(rows)}件"])
    if len(rows) >= 3:  # 诉求类型 of rows 2 and 3 merged (one category for both)
        first = 4 + 1  # row 2 of the data sits after the title, date line, header and row 1
        ws.merge_cells(start_row=first, start_column=7, end_row=first + 2, end_column=7)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


ROWS = [
    [
        "ＢＹ２０２６１１１９０００１",
        excel_serial(datetime(2026, 11, 19, 9, 30)),
        "张先生",
        13800138000,
        "白云镇东村三组路边电线杆倾斜，晚上路过很危险，请尽快处理。",
        "水电气暖/用电故障",
        "泌阳县白云镇东村三组",
        "2026年11月25日",
        "紧急",
        "白云镇人民政府",
    ],
    [
        "BY202611190002",
        datetime(2026, 11, 19, 10, 5),
        "李女士",
        "+86 139-0013-9000",
        "西村村口垃圾堆放多日无人清运，气味很大。",
        "其他类",
        "白云镇西村村口",
        "2026/11/28 17:30",
        "一般",
        "白云镇",
    ],
    [None, None, None, None, None, None, None, None, None, None],  # the repeated header sits here
    [
        "BY202611190003",
        "2026-11-19 11:20:00",
        None,
        "0396-7654321",
        "东村小学门口道路破损，坑洼积水，学生上下学不便。",
        None,
        "东村",
        "20261130",
        "",
        "白云镇",
    ],
]
ROWS = [r for r in ROWS if any(v is not None for v in r)]


@pytest.fixture
def town(engine):
    admin = first_admin(engine)
    t = setup.create_township(engine, admin, code="T1", name="白云镇", county="泌阳县")
    east = setup.create_village(engine, admin, township_id=t, code="T1001", name="东村")
    west = setup.create_village(engine, admin, township_id=t, code="T1002", name="西村")
    setup.load_standard_categories(engine, admin)
    with read_session(engine) as s:
        other = s.scalar(select(Category.id).where(Category.name == "垃圾清运"))
    return {"engine": engine, "admin": admin, "township": t, "east": east, "west": west, "other": other}


def _orders(engine, *where):
    with read_session(engine) as s:
        return list(
            s.scalars(
                select(WorkOrder).where(WorkOrder.external_source.is_not(None), *where).order_by(WorkOrder.external_no)
            )
        )


def test_a_county_export_is_reviewed_imported_and_imported_again_without_duplicates(town):
    engine, admin = town["engine"], town["admin"]
    raw = county_export(ROWS)
    pre = link.preview(engine, admin, raw, "转办工单.xlsx", "12345")
    assert pre.problems == [], pre.problems
    assert (pre.rows, pre.header_line, pre.new, pre.updates) == (3, 3, 3, 0)
    # the merged 其他类 covers rows 2 and 3; row 1's path ends in a category of the console
    assert pre.unmatched_categories == {"其他类": 2}
    assert pre.unmatched_villages == {}
    with pytest.raises(ValidationError, match="核对页面"):
        link.commit(engine, admin, raw, "转办工单.xlsx", "12345", now=TEST_NOW)
    assert _orders(engine) == []

    done = link.commit(engine, admin, raw, "转办工单.xlsx", "12345", categories={"其他类": town["other"]}, now=TEST_NOW)
    assert (done.created, done.updated, done.unchanged) == (3, 0, 0)
    first, second, third = _orders(engine)
    assert first.external_no == "BY202611190001"  # full-width digits
    assert first.caller_phone == "13800138000" and second.caller_phone == "13900139000"
    assert third.caller_phone == "0396-7654321"
    assert first.channel == "12345" and first.urgency == "urgent" and first.village_id == town["east"]
    assert second.village_id == town["west"] and second.category_id == town["other"]
    assert first.external_received_at == local_to_utc(datetime(2026, 11, 19, 9, 30))  # an Excel number
    assert first.external_due_at == local_to_utc(datetime(2026, 11, 26))  # a date: its end, 24:00
    assert second.external_due_at == local_to_utc(datetime(2026, 11, 28, 17, 30))
    assert third.external_due_at == local_to_utc(datetime(2026, 12, 1))
    assert first.received_at == TEST_NOW  # the township's clocks start when it receives it
    with read_session(engine) as s:
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "county.import")) == 1
    # the county's number finds the order in the inbox's search, whatever its status filter
    from db.queries import orders as orders_q

    with read_session(engine) as s:
        found = (
            s.execute(orders_q.inbox_select(s, orders_q.InboxFilter(text="by202611190002"), admin, TEST_NOW))
            .mappings()
            .all()
        )
    assert [r["external_no"] for r in found] == ["BY202611190002"]
    # remembered: the next file needs no review
    assert link.preview(engine, admin, raw, "转办工单.xlsx", "12345").ok

    again = link.commit(engine, admin, raw, "转办工单.xlsx", "12345", now=TEST_NOW + timedelta(hours=1))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    later = [list(r) for r in ROWS]
    later[1][7] = "2026-12-02 17:30"  # the county extended ticket 2
    moved = link.commit(
        engine, admin, county_export(later), "转办工单（续）.xlsx", "12345", now=TEST_NOW + timedelta(hours=2)
    )
    assert (moved.created, moved.updated, moved.unchanged) == (0, 1, 2)
    assert len(_orders(engine)) == 3
    assert _orders(engine)[1].external_due_at == local_to_utc(datetime(2026, 12, 2, 17, 30))


def test_every_problem_is_listed_by_row_and_column_and_nothing_is_written(town):
    engine, admin = town["engine"], town["admin"]
    bad = [list(r) for r in ROWS]
    bad[0][1] = "明天上午"  # not a date
    bad[1][3] = "12345"  # not a phone: a warning (the county may mask or double it), not a problem
    bad[2][4] = None  # no description
    bad[2][0] = bad[0][0]  # the same ticket twice
    pre = link.preview(engine, admin, county_export(bad), "x.xlsx", "12345", categories={"其他类": town["other"]})
    found = {(line, column) for line, column, _m in pre.problems}
    # rows 4 and 5, the header again on row 6, row 7
    assert found == {(4, "受理时间"), (7, "诉求内容"), (7, "工单编号")}, pre.problems
    assert [(line, column) for line, column, _m in pre.warnings] == [(5, "联系电话")]
    assert any("与第4行编号重复" in m for _l, _c, m in pre.problems)
    with pytest.raises(ValidationError, match="3 处问题"):
        link.commit(
            engine, admin, county_export(bad), "x.xlsx", "12345", categories={"其他类": town["other"]}, now=TEST_NOW
        )
    assert _orders(engine) == []


def test_a_file_without_the_usual_headers_is_read_with_the_townships_own_mapping(town):
    engine, admin = town["engine"], town["admin"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["单号", "时间", "诉求", "分类", "位置"])
    ws.append(["Q1", "2026-11-19 08:00", "东村自来水停水两天了，请尽快恢复供水。", "水电气暖-自来水供应", "东村"])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(ValidationError, match="找不到这些必需的列"):
        link.preview(engine, admin, buf.getvalue(), "q.xlsx", "12345")
    link.save_columns(
        engine,
        admin,
        "12345",
        {"number": "单号", "received_at": "时间", "description": "诉求", "category": "分类", "area": "位置"},
    )
    pre = link.preview(engine, admin, buf.getvalue(), "q.xlsx", "12345")
    assert pre.ok and pre.new == 1, pre


def test_csv_in_gbk_and_petitions(town):
    engine, admin = town["engine"], town["admin"]
    text = (
        "信访件编号,登记时间,信访人,联系电话,信访事项,问题类别,所属区域\n"
        "XF-2026-0101,2026年11月18日14时05分,王某,13700137000,反映东村道路破损多次未修。,其他类,东村\n"
    )
    raw = text.encode("gb18030")
    # the petitioner's household, the only one of 东村 with that phone: the petition is its matter
    with write_session(engine) as s:
        grid = s.scalar(select(Grid.id).where(Grid.village_id == town["east"]))
        if grid is None:
            grid = Grid(village_id=town["east"], code="T100101", name="东村第一网格")
            s.add(grid)
            s.flush()
            grid = grid.id
        hh = Household(grid_id=grid, address="东村1号", head_name="王某", phone="13700137000")
        s.add(hh)
        s.flush()
        household = hh.id
    done = link.commit(engine, admin, raw, "信访件.csv", "petition", categories={"其他类": town["other"]}, now=TEST_NOW)
    assert done.created == 1
    (p,) = _orders(engine)
    assert (p.channel, p.external_source, p.external_no) == ("petition", "petition", "XF-2026-0101")
    assert p.external_received_at == local_to_utc(datetime(2026, 11, 18, 14, 5))
    assert p.household_id == household and p.grid_id == grid


def test_the_earlier_deadline_is_the_orders_and_replies_go_out_once_per_change(town):
    engine, admin = town["engine"], town["admin"]
    link.commit(
        engine, admin, county_export(ROWS), "x.xlsx", "12345", categories={"其他类": town["other"]}, now=TEST_NOW
    )
    first = _orders(engine)[0]
    with read_session(engine) as s:
        from db.models import Department, Platform

        platform, dept = s.execute(
            select(Platform.id, Department.id).join(Department, Department.platform_id == Platform.id)
        ).first()
    contacted = orders_svc.contact(engine, admin, first.id, first.version, now=TEST_NOW)
    out = orders_svc.dispatch(
        engine,
        admin,
        first.id,
        contacted["version"],
        platform_id=platform,
        department_id=dept,
        workdays=10,
        now=TEST_NOW,
    )
    assert out["due_at"] == first.external_due_at  # 10 working days would end in December
    replies = link.export_replies(engine, admin)
    assert replies.rows == 3
    assert link.export_replies(engine, admin).rows == 3  # not taken yet: still due (a closed tab loses none)
    assert link.mark_replied(engine, admin, replies) == 3
    sheet_rows = list(openpyxl.load_workbook(io.BytesIO(replies.content)).active.iter_rows(values_only=True))
    assert sheet_rows[0][:3] == ("工单编号", "办理状态", "承办单位")
    assert {r[0] for r in sheet_rows[1:]} == {"BY202611190001", "BY202611190002", "BY202611190003"}
    assert link.export_replies(engine, admin).rows == 0  # nothing twice
    order = _orders(engine)[1]
    orders_svc.contact(engine, admin, order.id, order.version, now=TEST_NOW + timedelta(hours=1))
    link.save_columns(engine, admin, "reply", {"result": "处理结果", "number": "12345工单号"})
    again = link.export_replies(engine, admin)
    rows = list(openpyxl.load_workbook(io.BytesIO(again.content)).active.iter_rows(values_only=True))
    assert again.rows == 1 and rows[0][0] == "12345工单号" and "处理结果" in rows[0] and rows[1][0] == "BY202611190002"


def test_who_may_import_and_reply():
    leader = Actor(user_id=0, username="l", role="leader", display_name="领导")
    with pytest.raises(PermissionDenied):
        link.preview(None, leader, b"", "x.xlsx", "12345")
    reception = Actor(user_id=0, username="r", role="reception", display_name="接待")
    with pytest.raises(PermissionDenied):
        link.export_replies(None, reception)


@pytest.mark.parametrize(
    "cell, expected",
    [
        (46345.395833333336, datetime(2026, 11, 19, 9, 30)),
        (excel_serial(datetime(2026, 11, 19, 23, 58)), datetime(2026, 11, 19, 23, 58)),  # not 23:57:59
        ("2026-11-19 09:30:00.5", datetime(2026, 11, 19, 9, 30)),
        ("2026年11月19日9时30分", datetime(2026, 11, 19, 9, 30)),
        ("２０２６－１１－１９　０９：３０", datetime(2026, 11, 19, 9, 30)),
        ("20261119093000", datetime(2026, 11, 19, 9, 30)),
        ("2026.11.19 9:30", datetime(2026, 11, 19, 9, 30)),
        ("2026/11/19", datetime(2026, 11, 19)),
    ],
)
def test_dates_as_counties_write_them(cell, expected):
    assert sheet.parse_datetime(cell) == local_to_utc(expected)


@pytest.mark.parametrize("cell", ["明天", "2026-02-30", "11月19日"])
def test_dates_that_cannot_be_read(cell):
    with pytest.raises(ValueError):
        sheet.parse_datetime(cell)


def test_an_export_with_other_headers_and_the_village_only_in_the_text(town):
    """Another county's layout: headers with units in brackets and other words, the area column
    holding only the township; the village is read from the complaint."""
    engine, admin = town["engine"], town["admin"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(
        ["流水号", "创建时间（年月日时分）", "诉求人姓名", "来电电话", "工单内容", "工单类型", "所属乡镇", "处理时限"]
    )
    ws.append(
        [
            "A-77",
            "2026-11-19 08:00",
            "赵某",
            "13600136000",
            "西村三组垃圾无人清运，气味很大。",
            "其他类",
            "白云镇",
            "2026-11-22",
        ]
    )
    buf = io.BytesIO()
    wb.save(buf)
    pre = link.preview(engine, admin, buf.getvalue(), "other.xlsx", "12345", categories={"其他类": town["other"]})
    assert pre.ok, pre
    assert pre.columns["received_at"] == "创建时间（年月日时分）"
    link.commit(
        engine, admin, buf.getvalue(), "other.xlsx", "12345", categories={"其他类": town["other"]}, now=TEST_NOW
    )
    (order,) = _orders(engine)
    assert order.village_id == town["west"] and order.external_no == "A-77"


def test_deadline_at_24_00_is_the_end_of_that_day():
    assert sheet.parse_datetime("2026-11-25 24:00", end_of_day=True) == local_to_utc(datetime(2026, 11, 26))


def test_what_the_county_leaves_empty_or_masked_does_not_block_the_file(town):
    """A row without a category (chosen on the review as （空）), without a phone or with a masked
    one (a 12345 ticket: imported, the masked text in its timeline), and a file without 紧急程度,
    which leaves an imported order's urgency as it was; a description the desk would refuse is
    a problem of its row; an area naming two villages is asked, not guessed."""
    engine, admin = town["engine"], town["admin"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["工单编号", "受理时间", "联系电话", "诉求内容", "所属区域"])
    ws.append(["N1", "2026-11-19 08:00", "138****8000", "东村自来水停水两天了，请尽快恢复供水。", "东村"])
    ws.append(["N2", "2026-11-19 09:00", None, "东村路灯不亮，晚上出行不便，请维修。", "东村"])
    ws.append(["N3", "2026-11-19 10:00", None, "太短", "东村"])
    ws.append(["N4", "2026-11-19 11:00", None, "两村交界处垃圾堆放，无人清运，气味很大。", "东村西村交界"])
    buf = io.BytesIO()
    wb.save(buf)
    raw = buf.getvalue()
    pre = link.preview(engine, admin, raw, "n.xlsx", "12345")
    assert pre.unmatched_categories == {"（空）": 4}
    assert pre.unmatched_villages == {"东村西村交界": 1}
    assert [(line, column) for line, column, _m in pre.problems] == [(4, "诉求内容")]
    assert [(line, column) for line, column, _m in pre.warnings] == [(2, "联系电话")]
    ws.delete_rows(4)  # the clerk fixes the file: N3 goes back to the county
    buf = io.BytesIO()
    wb.save(buf)
    raw = buf.getvalue()
    done = link.commit(
        engine,
        admin,
        raw,
        "n.xlsx",
        "12345",
        categories={"（空）": town["other"]},
        villages={"东村西村交界": town["west"]},
        now=TEST_NOW,
    )
    assert done.created == 3
    n1, n2, n4 = _orders(engine)
    assert n1.caller_phone is None and n2.caller_phone is None and n4.village_id == town["west"]
    with read_session(engine) as s:
        from db.models.orders import WorkOrderEvent

        notes = " ".join(s.scalars(select(WorkOrderEvent.note).where(WorkOrderEvent.order_id == n1.id)))
    assert "138****8000" in notes
    with write_session(engine) as s:
        s.get(WorkOrder, n2.id).urgency = "critical"
    link.commit(engine, admin, raw, "n.xlsx", "12345", now=TEST_NOW)
    assert _orders(engine)[1].urgency == "critical"  # the file says nothing of urgency
