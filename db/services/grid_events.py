"""Grid events (网格事件) and daily work logs.

The loop 网格吹哨 → 分级转办 → 响应处置 → 核查反馈 → 考核评价 → 事件归档 follows
``db.rules.event_fsm``. Every public function owns one write transaction and takes the acting
user; in it it checks the permission (``require``), the grid scope (a grid worker acts only on
its own grid's events), the state machine and the version the user loaded, then writes the
change, one timeline row (``GridEventStep``) and one audit record. A referral creates the work
order, mediation case or platform case, links it to the event (``record_link``, kind
``source``) and moves the event, all in the same transaction. Any ``DomainError`` rolls the
whole transaction back.

The handling clock (docs/grid_events.md "The clock"): ``report`` sets ``due_at`` (the event
type's working days, ``EVENT_CLOCK_WORKDAYS``, counted from the report on the holiday calendar by
the orders' ``Clock``), ``warn_at`` (``warn_point``), ``due_workdays`` and ``due_provisional``;
``verify`` with 核查通过 sets ``closed_at`` (the clock stops). ``recount_provisional`` recounts the
open events' provisional deadlines when a year's schedule is entered.

``now`` (naive UTC) may be passed by tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal, cast, overload

from sqlalchemy import CursorResult, Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.engine import write_session
from db.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from db.models import Grid, GridStaff, Household, MediationCase, PlatformCase, RecordLink, WorkOrder
from db.models.grid_work import (
    EVENT_CLOCK_WORKDAYS,
    EVENT_HANDLING,
    EVENT_RATINGS,
    EVENT_TYPES,
    GridEvent,
    GridEventPhoto,
    GridEventStep,
    WorkLog,
)
from db.models.orders import URGENCIES
from db.permissions import Actor, require
from db.rules import event_fsm
from db.rules import photo as photo_rules
from db.rules.phone import normalize_phone
from db.rules.sla import deadline_text, to_local, warn_point
from db.rules.text import bounded_int, clean_text
from db.services import audit, links, mediation, platforms
from db.services.base import Clock, next_number, now_or, provisional_note
from db.services.base import cas as _cas
from db.services.base import conflict as _conflict
from db.services.orders import Intake, register_in

NUMBER_PREFIX = "SJ"
DESCRIPTION_MIN, DESCRIPTION_MAX = 5, 2000
ADDRESS_MAX, NOTE_MAX, COMMENT_MAX = 200, 1000, 200
LOG_MIN, LOG_MAX = 2, 2000
HOUSEHOLDS_MAX = 200
LOG_BACKDATE_DAYS = 6  # a log may be written or edited for today and the 6 days before
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP"}

# the linked record's statuses at which the referred matter counts as dealt with
CLOSED_LINKED = {
    "work_order": ("resolved", "archived", "cancelled"),
    "mediation_case": ("agreed", "closed", "litigation", "petition"),
    "platform_case": ("closed",),
}
HANDLING_RECORD_TYPE = {"order": "work_order", "mediation": "mediation_case", "platform": "platform_case"}
_RECORD_MODELS: dict[str, type[WorkOrder | MediationCase | PlatformCase]] = {
    "work_order": WorkOrder,
    "mediation_case": MediationCase,
    "platform_case": PlatformCase,
}

EVENT_AUDIT_FIELDS = [
    "number",
    "grid_id",
    "reporter_staff_id",
    "household_id",
    "event_type",
    "address",
    "status",
    "reported_at",
    "due_at",
    "due_workdays",
    "due_provisional",
]


# --------------------------------------------------------------------------- helpers


def photo_type(data: bytes) -> str | None:
    """The image type by its magic bytes: image/jpeg, image/png, image/webp, else None."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_photo(data: bytes | None) -> bytes | None:
    """The photo as it is stored (decoded whole, bounded, re-encoded as JPEG by
    db.rules.photo), None when there is none, else ValidationError."""
    if data is None:
        return None
    if not data:
        raise ValidationError("照片文件为空，请重新选择。", field="photo")
    if len(data) > PHOTO_MAX_BYTES:
        raise ValidationError(
            f"照片不能超过5MB（当前{len(data) / 1024 / 1024:.1f}MB），请压缩后再上传。", field="photo"
        )
    if photo_type(data) is None:
        raise ValidationError("照片须为JPEG、PNG或WebP格式的图片。", field="photo")
    return photo_rules.reencode(data)


