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

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from db.engine import write_session
from db.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from db.models import Platform, Village, WorkOrder
from db.models.platforms import (
    CASE_SOURCES, Handoff, PlatformCase, PlatformCaseAssist, PlatformCaseEvent,
)
from db.permissions import Actor, require
from db.rules import platform_fsm as fsm
from db.services import audit
from db.services.base import CONFLICT_MESSAGE, next_number
from db.services.orders import _Clock, _now, clean_text

DEFAULT_CASE_WORKDAYS = 5
HANDOFF_RESPONSE_WORKDAYS = 1
TITLE_MAX, DESCRIPTION_MIN, DESCRIPTION_MAX = 100, 5, 2000
REASON_MAX, RESULT_MAX, NOTE_MAX = 300, 2000, 500
NUMBER_PREFIX = "PT"

CASE_AUDIT_FIELDS = ["number", "lead_platform_id", "source", "source_order_id", "village_id",
                     "title", "status", "is_joint", "due_at"]


# --------------------------------------------------------------------------- helpers


def _conflict(loaded: int, current: int | None) -> ConflictError:
    return ConflictError(CONFLICT_MESSAGE.format(loaded=loaded, current=current))


def _cas(s: Session, model: type, ident: int, expected: int, values: dict[str, Any],
         now: datetime) -> int:
    res = s.execute(update(model).where(model.id == ident, model.version == expected)
                    .values(**values, version=expected + 1, updated_at=now)
                    .execution_options(synchronize_session=False))
    if res.rowcount != 1:
        current = s.scalar(select(model.version).where(model.id == ident))
        raise _conflict(expected, current)
    return expected + 1


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


def _event(s: Session, case: PlatformCase, actor: Actor, platform_id: int | None, action: str,
           from_status: str | None, to_status: str, now: datetime, note: str | None = None,
           to_platform_id: int | None = None) -> None:
    s.add(PlatformCaseEvent(case_id=case.id, at=now, actor_id=actor.user_id or None,
                            platform_id=platform_id, action=action, from_status=from_status,
                            to_status=to_status, to_platform_id=to_platform_id, note=note))


# --------------------------------------------------------------------------- open


def open_case_in(s: Session, actor: Actor, *, lead_platform_id: int, title: str, description: str,
                 village_id: int | None = None, source: str, source_order_id: int | None = None,
                 assist_platform_ids: tuple[int, ...] = (), due_at: datetime | None = None,
                 now: datetime | None = None, action: str = "platform.handle",
                 meeting_id: int | None = None) -> PlatformCase:
    """Open a case inside the caller's transaction (flushes, never commits).

    ``action`` is the permission checked (``grid_event.refer`` when a grid event is referred).
    A patrol finding opened by an officer of the lead platform starts 办理中; any other case
    starts 待签收 until the lead platform signs for it. Default deadline: the source order's
    deadline, else 5 working days.
    """
    require(actor, action)
    now = _now(now)
    if source not in CASE_SOURCES:
        raise ValidationError("案件来源须为工单派发、巡查发现、平台推送或网格事件之一。", field="source")
    title_c = clean_text(title, "案件标题", max_len=TITLE_MAX, required=True, field="title")
    desc = clean_text(description, "案件描述", min_len=DESCRIPTION_MIN, max_len=DESCRIPTION_MAX,
                      required=True, multiline=True, field="description")
    lead = _platform(s, lead_platform_id, "牵头平台", "lead_platform_id")
    if actor.role == "platform" and lead.id != actor.platform_id and source != "handoff":
        raise PermissionDenied("只能为本平台立案；交其他平台办理请使用“推送”。")
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
    if due_at is not None:
        due_at = _now(due_at)
        if due_at <= now:
            raise ValidationError("办理期限须晚于当前时间。", field="due_at")
    elif order is not None and order.due_at is not None and order.due_at > now:
        due_at = order.due_at
    else:
        due_at = _Clock(s).add(now, DEFAULT_CASE_WORKDAYS)
    status = fsm.initial_status(source, actor.platform_id == lead.id)
    case = PlatformCase(
        number=next_number(s, NUMBER_PREFIX, now), township_id=lead.township_id,
        lead_platform_id=lead.id, source=source, source_order_id=source_order_id,
        village_id=village.id if village else None, title=title_c, description=desc,
        status=status, is_joint=bool(assists), due_at=due_at, created_at=now, bounce_count=0,
        meeting_id=meeting_id, version=1, updated_at=now)
    s.add(case)
    s.flush()
    for pid in assists:
        s.add(PlatformCaseAssist(case_id=case.id, platform_id=pid))
    note = f"来源：{CASE_SOURCES[source]}"
    if assists:
        names = "、".join(s.get(Platform, pid).name for pid in assists)
        note += f"；联合办理，协办：{names}"
    _event(s, case, actor, actor.platform_id, "open", None, status, now, note=note)
    audit.record(s, actor, "platform_case.open", "platform_case", case.id,
                 after={**audit.snapshot(case, CASE_AUDIT_FIELDS), "assists": assists})
    s.flush()
    return case


