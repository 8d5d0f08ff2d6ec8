"""The mediation case's transition table and step rules: every status x action pair."""

from __future__ import annotations

import pytest

from db.errors import InvalidTransition
from db.models.mediation import CASE_STATUSES
from db.rules import mediation_fsm as fsm

EXPECTED = {
    ("open", "step"): "mediating",
    ("open", "agree"): "agreed",
    ("open", "escalate"): "open",
    ("open", "litigation"): "litigation",
    ("open", "petition"): "petition",
    ("mediating", "step"): "mediating",
    ("mediating", "agree"): "agreed",
    ("mediating", "escalate"): "mediating",
    ("mediating", "litigation"): "litigation",
    ("mediating", "petition"): "petition",
    ("agreed", "followup"): "agreed",
    ("agreed", "close"): "closed",
    ("agreed", "reopen"): "mediating",
    ("closed", "reopen"): "mediating",
}


def test_table_covers_every_status():
    assert set(fsm.TRANSITIONS) == set(CASE_STATUSES)
    assert set(fsm.STATUS_LABELS) == set(CASE_STATUSES)


@pytest.mark.parametrize("status", list(CASE_STATUSES))
@pytest.mark.parametrize("action", list(fsm.ACTION_LABELS))
def test_every_status_action_pair(status, action):
    expected = EXPECTED.get((status, action))
    if expected is None:
        with pytest.raises(InvalidTransition, match="不能执行"):
            fsm.next_status(status, action)
    else:
        assert fsm.next_status(status, action) == expected


def test_final_statuses_allow_nothing():
    for status in fsm.FINAL_STATUSES:
        assert fsm.allowed_actions(status) == []
        assert fsm.available_actions(status, "village", 2) == []


@pytest.mark.parametrize(
    "current, escalated, held, expected",
    [
        (0, False, False, 1),
        (1, False, False, 2),
        (2, False, False, 3),
        (3, False, False, 4),
        (4, False, False, None),  # after step 4 without agreement: no step left
        (4, True, False, 4),  # escalated after the village's step 4: the township holds it once more
        (4, True, True, None),
        (2, True, False, 3),  # escalated earlier: the ladder just continues
    ],
)
def test_next_step(current, escalated, held, expected):
    assert fsm.next_step(current, escalated, held) == expected


def test_next_step_out_of_range():
    with pytest.raises(ValueError):
        fsm.next_step(5)
    with pytest.raises(ValueError):
        fsm.next_step(-1)


@pytest.mark.parametrize("step_no", [1, 2, 3, 4])
@pytest.mark.parametrize("current", [0, 1, 2, 3])
def test_steps_go_in_order_no_skip_no_repeat(step_no, current):
    if step_no == current + 1:
        fsm.check_step(step_no, current)
    else:
        with pytest.raises(InvalidTransition, match="按顺序"):
            fsm.check_step(step_no, current)


def test_no_step_after_four_without_escalation():
    with pytest.raises(InvalidTransition, match="升级至乡级、转诉讼或转信访"):
        fsm.check_step(4, 4)
    fsm.check_step(4, 4, escalated=True)


def test_exit_required_only_for_active_cases_at_the_end():
    assert fsm.exit_required("mediating", 4)
    assert not fsm.exit_required("mediating", 4, escalated=True)
    assert fsm.exit_required("mediating", 4, escalated=True, township_step4_held=True)
    assert not fsm.exit_required("mediating", 3)
    assert not fsm.exit_required("agreed", 4)


def test_available_actions_apply_the_guards():
    assert fsm.available_actions("mediating", "village", 4) == ["escalate", "litigation", "petition"]
    assert fsm.available_actions("mediating", "township", 2) == ["step", "agree", "litigation", "petition"]
    assert fsm.available_actions("open", "village", 0) == ["step", "agree", "escalate", "litigation", "petition"]
    assert fsm.available_actions("agreed", "township", 2) == ["followup", "close", "reopen"]
    assert fsm.available_actions("closed", "village", 1) == ["reopen"]
    assert fsm.can_escalate("open", "village") and not fsm.can_escalate("open", "township")
    assert not fsm.can_escalate("agreed", "village")
