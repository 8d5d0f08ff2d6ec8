"""The dispute and hazard ledger from Excel (issue #19): a township's own 矛盾纠纷台账.

One row is one case. Its key is the township's own ledger number (台账编号), which becomes the
case's number: the township finds its old cases by the numbers it knows, and the page's deep
link (``?case=``, ASCII letters, digits and dashes) opens them. The number is unique in the
county (another township's case with the same number is refused) and may not take the
console's own form ``TJ-2026-000123`` (the counter would hand it out again later).

An imported case is what the console would hold for it: the same validation as the register
form (``db.services.mediation``: type, source, colour, level, title 4-100 characters, summary
5-2000, parties' names, phones and ID numbers, an applicant for a walk-in or screened dispute,
an active mediator of the township), a status of the state machine (``db.rules.mediation_fsm``)
with the fields it implies (current step, agreement and its date, the follow-up due date,
outcome, close-out), so the ledger, the case file, the red list, the follow-up list and the
KPIs read it like any other. A case on which mediation has begun carries one step, numbered by
the ledger's 调解进度 (网格员初调 when left empty), whose notes say it was imported from the old
ledger; the console continues with the next step. A case still 待调解 has no step (a step
would mean mediation had begun); its import is in the audit log like every imported record.

A re-import updates the cases whose row changed (one audit record each, before and after) and
leaves the others alone. A case handled in the console since its import (any ``mediation.*``
audit record: a step, an escalation, a close-out…) is the console's: a row that no longer
matches it is refused, never written over it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from db.errors import PermissionDenied, ValidationError
from db.models import (
    AuditLog,
    Grid,
    Household,
    MediationCase,
    MediationParty,
    MediationStep,
    Mediator,
    Resident,
    Village,
)
from db.models.base import utcnow
from db.models.mediation import CASE_KINDS, CASE_LEVELS, CASE_SOURCES, DISPUTE_TYPES, MEDIATION_STEPS, RISK_COLOURS
from db.queries.mediation import settings as mediation_settings
from db.queries.mediation import write_scope
from db.rules import mediation_fsm as fsm
from db.rules.roster import clean_name, normalize_id_number
from db.rules.sla import to_local
from db.rules.text import clean_text
from db.scope import ALL_TOWNSHIPS
from db.services import audit
from db.services.imports.base import Col, Context, RowCheck, Sheet, Spec, duplicates, folded, text
from db.services.mediation import CASE_AUDIT_FIELDS, NAME_MAX, SUMMARY_MAX, SUMMARY_MIN, TEXT_MAX, TITLE_MAX, TITLE_MIN
from db.services.roster import clean_phone

NUMBER_MAX = 20  # mediation_case.number
CONSOLE_NUMBER = re.compile(r"(RX|SJ|TJ|PT)-\d{4}-\d{6}")  # the console's own numbers (counter)
EARLIEST = date(2000, 1, 1)
CHUNK = 900  # ids / keys per IN (…)
IMPORTED_SOURCES = {k: CASE_SOURCES[k] for k in ("walk_in", "screening")}  # the others need a linked record
RESULT_MIN = 5  # an agreement's text, as the step form asks (a referral's note: 4)
NOT_RECORDED = "原台账未记载"
ESCALATED = "已升级"
AUDIT_FIELDS = [*CASE_AUDIT_FIELDS, "current_step", "reported_at", "agreed_at", "followup_due_on", "closed_at"]

# what a township's own ledger writes for the console's statuses, besides the console's labels
STATUS_ALIASES = {
    "未调解": "open",
    "待处理": "open",
    "在调": "mediating",
    "正在调解": "mediating",
    "调处中": "mediating",
    ESCALATED: "mediating",
    "已升级至乡级": "mediating",
    "达成协议": "agreed",
    "调解成功": "agreed",
    "已调解成功": "agreed",
    "已化解": "agreed",
    "销号": "closed",
    "已结案": "closed",
    "结案": "closed",
    "办结": "closed",
    "已办结": "closed",
    "诉讼": "litigation",
    "转诉讼": "litigation",
    "已转诉讼": "litigation",
    "信访": "petition",
    "转信访": "petition",
    "已转信访": "petition",
}
COLOUR_ALIASES = {"蓝": "blue", "黄": "yellow", "红": "red"}
KIND_ALIASES = {"纠纷": "dispute", "矛盾": "dispute"}
LEVEL_ALIASES = {"村": "village", "乡": "township", "镇级": "township", "乡镇级": "township"}
STEP_CHOICES = {str(k): v for k, v in MEDIATION_STEPS.items()}
STEP_ALIASES = {f"第{k}步": str(k) for k in MEDIATION_STEPS} | {
    f"第{k}步{v}": str(k) for k, v in MEDIATION_STEPS.items()
}
TYPE_ALIASES = {f"{v}纠纷": k for k, v in DISPUTE_TYPES.items() if not v.endswith("纠纷")} | {
    "家庭纠纷": "family",
    "婚姻纠纷": "family",
    "土地纠纷": "land_boundary",
    "劳资": "labour",
    "合同": "contract",
}

COLUMN_RESULT = "调解结果（协议内容）"
STATUS_HELP = (
    "待调解、调解中、已达成协议（尚待回访销号）、已销号（协议已履行、回访完毕）、已诉讼、已信访；"
    "从原台账粘贴的“调解成功”按已达成协议、“已结案”按已销号、“已升级”按乡级调处中导入。"
)

LEDGER = Sheet(
    "纠纷台账",
    (
        Col(
            "台账编号",
            "原台账上的编号，字母、数字和短横线，最多20个字符，全县不重复（与其他乡镇重号时请加本乡镇简称，"
            "如 SM-2023-015）；不能用本系统的 TJ-年份-序号 格式。再次导入同一编号即更新该案件。",
            "SM-2023-015",
            True,
            width=16,
        ),
        Col("登记日期", "如 2023-03-15，不能晚于今天。", "2023-03-15", True, width=12),
        Col("所属村（社区）", "本乡镇村（社区）的名称或编码。", "东湖村", True, options="villages", width=16),
        Col("所属网格编码", "须为该村（社区）的网格，可留空。", "SMJ-01-G01", options="grids", width=16),
        Col("纠纷类型", "从下拉列表选择。", "邻里纠纷", True, choices=tuple(DISPUTE_TYPES.values()), width=12),
        Col("类别", "矛盾纠纷或隐患，留空按矛盾纠纷。", "矛盾纠纷", choices=tuple(CASE_KINDS.values()), width=10),
        Col(
            "标题",
            f"{TITLE_MIN}至{TITLE_MAX}个字，如 东湖村张某与李某排水沟纠纷。",
            "东湖村张某与李某排水沟纠纷",
            True,
            width=28,
        ),
        Col(
            "简要情况",
            f"{SUMMARY_MIN}至{SUMMARY_MAX}个字：起因、争议事项、双方诉求。",
            "因排水沟堵塞积水，双方多次争吵。",
            True,
            width=36,
        ),
        Col(
            "来源",
            "群众来访或月度排查，留空按群众来访（工单转入、网格上报的案件须在系统中关联来源记录）。",
            "群众来访",
            choices=tuple(IMPORTED_SOURCES.values()),
            width=10,
        ),
        Col(
            "风险等级",
            "蓝色、黄色或红色（从原台账粘贴的 蓝、黄、红 也可识别）。",
            "蓝色",
            True,
            choices=tuple(RISK_COLOURS.values()),
            width=10,
        ),
        Col(
            "调处层级",
            "村级或乡级（已升级至乡镇调处的填乡级），留空按村级。",
            "村级",
            choices=tuple(CASE_LEVELS.values()),
            width=10,
        ),
        Col("申请人姓名", "提出调解的一方；隐患（无具体当事人）可留空。", "张某某", True, width=12),
        Col("申请人电话", "手机或带区号的固定电话，可留空。", "13812345678", width=14),
        Col("申请人身份证号", "18位，可留空；与已登记居民相同时自动关联居民档案。", None, width=20),
        Col("被申请人姓名", "可留空。", "李某某", width=12),
        Col("被申请人电话", "可留空。", None, width=14),
        Col("被申请人身份证号", "18位，可留空。", None, width=20),
        Col("调解员", "本乡镇调解员名册中的姓名，可留空；名册中没有的须先登记。", None, options="mediators", width=12),
        Col("状态", STATUS_HELP, "调解中", True, choices=tuple(fsm.STATUS_LABELS.values()), width=12),
        Col(
            "调解进度",
            "已进行到四步调解的哪一步（网格员初调、乡贤参调、法律顾问释法、村民评议定案）；"
            "待调解的留空，其他状态留空按网格员初调。系统从下一步继续。",
            "网格员初调",
            choices=tuple(MEDIATION_STEPS.values()),
            width=14,
        ),
        Col(
            COLUMN_RESULT,
            "已达成协议、已销号：协议内容（必填）；已诉讼、已信访：去向说明（必填）；"
            "调解中：目前情况（可留空）；待调解：留空。",
            None,
            width=36,
        ),
        Col(
            "结案日期",
            "已达成协议填协议达成日期、已销号填销号日期（必填）；已诉讼、已信访可填转出日期；"
            "待调解、调解中留空。不早于登记日期，不晚于今天。",
            None,
            width=12,
        ),
    ),
    "按“台账编号”识别：编号已有则更新该案件，否则新建",
)

SPEC = Spec(
    "disputes",
    "矛盾纠纷台账",
    "mediation.edit",
    (LEDGER,),
    notes=(
        "先导入组织架构（村、网格）并登记本乡镇的调解员，再导入本台账；当事人的身份证号与已导入的居民相同时自动关联居民档案。",
        "导入的案件与系统中登记的案件一样显示在矛盾纠纷台账、红色预警、待回访销号和化解指标中；"
        "已开始调解的案件在调解过程中记一步“据原台账导入”，之后在系统中从下一步继续。",
        "已达成协议的案件按回访间隔计算应回访日期，回访后即可销号；调解中的案件以登记日期为最近进展，"
        "久无进展的会列入“无进展”提醒，请及时在系统中记录下一步。",
        "案件导入后如已在系统中办理（记录步骤、升级、回访、销号等），再次导入时该行须与系统一致，否则不予导入，请在系统中修改。",
    ),
)


@dataclass
class _Planned:
    row: int
    number: str
    values: dict[str, Any]  # the case's fields
    parties: list[dict[str, Any]]  # applicant first
    step: dict[str, Any] | None  # the import step, None for a case not yet mediated
    case: MediationCase | None = None
    old_parties: list[MediationParty] = field(default_factory=list)
    old_steps: list[MediationStep] = field(default_factory=list)


# --------------------------------------------------------------------------- cells


def _pick(
    row: RowCheck,
    column: str,
    mapping: dict[str, str],
    aliases: dict[str, str] | None = None,
    default: str | None = None,
    offered: dict[str, str] | None = None,
) -> str | None:
    """A fixed value by its label, its code or a usual wording of a ledger: the code."""
    raw = text(row.values.get(column))
    if raw is None:
        if row.sheet.col(column).required:
            row.bad(column, "必填，不能为空。")
        return default
    key = raw.replace(" ", "")
    for code, label in mapping.items():
        if key in (label, code):
            return code
    if aliases and key in aliases:
        return aliases[key]
    row.bad(column, f"“{raw}”不是可选值，请填 " + " / ".join((offered or mapping).values()) + "。")
    return None


def _free(row: RowCheck, column: str, **rules: Any) -> str | None:
    """A free text cell exactly as typed (no NFKC: its Chinese punctuation stays), through the
    console's own text rule (``clean_text``)."""
    raw = row.values.get(column)
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    try:
        return clean_text(None if raw is None else str(raw), column, field=column, **rules)
    except ValidationError as exc:
        row.bad(column, exc.message)
        return None


