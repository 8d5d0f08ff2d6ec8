"""平台工作台: placeholder until its issue is built (see docs/status.md)."""

from components import ui

ui.guard("platform_desk")
ui.placeholder("platform_desk", [
    "本平台的待办队列：派单、其他平台推送、本平台巡查发现",
    "综治、市场监管、综合执法、便民服务各自的业务记录",
    "平台间推送、接收、退回与联办",
])
