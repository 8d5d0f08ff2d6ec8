"""Stage 3: grid events (网格事件) and grid workers' daily work logs.

Events follow the closed loop 网格吹哨 → 分级转办 → 响应处置 → 核查反馈 → 考核评价 → 事件归档
(statuses reported → referred → handling → verified → evaluated → archived). Most events are
handled on the spot; events behind every 网格上报 work order are referred as 'order' (and
mirror that order's progress); a share of dispute events is referred to mediation and of
safety / environment / infrastructure / livelihood events to a platform; those two feed the
mediation and platform stages. Numbers ``SJ-{year}-{seq:06d}`` follow the time of report.
A RecordLink (from the work order to the grid event, kind 'source') ties each order to the
event it came from.

The handling clock (docs/grid_events.md "The clock"): each event's ``due_at`` is its type's
working days (``EVENT_CLOCK_WORKDAYS``) from the report on the generator's holiday calendar,
``warn_at`` its 80 % point, ``closed_at`` its verification (核查通过). The times of the events
handled by the grid (on the spot, or referred to mediation or a platform) are fitted to the clock
(``_fit_to_clock``): most close on time, about one in ten late, and a few of the last weeks' stall
before their check and are open past their deadline (the leader's 超期网格事件). Events behind a
work order keep the order's times. The fitting draws from a random stream of its own, so the
rest of the generator is unchanged.

Cross-channel repeats (重合度, docs/kpi.md): of the calls (热线, 12345, 线上) and petitions of
households (``ctx.call_orders``), the grid worker had reported some at the household first
(``SEEN_FIRST``: an event of the matching type, one hour to three weeks before, handled on the
spot, and the resident called or petitioned all the same) and went to see some after the call
(``FOLLOWED_UP``: an event a few hours to five days after, linked to the order, kind 'related').
Those events come on top of the others and draw from a random stream of their own (``_repeats``).
"""

from __future__ import annotations

import random
import struct
import zlib
from datetime import datetime, timedelta
from itertools import accumulate

from db.demo import vocab
from db.demo.context import Context, Grid, Household
from db.models import GridEvent, RecordLink, WorkLog
from db.models.grid_work import EVENT_CLOCK_WORKDAYS, EVENT_HANDLING, EVENT_RATINGS, GridEventPhoto, GridEventStep
from db.rules.event_fsm import CLOSED_STATUSES
from db.rules.sla import deadline_provisional, warn_point

EVENT_TYPE_WEIGHTS = (
    ("safety", 20.0),
    ("environment", 22.0),
    ("dispute", 12.0),
    ("infrastructure", 16.0),
    ("livelihood", 18.0),
    ("special_group", 8.0),
    ("other", 4.0),
)
TOP_TO_EVENT_TYPE = {
    "水电气暖": "infrastructure",
    "道路交通": "infrastructure",
    "环境卫生": "environment",
    "邻里纠纷": "dispute",
    "土地纠纷": "dispute",
    "政策咨询": "livelihood",
    "社会保障": "livelihood",
    "劳动就业": "livelihood",
    "市场监管": "other",
    "违法建设": "safety",
    "治安防范": "safety",
}
PLATFORM_EVENT_TYPES = ("safety", "environment", "infrastructure", "livelihood")
# the evaluation's rating, by event id (no draw from the generator's random stream)
RATING_CYCLE = ("good", "excellent", "good", "good", "fair", "excellent", "good", "fair", "good", "poor")
# the latest events carry a (small, generated) photo
PHOTO_EVENTS = 12
PHOTO_COLOURS = {
    "safety": (200, 60, 50),
    "environment": (60, 150, 80),
    "dispute": (210, 150, 40),
    "infrastructure": (90, 110, 140),
    "livelihood": (60, 120, 200),
    "special_group": (150, 90, 170),
    "other": (120, 120, 120),
}
# of the calls and of the petitions of households: reported by the grid first, or followed up after
SEEN_FIRST = {"call": 0.6, "petition": 0.5}
FOLLOWED_UP = 0.1
# share of the mediation ledger and of platform cases that come from grid events
MEDIATION_FROM_EVENTS = 0.25
PLATFORMS_FROM_EVENTS = 0.2
# the handling clock: the share of the grid's own events closed late, and of the last weeks'
# events (reported STALL_DAYS ago or less, past their deadline) that stall before their check
LATE_SHARE = 0.1
STALL_SHARE = 0.04
STALL_DAYS = (3, 20)  # the demo top-up takes an event open for longer than 20 days to its close
MIN_STALLED = 3  # so that the leader's 超期网格事件 is never empty on a freshly made demo