def _number(row: RowCheck) -> str | None:
    column = "台账编号"
    value = folded(row.text(column))  # full-width letters and digits are the same number
    if value is None:
        return None
    value = value.upper()
    if len(value) > NUMBER_MAX or not all(c.isascii() and (c.isalnum() or c == "-") for c in value):
        row.bad(column, f"只能由字母、数字和短横线组成，最多{NUMBER_MAX}个字符（当前“{value}”）。")
        return None
    if CONSOLE_NUMBER.fullmatch(value):
        row.bad(column, f"“{value}”是本系统自动编号的格式，不能作为台账编号，请使用原台账的编号。")
        return None
    return value


def _moment(row: RowCheck, column: str, now: datetime) -> datetime | None:
    moment = row.moment(column)
    if moment is None:
        return None
    day = to_local(moment).date()
    if moment > now:
        row.bad(
            column,
            f"{day:%Y-%m-%d}晚于今天，不能登记未来的日期。"
            if day > to_local(now).date()
            else "晚于现在，不能登记未来的时间。",
        )
        return None
    if day < EARLIEST:
        row.bad(column, f"{day:%Y-%m-%d}早于{EARLIEST:%Y}年，请核对。")
        return None
    return moment


def _cleaned(row: RowCheck, column: str, cleaner: Callable[[str | None], Any]) -> Any:
    """The cell through one of the console's cleaners (ValidationError: the cell's problem)."""
    try:
        return cleaner(text(row.values.get(column)))
    except ValidationError as exc:
        row.bad(column, exc.message)
        return None


