"""Printable mediation documents: the ledger as Excel (the layout offices keep), a case file and
a 人民调解协议书 as Word. Personal data is masked for the role that exports; every export needs
``mediation.export`` and is audited (action ``export``, entity ``mediation_case``).

The documents are built only from ``db.queries.mediation.ledger_export`` and ``case_detail``,
which already mask party fields and scrub every free-text field (numbers, ID numbers, the names
known around the case, names in step participants, linked records' titles) for roles that do
not see names: nothing here reads the database directly, so nothing unscrubbed can reach a file.
"""

from __future__ import annotations

import io
from datetime import date, datetime

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from sqlalchemy import Engine

from db.engine import read_session, write_session
from db.errors import NotFound, ValidationError
from db.models.mediation import CASE_KINDS, CASE_LEVELS, CASE_SOURCES, DISPUTE_TYPES, RISK_COLOURS
from db.permissions import Actor, require
from db.queries import mediation as mq
from db.rules import mediation_fsm as fsm
from db.rules.sla import to_local
from db.services import audit
from db.services.base import now_or

FONT = "宋体"
SIDES = {"applicant": "申请人", "respondent": "被申请人"}

LEDGER_COLUMNS = [  # (header, width)
    ("序号", 6),
    ("编号", 16),
    ("登记日期", 12),
    ("村（社区）", 12),
    ("类别", 8),
    ("纠纷类型", 10),
    ("当事人", 18),
    ("简要情况", 40),
    ("风险等级", 8),
    ("调处层级", 8),
    ("调解员", 10),
    ("调解过程", 40),
    ("状态", 10),
    ("结果", 30),
    ("协议日期", 12),
    ("回访日期", 12),
    ("销号日期", 12),
    ("重启次数", 8),
]


def _d(ts: datetime | date | None) -> str:
    if ts is None:
        return ""
    if isinstance(ts, datetime):
        return f"{to_local(ts):%Y-%m-%d}"
    return f"{ts:%Y-%m-%d}"


def _record_export(engine: Engine, actor: Actor, what: str, rows: int, detail: dict) -> None:
    with write_session(engine) as s:
        audit.record(
            s,
            actor,
            "export",
            "mediation_case",
            detail.get("case_id"),
            after={"rows": rows, "document": what, **detail},
        )


# --------------------------------------------------------------------------- Excel ledger


def _day(ts: datetime | date | None) -> date | None:
    """A date cell (Beijing date) for the workbook: sorted and filtered as a date in Excel."""
    if ts is None:
        return None
    return to_local(ts).date() if isinstance(ts, datetime) else ts


def ledger_workbook(rows: list[dict], title: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "矛盾纠纷台账"
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ncol = len(LEDGER_COLUMNS)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
    ws.cell(1, 1, title).font = Font(name=FONT, size=16, bold=True)
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    head_fill = PatternFill("solid", fgColor="DDE6F0")
    for col, (header, width) in enumerate(LEDGER_COLUMNS, start=1):
        c = ws.cell(2, col, header)
        c.font = Font(name=FONT, bold=True)
        c.fill = head_fill
        c.border = border
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = width
    for k, r in enumerate(rows, start=1):
        values = [
            k,
            r["number"],
            _day(r["reported_at"]),
            r["village"],
            CASE_KINDS.get(r["kind"], r["kind"]),
            DISPUTE_TYPES.get(r["dispute_type"], r["dispute_type"]),
            r.get("parties") or "",
            r.get("summary") or "",
            RISK_COLOURS.get(r["risk_colour"], r["risk_colour"]),
            CASE_LEVELS.get(r["level"], r["level"]),
            r.get("mediator") or "",
            r.get("process") or "",
            fsm.STATUS_LABELS.get(r["status"], r["status"]),
            r.get("outcome") or r.get("agreement_text") or "",
            _day(r.get("agreed_at")),
            _day(r.get("followup_at")),
            _day(r.get("closed_at")),
            r.get("reopen_count") or 0,
        ]
        for col, value in enumerate(values, start=1):
            c = ws.cell(k + 2, col, value)
            if isinstance(value, str):
                c.data_type = "s"  # text, never a formula: a title such as "=HYPERLINK(…)" stays inert
            elif isinstance(value, date):
                c.number_format = "yyyy-mm-dd"
            c.font = Font(name=FONT)
            c.border = border
            c.alignment = Alignment(vertical="top", wrap_text=True)
    ws.freeze_panes = "C3"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_ledger(
    engine: Engine, actor: Actor, f: mq.LedgerFilter, now: datetime | None = None, limit: int = mq.EXPORT_LIMIT
) -> tuple[bytes, int]:
    """The filtered ledger as .xlsx (parties masked for the role); audited. Returns (bytes, rows)."""
    require(actor, "mediation.export")
    now = now_or(now)
    with read_session(engine) as s:
        rows = mq.ledger_export(s, f, actor, now, limit)
    title = f"矛盾纠纷排查调处台账（导出日期：{to_local(now):%Y-%m-%d}）"
    data = ledger_workbook(rows, title)
    _record_export(engine, actor, "ledger_xlsx", len(rows), {"filter": _filter_detail(f)})
    return data, len(rows)


def _filter_detail(f: mq.LedgerFilter) -> dict:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in f.__dict__.items() if v}


