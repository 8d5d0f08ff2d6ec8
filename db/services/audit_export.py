"""Exports of personal data are audited: who exported what, how many rows, with which filter."""

from __future__ import annotations

from db.engine import get_engine, write_session
from db.permissions import Actor, require
from db.services import audit

# the permission each exported entity needs (anything else needs report.export)
EXPORT_ACTIONS = {
    "work_order": "order.export",
    "roster": "roster.export",
    "commando_team": "roster.export",
    "responsibility_zone": "roster.export",
    "mediation_case": "mediation.export",
    "weekly_report": "report.export",
}


def record(actor: Actor, entity: str, rows: int, detail: dict | None = None, engine=None) -> None:
    """Check that the actor may export ``entity`` and record the export; call before handing
    the file over."""
    require(actor, EXPORT_ACTIONS.get(entity, "report.export"))
    with write_session(engine or get_engine()) as s:
        audit.record(s, actor, "export", entity, None, after={"rows": rows, **(detail or {})})
