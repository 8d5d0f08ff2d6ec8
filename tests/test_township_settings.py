"""Settings a township differs on (issue #19, item 3), on both backends: each township's 党员联户
range flags its own members; each township's clocks (its first-contact clock, its own clocks for a
category) are the ones intake, dispatch and redispatch take; a refused save writes nothing; a save
is audited and version-checked. And the 督办员 (``supervisor``) of a three-person hotline team:
supervision without dispatch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from db import scope
from db.engine import read_session, write_session
from db.errors import ConflictError, PermissionDenied, ValidationError
from db.models import (
    AuditLog,
    PartyMember,
    PartyMemberHousehold,
    Township,
    TownshipCategoryClock,
    TownshipSetting,
    Village,
    WorkOrder,
)
from db.permissions import can_open
from db.queries import roster as roster_q
from db.queries import township_settings as ts_q
from db.rules.roster import link_status
from db.services import orders
from db.services import township_settings as svc
from db.services.base import Clock
from tests.factories.accounts import account
from tests.factories.orders import T0, build_world, intake
from tests.factories.roster import build as build_roster
from tests.test_township_scope import _second_township  # township 2 (白云镇) with its own desk

# --------------------------------------------------------------------------- the rule, without a database


def test_clock_precedence():
    """The township's clock for the category, else (first contact) the township's own
    first-contact clock, else the county catalogue's; an empty value passes to the next."""
    r = ts_q.resolve
    assert r(24, 5) == ts_q.Clocks(24, 5, ts_q.FROM_CATEGORY, ts_q.FROM_CATEGORY)
    assert r(None, None) == ts_q.Clocks(24, 5)  # a category without clocks: 24 hours, 5 days
    assert r(24, 5, township_hours=12) == ts_q.Clocks(12, 5, ts_q.FROM_TOWNSHIP, ts_q.FROM_CATEGORY)
    assert r(24, 5, 12, override_hours=2) == ts_q.Clocks(2, 5, ts_q.FROM_OVERRIDE, ts_q.FROM_CATEGORY)
    assert r(24, 5, 12, override_workdays=3) == ts_q.Clocks(12, 3, ts_q.FROM_TOWNSHIP, ts_q.FROM_OVERRIDE)
    assert link_status(6) == "ok" and link_status(6, 10, 15) == "under" and link_status(9, 5, 8) == "over"


# --------------------------------------------------------------------------- 党员联户


def _two_roster_townships(engine):
    """The roster world (青龙镇) with its second village (西山社区) made a township of its own (白云镇),
    where one member links the village's one household."""
    w = build_roster(engine)
    with write_session(engine) as s:
        town2 = Township(code="T2", name="白云镇", county="示范县")
        s.add(town2)
        s.flush()
        s.execute(update(Village).where(Village.id == w.village2).values(township_id=town2.id))
        member3 = PartyMember(village_id=w.village2, grid_id=w.grid_other, name="钱三", score=100)
        s.add(member3)
        s.flush()
        s.add(PartyMemberHousehold(party_member_id=member3.id, household_id=w.other_household))
        town1 = s.scalar(select(Township.id).where(Township.code == "T1"))
        return w, town1, town2.id, member3.id


def _flagged(engine, status: str, township_id: int | None = None) -> set[int]:
    with read_session(scope.scoped(engine, township_id)) as s:
        return {r["id"] for r in roster_q.party_page(s, roster_q.PartyFilter(link_status=status), 0, 50)[1]}


def test_each_townships_members_are_flagged_on_its_own_link_range(engine):
    w, town1, town2, member3 = _two_roster_townships(engine)
    # the defaults, 5-15: member (6 links) ok, member2 (none) and member3 (one) under
    assert _flagged(engine, "ok") == {w.member}
    assert _flagged(engine, "under") == {w.member2, member3}
    # 青龙镇 keeps 10-15 (seed 000), 白云镇 1-3
    svc.update_township_settings(engine, w.admin, town1, 0, link_min=10, link_max=15)
    svc.update_township_settings(engine, w.admin, town2, 0, link_min=1, link_max=3)
    assert _flagged(engine, "under") == {w.member, w.member2}  # each against their own township's range
    assert _flagged(engine, "ok") == {member3}
    assert _flagged(engine, "under", town2) == set() and _flagged(engine, "ok", town2) == {member3}
    with read_session(engine) as s:
        assert roster_q.gap_counts(s)["party_under"] == 2
        assert roster_q.gap_counts(s, roster_q.Scope(township_id=town2))["party_under"] == 0
        tree = {r["name"]: r for r in roster_q.village_tree(s)}
        assert (tree["东湖村"]["party_under"], tree["西山社区"]["party_under"]) == (2, 0)
        total, rows = roster_q.gap_page(s, "party_under", roster_q.Scope(), 0, 10)
        assert {r["id"] for r in rows} == {w.member, w.member2} and {r["link_min"] for r in rows} == {10}
        assert (roster_q.party_detail(s, w.member)["member"]["link_min"],) == (10,)
        assert ts_q.shown_link_range(s) is None  # two ranges: the county's lists say 按各乡镇规定
        assert ts_q.shown_link_range(s, town1) == ts_q.LinkRange(10, 15, True)
    # 5-8 (the other seed): member's 6 links are within it again; 4-5: over
    svc.update_township_settings(engine, w.admin, town1, 1, link_min=5, link_max=8)
    assert w.member in _flagged(engine, "ok", town1)
    svc.update_township_settings(engine, w.admin, town1, 2, link_min=4, link_max=5)
    assert _flagged(engine, "over", town1) == {w.member}


