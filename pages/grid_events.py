"""网格事件: placeholder until its issue is built (see docs/status.md)."""

from components import ui

ui.guard("grid_events")
ui.placeholder("grid_events", [
    "网格员巡查上报、分级转办、处置、核查反馈、评价、归档的闭环",
    "每日工作日志与入户走访统计",
])
