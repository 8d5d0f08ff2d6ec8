"""The deterministic demo-data generator (db.demo) on temporary SQLite files.

One township-scale database is generated for the module and checked for real properties
(organisation shape, people on duty, order life cycles and clocks, the dispute ledger,
numbering); determinism and the county scale are checked on smaller runs.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter as Tally
from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, insert, select

from db.demo import generate
from db.demo.identity import is_valid_id_number
from db.engine import make_engine
from db.migrate import upgrade
from db.models import (
    AppSetting,
    AuditLog,
    Base,
    Category,
    Counter,
    Department,
    ExtensionRequest,
    Grid,
    GridEvent,
    GridStaff,
    Household,
    MediationCase,
    MediationParty,
    MediationStep,
    Mediator,
    OrderAssist,
    PartyMember,
    PartyMemberHousehold,
    PartyScoreEntry,
    Platform,
    PlatformCase,
    RecordLink,
    Resident,
    ServiceItem,
    TenHouseholdUnit,
    Township,
    Village,
    WorkOrder,
    WorkOrderEvent,
)
from db.models.grid_work import EVENT_STATUSES
from db.models.orders import CHANNELS, OPEN_STATUSES, ORDER_STATUSES
from db.models.people import PLATFORMS
from db.queries.calendar import calendar_from_package
from db.rules.order_fsm import TRANSITIONS, next_status
from db.rules.sla import add_workdays, warn_point
from tests.factories.clock import TEST_NOW

NOW = TEST_NOW
LOCAL = timedelta(hours=8)


def _engine(path) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return engine


@pytest.fixture(scope="module")
def township(tmp_path_factory):
    engine = _engine(tmp_path_factory.mktemp("demo") / "township.db")
    counts = generate(engine, now=NOW)
    yield engine, counts
    engine.dispose()


def _all(engine: Engine, stmt):
    with engine.connect() as conn:
        return conn.execute(stmt).all()


def _scalar(engine: Engine, stmt):
    with engine.connect() as conn:
        return conn.execute(stmt).scalar_one()


def _digest(engine: Engine) -> str:
    """A hash of every row of every table, in primary-key order."""
    h = hashlib.sha256()
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            h.update(table.name.encode())
            for row in rows:
                h.update(repr(tuple(row)).encode())
    return h.hexdigest()


# --------------------------------------------------------------------------- organisation


def test_counts_are_returned_per_table(township):
    engine, counts = township
    for model in (WorkOrder, WorkOrderEvent, OrderAssist, Resident, GridEvent, MediationCase, AuditLog):
        table = model.__table__
        assert counts[table.name] == _scalar(engine, select(func.count()).select_from(table))
    assert counts["work_order"] == 5000
    assert counts["order_assist"] > 0  # the assisting parts of the 吹哨办 orders
    assert 10_000 <= counts["grid_event"] <= 20_000


def test_township_villages_and_grids(township):
    engine, _ = township
    assert _scalar(engine, select(func.count()).select_from(Township)) == 1
    kinds = Tally(k for (k,) in _all(engine, select(Village.kind)))
    assert 16 <= sum(kinds.values()) <= 20 and 1 <= kinds["community"] <= 4
    grid_kinds = Tally(k for (k,) in _all(engine, select(Grid.kind)))
    assert 90 <= sum(grid_kinds.values()) <= 110
    assert grid_kinds["rural"] > grid_kinds["community"] > grid_kinds["special"] >= 3
    staff = _all(engine, select(GridStaff.grid_id, GridStaff.staff_role))
    chiefs = Tally(g for g, role in staff if role == "chief")
    workers = Tally(g for g, role in staff if role == "worker")
    grid_ids = [g for (g,) in _all(engine, select(Grid.id))]
    assert all(chiefs[g] == 1 for g in grid_ids), "every grid has exactly one chief"
    assert all(1 <= workers[g] <= 2 for g in grid_ids)


def test_households_residents_and_units(township):
    engine, _ = township
    n_households = _scalar(engine, select(func.count()).select_from(Household))
    n_residents = _scalar(engine, select(func.count()).select_from(Resident))
    assert 2_000 <= n_households <= 8_000
    assert 2.5 <= n_residents / n_households <= 4.0
    outside = _scalar(engine, select(func.count()).select_from(Household).where(Household.unit_id.is_(None)))
    assert 0.01 <= outside / n_households <= 0.08, "a few households outside any unit"
    # each ten-household chief lives in the unit they lead
    rows = _all(
        engine,
        select(TenHouseholdUnit.id, Household.unit_id)
        .join(Resident, Resident.id == TenHouseholdUnit.chief_resident_id)
        .join(Household, Household.id == Resident.household_id),
    )
    n_units = _scalar(engine, select(func.count()).select_from(TenHouseholdUnit))
    assert len(rows) == n_units > 300
    assert all(unit == home for unit, home in rows)
    sizes = Tally(u for (u,) in _all(engine, select(Household.unit_id).where(Household.unit_id.is_not(None))))
    assert all(5 <= n <= 16 for n in sizes.values())


def test_resident_identity_data_is_well_formed(township):
    engine, _ = township
    rows = _all(engine, select(Resident.id_number, Resident.birth_year, Resident.gender, Resident.phone, Resident.tags))
    assert all(is_valid_id_number(i) and i.startswith("4117") for i, *_ in rows)
    assert all(int(i[6:10]) == y for i, y, *_ in rows)
    assert all((int(i[16]) % 2 == 1) == (g == "男") for i, _, g, *_ in rows)
    phones = [p for *_, p, _t in rows if p]
    assert len(phones) > len(rows) * 0.6
    assert all(re.fullmatch(r"1[3-9]\d{9}", p) for p in phones)
    tags = Tally(t for *_, tg in rows if tg for t in tg.split(","))
    assert tags["elderly_alone"] > 20 and tags["left_behind_child"] > 10
    assert tags["released_prisoner"] >= 1


def test_party_members_links_and_scores(township):
    engine, _ = township
    n_residents = _scalar(engine, select(func.count()).select_from(Resident))
    members = _all(engine, select(PartyMember.id, PartyMember.score, PartyMember.resident_id))
    assert 0.03 <= len(members) / n_residents <= 0.05
    flagged = _scalar(engine, select(func.count()).select_from(Resident).where(Resident.is_party_member.is_(True)))
    assert flagged == len(members)
    links = Tally(m for (m,) in _all(engine, select(PartyMemberHousehold.party_member_id)))
    in_range = sum(1 for m, *_ in members if 5 <= links[m] <= 15)
    assert in_range >= 0.85 * len(members), "link counts mostly within 5-15"
    assert any(not 5 <= links[m] <= 15 for m, *_ in members), "a few outside the range"
    n_households = _scalar(engine, select(func.count()).select_from(Household))
    linked = _scalar(engine, select(func.count(func.distinct(PartyMemberHousehold.household_id))))
    assert 0.8 * n_households <= linked < n_households, "most, not all, households linked"
    deltas = defaultdict(int)
    for m, d in _all(engine, select(PartyScoreEntry.party_member_id, PartyScoreEntry.delta)):
        deltas[m] += d
    assert all(score == 100 + deltas[m] for m, score, _ in members)
    assert all(score <= 100 for _, score, _ in members)
    teams = _all(engine, select(PartyMember.team_id).where(PartyMember.team_id.is_not(None)))
    assert len(teams) > 0.2 * len(members)


def test_mediators_platforms_categories_and_services(township):
    engine, _ = township
    levels = Tally(lv for (lv,) in _all(engine, select(Mediator.level)))
    assert levels == {"township": 8, "village": 96}
    specialities = {s for (s,) in _all(engine, select(Mediator.speciality))}
    assert {"乡贤", "法律顾问"} <= specialities
    platforms = _all(engine, select(Platform.id, Platform.code, Platform.name))
    assert {c: n for _, c, n in platforms} == PLATFORMS
    per_platform = Tally(p for (p,) in _all(engine, select(Department.platform_id)))
    assert all(3 <= per_platform[p] <= 6 for p, *_ in platforms)
    cats = _all(
        engine,
        select(
            Category.id,
            Category.parent_id,
            Category.keywords,
            Category.handling_workdays,
            Category.contact_hours,
            Category.platform_code,
        ),
    )
    tops = [c for c in cats if c[1] is None]
    children = Tally(c[1] for c in cats if c[1] is not None)
    assert 8 <= len(tops) <= 12
    assert all(3 <= children[t[0]] <= 6 for t in tops)
    assert all(kw and "," in kw for _, _, kw, *_ in cats)
    assert all(1 <= wd <= 15 and hours == 24 and p in PLATFORMS for *_, wd, hours, p in cats)
    assert _scalar(engine, select(func.count()).select_from(ServiceItem)) >= 100
    settings = dict(_all(engine, select(AppSetting.key, AppSetting.value)))
    assert settings == {"mediation_followup_days": "30", "mediation_stale_days": "15"}
    audit = _all(engine, select(AuditLog.username, AuditLog.action, AuditLog.entity, AuditLog.after))
    assert len(audit) == 1 and audit[0][:3] == ("system", "demo_seed", "database")
    assert audit[0][3]["rows"]["work_order"] == 5000 and audit[0][3]["orders"] == 5000


# --------------------------------------------------------------------------- work orders


def test_orders_cover_every_status_and_channel(township):
    engine, _ = township
    statuses = Tally(s for (s,) in _all(engine, select(WorkOrder.status)))
    assert set(statuses) == set(ORDER_STATUSES)
    assert statuses["archived"] > 0.8 * sum(statuses.values())
    channels = Tally(c for (c,) in _all(engine, select(WorkOrder.channel)))
    assert set(channels) == set(CHANNELS)
    assert channels.most_common(1)[0][0] == "hotline"
    assert channels["petition"] < 0.05 * sum(channels.values())
    years = Tally(int(r.year) for (r,) in _all(engine, select(WorkOrder.received_at)))
    year = (NOW + LOCAL).year
    # from 1 January two years back to now; activity grows (compare whole years: this one is partial)
    assert set(years) == {year - 2, year - 1, year} and years[year - 2] < years[year - 1]
    dispatched = _all(
        engine,
        select(
            WorkOrder.platform_id, WorkOrder.department_id, WorkOrder.handler_village_id, WorkOrder.village_id
        ).where(WorkOrder.dispatched_at.is_not(None)),
    )
    # handled by a department, or (就地办) by the order's own village
    assert all(
        (p is not None and d is not None and hv is None) or (p is None and d is None and hv == v)
        for p, d, hv, v in dispatched
    )
    cancelled = _all(engine, select(WorkOrder.cancelled_reason).where(WorkOrder.status == "cancelled"))
    assert all(reason for (reason,) in cancelled)
    dups = _all(engine, select(WorkOrder.id, WorkOrder.duplicate_of_id).where(WorkOrder.duplicate_of_id.is_not(None)))
    assert dups and all(orig < dup for dup, orig in dups)
    dup_links = _all(engine, select(RecordLink.from_id, RecordLink.to_id).where(RecordLink.kind == "duplicate"))
    assert sorted(dup_links) == sorted(dups)


def test_supervision_of_late_orders(township):
    engine, _ = township
    rows = _all(
        engine,
        select(
            WorkOrder.status,
            WorkOrder.due_at,
            WorkOrder.supervised,
            WorkOrder.supervision_level,
            WorkOrder.urge_count,
            WorkOrder.dispatched_at,
        ),
    )
    open_overdue = [r for r in rows if r[0] in OPEN_STATUSES and r[1] is not None and r[1] < NOW]
    assert len(open_overdue) >= 3
    assert all(r[2] and r[3] == "red" for r in open_overdue)
    assert any(r[4] >= 1 for r in open_overdue), "long-overdue orders are urged"
    yellow = [r for r in rows if r[3] == "yellow"]
    # on a working day some clocks are at 80 % or more; in a long holiday they stand still
    assert yellow or not calendar_from_package().is_workday((NOW + LOCAL).date())
    assert all(r[0] in OPEN_STATUSES and r[1] > NOW for r in yellow)
    assert all((NOW - r[5]) / (r[1] - r[5]) >= 0.8 for r in yellow)
    assert not [r for r in rows if r[2] and r[3] not in ("red", "yellow")]


def test_satisfaction_and_redispatch(township):
    engine, _ = township
    rows = _all(
        engine,
        select(WorkOrder.satisfaction, WorkOrder.redispatch_count).where(
            WorkOrder.status == "archived", WorkOrder.callback_at.is_not(None)
        ),
    )
    sat = Tally(s for s, _ in rows)
    # an unsatisfied callback re-dispatches the order (order_fsm): archived orders end
    # satisfied or basic, some of them after one or two re-dispatches
    assert set(sat) == {"satisfied", "basic"}
    assert sat["satisfied"] > 0.8 * len(rows)
    assert sum(1 for _, n in rows if n > 0) > 0.02 * len(rows)
    unsatisfied = _all(
        engine, select(WorkOrder.status, WorkOrder.redispatch_count).where(WorkOrder.satisfaction == "unsatisfied")
    )
    assert all(n > 0 and st in (*OPEN_STATUSES, "resolved") for st, n in unsatisfied)
    callbacks = Tally(
        ev.data["satisfaction"]
        for ev in _all(engine, select(WorkOrderEvent).where(WorkOrderEvent.action == "callback"))
    )
    assert set(callbacks) == {"satisfied", "basic", "unsatisfied"}
    ext = Tally(s for (s,) in _all(engine, select(ExtensionRequest.status)))
    assert ext["approved"] > 20 and ext["refused"] > 0
    assert _scalar(engine, select(func.count()).select_from(WorkOrder).where(WorkOrder.bounce_count > 0)) > 10


def test_timelines_are_consistent_with_orders(township):
    engine, _ = township
    orders = {r.id: r for r in _all(engine, select(WorkOrder))}
    events = defaultdict(list)
    for ev in _all(engine, select(WorkOrderEvent).order_by(WorkOrderEvent.order_id, WorkOrderEvent.id)):
        events[ev.order_id].append(ev)
    assert set(events) == set(orders)
    for order_id, evs in events.items():
        order = orders[order_id]
        assert evs[0].action == "receive" and evs[0].at == order.received_at
        assert evs[0].from_status is None and evs[0].to_status == "received"
        for prev, cur in zip(evs, evs[1:], strict=False):
            assert prev.at <= cur.at, order.number
            assert cur.from_status == prev.to_status, order.number
        assert evs[-1].to_status == order.status
        assert evs[-1].at <= NOW and evs[-1].at == order.updated_at
        for prev, cur in zip(evs, evs[1:], strict=False):  # the app's state machine allows every step
            if cur.to_status != prev.to_status:
                assert next_status(prev.to_status, cur.action, **(cur.data or {})) == cur.to_status, order.number
            elif cur.action in ("assist_accept", "assist_report"):  # a 吹哨办 part's step, not the order's
                assert cur.from_status in OPEN_STATUSES, order.number
            else:
                assert (cur.from_status, cur.action) in TRANSITIONS, order.number
        contacts = [e.at for e in evs if e.action in ("contact", "answer")]
        assert order.contacted_at == (contacts[0] if contacts else None)
        redispatches = [e for e in evs if e.action == "callback" and e.to_status == "dispatched"]
        dispatches = [e.at for e in evs if e.action == "dispatch" or e in redispatches]
        if order.dispatched_at is not None:
            assert order.dispatched_at == dispatches[-1]
            assert order.warn_at == warn_point(order.dispatched_at, order.due_at)
        assert order.redispatch_count == len(redispatches)
        assert order.bounce_count == sum(e.action == "bounce" for e in evs)
        assert order.extension_count == sum(e.action == "decide_extension" and e.data["approved"] for e in evs)
        assert order.urge_count == sum(e.action == "urge" for e in evs)
        if order.supervised:
            levels = [e.data["level"] for e in evs if e.action == "supervise"]
            assert levels and levels[-1] == order.supervision_level, order.number
        if order.status in ("resolved", "archived"):
            assert order.resolved_at == [e.at for e in evs if e.action in ("resolve", "answer")][-1]
        if order.tier == "instant" and order.status == "archived":
            assert [e.action for e in evs] == ["receive", "answer"]
        assert order.contact_due_at == order.received_at + timedelta(hours=24)


def test_due_at_follows_the_working_day_calendar(township):
    engine, _ = township
    cal = calendar_from_package()
    workdays = dict(_all(engine, select(Category.id, Category.handling_workdays)))
    extra = defaultdict(int)
    for order_id, days in _all(
        engine,
        select(ExtensionRequest.order_id, ExtensionRequest.workdays).where(ExtensionRequest.status == "approved"),
    ):
        extra[order_id] += days
    rows = _all(
        engine,
        select(
            WorkOrder.id, WorkOrder.category_id, WorkOrder.dispatched_at, WorkOrder.due_at, WorkOrder.extension_count
        )
        .where(WorkOrder.dispatched_at.is_not(None))
        .order_by(WorkOrder.id),
    )
    assert len(rows) > 3000
    for order_id, cat, dispatched, due, _n_ext in rows[::7]:
        assert due == add_workdays(dispatched, workdays[cat] + extra[order_id], cal)
    extended = [r for r in rows if r[4]]
    assert extended
    for order_id, cat, dispatched, due, _ in extended:
        assert due == add_workdays(dispatched, workdays[cat] + extra[order_id], cal)
        assert due > add_workdays(dispatched, workdays[cat], cal)


def _numbers_match_counters(engine: Engine, model, prefix: str) -> None:
    seqs = defaultdict(list)
    for (number,) in _all(engine, select(model.number).order_by(model.id)):
        p, year, seq = number.split("-")
        assert p == prefix and len(seq) == 6
        seqs[int(year)].append(int(seq))
    counters = {y: v for n, y, v in _all(engine, select(Counter.name, Counter.year, Counter.value)) if n == prefix}
    assert counters == {y: max(s) for y, s in seqs.items()}
    for s in seqs.values():  # numbered in order, without gaps
        assert s == list(range(1, len(s) + 1))


def test_counters_equal_the_largest_sequence_used(township):
    engine, _ = township
    _numbers_match_counters(engine, WorkOrder, "RX")
    _numbers_match_counters(engine, GridEvent, "SJ")
    _numbers_match_counters(engine, MediationCase, "TJ")
    _numbers_match_counters(engine, PlatformCase, "PT")


# --------------------------------------------------------------------------- other records


def test_grid_events_cover_the_closed_loop(township):
    engine, _ = township
    rows = _all(engine, select(GridEvent.status, GridEvent.handling, GridEvent.reporter_staff_id))
    statuses = Tally(s for s, *_ in rows)
    assert set(statuses) == set(EVENT_STATUSES)
    assert all(h is not None for s, h, _ in rows if s != "reported")
    assert all(h is None for s, h, _ in rows if s == "reported")
    assert {h for s, h, _ in rows if s == "referred"} <= {"order", "mediation", "platform"}
    assert all(r is not None for *_, r in rows)
    grid_orders = _scalar(engine, select(func.count()).select_from(WorkOrder).where(WorkOrder.channel == "grid"))
    links = _scalar(
        engine,
        select(func.count())
        .select_from(RecordLink)
        .where(RecordLink.from_type == "work_order", RecordLink.to_type == "grid_event"),
    )
    assert links > 0.9 * grid_orders


def test_mediation_ledger(township):
    engine, _ = township
    cases = {c.id: c for c in _all(engine, select(MediationCase))}
    colours = Tally(c.risk_colour for c in cases.values())
    assert set(colours) == {"blue", "yellow", "red"}
    assert colours["blue"] > colours["yellow"] > colours["red"]
    assert any(c.risk_colour == "red" and c.status in ("open", "mediating") for c in cases.values())
    assert {c.level for c in cases.values()} == {"village", "township"}
    assert {"open", "mediating", "agreed", "closed"} <= {c.status for c in cases.values()}
    assert {c.kind for c in cases.values()} == {"dispute", "hazard"}
    steps = defaultdict(list)
    for s in _all(engine, select(MediationStep).order_by(MediationStep.case_id, MediationStep.step_no)):
        steps[s.case_id].append(s)
    for case in cases.values():
        own = steps[case.id]
        assert [s.step_no for s in own] == list(range(1, case.current_step + 1))
        if own:
            assert case.risk_colour == own[-1].risk_colour
        if case.status == "closed":
            assert case.followup_at is not None and case.followup_due_on is not None
            assert (case.followup_at + LOCAL).date() >= case.followup_due_on
        if case.source_order_id is not None or case.source_event_id is not None:
            assert case.source in ("order", "grid_event")
    parties = Tally(p for (p,) in _all(engine, select(MediationParty.case_id)))
    assert all(parties[c] == 2 for c in cases)
    links = {
        (f, t, i)
        for f, t, i in _all(
            engine,
            select(RecordLink.from_id, RecordLink.to_type, RecordLink.to_id).where(
                RecordLink.from_type == "mediation_case"
            ),
        )
    }
    for case in cases.values():
        if case.source_order_id is not None:
            assert (case.id, "work_order", case.source_order_id) in links
        if case.source_event_id is not None:
            assert (case.id, "grid_event", case.source_event_id) in links


def test_refuses_a_database_with_orders(township):
    engine, _ = township
    with pytest.raises(RuntimeError):
        generate(engine, orders=100, now=NOW)


# --------------------------------------------------------------------------- determinism, county


@pytest.mark.any_date  # the same rows for the same seed at any moment; ten seconds per moment
def test_same_seed_gives_identical_rows(tmp_path):
    """Two runs, each on a database that already has an audit entry and a setting (as an
    installed app would): identical rows, and what existed is kept."""
    digests = []
    for name in ("a.db", "b.db"):
        engine = _engine(tmp_path / name)
        with engine.begin() as conn:
            conn.execute(insert(AuditLog), [dict(at=NOW, username="admin", action="login", entity="app_user")])
            conn.execute(insert(AppSetting), [dict(key="mediation_followup_days", value="45")])
        generate(engine, orders=600, seed=7, now=NOW)
        digests.append(_digest(engine))
        audit = _all(engine, select(AuditLog.id, AuditLog.action).order_by(AuditLog.id))
        settings = dict(_all(engine, select(AppSetting.key, AppSetting.value)))
        engine.dispose()
        assert audit == [(1, "login"), (2, "demo_seed")]
        assert settings == {"mediation_followup_days": "45", "mediation_stale_days": "15"}
    assert digests[0] == digests[1]


@pytest.mark.any_date  # the county's shape; the generation at each moment is the township's tests'
def test_small_county(tmp_path):
    engine = _engine(tmp_path / "county.db")
    counts = generate(engine, scale="county", orders=12_000, now=NOW)
    assert counts["work_order"] == 12_000
    assert 17 <= counts["township"] <= 20
    kinds = Tally(k for (k,) in _all(engine, select(Grid.kind)))
    assert kinds == {"rural": 3145, "community": 282, "special": 382}
    per_town = Tally(t for (t,) in _all(engine, select(Platform.township_id)))
    assert len(per_town) == counts["township"] and set(per_town.values()) == {4}
    towns_with_orders = {t for (t,) in _all(engine, select(WorkOrder.township_id).distinct())}
    assert len(towns_with_orders) == counts["township"]
    levels = Tally(lv for (lv,) in _all(engine, select(Mediator.level)))
    assert levels["township"] == 8 * counts["township"]
    engine.dispose()