# --------------------------------------------------------------------------- clocks


def test_intake_dispatch_and_redispatch_take_the_townships_clocks(engine):
    """The same category, the same moment, two townships: 青龙镇 keeps the county's clocks (24 hours,
    5 working days), 白云镇 its own (12 hours, 2 working days); then 青龙镇 sets a first-contact clock
    for all its categories (48 hours)."""
    w = build_world(engine)
    t2 = _second_township(w)
    e2 = scope.scoped(engine, t2["township"])
    svc.set_category_clock(e2, t2["admin"], t2["township"], w.category, 0, contact_hours=12, handling_workdays=2)
    with read_session(engine) as s:
        assert ts_q.category_clocks(s, t2["town1"], w.category) == ts_q.Clocks(24, 5)
        assert ts_q.category_clocks(s, t2["township"], w.category) == ts_q.Clocks(
            12, 2, ts_q.FROM_OVERRIDE, ts_q.FROM_OVERRIDE
        )

    a = orders.register(engine, w.reception, intake(w), now=T0)
    b = orders.register(
        e2,
        t2["reception"],
        intake(
            w,
            village_id=t2["village"],
            grid_id=t2["grid"],
            household_id=t2["household"],
            address="白云村2组8号",
            description="白云村路灯不亮，晚上出行不便。",
        ),
        now=T0,
    )
    with read_session(engine) as s:
        assert s.get(WorkOrder, a["id"]).contact_due_at == T0 + timedelta(hours=24)
        assert s.get(WorkOrder, b["id"]).contact_due_at == T0 + timedelta(hours=12)

    a = orders.contact(engine, w.reception, a["id"], a["version"], now=T0)
    b = orders.contact(e2, t2["reception"], b["id"], b["version"], now=T0)
    a = orders.dispatch(engine, w.dispatcher, a["id"], a["version"], w.platform_id, w.dept, now=T0)
    officer2 = t2["platform"]  # the officer of 白云镇's platform (the key holds the account, not the id)
    b = orders.dispatch(e2, t2["dispatcher"], b["id"], b["version"], officer2.platform_id, t2["dept"], now=T0)
    with read_session(engine) as s:
        clock = Clock(s)
        assert a["due_at"] == clock.add(T0, 5) and b["due_at"] == clock.add(T0, 2) and a["due_at"] > b["due_at"]
        assert (s.get(WorkOrder, a["id"]).due_workdays, s.get(WorkOrder, b["id"]).due_workdays) == (5, 2)

    # redispatch after an unsatisfied callback counts the township's clock again, from the callback
    later = T0 + timedelta(days=1)
    b = orders.accept(e2, officer2, b["id"], b["version"], now=T0)
    b = orders.resolve(e2, officer2, b["id"], b["version"], "已修复。", now=T0)
    b = orders.callback(e2, t2["reception"], b["id"], b["version"], "unsatisfied", note="仍然不亮。", now=later)
    with read_session(engine) as s:
        assert b["status"] == "dispatched" and b["due_at"] == Clock(s).add(later, 2)

    # 青龙镇's own first-contact clock for all its categories; 白云镇's order keeps its category's 12 hours
    svc.update_township_settings(engine, w.admin, t2["town1"], 0, link_min=5, link_max=15, contact_hours=48)
    c = orders.register(engine, w.reception, intake(w), now=later)
    d = orders.register(
        e2,
        t2["reception"],
        intake(
            w,
            village_id=t2["village"],
            grid_id=t2["grid"],
            household_id=None,
            address="白云村3组",
            description="白云村3组垃圾未清运。",
        ),
        now=later,
    )
    with read_session(engine) as s:
        assert s.get(WorkOrder, c["id"]).contact_due_at == later + timedelta(hours=48)
        assert s.get(WorkOrder, d["id"]).contact_due_at == later + timedelta(hours=12)


