"""The mediation case's state machine and the four-step rules, as data and pure functions.

Statuses (``db.models.mediation.CASE_STATUSES``)::

    open ──step──▶ mediating ──step──▶ mediating … (steps 1→2→3→4, one at a time, in order)
      │               │
      └──agree──▶ agreed ◀──agree──┘         (any step may end in agreement)
                    │  followup (the visit, on or after followup_due_on)
                    └──close──▶ closed       (销号: needs the outcome and that visit)
    agreed / closed ──reopen──▶ mediating     (reopen_count + 1; continues with the next step)
    open / mediating ──escalate──▶ same status, level village → township (once)
    open / mediating ──litigation / petition──▶ litigation / petition (final)

Step order: the next step is always ``current_step + 1``; no step may be skipped and none
repeated, with one exception: a case escalated to the township after its village had already
held step 4 may hold step 4 (村民评议定案) once more at township level. After step 4 without
agreement the case cannot take another step: it must be escalated, go to court or become a
petition (``exit_required``).
"""

from __future__ import annotations

from db.errors import InvalidTransition
from db.models.mediation import MEDIATION_STEPS

STEP_COUNT = 4

ACTION_LABELS = {
    "step": "记录调解步骤",
    "agree": "达成协议",
    "escalate": "升级至乡级",
    "litigation": "转诉讼",
    "petition": "转信访",
    "followup": "登记回访",
    "close": "销号",
    "reopen": "重新启调",
}

# status -> action -> status after. Anything not listed is refused.
TRANSITIONS: dict[str, dict[str, str]] = {
    "open": {
        "step": "mediating",
        "agree": "agreed",
        "escalate": "open",
        "litigation": "litigation",
        "petition": "petition",
    },
    "mediating": {
        "step": "mediating",
        "agree": "agreed",
        "escalate": "mediating",
        "litigation": "litigation",
        "petition": "petition",
    },
    "agreed": {"followup": "agreed", "close": "closed", "reopen": "mediating"},
    "closed": {"reopen": "mediating"},
    "litigation": {},
    "petition": {},
}

OPEN_STATUSES = ("open", "mediating", "agreed")  # not yet closed (in the ledger's "在调")
ACTIVE_STATUSES = ("open", "mediating")  # mediation still going on
# 已化解 (the KPIs): agreed OR closed — an agreement counts at once, not only after the
# close-out (销号); a reopened case (back to mediating) counts again only when agreed again
RESOLVED_STATUSES = ("agreed", "closed")
FINAL_STATUSES = ("litigation", "petition")

STATUS_LABELS = {
    "open": "待调解",
    "mediating": "调解中",
    "agreed": "已达成协议",
    "closed": "已销号",
    "litigation": "已诉讼",
    "petition": "已信访",
}


def allowed_actions(status: str) -> list[str]:
    """Actions the status allows (before the guards below)."""
    return list(TRANSITIONS.get(status, {}))


def next_status(status: str, action: str) -> str:
    """The status after ``action``; InvalidTransition (Chinese) when the table does not allow it."""
    try:
        return TRANSITIONS[status][action]
    except KeyError:
        label = ACTION_LABELS.get(action, action)
        shown = STATUS_LABELS.get(status, status)
        raise InvalidTransition(f"案件当前状态为“{shown}”，不能执行“{label}”。") from None


def next_step(current_step: int, escalated: bool = False, township_step4_held: bool = False) -> int | None:
    """The only step that may be recorded next, or None when no further step is allowed.

    ``escalated``: the case is at township level by escalation; ``township_step4_held``: a
    step 4 was recorded after the escalation.
    """
    if current_step < 0 or current_step > STEP_COUNT:
        raise ValueError(f"current_step out of range: {current_step}")
    if current_step < STEP_COUNT:
        return current_step + 1
    if escalated and not township_step4_held:
        return STEP_COUNT
    return None


def check_step(step_no: int, current_step: int, escalated: bool = False, township_step4_held: bool = False) -> None:
    """Refuse a step out of order (Chinese message)."""
    expected = next_step(current_step, escalated, township_step4_held)
    if expected is None:
        raise InvalidTransition("四步调解已全部进行且未达成协议，请升级至乡级、转诉讼或转信访。")
    if step_no != expected:
        raise InvalidTransition(
            f"调解须按顺序进行：下一步应为第{expected}步“{MEDIATION_STEPS[expected]}”，不能记录第{step_no}步。"
        )


def exit_required(status: str, current_step: int, escalated: bool = False, township_step4_held: bool = False) -> bool:
    """True when a mediating case has no step left: it must escalate, go to court or petition."""
    return status in ACTIVE_STATUSES and next_step(current_step, escalated, township_step4_held) is None


def can_escalate(status: str, level: str) -> bool:
    return "escalate" in TRANSITIONS.get(status, {}) and level == "village"


def available_actions(
    status: str, level: str, current_step: int, escalated: bool = False, township_step4_held: bool = False
) -> list[str]:
    """The actions the case allows right now (table + guards), for the UI's buttons."""
    out = []
    for action in allowed_actions(status):
        if action in ("step", "agree") and next_step(current_step, escalated, township_step4_held) is None:
            continue
        if action == "escalate" and level != "village":
            continue
        out.append(action)
    return out