def staff_of(s: Session, actor: Actor) -> GridStaff | None:
    """The grid staff record tied to the user (``GridStaff.user_id``), active ones only."""
    return s.scalar(
        select(GridStaff)
        .where(GridStaff.user_id == actor.user_id, GridStaff.active.is_(True))
        .order_by(GridStaff.id)
        .limit(1)
    )


def _own_staff(s: Session, actor: Actor) -> GridStaff:
    staff = staff_of(s, actor)
    if staff is None:
        raise PermissionDenied("该账号尚未关联网格员档案，请联系管理员。")
    return staff


def _check_scope(s: Session, actor: Actor, event: GridEvent) -> None:
    """Grid workers act only on their own grid's events."""
    if actor.role == "grid" and _own_staff(s, actor).grid_id != event.grid_id:
        raise PermissionDenied(f"事件{event.number}不属于您负责的网格，无权办理。")


def _load(s: Session, actor: Actor, event_id: int, version: int) -> GridEvent:
    event = s.get(GridEvent, event_id)
    if event is None:
        raise NotFound("网格事件不存在或已被删除。")
    _check_scope(s, actor, event)
    if event.version != version:
        raise _conflict(version, event.version)
    return event


@overload
def _note(value: Any, label: str, required: Literal[True], max_len: int = ..., field: str = ...) -> str: ...
@overload
def _note(value: Any, label: str, required: bool = ..., max_len: int = ..., field: str = ...) -> str | None: ...
def _note(value: Any, label: str, required: bool = False, max_len: int = NOTE_MAX, field: str = "note") -> str | None:
    return clean_text(
        value, label, max_len=max_len, min_len=2 if required else 0, required=required, multiline=True, field=field
    )


def event_clock(clock: Clock, event_type: str, reported_at: datetime, workdays: int | None = None) -> dict[str, Any]:
    """The handling clock of an event of ``event_type`` reported at ``reported_at`` (or of
    ``workdays`` given: a recount keeps the event's own): the columns to store."""
    workdays = workdays or EVENT_CLOCK_WORKDAYS[event_type]
    due, provisional = clock.deadline(reported_at, workdays)
    return {
        "due_at": due,
        "warn_at": warn_point(reported_at, due),
        "due_workdays": workdays,
        "due_provisional": provisional,
    }


def _save(
    s: Session,
    actor: Actor,
    event: GridEvent,
    version: int,
    action: str,
    to_status: str,
    changes: dict[str, Any],
    now: datetime,
    note: str | None,
) -> dict:
    """Write the event's changes (version-checked), its timeline step and its audit record."""
    changes = {**changes, "status": to_status}
    before = {k: getattr(event, k) for k in changes}
    _cas(s, GridEvent, event.id, version, changes, now)
    s.add(
        GridEventStep(
            event_id=event.id,
            at=now,
            actor_id=actor.user_id or None,
            action=action,
            from_status=event.status,
            to_status=to_status,
            note=note,
        )
    )
    after = dict(changes)
    if note:
        after["note"] = note
    audit.record(s, actor, f"grid_event.{action}", "grid_event", event.id, before=before, after=after)
    return {"id": event.id, "number": event.number, "version": version + 1, "status": to_status}


# --------------------------------------------------------------------------- report


@dataclass(kw_only=True)
class EventReport:
    """What a grid worker records on a round."""

    event_type: str
    description: str
    grid_id: int | None = None  # a grid worker's own grid is used whatever is passed
    address: str | None = None
    household_id: int | None = None
    reporter_staff_id: int | None = None  # admin reporting for a worker; a worker is itself
    photo: bytes | None = None


