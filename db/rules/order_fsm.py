"""The work-order state machine (接诉即办) as one explicit transition table. Pure: no database.

A row of ``TRANSITIONS`` says: from this status, this action leads to that status, and the
acting role needs that permission (a key of ``db.permissions.ACTIONS``). Same-state actions
(extension, supervision, urging) are rows whose target is their own status. The callback is
the only action whose target depends on its outcome: its row lists the target per
satisfaction (``by_outcome``), so re-dispatch after an unsatisfied callback is in the table too.

Services call ``next_status`` before writing; the UI calls ``actions_for`` to offer buttons.
"""

from __future__ import annotations

from types import MappingProxyType

from db.models.orders import OPEN_STATUSES, ORDER_STATUSES
from db.rules.fsm import Machine, Transition

ACTION_LABELS: dict[str, str] = {
    "contact": "首次联系",
    "dispatch": "派单",
    "accept": "签收办理",
    "bounce": "退回",
    "resolve": "办结",
    "callback": "回访",
    "request_extension": "申请延期",
    "decide_extension": "审批延期",
    "cancel": "撤销",
    "supervise": "督办",
    "urge": "催办",
    "answer": "即办答复",
}

# Timeline entries that are not FSM actions (the intake itself), and the demo generator's
# historical event codes, so that every timeline row has a Chinese label.
EVENT_LABELS: dict[str, str] = {
    "receive": "受理登记",
    "recount_deadline": "时限重算",  # a provisional deadline recounted when a year's schedule is entered
    "county_update": "县平台转办",  # imported from, or updated by, the county's 12345 / petition list
    "import": "历史台账导入",  # an order of the township's old ledger (db/services/imports/history.py)
    "assist_accept": "协办签收",  # an assisting department of a 吹哨办 takes its part (db/services/order_assists.py)
    "assist_report": "协办反馈",  # ... and reports on it
    **ACTION_LABELS,
}

# Actions used only inside ``register`` (the intake form), never offered on an existing order.
INTAKE_ONLY = frozenset({"answer"})

EXTENSION_STATUSES = {
    "pending": "待审批",
    "approved": "已批准",
    "refused": "未批准",
    "withdrawn": "已撤回",  # the order left dispatched/in_progress while the request was pending
}


def _t(to: str, permission: str, action: str, **kw) -> Transition:
    return Transition(to, permission, ACTION_LABELS[action], **kw)


_CALLBACK = _t(
    "archived",
    "order.callback",
    "callback",
    outcome="satisfaction",
    by_outcome=MappingProxyType({"satisfied": "archived", "basic": "archived", "unsatisfied": "dispatched"}),
)

TRANSITIONS: dict[tuple[str, str], Transition] = {
    # intake
    ("received", "answer"): _t("archived", "order.create", "answer"),
    ("received", "contact"): _t("contacted", "order.contact", "contact"),
    # dispatch and handling
    ("contacted", "dispatch"): _t("dispatched", "order.dispatch", "dispatch"),
    ("dispatched", "accept"): _t("in_progress", "order.handle", "accept"),
    ("dispatched", "bounce"): _t("contacted", "order.handle", "bounce"),
    ("in_progress", "bounce"): _t("contacted", "order.handle", "bounce"),
    ("in_progress", "resolve"): _t("resolved", "order.handle", "resolve"),
    # callback: satisfied/basic -> archived; unsatisfied -> dispatched again (重新交办)
    ("resolved", "callback"): _CALLBACK,
    # extensions (same state)
    ("dispatched", "request_extension"): _t("dispatched", "order.handle", "request_extension"),
    ("in_progress", "request_extension"): _t("in_progress", "order.handle", "request_extension"),
    ("dispatched", "decide_extension"): _t("dispatched", "order.dispatch", "decide_extension"),
    ("in_progress", "decide_extension"): _t("in_progress", "order.dispatch", "decide_extension"),
    # cancel
    ("received", "cancel"): _t("cancelled", "order.dispatch", "cancel"),
    ("contacted", "cancel"): _t("cancelled", "order.dispatch", "cancel"),
    ("dispatched", "cancel"): _t("cancelled", "order.dispatch", "cancel"),
    ("in_progress", "cancel"): _t("cancelled", "order.dispatch", "cancel"),
    # supervision (same state, any open status)
    **{(s, "supervise"): _t(s, "order.supervise", "supervise") for s in OPEN_STATUSES},
    **{(s, "urge"): _t(s, "order.urge", "urge") for s in OPEN_STATUSES},
}

MACHINE = Machine(
    noun="工单",
    subject="工单",
    statuses=ORDER_STATUSES,
    action_labels=ACTION_LABELS,
    transitions=TRANSITIONS,
    event_labels=EVENT_LABELS,
    hidden=INTAKE_ONLY,
    outcome_messages={"satisfaction": "请选择回访满意度（满意、基本满意或不满意）。"},
)
# every action needs one permission, whatever the status (services check it before loading)
ACTION_PERMISSIONS: dict[str, str] = MACHINE.permissions
status_label = MACHINE.status_label
action_label = MACHINE.action_label
transition = MACHINE.transition
next_status = MACHINE.next_status  # ``callback`` needs ``satisfaction=...``
permission_for = MACHINE.permission_for
actions_for = MACHINE.actions_for


__all__ = [
    "ACTION_LABELS",
    "ACTION_PERMISSIONS",
    "EVENT_LABELS",
    "EXTENSION_STATUSES",
    "INTAKE_ONLY",
    "TRANSITIONS",
    "Transition",
    "action_label",
    "actions_for",
    "next_status",
    "permission_for",
    "status_label",
    "transition",
]