def _key(name: str) -> str:
    """A village's or a person's name as compared: NFKC (full-width brackets), no spaces."""
    return unicodedata.normalize("NFKC", name).replace(" ", "").replace("\u3000", "")


def _party(row: RowCheck, side: str, label: str, required: bool) -> dict[str, Any] | None:
    name_col, phone_col, id_col = f"{label}姓名", f"{label}电话", f"{label}身份证号"
    name = _cleaned(row, name_col, lambda v: clean_name(v, name_col, max_len=NAME_MAX, required=False))
    phone = _cleaned(row, phone_col, lambda v: clean_phone(v, phone_col))
    id_number = _cleaned(row, id_col, lambda v: normalize_id_number(v, id_col))
    if name is None:
        if required and text(row.values.get(name_col)) is None:
            row.bad(name_col, "矛盾纠纷须填写申请人姓名（隐患可留空）。")
        elif phone or id_number:
            row.bad(name_col, f"填写了{label}的电话或身份证号，请同时填写姓名。")
        return None
    return {"side": side, "name": name, "phone": phone, "id_number": id_number, "resident_id": None}


# --------------------------------------------------------------------------- check


def _refuse_village_accounts(ctx: Context) -> None:
    """The ledger of the whole township: an account bound to one village may not import it."""
    sc = write_scope(ctx.s, ctx.actor)
    if sc.no_staff or sc.village_id is not None:
        raise PermissionDenied("矛盾纠纷台账须由乡镇管理员或乡级调解员导入；村级账号请在系统中登记本村的纠纷。")
    if sc.township_id is not None and sc.township_id != ctx.township_id:
        raise PermissionDenied("只能导入本乡镇的矛盾纠纷台账。")


