"""Stage 5: the four platforms' cases, hand-offs between them, market inspections,
enforcement reports, and convenience-service requests.

Platform cases come from dispatched work orders of the market-supervision and enforcement
categories (mostly 吹哨办 ones), from grid events referred to a platform, from patrols, and
from pushes by another platform (source 'handoff'). A hand-off is pushed with a 24-hour
response deadline and is accepted (the receiving platform then leads the case), bounced
with a reason, or still pending. Some cases are joint, with assisting platforms. Every
market-supervision patrol case has an inspection with a rectification notice; every
enforcement case has an enforcement report whose arrival time is mostly within 30
minutes. Order-sourced cases are linked with a RecordLink from the case to the order.
Numbers ``PT-{year}-{seq:06d}`` follow the time of creation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import accumulate

from db.demo import vocab
from db.demo.context import Context, Grid, Person, Platform, Township
from db.models import (
    EnforcementReport,
    Handoff,
    Inspection,
    PlatformCase,
    PlatformCaseAssist,
    RecordLink,
    ServiceRequest,
)
from db.models.grid_work import EVENT_TYPES
from db.models.platforms import (
    CASE_SOURCES,
    AnalysisMeeting,
    FloatingResident,
    PlatformCaseEvent,
    VillageReportCheck,
)

PLATFORM_CODES = ("zongzhi", "shichang", "zhifa", "bianmin")


class _Vocab:
    SCREENING_ISSUES = [
        "邻里宅基地纠纷",
        "土地流转纠纷",
        "家庭矛盾",
        "欠薪讨要",
        "道路安全隐患",
        "自建房安全隐患",
        "信访苗头",
        "环境卫生问题",
    ]
    MEETING_DECISIONS = [
        "集中整治集镇占道经营，由综合执法平台牵头，市场监管平台协办。",
        "对重点村土地流转纠纷开展专项排查，由综治平台牵头。",
        "加强校园周边食品安全检查，由市场监管平台牵头。",
        "为辖区独居老人开展上门代办服务，由便民服务平台牵头。",
    ]
    FLOATING_ORIGINS = [
        "河南省信阳市",
        "湖北省随州市",
        "河南省南阳市",
        "安徽省阜阳市",
        "四川省达州市",
        "湖北省孝感市",
        "河南省驻马店市",
    ]


EVENT_LEAD = {
    "safety": ("zongzhi", "zhifa"),
    "environment": ("zhifa",),
    "infrastructure": ("bianmin",),
    "livelihood": ("bianmin",),
}
ENFORCEMENT_KIND_BY_CATEGORY = {"DLJT03": "road", "HJWS": "pollution", "WFJS": "building"}


@dataclass
class _Spec:
    created: datetime
    town: Township
    grid: Grid
    source: str
    lead: str  # platform code at creation
    title: str
    description: str
    due: datetime | None
    accepted: datetime | None
    closed: datetime | None
    result: str | None
    order_id: int | None = None
    enforcement_kind: str = "other"
    joint: bool = False
    handoff: bool = False
    assists: list[str] = field(default_factory=list)


def build(ctx: Context) -> None:
    specs = _specs(ctx)
    specs.sort(key=lambda s: s.created)
    notices: dict[tuple[int, int], int] = {}
    handoffs = 0
    for spec in specs:
        handoffs += _emit_case(ctx, spec, notices)
    ctx.progress("平台案件", len(specs))
    ctx.progress("平台流转", handoffs)
    ctx.progress("例行检查", _routine_inspections(ctx))
    ctx.progress("便民服务", _service_requests(ctx))
    ctx.progress("综治台账", _zongzhi_records(ctx))


# --------------------------------------------------------------------------- cases


def _life(ctx: Context, created: datetime, days: tuple[int, int]) -> tuple[datetime, datetime]:
    rng = ctx.rng
    accepted = created + timedelta(minutes=rng.randint(30, 480))
    closed = accepted + timedelta(minutes=rng.randint(days[0] * 1440, days[1] * 1440))
    return accepted, closed


def _specs(ctx: Context) -> list[_Spec]:
    rng, now = ctx.rng, ctx.now
    total = ctx.scaled(ctx.spec.platform_cases, floor=40)
    specs: list[_Spec] = []
    n_order = min(len(ctx.platform_orders), round(total * 0.35))
    for (
        order_id,
        grid,
        code,
        dispatched,
        due,
        status,
        resolved,
        title,
        description,
        result,
        cat_code,
        tier,
    ) in rng.sample(ctx.platform_orders, n_order):
        created = min(now, dispatched + timedelta(minutes=rng.randint(10, 240)))
        accepted = created + timedelta(minutes=rng.randint(30, 480))
        closed = resolved if status in ("resolved", "archived") else None
        if closed is not None and closed < accepted:
            accepted = created
        kind = ENFORCEMENT_KIND_BY_CATEGORY.get(cat_code, ENFORCEMENT_KIND_BY_CATEGORY.get(cat_code[:4], "other"))
        specs.append(
            _Spec(
                created,
                grid.village.township,
                grid,
                "order",
                code,
                title,
                description,
                due,
                accepted,
                closed,
                result,
                order_id=order_id,
                enforcement_kind=kind,
                joint=tier == "whistle" and rng.random() < 0.4,
            )
        )
    for _event_id, grid, etype, referred, _status, handled, description in ctx.platform_events:
        lead = rng.choice(EVENT_LEAD[etype])
        accepted = referred + timedelta(minutes=rng.randint(30, 480))
        closed = handled if handled is not None and handled > accepted else None
        kind = {"environment": "pollution", "safety": "building"}.get(etype, "other")
        specs.append(
            _Spec(
                referred,
                grid.village.township,
                grid,
                "grid_event",
                lead,
                f"{grid.label}{EVENT_TYPES[etype]}处置",
                description,
                ctx.deadline(referred, 5),
                accepted,
                closed,
                rng.choice(vocab.PLATFORM_RESULTS),
                enforcement_kind=kind,
            )
        )
    rest = max(0, total - len(specs))
    n_handoff = round(rest * 0.15)
    grids = [g for t in ctx.townships for g in t.grids]
    grid_cum = list(accumulate(len(g.households) + 10 for g in grids))
    for k, created in enumerate(ctx.sample_times(rest, growth=0.8)):
        grid = rng.choices(grids, cum_weights=grid_cum)[0]
        if k < n_handoff:
            source, lead = "handoff", rng.choice(PLATFORM_CODES)
        else:
            source, lead = "patrol", rng.choices(("shichang", "zhifa"), (55, 45))[0]
        idx = rng.randrange(len(vocab.PLATFORM_CASE_TEXTS[lead]))
        title, description = vocab.PLATFORM_CASE_TEXTS[lead][idx]
        kind = ("road", "building", "pollution")[idx] if lead == "zhifa" else "other"
        accepted, closed = _life(ctx, created, (1, 10))
        specs.append(
            _Spec(
                created,
                grid.village.township,
                grid,
                source,
                lead,
                f"{grid.label}{title}",
                description,
                ctx.deadline(created, rng.choice((3, 5, 7, 10))),
                accepted,
                closed,
                rng.choice(vocab.PLATFORM_RESULTS),
                enforcement_kind=kind,
                handoff=source == "handoff",
            )
        )
    for spec in specs:
        if spec.source != "order" and not spec.handoff and rng.random() < 0.06:
            spec.handoff = True
        if not spec.joint and rng.random() < 0.05:
            spec.joint = True
        if spec.joint:
            others = [c for c in PLATFORM_CODES if c != spec.lead]
            spec.assists = rng.sample(others, rng.randint(1, 2))
    return specs


def _emit_case(ctx: Context, spec: _Spec, notices: dict[tuple[int, int], int]) -> int:
    rng, now = ctx.rng, ctx.now
    town = spec.town
    case_id = ctx.next_id(PlatformCase)
    number = ctx.number("PT", spec.created)
    lead: Platform = town.platforms[spec.lead]
    accepted, closed = spec.accepted, spec.closed
    status_override = None
    handoff_row = None
    if spec.handoff:
        target = town.platforms[rng.choice([c for c in PLATFORM_CODES if c != spec.lead])]
        pushed = spec.created + timedelta(minutes=rng.randint(10, 360))
        if pushed <= now:
            responded = pushed + timedelta(minutes=rng.randint(30, 1200))
            outcome = rng.choices(("accepted", "bounced", "pending"), (75, 20, 5))[0]
            if responded > now:
                outcome = "pending"
            handled_for = closed - accepted if closed is not None and accepted is not None else None
            handoff_row = dict(
                id=ctx.next_id(Handoff),
                case_id=case_id,
                from_platform_id=lead.id,
                to_platform_id=target.id,
                pushed_by=None,
                pushed_at=pushed,
                respond_due_at=pushed + timedelta(hours=24),
                status=outcome,
                responded_by=None,
                responded_at=responded if outcome != "pending" else None,
                reason=rng.choice(vocab.HANDOFF_REASONS_BOUNCE) if outcome == "bounced" else None,
                version=1 if outcome == "pending" else 2,
                updated_at=responded if outcome != "pending" else pushed,
            )
            if outcome == "accepted":  # the receiving platform now leads the case
                lead = target
                accepted = responded
            elif outcome == "bounced" and spec.source != "handoff":
                accepted = responded + timedelta(minutes=rng.randint(30, 240))
            else:  # bounced back to its origin, or waiting for the receiver
                status_override = "bounced" if outcome == "bounced" else "pushed"
                accepted = None
            closed = accepted + handled_for if accepted is not None and handled_for else None
    if status_override:
        status = status_override
    elif closed is not None and closed <= now:
        status = "closed"
    elif accepted is not None and accepted <= now:
        status = "accepted"
        closed = None
    else:
        status = "pending"
        accepted = closed = None
    last = max(
        t for t in (spec.created, accepted, closed, handoff_row["updated_at"] if handoff_row else None) if t is not None
    )
    bounces = 1 if handoff_row is not None and handoff_row["status"] == "bounced" else 0
    if bounces and rng.random() < 0.25:  # some were pushed and bounced once more before
        bounces = 2
    ctx.add(
        PlatformCase,
        dict(
            id=case_id,
            number=number,
            township_id=town.id,
            lead_platform_id=lead.id,
            source=spec.source,
            source_order_id=spec.order_id,
            village_id=spec.grid.village.id,
            title=spec.title[:100],
            description=spec.description,
            status=status,
            is_joint=bool(spec.assists),
            due_at=spec.due,
            created_at=spec.created,
            closed_at=closed if status == "closed" else None,
            result=spec.result if status == "closed" else None,
            bounce_count=bounces,
            version=1,
            updated_at=last,
        ),
    )
    _timeline(ctx, case_id, town.platforms[spec.lead].id, spec, handoff_row, status, accepted, closed, lead.id)
    for code in spec.assists:
        if town.platforms[code].id != lead.id:
            ctx.add(PlatformCaseAssist, dict(case_id=case_id, platform_id=town.platforms[code].id))
    if handoff_row is not None:
        ctx.add(Handoff, handoff_row)
    if spec.order_id is not None:
        ctx.add(
            RecordLink,
            dict(
                id=ctx.next_id(RecordLink),
                from_type="platform_case",
                from_id=case_id,
                to_type="work_order",
                to_id=spec.order_id,
                kind="source",
                created_at=spec.created,
            ),
        )
    if lead.code == "shichang" and spec.source == "patrol":
        _problem_inspection(ctx, spec, case_id, notices)
    if lead.code == "zhifa" and spec.source in ("order", "patrol", "grid_event"):
        _enforcement(ctx, spec, case_id)
    return 1 if handoff_row is not None else 0


def _timeline(
    ctx: Context,
    case_id: int,
    origin_id: int,
    spec: _Spec,
    handoff: dict | None,
    status: str,
    accepted: datetime | None,
    closed: datetime | None,
    lead_id: int,
) -> None:
    """The case's timeline rows (platform_case_event), consistent with its final state."""

    def ev(at, platform_id, action, frm, to, note=None, to_platform_id=None):
        ctx.add(
            PlatformCaseEvent,
            dict(
                id=ctx.next_id(PlatformCaseEvent),
                case_id=case_id,
                at=at,
                actor_id=None,
                platform_id=platform_id,
                action=action,
                from_status=frm,
                to_status=to,
                to_platform_id=to_platform_id,
                note=note,
            ),
        )

    first = "accepted" if spec.source == "patrol" else "pending"
    ev(
        spec.created,
        None if spec.source != "patrol" else origin_id,
        "open",
        None,
        first,
        f"来源：{CASE_SOURCES[spec.source]}",
    )
    cur = first
    if handoff is not None:
        if cur == "pending":
            ev(
                min(handoff["pushed_at"], spec.created + timedelta(minutes=5)),
                origin_id,
                "accept",
                "pending",
                "accepted",
            )
            cur = "accepted"
        ev(
            handoff["pushed_at"],
            origin_id,
            "push",
            cur,
            "pushed",
            "不属本平台职责，推送处理",
            handoff["to_platform_id"],
        )
        cur = "pushed"
        if handoff["status"] == "accepted":
            ev(handoff["responded_at"], handoff["to_platform_id"], "receive", "pushed", "accepted")
            cur = "accepted"
        elif handoff["status"] == "bounced":
            ev(handoff["responded_at"], handoff["to_platform_id"], "bounce", "pushed", "bounced", handoff["reason"])
            cur = "bounced"
            if status in ("accepted", "closed") and accepted is not None:
                ev(accepted, origin_id, "accept", "bounced", "accepted")
                cur = "accepted"
    elif cur == "pending" and status in ("accepted", "closed") and accepted is not None:
        ev(accepted, lead_id, "accept", "pending", "accepted")
        cur = "accepted"
    if status == "closed" and closed is not None and cur == "accepted":
        ev(closed, lead_id, "close", "accepted", "closed", spec.result)


