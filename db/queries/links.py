"""一事一档: what a record is linked to, read from either end of ``record_link``."""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from db.models import GridEvent, MediationCase, PlatformCase, RecordLink, WorkOrder

RECORD_LABELS = {
    "work_order": "工单",
    "grid_event": "网格事件",
    "mediation_case": "纠纷案件",
    "platform_case": "平台案件",
}
LINK_KIND_LABELS = {"source": "来源", "duplicate": "重复件", "related": "关联", "escalated": "上报", "referred": "转办"}

_TARGETS: dict[str, tuple[type[WorkOrder | GridEvent | MediationCase | PlatformCase], InstrumentedAttribute[str]]] = {
    "work_order": (WorkOrder, WorkOrder.title),
    "grid_event": (GridEvent, GridEvent.description),
    "mediation_case": (MediationCase, MediationCase.title),
    "platform_case": (PlatformCase, PlatformCase.title),
}


def linked(s: Session, record_type: str, record_id: int, extra: list[dict] | None = None) -> list[dict]:
    """Every record linked to (``record_type``, ``record_id``) from either end, each as
    ``dict(type, id, kind, direction, linked_at, number, title, status)``; ``direction`` is
    "out" when this record is the link's ``from`` end. ``extra`` items (same keys, without
    number/title/status) are merged in, e.g. an order's duplicates kept in ``duplicate_of_id``."""
    L = RecordLink
    rows = s.execute(
        select(L.from_type, L.from_id, L.to_type, L.to_id, L.kind, L.created_at).where(
            or_(
                and_(L.from_type == record_type, L.from_id == record_id),
                and_(L.to_type == record_type, L.to_id == record_id),
            )
        )
    ).all()
    found: dict[tuple[str, int, str], dict] = {}
    for ft, fid, tt, tid, kind, at in rows:
        outgoing = ft == record_type and fid == record_id
        other = (tt, tid) if outgoing else (ft, fid)
        found.setdefault(
            (other[0], other[1], kind),
            {"type": other[0], "id": other[1], "kind": kind, "direction": "out" if outgoing else "in", "linked_at": at},
        )
    for item in extra or ():
        found.setdefault((item["type"], item["id"], item["kind"]), dict(item))
    by_type: dict[str, set[int]] = {}
    for item in found.values():
        by_type.setdefault(item["type"], set()).add(item["id"])
    info: dict[tuple[str, int], dict] = {}
    for kind, ids in by_type.items():
        target = _TARGETS.get(kind)
        if target is None:
            continue
        model, title = target
        for rid, number, ttl, status in s.execute(
            select(model.id, model.number, title, model.status).where(model.id.in_(ids))
        ):
            info[(kind, rid)] = {"number": number, "title": (ttl or "")[:60], "status": status}
    out = []
    for item in found.values():
        more = info.get((item["type"], item["id"]), {"number": None, "title": None, "status": None})
        out.append({**item, **more})
    out.sort(key=lambda r: (r["type"], r["number"] or ""))
    return out