def _chunks(items: list[Any]) -> list[list[Any]]:
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]


def check(ctx: Context, sheets: dict[str, list[tuple[int, dict[str, Any]]]]) -> list[_Planned]:
    s, town = ctx.s, ctx.township_id
    _refuse_village_accounts(ctx)
    now = utcnow()
    villages: dict[str, Village] = {}
    names: dict[str, list[Village]] = {}
    for v in s.scalars(select(Village).where(Village.township_id == town)):
        villages[v.code.upper()] = v
        names.setdefault(_key(v.name), []).append(v)
    grids = {
        code.upper(): (gid, vid)
        for gid, code, vid in s.execute(
            select(Grid.id, Grid.code, Grid.village_id)
            .join(Village, Village.id == Grid.village_id)
            .where(Village.township_id == town)
        )
    }
    mediators: dict[str, list[Mediator]] = {}
    for m in s.scalars(select(Mediator).where(Mediator.township_id == town)):
        mediators.setdefault(_key(m.name), []).append(m)
    followup_days = mediation_settings(s)["followup_days"]

    rows = sheets.get(LEDGER.name, [])
    planned: list[_Planned] = []
    keyed: list[tuple[int, str | None]] = []
    for k, (number_row, values) in enumerate(rows):
        if k and k % 1000 == 0:
            ctx.tick(0.1 + 0.3 * k / len(rows), f"逐行检查（第{k}行）……")
        row = RowCheck(ctx, LEDGER, number_row, values)
        number, item = _check_row(row, now, villages, names, grids, mediators, followup_days)
        keyed.append((number_row, number))
        if item is not None:
            planned.append(item)
    dup = duplicates(ctx, LEDGER, keyed, "台账编号")
    planned = [p for p in planned if p.number not in dup]
    numbers = sorted({n for _, n in keyed if n})
    _other_townships(ctx, keyed, numbers)
    ctx.tick(0.4, "核对已导入的案件……")
    _existing(ctx, planned, numbers)
    _residents(ctx, planned)
    _handled_in_console(ctx, planned)
    return planned