def _zongzhi_records(ctx: Context) -> int:
    """综治: the weekly screening of village reports (last 12 weeks), one analysis meeting a
    month (this year), and floating-population registrations."""
    rng, today = ctx.rng, ctx.today
    monday = today - timedelta(days=today.weekday())
    n = 0
    for town in ctx.townships:
        for week in range(1, 13):
            start = monday - timedelta(weeks=week)
            for village in town.villages:
                reported = rng.random() < 0.93
                issues = rng.choice((0, 0, 0, 1, 1, 2, 3)) if reported else 0
                ctx.add(
                    VillageReportCheck,
                    dict(
                        id=ctx.next_id(VillageReportCheck),
                        village_id=village.id,
                        week_start=start,
                        reported=reported,
                        issues_found=issues,
                        issues="、".join(rng.sample(_Vocab.SCREENING_ISSUES, issues)) if issues else None,
                        checked_by=None,
                        version=1,
                        updated_at=ctx.at_local(start + timedelta(days=7), 10),
                    ),
                )
                n += 1
        for month in range(1, today.month + (0 if today.day < 25 else 1)):
            held = date(today.year, month, 25)
            ctx.add(
                AnalysisMeeting,
                dict(
                    id=ctx.next_id(AnalysisMeeting),
                    township_id=town.id,
                    held_on=held,
                    attendees="党委副书记、政法委员、综治中心主任、四个平台负责人、各村党支部书记",
                    minutes=f"{month}月矛盾纠纷和安全隐患分析研判：通报本月接诉即办、网格事件及平台案件情况，"
                    "分析重点村和重点问题。",
                    decisions=rng.choice(_Vocab.MEETING_DECISIONS),
                    recorded_by=None,
                    version=1,
                    updated_at=ctx.at_local(held, 17),
                ),
            )
            n += 1
        villages = town.villages
        for _ in range(ctx.scaled(60, floor=10)):
            village = rng.choice(villages)
            name, gender, birth = ctx.ids.person(ctx.now_year, 18, 55)
            registered = today - timedelta(days=rng.randint(1, 700))
            left = registered + timedelta(days=rng.randint(30, 400)) if rng.random() < 0.35 else None
            ctx.add(
                FloatingResident,
                dict(
                    id=ctx.next_id(FloatingResident),
                    village_id=village.id,
                    name=name,
                    id_number=ctx.ids.id_number(gender, birth),
                    phone=ctx.ids.mobile(),
                    origin=rng.choice(_Vocab.FLOATING_ORIGINS),
                    address=f"{village.name}{rng.randint(1, 12)}组",
                    registered_on=registered,
                    left_on=left if left and left <= today else None,
                    version=1,
                    updated_at=ctx.now,
                ),
            )
            n += 1
    return n


