"""Audit records, written in the same transaction as the change they describe."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from db.models import AuditLog, User
from db.permissions import Actor

# never copied into the audit log
SECRET_COLUMNS = frozenset({"password_hash"})


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(obj: Any, columns: list[str] | None = None) -> dict[str, Any]:
    """The column values of an ORM object as a JSON-able dict (secrets left out)."""
    mapper = inspect(obj).mapper
    names = columns or [c.key for c in mapper.column_attrs]
    return {n: _jsonable(getattr(obj, n)) for n in names if n not in SECRET_COLUMNS}


def clean(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: _jsonable(v) for k, v in values.items() if k not in SECRET_COLUMNS}


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: Any = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditLog:
    row = AuditLog(
        user_id=actor.user_id or None,
        username=actor.username,
        # the acting user's township as the database has it (an Actor built by hand may not say);
        # a system actor (no user) states it: None, or the township of the order a resident rated
        # on its public page (db/services/public_rating.py), so that township's administrator reads it
        township_id=(
            select(User.township_id).where(User.id == actor.user_id).scalar_subquery()
            if actor.user_id
            else actor.township_id
        ),
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=clean(before),
        after=clean(after),
    )
    session.add(row)
    return row