class _EventSpec:
    __slots__ = (
        "reported",
        "grid",
        "hh",
        "event_type",
        "description",
        "handling",
        "stages",
        "order_id",
        "reporter_id",
        "related_order_id",
        "evaluation",
    )

    def __init__(
        self,
        reported: datetime,
        grid: Grid,
        hh: Household | None,
        event_type: str,
        description: str,
        handling: str | None,
        stages: list[datetime | None],
        order_id: int | None,
        reporter_id: int | None,
    ):
        self.reported = reported
        self.grid = grid
        self.hh = hh
        self.event_type = event_type
        self.description = description
        self.handling = handling
        # times of referred/handling, handling, verified, evaluated, archived
        self.stages = stages
        self.order_id = order_id
        self.reporter_id = reporter_id
        # a follow-up of this order (a RecordLink from the event to it, kind 'related')
        self.related_order_id: int | None = None
        self.evaluation: str | None = None  # drawn in advance (the repeats' own stream), else at emit


def build(ctx: Context) -> None:
    specs = _derived_from_orders(ctx)
    total = ctx.scaled(ctx.spec.grid_events, floor=200)
    specs += _independent(ctx, max(0, total - len(specs)))
    specs.sort(key=lambda s: s.reported)
    fresh = [s for s in specs if s.order_id is None][-2:]
    for spec in fresh:  # the very latest reports have not been triaged yet
        spec.stages = [None] * 6
    _fit_to_clock(ctx, specs)
    repeats = _repeats(ctx)  # fitted on their own: the others' fitting draws as before
    _fit_to_clock(ctx, repeats)
    specs = sorted(specs + repeats, key=lambda s: s.reported)
    _emit(ctx, specs)
    ctx.progress("网格事件", len(specs))
    n_logs = _work_logs(ctx)
    ctx.progress("工作日志", n_logs)


def _reporter(ctx: Context, grid: Grid) -> int | None:
    if not grid.staff:
        return None
    workers = [s for s in grid.staff if s.role == "worker"]
    if workers and ctx.rng.random() < 0.8:
        return ctx.rng.choice(workers).id
    return ctx.rng.choice(grid.staff).id


def _derived_from_orders(ctx: Context) -> list[_EventSpec]:
    """One 'order'-handled event behind every 网格上报 work order, mirroring its progress."""
    rng, now = ctx.rng, ctx.now
    out: list[_EventSpec] = []
    for order_id, grid, hh, received, status, resolved_at, callback_at, cat, title in ctx.grid_orders:
        reported = max(ctx.start, received - timedelta(minutes=rng.randint(5, 120)))
        referred = received
        handling = (
            received + timedelta(minutes=rng.randint(30, 600))
            if status in ("in_progress", "resolved", "archived")
            else None
        )
        handled = resolved_at if status in ("resolved", "archived") else None
        if handling is not None and handled is not None and handling > handled:
            handling = handled  # answered at intake (即办)
        if handling is not None and handling > now:
            handling = None
        verified = handled + timedelta(minutes=rng.randint(60, 1440)) if handled else None
        evaluated = None
        if status == "archived" and verified is not None:
            evaluated = callback_at or verified + timedelta(minutes=rng.randint(60, 1440))
        archived = evaluated + timedelta(minutes=rng.randint(30, 4320)) if evaluated else None
        stages = [referred, handling, handled, verified, evaluated, archived]
        stages = [t if t is not None and t <= now else None for t in stages]
        etype = TOP_TO_EVENT_TYPE.get(cat.top_name, "other")
        out.append(
            _EventSpec(
                reported,
                grid,
                hh,
                etype,
                f"{title}，已上报转工单办理。",
                "order",
                stages,
                order_id,
                _reporter(ctx, grid),
            )
        )
    return out


