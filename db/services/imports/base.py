"""What every go-live import shares (issue #19): the template, the reading, the checks' cells, the
errors workbook and the all-or-nothing run.

A township adopting the console brings its own Excel ledgers. Each ledger has a ``Spec``: its
sheets and columns, each column with the explanation and the example the template shows, and the
fixed values offered as a drop-down list. An import module (``db/services/imports/<kind>.py``)
gives the spec and two functions:

- ``check(ctx, sheets) -> plan``: every row of every sheet, validated against the file itself and
  the database; every problem goes into ``ctx.report`` by sheet, row and column, in Chinese;
- ``write(ctx, plan) -> counts``: called only when the check found nothing, in the SAME
  transaction (so nothing can change between the check and the write); each record is found by
  its natural key and created, updated (an audit record with before and after) or left alone
  when its values are already those of the file: running the same file twice adds nothing.

``run`` reads the file (checked first by ``db.rules.workbook``: size, inflated size, declared
dimensions), checks, writes and records one summary audit record; on any problem nothing is
written. The template's explanation row and its example row are recognised and skipped when
they are left in the file.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.engine import write_session
from db.errors import PermissionDenied, ValidationError
from db.permissions import Actor, require
from db.rules import workbook as workbook_rules
from db.rules.county_sheet import parse_datetime
from db.rules.sla import to_local
from db.scope import scoped
from db.services import audit

ProgressFn = Callable[[float, str], None]

MAX_ERRORS_KEPT = 1000
READ_SECONDS = 60
HELP_SHEET = "填写说明"
OPTIONS_SHEET = "选项"


@dataclass
class RowError:
    sheet: str
    row: int  # the Excel row number (the header is row 1); 0: the file or the sheet as a whole
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"「{self.sheet}」" + (f"第{self.row}行" if self.row else "")
        return f"{where}「{self.column}」：{self.message}" if self.column else f"{where}：{self.message}"


@dataclass
class ImportReport:
    errors: list[RowError] = field(default_factory=list)
    error_total: int = 0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # sheet -> created/updated/unchanged
    rows: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)  # what was read

    @property
    def ok(self) -> bool:
        return self.error_total == 0

    def add(self, sheet: str, row: int, column: str | None, message: str) -> None:
        self.error_total += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(RowError(sheet, row, column, message))


# --------------------------------------------------------------------------- the specification


@dataclass(frozen=True)
class Col:
    name: str
    help: str  # the explanation row
    example: Any = None  # the example row
    required: bool = False
    choices: tuple[str, ...] = ()  # fixed values: a drop-down list in the template
    options: str | None = None  # or a list that depends on the township (``template_bytes(options=…)``)
    width: int = 16


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Col, ...]
    key: str  # how a row finds its record, in words (the instruction sheet)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def col(self, name: str) -> Col:
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True)
class Spec:
    kind: str  # the CLI's and the page's name for it
    title: str  # 组织架构
    permission: str  # the action the importer must hold
    sheets: tuple[Sheet, ...]
    notes: tuple[str, ...] = ()  # more lines for the instruction sheet
    max_rows: int = 100_000  # per sheet

    @property
    def file_name(self) -> str:
        return f"{self.title}导入模板.xlsx"


class Importer(Protocol):
    SPEC: Spec

    def check(self, ctx: Context, sheets: dict[str, list[tuple[int, dict[str, Any]]]]) -> Any: ...

    def write(self, ctx: Context, plan: Any) -> dict[str, dict[str, int]]: ...


@dataclass
class Context:
    """What a check and a write work with: one session (one transaction), the importer, the
    township the file is for, the report and the progress callback."""

    s: Session
    actor: Actor
    township_id: int
    report: ImportReport
    progress: ProgressFn | None = None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def error(self, sheet: str, row: int, column: str | None, message: str) -> None:
        self.report.add(sheet, row, column, message)

    def tick(self, fraction: float, text: str) -> None:
        if self.progress:
            self.progress(max(0.0, min(1.0, fraction)), text)

    def count(self, sheet: str, outcome: str) -> None:
        per = self.counts.setdefault(sheet, {"created": 0, "updated": 0, "unchanged": 0})
        per[outcome] += 1


# --------------------------------------------------------------------------- cells


def text(value: Any) -> str | None:
    """A cell as text, as typed (names and addresses keep their full-width punctuation, so an
    address matches the same address typed at the desk or in the roster's workbook): numbers
    typed into Excel (phones, codes) back to their digits, dates as ISO dates, surrounding spaces
    dropped. Codes are folded with ``folded`` (full-width letters and digits)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    out = str(value).replace("\r\n", "\n").strip()
    return out or None


def folded(value: str | None) -> str | None:
    """A code or a fixed value as compared: NFKC (ＳＭＪ－０１ is SMJ-01; an ideographic space is a
    space), surrounding spaces dropped (an inner space stays: a code typed with one is refused)."""
    if value is None:
        return None
    return unicodedata.normalize("NFKC", value).strip() or None


def cell_date(value: Any) -> date:
    """A date cell (a date, an Excel number, 2025-03-01, 2025/3/1, 2025年3月1日); ValueError."""
    moment = parse_datetime(value)
    if moment is None:
        raise ValueError("empty")
    return to_local(moment).date()


def cell_datetime(value: Any) -> datetime:
    """A Beijing time cell as naive UTC (the console's storage); ValueError when unreadable."""
    moment = parse_datetime(value)
    if moment is None:
        raise ValueError("empty")
    return moment


class RowCheck:
    """The cells of one row, each read once with its problem reported at its column; ``ok`` says
    whether the row had none (the row is then planned, else only reported)."""

    def __init__(self, ctx: Context, sheet: Sheet, number: int, values: dict[str, Any]):
        self.ctx, self.sheet, self.number, self.values = ctx, sheet, number, values
        self.ok = True

    def bad(self, column: str | None, message: str) -> None:
        self.ok = False
        self.ctx.error(self.sheet.name, self.number, column, message)

    def text(self, column: str, max_len: int | None = None) -> str | None:
        value = text(self.values.get(column))
        required = self.sheet.col(column).required
        if value is None:
            if required:
                self.bad(column, "必填，不能为空。")
            return None
        if max_len and len(value) > max_len:
            self.bad(column, f"不能超过{max_len}个字（当前{len(value)}个字）。")
            return None
        return value

    def clean(self, column: str, cleaner: Callable[[Any], Any]) -> Any:
        """The cell through a cleaner that raises ValidationError (the console's own rules)."""
        raw = text(self.values.get(column))
        if raw is None and self.sheet.col(column).required:
            self.bad(column, "必填，不能为空。")
            return None
        try:
            return cleaner(raw)
        except ValidationError as exc:
            self.bad(column, exc.message)
            return None

    def choice(self, column: str, mapping: dict[str, str]) -> str | None:
        """A fixed value, given by its label (or its code): the code."""
        raw = text(self.values.get(column))
        if raw is None:
            if self.sheet.col(column).required:
                self.bad(column, "必填，不能为空。")
            return None
        for code, label in mapping.items():
            if folded(raw) in (folded(label), code):
                return code
        self.bad(column, f"“{raw}”不是可选值，请填 " + " / ".join(mapping.values()) + "。")
        return None

    def _missing(self, column: str, raw: Any) -> bool:
        """Whether the cell is empty (reported when the column is required)."""
        if text(raw) is not None:
            return False
        if self.sheet.col(column).required:
            self.bad(column, "必填，不能为空。")
        return True

    def _parsed(self, column: str, parse: Callable[[Any], Any], what: str, example: str) -> Any:
        raw = self.values.get(column)
        if self._missing(column, raw):
            return None
        try:
            return parse(raw)
        except (ValueError, OverflowError):
            self.bad(column, f"“{text(raw)}”不是{what}，请填如 {example}。")
            return None

    def date(self, column: str) -> date | None:
        return self._parsed(column, cell_date, "日期", "2025-03-01")

    def moment(self, column: str) -> datetime | None:
        return self._parsed(column, cell_datetime, "日期时间", "2025-03-01 09:30")

    def integer(self, column: str, low: int, high: int) -> int | None:
        raw = text(self.values.get(column))
        if raw is None:
            if self.sheet.col(column).required:
                self.bad(column, "必填，不能为空。")
            return None
        try:
            number = int(raw)
        except ValueError:
            self.bad(column, f"“{raw}”不是整数。")
            return None
        if not low <= number <= high:
            self.bad(column, f"须在{low}至{high}之间（当前{number}）。")
            return None
        return number


def duplicates(ctx: Context, sheet: Sheet, keyed: list[tuple[int, Any]], label: str) -> set[Any]:
    """Keys that occur on more than one row: each later row is reported; returns those keys."""
    first: dict[Any, int] = {}
    seen: set[Any] = set()
    for number, key in keyed:
        if key is None:
            continue
        if key in first:
            ctx.error(sheet.name, number, None, f"与第{first[key]}行重复（{label}相同）。")
            seen.add(key)
        else:
            first[key] = number
    return seen


def changed(record: Any, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields whose value in the file differs from the record's: name -> (before, after)."""
    return {k: (getattr(record, k), v) for k, v in values.items() if getattr(record, k) != v}


def upsert(
    ctx: Context,
    sheet: str,
    record: Any | None,
    make: Callable[[], Any],
    values: dict[str, Any],
    entity: str,
    action: str,
) -> Any:
    """Create the record (``make()`` with ``values``), or update the fields that differ, or
    leave it alone; audited per record; counted for the sheet. Returns the record."""
    if record is None:
        record = make()
        for k, v in values.items():
            setattr(record, k, v)
        ctx.s.add(record)
        ctx.s.flush()
        audit.record(ctx.s, ctx.actor, f"{action}.import", entity, record.id, after=_plain(values))
        ctx.count(sheet, "created")
        return record
    diff = changed(record, values)
    if not diff:
        ctx.count(sheet, "unchanged")
        return record
    for k, (_, after) in diff.items():
        setattr(record, k, after)
    if hasattr(record, "version"):
        record.version = (record.version or 0) + 1
    ctx.s.flush()
    audit.record(
        ctx.s,
        ctx.actor,
        f"{action}.import",
        entity,
        record.id,
        before=_plain({k: b for k, (b, _) in diff.items()}),
        after=_plain({k: a for k, (_, a) in diff.items()}),
    )
    ctx.count(sheet, "updated")
    return record


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, (date, datetime)) else v) for k, v in values.items()}


