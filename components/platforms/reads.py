"""The platforms' cached display reads: one per query of ``db.queries.platforms`` the pages use,
each cached for 30 s and cleared by ``data.invalidate()``."""

from __future__ import annotations

from datetime import datetime

from components import runtime
from db.engine import read_session
from db.queries import platforms as q
from db.queries.platforms import Period

platform = runtime.cached_query(q.platform, ttl=30)
township_platforms = runtime.cached_query(q.township_platforms, ttl=30)
townships = runtime.cached_query(q.townships, ttl=30)


# --------------------------------------------------------------------------- the desk


desk_counts = runtime.cached_query(q.desk_counts, ttl=30)


@runtime.cached(ttl=30)
def handoffs_waiting(platform_id: int, offset: int, limit: int, *, role: str) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.handoffs_waiting(s, platform_id, offset, limit, role=role)


@runtime.cached(ttl=30)
def my_cases(
    platform_id: int, offset: int, limit: int, *, role: str, only_flagged: bool = False
) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.my_cases(s, platform_id, offset, limit, role=role, only_flagged=only_flagged)


@runtime.cached(ttl=30)
def my_orders(platform_id: int, offset: int, limit: int, *, role: str) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.my_orders(s, platform_id, offset, limit, role=role)


case_id_by_number = runtime.cached_query(q.case_id_by_number, ttl=30)


@runtime.cached(ttl=30)
def case_detail(case_id: int, *, role: str) -> dict | None:
    with read_session(runtime.engine()) as s:
        return q.case_detail(s, case_id, role=role)


# --------------------------------------------------------------------------- each platform's records


@runtime.cached(ttl=30)
def inspections(
    township_id: int, offset: int, limit: int, *, role: str, only_open: bool = False
) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.inspections(s, township_id, offset, limit, role=role, only_open=only_open)


@runtime.cached(ttl=30)
def enforcement(township_id: int, offset: int, limit: int, *, only_waiting: bool = False) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.enforcement(s, township_id, offset, limit, only_waiting=only_waiting)


@runtime.cached(ttl=30)
def service_items(offset: int, limit: int, search: str = "") -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.service_items(s, offset, limit, search=search)


active_service_items = runtime.cached_query(q.active_service_items, ttl=30)


@runtime.cached(ttl=30)
def service_requests(
    township_id: int, role: str, offset: int, limit: int, *, only_open: bool = False
) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.service_requests(s, township_id, role, offset, limit, only_open=only_open)


@runtime.cached(ttl=30)
def report_checks(township_id: int, offset: int, limit: int, *, role: str) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.report_checks(s, township_id, offset, limit, role=role)


@runtime.cached(ttl=30)
def meetings(township_id: int, offset: int, limit: int, *, role: str) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.meetings(s, township_id, offset, limit, role=role)


@runtime.cached(ttl=30)
def floating(
    township_id: int, role: str, offset: int, limit: int, *, only_present: bool = True
) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.floating(s, township_id, role, offset, limit, only_present=only_present)


# --------------------------------------------------------------------------- the summary


summary = runtime.cached_query(q.summary, ttl=30)
flows = runtime.cached_query(q.flows, ttl=30)


@runtime.cached(ttl=30)
def case_list(
    p: Period, now: datetime, offset: int, limit: int, *, role: str, code: str | None = None, bucket: str = "all"
) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return q.case_list(s, p, now, offset, limit, role=role, code=code, bucket=bucket)
