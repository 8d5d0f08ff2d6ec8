"""大屏演示: placeholder until its issue is built (see docs/status.md)."""

from components import ui

ui.guard("big_screen")
ui.placeholder("big_screen", [
    "观摩用只读大屏：大字号关键数字、实时图表、近期办结案例轮播",
    "所有个人信息脱敏，可自动轮播各页面",
])