def _check_row(
    row: RowCheck,
    now: datetime,
    villages: dict[str, Village],
    names: dict[str, list[Village]],
    grids: dict[str, tuple[int, int]],
    mediators: dict[str, list[Mediator]],
    followup_days: int,
) -> tuple[str | None, _Planned | None]:
    """The row's ledger number (when readable) and its case, or None when a cell has a problem."""
    number = _number(row)
    reported = _moment(row, "登记日期", now)

    village = None
    where = row.text("所属村（社区）")
    if where is not None:
        code = (folded(where) or "").upper()
        found = names.get(_key(where)) or ([villages[code]] if code in villages else [])
        if len(found) == 1:
            village = found[0]
        elif found:
            row.bad("所属村（社区）", f"本乡镇有{len(found)}个名为“{where}”的村（社区），请改填编码。")
        else:
            row.bad("所属村（社区）", f"本乡镇没有名称或编码为“{where}”的村（社区），请先导入组织架构。")
    grid_id = None
    grid_code = row.text("所属网格编码")
    if grid_code is not None:
        grid = grids.get((folded(grid_code) or "").upper())
        if grid is None:
            row.bad("所属网格编码", f"本乡镇没有编码为“{grid_code}”的网格。")
        elif village is not None and grid[1] != village.id:
            row.bad("所属网格编码", f"网格“{grid_code}”不属于{village.name}。")
        else:
            grid_id = grid[0]

    dispute_type = _pick(row, "纠纷类型", DISPUTE_TYPES, TYPE_ALIASES)
    kind = _pick(row, "类别", CASE_KINDS, KIND_ALIASES, default="dispute")
    title = _free(row, "标题", min_len=TITLE_MIN, max_len=TITLE_MAX, required=True)
    summary = _free(row, "简要情况", min_len=SUMMARY_MIN, max_len=SUMMARY_MAX, required=True, multiline=True)
    source = _pick(row, "来源", CASE_SOURCES, default="walk_in", offered=IMPORTED_SOURCES)
    if source is not None and source not in IMPORTED_SOURCES:
        row.bad(
            "来源",
            f"“{CASE_SOURCES[source]}”的案件须在系统中关联来源记录，导入时请填"
            + "或".join(IMPORTED_SOURCES.values())
            + "。",
        )
    colour = _pick(row, "风险等级", RISK_COLOURS, COLOUR_ALIASES)
    raw_status = (text(row.values.get("状态")) or "").replace(" ", "")
    status = _pick(row, "状态", fsm.STATUS_LABELS, STATUS_ALIASES)
    escalated = raw_status in (ESCALATED, "已升级至乡级")
    level = _pick(row, "调处层级", CASE_LEVELS, LEVEL_ALIASES, default="township" if escalated else "village")
    if escalated and level == "village":
        row.bad("调处层级", "状态为“已升级”的案件在乡级调处，调处层级请填乡级或留空。")

    applicant = _party(row, "applicant", "申请人", required=kind == "dispute")
    respondent = _party(row, "respondent", "被申请人", required=False)
    parties = [p for p in (applicant, respondent) if p is not None]

    mediator: Mediator | None = None
    who = _cleaned(row, "调解员", lambda v: clean_name(v, "调解员", max_len=NAME_MAX, required=False))
    if who is not None:
        found_m = [m for m in mediators.get(_key(who), []) if m.active]
        if len(found_m) > 1 and village is not None:  # the case's village's own mediator, else the township's
            found_m = [m for m in found_m if m.village_id == village.id] or [m for m in found_m if m.village_id is None]
        if len(found_m) == 1:
            mediator = found_m[0]
        elif found_m:
            row.bad(
                "调解员", f"本乡镇有{len(found_m)}位名为“{who}”的调解员，无法确定是哪一位，请在系统中区分后再导入。"
            )
        elif mediators.get(_key(who)):
            row.bad("调解员", f"调解员“{who}”已停用，请在系统中重新启用或改填其他调解员。")
        else:
            row.bad(
                "调解员", f"本乡镇没有名为“{who}”的调解员，请先将其登记到本乡镇的调解员名册后再导入（或暂时留空）。"
            )

    step_no = _pick(row, "调解进度", STEP_CHOICES, STEP_ALIASES)
    closing = _moment(row, "结案日期", now)
    result: str | None = None
    if status is not None:
        needs_result = status in ("agreed", "closed", "litigation", "petition")
        result = _free(
            row,
            COLUMN_RESULT,
            max_len=TEXT_MAX,
            multiline=True,
            min_len=RESULT_MIN if status in ("agreed", "closed") else 4,
            required=needs_result,
        )
        label = fsm.STATUS_LABELS[status]
        if status == "open":
            if step_no is not None:
                row.bad("调解进度", "待调解的案件尚未开始调解，调解进度请留空（或改填状态为调解中）。")
            if result is not None:
                row.bad(COLUMN_RESULT, "待调解的案件尚未开始调解，请留空。")
        if status in ("open", "mediating") and closing is not None:
            row.bad("结案日期", f"“{label}”的案件尚未结案，结案日期请留空。")
        if status in ("agreed", "closed") and text(row.values.get("结案日期")) is None:
            row.bad("结案日期", f"状态为“{label}”时必填（{'协议达成' if status == 'agreed' else '销号'}日期）。")
    if closing is not None and reported is not None and to_local(closing).date() < to_local(reported).date():
        row.bad("结案日期", f"{to_local(closing):%Y-%m-%d}早于登记日期{to_local(reported):%Y-%m-%d}。")
        closing = None

    if not row.ok or number is None:
        return number, None
    assert village is not None and status is not None and reported is not None and colour is not None
    step = int(step_no) if step_no else (1 if status != "open" else 0)
    ended = max(closing, reported) if closing is not None else None
    values: dict[str, Any] = dict(
        number=number,
        township_id=village.township_id,
        village_id=village.id,
        grid_id=grid_id,
        kind=kind,
        dispute_type=dispute_type,
        title=title,
        summary=summary,
        source=source,
        source_order_id=None,
        source_event_id=None,
        risk_colour=colour,
        level=level,
        mediator_id=mediator.id if mediator else None,
        status=status,
        current_step=step,
        agreement_text=None,
        agreed_at=None,
        followup_due_on=None,
        outcome=None,
        closed_at=None,
        reported_at=reported,
        last_progress_at=ended or reported,
    )
    if status == "agreed":
        assert ended is not None  # an agreed case's row has its 结案日期 (checked above)
        values.update(
            agreement_text=result,
            agreed_at=ended,
            followup_due_on=to_local(ended).date() + timedelta(days=followup_days),
        )
    elif status == "closed":
        values.update(agreement_text=result, agreed_at=ended, closed_at=ended, outcome="已销号（据原台账）。")
    elif status in fsm.FINAL_STATUSES:
        values.update(outcome=result)
    import_step = None
    if step:
        note = f"本案据原台账导入（台账编号{number}），此前的调解经过以原台账为准。"
        if status == "mediating" and result:
            note += f"原台账记载：{result}"
        import_step = dict(
            step_no=step,
            held_on=to_local(ended or reported).date(),
            participants=f"调解员{mediator.name}" if mediator else NOT_RECORDED,
            notes=note,
            outcome="agreed" if status in fsm.RESOLVED_STATUSES else "continue",
            risk_colour=colour,
        )
    return number, _Planned(row.number, number, values, parties, import_step)


