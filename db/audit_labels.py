"""Chinese labels for audit-log action and entity codes (what the admin reads)."""

from __future__ import annotations

from db.rules.order_fsm import EVENT_LABELS

ENTITY_LABELS = {
    "app_user": "用户账号", "work_order": "工单", "category": "诉求类别", "holiday_year": "节假日安排",
    "extension_request": "延期申请", "database": "数据库", "grid_event": "网格事件",
    "mediation_case": "矛盾纠纷", "platform_case": "平台案件", "township": "乡镇", "village": "村（社区）",
    "grid": "网格", "grid_shape": "网格边界", "ten_household_unit": "十户单元", "household": "住户",
    "resident": "居民", "import": "Excel导入", "mediator": "调解员", "department": "承办部门", "external_profile": "县平台对接设置",
    "township_setting": "乡镇设置", "township_category_clock": "乡镇类别时限",
}
ACTION_LABELS = {
    "login": "登录", "login.attempt": "登录尝试", "login.failed": "登录失败", "login.refused": "登录被拒（账号已锁定或停用）",
    "user.unlock": "解除登录锁定", "township.create": "新建乡镇（含四个平台）",
    "category.load_standard": "载入标准诉求类别", "village.create": "新建村（社区）", "department.create": "新建承办部门", "department.update": "修改承办部门", "grid.create": "新建网格", "grid_map.import": "导入网格边界（一张图）",
    "county.import": "导入县平台转办件", "county.columns": "修改县平台列对应", "county.reply_export": "导出县平台回复", "logout": "退出登录", "logout.idle": "超时自动退出",
    "user.create": "新建用户", "user.update": "修改用户", "user.reset_password": "重置密码",  # nosec B105
    "user.change_password": "修改本人密码", "category.update": "修改类别与时限",  # nosec B105
    "calendar.enter_year": "录入节假日安排", "export": "导出数据", "demo_seed": "生成演示数据",
    "order.create": "工单·受理登记",
    "system.backup": "数据库备份", "system.restore": "数据库恢复", "system.rebuild_stats": "重算统计汇总表",
    "platform_case.recount_deadline": "平台案件·期限重算",
    "township.settings": "修改本乡镇设置（联户户数、首次联系时限）", "township.category_clock": "修改本乡镇类别时限",
}

IMPORT_LABELS = {"org": "组织架构", "households": "住户与居民", "disputes": "矛盾纠纷台账", "orders": "历史工单"}


def action_label(code: str) -> str:
    """``order.dispatch`` -> 工单·派单; known codes get their label; unknown ones stay as they are."""
    if code in ACTION_LABELS:
        return ACTION_LABELS[code]
    if code.startswith("import."):  # a go-live import's summary (db/services/imports)
        return f"Excel导入·{IMPORT_LABELS.get(code[7:], code[7:])}"
    if code.endswith(".import"):  # one record written by it
        return f"{ENTITY_LABELS.get(code[:-7], code[:-7])}·Excel导入"
    prefix, _, rest = code.partition(".")
    if prefix == "order" and rest:
        return f"工单·{EVENT_LABELS.get(rest, rest)}"
    return code


def entity_label(code: str) -> str:
    return ENTITY_LABELS.get(code, code)
