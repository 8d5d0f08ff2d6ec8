"""网格花名册: the organisation tree with coverage gaps, the rosters of grid staff,
ten-household chiefs and party members, a household's chain of responsibility, commando
teams and responsibility zones, and the Excel import/export. Only the chosen view runs."""

from components import roster, ui

actor = ui.guard("roster")
ui.page_header(
    "roster",
    "乡镇—村（社区）—网格—十户单元—户的组织体系与责任链；"
    + (
        "姓名、电话、门牌号已按您的角色脱敏。"
        if actor.role in ("leader", "demo", "county_leader")
        else "所有修改均留痕。"
    ),
)
ui.show_flash()
view = roster.current_view(actor.role)
roster.RENDER[view](actor)
