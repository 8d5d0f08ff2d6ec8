"""Reading the county platform's exports (issue #23): the 12345 platform's list of orders
transferred to the township, and the petition office's list (信访件). Pure functions: bytes in,
rows of cleaned values and problems out; nothing here reads the database.

What such exports contain, and what is done about it:

- a title, a date line or a filter line above the table: the header row is the row (among the
  first 30) naming most of the known columns;
- merged cells (a group heading over several columns, a value spread over several rows): every
  cell of a merged range reads the range's value;
- full-width digits and letters in numbers, phones, dates and ticket numbers (NFKC; free text
  keeps its Chinese punctuation);
- dates as date cells, as Excel serial numbers, or as text (2026-11-24 09:30, 2026/11/24,
  2026年11月24日9时30分, 20261124093000); a date without a time as a deadline is the end of that
  day (24:00);
- phone numbers stored as numbers (13800138000.0), with +86 or dashes;
- the header repeated on every printed page, blank lines and a 合计 line.

Times are read as Beijing time and returned as naive UTC (the database's convention).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from db.errors import ValidationError
from db.rules.phone import normalize_phone
from db.rules.sla import local_to_utc
from db.rules.workbook import refusal

MAX_ROWS = 5000
NUMBER_MAX = 40  # the county's ticket number (work_order.external_no)
HEADER_SCAN = 30


@dataclass(frozen=True)
class Column:
    label: str
    required: bool
    aliases: tuple[str, ...]
    kind: str = "text"  # text / number / datetime / deadline / phone


TICKET = {
    "number": Column(
        "工单编号",
        True,
        ("工单编号", "工单号", "12345工单编号", "工单号码", "诉求编号", "受理编号", "流水号", "编号", "件号"),
        "number",
    ),
    "received_at": Column(
        "受理时间",
        True,
        ("受理时间", "来电时间", "转办时间", "登记时间", "派单时间", "创建时间", "受理日期", "来电日期"),
        "datetime",
    ),
    "caller_name": Column("来电人", False, ("来电人", "来电人姓名", "诉求人", "诉求人姓名", "姓名", "联系人")),
    "caller_phone": Column(
        "联系电话",
        False,
        ("联系电话", "来电号码", "来电电话", "诉求人电话", "联系号码", "电话", "手机号码", "联系方式"),
        "phone",
    ),
    "description": Column(
        "诉求内容",
        True,
        ("诉求内容", "来电内容", "诉求描述", "诉求详情", "工单内容", "问题描述", "反映内容", "事项内容", "内容"),
    ),
    "category": Column(
        "诉求类型",
        False,
        (
            "诉求类型",
            "诉求分类",
            "诉求类别",
            "问题类别",
            "问题类型",
            "事项类别",
            "问题分类",
            "工单类型",
            "业务类型",
            "类别",
        ),
    ),
    "area": Column(
        "所属区域",
        False,
        ("所属区域", "所属区域/地址", "事发地址", "事发地点", "诉求地址", "地址", "区域", "所在地", "地点"),
    ),
    "due_at": Column(
        "办理时限",
        False,
        (
            "办理时限",
            "截止时间",
            "办结时限",
            "办理期限",
            "处理时限",
            "办结期限",
            "要求办结时间",
            "限办时间",
            "到期时间",
            "回复时限",
        ),
        "deadline",
    ),
    "urgency": Column("紧急程度", False, ("紧急程度", "缓急程度", "紧急度", "缓急", "优先级")),
    "unit": Column("承办单位", False, ("承办单位", "承办部门", "办理单位", "主办单位", "责任单位", "交办单位")),
}
PETITION = {
    **TICKET,
    "number": Column("信访件编号", True, ("信访件编号", "信访编号", "信访件号", "件号", "编号"), "number"),
    "received_at": Column("登记时间", True, ("登记时间", "来信来访时间", "信访时间", "受理时间"), "datetime"),
    "caller_name": Column("信访人", False, ("信访人", "信访人姓名", "姓名", "来信来访人")),
    "description": Column("信访事项", True, ("信访事项", "信访内容", "反映问题", "主要诉求", "问题描述", "内容")),
    "category": Column("问题类别", False, ("问题类别", "问题分类", "信访类别", "内容分类", "类别")),
}
KINDS = {"12345": TICKET, "petition": PETITION}
URGENCY_WORDS = {
    "特急": "critical",
    "紧急": "urgent",
    "加急": "urgent",
    "急": "urgent",
    "一般": "normal",
    "普通": "normal",
    "平件": "normal",
    "": "normal",
}


@dataclass
class Row:
    line: int  # the row's number in the sheet (1-based, as Excel shows it)
    values: dict[str, Any]


@dataclass
class Table:
    header_line: int
    columns: dict[str, str]  # field -> the header found in the file
    rows: list[Row]
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (line, column label, message)
    headers: list[str] = field(default_factory=list)
    warnings: list[tuple[int, str, str]] = field(default_factory=list)  # imported all the same


def norm(text: Any) -> str:
    """A header or a short code as compared: NFKC, no spaces, no * or colon."""
    return re.sub(r"[\s*：:（）()]", "", unicodedata.normalize("NFKC", str(text or ""))).lower()


# --------------------------------------------------------------------------- the grid of cells


def _xlsx_cells(raw: bytes) -> list[list[Any]]:
    # deferred: openpyxl (~0.15 s to import) serves only a county sheet sent as .xlsx, not .csv
    import openpyxl

    why = refusal(raw, MAX_ROWS + HEADER_SCAN)
    if why:
        raise ValidationError(
            why.replace("请上传由本系统导出的模板。", "请上传县平台导出的 Excel 文件。"), field="file"
        )
    wb = openpyxl.load_workbook(io.BytesIO(raw), data_only=True)
    ws = wb.worksheets[0]
    cells = [list(r) for r in ws.iter_rows(values_only=True)]
    for rng in ws.merged_cells.ranges:  # every cell of a merged range reads its value
        value = ws.cell(rng.min_row, rng.min_col).value
        for r in range(rng.min_row - 1, min(rng.max_row, len(cells))):
            row = cells[r]
            for c in range(rng.min_col - 1, rng.max_col):
                if c < len(row):
                    row[c] = value
    return cells


def _csv_cells(raw: bytes) -> list[list[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError("无法读取该 CSV 文件的编码（应为 UTF-8 或 GBK）。", field="file")
    sample = text[:4096]
    dialect = csv.excel_tab if sample.count("\t") > sample.count(",") else csv.excel
    return [list(r) for r in csv.reader(io.StringIO(text), dialect)]


def cells_of(raw: bytes, filename: str) -> list[list[Any]]:
    name = filename.lower()
    if name.endswith(".csv") or name.endswith(".txt"):
        return _csv_cells(raw)
    if name.endswith(".xlsx"):
        return _xlsx_cells(raw)
    raise ValidationError("请上传县平台导出的 .xlsx 或 .csv 文件（.xls 请先在 Excel 中另存为 .xlsx）。", field="file")


# --------------------------------------------------------------------------- header and columns


def _header(cells: list[list[Any]], spec: dict[str, Column], mapping: dict[str, str]) -> tuple[int, dict[str, int]]:
    """(row index of the header, {field: column index}) or ValidationError naming what is missing."""
    wanted = {f: ((mapping[f],) if mapping.get(f) else c.aliases) for f, c in spec.items()}
    best: tuple[int, dict[str, int]] = (-1, {})
    for i, row in enumerate(cells[:HEADER_SCAN]):
        texts = [norm(v) for v in row]
        found: dict[str, int] = {}
        # an exact header first (aliases in order of preference), then one that starts with an
        # alias ("受理时间（年月日）", "联系电话1")
        for exact in (True, False):
            for f, names in wanted.items():
                if f in found:
                    continue
                for name in names:
                    n = norm(name)
                    j = next(
                        (
                            j
                            for j, t in enumerate(texts)
                            if j not in found.values() and (t == n if exact else (len(n) >= 2 and t.startswith(n)))
                        ),
                        None,
                    )
                    if j is not None:
                        found[f] = j
                        break
        if len(found) > len(best[1]):
            best = (i, found)
    i, found = best
    missing = [
        spec[f].label + (f"（对应表头“{mapping[f]}”）" if mapping.get(f) else "")
        for f, c in spec.items()
        if c.required and f not in found
    ]
    if i < 0 or missing:
        raise ValidationError(
            "文件中找不到这些必需的列："
            + "、".join(missing or [c.label for c in spec.values() if c.required])
            + "。请在“列对应”中指定文件里的表头名称。",
            field="file",
        )
    return i, found


# --------------------------------------------------------------------------- values


def _number(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    text = unicodedata.normalize("NFKC", str(v)).strip()
    return text or None


def _text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    text = str(v).replace("\r\n", "\n").strip()
    return text or None


DT = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]*(\d{1,2})(?::(\d{1,2}))?(?::(\d{1,2}))?(?:\.\d+)?)?$")


def parse_datetime(v: Any, end_of_day: bool = False) -> datetime | None:
    """A Beijing time from a cell, as naive UTC; None when empty; ValueError when unreadable. A
    date without a time is the day's start, or, for a deadline, its end: 24:00, the next day's
    midnight (the console's deadlines end so, ``db.rules.sla.deadline_text``)."""
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, datetime):
        local = v.replace(tzinfo=None)
        if end_of_day and local.time() == time(0):
            local += timedelta(days=1)
        return local_to_utc(local)
    if isinstance(v, date):
        return local_to_utc(datetime.combine(v, time(0)) + timedelta(days=1 if end_of_day else 0))
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if 20000 <= v <= 80000:  # an Excel serial number (1954..2119)
            local = datetime(1899, 12, 30) + timedelta(seconds=round(float(v) * 86400))
            return parse_datetime(local, end_of_day)
        v = str(int(v)) if float(v).is_integer() else str(v)
    text = unicodedata.normalize("NFKC", str(v)).strip()
    if re.fullmatch(r"\d{8}(\d{4}(\d{2})?)?", text):  # 20261124, 202611240930, 20261124093000
        text = (
            f"{text[:4]}-{text[4:6]}-{text[6:8]}"
            + (f" {text[8:10]}:{text[10:12]}" if len(text) > 8 else "")
            + (f":{text[12:14]}" if len(text) == 14 else "")
        )
    text = re.sub(r"^(\d{4})[./](\d{1,2})[./](\d{1,2})", r"\1-\2-\3", text)  # 2026.11.24 (not 09:30:00.5)
    text = (
        text.replace("年", "-")
        .replace("月", "-")
        .replace("日", " ")
        .replace("号", " ")
        .replace("时", ":")
        .replace("点", ":")
        .replace("分", ":")
        .replace("秒", "")
        .replace("/", "-")
    )
    text = re.sub(r"\s+", " ", text).strip().rstrip(":")
    text = re.sub(r"(\d{1,2}-\d{1,2}) (\d)", r"\1 \2", text)
    m = DT.match(text)
    if not m:
        raise ValueError(text)
    y, mo, d = (int(x) for x in m.group(1, 2, 3))  # the date's groups always match
    h, mi, s = (int(x) if x else None for x in m.group(4, 5, 6))
    if h == 24 and not mi and not s:  # 24:00, the end of the day (a deadline as the console writes it)
        return local_to_utc(datetime(y, mo, d) + timedelta(days=1))
    local = datetime(y, mo, d, h or 0, mi or 0, s or 0)  # ValueError on 2026-02-30
    if h is None and end_of_day:
        local += timedelta(days=1)
    return local_to_utc(local)


