"""The roster's Excel template: export, and an import that checks every row first.

One workbook, four data sheets and an instruction sheet (see docs/roster.md):

- 网格: 网格编码 (key) · 网格名称 · 网格类型 · 所属乡镇 · 所属村（社区） · 网格描述
- 网格人员: 身份证号 (key) · 姓名 · 联系电话 · 职务 · 专兼职 · 所属网格编码 · 是否在岗
- 党员: 身份证号 (key, a resident on file) · 姓名 · 联系电话 · 入党日期 · 所属网格编码 · 责任区 ·
  突击队 · 是否在册 · 考评得分（仅导出）
- 党员联户: 党员身份证号 · 党员姓名 · 户所在网格编码 · 户地址 · 户主姓名（仅导出） · 联户日期

Import is an upsert by natural key and idempotent: a row whose values equal the database
changes nothing (no version bump, no audit). Every row of every sheet is validated first;
on any error nothing is written and the errors come back by sheet, row and column. The
writes then happen in ONE transaction with an audit record per changed record and one
summary record. The export writes the same template, so export -> import changes nothing
(only an unmasked export, i.e. the administrator's, can be re-imported).
"""

from __future__ import annotations

import contextlib
import io
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar, cast

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from sqlalchemy import CursorResult, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.engine import read_session, write_session
from db.errors import ValidationError
from db.models import (
    CommandoTeam,
    Grid,
    GridStaff,
    Household,
    PartyMember,
    PartyMemberHousehold,
    Resident,
    ResponsibilityZone,
    Township,
    Village,
)
from db.models.base import utcnow
from db.models.org import GRID_KINDS
from db.models.people import EMPLOYMENT, STAFF_ROLES
from db.permissions import Actor, require
from db.queries import roster as roster_q
from db.rules import workbook as workbook_rules
from db.rules.masking import mask_for
from db.rules.roster import clean_name, normalize_id_number, parse_label, parse_yes_no
from db.rules.sla import to_local
from db.services import audit, audit_export
from db.services.imports import base as imports_base
from db.services.roster import clean_phone

ProgressFn = Callable[[float, str], None]

SHEET_GRIDS, SHEET_STAFF, SHEET_PARTY, SHEET_LINKS, SHEET_HELP = "网格", "网格人员", "党员", "党员联户", "填写说明"
COLUMNS: dict[str, list[str]] = {
    SHEET_GRIDS: ["网格编码", "网格名称", "网格类型", "所属乡镇", "所属村（社区）", "网格描述"],
    SHEET_STAFF: ["身份证号", "姓名", "联系电话", "职务", "专兼职", "所属网格编码", "是否在岗"],
    SHEET_PARTY: [
        "身份证号",
        "姓名",
        "联系电话",
        "入党日期",
        "所属网格编码",
        "责任区",
        "突击队",
        "是否在册",
        "考评得分（仅导出）",
    ],
    SHEET_LINKS: ["党员身份证号", "党员姓名", "户所在网格编码", "户地址", "户主姓名（仅导出）", "联户日期"],
}
DATA_SHEETS = (SHEET_GRIDS, SHEET_STAFF, SHEET_PARTY, SHEET_LINKS)
MAX_ROWS = 200_000
READ_SECONDS = 60  # reading a workbook stops here (a legitimate 200,000-row file takes about 20 s)
MAX_ERRORS_KEPT = imports_base.MAX_ERRORS_KEPT
CODE_MAX, GRID_NAME_MAX, DESC_MAX, ADDRESS_MAX = 24, 60, 2000, 200
HELP_ROWS = [
    ("工作表", "说明"),
    (
        "网格",
        "按“网格编码”识别：编码已存在则更新该网格，否则新建。"
        "网格类型填 农村网格 / 社区网格 / 专属网格；所属乡镇和村（社区）须为系统中已有的名称。",
    ),
    (
        "网格人员",
        "按“身份证号”识别：已存在则更新，否则新建。职务填 网格长 / 网格员；"
        "专兼职填 专职 / 兼职；是否在岗填 是 / 否。联系电话必填（手机号或带区号的固定电话）。",
    ),
    (
        "党员",
        "按“身份证号”识别，须为系统中已登记的居民：已是党员则更新，否则登记为该居民所在村（社区）的党员。姓名须与居民登记一致。责任区填本村（社区）责任区名称，突击队填本乡镇或本村突击队名称。考评得分只导出、导入时忽略（加减分须在页面上逐条登记事由）。",
    ),
    (
        "党员联户",
        "每行一条联户关系。出现在“党员”表中的党员，其联系户以本表为准（表中没有的联系户将被解除）"
        "；本表没有任何数据行时，不改动任何联户关系。户按“户所在网格编码 + 户地址”识别。",
    ),
    (
        "通则",
        "第一行为表头，不得改动列名；空行忽略。导入先检查全部行，任何一行有错则整份文件不导入，并逐行列出错误。同一文件重复导入不会产生任何变化。",
    ),
]


# the report of an import: one kind for the roster's workbook and the go-live imports
RowError = imports_base.RowError
ImportReport = imports_base.ImportReport


# --------------------------------------------------------------------------- cells


