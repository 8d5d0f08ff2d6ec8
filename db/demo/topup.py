"""Keep the demo township alive (issue #22): on every start in demo mode, the calls the township
would have taken since its data was made are registered and handled through the console's own
services, at the township's usual rhythm, so that today, this week and this month look like a
working township on any date; and calls left open for longer than a real office would leave
them are taken to their close.

- The rhythm: the township's orders per day over the 60 days before its newest order, fewer on
  weekends, during office hours (08:00-18:00 Beijing).
- Each new call copies a recent call of the township (its category, place, household, caller and
  wording), so the mix and the texts stay the township's own.
- Each call then goes as far as its age allows (contact, dispatch, accept, resolve, callback),
  each step taken by the township's own account for it (its clerk, dispatcher, the platform's
  officer; 系统 where there is none); the youngest are still open.
- Its tier shows (issue #21, item 5): most 就地办 calls go to their village (its grid worker's
  account accepts and resolves them), a 吹哨办 call's department leads one or two departments of
  other platforms, whose officers accept their parts with the lead and report them before it
  resolves (a stale call's open parts too). These draws come from a stream of the call's own.
- Deterministic for a given data set and moment: the random generator is seeded with both.
- At most ``MAX_DAYS`` days are filled (a console left alone for a year gets its last six weeks,
  enough for today, this week and this month); a gap of less than an hour is nothing to do.

Grid events are topped up the same way (the grid workers' rounds at the township's rhythm,
reported as their template's worker, handled on the spot, verified, evaluated, archived as
their age allows; stale ones closed unless their referred record is still open). Disputes and
platform cases likewise (``db/demo/topup_cases.py``): new ones at the township's rhythm, and every
open one taken on through its steps as far as its age allows.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select

from db import scope
from db.demo import topup_cases, vocab
from db.demo.context import LOCAL_OFFSET
from db.demo.orders import ASSIST_ONE, VILLAGE_SHARE
from db.engine import read_session, write_session
from db.errors import DomainError
from db.models import (
    AppSetting,
    Department,
    GridEvent,
    OrderAssist,
    Platform,
    Township,
    User,
    WorkOrder,
    WorkOrderEvent,
)
from db.models.grid_work import EVENT_RATINGS
from db.models.orders import ASSIST_OPEN, OPEN_STATUSES
from db.permissions import SYSTEM, allowed
from db.rules.event_fsm import permission_for
from db.services import grid_events as ge
from db.services import order_assists
from db.services import orders as orders_svc
from db.services.orders import Intake
from db.services.users import actor_of

MAX_DAYS = 45  # the start-up pays about half a second per day of calls and rounds
STALE_DAYS = 20  # an open call older than this is closed by the top-up
STEPS = (("contact", 0.05), ("dispatch", 0.2), ("accept", 0.5), ("resolve", 2.0), ("callback", 4.0))
RESULT = "已现场核实并处理完毕，诉求人认可。"
NOTHING = {
    "registered": 0,
    "closed": 0,
    "events": 0,
    "events_closed": 0,
    "disputes": 0,
    "disputes_moved": 0,
    "platform_cases": 0,
    "platform_cases_moved": 0,
}


def staff_of(engine: Engine) -> dict:
    """The township's own accounts who take each step (the engine's township): its reception clerk
    (contact, callback), its dispatcher (dispatch) and each platform's officer (accept, resolve),
    so that a topped-up call's timeline names the people who handled it; 系统 where there is none."""
    out: dict = {}
    with read_session(engine) as s:
        for u in s.scalars(select(User).where(User.active.is_(True), User.township_id.is_not(None)).order_by(User.id)):
            key = ("platform", u.platform_id) if u.role == "platform" else u.role
            out.setdefault(key, actor_of(u))
            if u.role == "grid" and u.village_id is not None:  # a 就地办 call of the village is theirs
                out.setdefault(("village", u.village_id), actor_of(u))
    return out


