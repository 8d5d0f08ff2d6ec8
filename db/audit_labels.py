"""Chinese labels for audit-log action and entity codes (what the admin reads)."""

from __future__ import annotations

from db.models.people import ROLES
from db.rules.order_fsm import EVENT_LABELS

ENTITY_LABELS = {
    "app_user": "用户账号",
    "work_order": "工单",
    "category": "诉求类别",
    "holiday_year": "节假日安排",
    "extension_request": "延期申请",
    "database": "数据库",
    "grid_event": "网格事件",
    "mediation_case": "矛盾纠纷",
    "platform_case": "平台案件",
    "township": "乡镇",
    "village": "村（社区）",
    "grid": "网格",
    "grid_shape": "网格边界",
    "ten_household_unit": "十户单元",
    "household": "住户",
    "resident": "居民",
    "import": "Excel导入",
    "mediator": "调解员",
    "department": "承办部门",
    "external_profile": "县平台对接设置",
    "township_setting": "乡镇设置",
    "township_category_clock": "乡镇类别时限",
    "order_receipt": "工单回执",
    "task": "任务台账",
    "task_milestone": "任务节点",
    "task_progress": "任务进展",
}
ACTION_LABELS = {
    "login": "登录",
    "login.attempt": "登录尝试",
    "login.failed": "登录失败",
    "login.refused": "登录被拒（账号已锁定或停用）",
    "user.unlock": "解除登录锁定",
    "township.create": "新建乡镇（含四个平台）",
    "category.load_standard": "载入标准诉求类别",
    "village.create": "新建村（社区）",
    "department.create": "新建承办部门",
    "department.update": "修改承办部门",
    "grid.create": "新建网格",
    "grid_map.import": "导入网格边界（一张图）",
    "county.import": "导入县平台转办件",
    "county.columns": "修改县平台列对应",
    "county.reply_export": "导出县平台回复",
    "logout": "退出登录",
    "logout.idle": "超时自动退出",
    "user.create": "新建用户",
    "user.update": "修改用户",
    "user.reset_password": "重置密码",  # nosec B105
    "user.change_password": "修改本人密码",
    "category.update": "修改类别与时限",  # nosec B105
    "calendar.enter_year": "录入节假日安排",
    "export": "导出数据",
    "demo_seed": "生成演示数据",
    "order.create": "工单·受理登记",
    "system.backup": "数据库备份",
    "system.restore": "数据库恢复",
    "system.rebuild_stats": "重算统计汇总表",
    "platform_case.recount_deadline": "平台案件·期限重算",
    "township.settings": "修改本乡镇设置（联户户数、首次联系时限）",
    "township.category_clock": "修改本乡镇类别时限",
    "task.create": "任务台账·新建任务",
    "task.update": "任务台账·修改任务",
    "task.milestone_add": "任务台账·增加节点",
    "task.milestone_done": "任务台账·节点完成",
    "task.milestone_undo": "任务台账·节点改为未完成",
    "task.progress": "任务台账·报告进展",
    "task.close": "任务台账·销号",
    "task.reopen": "任务台账·重新打开",
}

IMPORT_LABELS = {
    "org": "组织架构",
    "households": "住户与居民",
    "disputes": "矛盾纠纷台账",
    "orders": "历史工单",
    "tasks": "任务台账",
}


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


# --------------------------------------------------------------------------- the change in words