def report(engine: Engine, actor: Actor, r: EventReport, now: datetime | None = None) -> dict:
    """网格吹哨: register an event (status 已上报) with its optional photo."""
    require(actor, "grid_event.report")
    now = now_or(now)
    if r.event_type not in EVENT_TYPES:
        raise ValidationError("请选择事件类型。", field="event_type")
    description = clean_text(
        r.description,
        "事件描述",
        min_len=DESCRIPTION_MIN,
        max_len=DESCRIPTION_MAX,
        required=True,
        multiline=True,
        field="description",
    )
    address = clean_text(r.address, "地点", max_len=ADDRESS_MAX, field="address")
    photo = check_photo(r.photo)
    with write_session(engine) as s:
        staff: GridStaff | None
        grid_id: int | None
        reporter: int | None
        if actor.role == "grid":
            staff = _own_staff(s, actor)
            grid_id, reporter = staff.grid_id, staff.id
        else:
            grid_id, reporter = r.grid_id, r.reporter_staff_id
        if not grid_id or s.get(Grid, grid_id) is None:
            raise ValidationError("请选择事件所在网格。", field="grid_id")
        if reporter is not None:
            staff = s.get(GridStaff, reporter)
            if staff is None or staff.grid_id != grid_id:
                raise ValidationError("上报人须为该网格的网格员。", field="reporter_staff_id")
        if r.household_id is not None:
            hh = s.get(Household, r.household_id)
            if hh is None or hh.grid_id != grid_id:
                raise ValidationError("所选户不属于该网格。", field="household_id")
            address = address or hh.address
        if address is None:
            raise ValidationError("请填写事件地点（或选择所在户）。", field="address")
        event = GridEvent(
            number=next_number(s, NUMBER_PREFIX, now),
            grid_id=grid_id,
            reporter_staff_id=reporter,
            household_id=r.household_id,
            event_type=r.event_type,
            address=address,
            description=description,
            status="reported",
            reported_at=now,
            version=1,
            updated_at=now,
            **event_clock(Clock(s), r.event_type, now),
        )
        s.add(event)
        s.flush()
        if photo is not None:
            s.add(
                GridEventPhoto(
                    event_id=event.id, content_type="image/jpeg", size=len(photo), data=photo, created_at=now
                )
            )
        note = EVENT_TYPES[r.event_type]  # (the clock is on the event; a provisional one is said here)
        if event.due_provisional:
            assert event.due_at is not None  # event_clock sets it
            note += provisional_note(event.due_at)
        s.add(
            GridEventStep(
                event_id=event.id,
                at=now,
                actor_id=actor.user_id or None,
                action="report",
                from_status=None,
                to_status="reported",
                note=note,
            )
        )  # the description stays in the event only:
        # free text may carry names and phone numbers, and the timeline should not copy it
        after = audit.snapshot(event, EVENT_AUDIT_FIELDS)
        after["photo"] = photo is not None
        audit.record(s, actor, "grid_event.report", "grid_event", event.id, after=after)
        return {"id": event.id, "number": event.number, "version": 1, "status": "reported"}


# --------------------------------------------------------------------------- 分级转办


def handle_on_spot(
    engine: Engine, actor: Actor, event_id: int, version: int, note: str, now: datetime | None = None
) -> dict:
    """就地处置: the matter was dealt with on the round; what was done is recorded."""
    require(actor, event_fsm.permission_for("handle_on_spot"))
    now = now_or(now)
    note = _note(note, "处置情况", required=True)
    with write_session(engine) as s:
        event = _load(s, actor, event_id, version)
        to = event_fsm.next_status(event.status, "handle_on_spot")
        return _save(
            s, actor, event, version, "handle_on_spot", to, {"handling": "on_spot", "handled_at": now}, now, note
        )


def _staff_contact(s: Session, staff_id: int | None) -> tuple[str | None, str | None]:
    staff = s.get(GridStaff, staff_id) if staff_id else None
    if staff is None:
        return None, None
    try:
        phone = normalize_phone(staff.phone) if staff.phone else None
    except ValidationError:
        phone = None
    return staff.name, phone


def _refer(
    engine: Engine, actor: Actor, event_id: int, version: int, handling: str, create, note: Any, now: datetime | None
) -> dict:
    """Shared referral: create the record (``create(s, event, grid, now) -> (type, id, number)``),
    link it to the event and move the event to 已转办, in one transaction."""
    require(actor, event_fsm.permission_for("refer"))
    now = now_or(now)
    note = _note(note, "转办说明")
    with write_session(engine) as s:
        event = _load(s, actor, event_id, version)
        to = event_fsm.next_status(event.status, "refer")
        grid = s.get(Grid, event.grid_id)
        record_type, record_id, number = create(s, event, grid, now)
        links.link(s, record_type, record_id, "grid_event", event.id, "source")
        text = f"{EVENT_HANDLING[handling]}：{number}" + (f"。{note}" if note else "")
        out = _save(s, actor, event, version, "refer", to, {"handling": handling}, now, text)
        return {**out, "record_type": record_type, "record_id": record_id, "record_number": number}


