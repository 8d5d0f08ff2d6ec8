"""The four platforms (issue #6): cases, hand-offs between platforms, and each platform's records.

Cases
    ``open_case_in`` / ``open_case`` open a case for a lead platform (from a dispatched order,
    a patrol finding, a push or a grid event). Every later step (``accept``, ``push``,
    ``receive``, ``bounce``, ``close``, ``add_note``) goes through the transition table in
    ``db.rules.platform_fsm`` and, in ONE transaction: checks the permission, the platform
    scope (an officer acts only for their own platform; admin may act for any, optionally
    naming it), the version the user loaded (``UPDATE … WHERE version = :loaded``), then writes
    the case, the hand-off, one timeline row (``platform_case_event``) and one audit record.

Deadlines (documented in docs/platforms.md)
    - a case's default deadline: the source order's deadline when it has one, else
      ``DEFAULT_CASE_WORKDAYS`` (5) working days on the holiday calendar;
    - a joint case has one deadline shared by the lead and the assisting platforms;
    - a push must be answered within ``HANDOFF_RESPONSE_WORKDAYS`` (1) working day.

Records
    市场监管 inspections and rectification notices (numbers ``ZG-{year}-{seq}``), 综合执法
    arrival on site against 30 minutes, 便民服务 catalogue and requests, 综治 weekly screening
    of village reports, monthly analysis meetings and floating-population registrations.

``now`` (naive UTC) may be passed by tests.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from db.engine import write_session
from db.errors import NotFound, PermissionDenied, ValidationError
from db.models import Department, Platform, Village, WorkOrder
from db.models.people import PLATFORMS
from db.models.platforms import (
    CASE_SOURCES,
    ENFORCEMENT_KINDS,
    INSPECTION_KINDS,
    SERVICE_CHANNELS,
    AnalysisMeeting,
    EnforcementReport,
    FloatingResident,
    Handoff,
    Inspection,
    PlatformCase,
    PlatformCaseAssist,
    PlatformCaseEvent,
    ServiceItem,
    ServiceRequest,
    VillageReportCheck,
)
from db.permissions import Actor, require
from db.rules import platform_fsm as fsm
from db.rules.phone import normalize_phone
from db.rules.sla import deadline_text, local_date
from db.rules.text import clean_text, normalize_id_number
from db.services import audit
from db.services.base import Clock, next_number, now_or, provisional_note
from db.services.base import cas as _cas
from db.services.base import conflict as _conflict

DEFAULT_CASE_WORKDAYS = 5
HANDOFF_RESPONSE_WORKDAYS = 1
TITLE_MAX, DESCRIPTION_MIN, DESCRIPTION_MAX = 100, 5, 2000
REASON_MAX, RESULT_MAX, NOTE_MAX = 300, 2000, 500
NUMBER_PREFIX = "PT"

CASE_AUDIT_FIELDS = [
    "number",
    "lead_platform_id",
    "source",
    "source_order_id",
    "village_id",
    "title",
    "status",
    "is_joint",
    "due_at",
]


# --------------------------------------------------------------------------- helpers


def _platform(s: Session, platform_id: Any, label: str, field: str) -> Platform:
    p = s.get(Platform, platform_id) if platform_id else None
    if p is None:
        raise ValidationError(f"请选择{label}。", field=field)
    return p


def acting_platform_id(actor: Actor, as_platform_id: int | None = None) -> int | None:
    """The platform the actor acts for: an officer's own; admin may name any (or none)."""
    if actor.role == "platform":
        if actor.platform_id is None:
            raise PermissionDenied("您的账号未关联平台，请联系管理员。")
        if as_platform_id is not None and as_platform_id != actor.platform_id:
            raise PermissionDenied("只能以本人所在平台的身份办理。")
        return actor.platform_id
    return as_platform_id


def _event(
    s: Session,
    case: PlatformCase,
    actor: Actor,
    platform_id: int | None,
    action: str,
    from_status: str | None,
    to_status: str,
    now: datetime,
    note: str | None = None,
    to_platform_id: int | None = None,
) -> None:
    s.add(
        PlatformCaseEvent(
            case_id=case.id,
            at=now,
            actor_id=actor.user_id or None,
            platform_id=platform_id,
            action=action,
            from_status=from_status,
            to_status=to_status,
            to_platform_id=to_platform_id,
            note=note,
        )
    )


# --------------------------------------------------------------------------- open