def _repeats(ctx: Context) -> list[_EventSpec]:
    """The grid's side of the cross-channel repeats: for a call or petition of a household, an
    event at that household before it (the grid saw it first) or after it (a follow-up, linked to
    the order), handled on the spot. Drawn from a stream of their own."""
    rng = random.Random(f"cross-channel-grid:{ctx.rng.getstate()[1][:8]}")  # nosec B311
    now = ctx.now
    out: list[_EventSpec] = []
    for order_id, grid, hh, received, channel, cat, title in ctx.call_orders:
        draw = rng.random()
        seen = SEEN_FIRST["petition" if channel == "petition" else "call"]
        if draw < seen:
            reported = received - timedelta(minutes=rng.randint(60, 21 * 1440))
            text = f"{title}：入户走访时群众反映，已现场登记并协调处理。"
        elif draw < seen + FOLLOWED_UP:
            reported = received + timedelta(minutes=rng.randint(240, 5 * 1440))
            text = f"{title}：接群众反映后上门核实，已记录现场情况。"
        else:
            continue
        if reported < ctx.start or reported >= now:
            continue
        referred = reported + timedelta(minutes=rng.randint(5, 120))
        handled = referred + timedelta(minutes=rng.randint(30, 2880))
        verified = handled + timedelta(minutes=rng.randint(60, 2880))
        evaluated = verified + timedelta(minutes=rng.randint(720, 7200))
        archived = evaluated + timedelta(minutes=rng.randint(60, 7200))
        stages: list[datetime | None] = [
            t if t <= now else None for t in (referred, referred, handled, verified, evaluated, archived)
        ]
        workers = [st for st in grid.staff if st.role == "worker"] or grid.staff
        spec = _EventSpec(
            reported,
            grid,
            hh,
            TOP_TO_EVENT_TYPE.get(cat.top_name, "other"),
            text,
            "on_spot",
            stages,
            None,
            rng.choice(workers).id if workers else None,
        )
        spec.evaluation = rng.choice(vocab.EVENT_EVALUATIONS)
        if reported > received:
            spec.related_order_id = order_id
        out.append(spec)
    return out