# --------------------------------------------------------------------------- the template

_BOLD, _HEAD = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
_HELP_FONT, _HELP_FILL = Font(italic=True, color="595959", size=9), PatternFill("solid", fgColor="F2F2F2")
_EXAMPLE_FONT = Font(color="2F5597")
_ERROR_FILL = PatternFill("solid", fgColor="FCE4D6")


def template_bytes(spec: Spec, options: dict[str, list[str]] | None = None) -> bytes:
    """The empty template: per sheet a header, an explanation row (grey), an example row (blue;
    both skipped when left in the file), drop-down lists on the columns of fixed values (and on
    those whose values are the township's: ``options``), and an instruction sheet."""
    options = options or {}
    wb = Workbook()
    wb.remove(wb.active)
    lists: list[tuple[str, list[str]]] = []  # the drop-downs' values, on a hidden sheet
    for sheet in spec.sheets:
        ws = wb.create_sheet(sheet.name)
        for i, col in enumerate(sheet.columns, start=1):
            letter = get_column_letter(i)
            ws.column_dimensions[letter].width = col.width
            head = ws.cell(row=1, column=i, value=col.name + ("*" if col.required else ""))
            head.font, head.fill = _BOLD, _HEAD
            explain = ws.cell(row=2, column=i, value=_help_text(col))
            explain.font, explain.fill = _HELP_FONT, _HELP_FILL
            explain.alignment = Alignment(wrap_text=True, vertical="top")
            if col.example is not None:
                ex = ws.cell(row=3, column=i, value=col.example)
                ex.font = _EXAMPLE_FONT
                if isinstance(col.example, str):
                    ex.data_type = "s"
            values = list(col.choices) or options.get(col.options or "", [])
            if values:
                lists.append((f"{sheet.name}·{col.name}", values))
                ll = get_column_letter(len(lists))
                dv = DataValidation(
                    type="list",
                    formula1=f"'{OPTIONS_SHEET}'!${ll}$2:${ll}${len(values) + 1}",
                    allow_blank=not col.required,
                    showErrorMessage=True,
                    errorTitle="不是可选值",
                    error="请从下拉列表中选择。",
                )
                dv.add(f"{letter}3:{letter}{spec.max_rows + 3}")
                ws.add_data_validation(dv)
        ws.row_dimensions[2].height = 60
        ws.freeze_panes = "A2"
    help_ws = wb.create_sheet(HELP_SHEET)
    help_ws.column_dimensions["A"].width = 16
    help_ws.column_dimensions["B"].width = 110
    for row in _help_rows(spec):
        help_ws.append(list(row))
    help_ws["A1"].font = help_ws["B1"].font = _BOLD
    if lists:
        ws = wb.create_sheet(OPTIONS_SHEET)
        for c, (title, values) in enumerate(lists, start=1):
            ws.cell(row=1, column=c, value=title).font = _BOLD
            for r, v in enumerate(values, start=2):
                ws.cell(row=r, column=c, value=v).data_type = "s"
        ws.sheet_state = "hidden"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _help_text(col: Col) -> str:
    return ("必填。" if col.required else "选填。") + col.help


