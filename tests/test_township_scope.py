"""Township tenancy (issue #17): a township's user reads and writes only its own township's rows,
whatever the query, on both backends; the county sees all.

The rule lives in db/scope.py and is applied to every ORM statement of a scoped session, so the
tests here are about the rule and its coverage, not about each query: every mapped table is
either scoped or declared shared (a new table is covered the day it is written), and on a
two-township database every scoped table splits exactly into the townships' parts.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from db import scope
from db.engine import read_session, write_session
from db.errors import NotFound, PermissionDenied, ValidationError
from db.models import (
    AppSetting,
    AuditLog,
    Base,
    CalendarDay,
    Category,
    Counter,
    Department,
    Grid,
    HolidayYear,
    Household,
    Platform,
    RecordLink,
    ServiceItem,
    Township,
    User,
    Village,
    WorkOrder,
)
from db.permissions import Actor
from db.queries import kpi as kpi_q
from db.queries import orders as orders_q
from db.services import orders as orders_svc
from db.services import setup as setup_svc
from db.services import users
from tests.factories.accounts import PW
from tests.factories.orders import T0, build_world, intake

# the county's own tables: one catalogue, one calendar, one set of settings and counters for
# every township; a record link is followed only to records that are themselves scoped
SHARED = {Category, HolidayYear, CalendarDay, Counter, AppSetting, RecordLink, ServiceItem}


def _mapped() -> set[type]:
    return {m.class_ for m in Base.registry.mappers}


def test_every_table_is_scoped_or_declared_shared():
    scoped = {Township, User, *scope.DIRECT, *scope.PATHS}
    assert scoped.isdisjoint(SHARED)
    missing = _mapped() - scoped - SHARED
    assert not missing, f"tables with no township rule (add to db/scope.py or SHARED): {missing}"


def _second_township(w) -> dict:
    """Township 2 (白云镇) with a village, grid, household, platform and department, and a
    township administrator, reception clerk and dispatcher of its own."""
    with write_session(w.engine) as s:
        town = Township(code="T2", name="白云镇", county="示范县")
        s.add(town)
        s.flush()
        v = Village(township_id=town.id, code="V21", name="白云村")
        s.add(v)
        s.flush()
        g = Grid(village_id=v.id, code="G21", name="白云一网格")
        p = Platform(township_id=town.id, code="zongzhi", name="综治平台")
        s.add_all([g, p])
        s.flush()
        h = Household(grid_id=g.id, address="白云村2组8号", head_name="王五", phone="13900001111")
        d = Department(platform_id=p.id, name="白云综治办")
        s.add_all([h, d])
        s.flush()
        ids = dict(township=town.id, village=v.id, grid=g.id, household=h.id, platform=p.id, dept=d.id)
        town1 = s.scalar(select(Township.id).where(Township.code == "T1"))

    def make(username, role, name, **kw):
        uid = users.create_user(
            w.engine,
            w.admin,
            username=username,
            display_name=name,
            role=role,
            password=PW,
            township_id=ids["township"],
            **kw,
        )
        return Actor(uid, username, role, name, township_id=ids["township"], platform_id=kw.get("platform_id"))

    return dict(
        ids,
        town1=town1,
        admin=make("admin2", "admin", "白云管理员"),
        reception=make("clerk2", "reception", "白云接待"),
        dispatcher=make("disp2", "dispatcher", "白云转办"),
        platform=make("plat2b", "platform", "白云综治", platform_id=ids["platform"]),
    )


@pytest.fixture
def two(engine):
    """The order world (township 1, 青龙镇) plus township 2, with orders in both."""
    w = build_world(engine)
    t2 = _second_township(w)
    with write_session(engine) as s:
        # the order world's accounts were created while it was the only township: they are its
        t1 = t2["town1"]
        assert set(s.scalars(select(User.township_id).where(User.username.in_(("clerk", "disp"))))) == {t1}
    a = orders_svc.register(engine, w.reception, intake(w), now=T0)
    b = orders_svc.register(
        engine,
        t2["reception"],
        intake(
            w,
            village_id=t2["village"],
            grid_id=t2["grid"],
            household_id=t2["household"],
            caller_name="王五",
            caller_phone="13900001111",
            address="白云村2组8号",
            description="白云村路灯不亮，晚上出行不便。",
        ),
        now=T0 + timedelta(minutes=5),
    )
    b = orders_svc.contact(
        scope.scoped(engine, t2["township"]), t2["reception"], b["id"], b["version"], now=T0 + timedelta(minutes=10)
    )
    return w, t2, a, b


def _ids(engine, model, township_id):
    with read_session(scope.scoped(engine, township_id)) as s:
        # the mapped attribute, not the table's column: the rule applies to ORM statements
        return set(s.scalars(select(getattr(model, model.__mapper__.primary_key[0].key))))


def test_each_scoped_table_splits_exactly_into_its_townships(two):
    """For every scoped table: township 1's rows and township 2's rows do not overlap and
    together are all the rows (county accounts and the system's audit rows, which belong to no
    township, are seen by both and by neither respectively)."""
    w, t2, _, _ = two
    t1 = t2["town1"]
    for model in sorted({Township, User, *scope.DIRECT, *scope.PATHS}, key=lambda m: m.__name__):
        every = _ids(w.engine, model, None)
        one, other = _ids(w.engine, model, t1), _ids(w.engine, model, t2["township"])
        if model is User:
            with read_session(w.engine) as s:
                county = set(s.scalars(select(User.id).where(User.township_id.is_(None))))
            assert one & other == county and one | other == every, model
        elif model is AuditLog:
            with read_session(w.engine) as s:
                nobody = set(s.scalars(select(AuditLog.id).where(AuditLog.township_id.is_(None))))
            assert not one & other and one | other | nobody == every, model
            assert one and other
        else:
            assert not one & other, model
            assert one | other == every, model


def test_the_other_townships_order_is_not_there(two):
    w, t2, a, b = two
    e2 = scope.scoped(w.engine, t2["township"])
    with read_session(e2) as s:
        assert orders_q.order_detail(s, a["id"], "reception") is None
        assert orders_q.timeline(s, a["id"], "reception") == []
        assert orders_q.order_detail(s, b["id"], "reception")["number"] == b["number"]
        everything = orders_q.InboxFilter(statuses=())
        numbers = [r["number"] for r in orders_q.inbox_page(s, everything, t2["reception"], T0 + timedelta(hours=1))]
        assert numbers == [b["number"]]
        # its record number typed into the search box finds nothing
        assert orders_q.inbox_count(s, orders_q.InboxFilter(text=a["number"]), t2["reception"], T0) == 0
        # caller history by the other township's caller's phone
        assert orders_q.caller_history(s, phone="13812345678")["orders"] == []
    with read_session(w.engine) as s:
        before = s.get(WorkOrder, a["id"]).status
    with pytest.raises(NotFound):
        orders_svc.dispatch(
            e2, t2["dispatcher"], a["id"], a["version"], t2["platform"], t2["dept"], now=T0 + timedelta(hours=1)
        )
    # nothing of township 1 moved
    with read_session(w.engine) as s:
        assert s.get(WorkOrder, a["id"]).status == before == "received"


def test_a_township_cannot_register_in_another_townships_village(two):
    w, t2, _, _ = two
    e2 = scope.scoped(w.engine, t2["township"])
    with pytest.raises(ValidationError, match="村（社区）不存在"):
        orders_svc.register(e2, t2["reception"], intake(w), now=T0)  # 东湖村 is township 1's


def test_kpis_of_the_townships_add_up_to_the_county(two):
    w, t2, _, _ = two
    period = kpi_q.period_of("month", T0.date())
    now = T0 + timedelta(days=1)
    got = {}
    for key, town in (("county", None), ("one", t2["town1"]), ("two", t2["township"])):
        with read_session(scope.scoped(w.engine, town)) as s:
            got[key] = kpi_q.summary(s, period, now)["current"]
    assert got["one"]["received"] + got["two"]["received"] == got["county"]["received"] == 2
    with read_session(w.engine) as s:
        by_town = {
            r["label"]: r["received"] for r in kpi_q.order_stats(s, period.since, period.until, now, by="township")
        }
    assert by_town == {"青龙镇": 1, "白云镇": 1}


def test_township_administrators_manage_only_their_own_accounts(two):
    w, t2, _, _ = two
    e2 = scope.scoped(w.engine, t2["township"])
    admin2 = t2["admin"]
    listed = {u["username"] for u in users.list_users(e2, admin2)}
    assert listed == {"admin2", "clerk2", "disp2", "plat2b"}
    with read_session(w.engine) as s:
        boss = s.scalar(select(User).where(User.username == "boss"))  # the county administrator
        clerk = s.scalar(select(User).where(User.username == "clerk"))  # township 1's
    for target in (boss, clerk):
        with pytest.raises(NotFound):
            users.reset_password(e2, admin2, target.id, target.version, "Another@2026x")
    # a username is unique in the county, not only in the township
    with pytest.raises(ValidationError, match="已被使用"):
        users.create_user(e2, admin2, username="clerk", display_name="重名", role="reception", password=PW)
    uid = users.create_user(e2, admin2, username="clerk3", display_name="白云接待二", role="reception", password=PW)
    with read_session(w.engine) as s:
        assert s.get(User, uid).township_id == t2["township"]
    with pytest.raises(PermissionDenied):
        users.create_user(e2, admin2, username="countyboss", display_name="县领导", role="county_leader", password=PW)
    with pytest.raises(PermissionDenied):
        setup_svc.create_township(e2, admin2, code="T3", name="红旗镇", county="示范县")


def test_the_audit_log_of_a_township_holds_its_own_records(two):
    w, t2, _, b = two
    with read_session(scope.scoped(w.engine, t2["township"])) as s:
        mine = list(s.execute(select(AuditLog.username, AuditLog.entity_id)))
    assert {u for u, _ in mine} <= {"admin2", "clerk2", "disp2", "plat2b", "boss"} - {"boss"}
    assert ("clerk2", str(b["id"])) in mine
    with read_session(w.engine) as s:
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.username == "clerk")) > 0


def test_a_single_township_database_upgrades_in_place(empty_engine):
    """A console from before tenancy (revision 0013, one township): its users join the township,
    the audit log gets each record's township from its user, the KPI tables are rebuilt per
    township with the same numbers."""
    from sqlalchemy import text

    from db import migrate

    e = empty_engine
    migrate.upgrade(e, "0013")
    with e.begin() as c:
        c.execute(
            text(
                "INSERT INTO township (id, code, name, county, version, updated_at) "
                "VALUES (1, 'T1', '青龙镇', '示范县', 1, CURRENT_TIMESTAMP)"
            )
        )
        c.execute(
            text(
                "INSERT INTO app_user (id, username, display_name, password_hash, role, active, "
                "failed_attempts, session_epoch, tokens_valid_after, version, created_at, updated_at) VALUES "
                "(1, 'clerk', '王接待', 'x', 'reception', true, 0, 0, 0, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        c.execute(
            text(
                "INSERT INTO audit_log (at, user_id, username, action, entity) "
                "VALUES (CURRENT_TIMESTAMP, 1, 'clerk', 'login', 'app_user')"
            )
        )
        c.execute(
            text(
                "INSERT INTO audit_log (at, user_id, username, action, entity) "
                "VALUES (CURRENT_TIMESTAMP, NULL, 'system', 'seed', 'calendar')"
            )
        )
    migrate.upgrade(e)
    with read_session(e) as s:
        assert s.scalar(select(User.township_id).where(User.username == "clerk")) == 1
        assert dict(s.execute(select(AuditLog.username, AuditLog.township_id)).all()) == {"clerk": 1, "system": None}
    # the append-only triggers are back
    with pytest.raises(Exception, match="append-only"), write_session(e) as s:
        s.execute(text("UPDATE audit_log SET username = 'x'"))


def test_the_kpi_triggers_are_the_newest_migrations():
    """db/stats.py's SQL is what the newest migration froze: a change to it needs a migration
    (scripts/freeze_stats.py writes the copy)."""
    from db import stats
    from db.migrations.frozen import stats_0014 as frozen

    for dialect in ("sqlite", "postgresql"):
        assert stats.trigger_ddl(dialect) == getattr(frozen, f"TRIGGERS_{dialect.upper()}")
