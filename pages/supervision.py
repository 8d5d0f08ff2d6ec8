"""督办清单: placeholder until its issue is built (see docs/status.md)."""

from components import ui

ui.guard("supervision")
ui.placeholder("supervision", [
    "超期工单自动进入党委督办，显示承办部门与督办班子成员",
    "催办记录与延期审批",
])