def open_case_in(
    s: Session,
    actor: Actor,
    *,
    lead_platform_id: int,
    title: str,
    description: str,
    village_id: int | None = None,
    source: str,
    source_order_id: int | None = None,
    assist_platform_ids: tuple[int, ...] = (),
    due_at: datetime | None = None,
    now: datetime | None = None,
    action: str = "platform.handle",
    meeting_id: int | None = None,
) -> PlatformCase:
    """Open a case inside the caller's transaction (flushes, never commits).

    ``action`` is the permission checked (``grid_event.refer`` when a grid event is referred).
    A patrol finding opened by an officer of the lead platform starts 办理中; any other case
    starts 待签收 until the lead platform signs for it. Default deadline: the source order's
    deadline, else 5 working days.
    """
    require(actor, action)
    now = now_or(now)
    if source not in CASE_SOURCES:
        raise ValidationError("案件来源须为工单派发、巡查发现、平台推送、网格事件或研判会议交办之一。", field="source")
    title_c = clean_text(title, "案件标题", max_len=TITLE_MAX, required=True, field="title")
    desc = clean_text(
        description,
        "案件描述",
        min_len=DESCRIPTION_MIN,
        max_len=DESCRIPTION_MAX,
        required=True,
        multiline=True,
        field="description",
    )
    lead = _platform(s, lead_platform_id, "牵头平台", "lead_platform_id")
    if source == "meeting" and meeting_id is None:
        raise ValidationError("研判会议交办的案件须关联会议。", field="meeting_id")
    if actor.role == "platform" and lead.id != actor.platform_id:
        if source not in ("handoff", "meeting"):
            raise PermissionDenied("只能为本平台立案；交其他平台办理请使用“推送”。")
        own = s.get(Platform, actor.platform_id) if actor.platform_id else None
        if own is None or own.township_id != lead.township_id:
            raise PermissionDenied(f"{lead.name}不属于您所在平台的乡镇，不能为其立案或交办。")
    village = None
    if village_id is not None:
        village = s.get(Village, village_id)
        if village is None:
            raise ValidationError("所选村（社区）不存在。", field="village_id")
        if village.township_id != lead.township_id:
            raise ValidationError(f"{village.name}不属于{lead.name}所在乡镇。", field="village_id")
    assists: list[int] = []
    for pid in assist_platform_ids or ():
        p = _platform(s, pid, "协办平台", "assist_platform_ids")
        if p.id == lead.id:
            raise ValidationError("协办平台不能与牵头平台相同。", field="assist_platform_ids")
        if p.township_id != lead.township_id:
            raise ValidationError(f"{p.name}不属于牵头平台所在乡镇。", field="assist_platform_ids")
        if p.id in assists:
            raise ValidationError(f"协办平台“{p.name}”重复选择。", field="assist_platform_ids")
        assists.append(p.id)
    order = None
    if source == "order" and source_order_id is None:
        raise ValidationError("来源为工单派发的案件须关联工单。", field="source_order_id")
    if source_order_id is not None:
        order = s.get(WorkOrder, source_order_id)
        if order is None:
            raise ValidationError("所关联的工单不存在。", field="source_order_id")
    due_workdays, provisional = None, False
    if due_at is not None:
        due_at = now_or(due_at)
        if due_at <= now:
            raise ValidationError("办理期限须晚于当前时间。", field="due_at")
    elif order is not None and order.due_at is not None and order.due_at > now:
        due_at, provisional = order.due_at, bool(order.due_provisional)  # recounted with the order's
    else:
        due_workdays = DEFAULT_CASE_WORKDAYS
        due_at, provisional = Clock(s).deadline(now, due_workdays)
    status = fsm.initial_status(source, actor.platform_id == lead.id)
    case = PlatformCase(
        number=next_number(s, NUMBER_PREFIX, now),
        township_id=lead.township_id,
        lead_platform_id=lead.id,
        source=source,
        source_order_id=source_order_id,
        village_id=village.id if village else None,
        title=title_c,
        description=desc,
        status=status,
        is_joint=bool(assists),
        due_at=due_at,
        due_workdays=due_workdays,
        due_provisional=provisional,
        created_at=now,
        bounce_count=0,
        meeting_id=meeting_id,
        version=1,
        updated_at=now,
    )
    s.add(case)
    s.flush()
    for pid in assists:
        s.add(PlatformCaseAssist(case_id=case.id, platform_id=pid))
    note = f"来源：{CASE_SOURCES[source]}"
    if assists:
        names = "、".join(s.get_one(Platform, pid).name for pid in assists)
        note += f"；联合办理，协办：{names}"
    _event(s, case, actor, actor.platform_id, "open", None, status, now, note=note)
    audit.record(
        s,
        actor,
        "platform_case.open",
        "platform_case",
        case.id,
        after={**audit.snapshot(case, CASE_AUDIT_FIELDS), "assists": assists},
    )
    s.flush()
    return case


def open_case(engine: Engine, actor: Actor, **kw: Any) -> dict:
    """``open_case_in`` in its own transaction. Returns ``dict(id, number, version)``."""
    with write_session(engine) as s:
        case = open_case_in(s, actor, **kw)
        return {"id": case.id, "number": case.number, "version": case.version}


def open_patrol_case(
    engine: Engine,
    actor: Actor,
    *,
    platform_id: int,
    title: str,
    description: str,
    village_id: int | None = None,
    push_to_platform_id: int | None = None,
    push_reason: str | None = None,
    assist_platform_ids: tuple[int, ...] = (),
    as_platform_id: int | None = None,
    now: datetime | None = None,
) -> dict:
    """A patrol finding of ``platform_id``: opened for it and, when ``push_to_platform_id``
    names another platform, pushed there in the SAME transaction (a refused push leaves no
    case, no number and no audit record). Returns ``dict(id, number, version, pushed)``."""
    now = now_or(now)
    with write_session(engine) as s:
        acting_platform_id(actor, as_platform_id)  # an officer acts only for their own platform
        case = open_case_in(
            s,
            actor,
            lead_platform_id=platform_id,
            title=title,
            description=description,
            village_id=village_id,
            source="patrol",
            assist_platform_ids=assist_platform_ids,
            now=now,
        )
        out = {"id": case.id, "number": case.number, "version": case.version, "pushed": False}
        if push_to_platform_id is not None and push_to_platform_id != platform_id:
            r = _step_in(
                s,
                actor,
                case.id,
                case.version,
                "push",
                text=push_reason,
                to_platform_id=push_to_platform_id,
                as_platform_id=as_platform_id,
                now=now,
            )
            out.update(version=r["version"], pushed=True)
        return out