def _other_townships(ctx: Context, keyed: list[tuple[int, str | None]], numbers: list[str]) -> None:
    """A ledger number that is another township's case number (numbers are unique in the county)."""
    taken: set[str] = set()
    for part in _chunks(numbers):
        taken.update(
            ctx.s.scalars(
                select(MediationCase.number)
                .where(MediationCase.number.in_(part), MediationCase.township_id != ctx.township_id)
                .execution_options(**ALL_TOWNSHIPS)
            )
        )
    for number_row, number in keyed:
        if number in taken:
            ctx.error(
                LEDGER.name,
                number_row,
                "台账编号",
                f"编号“{number}”已被其他乡镇的案件使用，请在编号前加上本乡镇简称（最多{NUMBER_MAX}个字符）。",
            )


def _existing(ctx: Context, planned: list[_Planned], numbers: list[str]) -> None:
    s = ctx.s
    cases: dict[str, MediationCase] = {}
    for part in _chunks(numbers):
        cases.update(
            (c.number, c)
            for c in s.scalars(
                select(MediationCase).where(
                    MediationCase.number.in_(part), MediationCase.township_id == ctx.township_id
                )
            )
        )
    ids = [c.id for c in cases.values()]
    parties: dict[int, list[MediationParty]] = {}
    steps: dict[int, list[MediationStep]] = {}
    for part in _chunks(ids):
        for party in s.scalars(
            select(MediationParty)
            .where(MediationParty.case_id.in_(part))
            .order_by(MediationParty.side, MediationParty.id)
        ):
            parties.setdefault(party.case_id, []).append(party)
        for st in s.scalars(
            select(MediationStep)
            .where(MediationStep.case_id.in_(part))
            .order_by(MediationStep.held_on, MediationStep.id)
        ):
            steps.setdefault(st.case_id, []).append(st)
    for p in planned:
        p.case = cases.get(p.number)
        if p.case is not None:
            p.old_parties, p.old_steps = parties.get(p.case.id, []), steps.get(p.case.id, [])


