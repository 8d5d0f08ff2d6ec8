"""Browsing the audit log: filtered, paginated in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import AuditLog, User
from db.permissions import Actor, require


@dataclass(frozen=True)
class AuditFilter:
    username: str | None = None
    action: str | None = None
    entity: str | None = None
    since: datetime | None = None  # naive UTC
    until: datetime | None = None


def _where(f: AuditFilter) -> list:
    conds = []
    if f.username:
        conds.append(AuditLog.username == f.username)
    if f.action:
        conds.append(AuditLog.action.startswith(f.action))
    if f.entity:
        conds.append(AuditLog.entity == f.entity)
    if f.since:
        conds.append(AuditLog.at >= f.since)
    if f.until:
        conds.append(AuditLog.at < f.until)
    return conds


def count(s: Session, actor: Actor, f: AuditFilter) -> int:
    require(actor, "audit.view")
    return s.scalar(select(func.count()).select_from(AuditLog).where(*_where(f))) or 0


def page(s: Session, actor: Actor, f: AuditFilter, offset: int, limit: int) -> list[dict]:
    require(actor, "audit.view")
    rows = (
        s.execute(
            select(
                AuditLog.id,
                AuditLog.at,
                AuditLog.username,
                User.display_name,
                AuditLog.action,
                AuditLog.entity,
                AuditLog.entity_id,
                AuditLog.before,
                AuditLog.after,
            )
            .outerjoin(User, User.id == AuditLog.user_id)
            .where(*_where(f))
            .order_by(AuditLog.id.desc())
            .offset(offset)
            .limit(limit)
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


def facets(s: Session, actor: Actor) -> dict[str, list[str]]:
    """Distinct usernames, entities and action prefixes for the filter widgets."""
    require(actor, "audit.view")
    return {
        "usernames": list(s.scalars(select(AuditLog.username).distinct().order_by(AuditLog.username))),
        "entities": list(s.scalars(select(AuditLog.entity).distinct().order_by(AuditLog.entity))),
        "actions": list(s.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action))),
    }