# --------------------------------------------------------------------------- transitions


def _load_case(s: Session, case_id: int, version: int) -> PlatformCase:
    case = s.get(PlatformCase, case_id)
    if case is None:
        raise NotFound("案件不存在或已被删除。")
    if case.version != version:
        raise _conflict(version, case.version)
    return case


def _pending_handoff(s: Session, case_id: int) -> Handoff | None:
    return s.scalar(
        select(Handoff)
        .where(Handoff.case_id == case_id, Handoff.status == "pending")
        .order_by(Handoff.id.desc())
        .limit(1)
    )


def _assists(s: Session, case_id: int) -> list[int]:
    return list(s.scalars(select(PlatformCaseAssist.platform_id).where(PlatformCaseAssist.case_id == case_id)))


def _side_platform(
    s: Session, actor: Actor, case: PlatformCase, side: str, as_platform_id: int | None, handoff: Handoff | None
) -> int:
    """Check the actor may act on ``side`` of the case; return the platform it acts for."""
    mine = acting_platform_id(actor, as_platform_id)
    if side == "receiver":
        target = handoff.to_platform_id if handoff is not None else None
        if target is None or (mine is not None and mine != target):
            raise PermissionDenied(f"案件{case.number}不是推送给您所在平台的，无权接收或退回。")
        return target
    if side == "lead":
        if mine is not None and mine != case.lead_platform_id:
            raise PermissionDenied(f"案件{case.number}不由您所在平台牵头，无权办理。")
        return case.lead_platform_id
    # participant: the lead or an assisting platform
    if mine is None:
        return case.lead_platform_id
    if mine != case.lead_platform_id and mine not in _assists(s, case.id):
        raise PermissionDenied(f"您所在平台不是案件{case.number}的牵头或协办平台。")
    return mine


def _step(
    engine: Engine,
    actor: Actor,
    case_id: int,
    version: int,
    action: str,
    *,
    text: str | None = None,
    to_platform_id: int | None = None,
    as_platform_id: int | None = None,
    now: datetime | None = None,
) -> dict:
    now = now_or(now)
    with write_session(engine) as s:
        return _step_in(
            s,
            actor,
            case_id,
            version,
            action,
            text=text,
            to_platform_id=to_platform_id,
            as_platform_id=as_platform_id,
            now=now,
        )


def _step_in(
    s: Session,
    actor: Actor,
    case_id: int,
    version: int,
    action: str,
    *,
    text: str | None,
    to_platform_id: int | None,
    as_platform_id: int | None,
    now: datetime,
) -> dict:
    """One transition inside the caller's transaction (see ``_step``)."""
    case = _load_case(s, case_id, version)
    row = fsm.transition(case.status, action)
    require(actor, row.permission)
    handoff = _pending_handoff(s, case.id) if row.side == "receiver" else None
    acting = _side_platform(s, actor, case, row.side, as_platform_id, handoff)
    labels = {
        "push": ("推送理由", REASON_MAX),
        "bounce": ("退回理由", REASON_MAX),
        "close": ("办理结果", RESULT_MAX),
        "note": ("办理记录", NOTE_MAX),
    }
    label, max_len = labels.get(action, ("备注", NOTE_MAX))
    text = clean_text(text, label, max_len=max_len, required=row.needs_reason, multiline=True, field="text")
    changes: dict[str, Any] = {"status": row.to_status}
    target = None
    if action == "push":
        target = _platform(s, to_platform_id, "接收平台", "to_platform_id")
        if target.id == case.lead_platform_id:
            raise ValidationError("不能推送给本平台，请选择其他平台。", field="to_platform_id")
        if target.township_id != case.township_id:
            raise ValidationError(f"{target.name}不属于案件所在乡镇。", field="to_platform_id")
        s.add(
            Handoff(
                case_id=case.id,
                from_platform_id=case.lead_platform_id,
                to_platform_id=target.id,
                pushed_by=actor.user_id or None,
                pushed_at=now,
                respond_due_at=Clock(s).add(now, HANDOFF_RESPONSE_WORKDAYS),
                status="pending",
                reason=text,
                version=1,
                updated_at=now,
            )
        )
    elif action in ("receive", "bounce"):
        if handoff is None:  # pragma: no cover - a pushed case always has its hand-off
            raise NotFound("该案件没有待接收的推送。")
        _cas(
            s,
            Handoff,
            handoff.id,
            handoff.version,
            {
                "status": fsm.handoff_next(handoff.status, action),
                "responded_by": actor.user_id or None,
                "responded_at": now,
                **({"reason": f"{handoff.reason or ''}｜退回：{text}"[:REASON_MAX]} if action == "bounce" else {}),
            },
            now,
        )
        if action == "receive":
            changes["lead_platform_id"] = handoff.to_platform_id
            s.execute(
                delete(PlatformCaseAssist).where(
                    PlatformCaseAssist.case_id == case.id, PlatformCaseAssist.platform_id == handoff.to_platform_id
                )
            )
        else:
            changes["bounce_count"] = case.bounce_count + 1
    elif action == "close":
        changes.update(closed_at=now, result=text)
    before = {k: getattr(case, k) for k in changes}
    from_status = case.status
    new_version = _cas(s, PlatformCase, case.id, version, changes, now)
    _event(
        s,
        case,
        actor,
        acting,
        action,
        from_status,
        row.to_status,
        now,
        note=text,
        to_platform_id=target.id if target is not None else None,
    )
    after = dict(changes)
    if text:
        after["text"] = text
    if target is not None:
        after["to_platform_id"] = target.id
    audit.record(s, actor, f"platform_case.{action}", "platform_case", case.id, before=before, after=after)
    return {"id": case.id, "number": case.number, "version": new_version, "status": row.to_status}