def _independent(ctx: Context, n: int) -> list[_EventSpec]:
    rng, now = ctx.rng, ctx.now
    types = [t for t, _ in EVENT_TYPE_WEIGHTS]
    type_cum = list(accumulate(w for _, w in EVENT_TYPE_WEIGHTS))
    wsum = type_cum[-1]
    dispute_share = dict(EVENT_TYPE_WEIGHTS)["dispute"] / wsum
    platform_share = sum(dict(EVENT_TYPE_WEIGHTS)[t] for t in PLATFORM_EVENT_TYPES) / wsum
    p_mediation = min(1.0, MEDIATION_FROM_EVENTS * ctx.scaled(ctx.spec.disputes, 40) / max(1.0, n * dispute_share))
    p_platform = min(
        1.0, PLATFORMS_FROM_EVENTS * ctx.scaled(ctx.spec.platform_cases, 40) / max(1.0, n * platform_share)
    )
    grids = [g for t in ctx.townships for g in t.grids]
    grid_cum = list(accumulate(len(g.staff) * 10 + len(g.households) for g in grids))
    times = ctx.sample_times(n, growth=0.8)
    out: list[_EventSpec] = []
    for reported in times:
        grid = ctx.pick(grids, grid_cum)
        etype = ctx.pick(types, type_cum)
        hh = rng.choice(grid.households) if grid.households and rng.random() < 0.4 else None
        kw = {"v": grid.label, "p": rng.choice(grid.places), "n": rng.randint(2, 60)}
        description = rng.choice(vocab.EVENT_TEXTS[etype]).format(**kw)
        if etype == "dispute" and rng.random() < p_mediation:
            handling = "mediation"
        elif etype in PLATFORM_EVENT_TYPES and rng.random() < p_platform:
            handling = "platform"
        else:
            handling = "on_spot"
        if handling == "on_spot":
            referred = reported + timedelta(minutes=rng.randint(5, 120))
            handled = referred + timedelta(minutes=rng.randint(30, 2880))
            active = referred
        else:
            referred = reported + timedelta(minutes=rng.randint(10, 240))
            active = referred + timedelta(minutes=rng.randint(120, 2880))
            handled = active + timedelta(minutes=rng.randint(1440, 14400))
        verified = handled + timedelta(minutes=rng.randint(60, 2880))
        evaluated = verified + timedelta(minutes=rng.randint(720, 7200))
        archived = evaluated + timedelta(minutes=rng.randint(60, 7200))
        stages: list[datetime | None] = [referred, active, handled, verified, evaluated, archived]
        if rng.random() < 0.01:  # a few stall at some stage and never move on
            cut = rng.randint(2, 5)
            stages = stages[:cut] + [None] * (6 - cut)
        stages = [t if t is not None and t <= now else None for t in stages]
        # once a stage is missing, the later ones are too
        for k in range(1, 6):
            if stages[k - 1] is None:
                stages[k] = None
        out.append(_EventSpec(reported, grid, hh, etype, description, handling, stages, None, _reporter(ctx, grid)))
    return out


def _clock(ctx: Context, spec: _EventSpec) -> tuple[datetime, bool]:
    """The event's deadline (cached per local day and working days) and whether it is provisional."""
    due = ctx.deadline(spec.reported, EVENT_CLOCK_WORKDAYS[spec.event_type])
    return due, deadline_provisional(spec.reported, due, ctx.calendar)


def _fit_to_clock(ctx: Context, specs: list[_EventSpec]) -> None:
    """Fit the times of the grid's own events (not those behind a work order, which follow their
    order) to their handling clock: a closed event meant to be on time whose verification came
    after the deadline has its stages compressed into the clock, one meant to be late (LATE_SHARE)
    that came in time has them stretched past it; a few of those reported in the last weeks and
    now past their deadline (STALL_SHARE, at least MIN_STALLED) stall before their check. Stages
    after now are dropped (with the ones after them). A random stream of its own."""
    if not specs:
        return
    rng = random.Random(f"grid-event-clock:{ctx.now.isoformat()}:{len(specs)}:{specs[0].reported.isoformat()}")  # nosec B311
    recent: list[_EventSpec] = []  # closed, reported in the stall window, past their deadline now
    for spec in specs:
        if spec.order_id is not None or spec.stages[0] is None:
            continue
        due, _ = _clock(ctx, spec)
        stages = list(spec.stages)
        verified = stages[3]
        late, u = rng.random() < LATE_SHARE, rng.random()
        if verified is not None:
            if late and verified <= due:
                target = due + timedelta(hours=2 + u * 24 * 6)
            elif not late and verified > due:
                target = spec.reported + (due - spec.reported) * (0.35 + 0.6 * u)
            else:
                target = verified
            if target != verified:
                factor = (target - spec.reported) / (verified - spec.reported)
                for k in range(4):
                    if stages[k] is not None:
                        off = (stages[k] - spec.reported) * factor
                        stages[k] = spec.reported + timedelta(seconds=round(off.total_seconds()))
                shift = stages[3] - verified
                stages[4:] = [t + shift if t is not None else None for t in stages[4:]]
        spec.stages = _until_now(ctx, stages)
        age = ctx.now - spec.reported
        if (
            spec.stages[3] is not None
            and due < ctx.now
            and timedelta(days=STALL_DAYS[0]) <= age <= timedelta(days=STALL_DAYS[1])
        ):
            recent.append(spec)
    stalled = [spec for spec in recent if rng.random() < STALL_SHARE]
    if len(stalled) < MIN_STALLED:
        rest = [spec for spec in recent if spec not in stalled]
        stalled += rng.sample(rest, min(len(rest), MIN_STALLED - len(stalled)))
    for spec in stalled:
        spec.stages = spec.stages[:3] + [None] * 3  # handled (or in hand), never checked


