"""Mediation exports: the Excel ledger, the case file and the agreement. Each one is read back
(openpyxl / python-docx), masked per role, audited, refused without ``mediation.export``, and
opens in LibreOffice (``soffice --headless --convert-to pdf``)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from db.engine import read_session
from db.errors import PermissionDenied, ValidationError
from db.models import AuditLog
from db.queries import mediation as mq
from db.services import mediation_docs as docs
from tests.factories import office
from tests.factories.mediation import T0, build_world, opened, step


@pytest.fixture
def w(sqlite_engine):
    return build_world(sqlite_engine)


@pytest.fixture
def agreed(w):
    case = opened(w)
    case = step(w, case, 1, colour="red")
    case = step(
        w,
        case,
        2,
        day=1,
        outcome="agreed",
        colour="blue",
        agreement="一、李四于三日内将排水沟恢复原走向；\n二、张三不再追究此前损失。",
    )
    return case


def text_of(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def soffice_opens(tmp_path, name: str, data: bytes) -> None:
    office.opens(tmp_path, name, data)


def exports(w) -> list:
    with read_session(w.engine) as s:
        return s.scalars(select(AuditLog).where(AuditLog.action == "export", AuditLog.entity == "mediation_case")).all()


def test_ledger_xlsx_reads_back_masked_audited_and_opens(w, agreed, tmp_path):
    opened(w, title="另一件邻里纠纷", risk_colour="red")
    data, n = docs.export_ledger(w.engine, w.mediator, mq.LedgerFilter(), now=T0 + timedelta(days=2))
    assert n == 2
    ws = load_workbook(io.BytesIO(data)).active
    assert ws.cell(1, 1).value.startswith("矛盾纠纷排查调处台账")
    assert [ws.cell(2, c).value for c in range(1, 4)] == ["序号", "编号", "登记日期"]
    rows = {ws.cell(r, 2).value: [ws.cell(r, c).value for c in range(1, 19)] for r in (3, 4)}
    row = rows[agreed["number"]]
    assert row[3] == "东湖村" and row[6] == "张三 与 李四" and row[12] == "已达成协议"
    assert "网格员初调" in row[11] and "乡贤参调（达成协议）" in row[11]
    soffice_opens(tmp_path, "ledger.xlsx", data)
    leader_data, _ = docs.export_ledger(w.engine, w.leader, mq.LedgerFilter(), now=T0 + timedelta(days=2))
    lws = load_workbook(io.BytesIO(leader_data)).active
    assert {lws.cell(r, 7).value for r in (3, 4)} == {"张* 与 李*"}
    assert [a.after["rows"] for a in exports(w)] == [2, 2]


def test_agreement_and_case_file(w, agreed, tmp_path):
    data = docs.export_agreement(w.engine, w.mediator, agreed["id"], now=T0 + timedelta(days=2))
    text = text_of(data)
    assert "人民调解协议书" in text and agreed["number"] in text
    assert "申请人：张三" in text and "被申请人：李四" in text
    assert "李四于三日内将排水沟恢复原走向" in text and "人民调解员（签名）" in text
    doc = Document(io.BytesIO(data))
    assert (
        doc.styles["Normal"].element.rPr.rFonts.get(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
        )
        == "宋体"
    )
    case_file = docs.export_case_file(w.engine, w.leader, agreed["id"], now=T0 + timedelta(days=2))
    text = text_of(case_file)
    assert "矛盾纠纷调处案卷" in text and "网格员初调" in text and "乡贤参调" in text
    assert "申请人：张*" in text and "张三" not in text and "138****5678" in text
    office.opens_all(tmp_path, {"agreement.docx": data, "case.docx": case_file})
    assert len(exports(w)) == 2


def test_agreement_needs_an_agreement_and_exports_need_the_action(w):
    case = opened(w)
    with pytest.raises(ValidationError, match="尚未达成调解协议"):
        docs.export_agreement(w.engine, w.mediator, case["id"], now=T0)
    for role in ("grid", "demo"):
        actor = getattr(w, role)
        with pytest.raises(PermissionDenied):
            docs.export_ledger(w.engine, actor, mq.LedgerFilter(), now=T0)
        with pytest.raises(PermissionDenied):
            docs.export_case_file(w.engine, actor, case["id"], now=T0)
    assert exports(w) == []


@pytest.mark.parametrize("summary", ['=HYPERLINK("http://x.invalid","点我")', "=cmd|' /C calc'!A0"])
def test_ledger_writes_user_text_as_text_never_a_formula(w, summary):
    """openpyxl writes a string starting with '=' as a formula: a case summary such as
    =HYPERLINK(…) came out of the ledger as a live formula."""
    opened(w, summary=summary)
    data, _ = docs.export_ledger(w.engine, w.mediator, mq.LedgerFilter(), now=T0 + timedelta(days=2))
    ws = load_workbook(io.BytesIO(data)).active
    cells = [c for row in ws.iter_rows(min_row=3) for c in row if isinstance(c.value, str) and "=" in c.value]
    assert cells and all(c.data_type == "s" for c in cells), [(c.coordinate, c.data_type) for c in cells]
    assert any(c.value == summary for c in cells)
