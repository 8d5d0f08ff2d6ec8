"""Arrows and colours of a change follow meaning, not sign (issue #21): no change is grey
without an arrow; fewer overdue orders is green although the number went down."""

import pytest

from components.ui import change_style


@pytest.mark.parametrize(
    "change, higher_is_better, expected",
    [
        ("+0", False, {"delta": "+0", "delta_color": "off", "delta_arrow": "off"}),
        ("+0.0个百分点", True, {"delta": "+0.0个百分点", "delta_color": "off", "delta_arrow": "off"}),
        (
            "-0.0天 环比（上期同期）",
            False,
            {"delta": "-0.0天 环比（上期同期）", "delta_color": "off", "delta_arrow": "off"},
        ),
        ("+0.5个百分点", True, {"delta": "+0.5个百分点", "delta_color": "normal"}),
        ("+10", True, {"delta": "+10", "delta_color": "normal"}),
        ("-3", False, {"delta": "-3", "delta_color": "inverse"}),  # Streamlit draws a fall green when inverse
        ("—", True, {"delta": None}),
        (None, True, {"delta": None}),
    ],
)
def test_change_style(change, higher_is_better, expected):
    assert change_style(change, higher_is_better) == expected