def _text(value: Any) -> str | None:
    """A cell as text: numbers typed into Excel (phones, codes) back to their digits."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _date(value: Any, label: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(text)
    except ValueError:
        try:
            y, m, d = (int(p) for p in text.split("-"))
            return date(y, m, d)
        except (ValueError, TypeError):
            raise ValidationError(f"{label}须为日期，如 2020-07-01。") from None


def _bounded(text: str | None, label: str, max_len: int, required: bool) -> str | None:
    return clean_name(text, label, max_len=max_len, required=required)


# --------------------------------------------------------------------------- export


def _mask(role: str, kind: str, value: Any) -> Any:
    return mask_for(role, kind, value) if value else value


def export_rows(s: Session, role: str, township_id: int | None = None) -> dict[str, list[list[Any]]]:
    """The template's data rows (masked for ``role``), sheet by sheet."""

    def in_town(col):
        return [col.in_(select(Village.id).where(Village.township_id == township_id))] if township_id else []

    grids = s.execute(
        select(Grid.code, Grid.name, Grid.kind, Township.name, Village.name, Grid.description)
        .join(Village, Village.id == Grid.village_id)
        .join(Township, Township.id == Village.township_id)
        .where(*in_town(Grid.village_id))
        .order_by(Grid.code)
    ).all()
    staff = s.execute(
        select(
            GridStaff.id_number,
            GridStaff.name,
            GridStaff.phone,
            GridStaff.staff_role,
            GridStaff.employment,
            Grid.code,
            GridStaff.active,
        )
        .join(Grid, Grid.id == GridStaff.grid_id)
        .where(*in_town(Grid.village_id))
        .order_by(Grid.code, GridStaff.staff_role, GridStaff.id)
    ).all()
    party = s.execute(
        select(
            Resident.id_number,
            PartyMember.name,
            PartyMember.phone,
            PartyMember.joined_on,
            Grid.code,
            ResponsibilityZone.name,
            CommandoTeam.name,
            PartyMember.active,
            PartyMember.score,
        )
        .outerjoin(Resident, Resident.id == PartyMember.resident_id)
        .outerjoin(Grid, Grid.id == PartyMember.grid_id)
        .outerjoin(ResponsibilityZone, ResponsibilityZone.id == PartyMember.zone_id)
        .outerjoin(CommandoTeam, CommandoTeam.id == PartyMember.team_id)
        .where(*in_town(PartyMember.village_id))
        .order_by(PartyMember.village_id, PartyMember.id)
    ).all()
    links = s.execute(
        select(
            Resident.id_number,
            PartyMember.name,
            Grid.code,
            Household.address,
            Household.head_name,
            PartyMemberHousehold.linked_on,
        )
        .join(PartyMember, PartyMember.id == PartyMemberHousehold.party_member_id)
        .outerjoin(Resident, Resident.id == PartyMember.resident_id)
        .join(Household, Household.id == PartyMemberHousehold.household_id)
        .join(Grid, Grid.id == Household.grid_id)
        .where(*in_town(PartyMember.village_id))
        .order_by(PartyMember.village_id, PartyMember.id, Grid.code, Household.id)
    ).all()
    yn = lambda b: "是" if b else "否"  # noqa: E731
    iso = lambda d: d or None  # noqa: E731  (a date cell, with its year: the import reads both)
    return {
        SHEET_GRIDS: [[c, n, GRID_KINDS.get(k, k), t, v, d] for c, n, k, t, v, d in grids],
        SHEET_STAFF: [
            [
                _mask(role, "id_number", i),
                _mask(role, "name", n),
                _mask(role, "phone", p),
                STAFF_ROLES.get(r, r),
                EMPLOYMENT.get(e, e),
                g,
                yn(a),
            ]
            for i, n, p, r, e, g, a in staff
        ],
        SHEET_PARTY: [
            [_mask(role, "id_number", i), _mask(role, "name", n), _mask(role, "phone", p), iso(j), g, z, t, yn(a), sc]
            for i, n, p, j, g, z, t, a, sc in party
        ],
        SHEET_LINKS: [
            [_mask(role, "id_number", i), _mask(role, "name", n), g, a, _mask(role, "name", h), iso(d)]
            for i, n, g, a, h, d in links
        ],
    }


def text_row(ws: Any, values: list[Any]) -> list[Any]:
    """A write-only row whose strings are string cells: openpyxl writes a string starting with
    '=' as a FORMULA, so a name such as ``=cmd|' /C calc'!A0`` or ``=HYPERLINK(…)`` would come out
    as a live formula (and read back empty). Numbers, dates and None stay as they are."""
    out: list[Any] = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = "s"  # text, whatever it starts with
            out.append(cell)
        else:
            out.append(value)
    return out


def workbook_bytes(
    sheets: dict[str, list[list[Any]]], columns: dict[str, list[str]], help_rows: list[tuple[str, str]] | None = None
) -> bytes:
    """An .xlsx (write-only, so a county's roster stays quick) with a bold header per sheet;
    every string is written as text, never as a formula (``text_row``)."""
    wb = Workbook(write_only=True)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")

    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for i, col in enumerate(columns[name]):
            ws.column_dimensions[chr(65 + i)].width = max(12, min(40, len(col) * 2 + 4))
        header = []
        for col in columns[name]:
            cell = WriteOnlyCell(ws, value=col)
            cell.font, cell.fill = bold, fill
            header.append(cell)
        ws.append(header)
        for row in rows:
            ws.append(text_row(ws, row))
    if help_rows:
        ws = wb.create_sheet(SHEET_HELP)
        ws.column_dimensions["A"].width = 14
        ws.column_dimensions["B"].width = 120
        for help_row in help_rows:
            ws.append(text_row(ws, list(help_row)))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export_workbook(engine: Engine, actor: Actor, township_id: int | None = None) -> tuple[bytes, dict[str, int]]:
    """The roster in the import template, masked for the actor's role, and the export audited."""
    require(actor, "roster.export")
    with read_session(engine) as s:
        sheets = export_rows(s, actor.role, township_id)
    counts = {k: len(v) for k, v in sheets.items()}
    audit_export.record(
        actor,
        "roster",
        sum(counts.values()),
        {"sheets": counts, "township_id": township_id, "masked": actor.role != "admin"},
        engine=engine,
    )
    return workbook_bytes(sheets, COLUMNS, HELP_ROWS), counts


