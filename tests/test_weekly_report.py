"""The weekly dispatch report: numbers from the hand-made KPI dataset, masking, permission,
audit, and files that python-docx / openpyxl read back and LibreOffice converts to PDF."""

from __future__ import annotations

import io
import random
from datetime import date, timedelta

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from db.engine import read_session, write_session
from db.errors import PermissionDenied
from db.models import AuditLog, MediationCase, MediationParty, Village, WorkOrder
from db.permissions import Actor
from db.services import weekly_report as wr
from tests.factories import office
from tests.factories.kpi import NOW, WEEK, L, build

LEADER = Actor(0, "chief", "leader", "周书记")
ADMIN = Actor(0, "boss", "admin", "管理员")


@pytest.fixture
def world(engine):
    build(engine)
    with write_session(engine) as s:
        v = s.scalar(select(Village).where(Village.code == "V1"))
        case = MediationCase(
            number="TJ-2026-000001",
            township_id=v.township_id,
            village_id=v.id,
            dispute_type="homestead",
            title="王小明与李大军宅基地纠纷",
            summary="双方争执",
            source="walk_in",
            risk_colour="red",
            reported_at=L(2026, 3, 3, 10),
        )
        s.add(case)
        s.flush()
        s.add_all(
            [
                MediationParty(case_id=case.id, name="王小明", side="applicant"),
                MediationParty(case_id=case.id, name="李大军", side="respondent"),
            ]
        )
        # an overdue order whose title carries a phone number (free text is scrubbed for leaders)
        o = s.scalar(select(WorkOrder).where(WorkOrder.status == "in_progress"))
        o.title = "请回电13912345678反映积水"
    return engine


def _docx_text(data: bytes) -> tuple[str, list]:
    doc = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs)
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    return text + "\n" + "\n".join("|".join(r) for t in tables for r in t), tables


def test_week_numbers_and_lists(world):
    with read_session(world) as s:
        report = wr.assemble(s, WEEK, NOW, "leader")
    numbers = {r["key"]: r for r in report["numbers"]}
    # the KPI dataset: 5 orders this week, 1 the week before (see test_kpi_queries)
    assert (numbers["received"]["this"], numbers["received"]["last"], numbers["received"]["change"]) == ("5", "1", "+4")
    assert numbers["closure"]["this"] == "60.0%" and numbers["closure"]["n"] == 5
    assert numbers["closure"]["change"] == "-40.0个百分点"  # 60 % against 100 % (o8 closed)
    assert numbers["disputes"]["this"] == "1"
    assert report["red_disputes"]["total"] == 1
    # party names scrubbed from the case title for leaders
    assert report["red_disputes"]["items"][0]["title"] == "王*明与李*军宅基地纠纷"
    # open and overdue now: o4 (in progress, past its deadline); o5 has no deadline and is not supervised
    assert report["overdue"]["total"] == 1 and report["overdue"]["items"][0]["title"] == "请回电139****5678反映积水"
    assert report["overdue"]["items"][0]["owner"] == "综治办"
    # top villages this week: 东湖村 3 (o1, o2, o5) against 1 (o8) last week; 西山社区 2 against 0
    assert [(t["label"], t["this"], t["last"]) for t in report["top_villages"]] == [
        ("东湖村", 3, 1),
        ("西山社区", 2, 0),
    ]
    # one department handled everything: on time 1 of 2 resolved with a deadline
    assert [(d["department"], d["on_time"], d["on_time_n"]) for d in report["departments"]] == [("综治办", "50.0%", 2)]
    # carried over: received before Monday and still open -> o9 (a petition of March 2025, never
    # dispatched, so not overdue); o8 of last week was closed
    assert (report["carried"]["total"], report["carried"]["overdue"]) == (1, 0)
    assert report["carried"]["items"][0]["received"] == "2025-03-04"


def test_lists_are_cut_at_the_limit_in_their_order(world):
    """More open orders than the report lists: carried over oldest first; overdue or supervised
    most overdue first, the supervised ones without a deadline last."""
    with write_session(world) as s:
        t = s.scalar(select(WorkOrder).where(WorkOrder.status == "in_progress"))
        base = dict(
            township_id=t.township_id,
            village_id=t.village_id,
            grid_id=t.grid_id,
            channel="hotline",
            category_id=t.category_id,
            department_id=t.department_id,
            description="测试",
        )
        days = list(range(1, 41))
        random.Random(7).shuffle(days)  # inserted out of order: id order is not the list's order
        for d in days:
            s.add(
                WorkOrder(
                    number=f"RX-L-{d:03d}",
                    title=f"积压{d:02d}",
                    status="dispatched",
                    received_at=L(2026, 1, 1) + timedelta(days=d),
                    **base,
                )
            )
            s.add(
                WorkOrder(
                    number=f"RX-D-{d:03d}",
                    title=f"超期{d:02d}",
                    status="in_progress",
                    received_at=L(2026, 3, 3, 8),
                    due_at=L(2026, 3, 4) + timedelta(hours=d),
                    **base,
                )
            )
            if d <= 3:
                s.add(
                    WorkOrder(
                        number=f"RX-S-{d:03d}",
                        title=f"督办{d:02d}",
                        status="contacted",
                        received_at=L(2026, 3, 3, 8),
                        supervised=True,
                        **base,
                    )
                )
    with read_session(world) as s:
        report = wr.assemble(s, WEEK, NOW, "leader")
    # carried: o9 (March 2025) and the 40 backlog orders of January and February
    carried = [i["received"] for i in report["carried"]["items"]]
    assert report["carried"]["total"] == 41 and len(carried) == wr.LIST_LIMIT
    assert carried == ["2025-03-04"] + [f"{L(2026, 1, 1) + timedelta(days=d, hours=12):%Y-%m-%d}" for d in range(1, 30)]
    # overdue or supervised: the 40 new ones due 4-5 March come before o4 (due 6 March) and the
    # three supervised orders without a deadline
    overdue = [i["title"] for i in report["overdue"]["items"]]
    assert report["overdue"]["total"] == 40 + 1 + 3 and overdue == [f"超期{d:02d}" for d in range(1, 31)]


