"""指标分析: placeholder until its issue is built (see docs/status.md)."""

from components import ui

ui.guard("kpi")
ui.placeholder("kpi", [
    "按期办结率、办结率、24小时首次联系率、满意率、平均办理时长等指标（均标注样本量n）",
    "按村、网格、平台、部门、类别对比，支持下钻到明细",
    "多渠道重合度分析",
])
