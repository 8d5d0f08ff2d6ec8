"""Mediation reads: the ledger (filtered, sorted red first then stale, paginated in SQL), a
case's file, the red list, the screening and special-group views, and the KPIs
(``resolution_stats``).

Every function takes a Session, never commits, aggregates and paginates in SQL and returns
plain dicts. Times are naive UTC; local dates are Asia/Shanghai.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import RowMapping, and_, case, exists, func, literal, not_, or_, select, union_all
from sqlalchemy.orm import Session

from db.models import (
    AppSetting,
    Grid,
    GridStaff,
    Household,
    MediationCase,
    MediationParty,
    MediationStep,
    Mediator,
    Resident,
    SpecialGroupVisit,
    Township,
    User,
    Village,
    VillageScreening,
)
from db.models.mediation import (
    DISPUTE_TYPES,
    MEDIATION_STEPS,
    RISK_COLOURS,
)
from db.permissions import Actor, sees_unmasked
from db.queries import links as links_q
from db.queries import privacy
from db.rules import mediation_fsm as fsm
from db.rules.masking import mask_for, mask_name, scrub_for, scrub_text
from db.rules.sla import to_local
from db.rules.text import search_text

C = MediationCase
EXPORT_LIMIT = 20000
FOLLOWUP_DAYS_KEY, STALE_DAYS_KEY = "mediation_followup_days", "mediation_stale_days"
DEFAULTS = {FOLLOWUP_DAYS_KEY: 30, STALE_DAYS_KEY: 15}
SPECIAL_GROUPS = {"released_prisoner": "刑满释放人员", "elderly_alone": "独居老人"}

STATS_GROUPS = {None: "全部", "risk_colour": "风险等级", "dispute_type": "纠纷类型", "village": "村（社区）"}


# --------------------------------------------------------------------------- KPIs


def _days_between(s: Session, later, earlier):
    """``later - earlier`` in (fractional) days, as a SQL expression on either backend."""
    if s.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def resolution_stats(s: Session, since: datetime, until: datetime, by: str | None = None) -> list[dict]:
    """Resolution KPIs of the dispute cases reported in ``[since, until)`` (naive UTC).

    Cohort: ``kind == "dispute"`` (hazards are left out) and ``since <= reported_at < until``.
    Per group: ``n`` cases; ``resolved`` those now agreed or closed; ``resolved_in_village``
    resolved ones still at village level and never escalated (小事不出村); ``resolution_rate``
    = resolved / n; ``village_share`` = resolved_in_village / resolved; ``avg_days`` = mean of
    ``coalesce(agreed_at, closed_at) - reported_at`` in days over resolved cases. Rates are
    None when their denominator is 0. Groups: ``by=None`` one row (key None, label "全部");
    ``risk_colour`` (the case's current colour) and ``dispute_type`` every known value in a
    fixed order, zeros included; ``village`` the villages having cases in the cohort, most
    cases first.
    """
    if by not in STATS_GROUPS:
        raise ValueError(f"unknown grouping: {by}")
    resolved = C.status.in_(fsm.RESOLVED_STATUSES)
    in_village = and_(resolved, C.level == "village", C.escalated_at.is_(None))
    days = _days_between(s, func.coalesce(C.agreed_at, C.closed_at), C.reported_at)
    measures = [
        func.count().label("n"),
        func.coalesce(func.sum(case((resolved, 1), else_=0)), 0).label("resolved"),
        func.coalesce(func.sum(case((in_village, 1), else_=0)), 0).label("resolved_in_village"),
        func.avg(case((resolved, days), else_=None)).label("avg_days"),
    ]
    cohort = (C.kind == "dispute", C.reported_at >= since, C.reported_at < until)
    if by is None:
        stmt = select(*measures).where(*cohort)
        rows = [(None, *s.execute(stmt).one())]
    elif by == "village":
        stmt = (
            select(C.village_id, Village.name, *measures)
            .join(Village, Village.id == C.village_id)
            .where(*cohort)
            .group_by(C.village_id, Village.name)
            .order_by(func.count().desc(), Village.name)
        )
        rows = [(vid, n, r, rv, avg, name) for vid, name, n, r, rv, avg in s.execute(stmt)]
    else:
        key_col = getattr(C, by)
        stmt = select(key_col, *measures).where(*cohort).group_by(key_col)
        found = {row[0]: row for row in s.execute(stmt)}
        labels = RISK_COLOURS if by == "risk_colour" else DISPUTE_TYPES
        keys = list(labels) + [k for k in found if k not in labels]
        rows = [found.get(k, (k, 0, 0, 0, None)) for k in keys]
    out = []
    for row in rows:
        key, n, res, res_v, avg = row[:5]
        n, res, res_v = int(n or 0), int(res or 0), int(res_v or 0)
        if by is None:
            label = "全部"
        elif by == "village":
            label = row[5]
        elif by == "risk_colour":
            label = RISK_COLOURS.get(key, str(key))
        else:
            label = DISPUTE_TYPES.get(key, str(key))
        out.append(
            {
                "key": key,
                "label": label,
                "n": n,
                "resolved": res,
                "resolved_in_village": res_v,
                "resolution_rate": res / n if n else None,
                "village_share": res_v / res if res else None,
                "avg_days": float(avg) if res and avg is not None else None,
            }
        )
    return out


# --------------------------------------------------------------------------- settings


def settings(s: Session) -> dict[str, int]:
    """``followup_days`` (回访间隔, default 30) and ``stale_days`` (无进展提醒, default 15)."""
    stored = dict(s.execute(select(AppSetting.key, AppSetting.value).where(AppSetting.key.in_(list(DEFAULTS)))).all())
    out = {}
    for key, default in DEFAULTS.items():
        try:
            out[key] = int(stored[key]) if key in stored else default
        except ValueError:
            out[key] = default
    return {"followup_days": out[FOLLOWUP_DAYS_KEY], "stale_days": out[STALE_DAYS_KEY]}


# --------------------------------------------------------------------------- write scope


UNSCOPED_ROLES = frozenset({"admin"})  # the system administrator acts everywhere


@dataclass(frozen=True)
class WriteScope:
    """Where an actor may register, mediate, screen and visit.

    ``village_id``: only this village's records, and only village-level cases (an escalated,
    township-level case belongs to the township mediators, who have no village); a grid worker
    is bound to the village of their own grid (``GridStaff.user_id`` → grid → village), anyone
    else to ``app_user.village_id``. ``township_id``: only this township (``app_user.township_id``,
    or the village's). ``no_staff``: a grid account without a grid staff record may write nothing.
    """

    village_id: int | None = None
    village_name: str | None = None
    township_id: int | None = None
    no_staff: bool = False

    @property
    def unrestricted(self) -> bool:
        return self.village_id is None and self.township_id is None and not self.no_staff


def write_scope(s: Session, actor: Actor) -> WriteScope:
    """The actor's write scope, read from the database (see ``WriteScope``)."""
    if actor.role in UNSCOPED_ROLES:
        return WriteScope()
    if actor.role == "grid":
        row = s.execute(
            select(Village.id, Village.name, Village.township_id)
            .join(Grid, Grid.village_id == Village.id)
            .join(GridStaff, GridStaff.grid_id == Grid.id)
            .where(GridStaff.user_id == actor.user_id, GridStaff.active.is_(True))
            .order_by(GridStaff.id)
            .limit(1)
        ).first()
        if row is None:
            return WriteScope(no_staff=True)
        return WriteScope(village_id=row[0], village_name=row[1], township_id=row[2])
    user = s.get(User, actor.user_id) if actor.user_id else None
    village_id = actor.village_id if actor.village_id is not None else (user.village_id if user else None)
    township_id = user.township_id if user else None
    if village_id is not None:
        village = s.get(Village, village_id)
        if village is not None:
            return WriteScope(
                village_id=village.id, village_name=village.name, township_id=township_id or village.township_id
            )
        return WriteScope(village_id=village_id, township_id=township_id)
    return WriteScope(township_id=township_id)


def writable_villages(s: Session, actor: Actor) -> frozenset[int] | None:
    """The villages the actor may write in (register, screen, visit); None: every village."""
    sc = write_scope(s, actor)
    if sc.no_staff:
        return frozenset()
    if sc.village_id is not None:
        return frozenset({sc.village_id})
    if sc.township_id is not None:
        return frozenset(s.scalars(select(Village.id).where(Village.township_id == sc.township_id)))
    return None


def case_scope_refusal(scope: WriteScope, number: str, township_id: int, village_id: int, level: str) -> str | None:
    """Why an actor of ``scope`` may not act on the case, in Chinese; None when they may."""
    if scope.no_staff:
        return "该账号尚未关联网格员档案，请联系管理员。"
    if scope.township_id is not None and township_id != scope.township_id:
        return f"案件{number}不属于您所在的乡镇，无权办理。"
    if scope.village_id is not None:
        if village_id != scope.village_id:
            return f"案件{number}不属于您所在的村（社区），无权办理。"
        if level != "village":
            return f"案件{number}已升级至乡级调处，由乡级调解员办理。"
    return None


def village_scope_refusal(scope: WriteScope, village: Village, what: str) -> str | None:
    """Why an actor of ``scope`` may not ``what`` (登记排查, 登记走访…) in ``village``; None if they may."""
    if scope.no_staff:
        return "该账号尚未关联网格员档案，请联系管理员。"
    if scope.township_id is not None and village.township_id != scope.township_id:
        return f"{village.name}不属于您所在的乡镇，无权{what}。"
    if scope.village_id is not None and village.id != scope.village_id:
        return f"{village.name}不属于您所在的村（社区），无权{what}。"
    return None


# --------------------------------------------------------------------------- the ledger


@dataclass(frozen=True)
class LedgerFilter:
    """What the ledger shows. Empty tuples / None mean "any"."""

    kinds: tuple[str, ...] = ()
    colours: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    dispute_types: tuple[str, ...] = ()
    village_ids: tuple[int, ...] = ()
    level: str | None = None
    mediator_id: int | None = None
    open_only: bool = False  # not yet closed (open, mediating, agreed)
    red_only: bool = False  # red and not yet closed (the leaders' 红色预警 list)
    stale: bool = False  # not yet closed and no progress for ``stale_days``
    followup_due: bool = False  # agreed, follow-up due today or earlier, not yet visited
    text: str | None = None  # number or words of the title


def _open():
    return C.status.in_(fsm.OPEN_STATUSES)


def stale_condition(now: datetime, stale_days: int):
    """Not closed yet and no progress for ``stale_days`` days (the home card's definition)."""
    return and_(_open(), C.last_progress_at < now - timedelta(days=stale_days))


def followup_due_condition(now: datetime):
    return and_(C.status == "agreed", C.followup_due_on <= to_local(now).date(), C.followup_at.is_(None))


def _conditions(f: LedgerFilter, now: datetime, stale_days: int) -> list:
    where: list = []
    if f.kinds:
        where.append(C.kind.in_(f.kinds))
    if f.colours:
        where.append(C.risk_colour.in_(f.colours))
    if f.statuses:
        where.append(C.status.in_(f.statuses))
    if f.dispute_types:
        where.append(C.dispute_type.in_(f.dispute_types))
    if f.village_ids:
        where.append(C.village_id.in_(f.village_ids))
    if f.level:
        where.append(C.level == f.level)
    if f.mediator_id:
        where.append(C.mediator_id == f.mediator_id)
    if f.open_only:
        where.append(_open())
    if f.red_only:
        where.extend([_open(), C.risk_colour == "red"])
    if f.stale:
        where.append(stale_condition(now, stale_days))
    if f.followup_due:
        where.append(followup_due_condition(now))
    text = search_text(f.text) or ""
    if text:
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(or_(C.number.ilike(like, escape="\\"), C.title.ilike(like, escape="\\")))
    return where


def _band(now: datetime, stale_days: int):
    """0 red and not closed, 1 stale, 2 other not closed, 3 closed or ended."""
    return case(
        (and_(_open(), C.risk_colour == "red"), 0), (stale_condition(now, stale_days), 1), (_open(), 2), else_=3
    )


def ledger_count(s: Session, f: LedgerFilter, now: datetime) -> int:
    stale_days = settings(s)["stale_days"]
    return s.scalar(select(func.count()).select_from(C).where(*_conditions(f, now, stale_days))) or 0


def ledger_page(
    s: Session, f: LedgerFilter, actor: Actor, now: datetime, offset: int = 0, limit: int = 25
) -> tuple[int, list[dict]]:
    """One page of the ledger, red first, then stale, then the rest, newest first in each band;
    parties masked for the actor's role."""
    stale_days = settings(s)["stale_days"]
    where = _conditions(f, now, stale_days)
    total = s.scalar(select(func.count()).select_from(C).where(*where)) or 0
    offset, limit = max(0, offset), max(1, limit)

    def page(band, conds: list, order: list, skip: int, take: int) -> list[dict]:
        stmt = (
            select(
                C.id,
                C.number,
                C.reported_at,
                C.kind,
                C.dispute_type,
                C.title,
                C.risk_colour,
                C.level,
                C.status,
                C.current_step,
                C.last_progress_at,
                C.followup_due_on,
                C.followup_at,
                C.source,
                C.reopen_count,
                C.version,
                C.escalated_at,
                C.agreed_at,
                C.closed_at,
                C.summary,
                C.agreement_text,
                C.outcome,
                C.followup_note,
                C.escalation_reason,
                C.township_id,
                C.village_id,
                Village.name.label("village"),
                Mediator.name.label("mediator"),
                band.label("band"),
            )
            .join(Village, Village.id == C.village_id)
            .outerjoin(Mediator, Mediator.id == C.mediator_id)
            .where(*conds)
            .order_by(*order, C.reported_at.desc(), C.id.desc())
            .offset(skip)
            .limit(take)
        )
        return [dict(r) for r in s.execute(stmt).mappings()]

    # bands 0-2 are the cases not yet closed (a few thousand in a county), band 3 the rest: the
    # open ones are sorted by band, the closed ones read newest first from the reported_at index,
    # so a page never sorts the whole ledger (50,000 cases at county scale)
    open_conds = [*where, _open()]
    n_open = s.scalar(select(func.count()).select_from(C).where(*open_conds)) or 0
    rows: list[dict] = []
    if offset < n_open:
        band = _band(now, stale_days)
        rows = page(band, open_conds, [band], offset, limit)
    if offset + limit > n_open:
        rows += page(literal(3), [*where, not_(_open())], [], max(0, offset - n_open), limit - len(rows))
    _attach_parties(s, rows, actor.role)
    for r in rows:
        r["mediator"] = mask_for(actor.role, "name", r["mediator"])  # a person's name, like any other
        r["stale"] = r["band"] == 1 or (
            r["status"] in fsm.OPEN_STATUSES and r["last_progress_at"] < now - timedelta(days=stale_days)
        )
        r["followup_overdue"] = (
            r["status"] == "agreed"
            and r["followup_at"] is None
            and r["followup_due_on"] is not None
            and r["followup_due_on"] <= to_local(now).date()
        )
    return total, rows


def ledger_export(s: Session, f: LedgerFilter, actor: Actor, now: datetime, limit: int = EXPORT_LIMIT) -> list[dict]:
    """The ledger rows for the Excel export (same order), with their steps summarised."""
    _, rows = ledger_page(s, f, actor, now, 0, limit)
    ids = [r["id"] for r in rows]
    steps: dict[int, list[str]] = {}
    for i in range(0, len(ids), 900):
        for case_id, no, held, outcome in s.execute(
            select(MediationStep.case_id, MediationStep.step_no, MediationStep.held_on, MediationStep.outcome)
            .where(MediationStep.case_id.in_(ids[i : i + 900]))
            .order_by(MediationStep.case_id, MediationStep.held_on, MediationStep.id)
        ):
            steps.setdefault(case_id, []).append(
                f"{held:%m-%d} {MEDIATION_STEPS.get(no, no)}" + ("（达成协议）" if outcome == "agreed" else "")
            )
    for r in rows:
        r["process"] = "；".join(steps.get(r["id"], []))
    return rows


FREE_TEXT = ("title", "summary", "agreement_text", "outcome", "followup_note", "escalation_reason")

# a role word in a step's participants followed by a person's name: 乡贤张德厚、网格员王明
_PARTICIPANT_RE = re.compile(
    r"(网格员|网格长|专职网格员|人民调解员|调解员|调解主任|乡贤|法律顾问|律师|民警|辅警|派出所所长|司法所长|"
    r"书记|支书|村支书|主任|村主任|村干部|老党员|党员|村民代表|组长|当事人|申请人|被申请人)"
    r"([\u4e00-\u9fff]{2,3})(?=$|[、，,；;。\s（(和与及])"
)
_NOT_NAMES = frozenset({"双方", "各方", "一方", "本人", "家属", "亲属", "等人", "代表", "若干", "多人", "全体"})


def scrub_participants(text: str | None, names) -> str | None:
    """A step's participants for a role that does not see names: the known names (``names``),
    numbers, and any name written after a role word (乡贤张德厚 → 乡贤张*厚) masked."""
    out = scrub_text(text, names)
    if not out:
        return out
    return _PARTICIPANT_RE.sub(
        lambda m: m.group(0) if m.group(2) in _NOT_NAMES else m.group(1) + mask_name(m.group(2)), out
    )


def _hides_names(role: str) -> bool:
    return not (sees_unmasked(role, "name") and sees_unmasked(role, "phone"))


def redact(text: str | None, names, role: str) -> str | None:
    """Free text as ``role`` may read it: unchanged for a role that sees names and phones, else
    mobile and landline numbers, ID numbers, the given ``names`` (the case's parties and the
    people known around it) and names before 先生/女士/阿姨… masked (``scrub_text``)."""
    return scrub_for(role, text, list(names))


def participant_names(text: str | None) -> list[str]:
    """Names written after a role word in a step's participants (乡贤张德厚 → 张德厚)."""
    return [m.group(2) for m in _PARTICIPANT_RE.finditer(text or "") if m.group(2) not in _NOT_NAMES]


def people_names(s: Session, cases: list[tuple[int, int | None, int | None]]) -> dict[int, list[str]]:
    """The names known around each case ``(id, township_id, village_id)``: its parties, the
    people named in its steps' participants, the mediators of its township and the grid staff
    of its village. Used to mask them in free text."""
    ids = [c[0] for c in cases]
    towns = {c[1] for c in cases if c[1] is not None}
    villages = {c[2] for c in cases if c[2] is not None}
    parties: dict[int, list[str]] = {}
    for i in range(0, len(ids), 900):
        for case_id, name in s.execute(
            select(MediationParty.case_id, MediationParty.name).where(MediationParty.case_id.in_(ids[i : i + 900]))
        ):
            parties.setdefault(case_id, []).append(name)
        for case_id, who in s.execute(
            select(MediationStep.case_id, MediationStep.participants).where(MediationStep.case_id.in_(ids[i : i + 900]))
        ):
            parties.setdefault(case_id, []).extend(participant_names(who))
    by_town: dict[int | None, list[str]] = {}  # looked up by a case's township, which may be None
    if towns:
        for town, name in s.execute(select(Mediator.township_id, Mediator.name).where(Mediator.township_id.in_(towns))):
            by_town.setdefault(town, []).append(name)
    by_village: dict[int | None, list[str]] = {}  # looked up by a case's village, which may be None
    vids = sorted(villages)
    for i in range(0, len(vids), 900):
        for vid, name in s.execute(
            select(Grid.village_id, GridStaff.name)
            .join(Grid, Grid.id == GridStaff.grid_id)
            .where(Grid.village_id.in_(vids[i : i + 900]))
        ):
            by_village.setdefault(vid, []).append(name)
    return {cid: parties.get(cid, []) + by_town.get(town, []) + by_village.get(vid, []) for cid, town, vid in cases}


def _attach_parties(s: Session, rows: list[dict], role: str) -> None:
    ids = [r["id"] for r in rows]
    by_case: dict[int, list[RowMapping]] = {}
    for i in range(0, len(ids), 900):
        for p in s.execute(
            select(MediationParty.case_id, MediationParty.name, MediationParty.phone, MediationParty.side)
            .where(MediationParty.case_id.in_(ids[i : i + 900]))
            .order_by(MediationParty.case_id, MediationParty.id)
        ).mappings():
            by_case.setdefault(p["case_id"], []).append(p)
    known = (
        people_names(s, [(r["id"], r.get("township_id"), r.get("village_id")) for r in rows])
        if _hides_names(role)
        else {}
    )
    for r in rows:
        parties = by_case.get(r["id"], [])
        names = {
            side: "、".join(mask_for(role, "name", p["name"]) for p in parties if p["side"] == side)
            for side in ("applicant", "respondent")
        }
        r["parties"] = " 与 ".join(x for x in (names["applicant"], names["respondent"]) if x)
        r["parties_phones"] = "、".join(mask_for(role, "phone", p["phone"]) for p in parties if p["phone"])
        if _hides_names(role):
            for key in FREE_TEXT:
                if key in r:
                    r[key] = redact(r[key], known.get(r["id"], []), role)


# --------------------------------------------------------------------------- one case


def township_step4_held(s: Session, case: MediationCase) -> bool:
    """Whether the township has held its own step 4 since the case was escalated."""
    if case.escalated_at is None:
        return False
    return bool(
        s.scalar(
            select(
                exists().where(
                    MediationStep.case_id == case.id,
                    MediationStep.step_no == fsm.STEP_COUNT,
                    MediationStep.recorded_at >= case.escalated_at,
                )
            )
        )
    )


def case_state(s: Session, case: MediationCase) -> dict[str, Any]:
    """What the rules need to know about a case (its next step, the actions it allows)."""
    escalated = case.escalated_at is not None
    held = township_step4_held(s, case)
    return {
        "next_step": (
            fsm.next_step(case.current_step, escalated, held) if case.status in fsm.ACTIVE_STATUSES else None
        ),
        "actions": fsm.available_actions(case.status, case.level, case.current_step, escalated, held),
        "exit_required": fsm.exit_required(case.status, case.current_step, escalated, held),
    }


def case_detail(s: Session, actor: Actor, case_id: int, now: datetime) -> dict | None:
    """The case file: fields, parties (masked per role), steps, links, and what may happen next."""
    case = s.get(C, case_id)
    if case is None:
        return None
    role = actor.role
    village = s.get(Village, case.village_id)
    town = s.get(Township, case.township_id)
    grid = s.get(Grid, case.grid_id) if case.grid_id else None
    mediator = s.get(Mediator, case.mediator_id) if case.mediator_id else None
    stale_days = settings(s)["stale_days"]
    out = {c.key: getattr(case, c.key) for c in C.__table__.columns}
    out.update(
        village=village.name if village else "",
        township=town.name if town else "",
        grid=grid.name if grid else None,
        mediator=mask_for(role, "name", mediator.name) if mediator else None,
    )
    party_rows = s.scalars(
        select(MediationParty).where(MediationParty.case_id == case.id).order_by(MediationParty.side, MediationParty.id)
    ).all()
    step_rows = s.scalars(
        select(MediationStep).where(MediationStep.case_id == case.id).order_by(MediationStep.held_on, MediationStep.id)
    ).all()
    ids = {st.recorded_by for st in step_rows if st.recorded_by}
    users: dict[int | None, str] = (  # looked up by a step's recorded_by, which may be None
        dict(s.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}
    )
    hide = _hides_names(role)
    names = (
        people_names(s, [(case.id, case.township_id, case.village_id)])[case.id] + [n for n in users.values() if n]
        if hide
        else []
    )
    for key in FREE_TEXT:
        out[key] = redact(out[key], names, role)
    out["parties"] = [
        {
            "name": mask_for(role, "name", p.name),
            "phone": mask_for(role, "phone", p.phone),
            "id_number": mask_for(role, "id_number", p.id_number),
            "side": p.side,
            "resident_id": p.resident_id,
        }
        for p in party_rows
    ]
    out["steps"] = [
        {
            "step_no": st.step_no,
            "step": MEDIATION_STEPS.get(st.step_no, str(st.step_no)),
            "held_on": st.held_on,
            "participants": scrub_participants(st.participants, names) if hide else st.participants,
            "notes": redact(st.notes, names, role),
            "outcome": st.outcome,
            "risk_colour": st.risk_colour,
            "recorded_at": st.recorded_at,
            "recorded_by": mask_for(role, "name", users.get(st.recorded_by)),
            "township": case.escalated_at is not None and st.recorded_at >= case.escalated_at,
        }
        for st in step_rows
    ]
    out["links"] = [
        dict(k, title=redact(k.get("title"), names, role)) for k in links_q.linked(s, "mediation_case", case.id)
    ]
    out.update(case_state(s, case))
    out["stale"] = case.status in fsm.OPEN_STATUSES and case.last_progress_at < now - timedelta(days=stale_days)
    out["stale_days"] = stale_days
    return out


def case_id_by_number(s: Session, number: str) -> int | None:
    return s.scalar(select(C.id).where(C.number == (number or "").strip()))


def mediators(s: Session, township_id: int | None = None) -> list[dict]:
    stmt = (
        select(
            Mediator.id, Mediator.name, Mediator.level, Mediator.speciality, Mediator.township_id, Mediator.village_id
        )
        .where(Mediator.active.is_(True))
        .order_by(Mediator.level.desc(), Mediator.name)
    )
    if township_id is not None:
        stmt = stmt.where(Mediator.township_id == township_id)
    return [dict(r) for r in s.execute(stmt).mappings()]


def mediators_for(s: Session, role: str, township_id: int | None = None) -> list[dict]:
    """The active mediators as ``role`` may see them (names masked for leaders and the observer, as
    the ledger's mediator column)."""
    return privacy.present(s, role, mediators(s, township_id), privacy.Entity(fields={"name": "name"}))


# --------------------------------------------------------------------------- screening


def month_overdue(month: str, now: datetime) -> bool:
    """A month's screening is due by the month's end: overdue once the month is over."""
    return month < to_local(now).strftime("%Y-%m")


def screening_month(
    s: Session,
    month: str,
    now: datetime,
    township_id: int | None = None,
    only_missing: bool = False,
    role: str | None = None,
) -> list[dict]:
    """Every village with its screening for ``month`` (missing rows included), missing and
    overdue first. With ``role``, the findings are scrubbed (numbers, names before 先生/女士…)
    for a role that does not see personal data."""
    stmt = (
        select(
            Village.id.label("village_id"),
            Village.name.label("village"),
            Township.name.label("township"),
            VillageScreening.id,
            VillageScreening.done,
            VillageScreening.findings,
            VillageScreening.disputes_found,
            VillageScreening.version,
            VillageScreening.updated_at,
        )
        .join(Township, Township.id == Village.township_id)
        .outerjoin(VillageScreening, and_(VillageScreening.village_id == Village.id, VillageScreening.month == month))
    )
    if township_id is not None:
        stmt = stmt.where(Village.township_id == township_id)
    if only_missing:
        stmt = stmt.where(or_(VillageScreening.id.is_(None), VillageScreening.done.is_(False)))
    done_first = case((VillageScreening.done.is_(True), 1), else_=0)
    stmt = stmt.order_by(done_first, Township.name, Village.code)
    late = month_overdue(month, now)
    out = []
    for r in s.execute(stmt).mappings():
        row = dict(r)
        row["done"] = bool(row["done"])
        row["overdue"] = late and not row["done"]
        if role is not None:
            row["findings"] = scrub_for(role, row["findings"])
        out.append(row)
    return out


def screening_summary(s: Session, month: str, now: datetime) -> dict:
    villages = s.scalar(select(func.count()).select_from(Village)) or 0
    done = (
        s.scalar(
            select(func.count())
            .select_from(VillageScreening)
            .where(VillageScreening.month == month, VillageScreening.done.is_(True))
        )
        or 0
    )
    found = (
        s.scalar(
            select(func.coalesce(func.sum(VillageScreening.disputes_found), 0)).where(VillageScreening.month == month)
        )
        or 0
    )
    return {
        "villages": villages,
        "done": done,
        "missing": villages - done,
        "found": int(found),
        "overdue": month_overdue(month, now),
    }


def _tag_condition(tag: str | None):
    tags = [tag] if tag else list(SPECIAL_GROUPS)
    conds = []
    for t in tags:
        conds.append(
            or_(
                Resident.tags == t,
                Resident.tags.like(f"{t},%"),
                Resident.tags.like(f"%,{t}"),
                Resident.tags.like(f"%,{t},%"),
            )
        )
    return or_(*conds)


def special_groups(
    s: Session,
    actor: Actor,
    now: datetime,
    *,
    tag: str | None = None,
    village_id: int | None = None,
    overdue_only: bool = False,
    offset: int = 0,
    limit: int = 25,
) -> tuple[int, list[dict]]:
    """People of the special groups with their last visit and the next due date, overdue first.

    One row per person and group. Next due = the last visit's ``next_due_on`` (30 days after
    it); a person never visited is due at once. Overdue: the due date is before today.
    """
    today = to_local(now).date()
    tags = [tag] if tag else list(SPECIAL_GROUPS)
    parts = []
    for t in tags:
        last = (
            select(
                SpecialGroupVisit.resident_id.label("rid"),
                func.max(SpecialGroupVisit.visited_on).label("last_visit"),
                func.max(SpecialGroupVisit.next_due_on).label("next_due"),
            )
            .where(SpecialGroupVisit.group_tag == t)
            .group_by(SpecialGroupVisit.resident_id)
            .subquery()
        )
        q = (
            select(
                Resident.id.label("resident_id"),
                Resident.name,
                Resident.phone,
                Resident.birth_year,
                Household.address,
                Grid.name.label("grid"),
                Village.name.label("village"),
                Village.id.label("village_id"),
                last.c.last_visit,
                last.c.next_due,
            )
            .join(Household, Household.id == Resident.household_id)
            .join(Grid, Grid.id == Household.grid_id)
            .join(Village, Village.id == Grid.village_id)
            .outerjoin(last, last.c.rid == Resident.id)
            .where(_tag_condition(t))
        )
        if village_id is not None:
            q = q.where(Village.id == village_id)
        if overdue_only:
            q = q.where(or_(last.c.next_due.is_(None), last.c.next_due < today))
        parts.append((t, q))
    total = 0
    for _, q in parts:
        total += s.scalar(select(func.count()).select_from(q.subquery())) or 0
    union = union_all(*[q.add_columns(literal(t).label("tag")) for t, q in parts]).subquery()
    overdue_first = case((or_(union.c.next_due.is_(None), union.c.next_due < today), 0), else_=1)
    rows = (
        s.execute(
            select(union)
            .order_by(overdue_first, union.c.next_due, union.c.resident_id)
            .offset(max(0, offset))
            .limit(max(1, limit))
        )
        .mappings()
        .all()
    )
    out = []
    role = actor.role
    for r in rows:
        row = dict(r)
        row["name"] = mask_for(role, "name", row["name"])
        row["phone"] = mask_for(role, "phone", row["phone"])
        row["group"] = SPECIAL_GROUPS[row["tag"]]
        row["overdue"] = row["next_due"] is None or row["next_due"] < today
        out.append(row)
    return total, out


def visits_of(s: Session, resident_id: int, limit: int = 10) -> list[dict]:
    stmt = (
        select(
            SpecialGroupVisit.visited_on,
            SpecialGroupVisit.group_tag,
            SpecialGroupVisit.visitor,
            SpecialGroupVisit.note,
            SpecialGroupVisit.next_due_on,
        )
        .where(SpecialGroupVisit.resident_id == resident_id)
        .order_by(SpecialGroupVisit.visited_on.desc(), SpecialGroupVisit.id.desc())
        .limit(limit)
    )
    return [dict(r) for r in s.execute(stmt).mappings()]
