"""一张图: the township's grids drawn from their GeoJSON boundaries (no tile server, no request to
another host: plain Plotly shapes on hidden axes), coloured by a chosen measure, with the last
seven days' matters marked at their grid (or village), on 指标分析, 网格花名册 and the big screen.

A click on a grid (or the 查看网格 list, for the keyboard) opens its open matters for a staff
role, its figures only for the delegation's observer. Every figure is an aggregate per grid;
the map never places anything at a household.

The cached reads (``reads``), the colour classes (``classes``), the figure (``figure``), the page
part (``view``) with a grid's card (``grid_card``), the boundaries' import and export
(``io_box``); a measure as text, a grid's name, the ranking and totals in ``common``.
"""

from components.grid_map.classes import class_of, classes
from components.grid_map.common import fmt_measure, grid_label, ranking, totals
from components.grid_map.figure import build_figure
from components.grid_map.grid_card import grid_card
from components.grid_map.io_box import io_box
from components.grid_map.reads import grid_total, open_matters, outlines, recent, shapes, values
from components.grid_map.view import render

__all__ = [
    "build_figure",
    "class_of",
    "classes",
    "fmt_measure",
    "grid_card",
    "grid_label",
    "grid_total",
    "io_box",
    "open_matters",
    "outlines",
    "ranking",
    "recent",
    "render",
    "shapes",
    "totals",
    "values",
]
