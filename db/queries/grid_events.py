"""Grid-event reads: per-worker counts for the KPIs, the handling KPIs per grid and per worker,
the "now" counts of the handling clock (超期网格事件), the event list, the event's file and the
work logs.

Every function takes a Session, never commits, filters, counts and paginates in SQL, and
returns plain dicts. Times are naive UTC; local dates (log dates, date filters) are
Asia/Shanghai.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, false, func, null, or_, select
from sqlalchemy.orm import Session, aliased

from db import scope
from db.models import Grid, GridEvent, GridStaff, Household, Platform, User, Village, WorkLog
from db.models.base import utcnow
from db.models.grid_work import GridEventPhoto, GridEventStep
from db.permissions import Actor
from db.queries import links as links_q
from db.queries import privacy
from db.queries.kpi import hours_between
from db.queries.order_counts import NowCount
from db.rules.event_fsm import UNCLOSED_STATUSES
from db.rules.sla import light, local_midnight, to_local
from db.rules.text import search_text


def log_day_bounds(since: datetime, until: datetime):
    """The local days a period [since, until) touches, as (first, last) inclusive dates.

    Logs are dated by local day; a day counts when any part of it lies in the period, so a
    period from local midnight to local midnight counts exactly its days and a period ending
    "now" counts today.
    """
    first = to_local(since).date()
    last = to_local(until - timedelta(microseconds=1)).date()
    return first, last


def worker_counts(s: Session, since: datetime, until: datetime, village_id: int | None = None) -> list[dict]:
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
        .where(GridEvent.reporter_staff_id.is_not(None), GridEvent.reported_at >= since, GridEvent.reported_at < until)
        .group_by(GridEvent.reporter_staff_id)
        .subquery("ev")
    )
    first, last = log_day_bounds(since, until)
    lg = (
        select(
            WorkLog.staff_id.label("staff_id"),
            func.count().label("n"),
            func.coalesce(func.sum(WorkLog.households_visited), 0).label("hh"),
        )
        .where(WorkLog.log_date >= first, WorkLog.log_date <= last)
        .group_by(WorkLog.staff_id)
        .subquery("lg")
    )
    q = (
        select(
            GridStaff.id,
            GridStaff.name,
            GridStaff.staff_role,
            Grid.id,
            Grid.name,
            Village.id,
            Village.name,
            func.coalesce(ev.c.n, 0),
            func.coalesce(lg.c.n, 0),
            func.coalesce(lg.c.hh, 0),
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
    keys = (
        "staff_id",
        "name",
        "staff_role",
        "grid_id",
        "grid_name",
        "village_id",
        "village_name",
        "events_reported",
        "logs",
        "households_visited",
    )
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
    return {
        "reported": "to_refer",
        "referred": "in_hand",
        "verified": "to_evaluate",
        "evaluated": "to_archive",
        "archived": "archived",
    }.get(status, "in_hand")


def _stage_rank():
    return case(
        (E.status == "reported", 0),
        (and_(E.status == "handling", E.handled_at.is_not(None)), 1),
        (E.status == "verified", 2),
        (E.status == "evaluated", 3),
        else_=4,
    )


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
    overdue: bool = False  # 已超期: the "now" count EVENT_COUNTS["overdue"], as on the leader's home


def own_staff(s: Session, actor: Actor) -> dict | None:
    """The actor's own grid staff record (grid role): dict(id, grid_id, name), or None."""
    row = s.execute(
        select(GridStaff.id, GridStaff.grid_id, GridStaff.name)
        .where(GridStaff.user_id == actor.user_id, GridStaff.active.is_(True))
        .order_by(GridStaff.id)
        .limit(1)
    ).first()
    return None if row is None else {"id": row.id, "grid_id": row.grid_id, "name": row.name}


