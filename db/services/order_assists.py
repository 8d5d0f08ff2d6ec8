"""The assisting departments of a 吹哨办 order (issue #21, item 5): each accepts its part (签收)
and reports on it (反馈); the lead department closes the order once every part has reported
(``orders.resolve`` refuses before). Sent back or cancelled with the order, the open parts are
withdrawn (``orders.bounce`` / ``orders.cancel``).

Each step is version-checked on its part, leaves a line in the order's timeline (the order itself
is not changed: the lead's form does not go stale when a part reports) and an audit record.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.engine import write_session
from db.errors import InvalidTransition, NotFound, PermissionDenied
from db.models import Department, OrderAssist, WorkOrder, WorkOrderEvent
from db.models.orders import ASSIST_OPEN, ASSIST_STATUSES, OPEN_STATUSES
from db.permissions import Actor, require
from db.rules.text import clean_text
from db.services import audit
from db.services.base import cas, now_or

REPORT_MIN, REPORT_MAX = 2, 1000


def _load(
    s: Session, actor: Actor, assist_id: int, version: int, step: str, allowed: tuple[str, ...]
) -> tuple[OrderAssist, WorkOrder, str]:
    """The part (its platform checked against an officer's), its order (open) and the
    department's name; ``step`` (签收 / 反馈) refused unless the part is in one of ``allowed``."""
    part = s.get(OrderAssist, assist_id)
    order = s.get(WorkOrder, part.order_id) if part is not None else None
    if part is None or order is None:
        raise NotFound("协办任务不存在或已被删除。")
    if actor.role == "platform" and actor.platform_id != part.platform_id:
        raise PermissionDenied(f"工单{order.number}的这项协办不属于您所在的平台，无权办理。")
    department = s.get(Department, part.department_id)
    name = department.name if department else "协办部门"
    if order.status not in OPEN_STATUSES:
        raise InvalidTransition(f"工单{order.number}已不在办理中，协办无需再{step}。")
    if part.version == version and part.status not in allowed:
        raise InvalidTransition(f"{name}的协办当前为“{ASSIST_STATUSES.get(part.status, part.status)}”，不能{step}。")
    return part, order, name


def _step(
    s: Session,
    actor: Actor,
    part: OrderAssist,
    order: WorkOrder,
    version: int,
    action: str,
    changes: dict,
    note: str,
    now: datetime,
) -> dict:
    before = {k: getattr(part, k) for k in changes}
    new_version = cas(s, OrderAssist, part.id, version, changes, now)
    s.add(
        WorkOrderEvent(
            order_id=order.id,
            at=now,
            actor_id=actor.user_id or None,
            action=action,
            from_status=order.status,
            to_status=order.status,
            note=note,
            data={"assist_id": part.id, "department_id": part.department_id},
        )
    )
    audit.record(
        s, actor, f"order.{action}", "order_assist", part.id, before=before, after={**changes, "order_id": order.id}
    )
    return {
        "id": part.id,
        "order_id": order.id,
        "number": order.number,
        "version": new_version,
        "status": changes["status"],
    }


def accept(
    engine: Engine, actor: Actor, assist_id: int, version: int, note: str | None = None, now: datetime | None = None
) -> dict:
    """协办签收: the assisting department takes its part."""
    require(actor, "order.assist")
    now = now_or(now)
    note = clean_text(note, "签收说明", max_len=300, field="note")
    with write_session(engine) as s:
        part, order, name = _load(s, actor, assist_id, version, "签收", ("assigned",))
        text = f"{name}签收协办。" + (note or "")
        return _step(
            s,
            actor,
            part,
            order,
            version,
            "assist_accept",
            {"status": "accepted", "accepted_at": now, "accepted_by": actor.user_id or None},
            text,
            now,
        )


def report(engine: Engine, actor: Actor, assist_id: int, version: int, text: str, now: datetime | None = None) -> dict:
    """协办反馈: the assisting department reports what it did (its part is done). A part not yet
    accepted is accepted by the same step."""
    require(actor, "order.assist")
    now = now_or(now)
    text = clean_text(
        text, "协办反馈", min_len=REPORT_MIN, max_len=REPORT_MAX, required=True, multiline=True, field="report"
    )
    with write_session(engine) as s:
        part, order, name = _load(s, actor, assist_id, version, "反馈", ASSIST_OPEN)
        changes = {"status": "reported", "reported_at": now, "reported_by": actor.user_id or None, "report": text}
        if part.accepted_at is None:
            changes.update(accepted_at=now, accepted_by=actor.user_id or None)
        return _step(s, actor, part, order, version, "assist_report", changes, f"{name}协办反馈：{text}", now)


__all__ = ["accept", "report"]