def _moments(
    rng: random.Random,
    steps: tuple[tuple[str, float], ...],
    done: int,
    start: datetime,
    now: datetime,
    finish: bool,
    stop_chance: float,
    gap_hours: tuple[float, float],
):
    """(step, when) for each step still to take, as far as the item's age allows: each step some
    hours (``gap_hours``) after the one before, none before its minimum age in days, a chance of
    stopping at each; ``finish``: every step, spread between ``start`` and now."""
    age_days = (now - start).total_seconds() / 86400
    t = start
    for i, (step, min_age) in enumerate(steps):
        if i < done:
            continue
        if not finish and (age_days < min_age or rng.random() < stop_chance):
            return
        gap = (age_days * 86400 / (len(steps) + 1)) if finish else rng.uniform(*gap_hours) * 3600
        t = t + timedelta(seconds=rng.uniform(0.5, 1.0) * gap)
        if t >= now:
            return
        yield step, t


def _handling(engine: Engine, order_id: int) -> tuple[str, int | None, int | None, list]:
    """The order's tier, village, the village handling it (就地办) and its assisting parts still
    open (id, version, status, platform, time of their last step)."""
    with read_session(engine) as s:
        o = s.get(WorkOrder, order_id)
        parts = s.execute(
            select(
                OrderAssist.id,
                OrderAssist.version,
                OrderAssist.status,
                OrderAssist.platform_id,
                func.coalesce(OrderAssist.accepted_at, OrderAssist.assigned_at),
            )
            .where(OrderAssist.order_id == order_id, OrderAssist.status.in_(ASSIST_OPEN))
            .order_by(OrderAssist.id)
        ).all()
        return o.tier, o.village_id, o.handler_village_id, [tuple(p) for p in parts]


def _dispatch(
    engine: Engine,
    rng: random.Random,
    tiers: random.Random,
    order: dict,
    t: datetime,
    depts: list[tuple[int, int]],
    staff: dict,
) -> tuple[dict, int | None]:
    """Dispatch by the call's tier: 就地办 to its village (VILLAGE_SHARE of them), 吹哨办 to a
    department leading one or two of other platforms, else to a department. Returns the order and
    the platform now handling it."""
    dispatcher = staff.get("dispatcher", SYSTEM)
    platform_id, dept_id = rng.choice(depts)
    tier, village_id, _, _ = _handling(engine, order["id"])
    if tier == "local" and village_id is not None and tiers.random() < VILLAGE_SHARE:
        return orders_svc.dispatch_local(engine, dispatcher, order["id"], order["version"], now=t), None
    assisting: list[int] = []
    if tier == "whistle":
        others: dict[int, list[int]] = {}
        for p, d in depts:
            if p != platform_id:
                others.setdefault(p, []).append(d)
        picked = sorted(others)
        tiers.shuffle(picked)
        assisting = [tiers.choice(others[p]) for p in picked[: 1 if tiers.random() < ASSIST_ONE else 2]]
    return orders_svc.dispatch(
        engine, dispatcher, order["id"], order["version"], platform_id, dept_id, now=t, assisting=assisting
    ), platform_id