# the fields an audit record's before/after carry, as the administrator reads them
FIELD_LABELS = {
    "name": "名称",
    "display_name": "姓名",
    "username": "用户名",
    "role": "角色",
    "active": "启用",
    "phone": "电话",
    "via": "登录方式",
    "failed_attempts": "连续失败次数",
    "locked_until": "锁定至",
    "status": "状态",
    "number": "编号",
    "title": "标题",
    "description": "内容",
    "result": "办理结果",
    "due_at": "办理时限",
    "warn_at": "预警时间",
    "due_provisional": "时限暂定",
    "workdays": "工作日",
    "due_workdays": "办理工作日",
    "satisfaction": "满意度",
    "reason": "理由",
    "note": "说明",
    "score": "得分",
    "code": "编码",
    "kind": "类型",
    "type": "类型",
    "level": "层级",
    "source": "来源",
    "county": "所属县（区）",
    "township": "乡镇",
    "township_id": "乡镇编号",
    "village": "村（社区）",
    "village_id": "村（社区）编号",
    "grid": "网格",
    "grid_id": "网格编号",
    "platform": "平台",
    "platform_id": "平台编号",
    "department_id": "部门编号",
    "category_id": "类别编号",
    "household_id": "住户编号",
    "resident_id": "居民编号",
    "supervised": "督办",
    "urge_count": "催办次数",
    "person": "对应人员",
    "party_secretary": "党组织书记",
    "address": "地址",
    "head_name": "户主",
    "size": "家庭人口",
    "tags": "特殊群体",
    "gender": "性别",
    "birth_year": "出生年份",
    "id_number": "身份证号",
    "relation": "与户主关系",
    "employment": "专兼职",
    "speciality": "专长",
    "chief_resident_id": "十户长编号",
    "rows": "行数",
    "created": "新增",
    "updated": "更新",
    "unchanged": "未变",
    "counts": "结果",
    "file": "文件",
    "sha256": "文件指纹",
    "masked": "脱敏",
    "sessions_revoked": "注销其登录",
    "contact_hours": "首次联系时限（小时）",
    "handling_workdays": "办理时限（工作日）",
    "link_min": "联户下限",
    "link_max": "联户上限",
    "resolved_at": "办结时间",
    "received_at": "受理时间",
    "external_no": "县平台编号",
    "total": "合计",
    "lead_unit": "牵头单位",
    "responsible_units": "责任单位",
    "owner": "责任人",
    "standard": "量化标准",
    "due_on": "完成时限",
    "closed_on": "销号日期",
    "closing_evidence": "销号依据",
    "closing_reason": "未完成节点说明",
    "closed_by": "销号人编号",
    "progress_percent": "完成进度（%）",
    "percent": "完成进度（%）",
    "last_report_on": "最近报告日期",
    "reported_on": "报告日期",
    "text": "进展情况",
    "seq": "序号",
    "done_on": "完成日期",
    "open_milestones": "未完成节点数",
}
VALUE_WORDS = {"via": {"form": "账号密码", "cookie": "记住的登录"}}
MAX_VALUE = 60


def _value(key: str, value) -> str:
    if value is None or value == "":
        return "空"
    if isinstance(value, bool):
        return "是" if value else "否"
    if key == "role" and value in ROLES:
        return ROLES[value]
    if key in VALUE_WORDS and value in VALUE_WORDS[key]:
        return VALUE_WORDS[key][value]
    if isinstance(value, dict):
        return "（" + "，".join(f"{FIELD_LABELS.get(k, k)} {_value(k, v)}" for k, v in value.items()) + "）"
    if isinstance(value, (list, tuple)):
        return "、".join(_value(key, v) for v in value) or "空"
    text = str(value).replace("T", " ") if key.endswith(("_at", "_on", "_until")) else str(value)
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE] + "…"


def change_text(before: dict | None, after: dict | None) -> str:
    """An audit record's before and after in words: 名称：东湖村第一网格 → 东湖村一网格；启用：是.
    A field that did not change is left out when both sides are given."""
    before, after = before or {}, after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):  # an old record of another shape
        return _value("", after or before)
    parts = []
    for key in dict.fromkeys([*before, *after]):
        label = FIELD_LABELS.get(key, key)
        if key in before and key in after:
            if before[key] != after[key]:
                parts.append(f"{label}：{_value(key, before[key])} → {_value(key, after[key])}")
        elif key in after:
            parts.append(f"{label}：{_value(key, after[key])}")
        else:
            parts.append(f"{label}：{_value(key, before[key])} → （删除）")
    return "；".join(parts) or "—"
