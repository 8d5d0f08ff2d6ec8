"""周调度报告: placeholder until its issue is built (see docs/status.md)."""

from components import ui

ui.guard("weekly")
ui.placeholder("weekly", [
    "一键生成周调度会材料：本周与上周对比、新增红色纠纷、超期督办件、部门排名",
    "导出 Word 与 Excel",
])