def progress(
    engine: Engine,
    rng: random.Random,
    order: dict,
    start: datetime,
    now: datetime,
    depts: list[tuple[int, int]],
    *,
    finish: bool = False,
    stop_chance: float = 0.12,
    staff: dict | None = None,
) -> dict:
    """Take ``order`` (its state as the services return it) as far as its age allows: contact,
    dispatch, accept, resolve, callback, each some hours after the one before; a young call is
    more often still open. ``finish``: to its close, the steps spread between ``start`` and now.
    ``staff`` (``staff_of``): who takes each step (else 系统). A 就地办 call is accepted and
    resolved by its village's grid worker; a 吹哨办's assisting parts are accepted with the lead and
    reported before it resolves."""
    staff = staff or {}
    platform_id = order.get("platform_id")
    tiers = random.Random(f"tiers:{order['id']}:{start.isoformat()}")  # nosec B311 - demo data; rng's draws as before
    done = {"received": 0, "contacted": 1, "dispatched": 2, "in_progress": 3, "resolved": 4}.get(order["status"], 5)
    if finish:  # what is left of a stale call comes after what it has done (an assisting part's step too)
        with read_session(engine) as s:
            latest = s.scalar(select(func.max(WorkOrderEvent.at)).where(WorkOrderEvent.order_id == order["id"]))
        start = max(start, latest or start)
    last = start
    for step, t in _moments(rng, STEPS, done, start, now, finish, stop_chance, (0.5, 20)):
        oid, ver = order["id"], order["version"]
        clerk = staff.get("reception", SYSTEM)
        officer = staff.get(("platform", platform_id), SYSTEM)
        if step in ("accept", "resolve"):
            _tier, _village, handler, parts = _handling(engine, oid)
            if handler is not None:
                officer = staff.get(("village", handler), SYSTEM)
        if step == "contact":
            order = orders_svc.contact(engine, clerk, oid, ver, now=t)
        elif step == "dispatch":
            order, platform_id = _dispatch(engine, rng, tiers, order, t, depts, staff)
        elif step == "accept":
            order = orders_svc.accept(engine, officer, oid, ver, now=t)
            for part_id, part_ver, status, part_platform, _at in parts:
                if status == "assigned":
                    order_assists.accept(
                        engine, staff.get(("platform", part_platform), SYSTEM), part_id, part_ver, now=t
                    )
        elif step == "resolve":
            reports = []  # every part reports first, after its acceptance (in time order: the timeline's)
            for part_id, part_ver, _status, part_platform, at in parts:
                begun = min(max(at, last), t)
                reports.append((begun + (t - begun) * tiers.uniform(0.3, 0.9), part_id, part_ver, part_platform))
            for at, part_id, part_ver, part_platform in sorted(reports):
                order_assists.report(
                    engine,
                    staff.get(("platform", part_platform), SYSTEM),
                    part_id,
                    part_ver,
                    tiers.choice(vocab.ASSIST_REPORTS),
                    now=at,
                )
            order = orders_svc.resolve(engine, officer, oid, ver, RESULT, now=t)
        else:
            order = orders_svc.callback(engine, clerk, oid, ver, rng.choice(("satisfied", "satisfied", "basic")), now=t)
        last = t
    return order


EVENT_STEPS = (("handle", 0.1), ("verify", 0.6), ("evaluate", 2.0), ("archive", 4.0))
ON_SPOT = "已现场处置，群众认可。"


def _by(staff: dict | None, action: str, roles: tuple[str, ...]):
    """The township's first account among ``roles`` allowed to take ``action``, else 系统."""
    for role in roles:
        actor = (staff or {}).get(role)
        if actor is not None and allowed(actor.role, permission_for(action)):
            return actor
    return SYSTEM


def progress_event(
    engine: Engine,
    rng: random.Random,
    ev: dict,
    start: datetime,
    now: datetime,
    *,
    finish: bool = False,
    stop_chance: float = 0.1,
    staff: dict | None = None,
) -> dict:
    """A grid event through the loop as far as its age allows: handled (on the spot, or the
    handling of a referred matter recorded once its record is closed), verified and archived by
    the township's dispatcher, evaluated by its leader (系统 where the township has no such
    account; the handling stays 系统's: the grid's worker may have no account). A referred event
    whose record is still open stays where it is."""
    done = {
        "reported": 0,
        "referred": 0,
        "handling": 1 if ev.get("handled_at") else 0,
        "verified": 2,
        "evaluated": 3,
    }.get(ev["status"], 4)
    for step, t in _moments(rng, EVENT_STEPS, done, start, now, finish, stop_chance, (1, 30)):
        eid, ver = ev["id"], ev["version"]
        try:
            if step == "handle":
                ev = (
                    ge.handle_on_spot(engine, SYSTEM, eid, ver, ON_SPOT, now=t)
                    if ev["status"] == "reported"
                    else ge.mark_handled(engine, SYSTEM, eid, ver, ON_SPOT, now=t)
                )
            elif step == "verify":
                ev = ge.verify(engine, _by(staff, "verify", ("dispatcher",)), eid, ver, "passed", now=t)
            elif step == "evaluate":
                ev = ge.evaluate(
                    engine,
                    _by(staff, "evaluate", ("leader", "dispatcher")),
                    eid,
                    ver,
                    rng.choice(list(EVENT_RATINGS)[:3]),
                    now=t,
                )
            else:
                ev = ge.archive(engine, _by(staff, "archive", ("dispatcher", "leader")), eid, ver, now=t)
        except DomainError:  # a referred matter whose order, case or platform case is still open
            break
    return ev