def _conditions(s: Session, f: EventFilter, actor: Actor, now: datetime | None = None) -> list:
    conds: list = []
    if f.overdue:
        conds.append(EVENT_COUNTS["overdue"].where(now or utcnow()))
    if actor.role == "grid":  # always scoped to the worker's own grid
        staff = own_staff(s, actor)
        conds.append(E.grid_id == staff["grid_id"] if staff else false())
        if f.mine:
            conds.append(E.reporter_staff_id == staff["id"] if staff else false())
    elif f.mine:
        conds.append(
            select(GridEventStep.id)
            .where(GridEventStep.event_id == E.id, GridEventStep.actor_id == actor.user_id)
            .exists()
        )
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


STAGE_STATUSES = {
    "to_refer": ("reported",),
    "to_verify": ("handling",),
    "to_evaluate": ("verified",),
    "to_archive": ("evaluated",),
    "in_hand": ("referred", "handling"),
    "archived": ("archived",),
}


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
        select(
            E.id,
            E.number,
            E.reported_at,
            E.event_type,
            E.status,
            E.handling,
            E.handled_at,
            E.address,
            E.description,
            E.rating,
            E.version,
            E.grid_id,
            E.due_at,
            E.warn_at,
            E.due_provisional,
            E.closed_at,
            Grid.name.label("grid"),
            Village.name.label("village"),
            reporter.name.label("reporter"),
            Household.head_name.label("household_head"),
        )
        .select_from(E)
        # outer joins (the keys are never null) keep grid_event the driving table, so the
        # status and (grid, reported_at) indexes are the access path, not a scan of grid
        .outerjoin(Grid, Grid.id == E.grid_id)
        .outerjoin(Village, Village.id == Grid.village_id)
        .outerjoin(reporter, reporter.id == E.reporter_staff_id)
        .outerjoin(Household, Household.id == E.household_id)  # the name to scrub from the description
        .where(*conds)
    )


def event_count(s: Session, f: EventFilter, actor: Actor, now: datetime | None = None) -> int:
    """How many events the filter matches (open and archived); ``now``: the moment the 已超期
    filter is judged at (the console's clock by default)."""
    base = _conditions(s, f, actor, now)
    total = 0
    open_cond = _open_stage_cond(f)
    if open_cond is not None:
        total += _count(s, [*base, open_cond])
    if _archived_wanted(f):
        total += _count(s, [*base, E.status == "archived"])
    return total


def event_page(
    s: Session, f: EventFilter, actor: Actor, offset: int = 0, limit: int = 20, now: datetime | None = None
) -> list[dict]:
    """One page of the list: open events first, by stage (to refer, to verify, to evaluate,
    to archive, in hand) and oldest report first; then the archive, newest first. The two
    parts are read separately so that each is served by an index (the archive holds ~95 % of
    a county's events and is never sorted as a whole)."""
    offset, limit = max(0, int(offset)), max(1, min(int(limit), 200))
    now = now or utcnow()
    base = _conditions(s, f, actor, now)
    rows: list = []
    open_cond = _open_stage_cond(f)
    n_open = 0
    if open_cond is not None:
        n_open = _count(s, [*base, open_cond])
        if offset < n_open:
            rows += (
                s.execute(
                    _list_select([*base, open_cond])
                    .order_by(_stage_rank(), E.reported_at, E.id)
                    .offset(offset)
                    .limit(limit)
                )
                .mappings()
                .all()
            )
    if _archived_wanted(f) and len(rows) < limit:
        start = max(0, offset - n_open)
        rows += (
            s.execute(
                _list_select([*base, E.status == "archived"])
                .order_by(E.reported_at.desc(), E.id.desc())
                .offset(start)
                .limit(limit - len(rows))
            )
            .mappings()
            .all()
        )
    out = []
    for r in rows:
        d = dict(r)
        d["stage"] = stage_of(d["status"], d["handled_at"])
        d["light"] = clock_light(d, now)
        out.append(d)
    return out


