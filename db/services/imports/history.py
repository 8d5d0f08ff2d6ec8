"""A township's past work orders from its old ledger (issue #19): the caller history at the desk,
the inbox and the KPIs start with the township's past instead of an empty year.

Key: the ledger's own number (原工单编号), kept as ``external_source = "history"`` and
``external_no`` (the unique index of the township, source and number, as the county link keeps the
12345 platform's number): importing the same number again updates the order, never duplicates it,
and the inbox's search finds the order by its old number.

Each row is checked with the desk's own rules (``orders.validate_intake``: the texts, the phone
and the channels that need one) and becomes an order as the console would have kept it:

- numbered ``RX-<year of receipt>-…`` (``next_number`` at the 受理时间), received at the 受理时间,
  in the village (name or code), the grid (when given), and the caller's household when exactly
  one household of the village has the caller's phone (as the county link does);
- the clocks the console gives the category at the 受理时间 (``township_settings.category_clocks``:
  the township's own clocks over the catalogue's): first contact ``contact_due_at``; handling
  counted from the 受理时间 (the ledger does not say when it was dispatched) in working days on
  the holiday calendar (``Clock``: a year whose schedule is not entered is counted on the
  statutory holidays and marked 暂定, as at the desk), with ``warn_at`` and ``due_workdays``. A
  即办 category's order closed the same day without a department is an answer at intake, as the
  desk records one: no handling clock, so it stays out of 按期办结率 like the desk's;
- status: 已办结 is the console's closed-for-good state ``archived`` (never ``resolved``, which
  would put a year of past orders in the 待回访 queue), with its 办结时间 (``resolved_at``) and,
  when the ledger has a satisfaction, a callback at the 办结时间 (``callback_at``: the 满意率
  counts it in that month); 办理中 is an open order (``in_progress``) at its department, with
  a proper deadline: it is in the inbox, overdue or not, like any open order, and is handled
  on from there in the console;
- first contact: the ledger's 首次联系时间 when it has one (an answer at intake is a contact, as
  at the desk); else, for a closed order, its 办结时间: the caller was reached by the closure at the
  latest, so the order shows as contacted and 24小时首次联系率 counts it as met only when it was
  closed within the 24 hours (the rate is not made up for the past); an open order without one
  shows as not yet contacted.

The KPI summary tables follow by themselves (the triggers of ``db/stats.py`` on every insert and
update of ``work_order``), counted exactly as ``db/queries/kpi.py`` scans them.

The timeline shows the known steps at their moments (受理登记 at the 受理时间; the dispatch, the
closure, the callback as the ledger has them) and one step ``import`` (历史台账导入) at the import
with the ledger's number. An order handled further in the console after its import (its version
moved since the import) belongs to the console: importing the file again leaves it as it is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from db.errors import ValidationError
from db.models import Category, Department, Grid, Household, Platform, Village, WorkOrder, WorkOrderEvent
from db.models.base import utcnow
from db.models.orders import CHANNELS, SATISFACTION
from db.queries.reference import leaf_categories
from db.queries.township_settings import category_clocks
from db.rules.phone import normalize_phone
from db.rules.sla import CONTACT_HOURS, contact_deadline, deadline_text, to_local, warn_point
from db.rules.text import clean_text
from db.services import audit
from db.services import orders as orders_svc
from db.services.base import Clock, next_number, provisional_note
from db.services.imports.base import Col, Context, RowCheck, Sheet, Spec, changed, duplicates, folded, text

SOURCE = "history"  # external_source of an order imported from the township's old ledger
IMPORT_ACTION = "import"  # its timeline step (历史台账导入)
NUMBER_MAX = 40  # WorkOrder.external_no
STATUSES = {"archived": "已办结", "in_progress": "办理中"}
NOT_RATED = "未评价"
RATINGS = {**SATISFACTION, "none": NOT_RATED}
CHUNK = 500

ORDERS = Sheet(
    "历史工单",
    (
        Col(
            "原工单编号",
            f"旧台账上的工单编号，本乡镇内不重复，最多{NUMBER_MAX}个字符；同一编号再次导入时更新该工单，不会重复新建。",
            "2025-0301",
            True,
            width=16,
        ),
        Col(
            "受理时间",
            "北京时间，如 2025-03-03 09:30（只填日期按当天0点）；不能晚于现在。",
            "2025-03-03 09:30",
            True,
            width=18,
        ),
        Col("渠道", "受理渠道，从下拉列表选择。", "热线", True, choices=tuple(CHANNELS.values()), width=12),
        Col("来电人姓名", f"诉求人姓名，最多{orders_svc.NAME_MAX}个字。", "王建国", width=12),
        Col(
            "联系电话",
            "11位手机号或带区号的固定电话；渠道为"
            + "、".join(CHANNELS[c] for c in orders_svc.PHONE_REQUIRED_CHANNELS)
            + "时必填（与登记工单相同）。填写后自动关联本村登记了该电话的住户（仅一户时）。",
            "13812345678",
            width=15,
        ),
        Col(
            "所属村（社区）",
            "本乡镇村（社区）的名称（下拉选择），也可粘贴其编码。",
            "东湖村",
            True,
            options="villages",
            width=16,
        ),
        Col("所属网格编码", "可留空；须为该村（社区）的网格。", "SMJ-01-G01", options="grids", width=16),
        Col("详细地址", f"最多{orders_svc.ADDRESS_MAX}个字。", "东湖村一组12号", width=24),
        Col(
            "诉求类别",
            "诉求类别目录中的小类名称（如 路灯照明），也可填“大类 / 小类”或类别编码。",
            "用电故障",
            True,
            options="categories",
            width=16,
        ),
        Col(
            "诉求内容",
            f"{orders_svc.DESCRIPTION_MIN}至{orders_svc.DESCRIPTION_MAX}个字。",
            "村东头路灯坏了三盏，晚上漆黑一片。",
            True,
            width=40,
        ),
        Col(
            "标题",
            f"可留空：按登记工单的规则由村名、诉求要点和类别生成；最多{orders_svc.TITLE_MAX}个字。",
            None,
            width=24,
        ),
        Col(
            "承办部门", "本乡镇四个平台下的部门名称；状态为“办理中”时必填。", "供电所", options="departments", width=16
        ),
        Col(
            "状态",
            "已办结：已结案（导入后为“已回访”，不进入待回访）；办理中：导入后在工单中心照常办理、计算时限。",
            "已办结",
            True,
            choices=tuple(STATUSES.values()),
            width=10,
        ),
        Col("办结时间", "状态为“已办结”时必填；不早于受理时间，不晚于现在。", "2025-03-05 16:00", width=18),
        Col("办理结果", f"最多{orders_svc.RESULT_MAX}个字；办理中的工单不填。", "已更换路灯，恢复照明。", width=30),
        Col(
            "满意度",
            "回访评价；留空视为未评价；办理中的工单不填。满意度计入办结当月的满意率。",
            "满意",
            choices=tuple(RATINGS.values()),
            width=10,
        ),
        Col(
            "首次联系时间",
            f"台账记有首次联系诉求人的时间时填写（计入{CONTACT_HOURS}小时首次联系率）；不早于受理时间，不晚于办结时间和现在。"
            "留空时，已办结的按办结时间计为已联系，办理中的显示为尚未联系。",
            "2025-03-03 10:15",
            width=18,
        ),
    ),
    "按“原工单编号”识别：编号已导入过则更新该工单，否则新建（编号按受理年份编为 RX-年份-序号）",
)

SPEC = Spec(
    "orders",
    "历史工单",
    "roster.import",
    (ORDERS,),
    notes=(
        "导入顺序：先组织架构和住户与居民，最后历史工单（联系电话据此关联住户）。",
        "办理时限按诉求类别的时限、自受理时间起算（节假日按系统的节假日安排；未录入的年份按法定节假日暂定）。",
        "导入后在系统中继续办理过的工单，以系统为准：再次导入同一文件不会改动它。",
    ),
)

# the ledger's column each order field comes from (the re-import's timeline entry names them)
FIELD_COLUMNS = {
    "channel": "渠道",
    "caller_name": "来电人姓名",
    "caller_phone": "联系电话",
    "village_id": "所属村（社区）",
    "grid_id": "所属网格编码",
    "household_id": "关联住户",
    "address": "详细地址",
    "category_id": "诉求类别",
    "tier": "分级响应",
    "title": "标题",
    "description": "诉求内容",
    "platform_id": "承办部门",
    "department_id": "承办部门",
    "status": "状态",
    "received_at": "受理时间",
    "contact_due_at": "首次联系时限",
    "contacted_at": "首次联系时间",
    "dispatched_at": "办理时限",
    "due_at": "办理时限",
    "warn_at": "办理时限",
    "due_workdays": "办理时限",
    "due_provisional": "办理时限",
    "resolved_at": "办结时间",
    "result": "办理结果",
    "callback_at": "满意度",
    "satisfaction": "满意度",
}


# --------------------------------------------------------------------------- reference data


def _fold(value: str) -> str:
    return "".join(value.split()).replace("／", "/")


def _categories(ctx: Context) -> tuple[dict[str, dict], set[str]]:
    """The categories an order may take (the desk's list), by code, name and "大类/小类"; names
    that two categories share (ambiguous)."""
    out: dict[str, dict] = {}
    names: dict[str, int] = {}
    codes = {}
    leaves = leaf_categories(ctx.s)
    ids = [c["id"] for c in leaves]
    for cid, code in ctx.s.execute(select(Category.id, Category.code).where(Category.id.in_(ids))):
        codes[cid] = code
    for c in leaves:
        names[_fold(c["name"])] = names.get(_fold(c["name"]), 0) + 1
        out[_fold(c["label"])] = c
        out[codes[c["id"]].upper()] = c
    ambiguous = {n for n, k in names.items() if k > 1}
    for c in leaves:
        if _fold(c["name"]) not in ambiguous:
            out.setdefault(_fold(c["name"]), c)
    return out, ambiguous


def _departments(ctx: Context) -> dict[str, list[tuple[int, int, str, str]]]:
    """Active departments of the township's platforms by name: [(id, platform id, platform, name)]."""
    out: dict[str, list[tuple[int, int, str, str]]] = {}
    for did, pid, pname, dname in ctx.s.execute(
        select(Department.id, Platform.id, Platform.name, Department.name)
        .join(Platform, Platform.id == Department.platform_id)
        .where(Department.active.is_(True), Platform.township_id == ctx.township_id)
        .order_by(Department.id)
    ):
        for key in (_fold(dname), _fold(f"{pname}/{dname}")):
            out.setdefault(key, []).append((did, pid, pname, dname))
    return out


# --------------------------------------------------------------------------- check


class _Ref:
    """What the rows are checked against, read once."""

    def __init__(self, ctx: Context):
        s, town = ctx.s, ctx.township_id
        villages = list(s.execute(select(Village.id, Village.code, Village.name).where(Village.township_id == town)))
        self.village_names = {v.id: v.name for v in villages}
        self.village_by_code = {v.code.upper(): v.id for v in villages}
        self.village_by_name: dict[str, list[int]] = {}
        for v in villages:
            self.village_by_name.setdefault(_fold(v.name), []).append(v.id)
        self.grids = {
            code.upper(): (gid, vid)
            for gid, code, vid in s.execute(
                select(Grid.id, Grid.code, Grid.village_id)
                .join(Village, Village.id == Grid.village_id)
                .where(Village.township_id == town)
            )
        }
        self.categories, self.ambiguous = _categories(ctx)
        self.departments = _departments(ctx)
        self.clock = Clock(s)
        self._clocks: dict[int, Any] = {}
        self.ctx = ctx

    def clocks(self, category_id: int):
        if category_id not in self._clocks:
            self._clocks[category_id] = category_clocks(self.ctx.s, self.ctx.township_id, category_id)
        return self._clocks[category_id]


def _village(row: RowCheck, ref: _Ref) -> int | None:
    raw = row.text("所属村（社区）")
    if raw is None:
        return None
    vid = ref.village_by_code.get((folded(raw) or "").upper())
    if vid is not None:
        return vid
    named = ref.village_by_name.get(_fold(raw), [])
    if len(named) == 1:
        return named[0]
    if named:
        row.bad("所属村（社区）", f"本乡镇有{len(named)}个名为“{raw}”的村（社区），请改填编码。")
    else:
        row.bad("所属村（社区）", f"本乡镇没有名称或编码为“{raw}”的村（社区），请先导入组织架构。")
    return None


def _grid(row: RowCheck, ref: _Ref, village_id: int | None) -> int | None:
    raw = row.text("所属网格编码")
    if raw is None:
        return None
    found = ref.grids.get((folded(raw) or "").upper())
    if found is None:
        row.bad("所属网格编码", f"本乡镇没有编码为“{raw}”的网格。")
        return None
    if village_id is not None and found[1] != village_id:
        row.bad("所属网格编码", f"网格“{raw}”不属于{ref.village_names[village_id]}。")
        return None
    return found[0]


def _category(row: RowCheck, ref: _Ref) -> dict | None:
    raw = row.text("诉求类别")
    if raw is None:
        return None
    found = ref.categories.get(_fold(raw)) or ref.categories.get((folded(raw) or "").upper())
    if found is not None:
        return found
    if _fold(raw) in ref.ambiguous:
        row.bad("诉求类别", f"有几个小类都叫“{raw}”，请填“大类 / 小类”。")
    else:
        row.bad("诉求类别", f"“{raw}”不是诉求类别目录中可选的小类（须为在用的最末一级类别）。")
    return None


def _department(row: RowCheck, ref: _Ref) -> tuple[int, int, str, str] | None:
    raw = row.text("承办部门")
    if raw is None:
        return None
    found = ref.departments.get(_fold(raw), [])
    if len(found) == 1:
        return found[0]
    if found:
        row.bad("承办部门", f"几个平台都有“{raw}”，请填“平台名称/部门名称”。")
    else:
        row.bad("承办部门", f"本乡镇四个平台下没有在用的部门“{raw}”。")
    return None


def _desk_text(row: RowCheck, column: str, **rule: Any) -> str | None:
    """A text cell through the desk's own rule (``clean_text`` with the intake's limits), as
    typed: the resident's words keep their full-width punctuation (the cell helpers fold it)."""
    raw = row.values.get(column)
    typed = raw if isinstance(raw, str) else text(raw)
    return row.clean(column, lambda _v: clean_text(typed, column, **rule))


def _phone(row: RowCheck, channel: str | None) -> str | None:
    phone = row.clean("联系电话", normalize_phone)
    if phone is None and text(row.values.get("联系电话")) is None and channel in orders_svc.PHONE_REQUIRED_CHANNELS:
        row.bad("联系电话", f"渠道为“{CHANNELS[channel]}”时须填写联系电话（与登记工单相同）。")
    return phone


def _row(ctx: Context, ref: _Ref, number: int, values: dict[str, Any], now: datetime) -> dict | None:
    row = RowCheck(ctx, ORDERS, number, values)
    no = folded(row.text("原工单编号", NUMBER_MAX))  # full-width digits are the same number
    received = row.moment("受理时间")
    if received is not None and received > now:
        row.bad("受理时间", "不能晚于现在。")
        received = None
    channel = row.choice("渠道", CHANNELS)
    name = _desk_text(row, "来电人姓名", max_len=orders_svc.NAME_MAX)
    phone = _phone(row, channel)
    village_id = _village(row, ref)
    grid_id = _grid(row, ref, village_id)
    address = _desk_text(row, "详细地址", max_len=orders_svc.ADDRESS_MAX)
    category = _category(row, ref)
    description = _desk_text(
        row,
        "诉求内容",
        min_len=orders_svc.DESCRIPTION_MIN,
        max_len=orders_svc.DESCRIPTION_MAX,
        required=True,
        multiline=True,
    )
    title = _desk_text(row, "标题", max_len=orders_svc.TITLE_MAX)
    department = _department(row, ref)
    status = row.choice("状态", STATUSES)
    resolved = row.moment("办结时间")
    result = _desk_text(row, "办理结果", max_len=orders_svc.RESULT_MAX, multiline=True)
    rating = row.choice("满意度", RATINGS)
    contacted = row.moment("首次联系时间")

    if status == "in_progress":
        for column, given in (("办结时间", resolved), ("办理结果", result)):
            if given is not None:
                row.bad(column, "状态为“办理中”的工单不填此项。")
        if rating not in (None, "none"):
            row.bad("满意度", "状态为“办理中”的工单尚未回访，不填满意度。")
        if department is None and text(values.get("承办部门")) is None:
            row.bad("承办部门", "状态为“办理中”的工单须填写承办部门（导入后由该部门继续办理）。")
        resolved = result = None
    elif status == "archived" and resolved is None and text(values.get("办结时间")) is None:
        row.bad("办结时间", "状态为“已办结”的工单须填写办结时间。")
    if resolved is not None:
        if resolved > now:
            row.bad("办结时间", "不能晚于现在。")
            resolved = None
        elif received is not None and resolved < received:
            row.bad("办结时间", "不能早于受理时间。")
            resolved = None
    if contacted is not None:
        if contacted > now:
            row.bad("首次联系时间", "不能晚于现在。")
        elif received is not None and contacted < received:
            row.bad("首次联系时间", "不能早于受理时间。")
        elif resolved is not None and contacted > resolved:
            row.bad("首次联系时间", "不能晚于办结时间。")
    if not row.ok:
        return None
    # required columns: a row without them is not ok
    assert channel is not None and description is not None and category is not None and received is not None

    # the desk's own check of what it would register (its texts, its phone rule), on the cleaned row
    try:
        clean = orders_svc.validate_intake(
            orders_svc.Intake(
                channel=channel,
                description=description,
                category_id=category["id"],
                village_id=village_id,
                grid_id=grid_id,
                caller_name=name,
                caller_phone=phone,
                address=address,
                title=title,
            )
        )
    except ValidationError as exc:
        row.bad(INTAKE_COLUMNS.get(exc.field or "", "诉求内容"), exc.message)
        return None

    clocks = ref.clocks(category["id"])
    instant = category["default_tier"] == "instant"
    answered = (
        instant
        and status == "archived"
        and department is None
        and resolved is not None  # always so for an archived order (checked above)
        and to_local(resolved).date() == to_local(received).date()
    )
    out: dict[str, Any] = {
        "channel": channel,
        "caller_name": clean["caller_name"],
        "caller_phone": clean["caller_phone"],
        "village_id": village_id,
        "grid_id": grid_id,
        "household_id": None,
        "address": clean["address"],
        "category_id": category["id"],
        "tier": "instant" if answered else ("local" if instant else category["default_tier"]),
        "title": clean["title"]
        or orders_svc.derive_title(clean["description"], ref.village_names[village_id], category["name"]),
        "description": clean["description"],
        "platform_id": department[1] if department else None,
        "department_id": department[0] if department else None,
        "status": status,
        "received_at": received,
        "contact_due_at": contact_deadline(received, clocks.contact_hours),
        "contacted_at": contacted or (received if answered else resolved),
        "dispatched_at": None,
        "due_at": None,
        "warn_at": None,
        "due_workdays": None,
        "due_provisional": False,
        "resolved_at": resolved,
        "result": result,
        "callback_at": resolved if rating not in (None, "none") else None,
        "satisfaction": rating if rating not in (None, "none") else None,
    }
    if not answered:
        try:
            due, provisional = ref.clock.deadline(received, clocks.handling_workdays)
        except ValidationError as exc:
            row.bad("受理时间", exc.message)
            return None
        out.update(
            dispatched_at=received,
            due_at=due,
            warn_at=warn_point(received, due),
            due_workdays=clocks.handling_workdays,
            due_provisional=provisional,
        )
    return {
        "line": number,
        "no": no,
        "values": out,
        "answered": answered,
        "department": f"{department[2]}{department[3]}" if department else None,
    }


# the desk's field -> the ledger's column (a refusal of validate_intake, reported where it belongs)
INTAKE_COLUMNS = {
    "channel": "渠道",
    "description": "诉求内容",
    "caller_name": "来电人姓名",
    "caller_phone": "联系电话",
    "address": "详细地址",
    "title": "标题",
    "category_id": "诉求类别",
    "village_id": "所属村（社区）",
}


def _households(ctx: Context, plans: list[dict]) -> None:
    """The caller's household: the one household of the order's village (and grid, when given)
    with the caller's phone; none when none or several have it."""
    phones = sorted({p["values"]["caller_phone"] for p in plans if p["values"]["caller_phone"]})
    found: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for i in range(0, len(phones), CHUNK):
        for hid, phone, gid, vid in ctx.s.execute(
            select(Household.id, Household.phone, Household.grid_id, Grid.village_id)
            .join(Grid, Grid.id == Household.grid_id)
            .where(Household.phone.in_(phones[i : i + CHUNK]))
        ):
            assert phone is not None  # matched by the IN (...) above
            found.setdefault((phone, vid), []).append((hid, gid))
    for p in plans:
        v = p["values"]
        match = found.get((v["caller_phone"], v["village_id"]), []) if v["caller_phone"] else []
        if len(match) == 1 and v["grid_id"] in (None, match[0][1]):
            v["household_id"], v["grid_id"] = match[0]  # a household places the order in its grid


def _existing(ctx: Context, numbers: list[str]) -> dict[str, tuple[WorkOrder, bool]]:
    """The orders imported before under these numbers, and whether each was handled in the
    console since (its version is not the one the last import left)."""
    orders: dict[str, WorkOrder] = {}
    for i in range(0, len(numbers), CHUNK):
        for o in ctx.s.scalars(
            select(WorkOrder).where(
                WorkOrder.external_source == SOURCE, WorkOrder.external_no.in_(numbers[i : i + CHUNK])
            )
        ):
            assert o.external_no is not None  # matched by the IN (...) above
            orders[o.external_no] = o
    left: dict[int, int] = {}
    ids = [o.id for o in orders.values()]
    for i in range(0, len(ids), CHUNK):
        for oid, data in ctx.s.execute(
            select(WorkOrderEvent.order_id, WorkOrderEvent.data)
            .where(WorkOrderEvent.order_id.in_(ids[i : i + CHUNK]), WorkOrderEvent.action == IMPORT_ACTION)
            .order_by(WorkOrderEvent.id)
        ):
            left[oid] = (data or {}).get("version", 0)
    return {no: (o, left.get(o.id) != o.version) for no, o in orders.items()}


def check(ctx: Context, sheets: dict[str, list[tuple[int, dict[str, Any]]]]) -> dict[str, Any]:
    rows = sheets.get(ORDERS.name, [])
    ref = _Ref(ctx)
    now = utcnow()
    plans: list[dict] = []
    keyed: list[tuple[int, Any]] = []
    for i, (number, values) in enumerate(rows, start=1):
        plan = _row(ctx, ref, number, values, now)
        keyed.append((number, folded(text(values.get("原工单编号")))))
        if plan is not None:
            plans.append(plan)
        if i % 1000 == 0:
            ctx.tick(0.1 + 0.35 * i / len(rows), f"已检查 {i}/{len(rows)} 行")
    duplicates(ctx, ORDERS, keyed, "原工单编号")
    if not ctx.report.ok:
        return {}
    _households(ctx, plans)
    ctx.tick(0.48, "查找已导入的工单……")
    return {"rows": plans, "existing": _existing(ctx, [p["no"] for p in plans])}


# --------------------------------------------------------------------------- write


def _event(
    order: WorkOrder,
    at: datetime,
    action: str,
    before: str | None,
    after: str,
    note: str,
    data: dict | None = None,
    actor_id: int | None = None,
) -> dict[str, Any]:
    """A timeline row, inserted with the others of its batch in one statement."""
    return {
        "order_id": order.id,
        "at": at,
        "actor_id": actor_id,
        "action": action,
        "from_status": before,
        "to_status": after,
        "note": note,
        "data": audit.clean(data) if data else None,
    }


def _clock_text(v: dict) -> str:
    if v["due_at"] is None:
        return "即办事项，受理时已答复，不计办理时限。"
    text_ = f"办理时限自受理时间起算{v['due_workdays']}个工作日，至{deadline_text(v['due_at'])}。"
    return text_ + (provisional_note(v["due_at"]) if v["due_provisional"] else "")


def _steps(order: WorkOrder, p: dict) -> list[dict[str, Any]]:
    """The ledger's known steps at their moments (by nobody: the console did not see them)."""
    v = p["values"]
    out = [
        _event(
            order,
            v["received_at"],
            "receive",
            None,
            "received",
            f"{CHANNELS[v['channel']]}受理：{v['title']}",
            {"channel": v["channel"]},
        )
    ]
    if p["answered"]:
        out.append(
            _event(
                order,
                v["resolved_at"],
                "answer",
                "received",
                "archived",
                f"即办答复：{v['result']}" if v["result"] else "即办答复（历史台账未记答复内容）。",
            )
        )
    else:
        to = "in_progress" if v["status"] == "in_progress" else "dispatched"
        where = f"派至{p['department']}，" if p["department"] else "（历史台账未记承办部门）"
        out.append(
            _event(
                order,
                v["dispatched_at"],
                "dispatch",
                "received",
                to,
                f"{where}限{v['due_workdays']}个工作日办结。",
                {
                    "platform_id": v["platform_id"],
                    "department_id": v["department_id"],
                    "workdays": v["due_workdays"],
                    "due_at": v["due_at"],
                    "provisional": v["due_provisional"],
                },
            )
        )
        if v["status"] == "archived":
            out.append(
                _event(
                    order,
                    v["resolved_at"],
                    "resolve",
                    to,
                    "archived",
                    v["result"] or "已办结（历史台账未记办理结果）。",
                    {"on_time": v["resolved_at"] <= v["due_at"]},
                )
            )
    if v["satisfaction"]:
        out.append(
            _event(
                order,
                v["callback_at"],
                "callback",
                "archived",
                "archived",
                f"回访诉求人，评价：{SATISFACTION[v['satisfaction']]}。",
                {"satisfaction": v["satisfaction"]},
            )
        )
    return out


def _create(ctx: Context, plans: list[dict], now: datetime) -> None:
    actor_id = ctx.actor.user_id or None
    orders = []
    for p in plans:
        v = p["values"]
        order = WorkOrder(
            number=next_number(ctx.s, orders_svc.NUMBER_PREFIX, v["received_at"]),
            township_id=ctx.township_id,
            external_source=SOURCE,
            external_no=p["no"],
            created_by=actor_id,
            version=1,
            updated_at=now,
            **v,
        )
        orders.append(order)
    ctx.s.add_all(orders)
    ctx.s.flush()
    events: list[dict[str, Any]] = []
    for order, p in zip(orders, plans, strict=True):
        events += _steps(order, p)
        events.append(
            _event(
                order,
                now,
                IMPORT_ACTION,
                order.status,
                order.status,
                f"由历史台账导入：原工单编号 {p['no']}。{_clock_text(p['values'])}",
                {"external_no": p["no"], "line": p["line"], "version": 1},
                actor_id,
            )
        )
        audit.record(
            ctx.s,
            ctx.actor,
            "work_order.import",
            "work_order",
            order.id,
            after={"number": order.number, "external_no": p["no"], **p["values"]},
        )
        ctx.count(ORDERS.name, "created")
    ctx.s.execute(insert(WorkOrderEvent), events)
    ctx.s.flush()


def _update(ctx: Context, order: WorkOrder, p: dict, now: datetime) -> None:
    diff = changed(order, p["values"])
    if not diff:
        ctx.count(ORDERS.name, "unchanged")
        return
    status = order.status
    for k, (_, after) in diff.items():
        setattr(order, k, after)
    order.version = (order.version or 0) + 1
    order.updated_at = now
    ctx.s.flush()
    columns = list(dict.fromkeys(FIELD_COLUMNS.get(k, k) for k in diff))
    ctx.s.execute(
        insert(WorkOrderEvent),
        [
            _event(
                order,
                now,
                IMPORT_ACTION,
                status,
                order.status,
                f"历史台账重新导入（原工单编号 {p['no']}）：{'、'.join(columns)}按台账更新。"
                + (_clock_text(p["values"]) if "due_at" in diff else ""),
                {"external_no": p["no"], "line": p["line"], "version": order.version, "changed": sorted(diff)},
                ctx.actor.user_id or None,
            )
        ],
    )
    audit.record(
        ctx.s,
        ctx.actor,
        "work_order.import",
        "work_order",
        order.id,
        before={k: b for k, (b, _) in diff.items()},
        after={k: a for k, (_, a) in diff.items()},
    )
    ctx.count(ORDERS.name, "updated")


def write(ctx: Context, plan: dict[str, Any]) -> dict[str, dict[str, int]]:
    now = utcnow()
    existing: dict[str, tuple[WorkOrder, bool]] = plan.get("existing", {})
    rows: list[dict] = plan.get("rows", [])
    new = sorted((p for p in rows if p["no"] not in existing), key=lambda p: (p["values"]["received_at"], p["line"]))
    done = 0
    for i in range(0, len(new), CHUNK):  # numbered in the order of receipt
        _create(ctx, new[i : i + CHUNK], now)
        done += len(new[i : i + CHUNK])
        if done % 1000 == 0 or done == len(new):
            ctx.tick(0.5 + 0.45 * done / len(rows), f"已写入 {done}/{len(rows)} 行")
    for p in rows:
        if p["no"] not in existing:
            continue
        order, handled = existing[p["no"]]
        if handled:  # handled in the console since: the console's record now
            ctx.count(ORDERS.name, "unchanged")
        else:
            _update(ctx, order, p, now)
        done += 1
        if done % 1000 == 0:
            ctx.tick(0.5 + 0.45 * done / len(rows), f"已写入 {done}/{len(rows)} 行")
    return ctx.counts
