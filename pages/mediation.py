"""矛盾纠纷台账: placeholder until its issue is built (see docs/status.md)."""

from components import ui

ui.guard("mediation")
ui.placeholder("mediation", [
    "矛盾纠纷与隐患台账（蓝/黄/红三色预警）",
    "四步调解：网格员初调、乡贤参调、法律顾问释法、村民评议定案",
    "升级、回访销号、月度排查与特殊人群回访",
])
