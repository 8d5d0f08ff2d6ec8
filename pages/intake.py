"""来电来访登记: placeholder until its issue is built (see docs/status.md)."""

from components import ui

ui.guard("intake")
ui.placeholder("intake", [
    "一张表完成热线、来访、网格上报、12345转办、信访、线上诉求的登记，自动生成工单编号",
    "按电话、住户、地址即时显示一事一档历史与30天内疑似重复件",
    "依据描述自动推荐类别与承办平台（显示置信度），即办事项当场答复办结",
])
