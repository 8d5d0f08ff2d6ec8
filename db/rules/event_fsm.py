"""The grid-event loop as one explicit transition table. Pure: no database.

网格吹哨 → 分级转办 → 响应处置 → 核查反馈 → 考核评价 → 事件归档, over ``EVENT_STATUSES``:

    reported --handle_on_spot--> handling      (就地处置: what was done is recorded at once)
    reported --refer-----------> referred      (转工单 / 转调解 / 转平台, linked both ways)
    referred --mark_handled----> handling      (the linked record is closed: handling recorded)
    handling --mark_handled----> handling      (an event already in hand, handling recorded)
    handling --verify----------> verified      (核查通过: the grid worker checked on site)
    handling --verify----------> handling      (核查未通过: handling must be recorded again)
    verified --evaluate--------> evaluated     (评价: rating and comment)
    evaluated --archive--------> archived      (归档)

``handling`` means the matter is being handled; once ``handled_at`` is set it awaits
verification (the services check that guard, which needs the record, not only its status).
Verification is the only action whose target depends on its outcome (``passed``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from db.errors import InvalidTransition, ValidationError
from db.models.grid_work import EVENT_STATUSES
from db.permissions import allowed

ACTION_LABELS: dict[str, str] = {
    "handle_on_spot": "就地处置",
    "refer": "分级转办",
    "mark_handled": "记录处置结果",
    "verify": "核查反馈",
    "evaluate": "考核评价",
    "archive": "归档",
}
# timeline rows that are not FSM actions
EVENT_LABELS: dict[str, str] = {"report": "网格上报", **ACTION_LABELS}

VERIFY_OUTCOMES = {"passed": "核查通过", "failed": "核查未通过，重新处置"}


@dataclass(frozen=True)
class Transition:
    to_status: str
    permission: str
    label: str
    outcome: str | None = None
    by_outcome: Mapping[str, str] = field(default_factory=dict)


def _t(to: str, permission: str, action: str, **kw) -> Transition:
    return Transition(to, permission, ACTION_LABELS[action], **kw)


TRANSITIONS: dict[tuple[str, str], Transition] = {
    ("reported", "handle_on_spot"): _t("handling", "grid_event.refer", "handle_on_spot"),
    ("reported", "refer"): _t("referred", "grid_event.refer", "refer"),
    ("referred", "mark_handled"): _t("handling", "grid_event.refer", "mark_handled"),
    ("handling", "mark_handled"): _t("handling", "grid_event.refer", "mark_handled"),
    ("handling", "verify"): _t("verified", "grid_event.verify", "verify", outcome="passed",
                               by_outcome=MappingProxyType({"passed": "verified",
                                                            "failed": "handling"})),
    ("verified", "evaluate"): _t("evaluated", "grid_event.evaluate", "evaluate"),
    ("evaluated", "archive"): _t("archived", "grid_event.evaluate", "archive"),
}

ACTION_PERMISSIONS: dict[str, str] = {}
for (_status, _action), _tr in TRANSITIONS.items():
    assert ACTION_PERMISSIONS.setdefault(_action, _tr.permission) == _tr.permission, _action
    assert _status in EVENT_STATUSES and _tr.to_status in EVENT_STATUSES
    assert set(_tr.by_outcome.values()) <= set(EVENT_STATUSES)
assert set(ACTION_PERMISSIONS) == set(ACTION_LABELS)

OPEN_STATUSES = tuple(s for s in EVENT_STATUSES if s != "archived")


def status_label(status: str | None) -> str:
    return EVENT_STATUSES.get(status or "", status or "")


def action_label(action: str) -> str:
    return EVENT_LABELS.get(action, action)


def transition(status: str, action: str) -> Transition:
    """The table row for (status, action), or InvalidTransition with a Chinese message."""
    if action not in ACTION_LABELS:
        raise InvalidTransition(f"未知的网格事件操作：{action}。")
    row = TRANSITIONS.get((status, action))
    if row is None:
        raise InvalidTransition(
            f"事件当前状态为“{status_label(status)}”，不能执行“{ACTION_LABELS[action]}”。")
    return row


def next_status(status: str, action: str, **outcome: str) -> str:
    """The status after ``action``; ``verify`` needs ``passed="passed"|"failed"``."""
    row = transition(status, action)
    if row.outcome is None:
        return row.to_status
    value = outcome.get(row.outcome)
    if value not in row.by_outcome:
        raise ValidationError("请选择核查结果（核查通过或未通过）。", field=row.outcome)
    return row.by_outcome[value]


def permission_for(action: str) -> str:
    if action not in ACTION_PERMISSIONS:
        raise InvalidTransition(f"未知的网格事件操作：{action}。")
    return ACTION_PERMISSIONS[action]


def actions_for(status: str, role: str) -> list[str]:
    """The actions to offer on an event in ``status`` to ``role`` (table order)."""
    return [a for (s, a), row in TRANSITIONS.items() if s == status and allowed(role, row.permission)]


__all__ = [
    "ACTION_LABELS", "ACTION_PERMISSIONS", "EVENT_LABELS", "OPEN_STATUSES", "TRANSITIONS",
    "VERIFY_OUTCOMES", "Transition", "action_label", "actions_for", "next_status",
    "permission_for", "status_label", "transition",
]
