"""The dispute and hazard ledger (矛盾纠纷/隐患台账) and the four-step mediation.

Every public write owns one transaction (``write_session``); the ``*_in`` variants run inside
the caller's (e.g. a grid event referred to mediation: case, link and event change commit
together). Each one checks the permission (``require``), the actor's village / township scope
(``db.queries.mediation.write_scope``: a village mediator only their village's village-level
cases, a grid worker only their grid's village, a township user only their township), the state
machine (``db.rules.mediation_fsm``) and the version the user loaded, then writes the change and
one audit record. A ``DomainError`` rolls everything back: nothing is half-written.

``now`` (naive UTC) may be passed by tests; it is the time of the change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.engine import write_session
from db.errors import ConflictError, InvalidTransition, NotFound, PermissionDenied, ValidationError
from db.models import (
    AppSetting,
    Grid,
    GridEvent,
    Household,
    MediationCase,
    MediationParty,
    MediationStep,
    Mediator,
    Resident,
    SpecialGroupVisit,
    Village,
    VillageScreening,
    WorkOrder,
)
from db.models.mediation import (
    CASE_KINDS,
    CASE_LEVELS,
    CASE_SOURCES,
    DISPUTE_TYPES,
    MEDIATION_STEPS,
    RISK_COLOURS,
)
from db.permissions import Actor, require
from db.queries.mediation import (
    case_scope_refusal,
    settings,
    township_step4_held,
    village_scope_refusal,
    write_scope,
)
from db.rules import mediation_fsm as fsm
from db.rules.phone import normalize_phone
from db.rules.sla import local_date, local_to_utc, to_local
from db.rules.text import bounded_int, clean_text, normalize_id_number
from db.services import audit
from db.services.base import cas as _cas
from db.services.base import conflict as _conflict
from db.services.base import next_number, now_or, require_county
from db.services.links import link

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

CASE_AUDIT_FIELDS = [
    "number",
    "kind",
    "dispute_type",
    "title",
    "village_id",
    "grid_id",
    "source",
    "source_order_id",
    "source_event_id",
    "risk_colour",
    "level",
    "mediator_id",
    "status",
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
    # the roster's rule: NFKC, ASCII digits only, a real birth date, the GB 11643 check character
    id_number = normalize_id_number(p.id_number, f"{label}身份证号", field="parties")
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
        "title": clean_text(d.title, "标题", min_len=TITLE_MIN, max_len=TITLE_MAX, required=True, field="title"),
        "summary": clean_text(
            d.summary,
            "简要情况",
            min_len=SUMMARY_MIN,
            max_len=SUMMARY_MAX,
            required=True,
            multiline=True,
            field="summary",
        ),
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
    if (
        out["kind"] == "dispute"
        and d.source in ("walk_in", "screening")
        and not any(p["side"] == "applicant" for p in parties)
    ):
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


def open_case_in(
    s: Session, actor: Actor, data: CaseInput, now: datetime | None = None, action: str = "mediation.create"
) -> MediationCase:
    """Register a case inside the caller's transaction; flushed, not committed.

    ``action`` is the permission checked (``grid_event.refer`` when a grid event is referred).
    The source order or grid event is linked both ways (``record_link``, kind ``source``).
    """
    require(actor, action)
    now = now_or(now)
    v = _validate_case(data)
    village = s.get(Village, data.village_id)
    if village is None:
        raise ValidationError("所选村（社区）不存在。", field="village_id")
    _check_registration_scope(s, actor, village)
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
        number=next_number(s, NUMBER_PREFIX, now),
        township_id=village.township_id,
        village_id=village.id,
        grid_id=data.grid_id,
        kind=v["kind"],
        dispute_type=v["dispute_type"],
        title=v["title"],
        summary=v["summary"],
        source=v["source"],
        source_order_id=data.source_order_id,
        source_event_id=data.source_event_id,
        risk_colour=v["risk_colour"],
        level=v["level"],
        mediator_id=data.mediator_id,
        status="open",
        current_step=0,
        reported_at=now,
        last_progress_at=now,
        reopen_count=0,
        version=1,
        updated_at=now,
    )
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


# --------------------------------------------------------------------------- scope


def _scope(s: Session, actor: Actor):

    return write_scope(s, actor)


def _check_registration_scope(s: Session, actor: Actor, village: Village) -> None:
    """A village-bound user (village mediator, grid worker) registers only in their village; a
    township-bound one only in their township."""
    sc = _scope(s, actor)
    if sc.no_staff:
        raise PermissionDenied("该账号尚未关联网格员档案，请联系管理员。")
    if sc.village_id is not None and village.id != sc.village_id:
        raise PermissionDenied(
            f"您只能登记{sc.village_name or '本村（社区）'}的纠纷，{village.name}不属于您所在的村（社区）。"
        )
    if sc.township_id is not None and village.township_id != sc.township_id:
        raise PermissionDenied(f"{village.name}不属于您所在的乡镇，无权登记。")


def _check_case_scope(s: Session, actor: Actor, case: MediationCase) -> None:

    why = case_scope_refusal(_scope(s, actor), case.number, case.township_id, case.village_id, case.level)
    if why:
        raise PermissionDenied(why)


def _check_village_scope(s: Session, actor: Actor, village: Village, what: str) -> None:

    why = village_scope_refusal(_scope(s, actor), village, what)
    if why:
        raise PermissionDenied(why)


# --------------------------------------------------------------------------- helpers


def _load(s: Session, actor: Actor, case_id: int, version: int) -> MediationCase:
    """The case, if the actor's scope covers it and it is still at ``version``."""
    case = s.get(MediationCase, case_id)
    if case is None:
        raise NotFound("案件不存在或已被删除。")
    _check_case_scope(s, actor, case)
    if case.version != version:
        raise _conflict(version, case.version)
    return case


