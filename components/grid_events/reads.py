"""网格事件: the cached reads behind the list, the event's file, the work logs and the KPIs."""

from __future__ import annotations

from datetime import date, timedelta

from components import runtime
from db.engine import read_session
from db.models.base import utcnow
from db.models.grid_work import GridEvent
from db.permissions import Actor
from db.queries import grid_events as q
from db.queries.grid_events import EventFilter
from db.rules.sla import local_midnight
from db.services import grid_events as svc


@runtime.cached(ttl=15)
def events(f: EventFilter, actor: Actor, offset: int, limit: int, minute: str) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.event_count(s, f, actor), q.event_page_for(s, f, actor, offset, limit)


@runtime.cached(ttl=10)
def _cached_bundle(event_id: int, role: str) -> dict | None:
    with read_session(runtime.engine()) as s:
        d = q.event_detail_for(s, event_id, role)
        if d is None:
            return None
        return {
            "event": d,
            "photos": [p["data"] for p in q.photos(s, event_id)],
            "timeline": q.timeline_for(s, event_id, role),
            "platforms": q.platforms_of(s, d["township_id"]),
        }


def bundle(event_id: int, role: str) -> dict | None:
    """One event with its photos and timeline (cached), and its links with the status of the
    record it was referred to (read fresh: that record is changed by other people and pages)."""
    out = _cached_bundle(event_id, role)
    if out is None:
        return None
    with read_session(runtime.engine()) as s:
        event = s.get(GridEvent, event_id)
        return {**out, "links": q.linked(s, event_id), "linked": svc.linked_record(s, event)}


event_id_by_number = runtime.cached_query(q.event_id_by_number, ttl=30)
own_staff = runtime.cached_query(q.own_staff, ttl=60)
staff_options = runtime.cached_query(q.staff_options, ttl=300)


@runtime.cached(ttl=15)
def logs(staff_id: int, offset: int, limit: int, role: str) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.log_count(s, staff_id), q.logs_for(s, staff_id, role, offset, limit)


log_for = runtime.cached_query(q.log_for, ttl=15)


@runtime.cached(ttl=60)
def workload(village_id: int, first: date, last: date, role: str) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return q.worker_counts_for(s, local_midnight(first), local_midnight(last + timedelta(days=1)), village_id, role)


@runtime.cached(ttl=60)
def kpis(first: date, last: date, by: str, village_id: int | None, role: str) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return q.handling_kpis_for(
            s, local_midnight(first), local_midnight(last + timedelta(days=1)), by, village_id, role
        )


@runtime.cached(ttl=30)
def overdue(role: str, minute: str, limit: int = 5) -> tuple[int, list[dict]]:
    """超期网格事件 now: the count and the most overdue (no personal data in these rows)."""
    with read_session(runtime.engine()) as s:
        now = utcnow()
        return q.now_count(s, "overdue", now), q.overdue_events(s, now, limit)