def _business(ctx: Context) -> str:
    return ctx.rng.choice(vocab.BUSINESS_NAMES).format(s=ctx.ids.surname())


def _problem_inspection(ctx: Context, spec: _Spec, case_id: int, notices: dict[tuple[int, int], int]) -> None:
    rng = ctx.rng
    inspected = ctx.local_date(spec.created)
    key = (spec.town.id, inspected.year)
    notices[key] = notices.get(key, 0) + 1
    notice = f"泌市监{spec.town.name[:2]}责改〔{inspected.year}〕{notices[key]:03d}号"
    rectify_by = inspected + timedelta(days=rng.choice((7, 10, 15)))
    reinspected: date | None = rectify_by - timedelta(days=rng.randint(0, 3))
    if reinspected is None or reinspected > ctx.today or rng.random() < 0.08:
        reinspected = None  # still rectifying (some past their deadline)
    finding = rng.choice(vocab.INSPECTION_FINDINGS)
    ctx.add(
        Inspection,
        dict(
            id=ctx.next_id(Inspection),
            case_id=case_id,
            township_id=spec.town.id,
            business_name=_business(ctx),
            address=f"{spec.grid.label}{rng.choice(spec.grid.places)}",
            kind=rng.choice(("routine", "random")),
            inspected_on=inspected,
            finding=f"检查发现{finding}，已当场指出，下达《责令限期整改通知书》。",
            notice_number=notice,
            rectify_by=rectify_by,
            reinspected_on=reinspected,
            status="closed" if reinspected else "rectifying",
            version=1,
            updated_at=ctx.at_local(reinspected, 15) if reinspected else spec.created,
        ),
    )