def _until_now(ctx: Context, stages: list[datetime | None]) -> list[datetime | None]:
    """The stages reached by now: a stage after now is not, nor any after a missing one."""
    out = [t if t is not None and t <= ctx.now else None for t in stages]
    for k in range(1, 6):
        if out[k - 1] is None:
            out[k] = None
    return out


def _emit(ctx: Context, specs: list[_EventSpec]) -> None:
    rng = ctx.rng
    table = GridEvent
    photo_specs = set(specs[-PHOTO_EVENTS:])
    for spec in specs:
        event_id = ctx.next_id(table)
        number = ctx.number("SJ", spec.reported)
        referred, active, handled, verified, evaluated, archived = spec.stages
        if archived:
            status = "archived"
        elif evaluated:
            status = "evaluated"
        elif verified:
            status = "verified"
        elif active:
            status = "handling"
        elif referred:
            status = "referred" if spec.handling != "on_spot" else "handling"
        else:
            status = "reported"
        last = max(t for t in (spec.reported, *spec.stages) if t is not None)
        due, provisional = _clock(ctx, spec)
        ctx.add(
            table,
            dict(
                id=event_id,
                number=number,
                grid_id=spec.grid.id,
                reporter_staff_id=spec.reporter_id,
                household_id=spec.hh.id if spec.hh else None,
                event_type=spec.event_type,
                address=(spec.hh.address if spec.hh else f"{spec.grid.label}{rng.choice(spec.grid.places)}"),
                description=spec.description,
                photo_path=None,
                status=status,
                handling=spec.handling if status != "reported" else None,
                reported_at=spec.reported,
                handled_at=handled,
                verified_at=verified,
                evaluation=(spec.evaluation or rng.choice(vocab.EVENT_EVALUATIONS)) if evaluated else None,
                rating=RATING_CYCLE[event_id % len(RATING_CYCLE)] if evaluated else None,
                evaluated_at=evaluated,
                archived_at=archived,
                version=1,
                updated_at=last,
                due_at=due,
                warn_at=warn_point(spec.reported, due),
                due_workdays=EVENT_CLOCK_WORKDAYS[spec.event_type],
                due_provisional=provisional,
                # closed (办结) once checked; an event behind an order may be evaluated at the order's callback
                closed_at=(verified or evaluated or archived) if status in CLOSED_STATUSES else None,
            ),
        )
        _steps(ctx, event_id, spec, evaluated)
        if spec in photo_specs:
            png = demo_photo(PHOTO_COLOURS.get(spec.event_type, (120, 120, 120)), event_id)
            ctx.add(
                GridEventPhoto,
                dict(
                    id=ctx.next_id(GridEventPhoto),
                    event_id=event_id,
                    content_type="image/png",
                    size=len(png),
                    data=png,
                    created_at=spec.reported,
                ),
            )
        if spec.order_id is not None:
            ctx.add(
                RecordLink,
                dict(
                    id=ctx.next_id(RecordLink),
                    from_type="work_order",
                    from_id=spec.order_id,
                    to_type="grid_event",
                    to_id=event_id,
                    kind="source",
                    created_at=spec.reported,
                ),
            )
        elif spec.related_order_id is not None:
            ctx.add(
                RecordLink,
                dict(
                    id=ctx.next_id(RecordLink),
                    from_type="grid_event",
                    from_id=event_id,
                    to_type="work_order",
                    to_id=spec.related_order_id,
                    kind="related",
                    created_at=spec.reported,
                ),
            )
        elif spec.handling == "mediation" and referred is not None:
            ctx.mediation_events.append((event_id, spec.grid, spec.hh, referred))
        elif spec.handling == "platform" and referred is not None:
            ctx.platform_events.append(
                (event_id, spec.grid, spec.event_type, referred, status, handled, spec.description)
            )


