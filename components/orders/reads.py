"""The order pages' cached display reads (the desk, the inbox, the supervision list), masked for
the actor's role; ``data.invalidate()`` clears them after a write."""

from __future__ import annotations

from components import runtime
from db.engine import read_session
from db.models.base import utcnow
from db.permissions import Actor
from db.queries import orders as orders_q


@runtime.cached(ttl=20)
def caller_history(phone: str | None, household_id: int | None, address: str | None, role: str) -> dict:
    with read_session(runtime.engine()) as s:
        return orders_q.caller_history(s, phone=phone, household_id=household_id, address=address, role=role)


@runtime.cached(ttl=20)
def duplicates(
    category_id: int | None,
    village_id: int | None,
    grid_id: int | None,
    household_id: int | None,
    address: str | None,
    description: str | None,
    phone: str | None,
) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return orders_q.duplicate_candidates(
            s,
            category_id,
            village_id=village_id,
            grid_id=grid_id,
            household_id=household_id,
            address=address,
            description=description,
            phone=phone,
            now=utcnow(),
        )


@runtime.cached(ttl=15)
def inbox(f, actor: Actor, offset: int, limit: int, minute: str) -> tuple[int, list[dict]]:
    """(count for the filter, one page of rows), masked for the actor's role."""
    now = utcnow()
    with read_session(runtime.engine()) as s:
        total = orders_q.inbox_count(s, f, actor, now)
        rows = orders_q.inbox_page(s, f, actor, now, offset, limit)
    return total, rows


def inbox_export(f, actor: Actor) -> list[dict]:
    """Every row of the filter (up to the export limit), masked; not cached."""
    with read_session(runtime.engine()) as s:
        return orders_q.inbox_export(s, f, actor, utcnow())


@runtime.cached(ttl=10)
def order_bundle(order_id: int, actor: Actor) -> dict | None:
    """One order with its timeline, extension requests, assisting departments and links, masked
    for the actor's role; None when the actor may not open it (another platform's order, an
    order not dispatched to a grid worker's village: ``orders_q.may_read``)."""
    role = actor.role
    with read_session(runtime.engine()) as s:
        detail = orders_q.order_detail(s, order_id, role) if orders_q.may_read(s, actor, order_id) else None
        if detail is None:
            return None
        return {
            "order": detail,
            "timeline": orders_q.timeline(s, order_id, role),
            "extensions": orders_q.extension_requests(s, order_id=order_id),
            "assists": orders_q.assists(s, order_id, role),
            "links": orders_q.linked_records(s, order_id),
        }


order_id_by_number = runtime.cached_query(orders_q.id_by_number, ttl=30)


@runtime.cached(ttl=15)
def supervision(offset: int, limit: int, minute: str, role: str) -> tuple[int, list[dict]]:
    now = utcnow()
    with read_session(runtime.engine()) as s:
        return orders_q.supervision_count(s, now), orders_q.supervision_list(s, now, limit, offset, role=role)