def open_case(engine: Engine, actor: Actor, **kw: Any) -> dict:
    """``open_case_in`` in its own transaction. Returns ``dict(id, number, version)``."""
    with write_session(engine) as s:
        case = open_case_in(s, actor, **kw)
        return {"id": case.id, "number": case.number, "version": case.version}


# --------------------------------------------------------------------------- transitions


def _load_case(s: Session, case_id: int, version: int) -> PlatformCase:
    case = s.get(PlatformCase, case_id)
    if case is None:
        raise NotFound("案件不存在或已被删除。")
    if case.version != version:
        raise _conflict(version, case.version)
    return case


def _pending_handoff(s: Session, case_id: int) -> Handoff | None:
    return s.scalar(select(Handoff).where(Handoff.case_id == case_id, Handoff.status == "pending")
                    .order_by(Handoff.id.desc()).limit(1))


def _assists(s: Session, case_id: int) -> list[int]:
    return list(s.scalars(select(PlatformCaseAssist.platform_id)
                          .where(PlatformCaseAssist.case_id == case_id)))


def _side_platform(s: Session, actor: Actor, case: PlatformCase, side: str,
                   as_platform_id: int | None, handoff: Handoff | None) -> int:
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


def _step(engine: Engine, actor: Actor, case_id: int, version: int, action: str, *,
          text: str | None = None, to_platform_id: int | None = None,
          as_platform_id: int | None = None, now: datetime | None = None) -> dict:
    now = _now(now)
    with write_session(engine) as s:
        case = _load_case(s, case_id, version)
        row = fsm.transition(case.status, action)
        require(actor, row.permission)
        handoff = _pending_handoff(s, case.id) if row.side == "receiver" else None
        acting = _side_platform(s, actor, case, row.side, as_platform_id, handoff)
        labels = {"push": ("推送理由", REASON_MAX), "bounce": ("退回理由", REASON_MAX),
                  "close": ("办理结果", RESULT_MAX), "note": ("办理记录", NOTE_MAX)}
        label, max_len = labels.get(action, ("备注", NOTE_MAX))
        text = clean_text(text, label, max_len=max_len, required=row.needs_reason,
                          multiline=True, field="text")
        changes: dict[str, Any] = {"status": row.to_status}
        target = None
        if action == "push":
            target = _platform(s, to_platform_id, "接收平台", "to_platform_id")
            if target.id == case.lead_platform_id:
                raise ValidationError("不能推送给本平台，请选择其他平台。", field="to_platform_id")
            if target.township_id != case.township_id:
                raise ValidationError(f"{target.name}不属于案件所在乡镇。", field="to_platform_id")
            s.add(Handoff(case_id=case.id, from_platform_id=case.lead_platform_id,
                          to_platform_id=target.id, pushed_by=actor.user_id or None, pushed_at=now,
                          respond_due_at=_Clock(s).add(now, HANDOFF_RESPONSE_WORKDAYS),
                          status="pending", reason=text, version=1, updated_at=now))
        elif action in ("receive", "bounce"):
            if handoff is None:  # pragma: no cover - a pushed case always has its hand-off
                raise NotFound("该案件没有待接收的推送。")
            _cas(s, Handoff, handoff.id, handoff.version,
                 {"status": fsm.handoff_next(handoff.status, action),
                  "responded_by": actor.user_id or None, "responded_at": now,
                  **({"reason": f"{handoff.reason or ''}｜退回：{text}"[:REASON_MAX]}
                     if action == "bounce" else {})}, now)
            if action == "receive":
                changes["lead_platform_id"] = handoff.to_platform_id
                s.execute(delete(PlatformCaseAssist).where(
                    PlatformCaseAssist.case_id == case.id,
                    PlatformCaseAssist.platform_id == handoff.to_platform_id))
            else:
                changes["bounce_count"] = case.bounce_count + 1
        elif action == "close":
            changes.update(closed_at=now, result=text)
        before = {k: getattr(case, k) for k in changes}
        from_status = case.status
        new_version = _cas(s, PlatformCase, case.id, version, changes, now)
        _event(s, case, actor, acting, action, from_status, row.to_status, now, note=text,
               to_platform_id=target.id if target is not None else None)
        after = dict(changes)
        if text:
            after["text"] = text
        if target is not None:
            after["to_platform_id"] = target.id
        audit.record(s, actor, f"platform_case.{action}", "platform_case", case.id,
                     before=before, after=after)
        return {"id": case.id, "number": case.number, "version": new_version,
                "status": row.to_status}


