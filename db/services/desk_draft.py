"""The call a clerk is typing, kept on the server (issue #20): a reload, a closed tab or an idle
log-out no longer loses a half-typed call. One draft per user, replaced as the clerk types,
deleted when the call is registered or discarded, ignored after ``MAX_AGE``.

Drafts are scratch, not records: they are not audited (an entry per keystroke would bury the
log); what the clerk registers is, as always. They hold what the clerk typed, the caller's name
and phone included, and are only ever read back by the same user.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, select

from db.engine import read_session, write_session
from db.models import DeskDraft
from db.permissions import Actor, require
from db.services.base import now_or

MAX_AGE = timedelta(hours=24)
MAX_FIELDS = 20
MAX_TEXT = 2000


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in list(data.items())[:MAX_FIELDS]:
        if isinstance(v, str):
            v = v[:MAX_TEXT]
        elif not (v is None or isinstance(v, (bool, int, float))):
            continue
        out[str(k)[:40]] = v
    return out


def save(engine: Engine, actor: Actor, data: dict[str, Any], now: datetime | None = None) -> None:
    require(actor, "order.create")
    if not actor.user_id:
        return
    now = now_or(now)
    with write_session(engine) as s:
        row = s.get(DeskDraft, actor.user_id)
        if row is None:
            s.add(DeskDraft(user_id=actor.user_id, township_id=actor.township_id, data=_clean(data), updated_at=now))
        else:
            row.data, row.updated_at = _clean(data), now


def load(engine: Engine, actor: Actor, now: datetime | None = None) -> tuple[dict[str, Any], datetime] | None:
    """The user's draft and when it was last typed, unless older than ``MAX_AGE``."""
    if not actor.user_id:
        return None
    now = now_or(now)
    with read_session(engine) as s:
        row = s.execute(select(DeskDraft.data, DeskDraft.updated_at).where(DeskDraft.user_id == actor.user_id)).first()
    if row is None or now - row.updated_at > MAX_AGE:
        return None
    return dict(row.data), row.updated_at


def discard(engine: Engine, actor: Actor) -> None:
    if not actor.user_id:
        return
    with write_session(engine) as s:
        s.execute(delete(DeskDraft).where(DeskDraft.user_id == actor.user_id))
