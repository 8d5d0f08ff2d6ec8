"""Personal data inside the mediation module's free text, for the roles that see names and
phones masked (leader, demo): mobile numbers, ID numbers, the parties' names and the people
named in a step's participants are masked in every free-text field (title, summary, step
participants and notes, escalation reason, agreement, follow-up note, outcome, linked records'
titles) in the ledger, the case file, the Excel ledger, the case file and the agreement exports.
Roles that see names (the mediator) read the text as written."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from docx import Document
from openpyxl import load_workbook

from db.engine import read_session
from db.queries import mediation as mq
from db.services import mediation as med
from db.services import mediation_docs as docs
from db.services import orders
from db.services.mediation import PartyInput
from tests.factories.mediation import T0, World, build_world, case_input

MOBILE_A, MOBILE_B, ID_A = "13912345678", "13712345678", "411726197001011264"
SECRETS = [MOBILE_A, MOBILE_B, ID_A, "张三", "李四", "张德厚", "王网格", "李调解"]


@pytest.fixture
def w(sqlite_engine) -> World:
    return build_world(sqlite_engine)


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [x for v in value.values() for x in _strings(v)]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _strings(v)]
    return []


def leaks(value) -> list[str]:
    text = "\n".join(_strings(value))
    return [secret for secret in SECRETS if secret in text]


@pytest.fixture
def closed_case(w):
    """A case whose every free-text field carries a mobile number, an ID number, a party's name
    and (in the step) a participant's name; linked to a source order that names the caller."""
    order = orders.register(
        w.engine,
        w.admin,
        orders.Intake(
            channel="walk_in",
            description=f"张三来访反映邻居李四堵排水沟，电话{MOBILE_A}。",
            category_id=w.category,
            village_id=w.village,
            grid_id=w.grid_id,
            caller_name="张三",
            caller_phone=MOBILE_A,
            tier="local",
        ),
        now=T0 - timedelta(days=1),
    )["id"]
    case = med.open_case(
        w.engine,
        w.mediator,
        case_input(
            w,
            title="东湖村张三与李四排水纠纷",
            source="order",
            source_order_id=order,
            summary=f"张三（电话{MOBILE_A}，身份证号{ID_A}）反映李四家排水沟改道。",
            parties=[PartyInput("张三", MOBILE_A, ID_A, "applicant"), PartyInput("李四", MOBILE_B, None, "respondent")],
        ),
        now=T0,
    )
    case = med.record_step(
        w.engine,
        w.mediator,
        case["id"],
        case["version"],
        step_no=1,
        held_on=T0.date(),
        participants="网格员王网格、乡贤张德厚、调解员李调解、当事人张三",
        notes=f"张三称李四多次堵沟，李四手机{MOBILE_B}。",
        risk_colour="red",
        now=T0,
    )
    at = T0 + timedelta(days=1)
    case = med.escalate(
        w.engine, w.mediator, case["id"], case["version"], f"张三多次到乡里反映，电话{MOBILE_A}", now=at
    )
    case = med.record_step(
        w.engine,
        w.mediator,
        case["id"],
        case["version"],
        step_no=2,
        held_on=(at + timedelta(hours=8)).date(),
        participants="乡贤张德厚、双方当事人",
        notes="张德厚讲明情理，李四同意恢复排水沟。",
        risk_colour="blue",
        outcome="agreed",
        agreement_text=f"一、李四于三日内恢复排水沟原走向；\n二、张三（{MOBILE_A}）予以配合。",
        now=at,
    )
    later = T0 + timedelta(days=40)
    case = med.record_followup(
        w.engine,
        w.mediator,
        case["id"],
        case["version"],
        (later + timedelta(hours=8)).date(),
        f"回访张三，电话{MOBILE_A}，协议已履行",
        now=later,
    )
    case = med.close(
        w.engine, w.mediator, case["id"], case["version"], f"李四已履行，张三（身份证号{ID_A}）无异议。", now=later
    )
    return case


NOW = T0 + timedelta(days=41)


@pytest.mark.parametrize("role", ["leader", "demo"])
def test_reads_mask_numbers_and_names_in_every_free_text(w, closed_case, role):
    actor = getattr(w, role)
    with read_session(w.engine) as s:
        _, rows = mq.ledger_page(s, mq.LedgerFilter(), actor, NOW)
        exported = mq.ledger_export(s, mq.LedgerFilter(), actor, NOW)
        detail = mq.case_detail(s, actor, closed_case["id"], NOW)
    assert leaks(rows) == [] and leaks(exported) == []
    assert leaks(detail) == [], [x for x in _strings(detail) if any(k in x for k in SECRETS)]
    assert "139****5678" in detail["summary"] and "4117**********1264" in detail["summary"]
    assert detail["steps"][0]["participants"] == "网格员王*格、乡贤张*厚、调解员李*解、当事人张*"
    assert detail["links"] and detail["links"][0]["title"]


def test_the_mediator_reads_the_text_as_written(w, closed_case):
    with read_session(w.engine) as s:
        detail = mq.case_detail(s, w.mediator, closed_case["id"], NOW)
    assert MOBILE_A in detail["summary"] and ID_A in detail["summary"]
    assert detail["steps"][0]["participants"] == "网格员王网格、乡贤张德厚、调解员李调解、当事人张三"
    assert MOBILE_A in detail["followup_note"] and MOBILE_A in detail["escalation_reason"]


def _docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def _xlsx_text(data: bytes) -> str:
    ws = load_workbook(io.BytesIO(data)).active
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


def test_all_three_exports_mask_for_the_leader(w, closed_case):
    ledger, n = docs.export_ledger(w.engine, w.leader, mq.LedgerFilter(), now=NOW)
    case_file = docs.export_case_file(w.engine, w.leader, closed_case["id"], now=NOW)
    agreement = docs.export_agreement(w.engine, w.leader, closed_case["id"], now=NOW)
    assert n == 1
    for name, text in (
        ("ledger", _xlsx_text(ledger)),
        ("case file", _docx_text(case_file)),
        ("agreement", _docx_text(agreement)),
    ):
        assert leaks(text) == [], name
        assert "139****5678" in text, name
    # the mediator's exports keep the text
    assert MOBILE_A in _docx_text(docs.export_case_file(w.engine, w.mediator, closed_case["id"], now=NOW))


def test_screening_findings_are_scrubbed_for_the_leader(w):
    med.save_screening(
        w.engine,
        w.admin,
        w.village,
        "2026-02",
        done=True,
        findings=f"村民反映王先生家漏水，联系电话{MOBILE_A}，身份证{ID_A}",
        disputes_found=1,
        now=T0,
    )
    with read_session(w.engine) as s:
        leader = {r["village_id"]: r for r in mq.screening_month(s, "2026-02", T0, role="leader")}
        mediator = {r["village_id"]: r for r in mq.screening_month(s, "2026-02", T0, role="mediator")}
    assert MOBILE_A not in leader[w.village]["findings"] and ID_A not in leader[w.village]["findings"]
    assert "139****5678" in leader[w.village]["findings"]
    assert MOBILE_A in mediator[w.village]["findings"]
