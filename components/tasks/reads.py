"""The task ledger's cached display reads (``data.invalidate()`` clears them after a write)."""

from __future__ import annotations

from components import runtime
from components.timefmt import today
from db.engine import read_session
from db.queries import tasks as tq


@runtime.cached(ttl=30)
def page_rows(f: tq.TaskFilter, role: str, offset: int, limit: int, minute: str) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return tq.task_page(s, f, today(), role, offset, limit)


@runtime.cached(ttl=30)
def counts(minute: str) -> dict[str, int]:
    with read_session(runtime.engine()) as s:
        return tq.counts(s, today())


@runtime.cached(ttl=30)
def detail(task_id: int, role: str, minute: str) -> dict | None:
    with read_session(runtime.engine()) as s:
        return tq.task_detail(s, role, task_id, today())


@runtime.cached(ttl=120)
def lead_units() -> list[str]:
    with read_session(runtime.engine()) as s:
        return tq.lead_units(s)
