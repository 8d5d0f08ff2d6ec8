"""The console's one clock: every business "now" is read here.

``db.models.base.utcnow`` (used by every service, query wrapper, page and the demo generator)
delegates to :func:`utcnow`. In production it is the system clock. It can be moved, never
silently:

- ``GOV_CLOCK=<ISO datetime>`` in the environment: the process's clock starts at that instant
  the first time it is read and then runs at real speed. A value without a time zone is Beijing
  time. Tests set it so that every subprocess they start (``streamlit run``, ``db.cli``) agrees
  with them; the second-date CI run sets it to other days (Spring Festival, 31 December, the
  first of a month). It is for tests and rehearsals: never set it on a live console.
- :func:`start_at` / :func:`freeze` / :func:`reset` in-process (tests).

Security timers (idle time-out, cookie age, the session epoch) deliberately use the real
``time.time()``: they measure elapsed time against the browser's cookie, not a business date.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

ENV = "GOV_CLOCK"
_LOCAL = ZoneInfo("Asia/Shanghai")
_lock = threading.Lock()
_offset: timedelta | None = None  # added to the system clock; None: not yet initialised
_frozen: datetime | None = None


def _system() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def parse(value: str) -> datetime:
    """An ISO date or datetime -> naive UTC. A value without an offset is Beijing time;
    a bare date means 10:00 Beijing time that day (a working morning)."""
    text = value.strip()
    if not text:
        raise ValueError("empty clock value")
    if len(text) == 10:  # YYYY-MM-DD
        text += "T10:00:00"
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_LOCAL)
    return moment.astimezone(UTC).replace(tzinfo=None)


def _init() -> timedelta:
    global _offset
    with _lock:
        if _offset is None:
            raw = os.environ.get(ENV, "").strip()
            _offset = parse(raw) - _system() if raw else timedelta(0)
        return _offset


def utcnow() -> datetime:
    """Now, as the naive UTC datetime that every timestamp column stores."""
    if _frozen is not None:
        return _frozen
    offset = _offset if _offset is not None else _init()
    return _system() + offset


def is_moved() -> bool:
    """True when the clock is not the system clock (set by GOV_CLOCK or a test)."""
    return _frozen is not None or (_offset if _offset is not None else _init()) != timedelta(0)


def start_at(moment: datetime) -> None:
    """From now on the clock reads ``moment`` (naive UTC) and runs at real speed."""
    global _offset, _frozen
    with _lock:
        _frozen = None
        _offset = moment - _system()


def freeze(moment: datetime) -> None:
    """The clock stands still at ``moment`` (naive UTC) until :func:`reset` or :func:`start_at`."""
    global _frozen
    with _lock:
        _frozen = moment


def reset() -> None:
    """Back to what the environment says (GOV_CLOCK or the system clock), read afresh."""
    global _offset, _frozen
    with _lock:
        _offset, _frozen = None, None


def state() -> tuple[timedelta | None, datetime | None]:
    """The clock's setting, for :func:`restore` (tests put back what they changed)."""
    return _offset, _frozen


def restore(saved: tuple[timedelta | None, datetime | None]) -> None:
    global _offset, _frozen
    with _lock:
        _offset, _frozen = saved


def env_value() -> str:
    """The current instant as a GOV_CLOCK value, for a subprocess that must agree with us."""
    return utcnow().replace(microsecond=0).isoformat() + "+00:00"
