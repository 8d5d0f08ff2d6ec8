"""四平台总览: placeholder until its issue is built (see docs/status.md)."""

from components import ui

ui.guard("platform_summary")
ui.placeholder("platform_summary", [
    "四个平台在办、办结、超期统计",
    "平台间推送流向图",
])
