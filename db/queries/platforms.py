"""Reads for the platform desk and the 综治 summary: counted, grouped and paginated in SQL.

Personal data is masked here for the reading role (``db.rules.masking``), so lists, details,
charts and exports all get the same masking: service applicants and floating residents field by
field; every free text (case titles, descriptions, results, timeline notes, push and bounce
reasons, inspection findings, screening summaries, meeting minutes and decisions) scrubbed with
``scrub_for`` for a role that does not see names and phones (leader, demo), with the names known
for the case (the caller of its source order, the households and parties of the records it is
linked to); the officers in a timeline are masked for the demo observer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from db.models import Platform, Township, User, Village, WorkOrder
from db.models.grid_work import GridEvent
from db.models.mediation import MediationParty
from db.models.orders import ORDER_STATUSES, RecordLink
from db.models.org import Household, Resident
from db.models.people import PLATFORMS
from db.models.platforms import (
    ARRIVAL_TARGET_MINUTES,
    OPEN_CASE_STATUSES,
    AnalysisMeeting,
    EnforcementReport,
    FloatingResident,
    Handoff,
    Inspection,
    PlatformCase,
    PlatformCaseAssist,
    PlatformCaseEvent,
    ServiceItem,
    ServiceRequest,
    VillageReportCheck,
)
from db.permissions import sees_unmasked
from db.rules.masking import mask_name, mask_record, scrub_for, scrub_rows
from db.rules.platform_fsm import FLAG_BOUNCES

PLATFORM_ORDER = ("zongzhi", "shichang", "zhifa", "bianmin")


def _page(s: Session, stmt, offset: int, limit: int) -> tuple[int, list[dict]]:
    total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = [dict(r) for r in s.execute(stmt.offset(offset).limit(limit)).mappings()]
    return total or 0, rows


# --------------------------------------------------------------------------- masking


def _sees_people(role: str) -> bool:
    return sees_unmasked(role, "name") and sees_unmasked(role, "phone")


def case_names(s: Session, case_ids: list[int]) -> dict[int, list[str]]:
    """The people's names known for each case, to scrub its free text with: the caller of its
    source order, and of every work order, grid event and mediation case linked to it the
    caller, the household (head and members) and the parties."""
    ids = sorted({i for i in case_ids if i is not None})
    out: dict[int, set[str]] = {i: set() for i in ids}
    if not ids:
        return {}
    L = RecordLink
    linked: dict[str, list[tuple[int, int]]] = {}  # record type -> [(case id, record id)]
    for row in s.execute(
        select(L.from_id, L.to_type, L.to_id).where(L.from_type == "platform_case", L.from_id.in_(ids))
    ):
        linked.setdefault(row.to_type, []).append((row.from_id, row.to_id))
    for row in s.execute(select(L.to_id, L.from_type, L.from_id).where(L.to_type == "platform_case", L.to_id.in_(ids))):
        linked.setdefault(row.from_type, []).append((row.to_id, row.from_id))
    for cid, oid in s.execute(
        select(PlatformCase.id, PlatformCase.source_order_id).where(
            PlatformCase.id.in_(ids), PlatformCase.source_order_id.is_not(None)
        )
    ):
        assert oid is not None  # the query keeps only cases with a source order
        linked.setdefault("work_order", []).append((cid, oid))
    households: list[tuple[int, int]] = []

    def by_record(pairs: list[tuple[int, int]]) -> dict[int, list[int]]:
        m: dict[int, list[int]] = {}
        for cid, rid in pairs:
            m.setdefault(rid, []).append(cid)
        return m

    if linked.get("work_order"):
        m = by_record(linked["work_order"])
        for oid, caller, hh in s.execute(
            select(WorkOrder.id, WorkOrder.caller_name, WorkOrder.household_id).where(WorkOrder.id.in_(list(m)))
        ):
            for cid in m[oid]:
                if caller:
                    out[cid].add(caller)
                if hh:
                    households.append((cid, hh))
    if linked.get("grid_event"):
        m = by_record(linked["grid_event"])
        for gid, hh in s.execute(
            select(GridEvent.id, GridEvent.household_id).where(
                GridEvent.id.in_(list(m)), GridEvent.household_id.is_not(None)
            )
        ):
            assert hh is not None  # the query keeps only events with a household
            households.extend((cid, hh) for cid in m[gid])
    if linked.get("mediation_case"):
        m = by_record(linked["mediation_case"])
        for mid, name in s.execute(
            select(MediationParty.case_id, MediationParty.name).where(MediationParty.case_id.in_(list(m)))
        ):
            for cid in m[mid]:
                out[cid].add(name)
    if households:
        m = by_record(households)
        for hid, head in s.execute(select(Household.id, Household.head_name).where(Household.id.in_(list(m)))):
            for cid in m[hid]:
                out[cid].add(head)
        for hid, name in s.execute(
            select(Resident.household_id, Resident.name).where(Resident.household_id.in_(list(m)))
        ):
            for cid in m[hid]:
                out[cid].add(name)
    return {cid: sorted(n for n in names if n) for cid, names in out.items()}


def _scrub_rows(
    s: Session, role: str, rows: list[dict], fields: tuple[str, ...], case_key: str | None = "id"
) -> list[dict]:
    """``rows`` with the free-text ``fields`` scrubbed for ``role`` (names of ``case_key``'s case)."""
    return scrub_rows(role, rows, fields, (lambda ids: case_names(s, ids)) if case_key else None, case_key or "id")


def platform(s: Session, platform_id: int) -> dict | None:
    row = (
        s.execute(
            select(Platform.id, Platform.code, Platform.name, Platform.township_id, Township.name.label("township"))
            .join(Township, Township.id == Platform.township_id)
            .where(Platform.id == platform_id)
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def township_platforms(s: Session, township_id: int) -> list[dict]:
    return [
        dict(r)
        for r in s.execute(
            select(Platform.id, Platform.code, Platform.name)
            .where(Platform.township_id == township_id)
            .order_by(Platform.id)
        ).mappings()
    ]


# --------------------------------------------------------------------------- desk queue


def handoffs_waiting(s: Session, platform_id: int, offset: int, limit: int, *, role: str) -> tuple[int, list[dict]]:
    """Pushes addressed to the platform and not yet answered, earliest response deadline first."""
    From = aliased(Platform)
    stmt = (
        select(
            Handoff.id.label("handoff_id"),
            PlatformCase.id,
            PlatformCase.number,
            PlatformCase.title,
            PlatformCase.version,
            PlatformCase.bounce_count,
            From.name.label("from_platform"),
            Handoff.pushed_at,
            Handoff.respond_due_at,
            Handoff.reason,
        )
        .join(PlatformCase, PlatformCase.id == Handoff.case_id)
        .join(From, From.id == Handoff.from_platform_id)
        .where(Handoff.to_platform_id == platform_id, Handoff.status == "pending")
        .order_by(Handoff.respond_due_at.asc().nulls_last(), Handoff.id)
    )
    total, rows = _page(s, stmt, offset, limit)
    return total, _scrub_rows(s, role, rows, ("title", "reason"))


def _mine(platform_id: int):
    return or_(
        PlatformCase.lead_platform_id == platform_id,
        exists().where(PlatformCaseAssist.case_id == PlatformCase.id, PlatformCaseAssist.platform_id == platform_id),
    )


def my_cases(
    s: Session, platform_id: int, offset: int, limit: int, *, role: str, only_flagged: bool = False
) -> tuple[int, list[dict]]:
    """Open cases the platform leads or assists, by deadline (overdue first, then soonest)."""
    Lead = aliased(Platform)
    stmt = (
        select(
            PlatformCase.id,
            PlatformCase.number,
            PlatformCase.title,
            PlatformCase.status,
            PlatformCase.source,
            PlatformCase.due_at,
            PlatformCase.created_at,
            PlatformCase.is_joint,
            PlatformCase.bounce_count,
            PlatformCase.version,
            Lead.name.label("lead_platform"),
            (PlatformCase.lead_platform_id == platform_id).label("is_lead"),
        )
        .join(Lead, Lead.id == PlatformCase.lead_platform_id)
        .where(PlatformCase.status.in_(OPEN_CASE_STATUSES), _mine(platform_id))
        .order_by(PlatformCase.due_at.asc().nulls_last(), PlatformCase.id)
    )
    if only_flagged:
        stmt = stmt.where(PlatformCase.bounce_count >= FLAG_BOUNCES)
    total, rows = _page(s, stmt, offset, limit)
    return total, _scrub_rows(s, role, rows, ("title",))


def my_orders(s: Session, platform_id: int, offset: int, limit: int, *, role: str) -> tuple[int, list[dict]]:
    """Work orders dispatched to the platform and not yet resolved, by deadline."""
    stmt = (
        select(
            WorkOrder.id, WorkOrder.number, WorkOrder.title, WorkOrder.status, WorkOrder.due_at, WorkOrder.caller_name
        )
        .where(WorkOrder.platform_id == platform_id, WorkOrder.status.in_(("dispatched", "in_progress")))
        .order_by(WorkOrder.due_at.asc().nulls_last(), WorkOrder.id)
    )
    total, rows = _page(s, stmt, offset, limit)
    for r in rows:
        r["status_label"] = ORDER_STATUSES.get(r["status"], r["status"])
        r["title"] = scrub_for(role, r["title"], [r.pop("caller_name") or ""])
    return total, rows


def desk_counts(s: Session, platform_id: int, now: datetime) -> dict[str, int]:
    open_mine = and_(PlatformCase.status.in_(OPEN_CASE_STATUSES), _mine(platform_id))
    row = s.execute(
        select(
            func.count(),
            func.sum(case((PlatformCase.due_at < now, 1), else_=0)),
            func.sum(case((PlatformCase.bounce_count >= FLAG_BOUNCES, 1), else_=0)),
        )
        .select_from(PlatformCase)
        .where(open_mine)
    ).one()
    handoffs = s.scalar(
        select(func.count())
        .select_from(Handoff)
        .where(Handoff.to_platform_id == platform_id, Handoff.status == "pending")
    )
    orders = s.scalar(
        select(func.count())
        .select_from(WorkOrder)
        .where(WorkOrder.platform_id == platform_id, WorkOrder.status.in_(("dispatched", "in_progress")))
    )
    return {
        "open": row[0] or 0,
        "overdue": row[1] or 0,
        "flagged": row[2] or 0,
        "handoffs": handoffs or 0,
        "orders": orders or 0,
    }


def case_id_by_number(s: Session, number: str) -> int | None:
    return s.scalar(select(PlatformCase.id).where(PlatformCase.number == number.strip()))


def case_detail(s: Session, case_id: int, *, role: str) -> dict | None:
    """The case, its platforms, its pending hand-off and its whole timeline, as ``role`` may
    see them (free text scrubbed, the officers masked for the demo observer)."""
    c = s.get(PlatformCase, case_id)
    if c is None:
        return None
    names = dict(s.execute(select(Platform.id, Platform.name).where(Platform.township_id == c.township_id)).all())
    village = s.get_one(Village, c.village_id).name if c.village_id else None
    assists = list(s.scalars(select(PlatformCaseAssist.platform_id).where(PlatformCaseAssist.case_id == c.id)))
    pending_row = (
        s.execute(
            select(
                Handoff.id, Handoff.to_platform_id, Handoff.from_platform_id, Handoff.respond_due_at, Handoff.reason
            ).where(Handoff.case_id == c.id, Handoff.status == "pending")
        )
        .mappings()
        .first()
    )
    events = [
        dict(r)
        for r in s.execute(
            select(
                PlatformCaseEvent.at,
                PlatformCaseEvent.action,
                PlatformCaseEvent.from_status,
                PlatformCaseEvent.to_status,
                PlatformCaseEvent.platform_id,
                PlatformCaseEvent.to_platform_id,
                PlatformCaseEvent.note,
                User.display_name.label("actor"),
            )
            .outerjoin(User, User.id == PlatformCaseEvent.actor_id)
            .where(PlatformCaseEvent.case_id == c.id)
            .order_by(PlatformCaseEvent.at, PlatformCaseEvent.id)
        ).mappings()
    ]
    for e in events:
        e["platform"] = names.get(e["platform_id"], "")
        e["to_platform"] = names.get(e["to_platform_id"], "")
    people = [] if _sees_people(role) else case_names(s, [c.id]).get(c.id, [])
    for e in events:
        e["note"] = scrub_for(role, e["note"], people)
        if role == "demo" and e["actor"]:  # officers' names, like the grid events' timeline
            e["actor"] = mask_name(e["actor"])
    pending = dict(pending_row) if pending_row else None
    if pending:
        pending["reason"] = scrub_for(role, pending["reason"], people)
    return {
        "id": c.id,
        "number": c.number,
        "title": scrub_for(role, c.title, people),
        "description": scrub_for(role, c.description, people),
        "status": c.status,
        "source": c.source,
        "lead_platform_id": c.lead_platform_id,
        "lead_platform": names.get(c.lead_platform_id, ""),
        "village": village,
        "is_joint": c.is_joint,
        "assist_ids": assists,
        "assists": [names.get(a, "") for a in assists],
        "due_at": c.due_at,
        "created_at": c.created_at,
        "closed_at": c.closed_at,
        "result": scrub_for(role, c.result, people),
        "bounce_count": c.bounce_count,
        "version": c.version,
        "township_id": c.township_id,
        "pending_handoff": pending,
        "platforms": names,
        "timeline": events,
    }


# --------------------------------------------------------------------------- records


def inspections(
    s: Session, township_id: int, offset: int, limit: int, *, role: str, only_open: bool = False
) -> tuple[int, list[dict]]:
    stmt = (
        select(
            Inspection.id,
            Inspection.business_name,
            Inspection.address,
            Inspection.kind,
            Inspection.inspected_on,
            Inspection.notice_number,
            Inspection.rectify_by,
            Inspection.reinspected_on,
            Inspection.status,
            Inspection.finding,
            Inspection.version,
        )
        .where(Inspection.township_id == township_id)
        .order_by(Inspection.inspected_on.desc(), Inspection.id.desc())
    )
    if only_open:
        stmt = stmt.where(Inspection.status == "rectifying")
    total, rows = _page(s, stmt, offset, limit)
    return total, _scrub_rows(s, role, rows, ("finding",), case_key=None)


def enforcement(
    s: Session, township_id: int, offset: int, limit: int, *, only_waiting: bool = False
) -> tuple[int, list[dict]]:
    stmt = (
        select(
            EnforcementReport.id,
            EnforcementReport.kind,
            EnforcementReport.address,
            EnforcementReport.reported_at,
            EnforcementReport.arrived_at,
            EnforcementReport.joint,
            EnforcementReport.version,
        )
        .where(EnforcementReport.township_id == township_id)
        .order_by(EnforcementReport.reported_at.desc(), EnforcementReport.id.desc())
    )
    if only_waiting:
        stmt = stmt.where(EnforcementReport.arrived_at.is_(None))
    total, rows = _page(s, stmt, offset, limit)
    for r in rows:
        r["minutes"] = (
            None if r["arrived_at"] is None else round((r["arrived_at"] - r["reported_at"]).total_seconds() / 60)
        )
    return total, rows


def arrival_stats(s: Session, township_id: int, since: datetime) -> dict[str, int]:
    """Reports since ``since`` with an arrival time, and how many arrived within 30 minutes."""
    rows = s.execute(
        select(EnforcementReport.reported_at, EnforcementReport.arrived_at).where(
            EnforcementReport.township_id == township_id,
            EnforcementReport.reported_at >= since,
            EnforcementReport.arrived_at.is_not(None),
        )
    ).all()
    # the query keeps only reports with an arrival time
    on_time = sum(1 for a, b in rows if b is not None and (b - a).total_seconds() <= ARRIVAL_TARGET_MINUTES * 60)
    return {"arrived": len(rows), "on_time": on_time}


def service_items(s: Session, offset: int, limit: int, search: str = "") -> tuple[int, list[dict]]:
    stmt = select(
        ServiceItem.id,
        ServiceItem.code,
        ServiceItem.name,
        ServiceItem.department_id,
        ServiceItem.agent_point_ok,
        ServiceItem.active,
        ServiceItem.version,
    ).order_by(ServiceItem.code)
    if search.strip():
        like = f"%{search.strip()}%"
        stmt = stmt.where(or_(ServiceItem.name.like(like), ServiceItem.code.like(like)))
    return _page(s, stmt, offset, limit)


def active_service_items(s: Session) -> list[dict]:
    return [
        dict(r)
        for r in s.execute(
            select(ServiceItem.id, ServiceItem.code, ServiceItem.name, ServiceItem.agent_point_ok)
            .where(ServiceItem.active.is_(True))
            .order_by(ServiceItem.code)
        ).mappings()
    ]


PII_SERVICE = {"applicant_name": "name", "applicant_phone": "phone"}
PII_FLOATING = {"name": "name", "id_number": "id_number", "phone": "phone"}


def service_requests(
    s: Session, township_id: int, role: str, offset: int, limit: int, *, only_open: bool = False
) -> tuple[int, list[dict]]:
    stmt = (
        select(
            ServiceRequest.id,
            ServiceItem.name.label("item"),
            Village.name.label("village"),
            ServiceRequest.applicant_name,
            ServiceRequest.applicant_phone,
            ServiceRequest.channel,
            ServiceRequest.for_elderly_or_disabled,
            ServiceRequest.requested_at,
            ServiceRequest.done_at,
            ServiceRequest.version,
        )
        .join(ServiceItem, ServiceItem.id == ServiceRequest.item_id)
        .join(Village, Village.id == ServiceRequest.village_id)
        .where(Village.township_id == township_id)
        .order_by(ServiceRequest.requested_at.desc(), ServiceRequest.id.desc())
    )
    if only_open:
        stmt = stmt.where(ServiceRequest.done_at.is_(None))
    total, rows = _page(s, stmt, offset, limit)
    return total, [mask_record(role, r, PII_SERVICE) for r in rows]


def report_checks(s: Session, township_id: int, offset: int, limit: int, *, role: str) -> tuple[int, list[dict]]:
    stmt = (
        select(
            VillageReportCheck.id,
            Village.name.label("village"),
            VillageReportCheck.week_start,
            VillageReportCheck.reported,
            VillageReportCheck.issues_found,
            VillageReportCheck.issues,
        )
        .join(Village, Village.id == VillageReportCheck.village_id)
        .where(Village.township_id == township_id)
        .order_by(VillageReportCheck.week_start.desc(), Village.id)
    )
    total, rows = _page(s, stmt, offset, limit)
    return total, _scrub_rows(s, role, rows, ("issues",), case_key=None)


def meetings(s: Session, township_id: int, offset: int, limit: int, *, role: str) -> tuple[int, list[dict]]:
    spawned = (
        select(func.count())
        .where(PlatformCase.meeting_id == AnalysisMeeting.id)
        .correlate(AnalysisMeeting)
        .scalar_subquery()
    )
    stmt = (
        select(
            AnalysisMeeting.id,
            AnalysisMeeting.held_on,
            AnalysisMeeting.attendees,
            AnalysisMeeting.minutes,
            AnalysisMeeting.decisions,
            spawned.label("cases"),
        )
        .where(AnalysisMeeting.township_id == township_id)
        .order_by(AnalysisMeeting.held_on.desc(), AnalysisMeeting.id.desc())
    )
    total, rows = _page(s, stmt, offset, limit)
    return total, _scrub_rows(s, role, rows, ("attendees", "minutes", "decisions"), case_key=None)


def floating(
    s: Session, township_id: int, role: str, offset: int, limit: int, *, only_present: bool = True
) -> tuple[int, list[dict]]:
    stmt = (
        select(
            FloatingResident.id,
            Village.name.label("village"),
            FloatingResident.name,
            FloatingResident.id_number,
            FloatingResident.phone,
            FloatingResident.origin,
            FloatingResident.address,
            FloatingResident.registered_on,
            FloatingResident.left_on,
            FloatingResident.version,
        )
        .join(Village, Village.id == FloatingResident.village_id)
        .where(Village.township_id == township_id)
        .order_by(FloatingResident.registered_on.desc(), FloatingResident.id.desc())
    )
    if only_present:
        stmt = stmt.where(FloatingResident.left_on.is_(None))
    total, rows = _page(s, stmt, offset, limit)
    return total, [mask_record(role, r, PII_FLOATING) for r in rows]


# --------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class Period:
    start: datetime  # naive UTC, inclusive
    end: datetime  # naive UTC, exclusive
    township_id: int | None = None


def _scope(p: Period):
    conds = [PlatformCase.created_at >= p.start, PlatformCase.created_at < p.end]
    if p.township_id is not None:
        conds.append(PlatformCase.township_id == p.township_id)
    return conds


def summary(s: Session, p: Period, now: datetime) -> list[dict]:
    """Per platform (by kind, across the townships in scope), the cases opened in the period:
    opened, still open, closed, overdue (open past their deadline now, or closed after it),
    flagged (bounced more than once)."""
    open_ = PlatformCase.status.in_(OPEN_CASE_STATUSES)
    overdue = or_(
        and_(open_, PlatformCase.due_at < now),
        and_(PlatformCase.status == "closed", PlatformCase.closed_at > PlatformCase.due_at),
    )
    rows = (
        s.execute(
            select(
                Platform.code,
                func.min(Platform.name).label("name"),
                func.count().label("opened"),
                func.sum(case((open_, 1), else_=0)).label("open"),
                func.sum(case((PlatformCase.status == "closed", 1), else_=0)).label("closed"),
                func.sum(case((overdue, 1), else_=0)).label("overdue"),
                func.sum(case((PlatformCase.bounce_count >= FLAG_BOUNCES, 1), else_=0)).label("flagged"),
            )
            .join(Platform, Platform.id == PlatformCase.lead_platform_id)
            .where(*_scope(p))
            .group_by(Platform.code)
        )
        .mappings()
        .all()
    )
    by = {r["code"]: dict(r) for r in rows}

    out = []
    for code in PLATFORM_ORDER:
        r = by.get(code) or {"code": code, "opened": 0, "open": 0, "closed": 0, "overdue": 0, "flagged": 0}
        r = {k: (v or 0) if k not in ("code", "name") else v for k, v in r.items()}
        r["name"] = PLATFORMS[code]
        out.append(r)
    return out


def flows(s: Session, p: Period) -> list[dict]:
    """Hand-offs pushed in the period: from platform kind → to platform kind, by outcome."""
    From, To = aliased(Platform), aliased(Platform)
    stmt = (
        select(From.code.label("from_code"), To.code.label("to_code"), Handoff.status, func.count().label("n"))
        .join(From, From.id == Handoff.from_platform_id)
        .join(To, To.id == Handoff.to_platform_id)
        .where(Handoff.pushed_at >= p.start, Handoff.pushed_at < p.end)
        .group_by(From.code, To.code, Handoff.status)
    )
    if p.township_id is not None:
        stmt = stmt.where(From.township_id == p.township_id)
    return [dict(r) for r in s.execute(stmt).mappings()]


def case_list(
    s: Session,
    p: Period,
    now: datetime,
    offset: int,
    limit: int,
    *,
    role: str,
    code: str | None = None,
    bucket: str = "all",
) -> tuple[int, list[dict]]:
    """The drill-down: cases opened in the period, by platform kind and bucket
    (all / open / closed / overdue / flagged), flagged and overdue first."""
    Lead = aliased(Platform)
    open_ = PlatformCase.status.in_(OPEN_CASE_STATUSES)
    stmt = (
        select(
            PlatformCase.id,
            PlatformCase.number,
            PlatformCase.title,
            PlatformCase.status,
            Lead.name.label("lead_platform"),
            Township.name.label("township"),
            PlatformCase.due_at,
            PlatformCase.created_at,
            PlatformCase.closed_at,
            PlatformCase.bounce_count,
        )
        .join(Lead, Lead.id == PlatformCase.lead_platform_id)
        .join(Township, Township.id == PlatformCase.township_id)
        .where(*_scope(p))
        .order_by(PlatformCase.bounce_count.desc(), PlatformCase.due_at.asc().nulls_last(), PlatformCase.id)
    )
    if code:
        stmt = stmt.where(Lead.code == code)
    if bucket == "open":
        stmt = stmt.where(open_)
    elif bucket == "closed":
        stmt = stmt.where(PlatformCase.status == "closed")
    elif bucket == "overdue":
        stmt = stmt.where(
            or_(
                and_(open_, PlatformCase.due_at < now),
                and_(PlatformCase.status == "closed", PlatformCase.closed_at > PlatformCase.due_at),
            )
        )
    elif bucket == "flagged":
        stmt = stmt.where(PlatformCase.bounce_count >= FLAG_BOUNCES)
    total, rows = _page(s, stmt, offset, limit)
    return total, _scrub_rows(s, role, rows, ("title",))


def townships(s: Session) -> list[dict]:
    return [dict(r) for r in s.execute(select(Township.id, Township.name).order_by(Township.id)).mappings()]