def accept(
    engine: Engine,
    actor: Actor,
    case_id: int,
    version: int,
    *,
    as_platform_id: int | None = None,
    now: datetime | None = None,
) -> dict:
    """The lead platform signs for the case (or takes a bounced case back to handle it)."""
    return _step(engine, actor, case_id, version, "accept", as_platform_id=as_platform_id, now=now)


def push(
    engine: Engine,
    actor: Actor,
    case_id: int,
    version: int,
    *,
    to_platform_id: int,
    reason: str,
    as_platform_id: int | None = None,
    now: datetime | None = None,
) -> dict:
    """Push the case to another platform (reason required; answer due in 1 working day)."""
    return _step(
        engine,
        actor,
        case_id,
        version,
        "push",
        text=reason,
        to_platform_id=to_platform_id,
        as_platform_id=as_platform_id,
        now=now,
    )


def receive(
    engine: Engine,
    actor: Actor,
    case_id: int,
    version: int,
    *,
    as_platform_id: int | None = None,
    now: datetime | None = None,
) -> dict:
    """The receiving platform accepts the push and becomes the lead."""
    return _step(engine, actor, case_id, version, "receive", as_platform_id=as_platform_id, now=now)


def bounce(
    engine: Engine,
    actor: Actor,
    case_id: int,
    version: int,
    *,
    reason: str,
    as_platform_id: int | None = None,
    now: datetime | None = None,
) -> dict:
    """The receiving platform bounces the push back to the sender (reason required)."""
    return _step(engine, actor, case_id, version, "bounce", text=reason, as_platform_id=as_platform_id, now=now)


def close(
    engine: Engine,
    actor: Actor,
    case_id: int,
    version: int,
    *,
    result: str,
    as_platform_id: int | None = None,
    now: datetime | None = None,
) -> dict:
    """The lead platform closes the case with its result."""
    return _step(engine, actor, case_id, version, "close", text=result, as_platform_id=as_platform_id, now=now)


def add_note(
    engine: Engine,
    actor: Actor,
    case_id: int,
    version: int,
    *,
    note: str,
    as_platform_id: int | None = None,
    now: datetime | None = None,
) -> dict:
    """A progress note by the lead or an assisting platform (joint cases)."""
    return _step(engine, actor, case_id, version, "note", text=note, as_platform_id=as_platform_id, now=now)


# --------------------------------------------------------------------------- platform records

BUSINESS_MAX, ADDRESS_MAX, FINDING_MAX, LONG_MAX = 100, 200, 2000, 4000
RECTIFY_DAYS_MAX = 90
NOTICE_PREFIX = "ZG"


def _own_platform(s: Session, actor: Actor, code: str, action: str, as_platform_id: int | None) -> Platform:
    """The actor's platform, which must be the ``code`` platform (admin names one)."""
    require(actor, action)
    pid = acting_platform_id(actor, as_platform_id)
    p = s.get(Platform, pid) if pid is not None else None
    if p is None:
        raise ValidationError("请选择办理平台。", field="platform_id")
    if p.code != code:
        raise PermissionDenied(f"该记录由{PLATFORMS.get(code, code)}登记，{p.name}无权办理。")
    return p


def _check_day(day: Any, label: str, field: str, now: datetime) -> date:
    if not isinstance(day, date) or isinstance(day, datetime):
        raise ValidationError(f"请选择{label}。", field=field)
    if day > local_date(now):
        raise ValidationError(f"{label}不能晚于今天。", field=field)
    return day