# --------------------------------------------------------------------------- refusals, audit, versions


def _state(engine) -> tuple:
    with read_session(engine) as s:
        return (
            s.scalar(select(func.count()).select_from(AuditLog)),
            [
                tuple(r)
                for r in s.execute(
                    select(
                        TownshipSetting.township_id,
                        TownshipSetting.link_min,
                        TownshipSetting.link_max,
                        TownshipSetting.contact_hours,
                        TownshipSetting.version,
                    )
                )
            ],
            [
                tuple(r)
                for r in s.execute(
                    select(
                        TownshipCategoryClock.category_id,
                        TownshipCategoryClock.contact_hours,
                        TownshipCategoryClock.handling_workdays,
                        TownshipCategoryClock.version,
                    )
                )
            ],
        )


BAD_SETTINGS = [
    (dict(link_min=0, link_max=15), "link_min"),
    (dict(link_min=5, link_max=31), "link_max"),
    (dict(link_min=12, link_max=10), "link_max"),
    (dict(link_min="五", link_max=15), "link_min"),
    (dict(link_min=True, link_max=15), "link_min"),
    (dict(link_min=5, link_max=15, contact_hours=0), "contact_hours"),
    (dict(link_min=5, link_max=15, contact_hours=73), "contact_hours"),
    (dict(link_min=5, link_max=15, contact_hours=2.5), "contact_hours"),
]


def test_bad_township_settings_are_refused_at_their_field_and_change_nothing(sqlite_engine):
    w = build_world(sqlite_engine)
    town = w.reception.township_id
    svc.update_township_settings(sqlite_engine, w.admin, town, 0, link_min=6, link_max=12)
    before = _state(sqlite_engine)
    for kw, field in BAD_SETTINGS:
        with pytest.raises(ValidationError) as exc:
            svc.update_township_settings(sqlite_engine, w.admin, town, 1, **kw)
        assert exc.value.field == field and exc.value.message.endswith("。"), kw
    assert _state(sqlite_engine) == before


def test_refusals_change_nothing(engine):
    w = build_world(engine)
    t2 = _second_township(w)
    town1 = t2["town1"]
    before = _state(engine)
    for call, error, words in [
        # the category's clocks out of range, an unknown category
        (
            lambda: svc.set_category_clock(engine, w.admin, town1, w.category, 0, handling_workdays=0),
            ValidationError,
            "办理时限",
        ),
        (
            lambda: svc.set_category_clock(engine, w.admin, town1, w.category, 0, handling_workdays=61),
            ValidationError,
            "办理时限",
        ),
        (
            lambda: svc.set_category_clock(engine, w.admin, town1, w.category, 0, contact_hours=-1),
            ValidationError,
            "首次联系",
        ),
        (
            lambda: svc.set_category_clock(engine, w.admin, town1, 999999, 0, contact_hours=12),
            ValidationError,
            "类别不存在",
        ),
        # no role but the administrator; a township's administrator only for their own township
        (
            lambda: svc.update_township_settings(engine, w.dispatcher, town1, 0, link_min=5, link_max=8),
            PermissionDenied,
            "无权",
        ),
        (
            lambda: svc.set_category_clock(engine, w.reception, town1, w.category, 0, contact_hours=12),
            PermissionDenied,
            "无权",
        ),
        (
            lambda: svc.update_township_settings(
                scope.scoped(engine, t2["township"]), t2["admin"], town1, 0, link_min=5, link_max=8
            ),
            PermissionDenied,
            "本乡镇",
        ),
        (
            lambda: svc.set_category_clock(
                scope.scoped(engine, t2["township"]), t2["admin"], town1, w.category, 0, contact_hours=12
            ),
            PermissionDenied,
            "本乡镇",
        ),
    ]:
        with pytest.raises(error, match=words):
            call()
    assert _state(engine) == before
    # a township's rows are its own: 白云镇 does not see 青龙镇's settings
    svc.update_township_settings(engine, w.admin, town1, 0, link_min=10, link_max=15)
    with read_session(scope.scoped(engine, t2["township"])) as s:
        assert ts_q.settings_of(s, town1) is None
        assert ts_q.link_range(s, town1) == ts_q.LinkRange()  # not there: the defaults
    with read_session(scope.scoped(engine, town1)) as s:
        assert ts_q.settings_of(s, town1)["link_min"] == 10


