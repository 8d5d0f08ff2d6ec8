"""KPI page: the cached reads behind the cards, the charts, the drill-down and the overlap."""

from __future__ import annotations

from typing import Any

from components import runtime
from components.timefmt import minute_key
from db.engine import read_session
from db.models.base import utcnow
from db.queries import kpi as kpi_q
from db.queries import overlap as overlap_q

OVERLAP_PAGE = 15


@runtime.cached(ttl=60)
def summary(period: kpi_q.Period, minute: str) -> dict:
    with read_session(runtime.engine()) as s:
        return kpi_q.summary(s, period, utcnow())


@runtime.cached(ttl=60)
def trend(span: kpi_q.Period, grain: str, minute: str) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return kpi_q.trend(s, span, utcnow(), grain)


@runtime.cached(ttl=60)
def compare(period: kpi_q.Period, by: str, minute: str) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return kpi_q.compare(s, period, utcnow(), by)


@runtime.cached(ttl=60)
def others(period: kpi_q.Period, minute: str) -> dict:
    """Dispute resolution, the share resolved in the village and grid events per worker, now
    and in the previous period cut at the same point."""
    with read_session(runtime.engine()) as s:
        return kpi_q.module_summary(s, period, utcnow())


@runtime.cached(ttl=30)
def drill(
    metric: str,
    period: kpi_q.Period,
    by: str | None,
    key: Any,
    part: str,
    bucket: kpi_q.Period | None,
    offset: int,
    limit: int,
    role: str,
    minute: str,
) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return kpi_q.drill_page_for(
            s,
            metric,
            period.since,
            period.until,
            utcnow(),
            role,
            by=by,
            key=key,
            part=part,
            bucket=bucket,
            offset=offset,
            limit=limit,
        )


def overlap_key(period: kpi_q.Period) -> str:
    """The overlap's cache key: a running period's minute (its figures grow), a finished period's
    hour (one pass over a county's records takes about a second; a write in this process clears the
    display caches anyway, ``runtime.cached``)."""
    minute = minute_key()
    return minute if kpi_q.in_progress(period, utcnow()) else minute[:10]


@runtime.cached(ttl=600)
def overlap_summary(period: kpi_q.Period, minute: str) -> dict:
    with read_session(runtime.engine()) as s:
        return overlap_q.summary(s, period.since, period.until, first_page=OVERLAP_PAGE)


@runtime.cached(ttl=600)
def overlap_matters(
    period: kpi_q.Period, combo: tuple | None, sentinel: bool, offset: int, limit: int, minute: str
) -> tuple[int, list[dict]]:
    with read_session(runtime.engine()) as s:
        return overlap_q.matters(
            s, period.since, period.until, combo=combo, sentinel_only=sentinel, offset=offset, limit=limit
        )


@runtime.cached(ttl=600)
def overlap_records(order_ids: tuple, event_ids: tuple, role: str, minute: str) -> list[dict]:
    with read_session(runtime.engine()) as s:
        return overlap_q.matter_records_for(s, role, order_ids, event_ids)