def _spec() -> imports_base.Spec:
    """The template as the go-live imports write theirs (db/services/imports/base.py): per sheet
    an explanation row and an example row (skipped on import when left as they are) and drop-down
    lists on the columns of fixed values; the instruction sheet says what ``HELP_ROWS`` says."""
    Col, Sheet, Spec = imports_base.Col, imports_base.Sheet, imports_base.Spec
    yes_no = ("是", "否")
    help_of = dict(HELP_ROWS[1:])
    sheets = (
        Sheet(
            SHEET_GRIDS,
            (
                Col("网格编码", "全县不重复，字母、数字和短横线。", "SMJ-01-G01", True, width=16),
                Col("网格名称", "如 东湖村第一网格。", "东湖村第一网格", True, width=18),
                Col("网格类型", "农村网格、社区网格或专属网格。", "农村网格", True, choices=tuple(GRID_KINDS.values())),
                Col("所属乡镇", "系统中已有的乡镇名称。", "双庙街乡", True),
                Col("所属村（社区）", "系统中已有的村（社区）名称。", "东湖村", True),
                Col("网格描述", "四至范围等，可留空。", "东湖村一组、二组", width=24),
            ),
            help_of[SHEET_GRIDS],
        ),
        Sheet(
            SHEET_STAFF,
            (
                Col("身份证号", "18位，末位可为X。", "410726199001011238", True, width=22),
                Col("姓名", "", "李网格", True),
                Col("联系电话", "手机号或带区号的固定电话。", "13800000000", True, width=14),
                Col("职务", "网格长或网格员。", "网格员", True, choices=tuple(STAFF_ROLES.values())),
                Col("专兼职", "专职或兼职。", "专职", True, choices=tuple(EMPLOYMENT.values())),
                Col("所属网格编码", "“网格”表中或系统中已有的编码。", "SMJ-01-G01", True),
                Col("是否在岗", "是或否。", "是", True, choices=yes_no),
            ),
            help_of[SHEET_STAFF],
        ),
        Sheet(
            SHEET_PARTY,
            (
                Col("身份证号", "须为已登记的居民（先导入住户与居民）。", "410726198001011234", True, width=22),
                Col("姓名", "与居民登记一致。", "王党员", True),
                Col("联系电话", "可留空。", None, width=14),
                Col("入党日期", "如 2010-07-01。", "2010-07-01", width=12),
                Col("所属网格编码", "可留空（按居住地）。", "SMJ-01-G01"),
                Col("责任区", "本村（社区）责任区名称，可留空。", None),
                Col("突击队", "本乡镇或本村突击队名称，可留空。", None),
                Col("是否在册", "是或否。", "是", choices=yes_no),
                Col("考评得分（仅导出）", "导入时忽略。", None),
            ),
            help_of[SHEET_PARTY],
        ),
        Sheet(
            SHEET_LINKS,
            (
                Col("党员身份证号", "“党员”表中或系统中已有的党员。", "410726198001011234", True, width=22),
                Col("党员姓名", "", "王党员"),
                Col("户所在网格编码", "", "SMJ-01-G01", True),
                Col("户地址", "与住户登记的户地址一致。", "东湖村一组3号", True, width=20),
                Col("户主姓名（仅导出）", "导入时忽略。", None),
                Col("联户日期", "如 2024-03-01，可留空。", None, width=12),
            ),
            help_of[SHEET_LINKS],
        ),
    )
    return Spec("roster", "网格花名册", "roster.import", sheets, notes=(HELP_ROWS[-1][1],), max_rows=MAX_ROWS)


def template_bytes() -> bytes:
    """An empty template: headers, the explanation and example rows, drop-downs, the instructions."""
    return imports_base.template_bytes(_spec())


EMERGENCY_COLUMNS = ["序号", "姓名", "联系电话", "所属村（社区）", "所属网格", "责任区", "突击队", "考评得分"]


def emergency_workbook(
    engine: Engine, actor: Actor, *, team_id: int | None = None, zone_id: int | None = None
) -> tuple[bytes, int]:
    """One-click roster of a commando team (or responsibility zone) for an emergency, masked
    for the exporting role (the administrator's copy is the unmasked one) and audited."""
    require(actor, "roster.export")
    if not (team_id or zone_id):
        raise ValidationError("请选择突击队或责任区。", field="team_id")
    with read_session(engine) as s:
        rows = roster_q.group_members(s, team_id=team_id, zone_id=zone_id)
        title = (
            s.scalar(select(CommandoTeam.name).where(CommandoTeam.id == team_id))
            if team_id
            else s.scalar(select(ResponsibilityZone.name).where(ResponsibilityZone.id == zone_id))
        )
    sheet = title[:31] if title else "名单"
    data = [
        [
            k,
            _mask(actor.role, "name", r["name"]),
            _mask(actor.role, "phone", r["phone"]),
            r["village"],
            r["grid"],
            r["zone"],
            r["team"],
            r["score"],
        ]
        for k, r in enumerate(rows, start=1)
    ]
    audit_export.record(
        actor,
        "commando_team" if team_id else "responsibility_zone",
        len(rows),
        {"team_id": team_id, "zone_id": zone_id, "masked": actor.role != "admin"},
        engine=engine,
    )
    return workbook_bytes({sheet: data}, {sheet: EMERGENCY_COLUMNS}), len(rows)


# --------------------------------------------------------------------------- import: reading


def read_workbook(content: bytes, report: ImportReport) -> dict[str, list[tuple[int, dict[str, Any]]]] | None:
    """Rows of every data sheet as (Excel row number, {column: value}); None on a structural
    error (unreadable file, missing sheet, wrong columns), which is put in the report.

    The file is checked before any parsing (db.rules.workbook: size, inflated size, declared
    sheet dimensions), sheets are read without padding to their declared dimensions, and the
    reading stops at ``READ_SECONDS``."""
    why = workbook_rules.refusal(content, MAX_ROWS)
    if why:
        report.add("文件", 0, None, why)
        return None
    header_name, is_template_row, template_rows = (
        imports_base.header_name,
        imports_base.is_template_row,
        imports_base.template_rows,
    )
    spec = _spec()
    deadline = time.monotonic() + READ_SECONDS
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable file is the user's file
        report.add("文件", 0, None, "无法读取该文件，请上传由本系统导出的 .xlsx 模板。")
        return None
    out: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    # read-only mode parses a worksheet's XML lazily, row by row: a damaged sheet raises only
    # here (ParseError, ValueError …), so the whole reading is guarded, not just load_workbook()
    name, number = "", 0  # the sheet and the last row read whole
    try:
        for name in DATA_SHEETS:
            if name not in wb.sheetnames:
                report.add(name, 0, None, f"缺少工作表「{name}」。")
                continue
            ws = wb[name]
            ws.reset_dimensions()  # never pad rows to a declared range (a few KB declared XFD1048576)
            rows = ws.iter_rows(values_only=True)
            number = 0
            header = [header_name(c) for c in next(rows, ())]
            number = 1
            while header and not header[-1]:
                header.pop()
            expected = [header_name(c) for c in COLUMNS[name]]
            missing = [c for c in COLUMNS[name] if header_name(c) not in header]
            extra = [c for c in header if c and c not in expected]
            if missing or extra or len(set(header)) != len(header):
                parts = []
                if missing:
                    parts.append("缺少列" + "、".join(f"「{c}」" for c in missing))
                if extra:
                    parts.append("多出列" + "、".join(f"「{c}」" for c in extra))
                if not parts:
                    parts.append("列名重复")
                report.add(name, 1, None, "表头与模板不一致：" + "；".join(parts) + "。请使用本系统导出的模板。")
                continue
            index = {c: header.index(header_name(c)) for c in COLUMNS[name]}
            skip = template_rows(spec.sheets[DATA_SHEETS.index(name)])
            data: list[tuple[int, dict[str, Any]]] = []
            for number, values in enumerate(rows, start=2):
                if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                    continue
                if len(data) >= MAX_ROWS:
                    report.add(name, number, None, f"行数超过上限（{MAX_ROWS}行）。")
                    break
                if number % 1000 == 0 and time.monotonic() > deadline:
                    report.add(
                        name, number, None, f"读取超过{READ_SECONDS}秒仍未完成，文件过大或结构异常，请分批导入。"
                    )
                    return None
                row = {c: (values[i] if i < len(values) else None) for c, i in index.items()}
                if number <= 3 and is_template_row(row, skip):
                    continue  # the template's explanation or example row, left as it was
                data.append((number, row))
            out[name] = data
    except Exception:  # noqa: BLE001 - any unreadable sheet is the user's file
        report.add(
            "文件",
            0,
            None,
            f"无法读取该文件（工作表「{name}」第{number + 1}行附近已损坏），请上传由本系统导出的 .xlsx 模板。",
        )
        return None
    finally:
        with contextlib.suppress(
            Exception
        ):  # closing a damaged file: nothing left to do (the refusal is already reported)
            wb.close()
    return None if report.error_total else out


