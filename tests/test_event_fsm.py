"""The grid-event loop: every status x every action, outcomes, and what each role is offered."""

import pytest

from db.errors import InvalidTransition, ValidationError
from db.models.grid_work import EVENT_STATUSES
from db.permissions import ACTIONS, ALL_ROLES
from db.rules import event_fsm
from db.rules.event_fsm import ACTION_LABELS, TRANSITIONS, actions_for, next_status

# The expected table, written out independently of the module: (status, action) -> target.
EXPECTED = {
    ("reported", "handle_on_spot"): "handling",
    ("reported", "refer"): "referred",
    ("referred", "mark_handled"): "handling",
    ("handling", "mark_handled"): "handling",
    ("handling", "verify"): "verified",  # passed
    ("verified", "evaluate"): "evaluated",
    ("evaluated", "archive"): "archived",
}
PERMISSION = {
    "handle_on_spot": "grid_event.refer",
    "refer": "grid_event.refer",
    "mark_handled": "grid_event.refer",
    "verify": "grid_event.verify",
    "evaluate": "grid_event.evaluate",
    "archive": "grid_event.evaluate",
}


def test_table_is_exactly_the_expected_one():
    assert set(TRANSITIONS) == set(EXPECTED)
    for key, row in TRANSITIONS.items():
        assert row.to_status == EXPECTED[key]
        assert row.permission == PERMISSION[key[1]]
        assert row.permission in ACTIONS
        assert row.label == ACTION_LABELS[key[1]]


@pytest.mark.parametrize("status", list(EVENT_STATUSES))
@pytest.mark.parametrize("action", list(ACTION_LABELS))
def test_every_status_and_action(status, action):
    outcome = {"passed": "passed"} if action == "verify" else {}
    if (status, action) in EXPECTED:
        assert next_status(status, action, **outcome) == EXPECTED[(status, action)]
    else:
        with pytest.raises(InvalidTransition) as exc:
            next_status(status, action, **outcome)
        assert str(exc.value) == (f"事件当前状态为“{EVENT_STATUSES[status]}”，不能执行“{ACTION_LABELS[action]}”。")


def test_failed_verification_goes_back_to_handling():
    assert next_status("handling", "verify", passed="failed") == "handling"


@pytest.mark.parametrize("value", [None, "", "maybe"])
def test_verification_needs_an_outcome(value):
    with pytest.raises(ValidationError) as exc:
        next_status("handling", "verify", passed=value)
    assert exc.value.field == "passed"


def test_unknown_action():
    with pytest.raises(InvalidTransition, match="未知的网格事件操作"):
        next_status("reported", "teleport")
    with pytest.raises(InvalidTransition):
        event_fsm.permission_for("teleport")


def test_archived_is_final_and_every_other_status_has_a_way_on():
    assert tuple(s for s in EVENT_STATUSES if s != "archived") == event_fsm.OPEN_STATUSES
    assert not [a for (s, a) in TRANSITIONS if s == "archived"]
    for status in event_fsm.OPEN_STATUSES:
        assert any(s == status for (s, _a) in TRANSITIONS), status


@pytest.mark.parametrize("role", ALL_ROLES)
def test_actions_offered_per_role(role):
    grid_like = {"handle_on_spot", "refer"} if role in ("admin", "dispatcher", "grid") else set()
    assert set(actions_for("reported", role)) == grid_like
    assert ("verify" in actions_for("handling", role)) == (role in ("admin", "dispatcher", "grid"))
    # the 督办员 (supervisor) evaluates and archives like the 转办督办员, without referring or verifying
    assert ("evaluate" in actions_for("verified", role)) == (role in ("admin", "leader", "dispatcher", "supervisor"))
    assert ("archive" in actions_for("evaluated", role)) == (role in ("admin", "leader", "dispatcher", "supervisor"))
    assert actions_for("archived", role) == []
    if role == "demo":
        assert all(actions_for(s, role) == [] for s in EVENT_STATUSES)


def test_labels():
    assert event_fsm.status_label("verified") == "已核查"
    assert event_fsm.action_label("report") == "网格上报"
    assert event_fsm.action_label("verify") == "核查反馈"