def _events(town: Engine, rng: random.Random, since: datetime, now: datetime, staff: dict) -> dict[str, int]:
    """The grid workers' rounds since ``since`` at the township's rhythm, and their stale events
    taken to their close (grid events are reported by the grid's own workers: the copy keeps the
    template's reporter)."""
    E = GridEvent
    with read_session(town) as s:
        newest = s.scalar(select(func.max(E.reported_at)))
        if newest is None:
            return {"events": 0, "events_closed": 0}
        window = newest - timedelta(days=60)
        per_day = (s.scalar(select(func.count()).select_from(E).where(E.reported_at > window)) or 0) / 60
        templates = [
            dict(r)
            for r in s.execute(
                select(E.event_type, E.description, E.grid_id, E.address, E.household_id, E.reporter_staff_id)
                .where(E.reported_at > window)
                .order_by(E.id)
            ).mappings()
        ]
        stale = [
            (r.id, r.reported_at)
            for r in s.execute(
                select(E.id, E.reported_at)
                .where(E.status != "archived", E.reported_at < now - timedelta(days=STALE_DAYS))
                .order_by(E.id)
            )
        ]
    closed = 0
    for eid, reported in stale:
        with read_session(town) as s:
            e = s.get(E, eid)
            state = {"id": e.id, "version": e.version, "status": e.status, "handled_at": e.handled_at}
        after = progress_event(town, rng, state, reported, now, finish=True, staff=staff)
        closed += after["status"] == "archived"
    made = 0
    if templates and per_day > 0:
        for at in _office_moments(rng, max(since, newest, now - timedelta(days=MAX_DAYS)), now, per_day):
            t = rng.choice(templates)
            ev = ge.report(
                town,
                SYSTEM,
                ge.EventReport(
                    event_type=t["event_type"],
                    description=t["description"],
                    grid_id=t["grid_id"],
                    address=t["address"],
                    household_id=t["household_id"],
                    reporter_staff_id=t["reporter_staff_id"],
                ),
                now=at,
            )
            age = now - at
            progress_event(
                town,
                rng,
                {**ev, "handled_at": None},
                at,
                now,
                finish=age > timedelta(days=STALE_DAYS),
                stop_chance=0.12 if age < timedelta(days=3) else 0.03,
                staff=staff,
            )
            made += 1
    return {"events": made, "events_closed": closed}


def _office_moments(rng: random.Random, since: datetime, now: datetime, per_day: float) -> list[datetime]:
    """Moments of new calls in (since, now]: office hours, fewer on weekends."""
    out: list[datetime] = []
    day = (since + LOCAL_OFFSET).date()
    last = (now + LOCAL_OFFSET).date()
    while day <= last:
        rate = per_day * (0.4 if day.weekday() >= 5 else 1.15)
        tries = int(rate * 3) + (rng.random() < rate * 3 % 1)  # a rare kind (a dispute a week) too
        n = sum(1 for _ in range(tries) if rng.random() < 1 / 3)  # about ``rate`` calls
        for _ in range(n):
            local = datetime(day.year, day.month, day.day, 8) + timedelta(minutes=rng.uniform(0, 600))
            at = local - LOCAL_OFFSET
            if since < at <= now:
                out.append(at)
        day += timedelta(days=1)
    return sorted(out)


