"""KPI page UI (pages/kpi.py): the cached reads (reads.py), the period selector (period.py),
the KPI cards with their n (cards.py), the trend and comparison charts as pure
``build_*_figure`` functions (figures.py), the drill-down list (drill.py) and the multi-channel
overlap view (overlap.py); values as text in formatting.py."""

from components.kpi.cards import definitions_popover, kpi_cards
from components.kpi.drill import compare_table, drill_frame, selected_index
from components.kpi.figures import build_compare_figure, build_overlap_figure, build_trend_figure
from components.kpi.formatting import fmt_delta, fmt_value
from components.kpi.overlap import render_overlap
from components.kpi.period import period_selector
from components.kpi.reads import compare, drill, others, overlap_key, summary, trend

__all__ = [
    "build_compare_figure",
    "build_overlap_figure",
    "build_trend_figure",
    "compare",
    "compare_table",
    "definitions_popover",
    "drill",
    "drill_frame",
    "fmt_delta",
    "fmt_value",
    "kpi_cards",
    "others",
    "overlap_key",
    "period_selector",
    "render_overlap",
    "selected_index",
    "summary",
    "trend",
]