# --------------------------------------------------------------------------- the handling clock


def clock_light(row: dict, now: datetime) -> str:
    """The light of an event's handling clock (``db.rules.sla.light``, as the orders'): green,
    yellow from 80 % of the clock (warn_at), red once overdue; a closed event is judged at its
    closing (red: closed late)."""
    return light(row["reported_at"], row.get("due_at"), now, row.get("closed_at"))


def _unclosed():
    return E.status.in_(UNCLOSED_STATUSES)


UNCLOSED_TEXT = "未结网格事件（状态为已上报、已转办、处置中的，含已记录处置结果待核查的；不含已核查、已评价、已归档的）"

# The grid-event counts "as of now", one definition each with its 口径 (as db.queries.order_counts
# for work orders): the leader's home card, the home list and the events page's 已超期 filter read
# them from here.
EVENT_COUNTS: dict[str, NowCount] = {
    c.key: c
    for c in (
        NowCount("unclosed", "未结网格事件", f"{UNCLOSED_TEXT}的件数。", lambda now: (_unclosed(),)),
        NowCount(
            "overdue",
            "超期网格事件",
            f"{UNCLOSED_TEXT}中已过处置时限（按事件类型的工作日数，自上报次日起算）的件数。",
            lambda now: (_unclosed(), E.due_at < now),
        ),
        NowCount(
            "due_soon",
            "临期网格事件",
            f"{UNCLOSED_TEXT}中处置时限已用去80%以上、尚未超期的件数。",
            lambda now: (_unclosed(), E.warn_at <= now, E.due_at >= now),
        ),
    )
}


def now_count(s: Session, key: str, now: datetime, *extra) -> int:
    """The grid-event count ``key`` of ``EVENT_COUNTS`` at ``now``; ``extra`` narrows it."""
    return s.scalar(select(func.count()).select_from(E).where(EVENT_COUNTS[key].where(now), *extra)) or 0


def overdue_events(s: Session, now: datetime, limit: int = 10) -> list[dict]:
    """The unclosed events past their deadline (``EVENT_COUNTS["overdue"]``), the most overdue
    first: number, type, stage, village and grid, report time and deadline. No personal data
    (no description, address or names)."""
    rows = (
        s.execute(
            select(
                E.id,
                E.number,
                E.event_type,
                E.status,
                E.handled_at,
                E.handling,
                E.reported_at,
                E.due_at,
                E.due_provisional,
                Grid.name.label("grid"),
                Village.name.label("village"),
            )
            .select_from(E)
            .outerjoin(Grid, Grid.id == E.grid_id)
            .outerjoin(Village, Village.id == Grid.village_id)
            .where(EVENT_COUNTS["overdue"].where(now))
            .order_by(E.due_at, E.id)
            .limit(max(1, min(int(limit), 200)))
        )
        .mappings()
        .all()
    )
    return [{**dict(r), "stage": stage_of(r["status"], r["handled_at"])} for r in rows]


# --------------------------------------------------------------------------- handling KPIs

KPI_MIN_N = 5  # a grid or worker is ranked on a KPI only when that KPI's n is at least this
KPI_BASE = "上报时间在所选时段内的网格事件"
EVENT_KPIS: dict[str, tuple[str, str]] = {
    "closure": (
        "事件办结率",
        f"已办结（核查通过：已核查、已评价或已归档）÷ 上报事件数；n 为{KPI_BASE}数（办结时间不限于时段内）。",
    ),
    "on_time": (
        "按期办结率",
        "办结（核查通过）时间不晚于处置时限的事件 ÷ 已办结的事件；n 为其中已办结、有处置时限的事件数。",
    ),
    "median_days": (
        "处置时长中位数",
        "已办结事件从上报到核查通过的时长的中位数，以天计（自然日，含非工作日，一位小数）；n 为其中已办结的事件数。",
    ),
}
KPI_BY = {"grid": "按网格", "worker": "按网格员"}