def _help_rows(spec: Spec) -> list[tuple[str, str]]:
    rows = [("工作表", "说明")]
    for sheet in spec.sheets:
        rows.append((sheet.name, f"{sheet.key}。带 * 的列必填。"))
    rows += [
        (
            "通则",
            "第1行为表头，不得改动列名；第2行灰色为填写说明、第3行蓝色为示例，可保留也可删除，保留原样时导入会跳过；"
            "空行忽略。导入先检查全部行，任何一行有错则整份文件不导入，并逐行列出错误（可下载标注了错误的工作簿）。"
            "同一文件重复导入不会产生任何变化。",
        )
    ]
    rows += [("说明", n) for n in spec.notes]
    return rows


# --------------------------------------------------------------------------- reading


def header_name(value: Any) -> str:
    """A header cell or a column's name as compared: NFKC (full-width brackets are the same
    brackets), no spaces, without the template's required mark."""
    return unicodedata.normalize("NFKC", str(value or "")).replace(" ", "").replace("\u3000", "").rstrip("*")


def read(spec: Spec, content: bytes, report: ImportReport) -> dict[str, list[tuple[int, dict[str, Any]]]] | None:
    """Rows of every sheet as (Excel row number, {column: value}); None on a problem with the file
    or a sheet as a whole (put in the report). The template's explanation and example rows are
    skipped when they are left as the template wrote them."""
    why = workbook_rules.refusal(content, spec.max_rows)
    if why:
        report.add("文件", 0, None, why)
        return None
    deadline = time.monotonic() + READ_SECONDS
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable file is the user's file
        report.add("文件", 0, None, f"无法读取该文件，请上传由本系统下载的“{spec.title}”模板（.xlsx）。")
        return None
    out: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    name, number = "", 0
    try:
        for sheet in spec.sheets:
            name = sheet.name
            if name not in wb.sheetnames:
                report.add(name, 0, None, f"缺少工作表「{name}」，请使用本系统下载的“{spec.title}”模板。")
                continue
            ws = wb[name]
            ws.reset_dimensions()
            rows = ws.iter_rows(values_only=True)
            header = [header_name(c) for c in next(rows, ())]
            number = 1
            missing = [c for c in sheet.names if header_name(c) not in header]
            if missing:
                report.add(
                    name,
                    1,
                    None,
                    "表头与模板不一致：缺少列" + "、".join(f"「{c}」" for c in missing) + "。请使用本系统下载的模板。",
                )
                continue
            index = {c: header.index(header_name(c)) for c in sheet.names}
            skip = template_rows(sheet)
            data: list[tuple[int, dict[str, Any]]] = []
            for number, values in enumerate(rows, start=2):
                if values is None or all(text(v) is None for v in values):
                    continue
                row = {c: (values[i] if i < len(values) else None) for c, i in index.items()}
                if number <= 3 and is_template_row(row, skip):
                    continue
                if len(data) >= spec.max_rows:
                    report.add(name, number, None, f"行数超过上限（每表{spec.max_rows:,}行），请分批导入。")
                    break
                if number % 1000 == 0 and time.monotonic() > deadline:
                    report.add(
                        name, number, None, f"读取超过{READ_SECONDS}秒仍未完成，文件过大或结构异常，请分批导入。"
                    )
                    return None
                data.append((number, row))
            out[name] = data
    except Exception:  # noqa: BLE001 - any unreadable sheet is the user's file
        report.add(
            "文件",
            0,
            None,
            f"无法读取该文件（工作表「{name}」第{number + 1}行附近已损坏），请上传由本系统下载的 .xlsx 模板。",
        )
        return None
    finally:
        with contextlib.suppress(Exception):  # closing a damaged file: the refusal is already reported
            wb.close()
    report.rows = out
    return None if report.error_total else out


