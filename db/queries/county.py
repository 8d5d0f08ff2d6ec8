"""Reads of the county link (issue #23): the transferred orders whose reply is due (changed since
their last reply), and how many."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from db.models import Department, Platform, WorkOrder


def _due():
    W = WorkOrder
    return (
        W.external_source == "12345",
        or_(W.reply_exported_version.is_(None), W.reply_exported_version != W.version),
    )


def pending_replies(s: Session) -> list[dict]:
    """The transferred orders changed since their last reply (oldest change first)."""
    W = WorkOrder
    rows = s.execute(
        select(
            W.id,
            W.number,
            W.external_no,
            W.version,
            W.status,
            W.result,
            W.resolved_at,
            W.callback_at,
            W.satisfaction,
            Department.name.label("department"),
            Platform.name.label("platform"),
        )
        .outerjoin(Department, Department.id == W.department_id)
        .outerjoin(Platform, Platform.id == W.platform_id)
        .where(*_due())
        .order_by(W.updated_at, W.id)
    ).mappings()
    return [dict(r) for r in rows]


def pending_reply_count(s: Session) -> int:
    return s.scalar(select(func.count()).select_from(WorkOrder).where(*_due())) or 0
