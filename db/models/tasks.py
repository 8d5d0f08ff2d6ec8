"""The task ledger (任务台账) of the weekly dispatch meeting (issue #21, item 6).

Seeds 001 and 003 run county task ledgers: each task has a lead unit (牵头单位), responsible units
(责任单位), an owner (责任人), a quantified standard (量化标准) and a deadline; it is broken into
milestones (节点) with deadlines, reviewed weekly from progress reports and closed one by one
(销号) on evidence.

- ``task``: one task of a township's ledger. Its number is the ledger's own (imported from the
  township's Excel ledger) or ``RW-2026-000123`` from the counter; unique in its township (a
  county's task numbers are handed to every township alike). ``progress_percent`` and
  ``last_report_on`` repeat the latest progress report, for the list.
- ``task_milestone``: a task's milestones, in order (``seq``), each with its deadline and the day
  it was done.
- ``task_progress``: progress reports (append-only): a day, a percentage and what was done.

Deadlines are local (Beijing) dates: a task due on 30 November is overdue on 1 December.
Services: ``db.services.tasks``; reads and warnings: ``db.queries.tasks``, ``db.rules.tasks``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, Versioned, utcnow

TASK_STATUSES = {"open": "推进中", "closed": "已销号"}
TASK_SOURCES = {"county": "县级交办", "city": "市级交办", "township": "乡镇自定", "other": "其他"}


class Task(Base, Versioned):
    __tablename__ = "task"
    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"))
    number: Mapped[str] = mapped_column(String(40))  # the ledger's own, or RW-2026-000123
    title: Mapped[str] = mapped_column(String(200))  # 任务名称
    lead_unit: Mapped[str] = mapped_column(String(60))  # 牵头单位
    responsible_units: Mapped[str | None] = mapped_column(String(300))  # 责任单位 (text, several)
    owner: Mapped[str | None] = mapped_column(String(30))  # 责任人 (a name)
    standard: Mapped[str | None] = mapped_column(Text)  # 量化标准
    source: Mapped[str] = mapped_column(String(10), default="township")  # TASK_SOURCES
    due_on: Mapped[date] = mapped_column(Date)  # 完成时限 (local date)
    status: Mapped[str] = mapped_column(String(10), default="open")  # TASK_STATUSES
    progress_percent: Mapped[int] = mapped_column(Integer, default=0)
    last_report_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    closing_evidence: Mapped[str | None] = mapped_column(Text)  # 销号依据
    closing_reason: Mapped[str | None] = mapped_column(String(500))  # why milestones were left open
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (
        UniqueConstraint("township_id", "number", name="uq_task_township_number"),
        CheckConstraint("progress_percent >= 0 AND progress_percent <= 100", name="percent"),
        Index("ix_task_township_status_due", "township_id", "status", "due_on"),
        Index("ix_task_closed_on", "closed_on"),
    )


class TaskMilestone(Base, Versioned):
    __tablename__ = "task_milestone"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # the order within the task, 1, 2, …
    title: Mapped[str] = mapped_column(String(200))  # 节点名称
    due_on: Mapped[date] = mapped_column(Date)  # 节点时限
    done_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        UniqueConstraint("task_id", "title", name="uq_task_milestone_title"),
        Index("ix_task_milestone_open_due", "done_on", "due_on"),
    )


class TaskProgress(Base):
    __tablename__ = "task_progress"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), index=True)
    reported_on: Mapped[date] = mapped_column(Date)
    percent: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (CheckConstraint("percent >= 0 AND percent <= 100", name="percent"),)
