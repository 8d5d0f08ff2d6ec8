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

from types import MappingProxyType

from db.models.grid_work import EVENT_STATUSES
from db.rules.fsm import Machine, Transition

ACTION_LABELS: dict[str, str] = {
    "handle_on_spot": "就地处置",
    "refer": "分级转办",
    "mark_handled": "记录处置结果",
    "verify": "核查反馈",
    "evaluate": "考核评价",
    "archive": "归档",
}
# timeline rows that are not FSM actions
EVENT_LABELS: dict[str, str] = {"report": "网格上报", **ACTION_LABELS, "recount_deadline": "时限重算"}

VERIFY_OUTCOMES = {"passed": "核查通过", "failed": "核查未通过，重新处置"}


def _t(to: str, permission: str, action: str, **kw) -> Transition:
    return Transition(to, permission, ACTION_LABELS[action], **kw)


TRANSITIONS: dict[tuple[str, str], Transition] = {
    ("reported", "handle_on_spot"): _t("handling", "grid_event.refer", "handle_on_spot"),
    ("reported", "refer"): _t("referred", "grid_event.refer", "refer"),
    ("referred", "mark_handled"): _t("handling", "grid_event.refer", "mark_handled"),
    ("handling", "mark_handled"): _t("handling", "grid_event.refer", "mark_handled"),
    ("handling", "verify"): _t(
        "verified",
        "grid_event.verify",
        "verify",
        outcome="passed",
        by_outcome=MappingProxyType({"passed": "verified", "failed": "handling"}),
    ),
    ("verified", "evaluate"): _t("evaluated", "grid_event.evaluate", "evaluate"),
    ("evaluated", "archive"): _t("archived", "grid_event.evaluate", "archive"),
}

MACHINE = Machine(
    noun="网格事件",
    subject="事件",
    statuses=EVENT_STATUSES,
    action_labels=ACTION_LABELS,
    transitions=TRANSITIONS,
    event_labels=EVENT_LABELS,
    outcome_messages={"passed": "请选择核查结果（核查通过或未通过）。"},
)
ACTION_PERMISSIONS: dict[str, str] = MACHINE.permissions

OPEN_STATUSES = tuple(s for s in EVENT_STATUSES if s != "archived")
# The handling clock (docs/grid_events.md "The clock"): an event is closed (办结) once its handling
# has passed the on-site check, 核查通过, i.e. from 已核查 on (评价 and 归档 are the office's own
# steps after the matter is dealt with); until then its clock runs (未结, the grid's home card).
CLOSED_STATUSES = ("verified", "evaluated", "archived")
UNCLOSED_STATUSES = tuple(s for s in EVENT_STATUSES if s not in CLOSED_STATUSES)

status_label = MACHINE.status_label
action_label = MACHINE.action_label
transition = MACHINE.transition
next_status = MACHINE.next_status  # ``verify`` needs ``passed="passed"|"failed"``
permission_for = MACHINE.permission_for
actions_for = MACHINE.actions_for


__all__ = [
    "ACTION_LABELS",
    "ACTION_PERMISSIONS",
    "CLOSED_STATUSES",
    "EVENT_LABELS",
    "OPEN_STATUSES",
    "TRANSITIONS",
    "UNCLOSED_STATUSES",
    "VERIFY_OUTCOMES",
    "Transition",
    "action_label",
    "actions_for",
    "next_status",
    "permission_for",
    "status_label",
    "transition",
]
