"""Declarative base and mixins shared by every model.

Timestamps are stored as naive UTC datetimes on every backend; the UI and the SLA rules
convert to Asia/Shanghai. Editable records carry ``version`` for optimistic locking:
services compare the version the user loaded (``UPDATE ... WHERE id=? AND version=?``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, MetaData, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db import clock

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Now, as the naive UTC datetime that every timestamp column stores (db/clock.py: the one
    clock, which tests and the second-date CI run can move)."""
    return clock.utcnow()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Versioned:
    """An editable record: optimistic-lock version and last-change time."""

    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1", nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, default=utcnow, onupdate=utcnow, server_default=func.current_timestamp()
    )