def _residents(ctx: Context, planned: list[_Planned]) -> None:
    """A party whose ID number is one resident's of this township is linked to that resident."""
    wanted = sorted({p["id_number"] for item in planned for p in item.parties if p["id_number"]})
    found: dict[str, list[int]] = {}
    for part in _chunks(wanted):
        for id_number, rid in ctx.s.execute(
            select(Resident.id_number, Resident.id)
            .join(Household, Household.id == Resident.household_id)
            .join(Grid, Grid.id == Household.grid_id)
            .join(Village, Village.id == Grid.village_id)
            .where(Resident.id_number.in_(part), Village.township_id == ctx.township_id)
        ):
            assert id_number is not None  # matched by the IN (...) above
            found.setdefault(id_number, []).append(rid)
    for item in planned:
        for p in item.parties:
            ids = found.get(p["id_number"] or "", [])
            p["resident_id"] = ids[0] if len(ids) == 1 else None


def _handled_in_console(ctx: Context, planned: list[_Planned]) -> None:
    """A case handled in the console since its import is the console's: its row must match it."""
    ids = [p.case.id for p in planned if p.case is not None]
    handled: dict[str, str] = {}
    for part in _chunks([str(i) for i in ids]):
        for entity_id, action in ctx.s.execute(
            select(AuditLog.entity_id, AuditLog.action)
            .where(
                AuditLog.entity == "mediation_case", AuditLog.entity_id.in_(part), AuditLog.action.like("mediation.%")
            )
            .order_by(AuditLog.id)
            .execution_options(**ALL_TOWNSHIPS)
        ):  # by a county account too
            assert entity_id is not None  # matched by the IN (...) above
            handled[entity_id] = action
    keep = []
    for p in planned:
        if p.case is not None and str(p.case.id) in handled and _differs(p):
            what = fsm.ACTION_LABELS.get(handled[str(p.case.id)].partition(".")[2], "办理")
            ctx.error(
                LEDGER.name,
                p.row,
                None,
                f"案件{p.number}导入后已在系统中办理（最近一次：{what}），当前为“"
                f"{fsm.STATUS_LABELS.get(p.case.status, p.case.status)}”，与本行不一致。"
                "台账不能覆盖系统中的办理记录：请在系统中修改，或从文件中删去这一行。",
            )
        else:
            keep.append(p)
    planned[:] = keep


# --------------------------------------------------------------------------- write


def _party_key(p: MediationParty | dict[str, Any]) -> tuple:
    get = p.get if isinstance(p, dict) else lambda k: getattr(p, k)
    return tuple(get(k) for k in ("side", "name", "phone", "id_number", "resident_id"))


def _step_changes(p: _Planned) -> bool:
    if p.step is None or not p.old_steps:
        return p.step is not None or bool(p.old_steps)
    if len(p.old_steps) != 1:
        return True
    return any(getattr(p.old_steps[0], k) != v for k, v in p.step.items())


