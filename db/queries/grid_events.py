"""Grid-event reads: per-worker counts for the KPIs, the event list, the event's file and the
work logs.

Every function takes a Session, never commits, filters, counts and paginates in SQL, and
returns plain dicts. Times are naive UTC; local dates (log dates, date filters) are
Asia/Shanghai.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from db import scope
from db.models import Grid, GridEvent, GridStaff, Household, User, Village, WorkLog
from db.models.grid_work import GridEventPhoto, GridEventStep
from db.permissions import Actor
from db.queries import links as links_q
from db.queries import privacy
from db.rules.text import search_text
from db.rules.sla import local_midnight, to_local


def log_day_bounds(since: datetime, until: datetime):
    """The local days a period [since, until) touches, as (first, last) inclusive dates.

    Logs are dated by local day; a day counts when any part of it lies in the period, so a
    period from local midnight to local midnight counts exactly its days and a period ending
    "now" counts today.
    """
    first = to_local(since).date()
    last = to_local(until - timedelta(microseconds=1)).date()
    return first, last


def worker_counts(s: Session, since: datetime, until: datetime,
                  village_id: int | None = None) -> list[dict]:
    """One dict per active grid staff member with what they recorded in [since, until).

    Keys: staff_id, name, staff_role, grid_id, grid_name, village_id, village_name,
    events_reported (grid events with this reporter, reported_at in the period),
    logs (work logs whose local log_date falls in the period's days) and
    households_visited (the sum of those logs' households_visited).
    Aggregated in SQL; sorted by village code, grid code, name (then staff id) - the codes
    give the official order and the same order on every backend.
    """
    ev = (
        select(GridEvent.reporter_staff_id.label("staff_id"), func.count().label("n"))
        .where(GridEvent.reporter_staff_id.is_not(None),
               GridEvent.reported_at >= since, GridEvent.reported_at < until)
        .group_by(GridEvent.reporter_staff_id)
        .subquery("ev")
    )
    first, last = log_day_bounds(since, until)
    lg = (
        select(WorkLog.staff_id.label("staff_id"), func.count().label("n"),
               func.coalesce(func.sum(WorkLog.households_visited), 0).label("hh"))
        .where(WorkLog.log_date >= first, WorkLog.log_date <= last)
        .group_by(WorkLog.staff_id)
        .subquery("lg")
    )
    q = (
        select(
            GridStaff.id, GridStaff.name, GridStaff.staff_role, Grid.id, Grid.name,
            Village.id, Village.name,
            func.coalesce(ev.c.n, 0), func.coalesce(lg.c.n, 0), func.coalesce(lg.c.hh, 0),
        )
        .join(Grid, Grid.id == GridStaff.grid_id)
        .join(Village, Village.id == Grid.village_id)
        .outerjoin(ev, ev.c.staff_id == GridStaff.id)
        .outerjoin(lg, lg.c.staff_id == GridStaff.id)
        .where(GridStaff.active.is_(True))
        .order_by(Village.code, Village.id, Grid.code, Grid.id, GridStaff.name, GridStaff.id)
    )
    if village_id is not None:
        q = q.where(Grid.village_id == village_id)
    keys = ("staff_id", "name", "staff_role", "grid_id", "grid_name", "village_id", "village_name",
            "events_reported", "logs", "households_visited")
    return [dict(zip(keys, (*row[:7], int(row[7]), int(row[8]), int(row[9])), strict=False)) for row in s.execute(q)]


# --------------------------------------------------------------------------- the event list

E = GridEvent

FULL_NUMBER = re.compile(r"SJ-\d{4}-\d{6}")

# where each event stands in the loop, in the order the list shows them (what needs action
# first); "in_hand" (being handled, by the worker or the linked record) waits on others
STAGES: dict[str, str] = {
    "to_refer": "待分级转办",
    "to_verify": "待核查反馈",
    "to_evaluate": "待评价",
    "to_archive": "待归档",
    "in_hand": "处置中",
    "archived": "已归档",
}
OPEN_STAGES = tuple(k for k in STAGES if k != "archived")


def stage_condition(stage: str):
    return {
        "to_refer": E.status == "reported",
        "to_verify": and_(E.status == "handling", E.handled_at.is_not(None)),
        "to_evaluate": E.status == "verified",
        "to_archive": E.status == "evaluated",
        "in_hand": or_(E.status == "referred", and_(E.status == "handling", E.handled_at.is_(None))),
        "archived": E.status == "archived",
    }[stage]


def stage_of(status: str, handled_at: datetime | None) -> str:
    """The stage of one event (the same rule as ``stage_condition``, in Python)."""
    if status == "handling":
        return "to_verify" if handled_at is not None else "in_hand"
    return {"reported": "to_refer", "referred": "in_hand", "verified": "to_evaluate",
            "evaluated": "to_archive", "archived": "archived"}.get(status, "in_hand")


def _stage_rank():
    return case((E.status == "reported", 0),
                (and_(E.status == "handling", E.handled_at.is_not(None)), 1),
                (E.status == "verified", 2), (E.status == "evaluated", 3), else_=4)


@dataclass(frozen=True)
class EventFilter:
    """What the event list shows. Empty tuples mean "any"; dates are local and inclusive."""

    stages: tuple[str, ...] = OPEN_STAGES
    event_types: tuple[str, ...] = ()
    handling: tuple[str, ...] = ()
    village_id: int | None = None
    grid_id: int | None = None
    reported_from: date | None = None
    reported_to: date | None = None
    mine: bool = False
    number: str | None = None


def own_staff(s: Session, actor: Actor) -> dict | None:
    """The actor's own grid staff record (grid role): dict(id, grid_id, name), or None."""
    row = s.execute(select(GridStaff.id, GridStaff.grid_id, GridStaff.name)
                    .where(GridStaff.user_id == actor.user_id, GridStaff.active.is_(True))
                    .order_by(GridStaff.id).limit(1)).first()
    return None if row is None else {"id": row.id, "grid_id": row.grid_id, "name": row.name}


def _conditions(s: Session, f: EventFilter, actor: Actor) -> list:
    conds: list = []
    if actor.role == "grid":  # always scoped to the worker's own grid
        staff = own_staff(s, actor)
        conds.append(E.grid_id == staff["grid_id"] if staff else false())
        if f.mine:
            conds.append(E.reporter_staff_id == staff["id"] if staff else false())
    elif f.mine:
        conds.append(select(GridEventStep.id).where(GridEventStep.event_id == E.id,
                                                    GridEventStep.actor_id == actor.user_id).exists())
    if f.event_types:
        conds.append(E.event_type.in_(f.event_types))
    if f.handling:
        conds.append(E.handling.in_(f.handling))
    if f.grid_id:
        conds.append(E.grid_id == f.grid_id)
    elif f.village_id:
        conds.append(E.grid_id.in_(select(Grid.id).where(Grid.village_id == f.village_id)))
    if f.reported_from:
        conds.append(E.reported_at >= local_midnight(f.reported_from))
    if f.reported_to:
        conds.append(E.reported_at < local_midnight(f.reported_to + timedelta(days=1)))
    if cleaned := search_text(f.number):
        number = cleaned.upper()
        if FULL_NUMBER.fullmatch(number):  # a whole number: the unique index
            conds.append(E.number == number)
        else:
            conds.append(E.number.startswith(number, autoescape=True))
    return conds


STAGE_STATUSES = {"to_refer": ("reported",), "to_verify": ("handling",), "to_evaluate": ("verified",),
                  "to_archive": ("evaluated",), "in_hand": ("referred", "handling"), "archived": ("archived",)}


def _open_stage_cond(f: EventFilter):
    """The open stages asked for, as ``status IN (...)`` (served by the status index: "not
    archived" written as ``!=`` would scan the whole table) refined by ``handled_at`` where a
    status holds two stages."""
    stages = [st for st in (f.stages or tuple(STAGES)) if st != "archived"]
    if not stages:
        return None
    statuses = sorted({x for st in stages for x in STAGE_STATUSES[st]})
    cond = E.status.in_(statuses)
    if "handling" in statuses and not {"to_verify", "in_hand"} <= set(stages):
        return and_(cond, or_(*(stage_condition(st) for st in stages)))
    return cond


def _archived_wanted(f: EventFilter) -> bool:
    return not f.stages or "archived" in f.stages


def _count(s: Session, conds: list) -> int:
    return s.scalar(select(func.count()).select_from(E).where(*conds)) or 0


def _list_select(conds: list):
    reporter = aliased(GridStaff)
    return (
        select(E.id, E.number, E.reported_at, E.event_type, E.status, E.handling, E.handled_at,
               E.address, E.description, E.rating, E.version, E.grid_id,
               Grid.name.label("grid"), Village.name.label("village"),
               reporter.name.label("reporter"), Household.head_name.label("household_head"))
        .select_from(E)
        # outer joins (the keys are never null) keep grid_event the driving table, so the
        # status and (grid, reported_at) indexes are the access path, not a scan of grid
        .outerjoin(Grid, Grid.id == E.grid_id)
        .outerjoin(Village, Village.id == Grid.village_id)
        .outerjoin(reporter, reporter.id == E.reporter_staff_id)
        .outerjoin(Household, Household.id == E.household_id)  # the name to scrub from the description
        .where(*conds)
    )


def event_count(s: Session, f: EventFilter, actor: Actor) -> int:
    """How many events the filter matches (open and archived)."""
    base = _conditions(s, f, actor)
    total = 0
    open_cond = _open_stage_cond(f)
    if open_cond is not None:
        total += _count(s, [*base, open_cond])
    if _archived_wanted(f):
        total += _count(s, [*base, E.status == "archived"])
    return total


def event_page(s: Session, f: EventFilter, actor: Actor, offset: int = 0, limit: int = 20) -> list[dict]:
    """One page of the list: open events first, by stage (to refer, to verify, to evaluate,
    to archive, in hand) and oldest report first; then the archive, newest first. The two
    parts are read separately so that each is served by an index (the archive holds ~95 % of
    a county's events and is never sorted as a whole)."""
    offset, limit = max(0, int(offset)), max(1, min(int(limit), 200))
    base = _conditions(s, f, actor)
    rows: list = []
    open_cond = _open_stage_cond(f)
    n_open = 0
    if open_cond is not None:
        n_open = _count(s, [*base, open_cond])
        if offset < n_open:
            rows += s.execute(_list_select([*base, open_cond])
                              .order_by(_stage_rank(), E.reported_at, E.id)
                              .offset(offset).limit(limit)).mappings().all()
    if _archived_wanted(f) and len(rows) < limit:
        start = max(0, offset - n_open)
        rows += s.execute(_list_select([*base, E.status == "archived"])
                          .order_by(E.reported_at.desc(), E.id.desc())
                          .offset(start).limit(limit - len(rows))).mappings().all()
    out = []
    for r in rows:
        d = dict(r)
        d["stage"] = stage_of(d["status"], d["handled_at"])
        out.append(d)
    return out


# --------------------------------------------------------------------------- one event

def event_detail(s: Session, event_id: int) -> dict | None:
    """Every column of the event (but the unused photo_path) plus the names it refers to."""
    reporter = aliased(GridStaff)
    row = s.execute(
        select(*scope.columns(E), Grid.name.label("grid"), Village.id.label("village_id"),
               Village.township_id.label("township_id"),
               Village.name.label("village"), reporter.name.label("reporter"),
               reporter.phone.label("reporter_phone"), Household.address.label("household_address"),
               Household.head_name.label("household_head"), Household.phone.label("household_phone"))
        .select_from(E)
        .join(Grid, Grid.id == E.grid_id)
        .join(Village, Village.id == Grid.village_id)
        .outerjoin(reporter, reporter.id == E.reporter_staff_id)
        .outerjoin(Household, Household.id == E.household_id)
        .where(E.id == event_id)).mappings().first()
    if row is None:
        return None
    d = dict(row)
    d.pop("photo_path", None)
    d["stage"] = stage_of(d["status"], d["handled_at"])
    return d


def platforms_of(s: Session, township_id: int) -> list[dict]:
    """The township's platforms, for a referral: dict(id, name)."""
    from db.models import Platform

    rows = s.execute(select(Platform.id, Platform.name).where(Platform.township_id == township_id)
                     .order_by(Platform.id)).mappings().all()
    return [dict(r) for r in rows]


def event_id_by_number(s: Session, number: str) -> int | None:
    return s.scalar(select(E.id).where(E.number == number.strip().upper()))


def timeline(s: Session, event_id: int) -> list[dict]:
    """The event's steps, oldest first."""
    T = GridEventStep
    rows = s.execute(
        select(T.id, T.at, T.actor_id, func.coalesce(User.display_name, "系统").label("actor"),
               T.action, T.from_status, T.to_status, T.note)
        .outerjoin(User, User.id == T.actor_id)
        .where(T.event_id == event_id).order_by(T.at, T.id)).mappings().all()
    return [dict(r) for r in rows]


def photos(s: Session, event_id: int) -> list[dict]:
    """The event's photos (bytes included), oldest first."""
    P = GridEventPhoto
    rows = s.execute(select(P.id, P.content_type, P.size, P.data, P.created_at)
                     .where(P.event_id == event_id).order_by(P.id)).mappings().all()
    return [dict(r) for r in rows]


def linked(s: Session, event_id: int) -> list[dict]:
    return links_q.linked(s, "grid_event", event_id)


# --------------------------------------------------------------------------- work logs

def staff_options(s: Session, village_id: int | None = None, grid_id: int | None = None,
                  limit: int = 500) -> list[dict]:
    """Active grid staff for a picker: dict(id, name, staff_role, grid_id, grid, village)."""
    q = (select(GridStaff.id, GridStaff.name, GridStaff.staff_role, GridStaff.grid_id,
                Grid.name.label("grid"), Village.name.label("village"))
         .join(Grid, Grid.id == GridStaff.grid_id).join(Village, Village.id == Grid.village_id)
         .where(GridStaff.active.is_(True))
         .order_by(Village.code, Grid.code, GridStaff.name, GridStaff.id).limit(limit))
    if grid_id:
        q = q.where(GridStaff.grid_id == grid_id)
    elif village_id:
        q = q.where(Grid.village_id == village_id)
    return [dict(r) for r in s.execute(q).mappings()]


def log_count(s: Session, staff_id: int) -> int:
    return s.scalar(select(func.count()).select_from(WorkLog).where(WorkLog.staff_id == staff_id)) or 0


def logs(s: Session, staff_id: int, offset: int = 0, limit: int = 20) -> list[dict]:
    """A staff member's work logs, newest day first."""
    L = WorkLog
    rows = s.execute(select(L.id, L.log_date, L.content, L.households_visited, L.created_at,
                            L.updated_at, L.version)
                     .where(L.staff_id == staff_id).order_by(L.log_date.desc(), L.id.desc())
                     .offset(max(0, int(offset))).limit(max(1, min(int(limit), 200)))).mappings().all()
    return [dict(r) for r in rows]


def log_for(s: Session, staff_id: int, day: date) -> dict | None:
    L = WorkLog
    row = s.execute(select(L.id, L.log_date, L.content, L.households_visited, L.version)
                    .where(L.staff_id == staff_id, L.log_date == day)).mappings().first()
    return dict(row) if row is not None else None


# --------------------------------------------------------------------------- as a role sees it
# Display reads: through the read layer's presentation step (db/queries/privacy.py). The free text
# of an event (description, evaluation, step notes) is scrubbed with the names the event knows:
# its household's head and its reporter; the reporter (staff) is masked for the observer only.

def _event_names(r: dict) -> tuple:
    return (r.get("household_head"), r.get("reporter"))


EVENT_ROW = privacy.Entity(fields={"address": "address", "household_head": "name"}, text=("description",),
                           row_names=_event_names, staff={"reporter": "name"})
EVENT_DETAIL = privacy.Entity(
    fields={"household_head": "name", "household_phone": "phone", "address": "address",
            "household_address": "address"},
    text=("description", "evaluation"), row_names=_event_names,
    staff={"reporter": "name", "reporter_phone": "phone"})


def event_page_for(s: Session, f: EventFilter, actor: Actor, offset: int = 0, limit: int = 20) -> list[dict]:
    return privacy.present(s, actor.role, event_page(s, f, actor, offset, limit), EVENT_ROW)


def event_detail_for(s: Session, event_id: int, role: str) -> dict | None:
    return privacy.present_one(s, role, event_detail(s, event_id), EVENT_DETAIL)


def timeline_for(s: Session, event_id: int, role: str) -> list[dict]:
    """The steps, their notes scrubbed with the event's names; operators masked for the observer
    (the system's own steps stay 系统)."""
    d = event_detail(s, event_id)
    names = [n for n in _event_names(d or {}) if n]
    steps = timeline(s, event_id)
    spec = privacy.Entity(text=("note",), names=lambda _s, keys: {k: names for k in keys}, staff={"actor": "name"})
    out = privacy.present(s, role, steps, spec)
    for shown, raw in zip(out, steps, strict=True):
        if raw["actor_id"] is None:
            shown["actor"] = raw["actor"]
    return out


def logs_for(s: Session, staff_id: int, role: str, offset: int = 0, limit: int = 20) -> list[dict]:
    """A worker's diary: its text scrubbed (phones, ID numbers, titled names)."""
    return privacy.present(s, role, logs(s, staff_id, offset, limit), privacy.Entity(text=("content",)))


def worker_counts_for(s: Session, since: datetime, until: datetime, village_id: int, role: str) -> list[dict]:
    return privacy.present(s, role, worker_counts(s, since, until, village_id), privacy.Entity(staff={"name": "name"}))
