"""The mediation ledger's cached display reads (``data.invalidate()`` clears them after a write)."""

from __future__ import annotations

from components import runtime
from db.engine import read_session
from db.models.base import utcnow
from db.permissions import Actor
from db.queries import mediation as mq
from db.queries import reference as ref_q


@runtime.cached(ttl=30)
def ledger(f: mq.LedgerFilter, actor: Actor, offset: int, limit: int, minute: str) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return mq.ledger_page(s, f, actor, utcnow(), offset, limit)


@runtime.cached(ttl=30)
def case(case_id: int, actor: Actor, minute: str) -> dict | None:
    with read_session(runtime.engine()) as s:
        return mq.case_detail(s, actor, case_id, utcnow())


case_id = runtime.cached_query(mq.case_id_by_number, ttl=300)
mediators = runtime.cached_query(mq.mediators_for, ttl=600)
grids = runtime.cached_query(ref_q.grids, ttl=600)
settings = runtime.cached_query(mq.settings, ttl=60)


@runtime.cached(ttl=60)
def screening(month: str, only_missing: bool, role: str, minute: str) -> tuple[dict, list[dict]]:
    with read_session(runtime.engine()) as s:
        now = utcnow()
        return mq.screening_summary(s, month, now), mq.screening_month(
            s, month, now, only_missing=only_missing, role=role
        )


@runtime.cached(ttl=60)
def special(actor: Actor, tag: str | None, overdue: bool, offset: int, limit: int, minute: str):
    with read_session(runtime.engine()) as s:
        return mq.special_groups(s, actor, utcnow(), tag=tag, overdue_only=overdue, offset=offset, limit=limit)


@runtime.cached(ttl=60)
def writable_villages(actor: Actor) -> frozenset[int] | None:
    """The villages the actor may register, screen and visit in (None: all)."""
    with read_session(runtime.engine()) as s:
        return mq.writable_villages(s, actor)


write_scope = runtime.cached_query(mq.write_scope, ttl=60)
stats = runtime.cached_query(mq.resolution_stats, ttl=300)