def _case_changes(p: _Planned) -> dict[str, tuple[Any, Any]]:
    assert p.case is not None
    values = dict(p.values)
    if values["status"] == "agreed" and p.case.followup_due_on is not None and p.case.agreed_at == values["agreed_at"]:
        values["followup_due_on"] = p.case.followup_due_on  # a later change of the interval is no change of the row
    return {k: (getattr(p.case, k), v) for k, v in values.items() if getattr(p.case, k) != v}


def _differs(p: _Planned) -> bool:
    return (
        bool(_case_changes(p))
        or [_party_key(x) for x in p.old_parties] != [_party_key(x) for x in p.parties]
        or _step_changes(p)
    )


def _add_children(ctx: Context, case: MediationCase, p: _Planned, now: datetime) -> None:
    for party in p.parties:
        ctx.s.add(MediationParty(case_id=case.id, **party))
    if p.step is not None:
        ctx.s.add(MediationStep(case_id=case.id, recorded_by=ctx.actor.user_id or None, recorded_at=now, **p.step))


def write(ctx: Context, plan: list[_Planned]) -> dict[str, dict[str, int]]:
    s, now = ctx.s, utcnow()
    new = [p for p in plan if p.case is None]
    for k, part in enumerate([new[i : i + 500] for i in range(0, len(new), 500)]):
        ctx.tick(0.5 + 0.3 * k * 500 / max(len(new), 1), f"写入新案件（{k * 500}/{len(new)}）……")
        cases = [MediationCase(**p.values, version=1, updated_at=now, reopen_count=0) for p in part]
        s.add_all(cases)
        s.flush()
        for case, p in zip(cases, part, strict=True):
            _add_children(ctx, case, p, now)
            after = audit.snapshot(case, AUDIT_FIELDS)
            after.update(parties=len(p.parties), step=p.step["step_no"] if p.step else None)
            audit.record(s, ctx.actor, "mediation_case.import", "mediation_case", case.id, after=after)
            ctx.count(LEDGER.name, "created")
        s.flush()
    old = [p for p in plan if p.case is not None]
    for k, p in enumerate(old):
        if k and k % 1000 == 0:
            ctx.tick(0.8 + 0.2 * k / len(old), f"更新已有案件（{k}/{len(old)}）……")
        _update(ctx, p, now)
    s.flush()
    return ctx.counts


def _update(ctx: Context, p: _Planned, now: datetime) -> None:
    s, case = ctx.s, p.case
    assert case is not None
    diff = _case_changes(p)
    parties_changed = [_party_key(x) for x in p.old_parties] != [_party_key(x) for x in p.parties]
    step_changed = _step_changes(p)
    if not (diff or parties_changed or step_changed):
        ctx.count(LEDGER.name, "unchanged")
        return
    for k, (_, after) in diff.items():
        setattr(case, k, after)
    case.version = (case.version or 0) + 1
    case.updated_at = now
    # the summary's words (names, addresses) stay out of the audit log, as on registration
    before = {k: "（原内容）" if k == "summary" else b for k, (b, _) in diff.items()}
    after = {k: "（已修改）" if k == "summary" else a for k, (_, a) in diff.items()}
    if parties_changed:
        for old in p.old_parties:
            s.delete(old)
        s.flush()
        for party in p.parties:
            s.add(MediationParty(case_id=case.id, **party))
        before["parties"], after["parties"] = len(p.old_parties), len(p.parties)
    if step_changed:
        before["step"] = [o.step_no for o in p.old_steps] or None
        after["step"] = p.step["step_no"] if p.step else None
        if p.step is not None and len(p.old_steps) == 1:
            for k, v in p.step.items():
                setattr(p.old_steps[0], k, v)
        else:
            for old_step in p.old_steps:
                s.delete(old_step)
            if p.step is not None:
                s.add(MediationStep(case_id=case.id, recorded_by=ctx.actor.user_id or None, recorded_at=now, **p.step))
    s.flush()
    audit.record(s, ctx.actor, "mediation_case.import", "mediation_case", case.id, before=before, after=after)
    ctx.count(LEDGER.name, "updated")
