"""The work-order counts "as of now", one definition each with its 口径 (issue #21).

A "now" count answers "how many orders are in this state at this moment" (超期未办结 15); a KPI
metric answers "of the orders received in a period, how many…" (db/queries/kpi.py: 本期受理中超期).
They are different facts and carry different names on screen. Every page, card, list and report
that shows a "now" count takes its condition and its label from here: the leader's home, the
supervision list, the weekly report (section 三 and the carried-over section) and the inbox's
quick links, so the weekly meeting sees one number per fact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from db.models import WorkOrder as W
from db.models.orders import OPEN_STATUSES
from db.rules.sla import CONTACT_HOURS, local_midnight, to_local

OPEN_TEXT = "在办工单（状态为受理、已联系、已派单、办理中的；不含已办结、已回访和已撤销的）"


@dataclass(frozen=True)
class NowCount:
    key: str
    label: str  # as every page shows it
    definition: str  # the 口径, shown as the count's help text
    conditions: Callable[[datetime], tuple[Any, ...]]

    def where(self, now: datetime) -> Any:
        return and_(*self.conditions(now))


def _open() -> Any:
    return W.status.in_(OPEN_STATUSES)


def _overdue(now: datetime) -> tuple[Any, ...]:
    return _open(), W.due_at < now


COUNTS: dict[str, NowCount] = {
    c.key: c
    for c in (
        NowCount("open", "在办工单", f"{OPEN_TEXT}的件数。", lambda now: (_open(),)),
        NowCount(
            "overdue",
            "超期未办结",
            f"{OPEN_TEXT}中已过办理时限（含已批准的延期）的件数；超期即自动进入党委督办。",
            _overdue,
        ),
        NowCount(
            "due_soon",
            "临期工单",
            f"{OPEN_TEXT}中办理时限已用去80%以上、尚未超期的件数。",
            lambda now: (_open(), W.warn_at <= now, W.due_at >= now),
        ),
        NowCount(
            "supervised",
            "督办中",
            f"{OPEN_TEXT}中已列入党委督办（黄色或红色）的件数。",
            lambda now: (_open(), W.supervised.is_(True)),
        ),
        NowCount(
            "overdue_or_supervised",
            "超期或督办",
            f"{OPEN_TEXT}中已超期或已列入督办的件数（督办清单的件数）。",
            lambda now: (_open(), or_(W.due_at < now, W.supervised.is_(True))),
        ),
        # each order's own first-contact deadline: 24 hours unless its category or township set another
        NowCount(
            "contact_overdue",
            "超时未首次联系",
            f"已受理、尚未首次联系群众且已过首次联系时限（一般{CONTACT_HOURS}小时，按类别和乡镇设置）的件数（诉求早回访）。",
            lambda now: (W.status == "received", W.contact_due_at < now),
        ),
        NowCount(
            "to_dispatch",
            "待派单",
            "已受理或已联系、尚未派单的件数。",
            lambda now: (W.status.in_(("received", "contacted")),),
        ),
        NowCount("callback", "待回访", "已办结、等待回访群众满意度的件数。", lambda now: (W.status == "resolved",)),
        NowCount(
            "in_hand", "办理中", "已派单或正在办理的件数。", lambda now: (W.status.in_(("dispatched", "in_progress")),)
        ),
        NowCount(
            "today",
            "今日新受理",
            "今天（北京时间零点起）登记的件数。",
            lambda now: (W.received_at >= local_midnight(to_local(now).date()),),
        ),
    )
}


def where(key: str, now: datetime) -> Any:
    """The SQL condition of the count ``key`` at ``now``."""
    return COUNTS[key].where(now)


def count(s: Session, key: str, now: datetime, *extra: Any) -> int:
    """The count ``key`` at ``now``; ``extra`` narrows it (a platform's own orders, a cohort)."""
    return s.scalar(select(func.count()).select_from(W).where(where(key, now), *extra)) or 0


def counts(s: Session, keys: list[str], now: datetime, *extra: Any) -> dict[str, int]:
    """Several counts (each one query: only those asked for are computed)."""
    return {k: count(s, k, now, *extra) for k in keys}


__all__ = ["COUNTS", "NowCount", "count", "counts", "where"]