def run(engine: Engine, now: datetime, township_id: int | None = None) -> dict[str, int]:
    """Top the township (the first, the demo's, by default) up to ``now``. Returns the number of
    calls registered and of stale calls closed."""
    with read_session(engine) as s:
        if township_id is None:
            township_id = s.scalar(select(Township.id).order_by(Township.id))
        if township_id is None:
            return dict(NOTHING)
    town = scope.scoped(engine, township_id)  # every read and write below stays in the township
    key = f"demo_topped_up_{township_id}"
    with read_session(town) as s:
        newest = s.scalar(select(func.max(WorkOrder.received_at)))
        mark = s.get(AppSetting, key)
        since = max(newest, datetime.fromisoformat(mark.value)) if (newest and mark) else newest
        if since is None or now - since < timedelta(hours=1):
            return dict(NOTHING)
        window = newest - timedelta(days=60)
        per_day = (
            s.scalar(select(func.count()).select_from(WorkOrder).where(WorkOrder.received_at > window)) or 0
        ) / 60
        templates = [
            dict(r)
            for r in s.execute(
                select(
                    WorkOrder.channel,
                    WorkOrder.description,
                    WorkOrder.category_id,
                    WorkOrder.village_id,
                    WorkOrder.grid_id,
                    WorkOrder.household_id,
                    WorkOrder.caller_name,
                    WorkOrder.caller_phone,
                    WorkOrder.address,
                )
                .where(
                    WorkOrder.received_at > window,
                    WorkOrder.duplicate_of_id.is_(None),
                    WorkOrder.channel != "grid",
                    WorkOrder.village_id.is_not(None),
                )
                .order_by(WorkOrder.id)
            ).mappings()
        ]
        depts = [
            (p, d)
            for p, d in s.execute(
                select(Platform.id, Department.id)
                .join(Department, Department.platform_id == Platform.id)
                .where(Department.active.is_(True))
                .order_by(Department.id)
            )
        ]
        stale = [
            (r.id, r.received_at)
            for r in s.execute(
                select(WorkOrder.id, WorkOrder.received_at)
                .where(WorkOrder.status.in_(OPEN_STATUSES), WorkOrder.received_at < now - timedelta(days=STALE_DAYS))
                .order_by(WorkOrder.id)
            )
        ]
    if not templates or not depts or per_day <= 0:
        return dict(NOTHING)
    rng = random.Random(f"{township_id}:{since.isoformat()}:{now:%Y-%m-%d %H}")  # nosec B311 - demo data
    staff = staff_of(town)
    closed = 0
    for oid, received in stale:
        with read_session(town) as s:
            o = s.get(WorkOrder, oid)
            state = {"id": o.id, "version": o.version, "status": o.status, "platform_id": o.platform_id}
        progress(town, rng, state, received, now, depts, finish=True, staff=staff)
        closed += 1
    registered = 0
    for at in _office_moments(rng, max(since, now - timedelta(days=MAX_DAYS)), now, per_day):
        t = rng.choice(templates)
        order = orders_svc.register(
            town,
            staff.get("reception", SYSTEM),
            Intake(
                channel=t["channel"],
                description=t["description"],
                category_id=t["category_id"],
                village_id=t["village_id"],
                grid_id=t["grid_id"],
                household_id=t["household_id"],
                caller_name=t["caller_name"],
                caller_phone=t["caller_phone"],
                address=t["address"],
            ),
            now=at,
        )
        age = now - at
        progress(
            town,
            rng,
            order,
            at,
            now,
            depts,
            finish=age > timedelta(days=STALE_DAYS),
            staff=staff,
            stop_chance=0.12 if age < timedelta(days=3) else 0.05 if age < timedelta(days=10) else 0.02,
        )
        registered += 1

    # the grid events draw from a stream of their own: how many of them are open (their handling
    # clock, db/demo/gridwork.py) must not change what the disputes and platform cases draw
    events_rng = random.Random(f"{township_id}:{since.isoformat()}:{now:%Y-%m-%d %H}:events")  # nosec B311 - demo data
    done = {
        "registered": registered,
        "closed": closed,
        **_events(town, events_rng, since, now, staff),
        **topup_cases.disputes(town, rng, since, now, staff, _office_moments),
        **topup_cases.platform_cases(town, rng, since, now, staff, _office_moments),
    }
    mark_current(engine, now, township_id)
    return done


def mark_current(engine: Engine, now: datetime, township_id: int) -> None:
    """Record that the township's data is current up to ``now`` (after a top-up, and after the
    demo's data is generated: a first start has nothing to top up, and changes no generated
    record)."""
    key = f"demo_topped_up_{township_id}"
    with write_session(engine) as s:  # how far the township has been topped up (quiet hours too)
        row = s.get(AppSetting, key) or AppSetting(key=key, value="")
        row.value = now.isoformat()
        s.add(row)