def _day(
    value: Any, label: str, field_name: str, now: datetime, not_before: date | None = None, not_before_label: str = ""
) -> date:
    """A local date that is not in the future (and not before ``not_before``)."""
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        raise ValidationError(f"请选择{label}。", field=field_name)
    if value > local_date(now):
        raise ValidationError(f"{label}不能晚于今天。", field=field_name)
    if not_before is not None and value < not_before:
        raise ValidationError(f"{label}不能早于{not_before_label}（{not_before:%Y-%m-%d}）。", field=field_name)
    return value


def _at(day: date, now: datetime) -> datetime:
    """The naive UTC instant recorded for something that happened on local ``day``: now when it
    is today, else 18:00 local time that day (so its local date is ``day``)."""
    if day == local_date(now):
        return now
    return local_to_utc(datetime.combine(day, datetime.min.time()).replace(hour=18))


def _save(
    s: Session,
    actor: Actor,
    case: MediationCase,
    version: int,
    action: str,
    changes: dict[str, Any],
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> dict:
    before = {k: getattr(case, k) for k in changes}
    new_version = _cas(s, MediationCase, case.id, version, changes, now)
    after = {**changes, **(extra or {})}
    audit.record(s, actor, f"mediation.{action}", "mediation_case", case.id, before=before, after=after)
    return {"id": case.id, "number": case.number, "version": new_version, "status": changes.get("status", case.status)}


def followup_days(s: Session) -> int:

    return settings(s)["followup_days"]


# --------------------------------------------------------------------------- the four steps


def record_step(
    engine: Engine,
    actor: Actor,
    case_id: int,
    version: int,
    *,
    step_no: int,
    held_on: date,
    participants: str,
    notes: str,
    risk_colour: str,
    outcome: str = "continue",
    agreement_text: str | None = None,
    now: datetime | None = None,
) -> dict:
    """Record the next mediation step; ``outcome="agreed"`` ends the mediation in agreement
    (``agreement_text`` required) and sets the follow-up due date."""
    require(actor, "mediation.edit")
    now = now_or(now)
    if outcome not in STEP_OUTCOMES:
        raise ValidationError("请选择本步结果（达成协议或进入下一步）。", field="outcome")
    colour = _choice(risk_colour, RISK_COLOURS, "请为本步重新评定风险等级（蓝、黄、红）。", "risk_colour")
    who = clean_text(participants, "参加人员", max_len=PARTICIPANTS_MAX, required=True, field="participants")
    said = clean_text(notes, "调解情况", min_len=5, max_len=TEXT_MAX, required=True, multiline=True, field="notes")
    agreement = clean_text(
        agreement_text, "协议内容", min_len=5, max_len=TEXT_MAX, multiline=True, field="agreement_text"
    )
    if outcome == "agreed" and agreement is None:
        raise ValidationError("达成协议时须填写协议内容。", field="agreement_text")
    if outcome != "agreed" and agreement is not None:
        raise ValidationError("未达成协议时不填写协议内容。", field="agreement_text")
    step_no = bounded_int(step_no, min(MEDIATION_STEPS), max(MEDIATION_STEPS), "请选择调解步骤。", field="step_no")
    if step_no not in MEDIATION_STEPS:
        raise ValidationError("请选择调解步骤。", field="step_no")
    with write_session(engine) as s:
        case = _load(s, actor, case_id, version)
        action = "agree" if outcome == "agreed" else "step"
        to_status = fsm.next_status(case.status, action)
        fsm.check_step(step_no, case.current_step, case.escalated_at is not None, township_step4_held(s, case))
        last_held = s.scalar(select(func.max(MediationStep.held_on)).where(MediationStep.case_id == case.id))
        floor, floor_label = (
            (last_held, "上一步的日期") if last_held else (to_local(case.reported_at).date(), "登记日期")
        )
        day = _day(held_on, "调解日期", "held_on", now, floor, floor_label)
        s.add(
            MediationStep(
                case_id=case.id,
                step_no=step_no,
                held_on=day,
                participants=who,
                notes=said,
                outcome=outcome,
                risk_colour=colour,
                recorded_by=actor.user_id or None,
                recorded_at=now,
            )
        )
        changes: dict[str, Any] = dict(status=to_status, current_step=step_no, risk_colour=colour, last_progress_at=now)
        if outcome == "agreed":
            changes.update(
                agreement_text=agreement,
                agreed_at=_at(day, now),
                followup_due_on=day + timedelta(days=followup_days(s)),
            )
        return _save(
            s,
            actor,
            case,
            version,
            action,
            changes,
            now,
            {"step_no": step_no, "step": MEDIATION_STEPS[step_no], "held_on": day},
        )


# --------------------------------------------------------------------------- transitions


def escalate(
    engine: Engine,
    actor: Actor,
    case_id: int,
    version: int,
    reason: str,
    mediator_id: int | None = None,
    now: datetime | None = None,
) -> dict:
    """A village case goes to the township, with its reason (and optionally a new mediator)."""
    require(actor, "mediation.edit")
    now = now_or(now)
    why = clean_text(reason, "升级原因", min_len=4, max_len=REASON_MAX, required=True, multiline=True, field="reason")
    with write_session(engine) as s:
        case = _load(s, actor, case_id, version)
        to_status = fsm.next_status(case.status, "escalate")
        if case.level != "village":
            raise InvalidTransition("案件已在乡级调处，不能再次升级。")
        changes: dict[str, Any] = dict(
            status=to_status, level="township", escalated_at=now, escalation_reason=why, last_progress_at=now
        )
        if mediator_id is not None and mediator_id != case.mediator_id:
            _check_mediator(s, mediator_id, case.township_id)
            changes["mediator_id"] = mediator_id
        return _save(s, actor, case, version, "escalate", changes, now)


def refer_out(
    engine: Engine, actor: Actor, case_id: int, version: int, to: str, note: str, now: datetime | None = None
) -> dict:
    """Mark a case as gone to court (``litigation``) or become a petition (``petition``)."""
    require(actor, "mediation.edit")
    now = now_or(now)
    if to not in ("litigation", "petition"):
        raise ValidationError("请选择转诉讼或转信访。", field="to")
    text = clean_text(note, "去向说明", min_len=4, max_len=REASON_MAX, required=True, multiline=True, field="note")
    with write_session(engine) as s:
        case = _load(s, actor, case_id, version)
        to_status = fsm.next_status(case.status, to)
        return _save(s, actor, case, version, to, dict(status=to_status, outcome=text, last_progress_at=now), now)


def record_followup(
    engine: Engine, actor: Actor, case_id: int, version: int, visited_on: date, note: str, now: datetime | None = None
) -> dict:
    """The follow-up visit after an agreement (how the agreement is being kept)."""
    require(actor, "mediation.edit")
    now = now_or(now)
    text = clean_text(note, "回访情况", min_len=4, max_len=TEXT_MAX, required=True, multiline=True, field="note")
    with write_session(engine) as s:
        case = _load(s, actor, case_id, version)
        to_status = fsm.next_status(case.status, "followup")
        agreed_day = to_local(case.agreed_at).date() if case.agreed_at else None
        day = _day(visited_on, "回访日期", "visited_on", now, agreed_day, "协议达成日期")
        return _save(
            s,
            actor,
            case,
            version,
            "followup",
            dict(status=to_status, followup_at=_at(day, now), followup_note=text, last_progress_at=now),
            now,
        )


def close(engine: Engine, actor: Actor, case_id: int, version: int, outcome: str, now: datetime | None = None) -> dict:
    """销号: only with the outcome and a follow-up visit on or after the due date."""
    require(actor, "mediation.edit")
    now = now_or(now)
    text = clean_text(outcome, "调处结果", min_len=4, max_len=TEXT_MAX, required=True, multiline=True, field="outcome")
    with write_session(engine) as s:
        case = _load(s, actor, case_id, version)
        to_status = fsm.next_status(case.status, "close")
        if case.followup_at is None:
            due = f"（应于{case.followup_due_on:%Y-%m-%d}起回访）" if case.followup_due_on else ""
            raise ValidationError(f"尚未登记回访，不能销号{due}。请先回访当事人并登记回访情况。", field="followup")
        visited = to_local(case.followup_at).date()
        if case.followup_due_on is not None and visited < case.followup_due_on:
            raise ValidationError(
                f"回访日期（{visited:%Y-%m-%d}）早于应回访日期（{case.followup_due_on:%Y-%m-%d}），"
                "不能销号。请在应回访日期后再次回访并登记。",
                field="followup",
            )
        return _save(
            s,
            actor,
            case,
            version,
            "close",
            dict(status=to_status, outcome=text, closed_at=now, last_progress_at=now),
            now,
        )


def reopen(engine: Engine, actor: Actor, case_id: int, version: int, reason: str, now: datetime | None = None) -> dict:
    """An agreed or closed case is mediated again (the agreement broke down): back to
    mediating, ``reopen_count`` + 1, agreement, follow-up and close-out cleared (kept in the
    audit record); mediation continues with the next step."""
    require(actor, "mediation.edit")
    now = now_or(now)
    why = clean_text(
        reason, "重新启调原因", min_len=4, max_len=REASON_MAX, required=True, multiline=True, field="reason"
    )
    with write_session(engine) as s:
        case = _load(s, actor, case_id, version)
        to_status = fsm.next_status(case.status, "reopen")
        return _save(
            s,
            actor,
            case,
            version,
            "reopen",
            dict(
                status=to_status,
                reopen_count=case.reopen_count + 1,
                agreement_text=None,
                agreed_at=None,
                followup_due_on=None,
                followup_at=None,
                followup_note=None,
                outcome=None,
                closed_at=None,
                last_progress_at=now,
            ),
            now,
            {"reason": why},
        )


def assign_mediator(
    engine: Engine, actor: Actor, case_id: int, version: int, mediator_id: int, now: datetime | None = None
) -> dict:
    """Change the mediator in charge of an open case."""
    require(actor, "mediation.edit")
    now = now_or(now)
    with write_session(engine) as s:
        case = _load(s, actor, case_id, version)
        if case.status not in fsm.OPEN_STATUSES:
            raise InvalidTransition("案件已结束，不能更换调解员。")
        _check_mediator(s, mediator_id, case.township_id)
        return _save(s, actor, case, version, "assign", dict(mediator_id=mediator_id), now)


# --------------------------------------------------------------------------- settings


def update_settings(
    engine: Engine, actor: Actor, *, followup_days: int, stale_days: int, now: datetime | None = None
) -> dict:
    """The follow-up interval and the stale-case reminder, in ``app_setting``."""
    require(actor, "mediation.settings")

    values = {}
    for key, value, label in (
        (FOLLOWUP_DAYS_KEY, followup_days, "回访间隔天数"),
        (STALE_DAYS_KEY, stale_days, "无进展提醒天数"),
    ):
        lo, hi = SETTING_BOUNDS[key]
        values[key] = bounded_int(value, lo, hi, f"{label}须为{lo}至{hi}之间的整数。", field=key)
    with write_session(engine) as s:
        require_county(s, actor, "调解回访和提醒设置")
        before = {}
        for key, n in values.items():
            row = s.get(AppSetting, key)
            before[key] = row.value if row is not None else None
            if row is None:
                s.add(AppSetting(key=key, value=str(n)))
            else:
                row.value = str(n)
        audit.record(
            s,
            actor,
            "mediation.settings",
            "app_setting",
            None,
            before=before,
            after={k: str(v) for k, v in values.items()},
        )
    return values


# --------------------------------------------------------------------------- screening


_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")  # fullmatch, ASCII digits: no trailing newline, no other scripts


def save_screening(
    engine: Engine,
    actor: Actor,
    village_id: int,
    month: str,
    *,
    done: bool,
    findings: str | None,
    disputes_found: int = 0,
    version: int | None = None,
    now: datetime | None = None,
) -> dict:
    """Record (or correct) a village's monthly screening. ``version`` is the one loaded, None
    when no record existed yet; someone else's save in between is a conflict."""
    require(actor, "mediation.screening")
    now = now_or(now)
    if not isinstance(month, str) or not _MONTH.fullmatch(month):
        raise ValidationError("排查月份格式应为“2026-03”。", field="month")
    if month > local_date(now).strftime("%Y-%m"):
        raise ValidationError("不能登记未来月份的排查。", field="month")
    text = clean_text(findings, "排查情况", max_len=TEXT_MAX, multiline=True, field="findings")
    found = (
        0
        if disputes_found is None
        else bounded_int(disputes_found, 0, 99, "排查出的纠纷数须为0至99之间的整数。", field="disputes_found")
    )
    if not done and (found or text):
        raise ValidationError("未完成排查时不能填写排查情况和纠纷数。", field="done")
    if done and text is None:
        raise ValidationError("请填写排查情况（如“未发现新的矛盾纠纷”）。", field="findings")
    with write_session(engine) as s:
        village = s.get(Village, village_id)
        if village is None:
            raise ValidationError("所选村（社区）不存在。", field="village_id")
        _check_village_scope(s, actor, village, "登记排查")
        row = s.scalar(
            select(VillageScreening).where(VillageScreening.village_id == village_id, VillageScreening.month == month)
        )
        values = dict(done=bool(done), findings=text, disputes_found=found)
        if row is None:
            if version:
                raise _conflict(version, None)
            row = VillageScreening(village_id=village_id, month=month, version=1, updated_at=now, **values)
            s.add(row)
            try:
                with s.begin_nested():
                    s.flush()
            except IntegrityError:  # unique (village, month): someone saved it first
                raise ConflictError(
                    f"保存失败：{village.name}{month}的排查记录刚被他人登记。请刷新后重新编辑。"
                ) from None
            audit.record(
                s,
                actor,
                "mediation.screening",
                "village_screening",
                row.id,
                after={"village_id": village_id, "month": month, **values},
            )
            return {"id": row.id, "version": 1}
        if version != row.version:
            raise _conflict(version or 0, row.version)
        before = {k: getattr(row, k) for k in values}
        new_version = _cas(s, VillageScreening, row.id, row.version, values, now)
        audit.record(
            s,
            actor,
            "mediation.screening",
            "village_screening",
            row.id,
            before=before,
            after={"month": month, **values},
        )
        return {"id": row.id, "version": new_version}


def record_visit(
    engine: Engine,
    actor: Actor,
    resident_id: int,
    group_tag: str,
    visited_on: date,
    visitor: str,
    note: str | None = None,
    now: datetime | None = None,
) -> dict:
    """A visit to a person of a special group; the next one is due 30 days later."""
    require(actor, "mediation.screening")
    now = now_or(now)
    if group_tag not in SPECIAL_GROUPS:
        raise ValidationError("请选择走访对象类别。", field="group_tag")
    who = clean_text(visitor, "走访人", max_len=NAME_MAX, required=True, field="visitor")
    text = clean_text(note, "走访情况", max_len=TEXT_MAX, multiline=True, field="note")
    day = _day(visited_on, "走访日期", "visited_on", now)
    with write_session(engine) as s:
        person = s.get(Resident, resident_id)
        if person is None:
            raise ValidationError("所选居民不存在。", field="resident_id")
        village = s.scalar(
            select(Village)
            .join(Grid, Grid.village_id == Village.id)
            .join(Household, Household.grid_id == Grid.id)
            .where(Household.id == person.household_id)
        )
        if village is not None:
            _check_village_scope(s, actor, village, "登记走访")
        elif not _scope(s, actor).unrestricted:
            raise PermissionDenied("该居民未登记所在村（社区），只能由乡级人员登记走访。")
        if group_tag not in (person.tags or "").split(","):
            raise ValidationError(f"该居民未登记为{SPECIAL_GROUPS[group_tag]}。", field="group_tag")
        row = SpecialGroupVisit(
            resident_id=resident_id,
            group_tag=group_tag,
            visited_on=day,
            visitor=who,
            note=text,
            next_due_on=day + timedelta(days=VISIT_INTERVAL_DAYS),
        )
        s.add(row)
        s.flush()
        audit.record(
            s,
            actor,
            "mediation.visit",
            "special_group_visit",
            row.id,
            after={
                "resident_id": resident_id,
                "group_tag": group_tag,
                "visited_on": day,
                "visitor": who,
                "next_due_on": row.next_due_on,
            },
        )
        return {"id": row.id, "next_due_on": row.next_due_on}
