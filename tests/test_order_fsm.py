"""The work-order state machine: every status x every action, and what each role is offered."""

import pytest

from db.errors import InvalidTransition, ValidationError
from db.models.orders import OPEN_STATUSES, ORDER_STATUSES, SATISFACTION
from db.permissions import ACTIONS, ALL_ROLES
from db.rules import order_fsm
from db.rules.order_fsm import ACTION_LABELS, TRANSITIONS, actions_for, next_status

# The expected table, written out independently of the module: (status, action) -> target.
EXPECTED = {
    ("received", "answer"): "archived",
    ("received", "contact"): "contacted",
    ("contacted", "dispatch"): "dispatched",
    ("dispatched", "accept"): "in_progress",
    ("dispatched", "bounce"): "contacted",
    ("in_progress", "bounce"): "contacted",
    ("in_progress", "resolve"): "resolved",
    ("resolved", "callback"): "archived",  # satisfied / basic
    ("dispatched", "request_extension"): "dispatched",
    ("in_progress", "request_extension"): "in_progress",
    ("dispatched", "decide_extension"): "dispatched",
    ("in_progress", "decide_extension"): "in_progress",
    ("received", "cancel"): "cancelled",
    ("contacted", "cancel"): "cancelled",
    ("dispatched", "cancel"): "cancelled",
    ("in_progress", "cancel"): "cancelled",
    **{(s, "supervise"): s for s in OPEN_STATUSES},
    **{(s, "urge"): s for s in OPEN_STATUSES},
}
PERMISSION = {
    "contact": "order.contact",
    "dispatch": "order.dispatch",
    "accept": "order.handle",
    "bounce": "order.handle",
    "resolve": "order.handle",
    "callback": "order.callback",
    "request_extension": "order.handle",
    "decide_extension": "order.dispatch",
    "cancel": "order.dispatch",
    "supervise": "order.supervise",
    "urge": "order.urge",
    "answer": "order.create",
}


def test_table_is_exactly_the_expected_one():
    assert set(TRANSITIONS) == set(EXPECTED)
    for key, row in TRANSITIONS.items():
        assert row.to_status == EXPECTED[key]
        assert row.permission == PERMISSION[key[1]]
        assert row.permission in ACTIONS
        assert row.label == ACTION_LABELS[key[1]]


@pytest.mark.parametrize("status", list(ORDER_STATUSES))
@pytest.mark.parametrize("action", list(ACTION_LABELS))
def test_every_status_and_action(status, action):
    outcome = {"satisfaction": "satisfied"} if action == "callback" else {}
    if (status, action) in EXPECTED:
        assert next_status(status, action, **outcome) == EXPECTED[(status, action)]
    else:
        with pytest.raises(InvalidTransition) as exc:
            next_status(status, action, **outcome)
        msg = str(exc.value)
        assert msg == (f"工单当前状态为“{ORDER_STATUSES[status]}”，不能执行“{ACTION_LABELS[action]}”。")


def test_callback_outcome_is_in_the_table():
    assert next_status("resolved", "callback", satisfaction="satisfied") == "archived"
    assert next_status("resolved", "callback", satisfaction="basic") == "archived"
    assert next_status("resolved", "callback", satisfaction="unsatisfied") == "dispatched"
    assert set(TRANSITIONS[("resolved", "callback")].by_outcome) == set(SATISFACTION)
    for bad in ({}, {"satisfaction": "great"}):
        with pytest.raises(ValidationError, match="满意度"):
            next_status("resolved", "callback", **bad)


def test_unknown_action():
    with pytest.raises(InvalidTransition, match="未知的工单操作"):
        next_status("received", "teleport")
    with pytest.raises(InvalidTransition):
        order_fsm.permission_for("teleport")


def test_every_action_has_one_permission_and_a_label():
    assert set(order_fsm.ACTION_PERMISSIONS) == set(ACTION_LABELS) == set(PERMISSION)
    assert order_fsm.ACTION_PERMISSIONS == PERMISSION
    for code in ("receive", *ACTION_LABELS):  # every code the services and the demo data write
        assert order_fsm.action_label(code) != code


@pytest.mark.parametrize(
    "role, status, expected",
    [
        ("reception", "received", ["contact"]),
        ("reception", "contacted", []),
        ("reception", "resolved", ["callback"]),
        ("dispatcher", "received", ["contact", "cancel", "urge"]),
        ("dispatcher", "contacted", ["dispatch", "cancel", "urge"]),
        ("dispatcher", "dispatched", ["decide_extension", "cancel", "urge"]),
        ("dispatcher", "resolved", ["callback"]),
        ("platform", "dispatched", ["accept", "bounce", "request_extension"]),
        ("platform", "in_progress", ["bounce", "resolve", "request_extension"]),
        ("platform", "contacted", []),
        ("leader", "in_progress", ["supervise", "urge"]),
        ("leader", "resolved", []),
        (
            "admin",
            "dispatched",
            ["accept", "bounce", "request_extension", "decide_extension", "cancel", "supervise", "urge"],
        ),
        ("admin", "received", ["contact", "cancel", "supervise", "urge"]),
    ],
)
def test_actions_for_roles(role, status, expected):
    assert actions_for(status, role) == expected


@pytest.mark.parametrize("role", ALL_ROLES)
def test_actions_for_never_offers_forbidden_or_closed(role):
    for status in ORDER_STATUSES:
        offered = actions_for(status, role)
        assert "answer" not in offered  # intake only
        for action in offered:
            assert role in ACTIONS[PERMISSION[action]]
            next_status(status, action, satisfaction="satisfied")
    for status in ("archived", "cancelled"):
        assert actions_for(status, role) == []
    if role in ("demo", "mediator"):
        assert all(actions_for(s, role) == [] for s in ORDER_STATUSES)
    if role == "grid":  # the 就地办 orders of the worker's village: the handling steps, nothing else
        offered = {a for s in ORDER_STATUSES for a in actions_for(s, role)}
        assert offered == {"accept", "bounce", "resolve", "request_extension"}
