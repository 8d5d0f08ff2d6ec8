"""The platform-case and hand-off state machines as explicit transition tables. Pure.

A case has one *lead* platform (the holder). Statuses (``db.models.platforms``):

    pending  待签收  opened for the lead platform, which has not signed for it yet
    accepted 办理中  the lead platform is handling it (assisting platforms may add notes)
    pushed   移交中  the holder pushed it to another platform and waits for its answer
    bounced  已退回  the receiver bounced the push; the case is back with the sender
    closed   已办结  terminal

Actions and who takes them (the *side* is checked by the service against the actor's platform):

    accept   lead      the lead signs for the case (also: takes a bounced case back to handle)
    push     lead      to another platform, reason required; opens a hand-off (1 working day)
    receive  receiver  the receiver accepts the push and becomes the lead
    bounce   receiver  reason required; the case returns to the sender (bounce_count + 1)
    close    lead      with a result
    note     lead or assisting platform: a progress note, no change of status

A hand-off is ``pending`` until the receiver answers it: ``receive`` → ``accepted``,
``bounce`` → ``bounced``. A case bounced more than once (``bounce_count`` > 1) is flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.errors import InvalidTransition
from db.permissions import allowed

CASE_STATUS_LABELS = {
    "pending": "待签收",
    "accepted": "办理中",
    "pushed": "移交中",
    "bounced": "已退回",
    "closed": "已办结",
}
ACTION_LABELS = {
    "open": "立案登记",
    "accept": "签收办理",
    "push": "推送其他平台",
    "receive": "接收推送",
    "bounce": "退回推送",
    "close": "办结",
    "note": "办理记录",
}
# timeline entries that are not actions a user takes
EVENT_LABELS = {**ACTION_LABELS, "recount_deadline": "期限重算"}
SIDES = {"lead": "牵头平台", "receiver": "接收平台", "participant": "牵头或协办平台"}
FLAG_BOUNCES = 2  # bounced more than once


@dataclass(frozen=True)
class Transition:
    to_status: str
    permission: str
    side: str  # lead / receiver / participant
    needs_reason: bool = False


CASE_TRANSITIONS: dict[tuple[str, str], Transition] = {
    ("pending", "accept"): Transition("accepted", "platform.handle", "lead"),
    ("pending", "push"): Transition("pushed", "platform.push", "lead", needs_reason=True),
    ("accepted", "push"): Transition("pushed", "platform.push", "lead", needs_reason=True),
    ("accepted", "close"): Transition("closed", "platform.handle", "lead", needs_reason=True),
    ("accepted", "note"): Transition("accepted", "platform.handle", "participant", needs_reason=True),
    ("pushed", "receive"): Transition("accepted", "platform.handle", "receiver"),
    ("pushed", "bounce"): Transition("bounced", "platform.handle", "receiver", needs_reason=True),
    ("bounced", "accept"): Transition("accepted", "platform.handle", "lead"),
    ("bounced", "push"): Transition("pushed", "platform.push", "lead", needs_reason=True),
}
CASE_STATUSES = tuple(CASE_STATUS_LABELS)
CASE_ACTIONS = tuple(a for a in ACTION_LABELS if a != "open")

HANDOFF_STATUS_LABELS = {"pending": "待接收", "accepted": "已接收", "bounced": "已退回"}
HANDOFF_TRANSITIONS: dict[tuple[str, str], str] = {
    ("pending", "receive"): "accepted",
    ("pending", "bounce"): "bounced",
}
HANDOFF_ACTIONS = ("receive", "bounce")


def transition(status: str, action: str) -> Transition:
    """The row for ``(status, action)`` or InvalidTransition with a Chinese message."""
    row = CASE_TRANSITIONS.get((status, action))
    if row is None:
        raise InvalidTransition(
            f"案件当前状态为“{CASE_STATUS_LABELS.get(status, status)}”，不能执行“{ACTION_LABELS.get(action, action)}”。"
        )
    return row


def next_status(status: str, action: str) -> str:
    return transition(status, action).to_status


def handoff_next(status: str, action: str) -> str:
    to = HANDOFF_TRANSITIONS.get((status, action))
    if to is None:
        raise InvalidTransition(
            f"该推送已{HANDOFF_STATUS_LABELS.get(status, status)}，不能再{ACTION_LABELS.get(action, action)}。"
        )
    return to


def initial_status(source: str, opened_by_lead: bool) -> str:
    """A case its own platform found on patrol is handled at once; anything else waits for the lead."""
    return "accepted" if source == "patrol" and opened_by_lead else "pending"


def sides(*, is_lead: bool, is_receiver: bool, is_assist: bool) -> frozenset[str]:
    out = set()
    if is_lead:
        out |= {"lead", "participant"}
    if is_assist:
        out.add("participant")
    if is_receiver:
        out.add("receiver")
    return frozenset(out)


def actions_for(status: str, role: str, my_sides: frozenset[str]) -> list[str]:
    """The actions a user on these sides of the case may take now (buttons in the UI)."""
    return [
        a
        for (st, a), row in CASE_TRANSITIONS.items()
        if st == status and allowed(role, row.permission) and row.side in my_sides
    ]


def is_flagged(bounce_count: int) -> bool:
    return bounce_count >= FLAG_BOUNCES
