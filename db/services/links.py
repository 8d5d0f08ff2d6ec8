"""一事一档: two-way links between records of any kind, written inside the caller's transaction."""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from db.models import RecordLink

RECORD_TYPES = ("work_order", "grid_event", "mediation_case", "platform_case")
LINK_KINDS = ("source", "duplicate", "related", "escalated", "referred")


def link(s: Session, from_type: str, from_id: int, to_type: str, to_id: int, kind: str) -> RecordLink:
    """Link two records once (the same pair and kind, in either direction, is not stored twice).

    Convention: ``from`` is the newer record, ``to`` what it came from (kind ``source``), so a
    work order made from a grid event is ``work_order -> grid_event``.
    """
    if from_type not in RECORD_TYPES or to_type not in RECORD_TYPES:
        raise ValueError(f"unknown record type: {from_type} / {to_type}")
    if kind not in LINK_KINDS:
        raise ValueError(f"unknown link kind: {kind}")
    L = RecordLink
    existing = s.scalar(
        select(L).where(
            L.kind == kind,
            or_(
                and_(L.from_type == from_type, L.from_id == from_id, L.to_type == to_type, L.to_id == to_id),
                and_(L.from_type == to_type, L.from_id == to_id, L.to_type == from_type, L.to_id == from_id),
            ),
        )
    )
    if existing is not None:
        return existing
    row = RecordLink(from_type=from_type, from_id=from_id, to_type=to_type, to_id=to_id, kind=kind)
    s.add(row)
    s.flush()
    return row
