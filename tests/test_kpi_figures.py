"""The KPI comparison chart: a group whose value is 0 still shows its value and can be clicked
(plotly draws no bar and no text for a bar of no width)."""

from __future__ import annotations

from types import SimpleNamespace

import plotly.graph_objects as go

from components import kpi as kpi_ui
from db.queries.kpi import ORDER_METRICS


def _rows(values):
    return [{"label": f"村{i}", "closure": v, "closure_n": 0 if v is None else 4} for i, v in enumerate(values)]


def test_zero_groups_get_a_clickable_marker_with_their_value():
    metric = ORDER_METRICS["closure"]
    fig = kpi_ui.build_compare_figure(_rows([0.5, 0.0, None, 0.0]), metric)
    bars, marks = fig.data
    assert isinstance(bars, go.Bar) and isinstance(marks, go.Scatter)
    assert fig.layout.showlegend is False  # two traces would otherwise bring a "trace 0" legend
    assert list(marks.customdata) == [1, 3]
    assert list(marks.text) == ["0.0%", "0.0%"]
    assert list(marks.y) == ["村1（n=4）", "村3（n=4）"] and list(marks.x) == [0, 0]
    # a click on the marker opens that group, as a click on its bar would
    event = SimpleNamespace(
        selection=SimpleNamespace(points=[{"curve_number": 1, "point_index": 1, "customdata": marks.customdata[1]}])
    )
    assert kpi_ui.selected_index(event) == 3


def test_no_marker_without_a_zero_group():
    fig = kpi_ui.build_compare_figure(_rows([0.5, None, 1.0]), ORDER_METRICS["closure"])
    assert len(fig.data) == 1