def test_saves_are_audited_and_a_stale_form_is_refused(engine):
    w = build_world(engine)
    town = w.reception.township_id
    other_admin = account(engine, w.admin, "admin2", "admin", "另一位管理员", township_id=town)
    # two administrators open the never-saved settings (version 0); the first saves, the second is refused
    assert svc.update_township_settings(engine, w.admin, town, 0, link_min=10, link_max=15, contact_hours=12) == 1
    with pytest.raises(ConflictError, match="尚未设置过，当前为第1版"):
        svc.update_township_settings(engine, other_admin, town, 0, link_min=5, link_max=8)
    assert svc.update_township_settings(engine, other_admin, town, 1, link_min=5, link_max=8) == 2
    with pytest.raises(ConflictError, match="第1版，当前为第2版"):
        svc.update_township_settings(engine, w.admin, town, 1, link_min=12, link_max=15)
    # a category's clocks: the same
    assert svc.set_category_clock(engine, w.admin, town, w.category, 0, contact_hours=6, handling_workdays=3) == 1
    with pytest.raises(ConflictError):
        svc.set_category_clock(engine, other_admin, town, w.category, 0, handling_workdays=4)
    assert (
        svc.set_category_clock(engine, other_admin, town, w.category, 1, contact_hours="", handling_workdays=None) == 2
    )
    with read_session(engine) as s:
        assert s.get(TownshipSetting, town).link_min == 5 and ts_q.category_clocks(s, town, w.category) == ts_q.Clocks(
            24, 5
        )  # both emptied: the catalogue's again (the township's own first contact is gone too)
        logs = s.execute(
            select(
                AuditLog.username,
                AuditLog.action,
                AuditLog.entity,
                AuditLog.before,
                AuditLog.after,
                AuditLog.township_id,
            )
            .where(AuditLog.action.like("township.%"))
            .order_by(AuditLog.id)
        ).all()
    assert [(u, a) for u, a, *_ in logs] == [
        ("boss", "township.settings"),
        ("admin2", "township.settings"),
        ("boss", "township.category_clock"),
        ("admin2", "township.category_clock"),
    ]
    first, second = logs[0], logs[1]
    assert first.before is None and first.after["link_min"] == 10 and first.after["contact_hours"] == 12
    assert second.before == {"link_min": 10, "link_max": 15, "contact_hours": 12}
    assert second.after["link_max"] == 8 and second.township_id == town
    assert logs[3].before == {"contact_hours": 6, "handling_workdays": 3}
    assert logs[3].after["handling_workdays"] is None and logs[3].after["category"] == "邻里纠纷"


# --------------------------------------------------------------------------- the 督办员


def test_the_supervisor_urges_and_supervises_but_does_not_register_or_dispatch(engine):
    w = build_world(engine)
    sup = account(engine, w.admin, "duban", "supervisor", "钱督办")
    o = orders.register(engine, w.reception, intake(w), now=T0)
    o = orders.contact(engine, w.reception, o["id"], o["version"], now=T0)
    count = lambda: _writes(engine)  # noqa: E731
    before = count()
    with pytest.raises(PermissionDenied, match="督办员"):
        orders.dispatch(engine, sup, o["id"], o["version"], w.platform_id, w.dept, now=T0)
    with pytest.raises(PermissionDenied, match="督办员"):
        orders.register(engine, sup, intake(w), now=T0)
    assert count() == before
    o = orders.urge(engine, sup, o["id"], o["version"], note="请尽快派单。", now=T0)
    o = orders.supervise(engine, sup, o["id"], o["version"], w.leader.user_id, now=T0)
    with read_session(engine) as s:
        order = s.get(WorkOrder, o["id"])
        assert (order.urge_count, order.supervised, order.status) == (1, True, "contacted")
    assert [p for p in ("supervision", "inbox", "kpi", "weekly", "grid_events") if not can_open("supervisor", p)] == []
    assert [p for p in ("intake", "county_link", "roster", "users", "settings") if can_open("supervisor", p)] == []


def _writes(engine) -> tuple[int, int]:
    with read_session(engine) as s:
        return (
            s.scalar(select(func.count()).select_from(AuditLog)),
            s.scalar(select(func.count()).select_from(WorkOrder)),
        )


def test_the_link_picker_refusal_names_the_townships_range(sqlite_engine):
    from db.services import roster as roster_svc

    w = build_roster(sqlite_engine)
    with read_session(sqlite_engine) as s:
        town = s.scalar(select(Village.township_id).where(Village.id == w.village))
    svc.update_township_settings(sqlite_engine, w.admin, town, 0, link_min=10, link_max=15)
    before = _writes(sqlite_engine)
    with pytest.raises(ValidationError, match="本乡镇规定为10—15户"):
        roster_svc.set_party_links(sqlite_engine, w.admin, w.member, 1, list(range(1, 40)))
    assert _writes(sqlite_engine) == before
