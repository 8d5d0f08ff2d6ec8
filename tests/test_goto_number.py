"""按编号打开 (issue #20): a record number typed in the sidebar opens its record on the page that
shows it, for every role that may open that page (the hand-written page matrix), and says why
not otherwise. (The sidebar box itself lives in app.py, which AppTest does not rerun after the
first run; the box was checked in Chromium.)"""

from __future__ import annotations

import pytest

from components.nav import route_for
from tests.factories.expected_roles import ALL, EXPECTED_PAGES

NUMBERS = {
    "RX-2026-000123": ("inbox", "order"),
    "SJ-2026-000007": ("grid_events", "event"),
    "TJ-2025-000042": ("mediation", "case"),
    "PT-2026-000001": ("platform_desk", "case"),
}


@pytest.mark.parametrize("role", ALL.split())
@pytest.mark.parametrize("number", list(NUMBERS))
def test_each_kind_of_number_opens_its_page_for_the_roles_that_may(role, number):
    page, param = NUMBERS[number]
    route = route_for(f"  {number.lower()} ", role)
    if role in EXPECTED_PAGES[page].split():
        assert route == (f"pages/{page}.py", param, number)
    else:
        assert isinstance(route, str) and "不能查看" in route


@pytest.mark.parametrize(
    "typed", ["RX-2026-123", "RX2026000123", "XX-2026-000123", "", "RX-2026-0001234", "'; DROP TABLE work_order; --"]
)
def test_anything_but_a_whole_number_gets_the_hint(typed):
    route = route_for(typed, "admin")
    assert isinstance(route, str) and "请输入完整编号" in route


def test_full_width_dashes_and_control_characters_are_read_as_typed_on_a_phone():
    assert route_for("RX－2026－000123", "admin") == ("pages/inbox.py", "order", "RX-2026-000123")
    assert route_for("RX-2026-000123\x00", "admin") == ("pages/inbox.py", "order", "RX-2026-000123")