def template_rows(sheet: Sheet) -> list[dict[str, str | None]]:
    return [{c.name: text(_help_text(c)) for c in sheet.columns}, {c.name: text(c.example) for c in sheet.columns}]


def is_template_row(row: dict[str, Any], templates: list[dict[str, str | None]]) -> bool:
    return any(all(text(v) in (None, t[c]) for c, v in row.items()) for t in templates)


# --------------------------------------------------------------------------- the errors workbook


def errors_workbook(spec: Spec, report: ImportReport) -> bytes:
    """The file's rows with their problems beside them (a first column 错误说明, the rows with
    problems shaded), every sheet that was read; problems of a file or a whole sheet on a first
    sheet 文件问题."""
    wb = Workbook()
    wb.remove(wb.active)
    by_row: dict[tuple[str, int], list[str]] = {}
    general: list[RowError] = []
    for e in report.errors:
        if e.row <= 1:
            general.append(e)
        by_row.setdefault((e.sheet, e.row), []).append(f"「{e.column}」{e.message}" if e.column else e.message)
    if general or not report.rows:
        ws = wb.create_sheet("文件问题")
        ws.append(["位置", "问题"])
        for e in general:
            ws.append([e.sheet + (f"第{e.row}行" if e.row else ""), e.message])
    for sheet in spec.sheets:
        rows = report.rows.get(sheet.name)
        if rows is None:
            continue
        ws = wb.create_sheet(sheet.name)
        ws.append(["错误说明", "原行号", *sheet.names])
        for cell in ws[1]:
            cell.font = _BOLD
        ws.column_dimensions["A"].width = 60
        for number, values in rows:
            problems = by_row.get((sheet.name, number), [])
            ws.append(["；".join(problems), number, *[_as_text_cell(values.get(c)) for c in sheet.names]])
            if problems:
                for cell in ws[ws.max_row]:
                    cell.fill = _ERROR_FILL
    if report.error_total > len(report.errors):
        ws = wb["文件问题"] if "文件问题" in wb.sheetnames else wb.create_sheet("文件问题", 0)
        ws.append(["", f"共{report.error_total}处问题，只列出前{len(report.errors)}处。"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _as_text_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
        return "'" + value  # never a live formula in the errors workbook
    return value


# --------------------------------------------------------------------------- the run


class _Abort(Exception):
    """The check found problems: roll the transaction back."""


def township_for(actor: Actor, township_id: int | None) -> int:
    """The township a file is imported into: the importer's own; a county account names one."""
    if actor.township_id is not None:
        if township_id not in (None, actor.township_id):
            raise PermissionDenied("只能导入本乡镇的数据。")
        return actor.township_id
    if township_id is None:
        raise ValidationError("请先选择导入到哪个乡镇。", field="township_id")
    return township_id


def run(
    engine: Engine,
    actor: Actor,
    importer: Importer,
    content: bytes,
    *,
    township_id: int | None = None,
    progress: ProgressFn | None = None,
    file_name: str | None = None,
) -> ImportReport:
    """Read, check every row, then write everything or nothing; one summary audit record."""
    spec = importer.SPEC
    require(actor, spec.permission)
    town = township_for(actor, township_id)
    report = ImportReport()
    if progress:
        progress(0.02, "读取文件……")
    sheets = read(spec, content, report)
    if sheets is None:
        return report
    try:
        with write_session(scoped(engine, town)) as s:  # the file's township's rows only
            ctx = Context(s, actor, town, report, progress)
            ctx.tick(0.1, "逐行检查……")
            plan = importer.check(ctx, sheets)
            if not report.ok:
                raise _Abort
            ctx.tick(0.5, "写入……")
            importer.write(ctx, plan)
            report.counts = ctx.counts
            audit.record(
                s,
                actor,
                f"import.{spec.kind}",
                "import",
                None,
                after={
                    "file": (file_name or "")[:120],
                    "sha256": hashlib.sha256(content).hexdigest(),
                    "township_id": town,
                    "rows": {k: len(v) for k, v in sheets.items()},
                    "counts": ctx.counts,
                },
            )
    except _Abort:
        report.counts = {}
    if progress:
        progress(1.0, "完成" if report.ok else "检查未通过，未写入任何数据")
    return report


def summary(report: ImportReport) -> str:
    """One sentence: what the import did, sheet by sheet."""
    if not report.ok:
        return f"检查发现{report.error_total}处问题，未导入任何数据。"
    parts = [
        f"{sheet}新增{c['created']}、更新{c['updated']}、未变{c['unchanged']}" for sheet, c in report.counts.items()
    ]
    return "导入完成：" + "；".join(parts) + "。" if parts else "文件中没有数据行。"


def error_rows(report: ImportReport) -> list[dict[str, Any]]:
    return [{"工作表": e.sheet, "行": e.row or "", "列": e.column or "", "问题": e.message} for e in report.errors]
