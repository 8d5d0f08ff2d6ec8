"""The dispute and hazard ledger (矛盾纠纷/隐患台账) and the four-step mediation.

Every public write owns one transaction (``write_session``); the ``*_in`` variants run inside
the caller's (e.g. a grid event referred to mediation: case, link and event change commit
together). Each one checks the permission (``require``), the state machine
(``db.rules.mediation_fsm``) and the version the user loaded, then writes the change and one
audit record. A ``DomainError`` rolls everything back: nothing is half-written.

``now`` (naive UTC) may be passed by tests; it is the time of the change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, exists, select, update
from sqlalchemy.orm import Session

from db.engine import write_session
from db.errors import NotFound, ValidationError
from db.models import (
    Grid, GridEvent, MediationCase, MediationParty, MediationStep, Mediator, Resident,
    SpecialGroupVisit, Village, VillageScreening, WorkOrder,
)
from db.models.mediation import (
    CASE_KINDS, CASE_LEVELS, CASE_SOURCES, DISPUTE_TYPES, MEDIATION_STEPS, RISK_COLOURS,
)
from db.permissions import Actor, require
from db.rules import mediation_fsm as fsm
from db.rules.phone import normalize_phone
from db.rules.sla import to_local
from db.services import audit
from db.services.base import next_number
from db.services.links import link
from db.services.orders import _cas, _now, clean_text

NUMBER_PREFIX = "TJ"
TITLE_MIN, TITLE_MAX = 4, 100
SUMMARY_MIN, SUMMARY_MAX = 5, 2000
NAME_MAX = 30
TEXT_MAX = 2000
REASON_MAX = 300
PARTICIPANTS_MAX = 300
PARTY_SIDES = {"applicant": "申请人", "respondent": "被申请人"}
STEP_OUTCOMES = {"continue": "未达成，进入下一步", "agreed": "达成协议"}
SPECIAL_GROUPS = {"released_prisoner": "刑满释放人员", "elderly_alone": "独居老人"}

# settings (app_setting), with their defaults and bounds
FOLLOWUP_DAYS_KEY, FOLLOWUP_DAYS_DEFAULT = "mediation_followup_days", 30
STALE_DAYS_KEY, STALE_DAYS_DEFAULT = "mediation_stale_days", 15
VISIT_INTERVAL_DAYS = 30  # special-group visits: the next one is due this many days later
SETTING_BOUNDS = {FOLLOWUP_DAYS_KEY: (1, 365), STALE_DAYS_KEY: (1, 180)}

_ID_NUMBER = re.compile(r"^[0-9]{17}[0-9X]$")

CASE_AUDIT_FIELDS = [
    "number", "kind", "dispute_type", "title", "village_id", "grid_id", "source",
    "source_order_id", "source_event_id", "risk_colour", "level", "mediator_id", "status",
]


# --------------------------------------------------------------------------- input


@dataclass
class PartyInput:
    name: str
    phone: str | None = None
    id_number: str | None = None
    side: str = "applicant"  # applicant / respondent
    resident_id: int | None = None


@dataclass
class CaseInput:
    """A new dispute or hazard as it is registered."""

    kind: str = "dispute"
    dispute_type: str = "neighbour"
    title: str = ""
    summary: str = ""
    village_id: int | None = None
    grid_id: int | None = None
    source: str = "walk_in"  # order / grid_event / walk_in / screening
    source_order_id: int | None = None
    source_event_id: int | None = None
    risk_colour: str = "blue"
    level: str = "village"
    mediator_id: int | None = None
    parties: list[PartyInput] = field(default_factory=list)


def _choice(value: Any, options: dict, message: str, field_name: str) -> str:
    if value not in options:
        raise ValidationError(message, field=field_name)
    return value


def _party(p: PartyInput, k: int) -> dict[str, Any]:
    label = f"第{k}位当事人"
    name = clean_text(p.name, f"{label}姓名", max_len=NAME_MAX, required=True, field="parties")
    try:
        phone = normalize_phone(clean_text(p.phone, f"{label}电话", max_len=40, field="parties"))
    except ValidationError as exc:
        raise ValidationError(f"{label}：{exc.message}", field="parties") from None
    id_number = clean_text(p.id_number, f"{label}身份证号", max_len=18, field="parties")
    if id_number is not None:
        id_number = id_number.upper()
        if not _ID_NUMBER.match(id_number):
            raise ValidationError(f"{label}的身份证号应为18位（最后一位可为X）。", field="parties")
    side = _choice(p.side, PARTY_SIDES, f"请选择{label}是申请人还是被申请人。", "parties")
    return dict(name=name, phone=phone, id_number=id_number, side=side, resident_id=p.resident_id)


def _validate_case(d: CaseInput) -> dict[str, Any]:
    """Checks that need no database. Returns the cleaned values."""
    out: dict[str, Any] = {
        "kind": _choice(d.kind, CASE_KINDS, "请选择登记类别（矛盾纠纷或隐患）。", "kind"),
        "dispute_type": _choice(d.dispute_type, DISPUTE_TYPES, "请选择纠纷类型。", "dispute_type"),
        "source": _choice(d.source, CASE_SOURCES, "请选择案件来源。", "source"),
        "risk_colour": _choice(d.risk_colour, RISK_COLOURS, "请选择风险等级（蓝、黄、红）。", "risk_colour"),
        "level": _choice(d.level, CASE_LEVELS, "请选择调处层级（村级或乡级）。", "level"),
        "title": clean_text(d.title, "标题", min_len=TITLE_MIN, max_len=TITLE_MAX, required=True,
                            field="title"),
        "summary": clean_text(d.summary, "简要情况", min_len=SUMMARY_MIN, max_len=SUMMARY_MAX,
                              required=True, multiline=True, field="summary"),
    }
    if not d.village_id:
        raise ValidationError("请选择纠纷所在村（社区）。", field="village_id")
    if d.source == "order" and not d.source_order_id:
        raise ValidationError("来源为“工单转入”时须关联来源工单。", field="source_order_id")
    if d.source == "grid_event" and not d.source_event_id:
        raise ValidationError("来源为“网格上报”时须关联来源网格事件。", field="source_event_id")
    if d.source != "order" and d.source_order_id:
        raise ValidationError("只有“工单转入”的案件才能关联来源工单。", field="source_order_id")
    if d.source != "grid_event" and d.source_event_id:
        raise ValidationError("只有“网格上报”的案件才能关联来源网格事件。", field="source_event_id")
    parties = [_party(p, k) for k, p in enumerate(d.parties or [], start=1)]
    if len(parties) > 20:
        raise ValidationError("当事人最多登记20位。", field="parties")
    if out["kind"] == "dispute" and d.source in ("walk_in", "screening") and not any(
            p["side"] == "applicant" for p in parties):
        raise ValidationError("来访或排查登记的矛盾纠纷须至少填写一位申请人。", field="parties")
    out["parties"] = parties
    return out


def _check_mediator(s: Session, mediator_id: int | None, township_id: int) -> Mediator | None:
    if mediator_id is None:
        return None
    m = s.get(Mediator, mediator_id)
    if m is None or not m.active:
        raise ValidationError("所选调解员不存在或已停用。", field="mediator_id")
    if m.township_id != township_id:
        raise ValidationError(f"调解员{m.name}不属于该案件所在乡镇。", field="mediator_id")
    return m


# --------------------------------------------------------------------------- open a case


def open_case_in(s: Session, actor: Actor, data: CaseInput, now: datetime | None = None,
                 action: str = "mediation.create") -> MediationCase:
    """Register a case inside the caller's transaction; flushed, not committed.

    ``action`` is the permission checked (``grid_event.refer`` when a grid event is referred).
    The source order or grid event is linked both ways (``record_link``, kind ``source``).
    """
    require(actor, action)
    now = _now(now)
    v = _validate_case(data)
    village = s.get(Village, data.village_id)
    if village is None:
        raise ValidationError("所选村（社区）不存在。", field="village_id")
    if data.grid_id is not None:
        grid = s.get(Grid, data.grid_id)
        if grid is None or grid.village_id != village.id:
            raise ValidationError(f"所选网格不属于{village.name}。", field="grid_id")
    if data.source_order_id is not None and s.get(WorkOrder, data.source_order_id) is None:
        raise ValidationError("所关联的来源工单不存在。", field="source_order_id")
    if data.source_event_id is not None and s.get(GridEvent, data.source_event_id) is None:
        raise ValidationError("所关联的来源网格事件不存在。", field="source_event_id")
    _check_mediator(s, data.mediator_id, village.township_id)
    for p in v["parties"]:
        if p["resident_id"] is not None and s.get(Resident, p["resident_id"]) is None:
            raise ValidationError(f"当事人{p['name']}关联的居民档案不存在。", field="parties")

    case = MediationCase(
        number=next_number(s, NUMBER_PREFIX, now), township_id=village.township_id,
        village_id=village.id, grid_id=data.grid_id, kind=v["kind"],
        dispute_type=v["dispute_type"], title=v["title"], summary=v["summary"], source=v["source"],
        source_order_id=data.source_order_id, source_event_id=data.source_event_id,
        risk_colour=v["risk_colour"], level=v["level"], mediator_id=data.mediator_id,
        status="open", current_step=0, reported_at=now, last_progress_at=now, reopen_count=0,
        version=1, updated_at=now)
    s.add(case)
    s.flush()
    for p in v["parties"]:
        s.add(MediationParty(case_id=case.id, **p))
    if data.source_order_id is not None:
        link(s, "mediation_case", case.id, "work_order", data.source_order_id, "source")
    if data.source_event_id is not None:
        link(s, "mediation_case", case.id, "grid_event", data.source_event_id, "source")
    after = audit.snapshot(case, CASE_AUDIT_FIELDS)
    after["parties"] = len(v["parties"])
    audit.record(s, actor, "mediation.create", "mediation_case", case.id, after=after)
    s.flush()
    return case


def open_case(engine: Engine, actor: Actor, data: CaseInput, now: datetime | None = None) -> dict:
    """Register a case in its own transaction. Returns ``dict(id, number, version)``."""
    with write_session(engine) as s:
        case = open_case_in(s, actor, data, now)
        return {"id": case.id, "number": case.number, "version": case.version}