def test_exports_open_and_carry_the_numbers(world, tmp_path):
    name, mime, data = wr.export(LEADER, date(2026, 3, 4), "docx", NOW, engine=world)
    assert name == "周调度会材料_20260302-20260308.docx"
    text, tables = _docx_text(data)
    assert "周调度会材料（2026-03-02 至 2026-03-08）" in text
    assert tables[0][0] == ["指标", "本周", "本周n", "上周", "上周n", "变化"]
    assert tables[0][1][:3] == ["受理工单", "5", "5"]
    assert "王小明" not in text and "13912345678" not in text and "王*明" in text
    # East-Asian font set on the runs (Word and LibreOffice pick it for Chinese)
    doc = Document(io.BytesIO(data))
    run = doc.tables[0].rows[1].cells[0].paragraphs[0].runs[0]
    assert (
        run._element.rPr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "宋体"
    )

    _, _, xdata = wr.export(LEADER, date(2026, 3, 4), "xlsx", NOW, engine=world)
    wb = load_workbook(io.BytesIO(xdata))
    assert wb.sheetnames[:3] == ["本周数据", "红色纠纷", "超期督办"]
    ws = wb["本周数据"]
    assert [ws.cell(row=5, column=j).value for j in range(1, 4)] == ["受理工单", "5", 5]
    assert ws["A5"].font.name == "宋体"
    assert wb["红色纠纷"]["D5"].value == "王*明与李*军宅基地纠纷"

    # admins see names unmasked
    _, _, admin_doc = wr.export(ADMIN, date(2026, 3, 4), "docx", NOW, engine=world)
    assert "王小明与李大军" in _docx_text(admin_doc)[0]

    office.opens_all(tmp_path, {"report.docx": data, "report-sheet.xlsx": xdata}, min_bytes=5000)


def test_export_is_audited_and_refused_without_permission(world):
    wr.export(LEADER, date(2026, 3, 4), "xlsx", NOW, engine=world)
    with read_session(world) as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.action == "export")).all()
    assert len(rows) == 1 and rows[0].entity == "weekly_report"
    assert rows[0].after["format"] == "xlsx" and rows[0].after["week"] == "2026-03-02 至 2026-03-08"
    for role in ("demo", "reception", "platform", "mediator", "grid"):
        with pytest.raises(PermissionDenied):
            wr.export(Actor(0, role, role, role), date(2026, 3, 4), "docx", NOW, engine=world)
    with read_session(world) as s:
        assert len(s.scalars(select(AuditLog).where(AuditLog.action == "export")).all()) == 1


def test_new_disputes_count_disputes_only_and_hazards_apart(world):
    """新增矛盾纠纷 uses the KPI cohort (kind == "dispute"); a hazard reported the same week is
    counted on its own row and is not listed among the red disputes."""
    with write_session(world) as s:
        v = s.scalar(select(Village).where(Village.code == "V1"))
        s.add(
            MediationCase(
                number="TJ-2026-000002",
                township_id=v.township_id,
                village_id=v.id,
                kind="hazard",
                dispute_type="homestead",
                title="危房隐患",
                summary="墙体开裂",
                source="walk_in",
                risk_colour="red",
                reported_at=L(2026, 3, 4, 10),
            )
        )
    with read_session(world) as s:
        report = wr.assemble(s, WEEK, NOW, "leader")
    numbers = {r["key"]: r for r in report["numbers"]}
    assert (numbers["disputes"]["label"], numbers["disputes"]["this"]) == ("新增矛盾纠纷", "1")
    assert (numbers["hazards"]["label"], numbers["hazards"]["this"], numbers["hazards"]["last"]) == (
        "新增隐患",
        "1",
        "0",
    )
    assert report["red_disputes"]["total"] == 1
    assert [d["number"] for d in report["red_disputes"]["items"]] == ["TJ-2026-000001"]


def test_week_in_progress_is_compared_with_the_same_part_of_last_week(world):
    """On Tuesday 10 March 12:00 the week of 9 March has run 1.5 days: last week is cut at
    Tuesday 3 March 12:00 (o1, o2, o3 received; o4 and o5 came later)."""
    with read_session(world) as s:
        report = wr.assemble(s, wr.week_of(date(2026, 3, 10)), NOW, "leader")
    numbers = {r["key"]: r for r in report["numbers"]}
    assert (numbers["received"]["this"], numbers["received"]["last"]) == ("0", "3")
    assert numbers["disputes"]["last"] == "1"  # reported Tuesday 3 March 10:00, before the cut
    assert report["previous"]["label"] == "2026-03-02 至 2026-03-03 12:00"
    assert [(t["label"], t["this"], t["last"]) for t in report["top_villages"]] == []
