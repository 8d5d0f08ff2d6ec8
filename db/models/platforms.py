"""The four platforms' cases, the hand-offs between them, and platform-specific records."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, Versioned, utcnow

PLATFORM_CASE_STATUSES = {
    "pending": "待签收",  # the lead platform has not signed for it yet
    "accepted": "办理中",
    "pushed": "移交中",  # pushed to another platform, waiting for its answer
    "bounced": "已退回",  # bounced back to the sender, who must handle or push again
    "closed": "已办结",
}
OPEN_CASE_STATUSES = ("pending", "accepted", "pushed", "bounced")
CASE_SOURCES = {
    "order": "工单派发",
    "patrol": "巡查发现",
    "handoff": "平台推送",
    "grid_event": "网格事件",
    "meeting": "研判会议交办",
}
ARRIVAL_TARGET_MINUTES = 30
INSPECTION_KINDS = {"routine": "日常检查", "random": "双随机抽查"}
INSPECTION_STATUSES = {"passed": "检查合格", "rectifying": "限期整改中", "closed": "复查合格"}
HANDOFF_STATUSES = {"pending": "待接收", "accepted": "已接收", "bounced": "已退回"}
ENFORCEMENT_KINDS = {"road": "占道经营", "building": "违法建设", "pollution": "环境污染", "other": "其他"}
SERVICE_CHANNELS = {"window": "窗口办理", "agent_point": "村代办点", "door": "上门服务"}


class PlatformCase(Base, Versioned):
    __tablename__ = "platform_case"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # PT-2026-000123
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"))
    lead_platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"))
    source: Mapped[str] = mapped_column(String(12))  # order / patrol / handoff / grid_event
    source_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    is_joint: Mapped[bool] = mapped_column(Boolean, default=False)
    due_at: Mapped[datetime | None] = mapped_column(DateTime)
    # as on work_order (migration 0013): working days of the clock, and 暂定
    due_workdays: Mapped[int | None] = mapped_column(Integer)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    result: Mapped[str | None] = mapped_column(Text)
    # how many times a push of this case was bounced; > 1 flags the case
    bounce_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # a case spawned by a decision of 综治's monthly analysis meeting
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_meeting.id"))
    __table_args__ = (
        Index("ix_platform_case_lead_status", "lead_platform_id", "status", "due_at"),
        Index("ix_platform_case_due_provisional", "due_provisional", "status"),
        Index("ix_platform_case_created", "created_at"),
    )


class PlatformCaseEvent(Base):
    """One step of a case's timeline: written with every transition (and every note)."""

    __tablename__ = "platform_case_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("platform_case.id"))
    at: Mapped[datetime] = mapped_column(DateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platform.id"))  # acting platform
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(10))
    to_status: Mapped[str] = mapped_column(String(10))
    to_platform_id: Mapped[int | None] = mapped_column(ForeignKey("platform.id"))  # push target
    note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_platform_case_event_case", "case_id", "at"),)


class PlatformCaseAssist(Base):
    """An assisting platform of a joint case (the lead is on the case)."""

    __tablename__ = "platform_case_assist"
    case_id: Mapped[int] = mapped_column(ForeignKey("platform_case.id"), primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"), primary_key=True)


class Handoff(Base, Versioned):
    """A push of a case from one platform to another; accepted or bounced with a reason."""

    __tablename__ = "handoff"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("platform_case.id"), index=True)
    from_platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"))
    to_platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"))
    pushed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    pushed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    respond_due_at: Mapped[datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    responded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    responded_at: Mapped[datetime | None] = mapped_column(DateTime)
    reason: Mapped[str | None] = mapped_column(String(300))
    __table_args__ = (
        Index("ix_handoff_to_status", "to_platform_id", "status"),
        Index("ix_handoff_pushed_at", "pushed_at"),
    )


class Inspection(Base, Versioned):
    """市场监管: an inspection of a business, its rectification notice and re-inspection."""

    __tablename__ = "inspection"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("platform_case.id"))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("township.id"))
    business_name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # routine / random
    inspected_on: Mapped[date] = mapped_column(Date)
    finding: Mapped[str | None] = mapped_column(Text)
    notice_number: Mapped[str | None] = mapped_column(String(30))
    rectify_by: Mapped[date | None] = mapped_column(Date)
    reinspected_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="passed")  # passed/rectifying/closed
    __table_args__ = (Index("ix_inspection_township", "township_id", "inspected_on"),)


class EnforcementReport(Base, Versioned):
    """综合执法: a report with its on-site arrival time (target: 30 minutes)."""

    __tablename__ = "enforcement_report"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("platform_case.id"))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("township.id"))
    kind: Mapped[str] = mapped_column(String(12))
    address: Mapped[str] = mapped_column(String(200))
    reported_at: Mapped[datetime] = mapped_column(DateTime)
    arrived_at: Mapped[datetime | None] = mapped_column(DateTime)
    joint: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (Index("ix_enforcement_report_township", "township_id", "reported_at"),)


class ServiceItem(Base, Versioned):
    """便民服务 catalogue entry."""

    __tablename__ = "service_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    agent_point_ok: Mapped[bool] = mapped_column(Boolean, default=True)  # can a village agent point take it
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ServiceRequest(Base, Versioned):
    __tablename__ = "service_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"))
    applicant_name: Mapped[str] = mapped_column(String(30))
    applicant_phone: Mapped[str | None] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(12))  # SERVICE_CHANNELS
    for_elderly_or_disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    requested_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(DateTime)


# --------------------------------------------------------------------------- 综治 records


class VillageReportCheck(Base, Versioned):
    """综治's weekly screening of the village reports: did the village report, what was found."""

    __tablename__ = "village_report_check"
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"))
    week_start: Mapped[date] = mapped_column(Date)  # the Monday of the week
    reported: Mapped[bool] = mapped_column(Boolean, default=True)
    issues_found: Mapped[int] = mapped_column(Integer, default=0)
    issues: Mapped[str | None] = mapped_column(Text)
    checked_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    __table_args__ = (Index("uq_village_report_check_week", "village_id", "week_start", unique=True),)


class AnalysisMeeting(Base, Versioned):
    """综治's monthly analysis meeting: attendees, minutes and decisions (decisions may spawn cases)."""

    __tablename__ = "analysis_meeting"
    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"))
    held_on: Mapped[date] = mapped_column(Date)
    attendees: Mapped[str] = mapped_column(String(500))
    minutes: Mapped[str] = mapped_column(Text)
    decisions: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    __table_args__ = (Index("ix_analysis_meeting_held", "township_id", "held_on"),)


class FloatingResident(Base, Versioned):
    """A floating-population registration (personal data: name, ID number, phone are masked)."""

    __tablename__ = "floating_resident"
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"))
    name: Mapped[str] = mapped_column(String(30))
    id_number: Mapped[str | None] = mapped_column(String(18))
    phone: Mapped[str | None] = mapped_column(String(20))
    origin: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200))
    registered_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    __table_args__ = (Index("ix_floating_resident_village", "village_id", "registered_on"),)
