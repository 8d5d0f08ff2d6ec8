"""Grid events (what grid workers find on their rounds) and daily work logs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, Versioned, utcnow

EVENT_TYPES = {
    "safety": "安全隐患",
    "environment": "环境卫生",
    "dispute": "矛盾纠纷",
    "infrastructure": "基础设施",
    "livelihood": "民生诉求",
    "special_group": "特殊人群",
    "other": "其他",
}
# The handling clock of each event type, in working days counted from the report on the holiday
# calendar (the same arithmetic as the work orders' handling clock, docs/sla.md): the event is due
# by 24:00 of the N-th working day after the day it was reported, and is closed (办结) when the
# handling passes its on-site check (核查通过, status 已核查 and after). Yellow from 80 % of the
# clock, red once overdue. Stored on each event when it is reported (``due_workdays``), so a change
# here applies to events reported after it. docs/grid_events.md "The clock".
EVENT_CLOCK_WORKDAYS = {
    "safety": 2,
    "dispute": 3,
    "environment": 3,
    "infrastructure": 5,
    "livelihood": 5,
    "special_group": 3,
    "other": 5,
}
# 网格吹哨 -> 分级转办 -> 响应处置 -> 核查反馈 -> 考核评价 -> 事件归档
EVENT_STATUSES = {
    "reported": "已上报",
    "referred": "已转办",
    "handling": "处置中",
    "verified": "已核查",
    "evaluated": "已评价",
    "archived": "已归档",
}
EVENT_HANDLING = {
    "on_spot": "就地处置",
    "order": "转工单",
    "mediation": "转调解",
    "platform": "转平台",
}
# 考核评价: the leader's or dispatcher's rating of how the matter was handled
EVENT_RATINGS = {"excellent": "优秀", "good": "良好", "fair": "一般", "poor": "较差"}


class GridEvent(Base, Versioned):
    __tablename__ = "grid_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # SJ-2026-000123
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"))
    reporter_staff_id: Mapped[int | None] = mapped_column(ForeignKey("grid_staff.id"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"))
    event_type: Mapped[str] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    # unused: photos live in grid_event_photo (in the database, so that several app servers
    # over one PostgreSQL all see them)
    photo_path: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(12), default="reported")
    handling: Mapped[str | None] = mapped_column(String(12))
    reported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(DateTime)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    evaluation: Mapped[str | None] = mapped_column(String(200))
    archived_at: Mapped[datetime | None] = mapped_column(DateTime)
    rating: Mapped[str | None] = mapped_column(String(10))  # EVENT_RATINGS
    evaluated_at: Mapped[datetime | None] = mapped_column(DateTime)
    # the handling clock (migration 0021): due at 24:00 of the last working day, yellow from
    # warn_at (80 %), provisional (暂定) when it counted a year whose schedule is not entered;
    # closed_at: when the handling passed its check (核查通过), the end of the clock
    due_at: Mapped[datetime | None] = mapped_column(DateTime)
    warn_at: Mapped[datetime | None] = mapped_column(DateTime)
    due_workdays: Mapped[int | None] = mapped_column(Integer)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (
        Index("ix_grid_event_grid_reported", "grid_id", "reported_at"),
        Index("ix_grid_event_reporter", "reporter_staff_id", "reported_at"),
        Index("ix_grid_event_status", "status"),
        Index("ix_grid_event_household", "household_id"),
        Index("ix_grid_event_address", "address"),
        # the open list (status other than archived) and the archive sorted by date
        Index("ix_grid_event_status_reported", "status", "reported_at"),
        # the overdue list and count: open statuses with due_at before now
        Index("ix_grid_event_status_due", "status", "due_at"),
    )


class GridEventStep(Base):
    """One step in an event's timeline (append-only), like ``work_order_event``."""

    __tablename__ = "grid_event_step"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("grid_event.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        Index("ix_grid_event_step_event", "event_id", "at"),
        Index("ix_grid_event_step_actor", "actor_id", "event_id"),
    )


class GridEventPhoto(Base):
    """A photo taken on the round, stored in the database (jpeg/png/webp, at most 5 MB)."""

    __tablename__ = "grid_event_photo"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("grid_event.id"), index=True)
    content_type: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class WorkLog(Base, Versioned):
    """A grid staff member's daily work log: one per person per local day."""

    __tablename__ = "work_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("grid_staff.id"))
    log_date: Mapped[date] = mapped_column(Date)
    content: Mapped[str] = mapped_column(Text)
    households_visited: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (Index("ix_work_log_staff_date", "staff_id", "log_date", unique=True),)
