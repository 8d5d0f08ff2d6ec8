"""网格事件: the records an event is referred to or linked with, their names and pages."""

from __future__ import annotations

from db.models.grid_work import EVENT_STATUSES
from db.models.mediation import CASE_STATUSES
from db.models.orders import ORDER_STATUSES
from db.models.platforms import PLATFORM_CASE_STATUSES

RECORD_PAGES = {
    "work_order": ("inbox", "pages/inbox.py", "order"),
    "mediation_case": ("mediation", "pages/mediation.py", None),
    "platform_case": ("platform_desk", "pages/platform_desk.py", None),
}
RECORD_LABELS = {
    "work_order": "工单",
    "mediation_case": "矛盾纠纷",
    "platform_case": "平台案件",
    "grid_event": "网格事件",
}
_STATUS_LABELS = {
    "work_order": ORDER_STATUSES,
    "mediation_case": CASE_STATUSES,
    "platform_case": PLATFORM_CASE_STATUSES,
    "grid_event": EVENT_STATUSES,
}


def record_status(record_type: str, status: str | None) -> str:
    labels = _STATUS_LABELS.get(record_type, {})
    return labels.get(status or "", status or "—")