# --------------------------------------------------------------------------- import: checking


@dataclass
class _Plan:
    grids: list[dict] = field(default_factory=list)
    staff: list[dict] = field(default_factory=list)
    party: list[dict] = field(default_factory=list)
    links: dict[int, list[tuple[int, date | None]]] = field(default_factory=dict)  # resident id -> households
    link_sheet_empty: bool = True
    # what the checks relied on, as read in the check's (read) transaction; compared again in the
    # write transaction (``_recheck``) so that a record changed in between refuses the import
    grid_refs: dict[str, tuple[int, int] | None] = field(default_factory=dict)  # code -> (id, village)
    staff_refs: dict[str, int | None] = field(default_factory=dict)  # ID number -> staff id
    resident_refs: dict[str, tuple[int, str, int]] = field(default_factory=dict)  # ID -> (id, name, village)
    member_refs: dict[int, int | None] = field(default_factory=dict)  # resident id -> member id
    zone_refs: dict[int, tuple[int, str]] = field(default_factory=dict)  # id -> (village, name)
    team_refs: dict[int, tuple[int, int | None, str]] = field(default_factory=dict)  # id -> (township, village, name)
    household_refs: dict[int, tuple[int, str, int]] = field(default_factory=dict)  # id -> (grid, address, village)


class _Checker:
    """Validates every row against the database and the file itself; collects errors."""

    def __init__(self, s: Session, report: ImportReport, progress: ProgressFn, total_rows: int, today: date):
        self.s, self.report, self.progress, self.today = s, report, progress, today
        self.total, self.done = max(1, total_rows), 0
        self.plan = _Plan()

    def tick(self, label: str) -> None:
        self.done += 1
        if self.done % 500 == 0:
            self.progress(0.6 * self.done / self.total, f"正在检查{label}：第{self.done}行")

    def cell(self, sheet: str, row: int, column: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except ValidationError as exc:
            self.report.add(sheet, row, column, exc.message)
            return _BAD

    # ---- grids
    def grids(self, rows: list[tuple[int, dict]]) -> dict[str, int | None]:
        s, sheet = self.s, SHEET_GRIDS
        villages = {
            (t, v): vid
            for vid, v, t in s.execute(
                select(Village.id, Village.name, Township.name).join(Township, Township.id == Village.township_id)
            )
        }
        towns = {t for t, _ in villages}
        existing = {
            c: (gid, vid, ver)
            for gid, c, vid, ver in s.execute(select(Grid.id, Grid.code, Grid.village_id, Grid.version))
        }
        self.db_grids = {c: (gid, vid) for c, (gid, vid, _v) in existing.items()}
        codes: dict[str, int] = {}
        known: dict[str, int | None] = {c: v for c, (_g, v, _ver) in existing.items()}
        for row, r in rows:
            self.tick("网格")
            code = self.cell(sheet, row, "网格编码", lambda: _bounded(_text(r["网格编码"]), "网格编码", CODE_MAX, True))
            name = self.cell(
                sheet, row, "网格名称", lambda: _bounded(_text(r["网格名称"]), "网格名称", GRID_NAME_MAX, True)
            )
            kind = self.cell(
                sheet, row, "网格类型", lambda: parse_label(_text(r["网格类型"]), GRID_KINDS, "网格类型", "kind")
            )
            desc = self.cell(
                sheet, row, "网格描述", lambda: _bounded(_text(r["网格描述"]), "网格描述", DESC_MAX, False)
            )
            town = _text(r["所属乡镇"])
            vname = _text(r["所属村（社区）"])
            village_id = None
            if not town:
                self.report.add(sheet, row, "所属乡镇", "请填写所属乡镇。")
            elif town not in towns:
                self.report.add(sheet, row, "所属乡镇", f"系统中没有乡镇“{town[:30]}”。")
            elif not vname:
                self.report.add(sheet, row, "所属村（社区）", "请填写所属村（社区）。")
            elif (town, vname) not in villages:
                self.report.add(sheet, row, "所属村（社区）", f"{town}没有村（社区）“{vname[:30]}”。")
            else:
                village_id = villages[(town, vname)]
            if code is not _BAD and code is not None:
                if code in codes:
                    self.report.add(sheet, row, "网格编码", f"网格编码“{code}”在本表第{codes[code]}行已出现。")
                    continue
                codes[code] = row
                known[code] = village_id
            if _BAD in (code, name, kind, desc) or village_id is None:
                continue
            self.plan.grids.append(
                dict(
                    row=row,
                    code=code,
                    name=name,
                    kind=kind,
                    description=desc,
                    village_id=village_id,
                    id=existing.get(code, (None,))[0],
                    version=existing.get(code, (None, None, None))[2],
                )
            )
            self.plan.grid_refs[code] = self.db_grids.get(code)
        return known

    # ---- staff
    def staff(self, rows: list[tuple[int, dict]], grid_codes: dict[str, int | None]) -> None:
        s, sheet = self.s, SHEET_STAFF
        existing = {
            i: (sid, n, ver)
            for sid, i, n, ver in s.execute(
                select(GridStaff.id, GridStaff.id_number, GridStaff.name, GridStaff.version)
            )
            if i
        }
        seen: dict[str, int] = {}
        file_ids = [normalize_or_none(_text(r["身份证号"])) for _, r in rows]
        residents = _residents_by_id(s, [i for i in file_ids if i])
        for row, r in rows:
            self.tick("网格人员")
            ident = self.cell(sheet, row, "身份证号", lambda: normalize_id_number(_text(r["身份证号"]), required=True))
            name = self.cell(sheet, row, "姓名", lambda: clean_name(_text(r["姓名"]), "姓名"))
            phone = self.cell(sheet, row, "联系电话", lambda: clean_phone(_text(r["联系电话"]), required=True))
            role = self.cell(
                sheet, row, "职务", lambda: parse_label(_text(r["职务"]), STAFF_ROLES, "职务", "staff_role")
            )
            emp = self.cell(
                sheet, row, "专兼职", lambda: parse_label(_text(r["专兼职"]), EMPLOYMENT, "专兼职", "employment")
            )
            active = self.cell(sheet, row, "是否在岗", lambda: parse_yes_no(_text(r["是否在岗"]), "是否在岗", "active"))
            gcode = _text(r["所属网格编码"])
            if not gcode:
                self.report.add(sheet, row, "所属网格编码", "请填写所属网格编码。")
            elif gcode not in grid_codes:
                self.report.add(sheet, row, "所属网格编码", f"系统和本文件中都没有网格编码“{gcode[:30]}”。")
                gcode = None
            if ident not in (_BAD, None):
                if ident in seen:
                    self.report.add(
                        sheet, row, "身份证号", f"身份证号在本表第{seen[ident]}行已出现，同一人只能登记一次。"
                    )
                    continue
                seen[ident] = row
                if name not in (_BAD, None):
                    on_file = existing.get(ident, (None, None, None))[1] or residents.get(ident, (None, None))[1]
                    if on_file and on_file != name:
                        self.report.add(
                            sheet,
                            row,
                            "身份证号",
                            f"该身份证号在系统中已登记为另一人（{mask_for('leader', 'name', on_file)}），"
                            f"与姓名“{name}”不符。",
                        )
                        continue
            if _BAD in (ident, name, phone, role, emp, active) or not gcode:
                continue
            self.plan.staff.append(
                dict(
                    row=row,
                    id_number=ident,
                    name=name,
                    phone=phone,
                    staff_role=role,
                    employment=emp,
                    active=active,
                    grid_code=gcode,
                    id=existing.get(ident, (None,))[0],
                    version=existing.get(ident, (None, None, None))[2],
                )
            )
            self.plan.staff_refs[ident] = existing.get(ident, (None,))[0]
            self.plan.grid_refs.setdefault(gcode, self.db_grids.get(gcode))

    # ---- party members
    def party(self, rows: list[tuple[int, dict]], grid_codes: dict[str, int | None]) -> None:
        s, sheet = self.s, SHEET_PARTY
        file_ids = [normalize_or_none(_text(r["身份证号"])) for _, r in rows]
        residents = _residents_by_id(s, [i for i in file_ids if i])
        members = {rid: mid for mid, rid in s.execute(select(PartyMember.id, PartyMember.resident_id)) if rid}
        member_version = dict(s.execute(select(PartyMember.id, PartyMember.version)).all())
        member_village = dict(s.execute(select(PartyMember.id, PartyMember.village_id)).all())
        zones: defaultdict[tuple[int, str], list[int]] = defaultdict(list)
        zone_of: dict[int, tuple[int, str]] = {}
        for zid, zone_village, zone_name in s.execute(
            select(ResponsibilityZone.id, ResponsibilityZone.village_id, ResponsibilityZone.name)
        ):
            zones[(zone_village, zone_name)].append(zid)
            zone_of[zid] = (zone_village, zone_name)
        teams: defaultdict[tuple[int | None, str], list[tuple[int, int | None]]] = defaultdict(list)
        team_of: dict[int, tuple[int, int | None, str]] = {}
        for tid, town, team_village, team_name in s.execute(
            select(CommandoTeam.id, CommandoTeam.township_id, CommandoTeam.village_id, CommandoTeam.name)
        ):
            teams[(town, team_name)].append((tid, team_village))
            team_of[tid] = (town, team_village, team_name)
        town_of = dict(s.execute(select(Village.id, Village.township_id)).all())
        seen: dict[str, int] = {}
        for row, r in rows:
            self.tick("党员")
            ident = self.cell(sheet, row, "身份证号", lambda: normalize_id_number(_text(r["身份证号"]), required=True))
            name = self.cell(sheet, row, "姓名", lambda: clean_name(_text(r["姓名"]), "姓名"))
            phone = self.cell(sheet, row, "联系电话", lambda: clean_phone(_text(r["联系电话"])))
            joined = self.cell(sheet, row, "入党日期", lambda: _date(r["入党日期"], "入党日期"))
            active = self.cell(sheet, row, "是否在册", lambda: parse_yes_no(_text(r["是否在册"]), "是否在册", "active"))
            if joined not in (_BAD, None) and (joined > self.today or joined.year < 1921):
                self.report.add(sheet, row, "入党日期", "入党日期不正确。")
                joined = _BAD
            if ident in (_BAD, None):
                continue
            if ident in seen:
                self.report.add(sheet, row, "身份证号", f"身份证号在本表第{seen[ident]}行已出现，同一人只能登记一次。")
                continue
            seen[ident] = row
            res = residents.get(ident)
            if res is None:
                self.report.add(sheet, row, "身份证号", "系统中没有该身份证号的居民，请先在人口信息中登记。")
                continue
            resident_id, res_name, res_village = res
            if name not in (_BAD, None) and name != res_name:
                self.report.add(
                    sheet, row, "姓名", f"与该身份证号登记的居民姓名（{mask_for('leader', 'name', res_name)}）不一致。"
                )
                continue
            member_id = members.get(resident_id)
            village_id = member_village.get(member_id, res_village) if member_id else res_village
            gcode = _text(r["所属网格编码"])
            if gcode and gcode not in grid_codes:
                self.report.add(sheet, row, "所属网格编码", f"系统和本文件中都没有网格编码“{gcode[:30]}”。")
                continue
            if gcode and grid_codes[gcode] != village_id:
                self.report.add(sheet, row, "所属网格编码", "网格不在该党员所在的村（社区）。")
                continue
            zone_id = team_id = None
            zname = _text(r["责任区"])
            if zname:
                found = zones.get((village_id, zname), [])
                if len(found) != 1:
                    self.report.add(
                        sheet,
                        row,
                        "责任区",
                        f"该党员所在村（社区）没有{'唯一的' if found else ''}责任区“{zname[:40]}”。",
                    )
                    continue
                zone_id = found[0]
            tname = _text(r["突击队"])
            if tname:
                found = [t for t, v in teams.get((town_of.get(village_id), tname), []) if v in (None, village_id)]
                if len(found) != 1:
                    self.report.add(
                        sheet, row, "突击队", f"本乡镇（本村）没有{'唯一的' if found else ''}突击队“{tname[:40]}”。"
                    )
                    continue
                team_id = found[0]
            if _BAD in (name, phone, joined, active):
                continue
            self.plan.party.append(
                dict(
                    row=row,
                    resident_id=resident_id,
                    id=member_id,
                    village_id=village_id,
                    name=name,
                    phone=phone,
                    joined_on=joined,
                    active=active,
                    grid_code=gcode,
                    zone_id=zone_id,
                    team_id=team_id,
                    version=member_version.get(member_id) if member_id else None,
                )
            )
            self.plan.resident_refs[ident] = res
            self.plan.member_refs[resident_id] = member_id
            if gcode:
                self.plan.grid_refs.setdefault(gcode, self.db_grids.get(gcode))
            if zone_id is not None:
                self.plan.zone_refs[zone_id] = zone_of[zone_id]
            if team_id is not None:
                self.plan.team_refs[team_id] = team_of[team_id]

    # ---- household links
    def links(self, rows: list[tuple[int, dict]], grid_codes: dict[str, int | None]) -> None:
        s, sheet = self.s, SHEET_LINKS
        self.plan.link_sheet_empty = not rows
        if not rows:
            return
        party_by_resident = {p["resident_id"]: p for p in self.plan.party}
        file_ids = [normalize_or_none(_text(r["党员身份证号"])) for _, r in rows]
        residents = _residents_by_id(s, [i for i in file_ids if i])
        codes = {c for c in (_text(r["户所在网格编码"]) for _, r in rows) if c}
        grid_ids = dict(s.execute(select(Grid.code, Grid.id).where(Grid.code.in_(codes))).all()) if codes else {}
        households: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
        if grid_ids:
            for hid, hh_grid, addr, vid in s.execute(
                select(Household.id, Household.grid_id, Household.address, Grid.village_id)
                .join(Grid, Grid.id == Household.grid_id)
                .where(Household.grid_id.in_(grid_ids.values()))
            ):
                households[(hh_grid, addr)].append((hid, vid))
        seen: dict[tuple[int, int], int] = {}
        for row, r in rows:
            self.tick("党员联户")
            ident = self.cell(
                sheet,
                row,
                "党员身份证号",
                lambda: normalize_id_number(_text(r["党员身份证号"]), "党员身份证号", required=True),
            )
            linked = self.cell(sheet, row, "联户日期", lambda: _date(r["联户日期"], "联户日期"))
            if ident in (_BAD, None):
                continue
            res = residents.get(ident)
            member = party_by_resident.get(res[0]) if res else None
            if member is None:
                self.report.add(
                    sheet, row, "党员身份证号", "该身份证号不在本文件的「党员」表中（联户须与党员一同导入）。"
                )
                continue
            assert res is not None  # the member was found through it
            gcode, address = _text(r["户所在网格编码"]), _text(r["户地址"])
            if not gcode:
                self.report.add(sheet, row, "户所在网格编码", "请填写户所在网格编码。")
                continue
            if not address:
                self.report.add(sheet, row, "户地址", "请填写户地址。")
                continue
            gid = grid_ids.get(gcode)
            if gid is None:
                self.report.add(sheet, row, "户所在网格编码", f"系统中没有网格编码“{gcode[:30]}”。")
                continue
            found = households.get((gid, address), [])
            if len(found) != 1:
                self.report.add(
                    sheet, row, "户地址", f"网格“{gcode}”中{'有多户' if found else '没有'}地址为“{address[:60]}”的户。"
                )
                continue
            hid, vid = found[0]
            if vid != member["village_id"]:
                self.report.add(sheet, row, "户地址", "联系户须在党员所在村（社区）内。")
                continue
            if (res[0], hid) in seen:
                self.report.add(sheet, row, "户地址", f"与本表第{seen[(res[0], hid)]}行重复。")
                continue
            seen[(res[0], hid)] = row
            if linked is _BAD:
                continue
            self.plan.links.setdefault(res[0], []).append((hid, linked))
            self.plan.household_refs[hid] = (gid, address, vid)


_BAD = object()


def normalize_or_none(text: str | None) -> str | None:
    try:
        return normalize_id_number(text)
    except ValidationError:
        return None


def _residents_by_id(s: Session, idents: list[str]) -> dict[str, tuple[int, str, int]]:
    """ID number -> (resident id, name, village id), in chunks of 900 (SQLite's parameter cap)."""
    out: dict[str, tuple[int, str, int]] = {}
    uniq = sorted(set(idents))
    for k in range(0, len(uniq), 900):
        chunk = uniq[k : k + 900]
        for rid, ident, name, vid in s.execute(
            select(Resident.id, Resident.id_number, Resident.name, Grid.village_id)
            .join(Household, Household.id == Resident.household_id)
            .join(Grid, Grid.id == Household.grid_id)
            .where(Resident.id_number.in_(chunk))
        ):
            assert ident is not None  # matched by the IN (...) above
            out[ident] = (rid, name, vid)
    return out


# --------------------------------------------------------------------------- import: writing

CHANGED_MESSAGE = "检查本文件期间，该记录已被他人修改（或新增、删除），为避免覆盖，未导入任何数据。请重新导入。"


# the models the import upserts
_Model = TypeVar("_Model", Grid, GridStaff, PartyMember)


class _Changed(Exception):
    """A record the checks relied on changed between the check and the write."""

    def __init__(self, where: list[tuple[str, int, str]]):
        super().__init__(CHANGED_MESSAGE)
        self.where = where


def _chunked(s: Session, stmt_for: Callable[[list], Any], keys: list) -> list:
    out: list = []
    for k in range(0, len(keys), 900):
        out += s.execute(stmt_for(keys[k : k + 900])).all()
    return out


def _recheck(s: Session, plan: _Plan) -> list[tuple[str, int, str]]:
    """Inside the write transaction: the (sheet, row, column) of every planned row whose natural
    key, record version or a record it refers to is no longer what the check read."""
    where: list[tuple[str, int, str]] = []
    codes = sorted(plan.grid_refs)
    grids_now = {
        c: (gid, vid)
        for c, gid, vid in _chunked(
            s, lambda ks: select(Grid.code, Grid.id, Grid.village_id).where(Grid.code.in_(ks)), codes
        )
    }
    bad_codes = {c for c in codes if grids_now.get(c) != plan.grid_refs[c]}

    def versions(model: type[_Model], rows: list[dict]) -> dict[int, int]:
        ids = [p["id"] for p in rows if p.get("id")]
        return dict(_chunked(s, lambda ks: select(model.id, model.version).where(model.id.in_(ks)), ids))

    grid_v = versions(Grid, plan.grids)
    for p in plan.grids:
        if p["code"] in bad_codes or (p["id"] and grid_v.get(p["id"]) != p["version"]):
            where.append((SHEET_GRIDS, p["row"], "网格编码"))
    idents = sorted(plan.staff_refs)
    staff_now = dict(
        _chunked(s, lambda ks: select(GridStaff.id_number, GridStaff.id).where(GridStaff.id_number.in_(ks)), idents)
    )
    staff_v = versions(GridStaff, plan.staff)
    for p in plan.staff:
        if staff_now.get(p["id_number"]) != plan.staff_refs[p["id_number"]] or (
            p["id"] and staff_v.get(p["id"]) != p["version"]
        ):
            where.append((SHEET_STAFF, p["row"], "身份证号"))
        elif p["grid_code"] in bad_codes:
            where.append((SHEET_STAFF, p["row"], "所属网格编码"))
    residents_now = _residents_by_id(s, list(plan.resident_refs))
    bad_residents = {
        plan.resident_refs[i][0] for i in plan.resident_refs if residents_now.get(i) != plan.resident_refs[i]
    }
    rids = sorted(plan.member_refs)
    members_now = dict(
        _chunked(
            s, lambda ks: select(PartyMember.resident_id, PartyMember.id).where(PartyMember.resident_id.in_(ks)), rids
        )
    )
    member_v = versions(PartyMember, plan.party)
    zones_now = {
        z: (v, n)
        for z, v, n in _chunked(
            s,
            lambda ks: select(ResponsibilityZone.id, ResponsibilityZone.village_id, ResponsibilityZone.name).where(
                ResponsibilityZone.id.in_(ks)
            ),
            sorted(plan.zone_refs),
        )
    }
    teams_now = {
        t: (town, v, n)
        for t, town, v, n in _chunked(
            s,
            lambda ks: select(
                CommandoTeam.id, CommandoTeam.township_id, CommandoTeam.village_id, CommandoTeam.name
            ).where(CommandoTeam.id.in_(ks)),
            sorted(plan.team_refs),
        )
    }
    hh_now = {
        h: (g, a, v)
        for h, g, a, v in _chunked(
            s,
            lambda ks: (
                select(Household.id, Household.grid_id, Household.address, Grid.village_id)
                .join(Grid, Grid.id == Household.grid_id)
                .where(Household.id.in_(ks))
            ),
            sorted(plan.household_refs),
        )
    }
    bad_links = {rid for rid, hs in plan.links.items() if any(hh_now.get(h) != plan.household_refs[h] for h, _d in hs)}
    for p in plan.party:
        rid = p["resident_id"]
        if (
            rid in bad_residents
            or members_now.get(rid) != plan.member_refs[rid]
            or (p["id"] and member_v.get(p["id"]) != p["version"])
        ):
            where.append((SHEET_PARTY, p["row"], "身份证号"))
        elif p["grid_code"] and p["grid_code"] in bad_codes:
            where.append((SHEET_PARTY, p["row"], "所属网格编码"))
        elif p["zone_id"] is not None and zones_now.get(p["zone_id"]) != plan.zone_refs[p["zone_id"]]:
            where.append((SHEET_PARTY, p["row"], "责任区"))
        elif p["team_id"] is not None and teams_now.get(p["team_id"]) != plan.team_refs[p["team_id"]]:
            where.append((SHEET_PARTY, p["row"], "突击队"))
        elif rid in bad_links:
            where.append((SHEET_PARTY, p["row"], "身份证号"))
    return where


def _upsert(
    s: Session,
    actor: Actor,
    model: type[_Model],
    entity: str,
    plan_rows: list[dict],
    columns: list[str],
    now: datetime,
    counts: dict[str, int],
    progress: Callable[[], None],
    sheet: str = "",
    key_column: str = "",
) -> dict[int, int]:
    """Create new rows, update changed ones (version + 1), leave equal ones alone; one audit
    record per created or changed row. Returns {plan row index: id}. An existing row whose
    version is no longer the one the check read raises ``_Changed`` (the caller rolls back)."""
    ids = [p["id"] for p in plan_rows if p.get("id")]
    current: dict[int, _Model] = {}
    for k in range(0, len(ids), 900):
        for found in s.scalars(select(model).where(model.id.in_(ids[k : k + 900]))):
            current[found.id] = found
    out: dict[int, int] = {}
    for n, p in enumerate(plan_rows):
        values = {c: p[c] for c in columns}
        if p.get("id"):
            obj = current.get(p["id"])
            if obj is None or obj.version != p["version"]:
                raise _Changed([(sheet, p["row"], key_column)])
            changed = {c: v for c, v in values.items() if getattr(obj, c) != v}
            if changed:
                before = {c: getattr(obj, c) for c in changed}
                res = cast(
                    "CursorResult[Any]",
                    s.execute(
                        update(model)
                        .where(model.id == obj.id, model.version == p["version"])
                        .values(**changed, version=model.version + 1, updated_at=now)
                        .execution_options(synchronize_session=False)
                    ),
                )
                if res.rowcount != 1:  # changed by another transaction since it was read (PostgreSQL)
                    raise _Changed([(sheet, p["row"], key_column)])
                audit.record(s, actor, "roster.import_update", entity, obj.id, before=before, after=changed)
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
            out[n] = obj.id
        else:
            new_id = s.execute(insert(model).values(**values, updated_at=now).returning(model.id)).scalar_one()
            audit.record(s, actor, "roster.import_create", entity, new_id, after=values)
            counts["created"] += 1
            out[n] = new_id
        progress()
    return out


def import_workbook(
    engine: Engine, actor: Actor, content: bytes, progress: ProgressFn | None = None, now: datetime | None = None
) -> ImportReport:
    """Check every row of the workbook; if all are valid, write them in one transaction.

    Returns the report: ``ok`` with counts per sheet, or the errors by sheet, row and column
    (nothing written)."""
    require(actor, "roster.import")
    progress = progress or (lambda _f, _t: None)
    now = now or utcnow()
    report = ImportReport()
    progress(0.0, "正在读取文件……")
    sheets = read_workbook(content, report)
    if sheets is None:
        return report
    total_rows = sum(len(v) for v in sheets.values())
    # Checking a county file takes seconds: it runs in a read transaction, so intake and dispatch
    # keep writing meanwhile. Only the upsert below holds the write lock.
    with read_session(engine) as s:
        checker = _Checker(s, report, progress, total_rows, to_local(now).date())
        grid_codes = checker.grids(sheets[SHEET_GRIDS])
        checker.staff(sheets[SHEET_STAFF], grid_codes)
        checker.party(sheets[SHEET_PARTY], grid_codes)
        checker.links(sheets[SHEET_LINKS], grid_codes)
    if not report.ok:
        progress(1.0, f"检查完成：发现{report.error_total}处错误，未导入任何数据。")
        return report
    progress(0.6, "检查通过，正在写入……")
    plan = checker.plan
    try:
        counts = _write(engine, actor, plan, total_rows, now, progress)
    except _Changed as exc:
        for sheet, row, column in exc.where:
            report.add(sheet, row, column, CHANGED_MESSAGE)
        progress(1.0, "写入前发现记录已被他人修改，未导入任何数据。")
        return report
    except IntegrityError:  # a key created by another transaction after the recheck (PostgreSQL)
        report.add("文件", 0, None, CHANGED_MESSAGE)
        progress(1.0, "写入前发现记录已被他人修改，未导入任何数据。")
        return report
    report.counts = counts
    progress(1.0, "导入完成。")
    return report


def _write(
    engine: Engine, actor: Actor, plan: _Plan, total_rows: int, now: datetime, progress: ProgressFn
) -> dict[str, dict[str, int]]:
    """The upsert, in one write transaction that first re-checks what the checks relied on."""
    done = [0]

    def tick() -> None:
        done[0] += 1
        if done[0] % 500 == 0:
            progress(0.6 + 0.4 * min(1.0, done[0] / max(1, total_rows)), f"正在写入：{done[0]}/{total_rows}")

    with write_session(engine) as s:
        changed = _recheck(s, plan)
        if changed:
            raise _Changed(changed)
        counts = {k: {"created": 0, "updated": 0, "unchanged": 0} for k in DATA_SHEETS}
        _upsert(
            s,
            actor,
            Grid,
            "grid",
            plan.grids,
            ["code", "name", "kind", "description", "village_id"],
            now,
            counts[SHEET_GRIDS],
            tick,
            SHEET_GRIDS,
            "网格编码",
        )
        code_to_id = dict(s.execute(select(Grid.code, Grid.id)).all())
        for p in plan.staff:
            p["grid_id"] = code_to_id[p["grid_code"]]
        _upsert(
            s,
            actor,
            GridStaff,
            "grid_staff",
            plan.staff,
            ["grid_id", "name", "phone", "id_number", "staff_role", "employment", "active"],
            now,
            counts[SHEET_STAFF],
            tick,
            SHEET_STAFF,
            "身份证号",
        )
        for p in plan.party:
            p["grid_id"] = code_to_id[p["grid_code"]] if p["grid_code"] else None
        new_party = [p for p in plan.party if not p["id"]]
        member_ids = _upsert(
            s,
            actor,
            PartyMember,
            "party_member",
            plan.party,
            ["resident_id", "village_id", "name", "phone", "joined_on", "active", "grid_id", "zone_id", "team_id"],
            now,
            counts[SHEET_PARTY],
            tick,
            SHEET_PARTY,
            "身份证号",
        )
        if new_party:
            s.execute(
                update(Resident)
                .where(Resident.id.in_([p["resident_id"] for p in new_party]))
                .values(is_party_member=True)
                .execution_options(synchronize_session=False)
            )
        if not plan.link_sheet_empty:
            _write_links(s, actor, plan, member_ids, counts[SHEET_LINKS], now, tick)
        audit.record(s, actor, "roster.import", "roster", None, after={"counts": counts, "rows": total_rows})
    return counts


def _write_links(
    s: Session,
    actor: Actor,
    plan: _Plan,
    member_ids: dict[int, int],
    counts: dict[str, int],
    now: datetime,
    tick: Callable[[], None],
) -> None:
    """For every party member of the file, make the linked households exactly the file's."""
    by_member = {member_ids[n]: plan.links.get(p["resident_id"], []) for n, p in enumerate(plan.party)}
    ids = list(by_member)
    existing: dict[int, dict[int, date | None]] = defaultdict(dict)
    for k in range(0, len(ids), 900):
        for mid, hid, d in s.execute(
            select(
                PartyMemberHousehold.party_member_id, PartyMemberHousehold.household_id, PartyMemberHousehold.linked_on
            ).where(PartyMemberHousehold.party_member_id.in_(ids[k : k + 900]))
        ):
            existing[mid][hid] = d
    for mid, wanted in by_member.items():
        have = existing.get(mid, {})
        want = dict(wanted)
        removed = [h for h in have if h not in want]
        added = [h for h in want if h not in have]
        redated = [h for h in want if h in have and have[h] != want[h]]
        if removed:
            s.execute(
                delete(PartyMemberHousehold).where(
                    PartyMemberHousehold.party_member_id == mid, PartyMemberHousehold.household_id.in_(removed)
                )
            )
        if added:
            s.execute(
                insert(PartyMemberHousehold),
                [{"party_member_id": mid, "household_id": h, "linked_on": want[h]} for h in added],
            )
        for h in redated:
            s.execute(
                update(PartyMemberHousehold)
                .where(PartyMemberHousehold.party_member_id == mid, PartyMemberHousehold.household_id == h)
                .values(linked_on=want[h])
            )
        counts["created"] += len(added)
        counts["updated"] += len(redated)
        counts["unchanged"] += len(want) - len(added) - len(redated)
        if removed or added or redated:
            s.execute(
                update(PartyMember)
                .where(PartyMember.id == mid)
                .values(version=PartyMember.version + 1, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            audit.record(
                s,
                actor,
                "roster.import_links",
                "party_member",
                mid,
                before={"household_ids": sorted(have)},
                after={"household_ids": sorted(want), "removed": len(removed)},
            )
        for _ in wanted:
            tick()


def error_rows(report: ImportReport) -> list[dict]:
    """The report's errors as table rows for the page."""
    return [{"工作表": e.sheet, "行号": e.row or None, "列": e.column or "", "错误": e.message} for e in report.errors]


def summary(report: ImportReport) -> str:
    parts = []
    for sheet, c in report.counts.items():
        parts.append(f"{sheet}：新增{c['created']}、更新{c['updated']}、未变{c['unchanged']}")
    return "；".join(parts)


__all__ = [
    "COLUMNS",
    "ImportReport",
    "RowError",
    "emergency_workbook",
    "error_rows",
    "export_rows",
    "export_workbook",
    "import_workbook",
    "summary",
    "template_bytes",
]