def accept(engine: Engine, actor: Actor, case_id: int, version: int, *,
           as_platform_id: int | None = None, now: datetime | None = None) -> dict:
    """The lead platform signs for the case (or takes a bounced case back to handle it)."""
    return _step(engine, actor, case_id, version, "accept", as_platform_id=as_platform_id, now=now)


def push(engine: Engine, actor: Actor, case_id: int, version: int, *, to_platform_id: int,
         reason: str, as_platform_id: int | None = None, now: datetime | None = None) -> dict:
    """Push the case to another platform (reason required; answer due in 1 working day)."""
    return _step(engine, actor, case_id, version, "push", text=reason,
                 to_platform_id=to_platform_id, as_platform_id=as_platform_id, now=now)


def receive(engine: Engine, actor: Actor, case_id: int, version: int, *,
            as_platform_id: int | None = None, now: datetime | None = None) -> dict:
    """The receiving platform accepts the push and becomes the lead."""
    return _step(engine, actor, case_id, version, "receive", as_platform_id=as_platform_id, now=now)


def bounce(engine: Engine, actor: Actor, case_id: int, version: int, *, reason: str,
           as_platform_id: int | None = None, now: datetime | None = None) -> dict:
    """The receiving platform bounces the push back to the sender (reason required)."""
    return _step(engine, actor, case_id, version, "bounce", text=reason,
                 as_platform_id=as_platform_id, now=now)


def close(engine: Engine, actor: Actor, case_id: int, version: int, *, result: str,
          as_platform_id: int | None = None, now: datetime | None = None) -> dict:
    """The lead platform closes the case with its result."""
    return _step(engine, actor, case_id, version, "close", text=result,
                 as_platform_id=as_platform_id, now=now)


def add_note(engine: Engine, actor: Actor, case_id: int, version: int, *, note: str,
             as_platform_id: int | None = None, now: datetime | None = None) -> dict:
    """A progress note by the lead or an assisting platform (joint cases)."""
    return _step(engine, actor, case_id, version, "note", text=note,
                 as_platform_id=as_platform_id, now=now)