# --------------------------------------------------------------------------- Word documents


def _doc() -> DocxDocument:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    for sec in doc.sections:
        sec.top_margin = sec.bottom_margin = Cm(2.5)
        sec.left_margin = sec.right_margin = Cm(2.6)
    return doc


def _run_font(run, size: float | None = None, bold: bool = False) -> None:
    run.font.name = FONT
    run._element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    if size:
        run.font.size = Pt(size)
    run.bold = bold


def _title(doc: DocxDocument, text: str, sub: str | None = None) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run_font(p.add_run(text), 20, True)
    if sub:
        q = doc.add_paragraph()
        q.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _run_font(q.add_run(sub), 11)


def _para(doc: DocxDocument, label: str, text: str | None) -> None:
    p = doc.add_paragraph()
    _run_font(p.add_run(label), bold=True)
    _run_font(p.add_run(text or "—"))


def _table(doc: DocxDocument, rows: list[tuple[str, str]], cols: int = 4) -> None:
    n = -(-len(rows) // (cols // 2))
    t = doc.add_table(rows=n, cols=cols)
    t.style = "Table Grid"
    for k, (label, value) in enumerate(rows):
        r, c = divmod(k, cols // 2)
        cell_l, cell_v = t.cell(r, 2 * c), t.cell(r, 2 * c + 1)
        _run_font(cell_l.paragraphs[0].add_run(label), bold=True)
        _run_font(cell_v.paragraphs[0].add_run(value or "—"))


def _bytes(doc: DocxDocument) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _party_line(p: dict) -> str:
    bits = [p["name"]]
    if p.get("phone"):
        bits.append(f"电话：{p['phone']}")
    if p.get("id_number"):
        bits.append(f"身份证号：{p['id_number']}")
    return "，".join(bits)


def case_file_docx(d: dict) -> bytes:
    """一案一档: the whole case on paper."""
    doc = _doc()
    _title(doc, "矛盾纠纷调处案卷", f"案件编号：{d['number']}")
    _table(
        doc,
        [
            ("案件名称", d["title"]),
            ("登记日期", _d(d["reported_at"])),
            ("所在村（社区）", f"{d['township']}{d['village']}"),
            ("网格", d.get("grid") or "—"),
            ("类别", CASE_KINDS.get(d["kind"], d["kind"])),
            ("纠纷类型", DISPUTE_TYPES.get(d["dispute_type"], "")),
            ("案件来源", CASE_SOURCES.get(d["source"], d["source"])),
            ("风险等级", RISK_COLOURS.get(d["risk_colour"], "")),
            ("调处层级", CASE_LEVELS.get(d["level"], d["level"])),
            ("调解员", d.get("mediator") or "—"),
            ("当前状态", fsm.STATUS_LABELS.get(d["status"], d["status"])),
            ("重启次数", str(d.get("reopen_count") or 0)),
        ],
    )
    doc.add_paragraph()
    h = doc.add_paragraph()
    _run_font(h.add_run("一、当事人"), 14, True)
    for p in d["parties"]:
        _para(doc, f"{SIDES.get(p['side'], p['side'])}：", _party_line(p))
    h = doc.add_paragraph()
    _run_font(h.add_run("二、纠纷简要情况"), 14, True)
    doc.add_paragraph(d["summary"])
    h = doc.add_paragraph()
    _run_font(h.add_run("三、调解过程"), 14, True)
    if not d["steps"]:
        doc.add_paragraph("尚未开展调解。")
    for st in d["steps"]:
        p = doc.add_paragraph()
        _run_font(p.add_run(f"第{st['step_no']}步 {st['step']}（{_d(st['held_on'])}）"), bold=True)
        _para(doc, "参加人员：", st["participants"])
        _para(doc, "调解情况：", st["notes"])
        _para(
            doc,
            "本步结果：",
            ("达成协议" if st["outcome"] == "agreed" else "未达成，进入下一步")
            + f"；风险等级评定为{RISK_COLOURS.get(st['risk_colour'], '')}",
        )
    if d.get("escalated_at"):
        _para(doc, "升级至乡级：", f"{_d(d['escalated_at'])}，原因：{d.get('escalation_reason') or ''}")
    h = doc.add_paragraph()
    _run_font(h.add_run("四、调处结果与回访"), 14, True)
    _para(doc, "协议内容：", d.get("agreement_text"))
    _para(doc, "协议日期：", _d(d.get("agreed_at")) or None)
    _para(doc, "应回访日期：", _d(d.get("followup_due_on")) or None)
    _para(
        doc, "回访情况：", (f"{_d(d['followup_at'])} {d.get('followup_note') or ''}" if d.get("followup_at") else None)
    )
    _para(doc, "调处结果：", d.get("outcome"))
    _para(doc, "销号日期：", _d(d.get("closed_at")) or None)
    if d.get("links"):
        _para(doc, "关联记录：", "；".join(f"{k['number'] or ''} {k['title'] or ''}" for k in d["links"]))
    return _bytes(doc)


def agreement_docx(d: dict) -> bytes:
    """人民调解协议书: parties, the dispute's facts, the agreed terms, signature lines."""
    if not d.get("agreement_text"):
        raise ValidationError("该案件尚未达成调解协议，不能打印协议书。", field="agreement_text")
    doc = _doc()
    _title(doc, "人民调解协议书", f"编号：{d['number']}")
    for p in d["parties"]:
        _para(doc, f"{SIDES.get(p['side'], p['side'])}：", _party_line(p))
    h = doc.add_paragraph()
    _run_font(h.add_run("纠纷主要事实、争议事项："), bold=True)
    doc.add_paragraph(d["summary"])
    h = doc.add_paragraph()
    _run_font(h.add_run("经调解，自愿达成如下协议："), bold=True)
    for line in [x for x in d["agreement_text"].split("\n") if x.strip()]:
        doc.add_paragraph(line.strip())
    h = doc.add_paragraph()
    _run_font(h.add_run("履行方式、时限："), bold=True)
    doc.add_paragraph(f"按上述协议内容履行；调解组织将于{_d(d.get('followup_due_on')) or '协议达成后'}起进行回访。")
    doc.add_paragraph(
        "本协议一式三份，当事人各执一份，调解组织留存一份。经双方当事人签字（盖章或按指印）、"
        "人民调解员签字并加盖调解组织印章后生效。"
    )
    doc.add_paragraph()
    for label in (
        "申请人（签名）：",
        "被申请人（签名）：",
        "人民调解员（签名）：",
        f"调解组织（盖章）：{d['township']}{d['village'] if d['level'] == 'village' else ''}人民调解委员会",
    ):
        p = doc.add_paragraph()
        _run_font(p.add_run(label + ("" if "盖章" in label else "＿＿＿＿＿＿＿＿＿＿")))
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    agreed = d.get("agreed_at")
    _run_font(p.add_run(f"{to_local(agreed):%Y年%m月%d日}" if agreed else "　　年　　月　　日"))
    return _bytes(doc)


def _detail(engine: Engine, actor: Actor, case_id: int, now: datetime) -> dict:
    with read_session(engine) as s:
        d = mq.case_detail(s, actor, case_id, now)
    if d is None:
        raise NotFound("案件不存在或已被删除。")
    return d


def export_case_file(engine: Engine, actor: Actor, case_id: int, now: datetime | None = None) -> bytes:
    require(actor, "mediation.export")
    now = now_or(now)
    d = _detail(engine, actor, case_id, now)
    data = case_file_docx(d)
    _record_export(engine, actor, "case_file_docx", 1, {"case_id": case_id, "number": d["number"]})
    return data


def export_agreement(engine: Engine, actor: Actor, case_id: int, now: datetime | None = None) -> bytes:
    require(actor, "mediation.export")
    now = now_or(now)
    d = _detail(engine, actor, case_id, now)
    data = agreement_docx(d)
    _record_export(engine, actor, "agreement_docx", 1, {"case_id": case_id, "number": d["number"]})
    return data