def refer_to_order(
    engine: Engine,
    actor: Actor,
    event_id: int,
    version: int,
    category_id: int,
    urgency: str = "normal",
    note: str | None = None,
    now: datetime | None = None,
) -> dict:
    """转工单: register a work order (channel 网格上报) from the event."""
    if urgency not in URGENCIES:
        raise ValidationError("请选择紧急程度。", field="urgency")

    def create(s: Session, event: GridEvent, grid: Grid, at: datetime):
        name, phone = _staff_contact(s, event.reporter_staff_id)
        order = register_in(
            s,
            actor,
            Intake(
                channel="grid",
                description=event.description,
                category_id=category_id,
                village_id=grid.village_id,
                grid_id=grid.id,
                household_id=event.household_id,
                caller_name=name,
                caller_phone=phone,
                address=event.address,
                urgency=urgency,
            ),
            at,
            action="grid_event.refer",
        )
        return "work_order", order["id"], order["number"]

    return _refer(engine, actor, event_id, version, "order", create, note, now)


def refer_to_mediation(
    engine: Engine,
    actor: Actor,
    event_id: int,
    version: int,
    dispute_type: str,
    risk_colour: str = "blue",
    title: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> dict:
    """转调解: open a mediation case (source 网格上报) from the event."""

    def create(s: Session, event: GridEvent, grid: Grid, at: datetime):
        case = mediation.open_case_in(
            s,
            actor,
            mediation.CaseInput(
                kind="dispute",
                dispute_type=dispute_type,
                title=title or _title(event.description),
                summary=event.description,
                village_id=grid.village_id,
                grid_id=grid.id,
                source="grid_event",
                source_event_id=event.id,
                risk_colour=risk_colour,
            ),
            at,
            action="grid_event.refer",
        )
        return "mediation_case", case.id, case.number

    return _refer(engine, actor, event_id, version, "mediation", create, note, now)


def refer_to_platform(
    engine: Engine,
    actor: Actor,
    event_id: int,
    version: int,
    platform_id: int,
    title: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> dict:
    """转平台: open a case on one of the four platforms (source 网格事件) from the event."""
    if not platform_id:
        raise ValidationError("请选择牵头平台。", field="lead_platform_id")

    def create(s: Session, event: GridEvent, grid: Grid, at: datetime):
        case = platforms.open_case_in(
            s,
            actor,
            lead_platform_id=platform_id,
            title=title or _title(event.description),
            description=event.description,
            village_id=grid.village_id,
            source="grid_event",
            source_order_id=None,
            now=at,
            action="grid_event.refer",
        )
        return "platform_case", case.id, case.number

    return _refer(engine, actor, event_id, version, "platform", create, note, now)


def _title(description: str) -> str:
    first = " ".join(description.strip().split("\n", 1)[0].split())
    title = first if len(first) <= 20 else first[:20] + "…"
    return title if len(title) >= 4 else f"网格事件：{title}"


# --------------------------------------------------------------------------- 处置 / 核查 / 评价 / 归档


def linked_record(s: Session, event: GridEvent) -> dict | None:
    """The record the event was referred to: dict(type, id, number, status), or None."""
    record_type = HANDLING_RECORD_TYPE.get(event.handling or "")
    if record_type is None:
        return None
    L = RecordLink
    rid = s.scalar(
        select(L.from_id)
        .where(L.from_type == record_type, L.to_type == "grid_event", L.to_id == event.id, L.kind == "source")
        .order_by(L.id.desc())
        .limit(1)
    )
    if rid is None:
        return None
    model = _RECORD_MODELS[record_type]
    row = s.execute(select(model.number, model.status).where(model.id == rid)).first()
    if row is None:
        return None
    return {
        "type": record_type,
        "id": rid,
        "number": row.number,
        "status": row.status,
        "closed": row.status in CLOSED_LINKED[record_type],
    }


def mark_handled(
    engine: Engine, actor: Actor, event_id: int, version: int, note: str, now: datetime | None = None
) -> dict:
    """响应处置: record how the matter was handled; a referred matter only once its linked
    record is closed."""
    require(actor, event_fsm.permission_for("mark_handled"))
    now = now_or(now)
    note = _note(note, "处置结果", required=True)
    with write_session(engine) as s:
        event = _load(s, actor, event_id, version)
        to = event_fsm.next_status(event.status, "mark_handled")
        if event.handled_at is not None:
            raise ValidationError("该事件已记录处置结果，正等待核查反馈。", field="note")
        rec = linked_record(s, event)
        if rec is not None and not rec["closed"]:
            raise ValidationError(f"转办的{rec['number']}尚未办结，办结后才能记录处置结果。", field="note")
        return _save(s, actor, event, version, "mark_handled", to, {"handled_at": now}, now, note)


def verify(
    engine: Engine,
    actor: Actor,
    event_id: int,
    version: int,
    passed: str,
    note: str | None = None,
    now: datetime | None = None,
) -> dict:
    """核查反馈: the grid worker checked on site. ``passed`` is "passed" or "failed" (the
    handling must then be recorded again, and the reason is required)."""
    require(actor, event_fsm.permission_for("verify"))
    now = now_or(now)
    note = _note(note, "核查情况", required=passed == "failed")
    with write_session(engine) as s:
        event = _load(s, actor, event_id, version)
        to = event_fsm.next_status(event.status, "verify", passed=passed)
        if event.handled_at is None:
            raise ValidationError("尚未记录处置结果，不能核查。", field="passed")
        # 核查通过 closes the event: its handling clock stops (closed_at)
        changes = {"verified_at": now, "closed_at": now} if passed == "passed" else {"handled_at": None}
        text = event_fsm.VERIFY_OUTCOMES[passed] + (f"：{note}" if note else "")
        return _save(s, actor, event, version, "verify", to, changes, now, text)


def evaluate(
    engine: Engine,
    actor: Actor,
    event_id: int,
    version: int,
    rating: str,
    comment: str | None = None,
    now: datetime | None = None,
) -> dict:
    """考核评价: the leader's or dispatcher's rating and comment."""
    require(actor, event_fsm.permission_for("evaluate"))
    now = now_or(now)
    if rating not in EVENT_RATINGS:
        raise ValidationError("请选择评价等级（优秀、良好、一般或较差）。", field="rating")
    comment = clean_text(comment, "评价意见", max_len=COMMENT_MAX, multiline=True, field="comment")
    if rating == "poor" and not comment:
        raise ValidationError("评价为“较差”时请填写评价意见。", field="comment")
    with write_session(engine) as s:
        event = _load(s, actor, event_id, version)
        to = event_fsm.next_status(event.status, "evaluate")
        text = EVENT_RATINGS[rating] + (f"：{comment}" if comment else "")
        return _save(
            s,
            actor,
            event,
            version,
            "evaluate",
            to,
            {"rating": rating, "evaluation": comment, "evaluated_at": now},
            now,
            text,
        )


def archive(
    engine: Engine, actor: Actor, event_id: int, version: int, note: str | None = None, now: datetime | None = None
) -> dict:
    """事件归档."""
    require(actor, event_fsm.permission_for("archive"))
    now = now_or(now)
    note = _note(note, "归档说明")
    with write_session(engine) as s:
        event = _load(s, actor, event_id, version)
        to = event_fsm.next_status(event.status, "archive")
        return _save(s, actor, event, version, "archive", to, {"archived_at": now}, now, note)


# --------------------------------------------------------------------------- 时限重算


def recount_provisional(s: Session, actor: Actor, now: datetime) -> int:
    """Recount every unclosed event's provisional deadline on the calendar as it now stands
    (called in the transaction that enters a year's official schedule, after the orders'): new
    due_at and warn_at from reported_at and the event's own working days, 暂定 cleared unless the
    clock still reaches a year not entered; a timeline entry and an audit record per event. A
    closed event keeps its deadline. Returns the number of events recounted."""
    clock = Clock(s)
    events = s.scalars(
        select(GridEvent)
        .where(GridEvent.due_provisional.is_(True), GridEvent.status.in_(event_fsm.UNCLOSED_STATUSES))
        .order_by(GridEvent.id)
    ).all()
    for event in events:
        old = event.due_at
        changes = event_clock(clock, event.event_type, event.reported_at, event.due_workdays)
        if changes["due_at"] == old:
            text = "节假日安排已录入，处置时限经重算不变。"
        else:
            text = (
                f"节假日安排已录入，处置时限由{deadline_text(old)}重算为{deadline_text(changes['due_at'])}"
                f"（{changes['due_workdays']}个工作日）。"
            )
        if changes["due_provisional"]:
            text += provisional_note(changes["due_at"])
        _save(s, actor, event, event.version, "recount_deadline", event.status, changes, now, text)
    return len(events)


# --------------------------------------------------------------------------- work logs


def write_log(
    engine: Engine,
    actor: Actor,
    log_date: date,
    content: str,
    households_visited: Any,
    version: int | None = None,
    staff_id: int | None = None,
    now: datetime | None = None,
) -> dict:
    """Write the day's work log, or edit it (``version`` = the version loaded; None for a new
    log). One log per person per local day, for today and the ``LOG_BACKDATE_DAYS`` before.
    A grid worker writes its own; an administrator names the staff member."""
    require(actor, "work_log.write")
    now = now_or(now)
    today = to_local(now).date()
    if not isinstance(log_date, date) or isinstance(log_date, datetime):
        raise ValidationError("请选择日志日期。", field="log_date")
    if log_date > today:
        raise ValidationError("不能填写未来日期的工作日志。", field="log_date")
    if log_date < today - timedelta(days=LOG_BACKDATE_DAYS):
        raise ValidationError(f"只能填写或修改最近{LOG_BACKDATE_DAYS + 1}天（含今天）的工作日志。", field="log_date")
    text = clean_text(
        content, "工作内容", min_len=LOG_MIN, max_len=LOG_MAX, required=True, multiline=True, field="content"
    )
    visited = bounded_int(
        households_visited,
        0,
        HOUSEHOLDS_MAX,
        f"走访户数须为0至{HOUSEHOLDS_MAX}之间的整数。",
        field="households_visited",
    )
    try:
        with write_session(engine) as s:
            staff: GridStaff | None
            if actor.role == "grid":
                staff = _own_staff(s, actor)
            else:
                staff = s.get(GridStaff, staff_id) if staff_id else None
                if staff is None or not staff.active:
                    raise ValidationError("请选择网格员。", field="staff_id")
            log = s.scalar(select(WorkLog).where(WorkLog.staff_id == staff.id, WorkLog.log_date == log_date))
            values = {"content": text, "households_visited": visited}
            if log is None:
                if version is not None:
                    raise ValidationError("要修改的工作日志不存在，请刷新。", field="log_date")
                log = WorkLog(staff_id=staff.id, log_date=log_date, created_at=now, version=1, updated_at=now, **values)
                s.add(log)
                s.flush()
                audit.record(
                    s,
                    actor,
                    "work_log.write",
                    "work_log",
                    log.id,
                    after={"staff_id": staff.id, "log_date": log_date, **values},
                )
                return {"id": log.id, "version": 1, "created": True}
            if version is None:
                raise ConflictError(
                    f"{log_date:%Y-%m-%d}的工作日志已经存在（第{log.version}版），请刷新后在原日志上修改。"
                )
            before = {k: getattr(log, k) for k in values}
            res = cast(  # an UPDATE's result is a CursorResult (the stubs type Session.execute's as Result)
                CursorResult,
                s.execute(
                    update(WorkLog)
                    .where(WorkLog.id == log.id, WorkLog.version == version)
                    .values(**values, version=version + 1, updated_at=now)
                    .execution_options(synchronize_session=False)
                ),
            )
            if res.rowcount != 1:
                raise _conflict(version, log.version)
            audit.record(
                s, actor, "work_log.write", "work_log", log.id, before=before, after={"log_date": log_date, **values}
            )
            return {"id": log.id, "version": version + 1, "created": False}
    except IntegrityError:  # a concurrent first save of the same day
        raise ConflictError(f"{log_date:%Y-%m-%d}的工作日志刚刚已由他人保存，请刷新后在原日志上修改。") from None


__all__ = [
    "EventReport",
    "PHOTO_MAX_BYTES",
    "archive",
    "check_photo",
    "evaluate",
    "handle_on_spot",
    "event_clock",
    "linked_record",
    "mark_handled",
    "photo_type",
    "recount_provisional",
    "refer_to_mediation",
    "refer_to_order",
    "refer_to_platform",
    "report",
    "staff_of",
    "verify",
    "write_log",
]