def _steps(ctx: Context, event_id: int, spec: _EventSpec, evaluated: datetime | None) -> None:
    """The event's timeline (grid_event_step), one row per stage it reached, as the services
    write them: report, refer / handle_on_spot, mark_handled, verify, evaluate, archive."""
    referred, _active, handled, verified, _evaluated, archived = spec.stages
    status = "reported"
    rows = [(spec.reported, "report", None, "reported", spec.description[:60])]
    if referred is not None:
        if spec.handling == "on_spot":
            rows.append((referred, "handle_on_spot", status, "handling", "网格员现场处置。"))
            status = "handling"
        else:
            rows.append((referred, "refer", status, "referred", EVENT_HANDLING[spec.handling]))
            status = "referred"
    if handled is not None:
        rows.append((handled, "mark_handled", status, "handling", "处置完毕。"))
        status = "handling"
    if verified is not None:
        rows.append((verified, "verify", status, "verified", "核查通过"))
        status = "verified"
    if evaluated is not None:
        rows.append(
            (evaluated, "evaluate", status, "evaluated", EVENT_RATINGS[RATING_CYCLE[event_id % len(RATING_CYCLE)]])
        )
        status = "evaluated"
    if archived is not None:
        rows.append((archived, "archive", status, "archived", None))
    last = spec.reported
    for at, action, frm, to, note in rows:
        last = max(last, at)  # a callback can precede the derived verification: keep the order
        ctx.add(
            GridEventStep,
            dict(
                id=ctx.next_id(GridEventStep),
                event_id=event_id,
                at=last,
                actor_id=None,
                action=action,
                from_status=frm,
                to_status=to,
                note=note,
            ),
        )


def demo_photo(rgb: tuple[int, int, int], seed: int, width: int = 96, height: int = 64) -> bytes:
    """A small PNG (a coloured field with a lighter band), made without an image library."""
    r, g, b = rgb
    band = seed % (height - 16)
    raw = bytearray()
    for y in range(height):
        raw.append(0)  # filter: none
        light = band <= y < band + 16
        px = bytes((min(255, r + 60), min(255, g + 60), min(255, b + 60))) if light else bytes((r, g, b))
        raw += px * width

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + chunk(b"IEND", b"")
    )


def _work_logs(ctx: Context) -> int:
    """Daily logs of grid workers (and some chiefs) over the last ``worklog_days`` days
    (fewer days when fewer orders than the scale's default were asked for)."""
    rng = ctx.rng
    table = WorkLog
    staff = [s for t in ctx.townships for g in t.grids for s in g.staff]
    days = max(14, round(ctx.spec.worklog_days * min(1.0, ctx.factor)))
    first = ctx.today - timedelta(days=days)
    count = 0
    day = first
    while day < ctx.today:
        workday = ctx.calendar.is_workday(day)
        for s in staff:
            p = ctx.spec.worklog_probability * (1.0 if workday else 0.3)
            if s.role == "chief":
                p *= 0.35
            if rng.random() >= p:
                continue
            visited = rng.randint(0, 15)
            first_line = vocab.WORKLOG_TEXTS[0].format(n=visited) if visited else rng.choice(vocab.WORKLOG_TEXTS[1:])
            content = first_line if rng.random() < 0.5 else first_line + rng.choice(vocab.WORKLOG_TEXTS[1:])
            ctx.add(
                table,
                dict(
                    id=ctx.next_id(table),
                    staff_id=s.id,
                    log_date=day,
                    content=content,
                    households_visited=visited,
                    created_at=ctx.at_local(day, rng.randint(17, 21), rng.randint(0, 59)),
                ),
            )
            count += 1
        day += timedelta(days=1)
    return count
