"""Exports of personal data are audited: who exported what, how many rows, with which filter."""

from __future__ import annotations

from db.engine import get_engine, write_session
from db.permissions import Actor
from db.services import audit


def record(actor: Actor, entity: str, rows: int, detail: dict | None = None, engine=None) -> None:
    with write_session(engine or get_engine()) as s:
        audit.record(s, actor, "export", entity, None, after={"rows": rows, **(detail or {})})
