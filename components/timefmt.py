"""Time as the console shows it, written once: the local "today", the minute key of the
display caches, a moment and a deadline as text. Everything reads the console's clock
(db/clock.py through ``utcnow``) and counts days in Beijing time."""

from __future__ import annotations

from datetime import date, datetime

from db.models.base import utcnow
from db.rules.sla import deadline_text, to_local


def today() -> date:
    """Today's date in Beijing time."""
    return to_local(utcnow()).date()


def minute_key() -> str:
    """A cache-key argument that changes every minute, so "now"-relative reads refresh."""
    return utcnow().strftime("%Y%m%d%H%M")


def fmt(ts: datetime | date | None, with_time: bool = True) -> str:
    """A stored moment (naive UTC) in Beijing time, ``2026-12-06 09:30``, or a date ``2026-12-06``."""
    if ts is None:
        return "—"
    if isinstance(ts, datetime):
        return f"{to_local(ts):%Y-%m-%d %H:%M}" if with_time else f"{to_local(ts):%Y-%m-%d}"
    return ts.isoformat()


def fmt_short(ts: datetime | date | None) -> str:
    """A moment (naive UTC) or a date for a crowded list: without the year when it is this year
    (``11-01 09:18``), with it otherwise (``2025-11-01 09:18``): a list of dates without a year
    hid that an open item was from last year."""
    if ts is None:
        return "—"
    local = to_local(ts) if isinstance(ts, datetime) else ts
    same_year = local.year == today().year
    if isinstance(local, datetime):
        return f"{local:%m-%d %H:%M}" if same_year else f"{local:%Y-%m-%d %H:%M}"
    return f"{local:%m-%d}" if same_year else f"{local:%Y-%m-%d}"


def fmt_deadline(ts: datetime | None, provisional: bool = False) -> str:
    """A deadline: 24:00 of the last day counted, （暂定） when provisional (db.rules.sla)."""
    return deadline_text(ts, provisional)