def _days(value: Any, label: str, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= RECTIFY_DAYS_MAX:
        raise ValidationError(f"{label}须为1至{RECTIFY_DAYS_MAX}天。", field=field)
    return value


def _village_in(s: Session, village_id: Any, platform: Platform) -> Village:
    v = s.get(Village, village_id) if village_id else None
    if v is None:
        raise ValidationError("请选择村（社区）。", field="village_id")
    if v.township_id != platform.township_id:
        raise ValidationError(f"{v.name}不属于{platform.name}所在乡镇。", field="village_id")
    return v


def _village_township(s: Session, village_id: int | None) -> int | None:
    return s.scalar(select(Village.township_id).where(Village.id == village_id)) if village_id else None


def _same_township(township_id: int | None, platform: Platform, label: str) -> None:
    """Refuse a record of another township (or of none: a row the migration could not place)."""
    if township_id is None or township_id != platform.township_id:
        raise PermissionDenied(f"该{label}不属于{platform.name}所在乡镇，无权办理。")


def _load(s: Session, model: type, ident: int, version: int, label: str) -> Any:
    obj = s.get(model, ident)
    if obj is None:
        raise NotFound(f"{label}不存在或已被删除。")
    if obj.version != version:
        raise _conflict(version, obj.version)
    return obj


def _save(s: Session, actor: Actor, obj: Any, version: int, changes: dict, action: str, now: datetime) -> int:
    before = {k: getattr(obj, k) for k in changes}
    new_version = _cas(s, type(obj), obj.id, version, changes, now)
    audit.record(s, actor, action, type(obj).__tablename__, obj.id, before=before, after=changes)
    return new_version


def _create(s: Session, actor: Actor, obj: Any, action: str) -> Any:
    s.add(obj)
    s.flush()
    audit.record(s, actor, action, type(obj).__tablename__, obj.id, after=audit.snapshot(obj))
    return obj


# ---- 市场监管: inspections and rectification notices


def record_inspection(
    engine: Engine,
    actor: Actor,
    *,
    business_name: str,
    address: str,
    kind: str,
    inspected_on: date,
    finding: str | None = None,
    problem: bool = False,
    rectify_days: int | None = None,
    case_id: int | None = None,
    as_platform_id: int | None = None,
    now: datetime | None = None,
) -> dict:
    """An inspection; a problem found issues a 责令限期整改通知书 (number ZG-…, rectify-by date)."""
    now = now_or(now)
    with write_session(engine) as s:
        p = _own_platform(s, actor, "shichang", "platform.records", as_platform_id)
        name = clean_text(business_name, "经营主体名称", max_len=BUSINESS_MAX, required=True, field="business_name")
        addr = clean_text(address, "经营地址", max_len=ADDRESS_MAX, required=True, field="address")
        if kind not in INSPECTION_KINDS:
            raise ValidationError("请选择检查类型（日常检查或双随机抽查）。", field="kind")
        day = _check_day(inspected_on, "检查日期", "inspected_on", now)
        text = clean_text(finding, "检查情况", max_len=FINDING_MAX, required=problem, multiline=True, field="finding")
        values: dict[str, Any] = dict(
            township_id=p.township_id,
            business_name=name,
            address=addr,
            kind=kind,
            inspected_on=day,
            finding=text or "检查未发现问题。",
            status="passed",
            version=1,
            updated_at=now,
        )
        if case_id is not None:
            case = s.get(PlatformCase, case_id)
            if case is None or case.lead_platform_id != p.id:
                raise ValidationError("所关联的案件不存在或不由本平台牵头。", field="case_id")
            values["case_id"] = case.id
        if problem:
            days = _days(rectify_days, "整改期限", "rectify_days")
            values.update(
                status="rectifying",
                notice_number=next_number(s, NOTICE_PREFIX, now),
                rectify_by=day + timedelta(days=days),
            )
        ins = _create(s, actor, Inspection(**values), "inspection.create")
        return {"id": ins.id, "notice_number": ins.notice_number, "version": ins.version}


def reinspect(
    engine: Engine,
    actor: Actor,
    inspection_id: int,
    version: int,
    *,
    reinspected_on: date,
    passed: bool,
    note: str | None = None,
    extra_days: int | None = None,
    as_platform_id: int | None = None,
    now: datetime | None = None,
) -> dict:
    """Re-inspection of a notice: passed closes it; not passed sets a new rectify-by date."""
    now = now_or(now)
    with write_session(engine) as s:
        p = _own_platform(s, actor, "shichang", "platform.records", as_platform_id)
        ins = _load(s, Inspection, inspection_id, version, "检查记录")
        _same_township(ins.township_id, p, "检查记录")
        if ins.status != "rectifying":
            raise ValidationError("只有“限期整改中”的检查记录才能复查。", field="status")
        day = _check_day(reinspected_on, "复查日期", "reinspected_on", now)
        if day < ins.inspected_on:
            raise ValidationError("复查日期不能早于检查日期。", field="reinspected_on")
        text = clean_text(note, "复查情况", max_len=NOTE_MAX, multiline=True, required=not passed, field="note")
        finding = f"{ins.finding or ''}\n复查（{day.isoformat()}）：{text or '整改到位，复查合格。'}"
        changes: dict[str, Any] = {"finding": finding[:FINDING_MAX]}
        if passed:
            changes.update(status="closed", reinspected_on=day)
        else:
            extra = _days(extra_days, "复查不合格的新整改期限", "extra_days")
            changes.update(rectify_by=day + timedelta(days=extra))
        v = _save(s, actor, ins, version, changes, "inspection.reinspect", now)
        return {"id": ins.id, "version": v, "status": changes.get("status", ins.status)}


# ---- 综合执法: reports and arrival on site


def _arrival(reported_at: datetime, arrived_at: Any, now: datetime) -> datetime:
    if not isinstance(arrived_at, datetime):
        raise ValidationError("请填写到场时间。", field="arrived_at")
    arrived_at = now_or(arrived_at)
    if arrived_at < reported_at:
        raise ValidationError("到场时间不能早于接报时间。", field="arrived_at")
    if arrived_at > now:
        raise ValidationError("到场时间不能晚于现在。", field="arrived_at")
    return arrived_at


def record_enforcement(
    engine: Engine,
    actor: Actor,
    *,
    kind: str,
    address: str,
    reported_at: datetime,
    joint: bool = False,
    case_id: int | None = None,
    arrived_at: datetime | None = None,
    as_platform_id: int | None = None,
    now: datetime | None = None,
) -> dict:
    """A report of road occupation, illegal building or pollution (arrival may follow later)."""
    now = now_or(now)
    with write_session(engine) as s:
        p = _own_platform(s, actor, "zhifa", "platform.records", as_platform_id)
        if kind not in ENFORCEMENT_KINDS:
            raise ValidationError("请选择问题类型。", field="kind")
        addr = clean_text(address, "地点", max_len=ADDRESS_MAX, required=True, field="address")
        if not isinstance(reported_at, datetime):
            raise ValidationError("请填写接报时间。", field="reported_at")
        reported_at = now_or(reported_at)
        if reported_at > now:
            raise ValidationError("接报时间不能晚于现在。", field="reported_at")
        if arrived_at is not None:
            arrived_at = _arrival(reported_at, arrived_at, now)
        if case_id is not None:
            case = s.get(PlatformCase, case_id)
            if case is None or case.township_id != p.township_id:
                raise ValidationError("所关联的案件不存在。", field="case_id")
            if case.lead_platform_id != p.id and p.id not in _assists(s, case.id):
                raise PermissionDenied(f"案件{case.number}不由{p.name}牵头或协办，不能关联执法记录。")
        rep = _create(
            s,
            actor,
            EnforcementReport(
                township_id=p.township_id,
                case_id=case_id,
                kind=kind,
                address=addr,
                reported_at=reported_at,
                arrived_at=arrived_at,
                joint=bool(joint),
                version=1,
                updated_at=now,
            ),
            "enforcement.create",
        )
        return {"id": rep.id, "version": rep.version}


def record_arrival(
    engine: Engine,
    actor: Actor,
    report_id: int,
    version: int,
    *,
    arrived_at: datetime,
    as_platform_id: int | None = None,
    now: datetime | None = None,
) -> dict:
    now = now_or(now)
    with write_session(engine) as s:
        p = _own_platform(s, actor, "zhifa", "platform.records", as_platform_id)
        rep = _load(s, EnforcementReport, report_id, version, "执法记录")
        _same_township(rep.township_id, p, "执法记录")
        if rep.arrived_at is not None:
            raise ValidationError("到场时间已登记。", field="arrived_at")
        v = _save(
            s,
            actor,
            rep,
            version,
            {"arrived_at": _arrival(rep.reported_at, arrived_at, now)},
            "enforcement.arrive",
            now,
        )
        return {"id": rep.id, "version": v}


# ---- 便民服务: catalogue and requests


def save_service_item(
    engine: Engine,
    actor: Actor,
    *,
    item_id: int | None = None,
    version: int | None = None,
    code: str,
    name: str,
    department_id: int | None = None,
    agent_point_ok: bool = True,
    active: bool = True,
    as_platform_id: int | None = None,
    now: datetime | None = None,
) -> dict:
    """Add or edit a catalogue item (codes are unique)."""
    now = now_or(now)
    with write_session(engine) as s:
        _own_platform(s, actor, "bianmin", "service_catalogue.manage", as_platform_id)
        code_c = clean_text(code, "事项编码", max_len=20, required=True, field="code")
        name_c = clean_text(name, "事项名称", max_len=80, required=True, field="name")
        if department_id is not None and s.get(Department, department_id) is None:
            raise ValidationError("所选承办部门不存在。", field="department_id")
        clash = s.scalar(select(ServiceItem.id).where(ServiceItem.code == code_c))
        if clash is not None and clash != item_id:
            raise ValidationError(f"事项编码“{code_c}”已被使用。", field="code")
        values = dict(
            code=code_c,
            name=name_c,
            department_id=department_id,
            agent_point_ok=bool(agent_point_ok),
            active=bool(active),
        )
        if item_id is None:
            item = _create(s, actor, ServiceItem(**values, version=1, updated_at=now), "service_item.create")
            return {"id": item.id, "version": 1}
        if version is None:
            raise ValidationError("缺少版本号，请刷新后重新编辑。", field="version")
        item = _load(s, ServiceItem, item_id, version, "服务事项")
        changes = {k: v for k, v in values.items() if getattr(item, k) != v}
        if not changes:
            return {"id": item.id, "version": item.version}
        return {"id": item.id, "version": _save(s, actor, item, version, changes, "service_item.update", now)}


def record_service_request(
    engine: Engine,
    actor: Actor,
    *,
    item_id: int,
    village_id: int,
    applicant_name: str,
    applicant_phone: str | None,
    channel: str,
    for_elderly_or_disabled: bool = False,
    done: bool = False,
    as_platform_id: int | None = None,
    now: datetime | None = None,
) -> dict:
    """A request at the window, a village agent point, or door to door (elderly/disabled only)."""
    now = now_or(now)
    with write_session(engine) as s:
        p = _own_platform(s, actor, "bianmin", "platform.records", as_platform_id)
        item = s.get(ServiceItem, item_id) if item_id else None
        if item is None or not item.active:
            raise ValidationError("请选择有效的服务事项。", field="item_id")
        village = _village_in(s, village_id, p)
        name = clean_text(applicant_name, "申请人姓名", max_len=30, required=True, field="applicant_name")
        phone = normalize_phone(clean_text(applicant_phone, "联系电话", max_len=40, field="applicant_phone"))
        if channel not in SERVICE_CHANNELS:
            raise ValidationError("请选择办理方式。", field="channel")
        if channel == "agent_point" and not item.agent_point_ok:
            raise ValidationError(f"“{item.name}”不能在村代办点办理，请选择窗口办理。", field="channel")
        if channel == "door" and not for_elderly_or_disabled:
            raise ValidationError("上门服务仅面向老年人和残疾人，请勾选“老年人或残疾人”。", field="channel")
        req = _create(
            s,
            actor,
            ServiceRequest(
                item_id=item.id,
                village_id=village.id,
                applicant_name=name,
                applicant_phone=phone,
                channel=channel,
                for_elderly_or_disabled=bool(for_elderly_or_disabled),
                requested_at=now,
                done_at=now if done else None,
                version=1,
                updated_at=now,
            ),
            "service_request.create",
        )
        return {"id": req.id, "version": req.version}


def complete_service_request(
    engine: Engine,
    actor: Actor,
    request_id: int,
    version: int,
    *,
    as_platform_id: int | None = None,
    now: datetime | None = None,
) -> dict:
    now = now_or(now)
    with write_session(engine) as s:
        p = _own_platform(s, actor, "bianmin", "platform.records", as_platform_id)
        req = _load(s, ServiceRequest, request_id, version, "服务申请")
        _same_township(_village_township(s, req.village_id), p, "服务申请")
        if req.done_at is not None:
            raise ValidationError("该申请已办结。", field="done_at")
        return {
            "id": req.id,
            "version": _save(s, actor, req, version, {"done_at": now}, "service_request.complete", now),
        }


# ---- 综治: weekly screening, monthly analysis meeting, floating population


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def record_report_check(
    engine: Engine,
    actor: Actor,
    *,
    village_id: int,
    week_of: date,
    reported: bool,
    issues_found: int = 0,
    issues: str | None = None,
    as_platform_id: int | None = None,
    now: datetime | None = None,
) -> dict:
    """One village's weekly report, screened: reported or not, how many issues, what they are."""
    now = now_or(now)
    with write_session(engine) as s:
        p = _own_platform(s, actor, "zongzhi", "platform.records", as_platform_id)
        village = _village_in(s, village_id, p)
        week = monday_of(_check_day(week_of, "周次", "week_of", now))
        if isinstance(issues_found, bool) or not isinstance(issues_found, int) or not 0 <= issues_found <= 999:
            raise ValidationError("发现问题数须为0至999之间的整数。", field="issues_found")
        if not reported and issues_found:
            raise ValidationError("未上报的村不能登记发现问题。", field="issues_found")
        text = clean_text(
            issues, "问题摘要", max_len=FINDING_MAX, multiline=True, required=issues_found > 0, field="issues"
        )
        if s.scalar(
            select(VillageReportCheck.id).where(
                VillageReportCheck.village_id == village.id, VillageReportCheck.week_start == week
            )
        ):
            raise ValidationError(f"{village.name}{week.isoformat()}当周的筛查已登记。", field="week_of")
        row = _create(
            s,
            actor,
            VillageReportCheck(
                village_id=village.id,
                week_start=week,
                reported=bool(reported),
                issues_found=issues_found,
                issues=text,
                checked_by=actor.user_id or None,
                version=1,
                updated_at=now,
            ),
            "report_check.create",
        )
        return {"id": row.id, "version": row.version, "week_start": week}


def record_meeting(
    engine: Engine,
    actor: Actor,
    *,
    held_on: date,
    attendees: str,
    minutes: str,
    decisions: str | None = None,
    assign: tuple[tuple[int, str], ...] = (),
    as_platform_id: int | None = None,
    now: datetime | None = None,
) -> dict:
    """The monthly analysis meeting; each ``assign`` (platform id, decision) opens a case."""
    now = now_or(now)
    with write_session(engine) as s:
        p = _own_platform(s, actor, "zongzhi", "platform.records", as_platform_id)
        day = _check_day(held_on, "会议日期", "held_on", now)
        att = clean_text(attendees, "参会人员", max_len=500, required=True, field="attendees")
        mins = clean_text(
            minutes, "会议纪要", min_len=5, max_len=LONG_MAX, required=True, multiline=True, field="minutes"
        )
        dec = clean_text(decisions, "会议决定", max_len=LONG_MAX, multiline=True, field="decisions")
        m = _create(
            s,
            actor,
            AnalysisMeeting(
                township_id=p.township_id,
                held_on=day,
                attendees=att,
                minutes=mins,
                decisions=dec,
                recorded_by=actor.user_id or None,
                version=1,
                updated_at=now,
            ),
            "meeting.create",
        )
        numbers = []
        for platform_id, text in assign:
            target = _platform(s, platform_id, "交办平台", "assign")
            if target.township_id != p.township_id:
                raise PermissionDenied(f"{target.name}不属于{p.name}所在乡镇，不能交办。")
            t = clean_text(
                text, "交办事项", min_len=DESCRIPTION_MIN, max_len=DESCRIPTION_MAX, required=True, field="assign"
            )
            case = open_case_in(
                s,
                actor,
                lead_platform_id=platform_id,
                title=t[:30],
                description=f"{day.isoformat()}研判会议交办：{t}",
                source="meeting",
                meeting_id=m.id,
                now=now,
                action="platform.records",
            )
            numbers.append(case.number)
        return {"id": m.id, "version": m.version, "cases": numbers}


def register_floating(
    engine: Engine,
    actor: Actor,
    *,
    village_id: int,
    name: str,
    id_number: str | None,
    phone: str | None,
    origin: str,
    address: str,
    registered_on: date,
    as_platform_id: int | None = None,
    now: datetime | None = None,
) -> dict:
    """A floating-population registration (name, ID number and phone are personal data)."""
    now = now_or(now)
    with write_session(engine) as s:
        p = _own_platform(s, actor, "zongzhi", "platform.records", as_platform_id)
        village = _village_in(s, village_id, p)
        name_c = clean_text(name, "姓名", max_len=30, required=True, field="name")
        # the roster's rule: NFKC (full-width digits read), ASCII [0-9] only, the GB 11643 check
        idn = normalize_id_number(id_number, "身份证号", field="id_number")
        ph = normalize_phone(clean_text(phone, "联系电话", max_len=40, field="phone"))
        org = clean_text(origin, "户籍地（来源地）", max_len=100, required=True, field="origin")
        addr = clean_text(address, "现住址", max_len=ADDRESS_MAX, required=True, field="address")
        day = _check_day(registered_on, "登记日期", "registered_on", now)
        row = _create(
            s,
            actor,
            FloatingResident(
                village_id=village.id,
                name=name_c,
                id_number=idn,
                phone=ph,
                origin=org,
                address=addr,
                registered_on=day,
                version=1,
                updated_at=now,
            ),
            "floating.create",
        )
        return {"id": row.id, "version": row.version}


def floating_left(
    engine: Engine,
    actor: Actor,
    resident_id: int,
    version: int,
    *,
    left_on: date,
    as_platform_id: int | None = None,
    now: datetime | None = None,
) -> dict:
    now = now_or(now)
    with write_session(engine) as s:
        p = _own_platform(s, actor, "zongzhi", "platform.records", as_platform_id)
        row = _load(s, FloatingResident, resident_id, version, "流动人口登记")
        _same_township(_village_township(s, row.village_id), p, "流动人口登记")
        day = _check_day(left_on, "离开日期", "left_on", now)
        if day < row.registered_on:
            raise ValidationError("离开日期不能早于登记日期。", field="left_on")
        if row.left_on is not None:
            raise ValidationError("已登记离开。", field="left_on")
        return {"id": row.id, "version": _save(s, actor, row, version, {"left_on": day}, "floating.left", now)}


def recount_provisional(s: Session, actor: Actor, now: datetime) -> int:
    """Recount the open cases' provisional deadlines (after ``orders.recount_provisional`` in the
    transaction that enters a year's schedule): a case counted from its opening is recounted on
    the calendar as it now stands; a case that took its source order's deadline takes the
    order's recounted one. A timeline entry and an audit record per case."""
    clock = Clock(s)
    cases = s.scalars(
        select(PlatformCase)
        .where(PlatformCase.due_provisional.is_(True), PlatformCase.status != "closed")
        .order_by(PlatformCase.id)
    ).all()
    done = 0
    for case in cases:
        if case.due_workdays:
            due, provisional = clock.deadline(case.created_at, case.due_workdays)
        else:
            order = s.get(WorkOrder, case.source_order_id) if case.source_order_id else None
            if order is None or order.due_at is None:
                continue
            due, provisional = order.due_at, bool(order.due_provisional)
        old = case.due_at
        values = {"due_at": due, "due_provisional": provisional}
        _cas(s, PlatformCase, case.id, case.version, values, now)
        note = (
            "节假日安排已录入，办理期限经重算不变。"
            if due == old
            else f"节假日安排已录入，办理期限由{deadline_text(old)}重算为{deadline_text(due)}。"
        )
        if provisional:
            note += provisional_note(due)
        _event(s, case, actor, None, "recount_deadline", case.status, case.status, now, note=note)
        audit.record(
            s,
            actor,
            "platform_case.recount_deadline",
            "platform_case",
            case.id,
            before={"due_at": old, "due_provisional": True},
            after=values,
        )
        done += 1
    return done
