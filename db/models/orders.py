"""Work orders (接诉即办) with their append-only timeline, and categories with SLA rules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, Versioned, utcnow
from db.rules.sla import CONTACT_HOURS

CHANNELS = {
    "hotline": "热线",
    "walk_in": "来访",
    "grid": "网格上报",
    "12345": "12345转办",
    "petition": "信访",
    "online": "线上",
}
TIERS = {"instant": "即办", "local": "就地办", "whistle": "吹哨办"}
# an assisting department's part of a 吹哨办 order (issue #21, item 5)
ASSIST_STATUSES = {"assigned": "待签收", "accepted": "办理中", "reported": "已反馈", "withdrawn": "已撤回"}
ASSIST_OPEN = ("assigned", "accepted")
URGENCIES = {"normal": "一般", "urgent": "紧急", "critical": "特急"}
ORDER_STATUSES = {
    "received": "受理",
    "contacted": "已联系",
    "dispatched": "已派单",
    "in_progress": "办理中",
    "resolved": "已办结",
    "archived": "已回访",
    "cancelled": "已撤销",
}
OPEN_STATUSES = ("received", "contacted", "dispatched", "in_progress")
SATISFACTION = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}


class Category(Base, Versioned):
    """A node of the category tree with its SLA rule (admin-editable)."""

    __tablename__ = "category"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    default_tier: Mapped[str] = mapped_column(String(10), default="local")
    platform_code: Mapped[str | None] = mapped_column(String(12))  # suggested platform
    contact_hours: Mapped[int] = mapped_column(Integer, default=CONTACT_HOURS)  # first-contact clock
    handling_workdays: Mapped[int] = mapped_column(Integer, default=5)  # handling clock
    keywords: Mapped[str | None] = mapped_column(Text)  # comma-separated, for the fallback classifier
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class WorkOrder(Base, Versioned):
    __tablename__ = "work_order"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # RX-2026-000123
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"))
    channel: Mapped[str] = mapped_column(String(10))
    caller_name: Mapped[str | None] = mapped_column(String(30))
    caller_phone: Mapped[str | None] = mapped_column(String(20))
    caller_id_number: Mapped[str | None] = mapped_column(String(18))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"))
    address: Mapped[str | None] = mapped_column(String(200))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    tier: Mapped[str] = mapped_column(String(10), default="local")
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platform.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    # 就地办 (issue #21, item 5): dispatched to its village, handled by the village's grid workers
    # and cadres (no platform, no department); None when a department handles it
    handler_village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"))
    status: Mapped[str] = mapped_column(String(12), default="received")
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # clock 1: first contact with the caller
    contact_due_at: Mapped[datetime | None] = mapped_column(DateTime)
    contacted_at: Mapped[datetime | None] = mapped_column(DateTime)
    # clock 2: handling, counted in working days
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime)
    due_at: Mapped[datetime | None] = mapped_column(DateTime)
    # 80% point of the handling clock (yellow light); set with due_at, indexable on any backend
    warn_at: Mapped[datetime | None] = mapped_column(DateTime)
    # working days of the current clock from dispatched_at (extensions included; NULL before 0013)
    due_workdays: Mapped[int | None] = mapped_column(Integer)
    # the clock counted a year whose official schedule is not entered (暂定; recounted on entry)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    result: Mapped[str | None] = mapped_column(Text)
    callback_at: Mapped[datetime | None] = mapped_column(DateTime)
    satisfaction: Mapped[str | None] = mapped_column(String(12))
    cancelled_reason: Mapped[str | None] = mapped_column(String(200))
    supervised: Mapped[bool] = mapped_column(Boolean, default=False)  # 督办
    supervision_level: Mapped[str | None] = mapped_column(String(10))  # yellow / red
    supervisor_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    redispatch_count: Mapped[int] = mapped_column(Integer, default=0)
    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    bounce_count: Mapped[int] = mapped_column(Integer, default=0)
    urge_count: Mapped[int] = mapped_column(Integer, default=0)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"))
    # an order transferred by the county's 12345 platform or a petition from the petition office
    # (issue #23): its number there, its deadline there (the earlier of the two deadlines is the
    # order's due_at), when the county received it, and the order's version when its reply was
    # last exported to the county (changed since: version differs)
    external_source: Mapped[str | None] = mapped_column(String(12))  # "12345" / "petition"
    external_no: Mapped[str | None] = mapped_column(String(40))
    external_due_at: Mapped[datetime | None] = mapped_column(DateTime)
    external_received_at: Mapped[datetime | None] = mapped_column(DateTime)
    reply_exported_version: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index("uq_work_order_external", "township_id", "external_source", "external_no", unique=True),
        Index("ix_work_order_external_no", "external_no"),
        # inbox: open orders by risk / deadline, per platform and village
        # township_id last in the covering indexes (0015): a township's reads (db/scope.py) stay
        # index-only, the county's use them as before
        Index("ix_work_order_status_due", "status", "due_at", "supervised", "township_id"),  # widened in 0010
        Index("ix_work_order_due_provisional", "due_provisional", "status"),
        Index("ix_work_order_platform_status", "platform_id", "status", "due_at"),
        Index("ix_work_order_village_status", "village_id", "status"),
        # period counts (home, KPI): covering for "received in a period" by status
        Index("ix_work_order_received_status", "received_at", "status", "township_id"),
        # satisfaction over recent callbacks, also by dimension (KPI; widened in migration 0009)
        Index(
            "ix_work_order_callback",
            "callback_at",
            "satisfaction",
            "village_id",
            "department_id",
            "category_id",
            "platform_id",
            "grid_id",
            "channel",
            "township_id",
        ),
        Index("ix_work_order_caller_phone", "caller_phone"),
        Index("ix_work_order_household", "household_id"),
        # KPI: period x category / channel
        Index("ix_work_order_category_received", "category_id", "received_at"),
        Index("ix_work_order_channel_received", "channel", "received_at"),
        Index("ix_work_order_supervised", "supervised", "status", "township_id"),
        Index("ix_work_order_status_warn", "status", "warn_at", "township_id"),
        Index("ix_work_order_address", "address"),
        Index("ix_work_order_duplicate_of", "duplicate_of_id"),
        # KPI aggregates (db/queries/kpi.py): every column the received cohort reads, so a period
        # is an index-only range scan (migration 0009)
        Index(
            "ix_work_order_kpi",
            "received_at",
            "status",
            "duplicate_of_id",
            "channel",
            "contacted_at",
            "dispatched_at",
            "due_at",
            "resolved_at",
            "supervised",
            "bounce_count",
            "redispatch_count",
            "village_id",
            "department_id",
            "category_id",
            "platform_id",
            "grid_id",
            "township_id",
        ),
        # open (or cancelled) orders by receipt time: carried-over lists, demo home year numbers
        # widened in 0010: open orders past due counted index-only (KPI "overdue", carried-over)
        Index(
            "ix_work_order_status_received",
            "status",
            "received_at",
            "due_at",
            "resolved_at",
            "duplicate_of_id",
            "township_id",
        ),
        # the big screen's recently closed orders, newest closure first (0010)
        Index("ix_work_order_resolved", "resolved_at"),
        # a village's 就地办 orders (the grid worker's inbox) (0022)
        Index("ix_work_order_handler_village", "handler_village_id", "status"),
    )


class OrderAssist(Base, Versioned):
    """An assisting department of a 吹哨办 order (issue #21, item 5): it accepts its part and
    reports on it; the lead (the order's department) closes the order once every part reported."""

    __tablename__ = "order_assist"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    status: Mapped[str] = mapped_column(String(10), default="assigned")  # ASSIST_STATUSES
    assigned_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime)
    accepted_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reported_at: Mapped[datetime | None] = mapped_column(DateTime)
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    report: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_order_assist_platform_status", "platform_id", "status"),)


class DeskDraft(Base):
    """The call a clerk is typing, kept on the server per user (issue #20): restored after a reload,
    a closed tab or a time-out, until it is registered or discarded. Scratch, not a record: one
    row per user, replaced as the clerk types, deleted when the call is saved."""

    __tablename__ = "desk_draft"
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    township_id: Mapped[int | None] = mapped_column(ForeignKey("township.id"))
    data: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class WorkOrderEvent(Base):
    """One step in an order's timeline (append-only)."""

    __tablename__ = "work_order_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSON)


class ExtensionRequest(Base, Versioned):
    __tablename__ = "extension_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    workdays: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending/approved/refused/withdrawn
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    new_due_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (Index("ix_extension_request_status", "status", "requested_at"),)


class RecordLink(Base):
    """A two-way link between records of any kind (order, grid event, mediation case,
    platform case): 一事一档. Stored once; queries read it from either end."""

    __tablename__ = "record_link"
    id: Mapped[int] = mapped_column(primary_key=True)
    from_type: Mapped[str] = mapped_column(String(16))
    from_id: Mapped[int] = mapped_column(Integer)
    to_type: Mapped[str] = mapped_column(String(16))
    to_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # source / duplicate / related / escalated
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (
        Index("ix_record_link_from", "from_type", "from_id"),
        Index("ix_record_link_to", "to_type", "to_id"),
    )
