"""Work orders (接诉即办): intake, dispatch, handling, callback, extensions, supervision.

Every public function owns one write transaction (``write_session``) and takes the acting
user. In that transaction it checks the permission (``require``), the state machine
(``db.rules.order_fsm``), the platform scope of platform officers and the version the user
loaded (``UPDATE ... WHERE id = :id AND version = :loaded`` with a row-count check), then
writes the change, one timeline row (``WorkOrderEvent``) and one audit record. Any
``DomainError`` rolls the whole transaction back: nothing is half-written.

``now`` (naive UTC) may be passed by tests; it is the time of the step, the start of any
clock it sets, and the order's ``updated_at``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, select, update
from sqlalchemy.orm import Session

from db.engine import write_session
from db.errors import DomainError, InvalidTransition, NotFound, PermissionDenied, ValidationError
from db.models import (
    Category,
    Department,
    ExtensionRequest,
    Grid,
    Household,
    OrderAssist,
    Platform,
    User,
    Village,
    WorkOrder,
    WorkOrderEvent,
)
from db.models.orders import ASSIST_OPEN, CHANNELS, OPEN_STATUSES, SATISFACTION, TIERS, URGENCIES
from db.permissions import Actor, require
from db.queries.public_page import PUBLIC_SOURCE
from db.queries.township_settings import category_clocks
from db.rules import order_fsm
from db.rules.phone import normalize_phone
from db.rules.sla import (
    contact_deadline,
    deadline_provisional,
    deadline_text,
    warn_point,
)
from db.rules.text import bounded_int, clean_text
from db.services import audit
from db.services.base import Clock, next_number, now_or, provisional_note
from db.services.base import cas as _cas
from db.services.base import conflict as _conflict

PHONE_REQUIRED_CHANNELS = ("hotline", "12345", "online")
DESCRIPTION_MIN, DESCRIPTION_MAX = 5, 2000
NAME_MAX, ADDRESS_MAX, TITLE_MAX, TITLE_AUTO = 30, 200, 100, 20
NOTE_MAX, REASON_MAX, CANCEL_REASON_MAX, RESULT_MAX = 500, 300, 200, 2000
DISPATCH_WORKDAYS_MAX = 60
ASSISTING_MAX = 6  # assisting departments of one 吹哨办 order
EXTENSION_WORKDAYS_MAX = 30
SUPERVISOR_ROLES = ("leader", "admin")
NUMBER_PREFIX = "RX"

_SPACES = re.compile(r"\s+")

ORDER_AUDIT_FIELDS = [
    "number",
    "channel",
    "caller_name",
    "caller_phone",
    "village_id",
    "grid_id",
    "household_id",
    "address",
    "category_id",
    "tier",
    "urgency",
    "title",
    "status",
    "received_at",
    "contact_due_at",
    "contacted_at",
    "result",
    "duplicate_of_id",
]


# --------------------------------------------------------------------------- validation


def _note(note: Any) -> str | None:
    return clean_text(note, "备注", max_len=NOTE_MAX, multiline=True, field="note")


def _int(value: Any, label: str, lo: int, hi: int, field: str) -> int:
    return bounded_int(value, lo, hi, f"{label}须为{lo}至{hi}之间的整数。", field=field)


_CLAUSE = re.compile(r"[，。；：！？,.;:!?]")


def derive_title(description: str, place: str | None = None, category: str | None = None) -> str:
    """A title a list can show: the place, the description's key phrase (its first clause, at most
    ``TITLE_AUTO`` characters) and the category when the phrase does not say it already:
    东湖村·村东头路灯坏了三盏（路灯照明）. (The first 20 characters cut mid-sentence:
    "村东头路灯坏了三盏，晚上漆黑一片，老人出…".)"""
    first = _SPACES.sub(" ", description.strip().split("\n", 1)[0]).strip()
    phrase = _CLAUSE.split(first, 1)[0].strip() or first
    if len(phrase) > TITLE_AUTO:
        phrase = phrase[:TITLE_AUTO] + "…"
    title = phrase if not place or place in phrase else f"{place}·{phrase}"
    if category and category not in title:
        title += f"（{category}）"
    return title[:TITLE_MAX]


@dataclass(kw_only=True)
class Intake:
    """What the reception desk types in for one call or visit."""

    channel: str
    description: str
    category_id: int
    village_id: int | None = None
    grid_id: int | None = None
    household_id: int | None = None
    caller_name: str | None = None
    caller_phone: str | None = None
    address: str | None = None
    tier: str | None = None  # None: the category's default tier
    urgency: str = "normal"
    title: str | None = None  # None: derived from the description
    contacted: bool = False  # the caller was spoken to at intake (first contact done)
    answer: str | None = None  # 即办: answered and closed at intake
    duplicate_of_id: int | None = None
    external: bool = False  # imported from the county's list (its phone may be missing or masked)


def _validate_intake(i: Intake) -> dict[str, Any]:
    """Checks that need no database. Returns the cleaned values."""
    if i.channel not in CHANNELS:
        raise ValidationError("请选择受理渠道。", field="channel")
    if i.tier is not None and i.tier not in TIERS:
        raise ValidationError("请选择分级响应类型（即办、就地办或吹哨办）。", field="tier")
    if i.urgency not in URGENCIES:
        raise ValidationError("请选择紧急程度。", field="urgency")
    if not i.category_id:
        raise ValidationError("请选择诉求分类。", field="category_id")
    if not i.village_id:
        raise ValidationError("请选择诉求所在村（社区）。", field="village_id")
    out: dict[str, Any] = {
        "description": clean_text(
            i.description,
            "诉求内容",
            min_len=DESCRIPTION_MIN,
            max_len=DESCRIPTION_MAX,
            required=True,
            multiline=True,
            field="description",
        ),
        "caller_name": clean_text(i.caller_name, "来电人姓名", max_len=NAME_MAX, field="caller_name"),
        "address": clean_text(i.address, "地址", max_len=ADDRESS_MAX, field="address"),
        "title": clean_text(i.title, "标题", max_len=TITLE_MAX, field="title"),
        "answer": clean_text(i.answer, "答复内容", max_len=RESULT_MAX, multiline=True, field="answer"),
    }
    phone_raw = clean_text(i.caller_phone, "联系电话", max_len=40, field="caller_phone")
    out["caller_phone"] = normalize_phone(phone_raw)
    if out["caller_phone"] is None and i.channel in PHONE_REQUIRED_CHANNELS and not i.external:
        raise ValidationError(f"“{CHANNELS[i.channel]}”渠道须填写联系电话。", field="caller_phone")
    return out


# --------------------------------------------------------------------------- helpers


def _check_scope(actor: Actor, order: WorkOrder) -> None:
    """Platform officers act only on their own platform's orders; grid workers only on the 就地办
    orders dispatched to their own village."""
    if actor.role == "platform" and (actor.platform_id is None or order.platform_id != actor.platform_id):
        raise PermissionDenied(f"工单{order.number}不属于您所在的平台，无权办理。")
    if actor.role == "grid" and (actor.village_id is None or order.handler_village_id != actor.village_id):
        raise PermissionDenied(f"工单{order.number}不是派给您所在村（社区）就地办理的工单，无权办理。")


def _load(s: Session, actor: Actor, order_id: int, version: int, action: str, **outcome: str) -> tuple[WorkOrder, str]:
    """The order (scope and version checked) and its status after ``action``."""
    order = s.get(WorkOrder, order_id)
    if order is None:
        raise NotFound("工单不存在或已被删除。")
    _check_scope(actor, order)
    if order.version != version:
        raise _conflict(version, order.version)
    return order, order_fsm.next_status(order.status, action, **outcome)


def _save(
    s: Session,
    actor: Actor,
    order: WorkOrder,
    version: int,
    action: str,
    to_status: str,
    changes: dict[str, Any],
    now: datetime,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    audit_extra: dict[str, Any] | None = None,
) -> dict:
    """Write the order's changes (version-checked), its timeline row and its audit record."""
    changes = {**changes, "status": to_status}
    before = {k: getattr(order, k) for k in changes}
    new_version = _cas(s, WorkOrder, order.id, version, changes, now)
    s.add(
        WorkOrderEvent(
            order_id=order.id,
            at=now,
            actor_id=actor.user_id or None,
            action=action,
            from_status=order.status,
            to_status=to_status,
            note=note,
            data=audit.clean(data) if data else None,
        )
    )
    after = {**changes, **(audit_extra or {})}
    if note:
        after["note"] = note
    audit.record(s, actor, f"order.{action}", "work_order", order.id, before=before, after=after)
    return {"id": order.id, "number": order.number, "version": new_version, "status": to_status}


