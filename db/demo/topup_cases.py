"""The demo's disputes and platform cases kept alive (issue #22), like its calls and events
(``db/demo/topup.py``): new ones registered at the township's rhythm since the data was made,
and every open one taken on through the console's own services as far as its age allows, so that
nothing waits longer than a real office would let it (a dispute mediated step by step until it
is agreed, followed up and closed; a platform case signed for, received or taken back, and
closed). Each step is taken by the township's own account for it (its mediator, the platform's
officer), 系统 where there is none, at a moment after the previous step and never after now.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select

from db.demo import vocab
from db.demo.context import LOCAL_OFFSET
from db.engine import read_session
from db.models import Handoff, MediationCase, MediationParty, MediationStep, PlatformCase
from db.models.platforms import OPEN_CASE_STATUSES, PlatformCaseEvent
from db.permissions import SYSTEM, Actor
from db.queries.mediation import township_step4_held
from db.rules import mediation_fsm as fsm
from db.services import mediation as med
from db.services import platforms as plat

WINDOW_DAYS = 60
AGREE_CHANCE = {1: 0.5, 2: 0.65, 3: 0.8, 4: 1.0}  # a step ends in agreement


def _local_day(at: datetime):
    return (at + LOCAL_OFFSET).date()


def _after(at: datetime, since: datetime, rng: random.Random) -> datetime:
    """A step's moment, never inside the time the data already covers: a step the data's own
    rhythm would have taken before ``since`` (the data's end, or the last top-up) is taken a
    little after it instead, so a first start changes none of the generated records."""
    if at <= since:
        at = since + timedelta(hours=rng.uniform(2, 72))
    return _office(at, rng)


def _office(at: datetime, rng: random.Random) -> datetime:
    """``at`` moved into office hours of its (Beijing) day."""
    local = at + LOCAL_OFFSET
    if 8 <= local.hour < 18:
        return at
    day = local.date() + (timedelta(days=1) if local.hour >= 18 else timedelta())
    return datetime(day.year, day.month, day.day, 9) + timedelta(minutes=rng.uniform(0, 480)) - LOCAL_OFFSET


def _moved(town: Engine, model: type, ids: list[int], advance: Callable[[int], object]) -> int:
    """Take each record on; how many of them changed (their version moved)."""
    moved = 0
    for rid in ids:
        with read_session(town) as s:
            before = s.get(model, rid).version
        advance(rid)
        with read_session(town) as s:
            moved += s.get(model, rid).version != before
    return moved


# --------------------------------------------------------------------------- disputes


def advance_dispute(
    town: Engine, rng: random.Random, case_id: int, now: datetime, actor: Actor, since: datetime
) -> str:
    """Take one dispute through its next steps, each three to ten days after the last (and after
    ``since``), while they fall before ``now``; returns its status afterwards."""
    while True:
        with read_session(town) as s:
            c = s.get(MediationCase, case_id)
            last = s.scalar(select(func.max(MediationStep.held_on)).where(MediationStep.case_id == c.id))
            state = dict(
                version=c.version,
                status=c.status,
                step=c.current_step,
                escalated=c.escalated_at is not None,
                held4=township_step4_held(s, c),
                since=c.last_progress_at or c.reported_at,
                due=c.followup_due_on,
                agreed=c.agreed_at,
                followup=c.followup_at,
                colour=c.risk_colour,
                parties=[p.name for p in s.scalars(select(MediationParty).where(MediationParty.case_id == c.id))],
            )
        if state["status"] in fsm.ACTIVE_STATUSES:
            at = _after(state["since"] + timedelta(days=rng.uniform(3, 10)), since, rng)
            if last is not None and _local_day(at) < last:
                at = _office(datetime(last.year, last.month, last.day, 10) - LOCAL_OFFSET + timedelta(days=1), rng)
            if at > now:
                return state["status"]
            step = fsm.next_step(state["step"], state["escalated"], state["held4"])
            if step is None:  # four steps without agreement: the parties go to court
                med.refer_out(
                    town,
                    actor,
                    case_id,
                    state["version"],
                    "litigation",
                    rng.choice(vocab.FAILURE_OUTCOMES["litigation"]),
                    now=at,
                )
                return "litigation"
            agreed = rng.random() < AGREE_CHANCE[step]
            a, b = (state["parties"] + ["申请人", "被申请人"])[:2]
            colour = (
                {"red": "yellow", "yellow": "blue"}.get(state["colour"], "blue")
                if rng.random() < 0.4
                else state["colour"]
            )
            med.record_step(
                town,
                actor,
                case_id,
                state["version"],
                step_no=step,
                held_on=_local_day(at),
                participants=vocab.MEDIATION_STEP_PARTICIPANTS[step].format(
                    staff="网格员", worthy="乡贤", lawyer="法律顾问", mediator=actor.display_name, n=rng.randint(5, 12)
                ),
                notes=rng.choice(vocab.MEDIATION_STEP_NOTES[step]),
                risk_colour=colour,
                outcome="agreed" if agreed else "continue",
                agreement_text=rng.choice(vocab.AGREEMENT_TEXTS).format(a=a, b=b, n=rng.randint(5, 60))
                if agreed
                else None,
                now=at,
            )
        elif state["status"] == "agreed" and state["due"] is not None:
            day = state["due"] + timedelta(days=rng.randint(1, 4))
            at = _after(
                datetime(day.year, day.month, day.day, 9) - LOCAL_OFFSET + timedelta(minutes=rng.uniform(0, 420)),
                since,
                rng,
            )
            if at > now:
                return state["status"]
            if state["followup"] is None:
                med.record_followup(
                    town, actor, case_id, state["version"], _local_day(at), rng.choice(vocab.FOLLOWUP_NOTES), now=at
                )
                continue
            med.close(town, actor, case_id, state["version"], "协议履行到位，已销号。", now=at)
        else:
            return state["status"]


def disputes(town: Engine, rng: random.Random, since: datetime, now: datetime, staff: dict, moments) -> dict[str, int]:
    """New disputes since ``since`` at the township's rhythm (each a recent one's type, place,
    parties and wording), and every open dispute taken on as far as its age allows."""
    C = MediationCase
    actor = staff.get("mediator", SYSTEM)
    with read_session(town) as s:
        newest = s.scalar(select(func.max(C.reported_at)))
        if newest is None:
            return {"disputes": 0, "disputes_moved": 0}
        window = newest - timedelta(days=WINDOW_DAYS)
        per_day = (s.scalar(select(func.count()).select_from(C).where(C.reported_at > window)) or 0) / WINDOW_DAYS
        templates = [
            dict(r)
            for r in s.execute(
                select(C.id, C.kind, C.dispute_type, C.title, C.summary, C.village_id, C.grid_id, C.risk_colour)
                .where(C.reported_at > window, C.level == "village")
                .order_by(C.id)
            ).mappings()
        ]
        parties: dict[int, list] = {}
        for p in s.scalars(
            select(MediationParty)
            .where(MediationParty.case_id.in_([t["id"] for t in templates]))
            .order_by(MediationParty.id)
        ):
            parties.setdefault(p.case_id, []).append(
                med.PartyInput(
                    name=p.name, phone=p.phone, id_number=p.id_number, side=p.side, resident_id=p.resident_id
                )
            )
        open_ids = list(s.scalars(select(C.id).where(C.status.in_(fsm.OPEN_STATUSES)).order_by(C.id)))
    moved = _moved(town, C, open_ids, lambda cid: advance_dispute(town, rng, cid, now, actor, since))
    made = 0
    if templates and per_day > 0:
        for at in moments(rng, max(since, newest, now - timedelta(days=45)), now, per_day):
            t = rng.choice(templates)
            case = med.open_case(
                town,
                actor,
                med.CaseInput(
                    kind=t["kind"],
                    dispute_type=t["dispute_type"],
                    title=t["title"],
                    summary=t["summary"],
                    village_id=t["village_id"],
                    grid_id=t["grid_id"],
                    source="walk_in",
                    risk_colour=t["risk_colour"],
                    level="village",
                    parties=parties.get(t["id"], []),
                ),
                now=at,
            )
            advance_dispute(town, rng, case["id"], now, actor, at)
            made += 1
    return {"disputes": made, "disputes_moved": moved}


# --------------------------------------------------------------------------- platform cases


def _as(staff: dict, platform_id: int) -> tuple[Actor, int | None]:
    """The platform's officer acting for it, else 系统 acting as the platform."""
    officer = staff.get(("platform", platform_id))
    return (officer, None) if officer is not None else (SYSTEM, platform_id)