def handling_kpis(
    s: Session, since: datetime, until: datetime, by: str = "grid", village_id: int | None = None
) -> list[dict]:
    """The handling KPIs of the events reported in [since, until) (naive UTC), one dict per grid
    (``by="grid"``) or per reporting grid staff member (``by="worker"``; events recorded without a
    reporter are not counted there) that has such events:

    - ``reported``: the cohort's size (the n of ``closure_rate``); ``closed``: closed by now
      (``closed_at`` set: 核查通过); ``closure_rate`` = closed / reported;
    - ``on_time_n``: closed with a deadline; ``on_time``: closed at or before ``due_at``;
      ``on_time_rate`` = on_time / on_time_n;
    - ``median_days``: the median of closed_at − reported_at in (natural) days over the closed
      events (n = ``closed``), computed in SQL with window functions.

    A rate or median is None when its n is 0. Definitions with their n: ``EVENT_KPIS``."""
    if by not in KPI_BY:
        raise ValueError(by)
    key = E.grid_id if by == "grid" else E.reporter_staff_id
    cohort = [E.reported_at >= since, E.reported_at < until, key.is_not(None)]
    if village_id is not None:
        cohort.append(E.grid_id.in_(select(Grid.id).where(Grid.village_id == village_id)))
    closed = E.closed_at.is_not(None)
    timed = and_(closed, E.due_at.is_not(None))
    agg = (
        select(
            key.label("k"),
            func.count().label("reported"),
            func.sum(case((closed, 1), else_=0)).label("closed"),
            func.sum(case((timed, 1), else_=0)).label("on_time_n"),
            func.sum(case((and_(timed, E.closed_at <= E.due_at), 1), else_=0)).label("on_time"),
        )
        .where(*cohort)
        .group_by(key)
    ).subquery("agg")
    hours = hours_between(s, E.reported_at, E.closed_at)
    ranked = (
        select(
            key.label("k"),
            hours.label("h"),
            func.row_number().over(partition_by=key, order_by=(hours, E.id)).label("rn"),
            func.count().over(partition_by=key).label("cnt"),
        ).where(*cohort, closed)
    ).subquery("ranked")
    med = (
        select(ranked.c.k, func.avg(ranked.c.h).label("h"))
        .where(ranked.c.rn.in_(((ranked.c.cnt + 1) // 2, (ranked.c.cnt + 2) // 2)))
        .group_by(ranked.c.k)
    ).subquery("med")
    if by == "grid":
        names = (
            select(
                agg.c.k,
                agg.c.reported,
                agg.c.closed,
                agg.c.on_time_n,
                agg.c.on_time,
                med.c.h,
                Grid.name.label("name"),
                Grid.name.label("grid_name"),
                Village.id.label("village_id"),
                Village.name.label("village_name"),
                null().label("staff_role"),
            )
            .join(Grid, Grid.id == agg.c.k)
            .join(Village, Village.id == Grid.village_id)
            .order_by(Village.code, Village.id, Grid.code, Grid.id)
        )
    else:
        names = (
            select(
                agg.c.k,
                agg.c.reported,
                agg.c.closed,
                agg.c.on_time_n,
                agg.c.on_time,
                med.c.h,
                GridStaff.name.label("name"),
                Grid.name.label("grid_name"),
                Village.id.label("village_id"),
                Village.name.label("village_name"),
                GridStaff.staff_role.label("staff_role"),
            )
            .join(GridStaff, GridStaff.id == agg.c.k)
            .join(Grid, Grid.id == GridStaff.grid_id)
            .join(Village, Village.id == Grid.village_id)
            .order_by(Village.code, Village.id, Grid.code, Grid.id, GridStaff.name, GridStaff.id)
        )
    names = names.outerjoin(med, med.c.k == agg.c.k)
    out = []
    for r in s.execute(names).mappings():
        reported, done, on_n, on = (
            int(r["reported"]),
            int(r["closed"] or 0),
            int(r["on_time_n"] or 0),
            int(r["on_time"] or 0),
        )
        out.append(
            {
                "id": r["k"],
                "name": r["name"],
                "staff_role": r["staff_role"],
                "grid_name": r["grid_name"],
                "village_id": r["village_id"],
                "village_name": r["village_name"],
                "reported": reported,
                "closed": done,
                "closure_rate": done / reported if reported else None,
                "on_time_n": on_n,
                "on_time": on,
                "on_time_rate": on / on_n if on_n else None,
                "median_days": float(r["h"]) / 24 if r["h"] is not None and done else None,
            }
        )
    return out


KPI_N = {"closure_rate": "reported", "on_time_rate": "on_time_n", "median_days": "closed"}


def rank(rows: list[dict], metric: str, min_n: int = KPI_MIN_N) -> list[dict]:
    """``rows`` of ``handling_kpis`` ranked on ``metric`` (closure_rate, on_time_rate: higher is
    better; median_days: lower is better) among those whose n for that metric is at least
    ``min_n``; the others follow, unranked (``rank`` None), in their original order. Ties share
    a rank (1, 2, 2, 4)."""
    n_key = KPI_N[metric]
    eligible = [r for r in rows if r[n_key] >= min_n and r[metric] is not None]
    rest = [r for r in rows if not (r[n_key] >= min_n and r[metric] is not None)]
    sign = 1 if metric == "median_days" else -1
    eligible = sorted(eligible, key=lambda r: sign * r[metric])
    out, prev, place = [], None, 0
    for i, r in enumerate(eligible, 1):
        value = round(r[metric], 9)
        if value != prev:
            place, prev = i, value
        out.append({**r, "rank": place})
    return out + [{**r, "rank": None} for r in rest]


# --------------------------------------------------------------------------- one event


def event_detail(s: Session, event_id: int) -> dict | None:
    """Every column of the event (but the unused photo_path) plus the names it refers to."""
    reporter = aliased(GridStaff)
    row = (
        s.execute(
            select(
                *scope.columns(E),
                Grid.name.label("grid"),
                Village.id.label("village_id"),
                Village.township_id.label("township_id"),
                Village.name.label("village"),
                reporter.name.label("reporter"),
                reporter.phone.label("reporter_phone"),
                Household.address.label("household_address"),
                Household.head_name.label("household_head"),
                Household.phone.label("household_phone"),
            )
            .select_from(E)
            .join(Grid, Grid.id == E.grid_id)
            .join(Village, Village.id == Grid.village_id)
            .outerjoin(reporter, reporter.id == E.reporter_staff_id)
            .outerjoin(Household, Household.id == E.household_id)
            .where(E.id == event_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    d = dict(row)
    d.pop("photo_path", None)
    d["stage"] = stage_of(d["status"], d["handled_at"])
    return d


def platforms_of(s: Session, township_id: int) -> list[dict]:
    """The township's platforms, for a referral: dict(id, name)."""
    rows = (
        s.execute(select(Platform.id, Platform.name).where(Platform.township_id == township_id).order_by(Platform.id))
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


def event_id_by_number(s: Session, number: str) -> int | None:
    return s.scalar(select(E.id).where(E.number == number.strip().upper()))


def timeline(s: Session, event_id: int) -> list[dict]:
    """The event's steps, oldest first."""
    T = GridEventStep
    rows = (
        s.execute(
            select(
                T.id,
                T.at,
                T.actor_id,
                func.coalesce(User.display_name, "系统").label("actor"),
                T.action,
                T.from_status,
                T.to_status,
                T.note,
            )
            .outerjoin(User, User.id == T.actor_id)
            .where(T.event_id == event_id)
            .order_by(T.at, T.id)
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


def photos(s: Session, event_id: int) -> list[dict]:
    """The event's photos (bytes included), oldest first."""
    P = GridEventPhoto
    rows = (
        s.execute(
            select(P.id, P.content_type, P.size, P.data, P.created_at).where(P.event_id == event_id).order_by(P.id)
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


def linked(s: Session, event_id: int) -> list[dict]:
    return links_q.linked(s, "grid_event", event_id)


# --------------------------------------------------------------------------- work logs


def staff_options(
    s: Session, village_id: int | None = None, grid_id: int | None = None, limit: int = 500
) -> list[dict]:
    """Active grid staff for a picker: dict(id, name, staff_role, grid_id, grid, village)."""
    q = (
        select(
            GridStaff.id,
            GridStaff.name,
            GridStaff.staff_role,
            GridStaff.grid_id,
            Grid.name.label("grid"),
            Village.name.label("village"),
        )
        .join(Grid, Grid.id == GridStaff.grid_id)
        .join(Village, Village.id == Grid.village_id)
        .where(GridStaff.active.is_(True))
        .order_by(Village.code, Grid.code, GridStaff.name, GridStaff.id)
        .limit(limit)
    )
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
    rows = (
        s.execute(
            select(L.id, L.log_date, L.content, L.households_visited, L.created_at, L.updated_at, L.version)
            .where(L.staff_id == staff_id)
            .order_by(L.log_date.desc(), L.id.desc())
            .offset(max(0, int(offset)))
            .limit(max(1, min(int(limit), 200)))
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


def log_for(s: Session, staff_id: int, day: date) -> dict | None:
    L = WorkLog
    row = (
        s.execute(
            select(L.id, L.log_date, L.content, L.households_visited, L.version).where(
                L.staff_id == staff_id, L.log_date == day
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


# --------------------------------------------------------------------------- as a role sees it
# Display reads: through the read layer's presentation step (db/queries/privacy.py). The free text
# of an event (description, evaluation, step notes) is scrubbed with the names the event knows:
# its household's head and its reporter; the reporter (staff) is masked for the observer only.


def _event_names(r: dict) -> tuple:
    return (r.get("household_head"), r.get("reporter"))


EVENT_ROW = privacy.Entity(
    fields={"address": "address", "household_head": "name"},
    text=("description",),
    row_names=_event_names,
    staff={"reporter": "name"},
)
EVENT_DETAIL = privacy.Entity(
    fields={"household_head": "name", "household_phone": "phone", "address": "address", "household_address": "address"},
    text=("description", "evaluation"),
    row_names=_event_names,
    staff={"reporter": "name", "reporter_phone": "phone"},
)


def event_page_for(
    s: Session, f: EventFilter, actor: Actor, offset: int = 0, limit: int = 20, now: datetime | None = None
) -> list[dict]:
    return privacy.present(s, actor.role, event_page(s, f, actor, offset, limit, now), EVENT_ROW)


def event_detail_for(s: Session, event_id: int, role: str) -> dict | None:
    return privacy.present_one(s, role, event_detail(s, event_id), EVENT_DETAIL)


def timeline_for(s: Session, event_id: int, role: str) -> list[dict]:
    """The steps, their notes scrubbed with the event's names; operators masked for the observer
    (the system's own steps stay 系统)."""
    d = event_detail(s, event_id)
    names = [n for n in _event_names(d or {}) if n]
    steps = timeline(s, event_id)
    spec = privacy.Entity(text=("note",), names=lambda _s, keys: dict.fromkeys(keys, names), staff={"actor": "name"})
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


def handling_kpis_for(
    s: Session, since: datetime, until: datetime, by: str, village_id: int | None, role: str
) -> list[dict]:
    """``handling_kpis`` as the role sees it: staff names masked for the observer (by worker)."""
    rows = handling_kpis(s, since, until, by, village_id)
    return privacy.present(s, role, rows, privacy.Entity(staff={"name": "name"})) if by == "worker" else rows
