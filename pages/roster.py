"""网格花名册: placeholder until its issue is built (see docs/status.md)."""

from components import ui

ui.guard("roster")
ui.placeholder("roster", [
    "乡镇—村—网格—十户单元组织树及人员统计、覆盖缺口提示",
    "网格长、网格员、十户长、党员（联户、责任区、突击队、百分制考评）名册与编辑",
    "Excel 模板导入导出",
])
