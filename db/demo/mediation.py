"""Stage 4: the dispute and hazard ledger, monthly village screenings and visits to
special groups.

Cases come from work orders in dispute categories, from grid events referred to
mediation, from walk-ins and from the monthly screening. Each case has two parties and the
four-step mediation (网格员初调 → 乡贤参调 → 法律顾问释法 → 村民评议定案) up to its current step;
every step is re-scored blue / yellow / red and the case's colour is its last step's.
Agreed cases get a follow-up due ``mediation_followup_days`` (30) after agreement and are
closed (销号) at the follow-up visit; a few end in litigation or a petition. Red cases go
to township level (often escalated from the village). Sources are set on the case
(source_order_id / source_event_id) and recorded as a RecordLink from the case to its
source, kind 'source'. Numbers ``TJ-{year}-{seq:06d}`` follow the time of report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate

from db.demo import vocab
from db.demo.context import Context, Grid, Household, Person, Village
from db.models import (
    MediationCase,
    MediationParty,
    MediationStep,
    RecordLink,
    SpecialGroupVisit,
    VillageScreening,
)

FOLLOWUP_DAYS = 30
DISPUTE_WEIGHTS = (
    ("neighbour", 30.0),
    ("land_boundary", 18.0),
    ("homestead", 12.0),
    ("family", 15.0),
    ("labour", 8.0),
    ("contract", 6.0),
    ("damage", 8.0),
    ("other", 3.0),
)
COLOUR_WEIGHTS = (("blue", 0.72), ("yellow", 0.21), ("red", 0.07))
SOURCE_SHARES = {"order": 0.30, "grid_event": 0.25, "walk_in": 0.30}  # rest: screening


@dataclass
class _CaseSpec:
    reported: datetime
    village: Village
    grid: Grid | None
    source: str
    order_id: int | None = None
    event_id: int | None = None
    dispute_type: str = "neighbour"
    applicant: Person | None = None
    force_red_open: bool = False
    force_no_step: bool = False
    force_followup_due: bool = False  # agreed at step 1, follow-up due and not yet done


def build(ctx: Context) -> None:
    specs = _case_specs(ctx)
    for spec in specs:
        _emit_case(ctx, spec)
    ctx.progress("矛盾纠纷", len(specs))
    ctx.progress("月度排查", _screenings(ctx))
    ctx.progress("特殊人群走访", _visits(ctx))


# --------------------------------------------------------------------------- cases


def _case_specs(ctx: Context) -> list[_CaseSpec]:
    rng, now = ctx.rng, ctx.now
    total = ctx.scaled(ctx.spec.disputes, floor=40)
    types = [t for t, _ in DISPUTE_WEIGHTS]
    type_cum = list(accumulate(w for _, w in DISPUTE_WEIGHTS))
    specs: list[_CaseSpec] = []
    n_order = min(len(ctx.dispute_orders), round(total * SOURCE_SHARES["order"]))
    for order_id, grid, _hh, person, received, dtype in rng.sample(ctx.dispute_orders, n_order):
        reported = received + timedelta(minutes=rng.randint(60, 2880))
        if reported > now:
            reported = ctx.between(received, now)
        specs.append(
            _CaseSpec(reported, grid.village, grid, "order", order_id=order_id, dispute_type=dtype, applicant=person)
        )
    for event_id, grid, hh, referred in ctx.mediation_events:
        reported = min(now, referred + timedelta(minutes=rng.randint(30, 1440)))
        person = rng.choice(hh.residents) if hh is not None else None
        specs.append(
            _CaseSpec(
                reported,
                grid.village,
                grid,
                "grid_event",
                event_id=event_id,
                dispute_type=rng.choices(types, cum_weights=type_cum)[0],
                applicant=person,
            )
        )
    rest = max(0, total - len(specs))
    rest_share = 1 - SOURCE_SHARES["order"] - SOURCE_SHARES["grid_event"]
    n_walk = round(rest * SOURCE_SHARES["walk_in"] / rest_share)
    villages = [v for t in ctx.townships for v in t.villages]
    village_cum = list(accumulate(sum(len(g.households) for g in v.grids) + 5 for v in villages))
    for k, reported in enumerate(ctx.sample_times(rest, growth=0.6)):
        village = rng.choices(villages, cum_weights=village_cum)[0]
        grid = rng.choice(village.grids)
        source = "walk_in" if k < n_walk else "screening"
        specs.append(
            _CaseSpec(reported, village, grid, source, dispute_type=rng.choices(types, cum_weights=type_cum)[0])
        )
    specs.sort(key=lambda s: s.reported)
    # a few red cases are open right now
    recent = [s for s in specs if now - s.reported < timedelta(days=20)] or specs[-5:]
    for k, spec in enumerate(rng.sample(recent, min(3, len(recent)))):
        spec.force_red_open = True
        spec.force_no_step = k == 0  # one of them still waits for its first step
    # a couple of agreed cases wait for their follow-up visit (the 待回访销号 list is never empty)
    due = [s for s in specs if timedelta(days=45) <= now - s.reported <= timedelta(days=120) and not s.force_red_open]
    for spec in rng.sample(due, min(2, len(due))):
        spec.force_followup_due = True
    return specs


def _pick_colour(ctx: Context) -> str:
    return ctx.rng.choices([c for c, _ in COLOUR_WEIGHTS], [w for _, w in COLOUR_WEIGHTS])[0]


def _party(ctx: Context, village: Village, exclude: Household | None) -> Person | None:
    rng = ctx.rng
    for _ in range(6):
        grid = rng.choice(village.grids)
        if not grid.households:
            continue
        hh = rng.choice(grid.households)
        if hh is exclude:
            continue
        adults = hh.adults_with_phone(ctx.now_year)
        if adults:
            return rng.choice(adults)
    return None


def _emit_case(ctx: Context, spec: _CaseSpec) -> None:
    rng, now = ctx.rng, ctx.now
    village = spec.village
    town = village.township
    case_id = ctx.next_id(MediationCase)
    number = ctx.number("TJ", spec.reported)
    colour = "red" if spec.force_red_open else _pick_colour(ctx)
    if spec.force_followup_due:
        colour = "blue"
    kind = "hazard" if rng.random() < 0.05 and not spec.force_red_open else "dispute"
    level_p = {"red": 0.85, "yellow": 0.35, "blue": 0.07}[colour]
    level = "township" if rng.random() < level_p else "village"
    escalated_at = None
    escalation_reason = None
    if level == "township" and rng.random() < 0.6:
        escalated_at = spec.reported + timedelta(minutes=rng.randint(600, 7 * 1440))
        escalation_reason = rng.choice(vocab.ESCALATION_REASONS)
    if escalated_at is not None and escalated_at > now:
        escalated_at, escalation_reason, level = None, None, "village"
    mediator = rng.choice(town.mediators if level == "township" or not village.mediators else village.mediators)

    # parties
    applicant = spec.applicant or _party(ctx, village, None)
    respondent = _party(ctx, village, applicant.household if applicant else None)
    a_name = applicant.name if applicant else ctx.ids.person(ctx.now_year)[0]
    if spec.dispute_type == "labour" and rng.random() < 0.6:
        respondent = None
    b_name = respondent.name if respondent else ctx.ids.person(ctx.now_year, 30, 60)[0]
    dtype = spec.dispute_type
    title_core = rng.choice(vocab.MEDIATION_TITLES[dtype])
    title = f"{village.name}{a_name[0]}某与{b_name[0]}某{title_core}"
    if kind == "hazard":
        title = "【隐患】" + title
        summary = rng.choice(vocab.HAZARD_SUMMARIES).format(a=a_name, b=b_name)
    else:
        summary = rng.choice(vocab.MEDIATION_SUMMARIES[dtype]).format(a=a_name, b=b_name)

    # the four steps
    need = {
        "blue": rng.choices((1, 2, 3, 4), (55, 30, 10, 5))[0],
        "yellow": rng.choices((2, 3, 4), (40, 40, 20))[0],
        "red": rng.choices((3, 4), (50, 50))[0],
    }[colour]
    if spec.force_followup_due:
        need = 1
    fail = None
    r = rng.random()
    if colour != "blue" and r < 0.07:
        fail = "litigation" if r < 0.045 else "petition"
    elif r < 0.015:
        fail = "litigation"
    if spec.force_followup_due:
        fail = None
    t = (escalated_at or spec.reported) + timedelta(minutes=rng.randint(60, 6 * 1440))
    if spec.force_no_step:
        t = now + timedelta(hours=rng.randint(2, 48))
    elif spec.force_red_open:
        t = min(t, now - timedelta(hours=rng.randint(2, 48)))
        if t < spec.reported:
            t = (spec.reported + (now - spec.reported) / 2).replace(microsecond=0)
    steps: list[tuple[int, datetime, str]] = []
    current = colour
    stale = rng.random() < 0.08
    n_planned = need if not fail else min(4, max(2, need))
    for step_no in range(1, n_planned + 1):
        if spec.force_red_open and step_no > 2:
            break
        if step_no > 1:
            gap_days = rng.randint(20, 40) if stale and step_no == 2 else rng.randint(3, 14)
            t = t + timedelta(days=gap_days, minutes=rng.randint(0, 600))
        if t > now:
            break
        if step_no > 1 or rng.random() < 0.3:
            roll = rng.random()
            if current == "red" and roll < 0.35 and not spec.force_red_open:
                current = "yellow"
            elif current == "yellow" and roll < 0.4:
                current = "blue"
            elif current != "red" and roll > 0.97:
                current = "yellow" if current == "blue" else "red"
        steps.append((step_no, t, current))
    done = len(steps)
    finished = done == n_planned and not spec.force_red_open
    status = "open" if done == 0 else "mediating"
    agreed_at = followup_due = followup_at = closed_at = None
    agreement = outcome = followup_note = None
    if finished and fail:
        status = fail
        outcome = rng.choice(vocab.FAILURE_OUTCOMES[fail])
    elif finished:
        agreed_at = steps[-1][1]
        status = "agreed"
        agreement = rng.choice(vocab.AGREEMENT_TEXTS).format(a=a_name, b=b_name, n=rng.randint(5, 60))
        followup_due = ctx.local_date(agreed_at) + timedelta(days=FOLLOWUP_DAYS)
        late = rng.randint(5, 25) if rng.random() < 0.15 else rng.randint(0, 5)
        visit = ctx.at_local(followup_due + timedelta(days=late), rng.randint(9, 16), rng.randint(0, 59))
        if visit <= now and not spec.force_followup_due:
            followup_at = closed_at = visit
            status = "closed"
            followup_note = rng.choice(vocab.FOLLOWUP_NOTES)
            outcome = "协议履行到位，已销号。"
    last_progress = max(t for t in (spec.reported, escalated_at, *(s[1] for s in steps), followup_at) if t is not None)
    reopen = 1 if status == "closed" and rng.random() < 0.02 else 0
    ctx.add(
        MediationCase,
        dict(
            id=case_id,
            number=number,
            township_id=town.id,
            village_id=village.id,
            grid_id=spec.grid.id if spec.grid else None,
            kind=kind,
            dispute_type=dtype,
            title=title[:100],
            summary=summary,
            source=spec.source,
            source_order_id=spec.order_id,
            source_event_id=spec.event_id,
            risk_colour=steps[-1][2] if steps else colour,
            level=level,
            mediator_id=mediator.id,
            status=status,
            current_step=done,
            agreement_text=agreement,
            agreed_at=agreed_at,
            escalated_at=escalated_at,
            escalation_reason=escalation_reason,
            reported_at=spec.reported,
            last_progress_at=last_progress,
            followup_due_on=followup_due,
            followup_at=followup_at,
            followup_note=followup_note,
            outcome=outcome,
            closed_at=closed_at,
            reopen_count=reopen,
            version=1 + done,
            updated_at=last_progress,
        ),
    )
    sides = (("applicant", applicant, a_name), ("respondent", respondent, b_name))
    for side, person, name in sides:
        ctx.add(
            MediationParty,
            dict(
                id=ctx.next_id(MediationParty),
                case_id=case_id,
                name=name,
                phone=person.phone if person else ctx.ids.mobile(),
                id_number=person.id_number if person else None,
                resident_id=person.id if person else None,
                side=side,
            ),
        )
    staff = spec.grid.staff[0].name if spec.grid and spec.grid.staff else "网格员"
    worthy = next((m.name for m in village.mediators if m.speciality == "乡贤"), mediator.name)
    lawyer = next((m.name for m in town.mediators if m.speciality == "法律顾问"), mediator.name)
    for k, (step_no, at, step_colour) in enumerate(steps):
        last = k == done - 1
        participants = vocab.MEDIATION_STEP_PARTICIPANTS[step_no].format(
            staff=staff, worthy=worthy, lawyer=lawyer, mediator=mediator.name, n=rng.randint(5, 12)
        )
        ctx.add(
            MediationStep,
            dict(
                id=ctx.next_id(MediationStep),
                case_id=case_id,
                step_no=step_no,
                held_on=ctx.local_date(at),
                participants=participants,
                notes=rng.choice(vocab.MEDIATION_STEP_NOTES[step_no]),
                outcome="agreed" if last and status in ("agreed", "closed") else "continue",
                risk_colour=step_colour,
                recorded_by=None,
                recorded_at=min(now, at + timedelta(minutes=rng.randint(30, 240))),
            ),
        )
    source_type, source_id = (
        ("work_order", spec.order_id)
        if spec.order_id is not None
        else ("grid_event", spec.event_id)
        if spec.event_id is not None
        else (None, None)
    )
    if source_type is not None:
        ctx.add(
            RecordLink,
            dict(
                id=ctx.next_id(RecordLink),
                from_type="mediation_case",
                from_id=case_id,
                to_type=source_type,
                to_id=source_id,
                kind="source",
                created_at=spec.reported,
            ),
        )


# --------------------------------------------------------------------------- screenings


def _months(first: date, last: date) -> list[str]:
    out = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _screenings(ctx: Context) -> int:
    """Monthly screening per village: done for most months, a few missing recently."""
    rng = ctx.rng
    months = _months(ctx.local_date(ctx.start), ctx.today)
    current, recent = months[-1], months[-3:-1]
    count = 0
    for town in ctx.townships:
        for village in town.villages:
            for month in months:
                if month in recent and rng.random() < 0.08:
                    continue  # not entered: the ledger check should find it
                done = not (month == current and rng.random() < 0.45)
                found = rng.choices((0, 1, 2, 3, 4), (45, 30, 15, 7, 3))[0] if done else 0
                findings = (
                    (rng.choice(vocab.SCREENING_FINDINGS[1:]).format(n=found) if found else vocab.SCREENING_FINDINGS[0])
                    if done
                    else None
                )
                y, m = int(month[:4]), int(month[5:])
                stamp = min(ctx.now, ctx.at_local(date(y, m, 25), 16))
                ctx.add(
                    VillageScreening,
                    dict(
                        id=ctx.next_id(VillageScreening),
                        village_id=village.id,
                        month=month,
                        done=done,
                        findings=findings,
                        disputes_found=found,
                        version=1,
                        updated_at=stamp,
                    ),
                )
                count += 1
    return count


def _visits(ctx: Context) -> int:
    """Follow-up visits to released prisoners and elderly people living alone."""
    first = ctx.today - timedelta(days=30 * ctx.spec.visit_months)
    count = 0
    for town in ctx.townships:
        for village in town.villages:
            for grid in village.grids:
                visitor_pool = [s.name for s in grid.staff] or ["网格员"]
                for hh in grid.households:
                    for person in hh.residents:
                        for tag in ("released_prisoner", "elderly_alone"):
                            if tag not in person.tags:
                                continue
                            count += _visit_series(ctx, person, tag, first, visitor_pool)
    return count


def _visit_series(ctx: Context, person: Person, tag: str, first: date, visitors: list[str]) -> int:
    rng = ctx.rng
    interval = 30
    stop = ctx.today
    if rng.random() < 0.1:  # visits lapsed a while ago: the follow-up is overdue
        stop = ctx.today - timedelta(days=rng.randint(45, 90))
    day = first + timedelta(days=rng.randint(0, 20))
    n = 0
    while day < stop:
        ctx.add(
            SpecialGroupVisit,
            dict(
                id=ctx.next_id(SpecialGroupVisit),
                resident_id=person.id,
                group_tag=tag,
                visited_on=day,
                visitor=rng.choice(visitors),
                note=rng.choice(vocab.VISIT_NOTES[tag]),
                next_due_on=day + timedelta(days=interval),
            ),
        )
        n += 1
        day += timedelta(days=interval + rng.randint(-7, 7))
    return n
