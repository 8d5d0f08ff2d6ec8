"""The dispute and hazard ledger (矛盾纠纷/隐患台账) and the four-step mediation."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, Versioned, utcnow

CASE_KINDS = {"dispute": "矛盾纠纷", "hazard": "隐患"}
DISPUTE_TYPES = {
    "neighbour": "邻里纠纷",
    "land_boundary": "土地边界",
    "homestead": "宅基地",
    "family": "婚姻家庭",
    "labour": "劳资纠纷",
    "contract": "合同纠纷",
    "damage": "损害赔偿",
    "other": "其他",
}
RISK_COLOURS = {"blue": "蓝色", "yellow": "黄色", "red": "红色"}
CASE_LEVELS = {"village": "村级", "township": "乡级"}
CASE_SOURCES = {
    "order": "工单转入",
    "grid_event": "网格上报",
    "walk_in": "群众来访",
    "screening": "月度排查",
}
CASE_STATUSES = {
    "open": "待调解",
    "mediating": "调解中",
    "agreed": "已达成协议",
    "closed": "已销号",
    "litigation": "已诉讼",
    "petition": "已信访",
}
MEDIATION_STEPS = {
    1: "网格员初调",
    2: "乡贤参调",
    3: "法律顾问释法",
    4: "村民评议定案",
}


class MediationCase(Base, Versioned):
    __tablename__ = "mediation_case"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # TJ-2026-000123
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"))
    kind: Mapped[str] = mapped_column(String(10), default="dispute")
    dispute_type: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(12))
    source_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"), index=True)
    source_event_id: Mapped[int | None] = mapped_column(ForeignKey("grid_event.id"))
    risk_colour: Mapped[str] = mapped_column(String(8), default="blue")
    level: Mapped[str] = mapped_column(String(10), default="village")
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("mediator.id"))
    status: Mapped[str] = mapped_column(String(12), default="open")
    current_step: Mapped[int] = mapped_column(Integer, default=0)
    agreement_text: Mapped[str | None] = mapped_column(Text)
    agreed_at: Mapped[datetime | None] = mapped_column(DateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime)
    escalation_reason: Mapped[str | None] = mapped_column(String(300))
    reported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_progress_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    followup_due_on: Mapped[date | None] = mapped_column(Date)
    followup_at: Mapped[datetime | None] = mapped_column(DateTime)
    followup_note: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (
        Index("ix_mediation_case_status_colour", "status", "risk_colour"),
        Index("ix_mediation_case_village", "village_id", "reported_at"),
        Index("ix_mediation_case_reported", "reported_at"),
    )


class MediationParty(Base):
    __tablename__ = "mediation_party"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("mediation_case.id"), index=True)
    name: Mapped[str] = mapped_column(String(30))
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    id_number: Mapped[str | None] = mapped_column(String(18))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"), index=True)
    side: Mapped[str] = mapped_column(String(10), default="applicant")  # applicant / respondent


class MediationStep(Base):
    __tablename__ = "mediation_step"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("mediation_case.id"), index=True)
    step_no: Mapped[int] = mapped_column(Integer)  # MEDIATION_STEPS
    held_on: Mapped[date] = mapped_column(Date)
    participants: Mapped[str] = mapped_column(String(300))
    notes: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(10))  # agreed / continue
    risk_colour: Mapped[str] = mapped_column(String(8))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class VillageScreening(Base, Versioned):
    """Monthly screening of family, neighbour and land-boundary disputes per village."""

    __tablename__ = "village_screening"
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"))
    month: Mapped[str] = mapped_column(String(7))  # 2026-11
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    findings: Mapped[str | None] = mapped_column(Text)
    disputes_found: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (UniqueConstraint("village_id", "month", name="uq_village_screening_month"),)


class SpecialGroupVisit(Base):
    """Follow-up visits to special groups (released prisoners, elderly living alone...)."""

    __tablename__ = "special_group_visit"
    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"), index=True)
    group_tag: Mapped[str] = mapped_column(String(20))
    visited_on: Mapped[date] = mapped_column(Date)
    visitor: Mapped[str] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)
    next_due_on: Mapped[date | None] = mapped_column(Date)