def _value(col: Column, v: Any) -> Any:
    if col.kind == "number":
        number = _number(v)
        if number and len(number) > NUMBER_MAX:
            raise ValidationError(f"编号超过{NUMBER_MAX}个字符")
        return number
    if col.kind in ("datetime", "deadline"):
        return parse_datetime(v, end_of_day=col.kind == "deadline")
    if col.kind == "phone":
        n = _number(v)
        return normalize_phone(n) if n else None
    return _text(v)


def read(raw: bytes, filename: str, kind: str, mapping: dict[str, str] | None = None) -> Table:
    """The rows of a county export, each value cleaned, and every problem by row and column."""
    spec = KINDS[kind]
    cells = cells_of(raw, filename)
    hi, cols = _header(cells, spec, mapping or {})
    header = cells[hi]
    headers = [str(v).strip() for v in header if v is not None and str(v).strip()]
    table = Table(
        header_line=hi + 1, columns={f: str(header[j]).strip() for f, j in cols.items()}, rows=[], headers=headers
    )
    header_norm = [norm(v) for v in header]
    seen: dict[str, int] = {}
    for i in range(hi + 1, len(cells)):
        row = cells[i]
        raw_values = {f: (row[j] if j < len(row) else None) for f, j in cols.items()}
        texts = [norm(v) for v in row if v is not None and str(v).strip()]
        if not texts:
            continue  # a blank line
        if sum(1 for j in cols.values() if j < len(row) and norm(row[j]) == header_norm[j]) * 2 >= len(cols):
            continue  # the header again, on the next printed page (a merged cell may cover one of it)
        if texts[0] in ("合计", "总计", "小计") or (len(texts) <= 2 and texts[0].startswith("合计")):
            continue
        if len(table.rows) >= MAX_ROWS:
            raise ValidationError(f"文件超过 {MAX_ROWS} 行，请分批导出后导入。", field="file")
        line = i + 1
        values: dict[str, Any] = {}
        for f, col in spec.items():
            v = raw_values.get(f)
            try:
                values[f] = _value(col, v)
            except ValidationError as e:
                values[f] = None
                if col.kind == "phone":  # an optional phone the county masked or doubled: kept as text
                    table.warnings.append((line, col.label, e.message))
                    values["phone_text"] = _text(v)
                else:
                    table.problems.append((line, col.label, e.message))
            except (ValueError, TypeError, OverflowError):
                table.problems.append((line, col.label, f"无法识别的日期时间：{str(v)[:30]}"))
                values[f] = None
            if (
                col.required
                and values[f] in (None, "")
                and not any(p[0] == line and p[1] == col.label for p in table.problems)
            ):
                table.problems.append((line, col.label, "必填，不能为空"))
        urgency = norm(values.get("urgency") or "")
        # None when the file does not say (a re-import then leaves the order's urgency as it is)
        values["urgency"] = URGENCY_WORDS.get(urgency, "urgent" if "急" in urgency else "normal") if urgency else None
        number = values.get("number")
        if number:
            if number in seen:
                table.problems.append((line, spec["number"].label, f"与第{seen[number]}行编号重复"))
            seen.setdefault(number, line)
        table.rows.append(Row(line, values))
    if not table.rows:
        raise ValidationError("文件的表头下没有任何数据行。", field="file")
    return table