def advance_platform_case(
    town: Engine, rng: random.Random, case_id: int, now: datetime, staff: dict, since: datetime
) -> str:
    """Take one platform case on (signed for, a push received or a bounce taken back, closed), each
    step some hours after the last (and after ``since``), while they fall before ``now``; returns
    its status afterwards."""
    while True:
        with read_session(town) as s:
            c = s.get(PlatformCase, case_id)
            handoff = s.scalars(
                select(Handoff).where(Handoff.case_id == c.id, Handoff.status == "pending").order_by(Handoff.id.desc())
            ).first()
            last = s.scalar(select(func.max(PlatformCaseEvent.at)).where(PlatformCaseEvent.case_id == c.id))
            state = dict(
                version=c.version,
                status=c.status,
                lead=c.lead_platform_id,
                updated=last or c.created_at,
                to=handoff.to_platform_id if handoff else None,
            )
        if state["status"] not in OPEN_CASE_STATUSES:
            return state["status"]
        hours = {"pending": (1, 20), "pushed": (1, 20), "bounced": (2, 24), "accepted": (20, 110)}[state["status"]]
        at = _after(state["updated"] + timedelta(hours=rng.uniform(*hours)), since, rng)
        if at > now:
            return state["status"]
        if state["status"] == "pushed":
            actor, as_id = _as(staff, state["to"])
            plat.receive(town, actor, case_id, state["version"], as_platform_id=as_id, now=at)
        elif state["status"] in ("pending", "bounced"):
            actor, as_id = _as(staff, state["lead"])
            plat.accept(town, actor, case_id, state["version"], as_platform_id=as_id, now=at)
        else:
            actor, as_id = _as(staff, state["lead"])
            plat.close(
                town,
                actor,
                case_id,
                state["version"],
                result=rng.choice(vocab.PLATFORM_RESULTS),
                as_platform_id=as_id,
                now=at,
            )