def _enforcement(ctx: Context, spec: _Spec, case_id: int) -> None:
    rng = ctx.rng
    reported = spec.created - timedelta(minutes=rng.randint(3, 20))
    roll = rng.random()
    minutes = rng.randint(6, 30) if roll < 0.86 else (rng.randint(31, 60) if roll < 0.97 else rng.randint(61, 150))
    arrived = reported + timedelta(minutes=minutes)
    ctx.add(
        EnforcementReport,
        dict(
            id=ctx.next_id(EnforcementReport),
            case_id=case_id,
            township_id=spec.town.id,
            kind=spec.enforcement_kind,
            address=f"{spec.grid.label}{rng.choice(spec.grid.places)}",
            reported_at=reported,
            arrived_at=arrived if arrived <= ctx.now else None,
            joint=bool(spec.assists),
            version=1,
            updated_at=min(ctx.now, arrived),
        ),
    )


def _routine_inspections(ctx: Context) -> int:
    rng = ctx.rng
    n = ctx.scaled(ctx.spec.routine_inspections, floor=20)
    grids = [g for t in ctx.townships for g in t.grids]
    for at in ctx.sample_times(n, growth=0.5):
        grid = rng.choice(grids)
        ctx.add(
            Inspection,
            dict(
                id=ctx.next_id(Inspection),
                case_id=None,
                township_id=grid.village.township.id,
                business_name=_business(ctx),
                address=f"{grid.label}{rng.choice(grid.places)}",
                kind="routine" if rng.random() < 0.6 else "random",
                inspected_on=ctx.local_date(at),
                finding="检查未发现问题。",
                notice_number=None,
                rectify_by=None,
                reinspected_on=None,
                status="passed",
                version=1,
                updated_at=at,
            ),
        )
    return n


