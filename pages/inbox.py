"""工单中心: placeholder until its issue is built (see docs/status.md)."""

from components import ui

ui.guard("inbox")
ui.placeholder("inbox", [
    "按时限风险排序的工单队列，支持状态、渠道、类别、平台、村、日期、超期、督办、不满意等筛选",
    "工单详情：两个时限（首次联系、办理）、处理时间线、关联记录及当前角色可执行的操作",
    "批量派单、导出Excel",
])
