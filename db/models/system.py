"""System tables: holiday calendar, audit log, number counters."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, Versioned, utcnow


class HolidayYear(Base):
    """A year whose official schedule (State Council notice) has been entered."""

    __tablename__ = "holiday_year"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(100))  # "chinese-calendar 1.11.0" or the notice
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    entered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CalendarDay(Base):
    """An exception to the Mon-Fri week: a public holiday (is_workday False) on a weekday,
    or a make-up working day (调休, is_workday True) on a weekend."""

    __tablename__ = "calendar_day"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str | None] = mapped_column(String(40))


class AuditLog(Base):
    """Who changed what, when, before and after. Append-only: the migration installs
    triggers that refuse UPDATE and DELETE on this table."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    username: Mapped[str] = mapped_column(String(40))
    # the acting user's township (None: a county account or the system); db/scope.py
    township_id: Mapped[int | None] = mapped_column(ForeignKey("township.id"))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(40))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_entity", "entity", "entity_id"),
        Index("ix_audit_log_user", "user_id", "at"),
        Index("ix_audit_log_username", "username", "at"),
        Index("ix_audit_log_action", "action", "at"),
        Index("ix_audit_log_township", "township_id", "at"),
    )


class Counter(Base):
    """Per-prefix, per-year sequence for readable numbers such as RX-2026-000123."""

    __tablename__ = "counter"
    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class ExternalProfile(Base, Versioned):
    """A township's way of reading the county's exports and writing its replies (issue #23): for
    one kind ("12345", "petition", "reply"), the file's header for each field, and the values it
    has learnt (the county's category or area wording -> the console's category or village)."""

    __tablename__ = "external_profile"
    __table_args__ = (UniqueConstraint("township_id", "kind", name="uq_external_profile_kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"))
    kind: Mapped[str] = mapped_column(String(12))
    columns: Mapped[dict] = mapped_column(JSON, default=dict)
    categories: Mapped[dict] = mapped_column(JSON, default=dict)
    villages: Mapped[dict] = mapped_column(JSON, default=dict)


class AppSetting(Base):
    """Admin-tunable values (mediation follow-up interval, stale-case reminder days, ...)."""

    __tablename__ = "app_setting"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
