"""A state machine given as an explicit transition table (pure: no database).

A row ``(status, action) -> Transition`` says: from this status, this action leads to that
status, and the acting role needs that permission (a key of ``db.permissions.ACTIONS``).
At most one parameter of an action may choose the target (``outcome`` / ``by_outcome``).
``Machine`` checks the table when it is built (every status known, one permission per action,
every action labelled) and answers the questions services and pages ask. The work-order
(db/rules/order_fsm.py) and grid-event (db/rules/event_fsm.py) tables use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from db.errors import InvalidTransition, ValidationError
from db.permissions import allowed


@dataclass(frozen=True)
class Transition:
    to_status: str
    permission: str
    label: str
    # outcome-dependent target: (outcome parameter name, {outcome value: to_status})
    outcome: str | None = None
    by_outcome: Mapping[str, str] = field(default_factory=dict)


class Machine:
    def __init__(
        self,
        *,
        noun: str,
        subject: str,
        statuses: Mapping[str, str],
        action_labels: Mapping[str, str],
        transitions: Mapping[tuple[str, str], Transition],
        event_labels: Mapping[str, str] | None = None,
        outcome_messages: Mapping[str, str] | None = None,
        hidden: frozenset[str] = frozenset(),
    ):
        """``noun`` names the machine in "unknown action" errors (工单), ``subject`` in "cannot
        do this now" errors (工单 / 事件); ``outcome_messages`` is the Chinese message per
        outcome parameter when it is missing; ``hidden`` actions are never offered by
        ``actions_for`` (they happen inside another service, e.g. the intake)."""
        self.noun, self.subject = noun, subject
        self.statuses, self.action_labels, self.transitions = statuses, action_labels, transitions
        self.event_labels = event_labels or action_labels
        self.outcome_messages = outcome_messages or {}
        self.hidden = hidden
        self.permissions: dict[str, str] = {}
        for (status, action), row in transitions.items():
            if self.permissions.setdefault(action, row.permission) != row.permission:
                raise ValueError(f"{noun}: action {action} needs two permissions")
            if (
                status not in statuses
                or row.to_status not in statuses
                or not set(row.by_outcome.values()) <= set(statuses)
            ):
                raise ValueError(f"{noun}: unknown status in {(status, action)}")
        if set(self.permissions) != set(action_labels):
            raise ValueError(f"{noun}: actions and labels differ")

    def status_label(self, status: str | None) -> str:
        return self.statuses.get(status or "", status or "")

    def action_label(self, action: str) -> str:
        return self.event_labels.get(action, action)

    def transition(self, status: str, action: str) -> Transition:
        """The table row for (status, action), or InvalidTransition with a Chinese message."""
        if action not in self.action_labels:
            raise InvalidTransition(f"未知的{self.noun}操作：{action}。")
        row = self.transitions.get((status, action))
        if row is None:
            raise InvalidTransition(
                f"{self.subject}当前状态为“{self.status_label(status)}”，不能执行“{self.action_labels[action]}”。"
            )
        return row

    def next_status(self, status: str, action: str, **outcome: str) -> str:
        """The status after ``action``; an outcome-dependent action needs its parameter."""
        row = self.transition(status, action)
        if row.outcome is None:
            return row.to_status
        value = outcome.get(row.outcome)
        if value is None or value not in row.by_outcome:
            raise ValidationError(self.outcome_messages.get(row.outcome, "请选择办理结果。"), field=row.outcome)
        return row.by_outcome[value]

    def permission_for(self, action: str) -> str:
        if action not in self.permissions:
            raise InvalidTransition(f"未知的{self.noun}操作：{action}。")
        return self.permissions[action]

    def actions_for(self, status: str, role: str) -> list[str]:
        """The actions to offer on a record in ``status`` to ``role`` (table order)."""
        return [
            a
            for (s, a), row in self.transitions.items()
            if s == status and a not in self.hidden and allowed(role, row.permission)
        ]