save_in = _save  # the county link's re-import writes an order's change like any step
validate_intake = _validate_intake  # the county link checks every row before anything is written


def _withdraw_pending_extensions(s: Session, order_id: int, now: datetime) -> int:
    res = cast(  # an UPDATE's result is a CursorResult (the stubs type Session.execute's as Result)
        CursorResult,
        s.execute(
            update(ExtensionRequest)
            .where(ExtensionRequest.order_id == order_id, ExtensionRequest.status == "pending")
            .values(status="withdrawn", decided_at=now, version=ExtensionRequest.version + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    return res.rowcount or 0


def _withdraw_open_assists(s: Session, order_id: int, now: datetime) -> int:
    """The assisting parts not yet reported, withdrawn with the order (sent back or cancelled)."""
    res = cast(  # an UPDATE's result is a CursorResult (the stubs type Session.execute's as Result)
        CursorResult,
        s.execute(
            update(OrderAssist)
            .where(OrderAssist.order_id == order_id, OrderAssist.status.in_(ASSIST_OPEN))
            .values(status="withdrawn", version=OrderAssist.version + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    return res.rowcount or 0


def _assisting_departments(
    s: Session, order: WorkOrder, lead: Department, assisting: Sequence[int]
) -> list[tuple[Platform, Department]]:
    """The assisting departments of a 吹哨办 dispatch, checked: active, of the order's township,
    not the lead, each once."""
    ids = [int(i) for i in assisting]
    if len(set(ids)) != len(ids):
        raise ValidationError("同一协办部门不能重复选择。", field="assisting")
    if len(ids) > ASSISTING_MAX:
        raise ValidationError(f"协办部门最多{ASSISTING_MAX}个。", field="assisting")
    out = []
    for did in ids:
        if did == lead.id:
            raise ValidationError(f"{lead.name}已是牵头部门，不能同时作为协办部门。", field="assisting")
        department = s.get(Department, did)
        if department is None or not department.active:
            raise ValidationError("所选协办部门不存在或已停用。", field="assisting")
        platform = s.get(Platform, department.platform_id)
        if platform is None or platform.township_id != order.township_id:
            raise ValidationError(f"{department.name}不属于该工单所在乡镇。", field="assisting")
        out.append((platform, department))
    return out


def _clock_changes(clock: Clock, order: WorkOrder, days: int, now: datetime) -> tuple[dict[str, Any], str]:
    """A handling clock of ``days`` working days started at ``now`` (capped by the county's
    deadline): the order's changes and what the timeline adds about the deadline."""
    due, provisional, capped = county_cap(order.external_due_at, *clock.deadline(now, days))
    changes = {
        "dispatched_at": now,
        "due_at": due,
        "warn_at": warn_point(now, due),
        "due_workdays": days,
        "due_provisional": provisional,
        "assignee_id": None,
    }
    return changes, capped + (provisional_note(due) if provisional else "")


def _platform_department(
    s: Session, order: WorkOrder, platform_id: int | None, department_id: int | None
) -> tuple[Platform, Department]:
    platform = s.get(Platform, platform_id) if platform_id else None
    if platform is None:
        raise ValidationError("请选择承办平台。", field="platform_id")
    if platform.township_id != order.township_id:
        raise ValidationError(f"{platform.name}不属于该工单所在乡镇。", field="platform_id")
    department = s.get(Department, department_id) if department_id else None
    if department is None or not department.active:
        raise ValidationError("请选择承办部门。", field="department_id")
    if department.platform_id != platform.id:
        raise ValidationError(f"{department.name}不属于{platform.name}，请重新选择承办部门。", field="department_id")
    return platform, department


def _workdays(s: Session, order: WorkOrder, workdays: int | None) -> int:
    """The handling clock of a dispatch: the days the dispatcher typed, else the category's clock
    in the order's township (the township's own, else the county catalogue's)."""
    if workdays is None:
        return category_clocks(s, order.township_id, order.category_id).handling_workdays
    return _int(workdays, "办理时限（工作日）", 1, DISPATCH_WORKDAYS_MAX, "workdays")


def _overdue(order: WorkOrder, now: datetime) -> bool:
    if order.status not in OPEN_STATUSES:
        return False
    if order.due_at is not None and order.due_at < now:
        return True
    return order.status == "received" and order.contact_due_at is not None and order.contact_due_at < now


def _with_number(exc: DomainError, number: str) -> DomainError:
    """The same error, its message prefixed with the order number (bulk operations)."""
    if isinstance(exc, ValidationError):
        return ValidationError(f"工单{number}：{exc.message}", field=exc.field)
    return type(exc)(f"工单{number}：{exc.message}")


# --------------------------------------------------------------------------- intake


def register(engine: Engine, actor: Actor, intake: Intake, now: datetime | None = None) -> dict:
    """Register a call or visit. Returns ``dict(id, number, status, version)``."""
    with write_session(engine) as s:
        return register_in(s, actor, intake, now)


def register_in(
    s: Session, actor: Actor, intake: Intake, now: datetime | None = None, action: str = "order.create"
) -> dict:
    """``register`` inside the caller's transaction (e.g. a grid event turned into an order,
    linked in the same transaction). ``action`` is the permission checked (a caller with its
    own permission, such as ``grid_event.refer``, passes that instead)."""
    require(actor, action)
    now = now_or(now)
    v = _validate_intake(intake)
    cat = s.get(Category, intake.category_id)
    if cat is None or not cat.active:
        raise ValidationError("所选诉求分类不存在或已停用。", field="category_id")
    village = s.get(Village, intake.village_id)
    if village is None:
        raise ValidationError("所选村（社区）不存在。", field="village_id")
    grid_id = intake.grid_id
    if intake.household_id is not None:
        hh = s.get(Household, intake.household_id)
        if hh is None or (grid_id is not None and hh.grid_id != grid_id):
            raise ValidationError("所选户不属于所选网格。", field="household_id")
        grid_id = hh.grid_id  # a household alone places the order in its grid
    if grid_id is not None:
        grid = s.get(Grid, grid_id)
        if grid is None or grid.village_id != village.id:
            raise ValidationError(f"所选网格不属于{village.name}。", field="grid_id")
    if intake.duplicate_of_id is not None and s.get(WorkOrder, intake.duplicate_of_id) is None:
        raise ValidationError("所关联的原工单不存在。", field="duplicate_of_id")
    tier = intake.tier or cat.default_tier or "local"
    # the first-contact clock of the category in the order's township (its own, else the county's)
    contact_hours = category_clocks(s, village.township_id, cat.id).contact_hours
    if v["answer"] is not None and tier != "instant":
        raise ValidationError("只有“即办”事项才能在受理时直接答复办结。", field="answer")

    status, contacted_at = "received", None
    steps: list[tuple[str, str, str | None]] = []  # (action, to_status, note)
    if v["answer"] is not None:
        status = order_fsm.next_status(status, "answer")
        contacted_at = now
        steps.append(("answer", status, v["answer"]))
    elif intake.contacted:
        status = order_fsm.next_status(status, "contact")
        contacted_at = now
        steps.append(("contact", status, "受理时已与诉求人沟通。"))

    order = WorkOrder(
        number=next_number(s, NUMBER_PREFIX, now),
        township_id=village.township_id,
        channel=intake.channel,
        caller_name=v["caller_name"],
        caller_phone=v["caller_phone"],
        village_id=village.id,
        grid_id=grid_id,
        household_id=intake.household_id,
        address=v["address"],
        category_id=cat.id,
        tier=tier,
        urgency=intake.urgency,
        title=v["title"] or derive_title(v["description"], village.name, cat.name),
        description=v["description"],
        status=status,
        received_at=now,
        created_by=actor.user_id or None,
        contact_due_at=contact_deadline(now, contact_hours),
        contacted_at=contacted_at,
        resolved_at=now if status == "archived" else None,
        result=v["answer"],
        duplicate_of_id=intake.duplicate_of_id,
        version=1,
        updated_at=now,
    )
    s.add(order)
    s.flush()
    actor_id = actor.user_id or None
    s.add(
        WorkOrderEvent(
            order_id=order.id,
            at=now,
            actor_id=actor_id,
            action="receive",
            from_status=None,
            to_status="received",
            note=f"{CHANNELS[intake.channel]}受理：{order.title}",
            data={"channel": intake.channel},
        )
    )
    prev = "received"
    for action, to_status, note in steps:
        s.add(
            WorkOrderEvent(
                order_id=order.id,
                at=now,
                actor_id=actor_id,
                action=action,
                from_status=prev,
                to_status=to_status,
                note=note,
            )
        )
        prev = to_status
    audit.record(s, actor, "order.create", "work_order", order.id, after=audit.snapshot(order, ORDER_AUDIT_FIELDS))
    return {"id": order.id, "number": order.number, "status": order.status, "version": 1}


# --------------------------------------------------------------------------- transitions


def contact(
    engine: Engine, actor: Actor, order_id: int, version: int, note: str | None = None, now: datetime | None = None
) -> dict:
    """首次联系: the caller was reached (stops the 24-hour clock)."""
    require(actor, order_fsm.permission_for("contact"))
    now, note = now_or(now), _note(note)
    with write_session(engine) as s:
        order, to = _load(s, actor, order_id, version, "contact")
        return _save(
            s,
            actor,
            order,
            version,
            "contact",
            to,
            {"contacted_at": now},
            now,
            note=note or "已联系诉求人。",
            data={"late": order.contact_due_at is not None and now > order.contact_due_at},
        )


def county_cap(external_due_at: datetime | None, due: datetime, provisional: bool) -> tuple[datetime, bool, str]:
    """The earlier of the console's deadline and the county platform's (issue #23: an order
    transferred by 12345 is late by whichever comes first): (due, provisional, a note for the
    timeline when the county's deadline is the one kept)."""
    if external_due_at is not None and external_due_at < due:
        return external_due_at, False, f"县平台办理时限{deadline_text(external_due_at)}更早，以其为准。"
    return due, provisional, ""


def _dispatch_one(
    s: Session,
    actor: Actor,
    clock: Clock,
    order: WorkOrder,
    version: int,
    to: str,
    platform_id: int,
    department_id: int,
    workdays: int | None,
    note: str | None,
    now: datetime,
    assisting: Sequence[int] = (),
) -> dict:
    """To a department; with assisting departments it is a 吹哨办: the department leads, each
    assisting department gets its part (``OrderAssist``) to accept and report."""
    platform, department = _platform_department(s, order, platform_id, department_id)
    assists = _assisting_departments(s, order, department, assisting)
    days = _workdays(s, order, workdays)
    changes, said = _clock_changes(clock, order, days, now)
    changes.update(platform_id=platform.id, department_id=department.id, handler_village_id=None)
    data: dict[str, Any] = {"platform_id": platform.id, "department_id": department.id}
    if assists:
        changes["tier"] = "whistle"
        names = "、".join(p.name + d.name for p, d in assists)
        text = f"吹哨办：{platform.name}{department.name}牵头，{names}协办，限{days}个工作日办结。"
        data["assisting"] = [d.id for _, d in assists]
    else:
        text = f"派至{platform.name}{department.name}，限{days}个工作日办结。"
    out = _save(
        s,
        actor,
        order,
        version,
        "dispatch",
        to,
        changes,
        now,
        note=f"{text}{said}{note}" if note else text + said,
        data={**data, "workdays": days, "due_at": changes["due_at"], "provisional": changes["due_provisional"]},
        audit_extra={"assisting": data["assisting"]} if assists else None,
    )
    for p, d in assists:
        s.add(
            OrderAssist(
                order_id=order.id,
                platform_id=p.id,
                department_id=d.id,
                status="assigned",
                assigned_at=now,
                version=1,
                updated_at=now,
            )
        )
    return {**out, "due_at": changes["due_at"], "due_provisional": changes["due_provisional"]}


def _dispatch_village(
    s: Session,
    actor: Actor,
    clock: Clock,
    order: WorkOrder,
    version: int,
    to: str,
    workdays: int | None,
    note: str | None,
    now: datetime,
) -> dict:
    """就地办: to the order's own village, handled there by its grid workers and cadres."""
    village = s.get(Village, order.village_id) if order.village_id else None
    if village is None:
        raise ValidationError("就地办须先填写诉求所在村（社区）。", field="village_id")
    days = _workdays(s, order, workdays)
    changes, said = _clock_changes(clock, order, days, now)
    changes.update(platform_id=None, department_id=None, handler_village_id=village.id, tier="local")
    text = f"就地办：派至{village.name}，由网格员、村干部办理并反馈，限{days}个工作日办结。"
    out = _save(
        s,
        actor,
        order,
        version,
        "dispatch",
        to,
        changes,
        now,
        note=f"{text}{said}{note}" if note else text + said,
        data={
            "village_id": village.id,
            "workdays": days,
            "due_at": changes["due_at"],
            "provisional": changes["due_provisional"],
        },
    )
    return {**out, "due_at": changes["due_at"], "due_provisional": changes["due_provisional"]}


def dispatch(
    engine: Engine,
    actor: Actor,
    order_id: int,
    version: int,
    platform_id: int,
    department_id: int,
    workdays: int | None = None,
    note: str | None = None,
    now: datetime | None = None,
    assisting: Sequence[int] = (),
) -> dict:
    """派单 to a department with a handling deadline of ``workdays`` (default: the category's)
    working days; with ``assisting`` departments it is a 吹哨办 led by the department."""
    require(actor, order_fsm.permission_for("dispatch"))
    now, note = now_or(now), _note(note)
    with write_session(engine) as s:
        order, to = _load(s, actor, order_id, version, "dispatch")
        return _dispatch_one(
            s, actor, Clock(s), order, version, to, platform_id, department_id, workdays, note, now, assisting
        )


def dispatch_local(
    engine: Engine,
    actor: Actor,
    order_id: int,
    version: int,
    workdays: int | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> dict:
    """就地办: 派单 to the order's village; its grid workers accept, handle and report it."""
    require(actor, order_fsm.permission_for("dispatch"))
    now, note = now_or(now), _note(note)
    with write_session(engine) as s:
        order, to = _load(s, actor, order_id, version, "dispatch")
        return _dispatch_village(s, actor, Clock(s), order, version, to, workdays, note, now)


def bulk_dispatch(
    engine: Engine,
    actor: Actor,
    items: Iterable[tuple[int, int]],
    platform_id: int,
    department_id: int,
    workdays: int | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> int:
    """Dispatch several orders ``(id, version)`` in ONE transaction: all or nothing.

    An error names the order it happened on (``工单RX-2025-000012：……``)."""
    require(actor, order_fsm.permission_for("dispatch"))
    now, note = now_or(now), _note(note)
    items = [(int(i), int(v)) for i, v in items]
    if not items:
        raise ValidationError("请先勾选要派发的工单。")
    if len({i for i, _ in items}) != len(items):
        raise ValidationError("同一工单不能重复派发。")
    with write_session(engine) as s:
        clock = Clock(s)
        for order_id, version in items:
            order = s.get(WorkOrder, order_id)
            if order is None:
                raise NotFound(f"工单（内部编号{order_id}）不存在或已被删除。")
            try:
                order, to = _load(s, actor, order_id, version, "dispatch")
                _dispatch_one(s, actor, clock, order, version, to, platform_id, department_id, workdays, note, now)
            except DomainError as exc:
                raise _with_number(exc, order.number) from None
        return len(items)


def accept(
    engine: Engine, actor: Actor, order_id: int, version: int, note: str | None = None, now: datetime | None = None
) -> dict:
    """签收办理: the department takes the order (the acting officer becomes its assignee)."""
    require(actor, order_fsm.permission_for("accept"))
    now, note = now_or(now), _note(note)
    with write_session(engine) as s:
        order, to = _load(s, actor, order_id, version, "accept")
        return _save(
            s,
            actor,
            order,
            version,
            "accept",
            to,
            {"assignee_id": actor.user_id or None},
            now,
            note=note or "已签收，安排办理。",
        )


def bounce(engine: Engine, actor: Actor, order_id: int, version: int, reason: str, now: datetime | None = None) -> dict:
    """退回: not ours. Back to 已联系 for a new dispatch; platform, department and clock cleared."""
    require(actor, order_fsm.permission_for("bounce"))
    now = now_or(now)
    reason = clean_text(reason, "退回理由", max_len=REASON_MAX, required=True, multiline=True, field="reason")
    with write_session(engine) as s:
        order, to = _load(s, actor, order_id, version, "bounce")
        withdrawn = _withdraw_pending_extensions(s, order.id, now)
        assists = _withdraw_open_assists(s, order.id, now)
        changes = {
            "platform_id": None,
            "department_id": None,
            "handler_village_id": None,
            "dispatched_at": None,
            "due_at": None,
            "warn_at": None,
            "assignee_id": None,
            "bounce_count": (order.bounce_count or 0) + 1,
        }
        data = {"platform_id": order.platform_id, "department_id": order.department_id}
        if order.handler_village_id:
            data["village_id"] = order.handler_village_id
        if withdrawn:
            data["withdrawn_extensions"] = withdrawn
        if assists:
            data["withdrawn_assists"] = assists
        return _save(s, actor, order, version, "bounce", to, changes, now, note=reason, data=data)


def resolve(
    engine: Engine, actor: Actor, order_id: int, version: int, result: str, now: datetime | None = None
) -> dict:
    """办结 with the handling result (stops the handling clock)."""
    require(actor, order_fsm.permission_for("resolve"))
    now = now_or(now)
    result = clean_text(
        result, "办理结果", min_len=2, max_len=RESULT_MAX, required=True, multiline=True, field="result"
    )
    with write_session(engine) as s:
        order, to = _load(s, actor, order_id, version, "resolve")
        waiting = s.scalars(
            select(Department.name)
            .join(OrderAssist, OrderAssist.department_id == Department.id)
            .where(OrderAssist.order_id == order.id, OrderAssist.status.in_(ASSIST_OPEN))
            .order_by(OrderAssist.id)
        ).all()
        if waiting:
            raise ValidationError(
                f"吹哨办：协办部门{'、'.join(waiting)}尚未反馈办理情况，牵头部门暂不能办结。"
                "请催促协办部门反馈后再办结。",
                field="result",
            )
        withdrawn = _withdraw_pending_extensions(s, order.id, now)
        data: dict[str, Any] = {"on_time": order.due_at is None or now <= order.due_at}
        if withdrawn:
            data["withdrawn_extensions"] = withdrawn
        return _save(
            s, actor, order, version, "resolve", to, {"resolved_at": now, "result": result}, now, note=result, data=data
        )


def callback(
    engine: Engine,
    actor: Actor,
    order_id: int,
    version: int,
    satisfaction: str,
    note: str | None = None,
    platform_id: int | None = None,
    department_id: int | None = None,
    workdays: int | None = None,
    now: datetime | None = None,
) -> dict:
    """回访. Satisfied / basic: archived. Unsatisfied: re-dispatched (重新交办) with a new
    deadline counted from now, to the same platform and department unless others are given."""
    now, note = _callback_checked(actor, satisfaction, note, now)
    with write_session(engine) as s:
        return _callback_step(
            s, actor, order_id, version, satisfaction, note, platform_id, department_id, workdays, now, None
        )


def callback_in(
    s: Session,
    actor: Actor,
    order_id: int,
    version: int,
    satisfaction: str,
    note: str | None = None,
    now: datetime | None = None,
    source: str | None = None,
) -> dict:
    """``callback`` inside the caller's transaction, to the order's own platform and department.
    ``source="public"``: the resident rated the result on the order's public page
    (db/services/public_rating.py); the step is the same, its timeline text says who rated and
    its data carries the source."""
    now, note = _callback_checked(actor, satisfaction, note, now)
    return _callback_step(s, actor, order_id, version, satisfaction, note, None, None, None, now, source)


def _callback_checked(
    actor: Actor, satisfaction: str, note: str | None, now: datetime | None
) -> tuple[datetime, str | None]:
    require(actor, order_fsm.permission_for("callback"))
    now, note = now_or(now), _note(note)
    if satisfaction not in SATISFACTION:
        raise ValidationError("请选择回访满意度（满意、基本满意或不满意）。", field="satisfaction")
    if satisfaction == "unsatisfied" and not note:
        raise ValidationError("回访不满意时请填写群众不满意的原因。", field="note")
    return now, note


def _callback_step(
    s: Session,
    actor: Actor,
    order_id: int,
    version: int,
    satisfaction: str,
    note: str | None,
    platform_id: int | None,
    department_id: int | None,
    workdays: int | None,
    now: datetime,
    source: str | None,
) -> dict:
    order, to = _load(s, actor, order_id, version, "callback", satisfaction=satisfaction)
    changes: dict[str, Any] = {"callback_at": now, "satisfaction": satisfaction}
    said = SATISFACTION[satisfaction]
    text = f"群众扫码评价：{said}。" if source == PUBLIC_SOURCE else f"回访诉求人，评价：{said}。"
    data: dict[str, Any] = {"satisfaction": satisfaction}
    if source:
        data["source"] = source
    if to == "dispatched":
        days = _workdays(s, order, workdays)
        clock, said = _clock_changes(Clock(s), order, days, now)
        changes.update(clock, resolved_at=None, result=None, redispatch_count=(order.redispatch_count or 0) + 1)
        if order.handler_village_id and platform_id is None:  # 就地办: back to the same village
            village = s.get(Village, order.handler_village_id)
            text += f"重新交办{village.name if village else ''}就地办理，限{days}个工作日办结。" + said
            data.update(village_id=order.handler_village_id)
        else:
            platform, department = _platform_department(
                s, order, platform_id or order.platform_id, department_id or order.department_id
            )
            changes.update(platform_id=platform.id, department_id=department.id, handler_village_id=None)
            text += f"重新交办{platform.name}{department.name}，限{days}个工作日办结。" + said
            data.update(platform_id=platform.id, department_id=department.id)
        data.update(redispatch=True, workdays=days, due_at=clock["due_at"], provisional=clock["due_provisional"])
    out = _save(
        s,
        actor,
        order,
        version,
        "callback",
        to,
        changes,
        now,
        note=f"{text}{note}" if note else text,
        data=data,
        audit_extra={"source": source} if source else None,
    )
    if "due_at" in changes:
        out["due_at"] = changes["due_at"]
    return out


def request_extension(
    engine: Engine, actor: Actor, order_id: int, version: int, workdays: int, reason: str, now: datetime | None = None
) -> dict:
    """申请延期: a pending request for ``workdays`` (1-30) more working days."""
    require(actor, order_fsm.permission_for("request_extension"))
    now = now_or(now)
    workdays = _int(workdays, "延期天数（工作日）", 1, EXTENSION_WORKDAYS_MAX, "workdays")
    reason = clean_text(reason, "延期理由", max_len=REASON_MAX, required=True, multiline=True, field="reason")
    with write_session(engine) as s:
        order, to = _load(s, actor, order_id, version, "request_extension")
        pending = s.scalar(
            select(ExtensionRequest.id).where(
                ExtensionRequest.order_id == order.id, ExtensionRequest.status == "pending"
            )
        )
        if pending is not None:
            raise ValidationError(f"工单{order.number}已有待审批的延期申请，请等待审批结果。")
        req = ExtensionRequest(
            order_id=order.id,
            requested_by=actor.user_id or None,
            requested_at=now,
            workdays=workdays,
            reason=reason,
            status="pending",
            version=1,
            updated_at=now,
        )
        s.add(req)
        s.flush()
        out = _save(
            s,
            actor,
            order,
            version,
            "request_extension",
            to,
            {},
            now,
            note=f"申请延期{workdays}个工作日：{reason}",
            data={"request_id": req.id, "workdays": workdays},
            audit_extra={"extension_request_id": req.id, "workdays": workdays, "reason": reason},
        )
        return {**out, "request_id": req.id}


def decide_extension(
    engine: Engine,
    actor: Actor,
    request_id: int,
    request_version: int,
    approve: bool,
    note: str | None = None,
    now: datetime | None = None,
) -> dict:
    """审批延期. Approval moves ``due_at`` by the requested working days from the current
    deadline and sets ``warn_at`` again; a refusal (with a reason) leaves the deadline."""
    require(actor, order_fsm.permission_for("decide_extension"))
    now, note = now_or(now), _note(note)
    if not approve and not note:
        raise ValidationError("不同意延期时请填写理由。", field="note")
    with write_session(engine) as s:
        req = s.get(ExtensionRequest, request_id)
        if req is None:
            raise NotFound("延期申请不存在或已被删除。")
        if req.version != request_version:
            raise _conflict(request_version, req.version)
        if req.status != "pending":
            raise InvalidTransition(
                f"该延期申请已处理（{order_fsm.EXTENSION_STATUSES.get(req.status, req.status)}），不能再次审批。"
            )
        order = s.get_one(WorkOrder, req.order_id)
        _check_scope(actor, order)
        to = order_fsm.next_status(order.status, "decide_extension")
        changes: dict[str, Any] = {}
        data: dict[str, Any] = {"request_id": req.id, "workdays": req.workdays, "approved": bool(approve)}
        req_values: dict[str, Any] = {
            "status": "approved" if approve else "refused",
            "decided_by": actor.user_id or None,
            "decided_at": now,
        }
        if approve:
            # the clock ends at 24:00 of its last day: count on from that day
            base = (order.due_at - timedelta(microseconds=1)) if order.due_at else now
            clock = Clock(s)
            asked = clock.add(base, req.workdays)
            new_due, provisional, capped = county_cap(
                order.external_due_at, asked, deadline_provisional(order.dispatched_at or base, asked, clock.calendar)
            )
            changes = {
                "due_at": new_due,
                "warn_at": warn_point(order.dispatched_at or now, new_due),
                "due_workdays": (order.due_workdays + req.workdays) if order.due_workdays else None,
                "due_provisional": provisional,
                "extension_count": (order.extension_count or 0) + 1,
            }
            req_values["new_due_at"] = new_due
            data.update(old_due_at=order.due_at, new_due_at=new_due, provisional=provisional)
            text = f"同意延期{req.workdays}个工作日。" + (capped and capped + "县平台时限的延期须向县12345平台申请。")
            if provisional:
                text += provisional_note(new_due)
        else:
            text = f"不同意延期{req.workdays}个工作日。"
        new_req_version = _cas(s, ExtensionRequest, req.id, request_version, req_values, now)
        out = _save(
            s,
            actor,
            order,
            order.version,
            "decide_extension",
            to,
            changes,
            now,
            note=f"{text}{note}" if note else text,
            data=data,
            audit_extra={"extension_request_id": req.id, "extension_status": req_values["status"]},
        )
        return {
            **out,
            "request_id": req.id,
            "request_version": new_req_version,
            "approved": bool(approve),
            "due_at": changes.get("due_at", order.due_at),
        }


def cancel(
    engine: Engine,
    actor: Actor,
    order_id: int,
    version: int,
    reason: str,
    duplicate_of_id: int | None = None,
    now: datetime | None = None,
) -> dict:
    """撤销 an open order with a reason (optionally as a duplicate of another order)."""
    require(actor, order_fsm.permission_for("cancel"))
    now = now_or(now)
    reason = clean_text(reason, "撤销理由", max_len=CANCEL_REASON_MAX, required=True, field="reason")
    with write_session(engine) as s:
        order, to = _load(s, actor, order_id, version, "cancel")
        changes: dict[str, Any] = {"cancelled_reason": reason}
        data: dict[str, Any] = {}
        if duplicate_of_id is not None:
            original = s.get(WorkOrder, duplicate_of_id)
            if original is None or original.id == order.id:
                raise ValidationError("所关联的原工单不存在。", field="duplicate_of_id")
            changes["duplicate_of_id"] = original.id
            data["duplicate_of"] = original.number
        withdrawn = _withdraw_pending_extensions(s, order.id, now)
        if withdrawn:
            data["withdrawn_extensions"] = withdrawn
        if assists := _withdraw_open_assists(s, order.id, now):
            data["withdrawn_assists"] = assists
        return _save(s, actor, order, version, "cancel", to, changes, now, note=reason, data=data or None)


def supervise(
    engine: Engine,
    actor: Actor,
    order_id: int,
    version: int,
    supervisor_user_id: int,
    note: str | None = None,
    now: datetime | None = None,
) -> dict:
    """督办: a committee member (leader or admin) follows the order; red if overdue, else yellow."""
    require(actor, order_fsm.permission_for("supervise"))
    now, note = now_or(now), _note(note)
    with write_session(engine) as s:
        order, to = _load(s, actor, order_id, version, "supervise")
        boss = s.get(User, supervisor_user_id) if supervisor_user_id else None
        if boss is None or not boss.active or boss.role not in SUPERVISOR_ROLES:
            raise ValidationError("督办人须为在岗的领导（班子成员）或管理员。", field="supervisor_user_id")
        level = "red" if _overdue(order, now) else "yellow"
        text = f"{'红色' if level == 'red' else '黄色'}督办，由{boss.display_name}牵头跟进。"
        return _save(
            s,
            actor,
            order,
            version,
            "supervise",
            to,
            {"supervised": True, "supervision_level": level, "supervisor_user_id": boss.id},
            now,
            note=f"{text}{note}" if note else text,
            data={"level": level, "supervisor_user_id": boss.id},
        )


def urge(
    engine: Engine, actor: Actor, order_id: int, version: int, note: str | None = None, now: datetime | None = None
) -> dict:
    """催办: remind the owner (counted)."""
    require(actor, order_fsm.permission_for("urge"))
    now, note = now_or(now), _note(note)
    with write_session(engine) as s:
        order, to = _load(s, actor, order_id, version, "urge")
        count = (order.urge_count or 0) + 1
        return _save(
            s,
            actor,
            order,
            version,
            "urge",
            to,
            {"urge_count": count},
            now,
            note=note or f"第{count}次催办。",
            data={"urge_count": count},
        )


__all__ = [
    "Intake",
    "accept",
    "bounce",
    "bulk_dispatch",
    "callback",
    "callback_in",
    "cancel",
    "clean_text",
    "contact",
    "decide_extension",
    "derive_title",
    "dispatch",
    "dispatch_local",
    "next_number",
    "register",
    "request_extension",
    "resolve",
    "supervise",
    "urge",
]


def recount_provisional(s: Session, actor: Actor, now: datetime) -> int:
    """Recount every open order's provisional deadline on the calendar as it now stands (called
    in the transaction that enters a year's official schedule): new due_at and warn_at, 暂定
    cleared unless the clock still reaches a year not entered, a timeline entry saying so and an
    audit record per order. Returns the number of orders whose deadline was recounted."""
    clock = Clock(s)
    orders = s.scalars(
        select(WorkOrder)
        .where(
            WorkOrder.due_provisional.is_(True),
            WorkOrder.status.in_(OPEN_STATUSES),
            WorkOrder.due_workdays.is_not(None),
            WorkOrder.dispatched_at.is_not(None),
        )
        .order_by(WorkOrder.id)
    ).all()
    for order in orders:
        # the query keeps only orders with both
        assert order.dispatched_at is not None and order.due_workdays is not None
        due, provisional, _capped = county_cap(
            order.external_due_at, *clock.deadline(order.dispatched_at, order.due_workdays)
        )
        old = order.due_at
        changes = {"due_at": due, "warn_at": warn_point(order.dispatched_at, due), "due_provisional": provisional}
        if due == old:
            text = "节假日安排已录入，办理时限经重算不变。"
        else:
            text = (
                f"节假日安排已录入，办理时限由{deadline_text(old)}重算为{deadline_text(due)}"
                f"（{order.due_workdays}个工作日）。"
            )
        if provisional:
            text += provisional_note(due)
        _save(
            s,
            actor,
            order,
            order.version,
            "recount_deadline",
            order.status,
            changes,
            now,
            note=text,
            data={"old_due_at": old, "due_at": due, "provisional": provisional},
        )
    return len(orders)