def platform_cases(
    town: Engine, rng: random.Random, since: datetime, now: datetime, staff: dict, moments
) -> dict[str, int]:
    """New patrol findings since ``since`` at the township's rhythm (a recent case's platform,
    place and wording), and every open case taken on as far as its age allows."""
    P = PlatformCase
    with read_session(town) as s:
        newest = s.scalar(select(func.max(P.created_at)))
        window = (newest or now) - timedelta(days=WINDOW_DAYS)
        # the rhythm of every case the platforms took (from orders, events, patrols, hand-offs); the
        # new ones are patrol findings, worded like the township's own
        per_day = (s.scalar(select(func.count()).select_from(P).where(P.created_at > window)) or 0) / WINDOW_DAYS
        templates = [
            dict(r)
            for r in s.execute(
                select(P.lead_platform_id, P.title, P.description, P.village_id)
                .where(P.source == "patrol")
                .order_by(P.created_at.desc())
                .limit(50)
            ).mappings()
        ]
        open_ids = list(s.scalars(select(P.id).where(P.status.in_(OPEN_CASE_STATUSES)).order_by(P.id)))
    moved = _moved(town, P, open_ids, lambda cid: advance_platform_case(town, rng, cid, now, staff, since))
    made = 0
    if templates and newest is not None and per_day > 0:
        for at in moments(rng, max(since, newest, now - timedelta(days=45)), now, per_day):
            t = rng.choice(templates)
            actor, as_id = _as(staff, t["lead_platform_id"])
            case = plat.open_patrol_case(
                town,
                actor,
                platform_id=t["lead_platform_id"],
                title=t["title"],
                description=t["description"],
                village_id=t["village_id"],
                as_platform_id=as_id,
                now=at,
            )
            advance_platform_case(town, rng, case["id"], now, staff, at)
            made += 1
    return {"platform_cases": made, "platform_cases_moved": moved}
