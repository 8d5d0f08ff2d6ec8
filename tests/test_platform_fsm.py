"""The platform-case and hand-off transition tables, every state × action pair. Pure."""

from __future__ import annotations

import itertools

import pytest

from db.errors import InvalidTransition
from db.models.platforms import HANDOFF_STATUSES, PLATFORM_CASE_STATUSES
from db.permissions import ACTIONS
from db.rules import platform_fsm as fsm

EXPECTED = {
    ("pending", "accept"): "accepted",
    ("pending", "push"): "pushed",
    ("accepted", "push"): "pushed",
    ("accepted", "close"): "closed",
    ("accepted", "note"): "accepted",
    ("pushed", "receive"): "accepted",
    ("pushed", "bounce"): "bounced",
    ("bounced", "accept"): "accepted",
    ("bounced", "push"): "pushed",
}


def test_statuses_match_the_model():
    assert set(fsm.CASE_STATUSES) == set(PLATFORM_CASE_STATUSES)
    assert set(fsm.HANDOFF_STATUS_LABELS) == set(HANDOFF_STATUSES)


@pytest.mark.parametrize("status, action", list(itertools.product(fsm.CASE_STATUSES, fsm.CASE_ACTIONS)))
def test_every_case_state_action_pair(status, action):
    if (status, action) in EXPECTED:
        assert fsm.next_status(status, action) == EXPECTED[(status, action)]
    else:
        with pytest.raises(InvalidTransition) as exc:
            fsm.next_status(status, action)
        assert fsm.CASE_STATUS_LABELS[status] in exc.value.message


@pytest.mark.parametrize("status, action", list(itertools.product(fsm.HANDOFF_STATUS_LABELS, fsm.HANDOFF_ACTIONS)))
def test_every_handoff_state_action_pair(status, action):
    expected = {("pending", "receive"): "accepted", ("pending", "bounce"): "bounced"}
    if (status, action) in expected:
        assert fsm.handoff_next(status, action) == expected[(status, action)]
    else:
        with pytest.raises(InvalidTransition):
            fsm.handoff_next(status, action)


def test_closed_is_terminal_and_every_row_names_a_real_permission():
    assert fsm.actions_for("closed", "admin", frozenset(fsm.SIDES)) == []
    for row in fsm.CASE_TRANSITIONS.values():
        assert row.permission in ACTIONS
        assert row.side in fsm.SIDES
    for (_, action), row in fsm.CASE_TRANSITIONS.items():
        assert row.needs_reason == (action in ("push", "bounce", "close", "note"))


def test_actions_for_depends_on_side_and_role():
    lead = fsm.sides(is_lead=True, is_receiver=False, is_assist=False)
    receiver = fsm.sides(is_lead=False, is_receiver=True, is_assist=False)
    assist = fsm.sides(is_lead=False, is_receiver=False, is_assist=True)
    assert fsm.actions_for("accepted", "platform", lead) == ["push", "close", "note"]
    assert fsm.actions_for("accepted", "platform", assist) == ["note"]
    assert fsm.actions_for("pushed", "platform", lead) == []
    assert fsm.actions_for("pushed", "platform", receiver) == ["receive", "bounce"]
    assert fsm.actions_for("bounced", "platform", lead) == ["accept", "push"]
    assert fsm.actions_for("accepted", "demo", lead) == []
    assert fsm.actions_for("accepted", "leader", lead) == []


def test_initial_status_and_flag():
    assert fsm.initial_status("patrol", True) == "accepted"
    assert fsm.initial_status("patrol", False) == "pending"
    for source in ("order", "handoff", "grid_event"):
        assert fsm.initial_status(source, True) == "pending"
    assert [fsm.is_flagged(n) for n in (0, 1, 2, 3)] == [False, False, True, True]