# --------------------------------------------------------------------------- services


def _service_requests(ctx: Context) -> int:
    """便民服务: requests at the window, at village agent points, or door to door."""
    rng, now = ctx.rng, ctx.now
    items = [(name, dept, ok) for name, dept, ok in vocab.SERVICE_ITEMS]
    item_cum = list(accumulate(vocab.POPULAR_SERVICE_ITEMS.get(name, 1.0) for name, _, _ in items))
    n = ctx.scaled(ctx.spec.service_requests, floor=50)
    villages = [v for t in ctx.townships for v in t.villages]
    village_cum = list(accumulate(sum(len(g.households) for g in v.grids) + 1 for v in villages))
    for at in ctx.sample_times(n, growth=0.7):
        k = rng.choices(range(len(items)), cum_weights=item_cum)[0]
        name, _dept, agent_ok = items[k]
        village = rng.choices(villages, cum_weights=village_cum)[0]
        person = _applicant(ctx, village)
        if person is not None:
            applicant, phone = person.name, person.phone
            age = ctx.now_year - person.birth_year
            vulnerable = age >= 70 or "disabled" in person.tags
        else:
            applicant, phone, vulnerable = ctx.ids.person(ctx.now_year)[0], ctx.ids.mobile(), False
        if vulnerable:
            channel = rng.choices(("door", "agent_point", "window"), (55, 30, 15))[0]
        else:
            channel = "agent_point" if agent_ok and rng.random() < 0.4 else "window"
        if channel == "agent_point" and not agent_ok:
            channel = "window"
        if rng.random() < 0.6:
            done = at + timedelta(minutes=rng.randint(5, 40))
        else:
            done = at + timedelta(minutes=rng.randint(1440, 10 * 1440))
        ctx.add(
            ServiceRequest,
            dict(
                # service items are numbered from 1 in catalogue order (org stage)
                id=ctx.next_id(ServiceRequest),
                item_id=k + 1,
                village_id=village.id,
                applicant_name=applicant,
                applicant_phone=phone,
                channel=channel,
                for_elderly_or_disabled=vulnerable,
                requested_at=at,
                done_at=done if done <= now else None,
                version=1,
                updated_at=min(now, done),
            ),
        )
    return n


def _applicant(ctx: Context, village) -> Person | None:
    rng = ctx.rng
    for _ in range(4):
        grid = rng.choice(village.grids)
        if grid.households:
            hh = rng.choice(grid.households)
            adults = [p for p in hh.residents if ctx.now_year - p.birth_year >= 18]
            if adults:
                return rng.choice(adults)
    return None
