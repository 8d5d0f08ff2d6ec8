"""The role matrix (docs/roles.md), checked cell by cell.

Navigation
    For every role and every page, ``db.permissions.navigation_for`` and the sidebar that
    ``components.nav.build`` hands to ``st.navigation`` list the page exactly when
    ``can_open(role, page)``; nothing else is listed. (Whether each page's own guard refuses
    a role is run through AppTest in tests/test_pages_apptest.py and not repeated here.)

Service layer
    Every action key of ``db.permissions.ACTIONS`` has at least one *probe*: a call of the real
    service function(s) that ``require(...)`` that action, on a real database (SQLite and
    PostgreSQL). Each probe runs with an actor of each of the roles (db.models.people.ROLES):

    - a role not in ``ACTIONS[action]`` must get ``PermissionDenied`` with the role refusal's
      own message (``当前角色（…）无权执行此操作。``), so a scope refusal, which is also a
      ``PermissionDenied``, cannot stand in for a missing permission check; and nothing may be
      written: the audit_log and the target tables keep their row counts and no INSERT /
      UPDATE / DELETE statement is issued at all during the call;
    - a role in ``ACTIONS[action]`` must succeed (the inputs are complete and valid) and, for a
      write, leave at least one audit record.

    The target of every call is valid for the call (an order in the right status, a case of
    the actor's platform, an event of the grid worker's own grid), so that the permission, and
    not the state machine or a scope rule, is what decides. Scope rules themselves (a grid
    worker only for its own grid, a platform officer only for its own platform) are checked
    separately, one case each, at the end of the file.

    The world is built once per backend (module scope). Each allowed call gets a freshly
    prepared target; refused calls write nothing, so they share one prepared target per probe.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import shutil
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import event, select, text

from db import scope
from db.engine import make_engine, read_session, write_session
from db.errors import DomainError, PermissionDenied
from db.models import (
    Category,
    Department,
    GridStaff,
    Mediator,
    OrderAssist,
    PartyMember,
    Platform,
    Resident,
    TenHouseholdUnit,
    Township,
    User,
    Village,
)
from db.models.people import PLATFORMS, ROLES
from db.models.platforms import ServiceItem
from db.permissions import (
    ACTIONS,
    PAGES,
    SECTIONS,
    Actor,
    allowed,
    can_open,
    navigation_for,
    pages_for,
)
from db.queries import audit as audit_q
from db.queries import orders as orders_q
from db.queries.mediation import LedgerFilter
from db.rules.sla import local_to_utc, to_local
from db.services import (
    audit_export,
    mediation_docs,
    order_assists,
    orders,
    platform_docs,
    platforms,
    roster,
    settings,
    township_settings,
    users,
    weekly_report,
)
from db.services import (
    grid_events as ge,
)
from db.services import (
    mediation as med,
)
from db.services import (
    roster_io as rio,
)
from db.services import (
    tasks as task_svc,
)
from db.services.calendar import seed_from_package
from db.services.imports import base as import_base
from db.services.imports import tasks as task_import
from db.services.mediation import CaseInput
from db.services.mediation import PartyInput as MedParty
from db.services.orders import Intake
from db.services.roster import PartyInput, StaffInput
from tests.factories.backends import BACKENDS
from tests.factories.expected_roles import EXPECTED_PAGES, expected_pages
from tests.factories.roster import PW, RW, ident
from tests.factories.roster import build as build_roster

T0 = local_to_utc(datetime(2026, 3, 2, 9, 0))  # Monday 2 March 2026, 09:00 Beijing
TODAY = date(2026, 3, 2)
EARLIER = T0 - timedelta(days=40)  # an agreement this old is due for its follow-up visit
NEW_PW = "Another1Pass!"
ROLE_KEYS = list(ROLES)


def refusal(role: str) -> str:
    """The message of ``db.permissions.require`` (a scope refusal reads differently)."""
    return f"当前角色（{ROLES[role]}）无权执行此操作。"


# =========================================================================== navigation


def _listed(role: str) -> list[str]:
    return [p.key for items in navigation_for(role).values() for p in items]


def test_roles_and_tables_name_only_known_roles_and_pages():
    assert set(ROLES) == {
        "admin",
        "leader",
        "reception",
        "dispatcher",
        "supervisor",
        "platform",
        "mediator",
        "grid",
        "demo",
        "county_leader",
    }
    for p in PAGES:
        assert set(p.roles) <= set(ROLES), p.key
        assert p.section in SECTIONS, p.key
    for action, roles in ACTIONS.items():
        assert set(roles) <= set(ROLES), action
    assert len({p.key for p in PAGES}) == len(PAGES)


def test_page_table_names_every_page_once():
    assert sorted(EXPECTED_PAGES) == sorted(p.key for p in PAGES)


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_navigation_of_role(role):
    """The role's navigation and its page list are exactly the hand-written row, and the page
    guard (can_open) agrees for every page."""
    assert sorted(_listed(role)) == sorted(expected_pages(role))
    assert [p.key for p in pages_for(role)] == expected_pages(role)
    assert [p.key for p in PAGES if can_open(role, p.key)] == expected_pages(role)
    assert not can_open(role, "no-such-page")


class _FakeSt:
    """Stands in for streamlit in components.nav: records what would be shown."""

    def __init__(self):
        self.calls: list[dict] = []

    @staticmethod
    def Page(path, *, title, icon=None, url_path, default=False):  # noqa: N802 - streamlit's name
        return SimpleNamespace(path=path, title=title, icon=icon, url_path=url_path, default=default)

    def navigation(self, pages, **kw):
        self.calls.append({"pages": pages, **kw})
        return pages


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_sidebar_lists_exactly_the_role_pages(role, monkeypatch):
    """components.nav.build gives st.navigation the role's pages and nothing more, grouped in
    the section order, each with its own path, title and URL, home the one default page."""
    from components import nav

    fake = _FakeSt()
    monkeypatch.setattr(nav, "st", fake)
    sections = nav.build(role)
    assert len(fake.calls) == 1 and fake.calls[0]["position"] == "sidebar"
    expected = [p for p in PAGES if p.key in expected_pages(role)]
    shown = [pg for items in sections.values() for pg in items]
    assert [pg.url_path for pg in shown] == [p.key for p in sorted(expected, key=lambda p: SECTIONS.index(p.section))]
    assert list(sections) == [s for s in SECTIONS if any(p.section == s for p in expected)]
    by_key = {p.key: p for p in PAGES}
    for section, items in sections.items():
        assert items, section  # no empty section
        for pg in items:
            spec = by_key[pg.url_path]
            assert (spec.section, spec.path, spec.title, spec.icon) == (section, pg.path, pg.title, pg.icon)
    assert [pg.url_path for pg in shown if pg.default] == ["home"]


# =========================================================================== the world


@dataclass
class MW:
    engine: Any
    rw: RW
    actors: dict[str, Actor]  # role -> actor ("platform": the 综治 officer)
    officers: dict[str, Actor]  # platform code -> its officer
    p: dict[str, int]  # platform code -> id
    dept: dict[str, int]  # platform code -> a department of it
    category: int
    mediator: int
    mediator2: int
    tagged: int  # a resident tagged released_prisoner
    service_item: int
    own_staff: int  # the grid account's own staff record (a worker of rw.grid)
    _seq: Any = field(default_factory=lambda: itertools.count(1))
    shared: dict = field(default_factory=dict)  # probe name -> target shared by refused calls

    def seq(self) -> int:
        return next(self._seq)

    @property
    def admin(self) -> Actor:
        return self.actors["admin"]

    def actor(self, role: str, platform: str = "zongzhi") -> Actor:
        return self.officers[platform] if role == "platform" else self.actors[role]


def build_matrix_world(engine) -> MW:
    rw = build_roster(engine)  # township, villages, grids, households, roster; admin/leader/dispatcher/grid/demo
    with write_session(engine) as s:
        seed_from_package(s, [2025, 2026])
        town = s.get(Village, rw.village).township_id
        plats = {code: Platform(township_id=town, code=code, name=name) for code, name in PLATFORMS.items()}
        s.add_all(plats.values())
        s.flush()
        depts = {code: Department(platform_id=p.id, name=f"{p.name}办公室") for code, p in plats.items()}
        cat = Category(code="C01", name="邻里纠纷", default_tier="local", contact_hours=24, handling_workdays=5)
        m1 = Mediator(township_id=town, village_id=rw.village, name="李调解", level="village")
        m2 = Mediator(township_id=town, name="刘调解", level="township")
        tagged = Resident(
            household_id=rw.households[9], name="张老四", gender="男", birth_year=1985, tags="released_prisoner"
        )
        s.add_all([*depts.values(), cat, m1, m2, tagged])
        s.flush()
        item = ServiceItem(code="BM000", name="老年人优待证办理", department_id=depts["bianmin"].id)
        s.add(item)
        worker = s.scalar(select(GridStaff).where(GridStaff.grid_id == rw.grid, GridStaff.staff_role == "worker"))
        worker.user_id = rw.grid_user.user_id  # the grid account is this worker, of the worker's village
        s.get(User, rw.grid_user.user_id).village_id = rw.village
        s.flush()
        ids = dict(
            p={c: x.id for c, x in plats.items()},
            dept={c: d.id for c, d in depts.items()},
            category=cat.id,
            mediator=m1.id,
            mediator2=m2.id,
            tagged=tagged.id,
            service_item=item.id,
            own_staff=worker.id,
        )

    def make(username, role, name, platform_id=None):
        uid = users.create_user(
            engine, rw.admin, username=username, display_name=name, role=role, password=PW, platform_id=platform_id
        )
        return Actor(uid, username, role, name, platform_id=platform_id)

    officers = {
        code: make(f"off_{code}", "platform", f"{name}专员", ids["p"][code]) for code, name in PLATFORMS.items()
    }
    actors = dict(
        admin=rw.admin,
        leader=rw.leader,
        reception=make("clerk", "reception", "王接待"),
        dispatcher=rw.dispatcher,
        supervisor=make("duban", "supervisor", "钱督办"),
        platform=officers["zongzhi"],
        mediator=make("tiao", "mediator", "李调解"),
        grid=dataclasses.replace(rw.grid_user, village_id=rw.village),
        demo=rw.demo,
        county_leader=make("county", "county_leader", "县治理中心"),
    )
    assert set(actors) == set(ROLES)
    return MW(engine=engine, rw=rw, actors=actors, officers=officers, **ids)


@contextmanager
def _matrix_engine(request, tmp_path_factory, label: str):
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp(label) / "matrix.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        engine, drop = make_engine(f"sqlite:///{path}"), None
    else:
        cluster = request.getfixturevalue("pg_cluster")
        template = request.getfixturevalue("pg_template")
        name = cluster.new_name(label)
        engine = make_engine(cluster.create_database(name, template=template))
        drop = lambda: cluster.drop_database(name)  # noqa: E731
    try:
        yield engine
    finally:
        engine.dispose()
        if drop is not None:
            drop()


@pytest.fixture(scope="module", params=BACKENDS)
def mw(request, tmp_path_factory):
    """One world per backend for the whole module (the probes keep it consistent)."""
    with _matrix_engine(request, tmp_path_factory, "role-matrix") as engine:
        yield build_matrix_world(engine)


@pytest.fixture(scope="module", params=BACKENDS)
def mw_towns(request, tmp_path_factory):
    """The matrix world plus a second township (外镇) with an administrator of its own: the
    outsider of the cross-township cells."""
    with _matrix_engine(request, tmp_path_factory, "role-matrix-towns") as engine:
        w = build_matrix_world(engine)
        with write_session(engine) as s:
            town = Township(code="TX", name="外镇", county="示范县")
            s.add(town)
            s.flush()
            town_id = town.id
        uid = users.create_user(
            engine,
            w.admin,
            username="outsider",
            display_name="外镇管理员",
            role="admin",
            password=PW,
            township_id=town_id,
        )
        yield w, Actor(uid, "outsider", "admin", "外镇管理员", township_id=town_id), town_id


# =========================================================================== probes


@dataclass(frozen=True)
class Probe:
    action: str
    name: str
    call: Callable[[MW, Actor, Any], Any]
    prepare: Callable[[MW], Any] | None
    tables: tuple[str, ...]
    platform: str  # the platform whose officer plays the "platform" role
    audited: bool  # an allowed call leaves an audit record
    gap: str | None  # a known hole: refused roles are NOT refused (strict xfail)
    # a role whose allowed call needs a target of its own kind (the grid worker handles the 就地办
    # orders of the worker's village, not a department's)
    prepare_for: dict = field(default_factory=dict)


PROBES: list[Probe] = []


def probe(
    action: str,
    *tables: str,
    prepare=None,
    platform: str = "zongzhi",
    audited: bool = True,
    gap: str | None = None,
    prepare_for: dict | None = None,
):
    def deco(fn):
        PROBES.append(
            Probe(action, fn.__name__.lstrip("_"), fn, prepare, tables, platform, audited, gap, prepare_for or {})
        )
        return fn

    return deco


# --------------------------------------------------------------------------- users, settings


def _fresh_user(w: MW) -> dict:
    with read_session(w.engine) as s:  # the world's township (the cross-township world has two)
        town = s.scalar(select(Township.id).order_by(Township.id))
    uid = users.create_user(
        w.engine,
        w.admin,
        username=f"new{w.seq()}",
        display_name="新同事",
        role="reception",
        password=PW,
        township_id=town,
    )
    return {"id": uid, "version": 1}


@probe("user.manage", "app_user")
def _create_user(w, actor, ctx):
    users.create_user(w.engine, actor, username=f"user{w.seq()}", display_name="新同事", role="reception", password=PW)


@probe("user.manage", "app_user", prepare=_fresh_user)
def _update_user(w, actor, ctx):
    users.update_user(
        w.engine,
        actor,
        ctx["id"],
        ctx["version"],
        display_name="新同事（改）",
        role="reception",
        platform_id=None,
        village_id=None,
        active=True,
    )


@probe("user.manage", "app_user", prepare=_fresh_user)
def _reset_password(w, actor, ctx):
    users.reset_password(w.engine, actor, ctx["id"], ctx["version"], "NewPassw0rd!")


@probe("user.manage", audited=False)
def _list_users(w, actor, ctx):
    assert users.list_users(w.engine, actor)


@probe("audit.view", audited=False)
def _audit_log_reads(w, actor, ctx):
    # the reads the audit page makes
    with read_session(w.engine) as s:
        audit_q.count(s, actor, audit_q.AuditFilter())
        audit_q.page(s, actor, audit_q.AuditFilter(), 0, 10)
        audit_q.facets(s, actor)


@probe("account.change_password", "app_user")
def _change_own_password(w, actor, ctx):
    # each role's world account is used once per backend; it was created with PW
    users.change_own_password(w.engine, actor, PW, NEW_PW, NEW_PW)


def _category_version(w: MW) -> int:
    with read_session(w.engine) as s:
        return s.get(Category, w.category).version


@probe("settings.manage", "category", prepare=_category_version)
def _update_category(w, actor, version):
    settings.update_category(
        w.engine,
        actor,
        w.category,
        version,
        name="邻里纠纷",
        default_tier="local",
        platform_code=None,
        contact_hours=24,
        handling_workdays=5,
        keywords="噪音,装修",
        active=True,
    )


def _first_township(w: MW) -> int:
    with read_session(w.engine) as s:  # the world's township (the cross-township world has two)
        return s.scalar(select(Township.id).order_by(Township.id))


def _township_setting_version(w: MW) -> dict:
    from db.models import TownshipSetting

    town = _first_township(w)
    with read_session(w.engine) as s:
        row = s.get(TownshipSetting, town)
        return {"town": town, "version": row.version if row else 0}


@probe("settings.manage", "township_setting", prepare=_township_setting_version)
def _update_township_settings(w, actor, ctx):
    township_settings.update_township_settings(
        w.engine, actor, ctx["town"], ctx["version"], link_min=5, link_max=15, contact_hours=None
    )  # the defaults: later probes unchanged


def _category_clock_version(w: MW) -> dict:
    from db.models import TownshipCategoryClock

    town = _first_township(w)
    with read_session(w.engine) as s:
        version = s.scalar(
            select(TownshipCategoryClock.version).where(
                TownshipCategoryClock.township_id == town, TownshipCategoryClock.category_id == w.category
            )
        )
        return {"town": town, "version": version or 0}


@probe("settings.manage", "township_category_clock", prepare=_category_clock_version)
def _set_category_clock(w, actor, ctx):
    township_settings.set_category_clock(
        w.engine, actor, ctx["town"], w.category, ctx["version"], contact_hours=24, handling_workdays=5
    )  # the catalogue's own


@probe("calendar.manage", "holiday_year", "calendar_day")
def _enter_holiday_year(w, actor, ctx):
    settings.enter_holiday_year(
        w.engine, actor, 2031, "2031-01-01 元旦\n2031-01-02 至 2031-01-03 元旦", "国办发明电〔2030〕1号", replace=True
    )


# --------------------------------------------------------------------------- orders


def _intake(w: MW) -> Intake:
    return Intake(
        channel="hotline",
        caller_name="张一",
        caller_phone="13812340000",
        village_id=w.rw.village,
        grid_id=w.rw.grid,
        household_id=w.rw.households[0],
        address="东湖村一组1号",
        category_id=w.category,
        tier="local",
        description="邻居家装修噪音扰民，晚上十点以后仍在施工。",
    )


def order_in(w: MW, status: str, local: bool = False) -> dict:
    """An order brought to ``status`` by the administrator (dispatched to 综治, or ``local``: to
    its village, 就地办)."""
    e, a = w.engine, w.admin
    o = orders.register(e, a, _intake(w), now=T0)
    for step, to in (
        ("contact", "contacted"),
        ("dispatch", "dispatched"),
        ("accept", "in_progress"),
        ("resolve", "resolved"),
    ):
        if o["status"] == status:
            return o
        if step == "contact":
            o = orders.contact(e, a, o["id"], o["version"], now=T0)
        elif step == "dispatch" and local:
            o = orders.dispatch_local(e, a, o["id"], o["version"], now=T0)
        elif step == "dispatch":
            o = orders.dispatch(e, a, o["id"], o["version"], w.p["zongzhi"], w.dept["zongzhi"], now=T0)
        elif step == "accept":
            o = orders.accept(e, a, o["id"], o["version"], now=T0)
        else:
            o = orders.resolve(e, a, o["id"], o["version"], "已协调处理完毕。", now=T0)
        assert o["status"] == to
    assert o["status"] == status
    return o


def _order(status: str):
    return lambda w: order_in(w, status)


def _local(status: str) -> dict:
    """The grid worker's target: a 就地办 order of the worker's village."""
    return {"grid": lambda w: order_in(w, status, local=True)}


def _extension(w: MW) -> dict:
    o = order_in(w, "dispatched")
    r = orders.request_extension(w.engine, w.admin, o["id"], o["version"], 3, "需协调多个部门。", now=T0)
    return {"request_id": r["request_id"], "version": 1}


ORDER_TABLES = ("work_order", "work_order_event")


@probe("order.create", *ORDER_TABLES)
def _register(w, actor, ctx):
    orders.register(w.engine, actor, _intake(w), now=T0)


def _inbox(fn, w, actor):
    with read_session(w.engine) as s:
        return fn(s, orders_q.InboxFilter(), actor, T0)


@probe("order.view", audited=False)
def _inbox_count(w, actor, ctx):
    _inbox(orders_q.inbox_count, w, actor)


@probe("order.view", audited=False)
def _inbox_page(w, actor, ctx):
    _inbox(orders_q.inbox_page, w, actor)


@probe("order.export", audited=False)
def _inbox_export(w, actor, ctx):
    # the rows of the inbox's Excel export (the export is then recorded, also under order.export)
    _inbox(orders_q.inbox_export, w, actor)


@probe("order.export")
def _audit_export_work_order(w, actor, ctx):
    audit_export.record(actor, "work_order", 3, {"filter": "全部"}, engine=w.engine)


@probe("order.contact", *ORDER_TABLES, prepare=_order("received"))
def _contact(w, actor, o):
    orders.contact(w.engine, actor, o["id"], o["version"], note="已电话联系。", now=T0)


@probe("order.dispatch", *ORDER_TABLES, prepare=_order("contacted"))
def _dispatch(w, actor, o):
    orders.dispatch(w.engine, actor, o["id"], o["version"], w.p["zongzhi"], w.dept["zongzhi"], now=T0)


@probe("order.dispatch", *ORDER_TABLES, prepare=_order("contacted"))
def _bulk_dispatch(w, actor, o):
    assert (
        orders.bulk_dispatch(w.engine, actor, [(o["id"], o["version"])], w.p["zongzhi"], w.dept["zongzhi"], now=T0) == 1
    )


@probe("order.dispatch", *ORDER_TABLES, "extension_request", prepare=_extension)
def _decide_extension(w, actor, r):
    orders.decide_extension(
        w.engine, actor, r["request_id"], r["version"], approve=False, note="时限内可以完成。", now=T0
    )


@probe("order.dispatch", *ORDER_TABLES, prepare=_order("received"))
def _cancel(w, actor, o):
    orders.cancel(w.engine, actor, o["id"], o["version"], "群众撤回诉求", now=T0)


# order.handle: the 综治 officer, the orders being dispatched to 综治; the grid worker, the orders
# dispatched to the worker's village (就地办)
@probe("order.handle", *ORDER_TABLES, prepare=_order("dispatched"), prepare_for=_local("dispatched"))
def _accept(w, actor, o):
    orders.accept(w.engine, actor, o["id"], o["version"], now=T0)


@probe("order.handle", *ORDER_TABLES, prepare=_order("dispatched"), prepare_for=_local("dispatched"))
def _bounce(w, actor, o):
    orders.bounce(w.engine, actor, o["id"], o["version"], "不属于本平台职责范围。", now=T0)


@probe("order.handle", *ORDER_TABLES, prepare=_order("in_progress"), prepare_for=_local("in_progress"))
def _resolve(w, actor, o):
    orders.resolve(w.engine, actor, o["id"], o["version"], "已协调处理完毕。", now=T0)


@probe(
    "order.handle", *ORDER_TABLES, "extension_request", prepare=_order("dispatched"), prepare_for=_local("dispatched")
)
def _request_extension(w, actor, o):
    orders.request_extension(w.engine, actor, o["id"], o["version"], 3, "需协调多个部门。", now=T0)


def _assist_part(w: MW, accepted: bool = False) -> dict:
    """An assisting part of 综合执法 on a 吹哨办 order led by 综治 (accepted by the administrator)."""
    o = order_in(w, "contacted")
    orders.dispatch(
        w.engine, w.admin, o["id"], o["version"], w.p["zongzhi"], w.dept["zongzhi"], now=T0, assisting=[w.dept["zhifa"]]
    )
    with read_session(w.engine) as s:
        part = s.scalar(select(OrderAssist).where(OrderAssist.order_id == o["id"]))
        out = {"id": part.id, "version": part.version}
    if accepted:
        out = order_assists.accept(w.engine, w.admin, out["id"], out["version"], now=T0)
    return out


# order.assist: the 综合执法 officer, the part of 综合执法
@probe("order.assist", "order_assist", "work_order_event", prepare=_assist_part, platform="zhifa")
def _assist_accept(w, actor, part):
    order_assists.accept(w.engine, actor, part["id"], part["version"], now=T0)


@probe(
    "order.assist",
    "order_assist",
    "work_order_event",
    prepare=lambda w: _assist_part(w, accepted=True),
    platform="zhifa",
)
def _assist_report(w, actor, part):
    order_assists.report(w.engine, actor, part["id"], part["version"], "已拆除违建围挡。", now=T0)


@probe("order.callback", *ORDER_TABLES, prepare=_order("resolved"))
def _callback(w, actor, o):
    orders.callback(w.engine, actor, o["id"], o["version"], "satisfied", note="群众满意。", now=T0)


@probe("order.supervise", *ORDER_TABLES, prepare=_order("received"))
def _supervise(w, actor, o):
    orders.supervise(w.engine, actor, o["id"], o["version"], w.rw.leader.user_id, now=T0)


@probe("order.urge", *ORDER_TABLES, prepare=_order("received"))
def _urge(w, actor, o):
    orders.urge(w.engine, actor, o["id"], o["version"], note="请加快办理。", now=T0)


# --------------------------------------------------------------------------- roster


def _staff_input(w: MW, n: int, **kw) -> StaffInput:
    base = dict(
        grid_id=w.rw.grid2,
        name="孙网格员",
        phone="13900005555",
        id_number=ident(300 + n, 1990),
        staff_role="worker",
        employment="part",
    )
    base.update(kw)
    return StaffInput(**base)


def _new_staff(w: MW) -> dict:
    n = w.seq()
    r = roster.save_staff(w.engine, w.admin, _staff_input(w, n), now=T0)
    return {**r, "n": n}


def _version_of(model, ident_of: Callable[[MW], int]):
    def prepare(w: MW) -> int:
        with read_session(w.engine) as s:
            return s.get(model, ident_of(w)).version

    return prepare


def _new_resident(w: MW) -> dict:
    n = w.seq()
    with write_session(w.engine) as s:
        r = Resident(
            household_id=w.rw.households[4],
            name=f"张新{n}",
            gender="女",
            birth_year=1990,
            id_number=ident(600 + n, 1990),
            relation="子女",
        )
        s.add(r)
        s.flush()
        return {"id_number": r.id_number, "name": r.name}


def _import_content(w: MW) -> bytes:
    sheets = {k: [] for k in rio.DATA_SHEETS}
    sheets[rio.SHEET_STAFF] = [[ident(800 + w.seq(), 1992), "周网格员", "13900006666", "网格员", "兼职", "G02", "是"]]
    return rio.workbook_bytes(sheets, rio.COLUMNS)


@probe("roster.edit", "grid_staff")
def _save_staff_new(w, actor, ctx):
    roster.save_staff(w.engine, actor, _staff_input(w, w.seq()), now=T0)


@probe("roster.edit", "grid_staff", prepare=_new_staff)
def _save_staff_update(w, actor, st):
    roster.save_staff(
        w.engine, actor, _staff_input(w, st["n"], phone="13900007777"), staff_id=st["id"], version=st["version"], now=T0
    )


@probe("roster.edit", "ten_household_unit", prepare=_version_of(TenHouseholdUnit, lambda w: w.rw.unit))
def _set_unit_chief(w, actor, version):
    roster.set_unit_chief(w.engine, actor, w.rw.unit, version, w.rw.residents[2], now=T0)


@probe("roster.edit", "party_member", prepare=_version_of(PartyMember, lambda w: w.rw.member2))
def _update_party_member(w, actor, version):
    roster.update_party_member(
        w.engine,
        actor,
        w.rw.member2,
        version,
        PartyInput(name="张二", phone="13812340001", grid_id=w.rw.grid, zone_id=None, team_id=None, joined_on=None),
        now=T0,
    )


@probe("roster.edit", "party_member", "resident", prepare=_new_resident)
def _create_party_member(w, actor, r):
    roster.create_party_member(
        w.engine,
        actor,
        r["id_number"],
        PartyInput(name=r["name"], phone=None, grid_id=None, zone_id=None, team_id=None, joined_on=None),
        now=T0,
    )


@probe("roster.edit", "party_member", "party_member_household", prepare=_version_of(PartyMember, lambda w: w.rw.member))
def _set_party_links(w, actor, version):
    roster.set_party_links(w.engine, actor, w.rw.member, version, w.rw.households[:6], now=T0)


@probe("party.score", "party_member", "party_score_entry", prepare=_version_of(PartyMember, lambda w: w.rw.member))
def _add_score_entry(w, actor, version):
    roster.add_score_entry(w.engine, actor, w.rw.member, version, -1, "无故缺席组织生活会", now=T0)


@probe("roster.import", "grid_staff", "grid", "party_member", prepare=_import_content)
def _import_workbook(w, actor, content):
    report = rio.import_workbook(w.engine, actor, content, now=T0)
    assert report.ok, rio.error_rows(report)
    assert report.counts[rio.SHEET_STAFF]["created"] == 1


@probe("roster.export")
def _export_workbook(w, actor, ctx):
    rio.export_workbook(w.engine, actor)


@probe("roster.export")
def _emergency_workbook(w, actor, ctx):
    rio.emergency_workbook(w.engine, actor, team_id=w.rw.team)


@probe("roster.export")
def _audit_export_roster(w, actor, ctx):
    audit_export.record(actor, "roster", 10, engine=w.engine)


# --------------------------------------------------------------------------- grid events


def event_in(w: MW, status: str) -> dict:
    """An event of the grid worker's own grid, brought to ``status`` by the administrator.
    ``redo``: handling, after a failed verification (the handling must be recorded again)."""
    e, a = w.engine, w.admin
    ev = ge.report(
        e,
        a,
        ge.EventReport(
            event_type="safety",
            description="村口老桥护栏松动，有坠落风险。",
            grid_id=w.rw.grid,
            address="东湖村村口老桥",
        ),
        now=T0,
    )
    if status == "reported":
        return ev
    ev = ge.handle_on_spot(e, a, ev["id"], ev["version"], "已设置警示带并通知村委维修。", now=T0)
    if status == "handling":
        return ev
    if status == "redo":
        return ge.verify(e, a, ev["id"], ev["version"], "failed", "护栏仍然松动。", now=T0)
    ev = ge.verify(e, a, ev["id"], ev["version"], "passed", "护栏已加固。", now=T0)
    if status == "verified":
        return ev
    ev = ge.evaluate(e, a, ev["id"], ev["version"], "good", "处置及时。", now=T0)
    assert status == "evaluated"
    return ev


def _event(status: str):
    return lambda w: event_in(w, status)


EVENT_TABLES = ("grid_event", "grid_event_step")


@probe("grid_event.report", *EVENT_TABLES, "grid_event_photo")
def _report(w, actor, ctx):
    # the grid worker's own grid is used whatever grid_id says
    ge.report(
        w.engine,
        actor,
        ge.EventReport(
            event_type="environment", description="河道有大量生活垃圾堆积。", grid_id=w.rw.grid, address="东湖村河道"
        ),
        now=T0,
    )


@probe("grid_event.refer", *EVENT_TABLES, prepare=_event("reported"))
def _handle_on_spot(w, actor, ev):
    ge.handle_on_spot(w.engine, actor, ev["id"], ev["version"], "已当场劝导并清理。", now=T0)


@probe("grid_event.refer", *EVENT_TABLES, *ORDER_TABLES, "record_link", prepare=_event("reported"))
def _refer_to_order(w, actor, ev):
    ge.refer_to_order(w.engine, actor, ev["id"], ev["version"], w.category, note="需职能部门处理。", now=T0)


@probe("grid_event.refer", *EVENT_TABLES, "mediation_case", "record_link", prepare=_event("reported"))
def _refer_to_mediation(w, actor, ev):
    ge.refer_to_mediation(w.engine, actor, ev["id"], ev["version"], "neighbour", now=T0)


@probe("grid_event.refer", *EVENT_TABLES, "platform_case", "record_link", prepare=_event("reported"))
def _refer_to_platform(w, actor, ev):
    ge.refer_to_platform(w.engine, actor, ev["id"], ev["version"], w.p["zongzhi"], now=T0)


@probe("grid_event.refer", *EVENT_TABLES, prepare=_event("redo"))
def _mark_handled(w, actor, ev):
    ge.mark_handled(w.engine, actor, ev["id"], ev["version"], "已更换护栏。", now=T0)


@probe("grid_event.verify", *EVENT_TABLES, prepare=_event("handling"))
def _verify(w, actor, ev):
    ge.verify(w.engine, actor, ev["id"], ev["version"], "passed", "现场核查，护栏已加固。", now=T0)


@probe("grid_event.evaluate", *EVENT_TABLES, prepare=_event("verified"))
def _evaluate(w, actor, ev):
    ge.evaluate(w.engine, actor, ev["id"], ev["version"], "good", "处置及时。", now=T0)


@probe("grid_event.evaluate", *EVENT_TABLES, prepare=_event("evaluated"))
def _archive(w, actor, ev):
    ge.archive(w.engine, actor, ev["id"], ev["version"], now=T0)


@probe("work_log.write", "work_log")
def _write_log(w, actor, ctx):
    # a grid worker writes its own log; the administrator names the staff member (the chief)
    ge.write_log(
        w.engine,
        actor,
        TODAY,
        "走访东湖村一组农户，排查安全隐患。",
        8,
        staff_id=None if actor.role == "grid" else w.rw.staff,
        now=T0,
    )


# --------------------------------------------------------------------------- mediation


def _case_input(w: MW) -> CaseInput:
    return CaseInput(
        kind="dispute",
        dispute_type="neighbour",
        title="东湖村宅前排水纠纷",
        summary="张一反映邻居排水沟改道，雨水流入其院内。",
        village_id=w.rw.village,
        grid_id=w.rw.grid,
        source="walk_in",
        risk_colour="yellow",
        parties=[MedParty("张一", side="applicant"), MedParty("李四", side="respondent")],
    )


def case_in(w: MW, status: str) -> dict:
    """A mediation case: ``open``, ``agreed`` (40 days ago, so its follow-up is due) or
    ``visited`` (agreed and followed up), by the administrator."""
    e, a = w.engine, w.admin
    if status == "open":
        return med.open_case(e, a, _case_input(w), now=T0)
    c = med.open_case(e, a, _case_input(w), now=EARLIER)
    c = med.record_step(
        e,
        a,
        c["id"],
        c["version"],
        step_no=1,
        held_on=to_local(EARLIER).date(),
        participants="双方当事人、村调委会",
        notes="双方同意恢复原排水沟走向。",
        risk_colour="blue",
        outcome="agreed",
        agreement_text="李四于三日内恢复排水沟原走向。",
        now=EARLIER,
    )
    if status == "agreed":
        return c
    assert status == "visited"
    return med.record_followup(e, a, c["id"], c["version"], TODAY, "协议已履行，双方无异议。", now=T0)


def _case(status: str):
    return lambda w: case_in(w, status)


CASE_TABLES = ("mediation_case",)


@probe("mediation.create", *CASE_TABLES, "mediation_party")
def _open_case(w, actor, ctx):
    med.open_case(w.engine, actor, _case_input(w), now=T0)


@probe("mediation.edit", *CASE_TABLES, "mediation_step", prepare=_case("open"))
def _record_step(w, actor, c):
    med.record_step(
        w.engine,
        actor,
        c["id"],
        c["version"],
        step_no=1,
        held_on=TODAY,
        participants="双方当事人、村调委会",
        notes="摸清情况，双方各自陈述。",
        risk_colour="yellow",
        now=T0,
    )


@probe("mediation.edit", *CASE_TABLES, prepare=_case("open"))
def _escalate(w, actor, c):
    med.escalate(
        w.engine, actor, c["id"], c["version"], "村级调解未果，提交乡级调处。", mediator_id=w.mediator2, now=T0
    )


@probe("mediation.edit", *CASE_TABLES, prepare=_case("open"))
def _refer_out(w, actor, c):
    med.refer_out(w.engine, actor, c["id"], c["version"], "litigation", "当事人已起诉至法院。", now=T0)


@probe("mediation.edit", *CASE_TABLES, prepare=_case("agreed"))
def _record_followup(w, actor, c):
    med.record_followup(w.engine, actor, c["id"], c["version"], TODAY, "协议已履行，双方无异议。", now=T0)


@probe("mediation.edit", *CASE_TABLES, prepare=_case("visited"))
def _close(w, actor, c):
    med.close(w.engine, actor, c["id"], c["version"], "双方履行协议，纠纷化解。", now=T0)


@probe("mediation.edit", *CASE_TABLES, prepare=_case("agreed"))
def _reopen(w, actor, c):
    med.reopen(w.engine, actor, c["id"], c["version"], "协议未履行，重新调解。", now=T0)


@probe("mediation.edit", *CASE_TABLES, prepare=_case("open"))
def _assign_mediator(w, actor, c):
    med.assign_mediator(w.engine, actor, c["id"], c["version"], w.mediator, now=T0)


def _month(w: MW) -> str:
    n = w.seq()
    return f"{2018 + n // 12}-{n % 12 + 1:02d}"  # a month of its own, before 2026-03


@probe("mediation.screening", "village_screening", prepare=_month)
def _save_screening(w, actor, month):
    med.save_screening(
        w.engine, actor, w.rw.village, month, done=True, findings="未发现新的矛盾纠纷。", disputes_found=0, now=T0
    )


@probe("mediation.screening", "special_group_visit")
def _record_visit(w, actor, ctx):
    med.record_visit(w.engine, actor, w.tagged, "released_prisoner", TODAY, "王网格", "情绪稳定，已就业。", now=T0)


@probe("mediation.export")
def _export_ledger(w, actor, ctx):
    mediation_docs.export_ledger(w.engine, actor, LedgerFilter(), now=T0)


@probe("mediation.export", prepare=_case("open"))
def _export_case_file(w, actor, c):
    mediation_docs.export_case_file(w.engine, actor, c["id"], now=T0)


@probe("mediation.export", prepare=_case("agreed"))
def _export_agreement(w, actor, c):
    mediation_docs.export_agreement(w.engine, actor, c["id"], now=T0)


@probe("mediation.export")
def _audit_export_mediation(w, actor, ctx):
    audit_export.record(actor, "mediation_case", 2, engine=w.engine)


@probe("mediation.settings", "app_setting")
def _update_settings(w, actor, ctx):
    med.update_settings(w.engine, actor, followup_days=30, stale_days=15, now=T0)


# --------------------------------------------------------------------------- platforms


def pcase_in(w: MW, status: str) -> dict:
    """A 综治-led case by the administrator: ``pending``, ``accepted`` or ``pushed`` (to 综合执法)."""
    e, a = w.engine, w.admin
    c = platforms.open_case(
        e,
        a,
        lead_platform_id=w.p["zongzhi"],
        title="东湖村夜市占道",
        description="巡查发现夜市摊点占道经营，影响通行。",
        village_id=w.rw.village,
        source="patrol",
        now=T0,
    )
    c["status"] = "pending"
    if status == "pending":
        return c
    c = platforms.accept(e, a, c["id"], c["version"], now=T0)
    if status == "accepted":
        return c
    assert status == "pushed"
    return platforms.push(
        e, a, c["id"], c["version"], to_platform_id=w.p["zhifa"], reason="属占道经营，应由综合执法处理。", now=T0
    )


def _pcase(status: str):
    return lambda w: pcase_in(w, status)


PCASE_TABLES = ("platform_case", "platform_case_event", "handoff")


@probe("platform.handle", *PCASE_TABLES)
def _open_platform_case(w, actor, ctx):
    platforms.open_case(
        w.engine,
        actor,
        lead_platform_id=w.p["zongzhi"],
        title="东湖村路灯损坏",
        description="巡查发现东湖村主干道路灯损坏三盏。",
        village_id=w.rw.village,
        source="patrol",
        now=T0,
    )


if hasattr(platforms, "open_patrol_case"):  # a patrol finding opened and pushed in one transaction

    @probe("platform.handle", *PCASE_TABLES)
    def _open_patrol_case(w, actor, ctx):
        platforms.open_patrol_case(
            w.engine,
            actor,
            platform_id=w.p["zongzhi"],
            title="东湖村河道排污",
            description="巡查发现东湖村河道有排污口。",
            village_id=w.rw.village,
            push_to_platform_id=w.p["zhifa"],
            push_reason="属环境污染，应由综合执法处理。",
            now=T0,
        )


@probe("platform.handle", *PCASE_TABLES, prepare=_pcase("pending"))
def _accept_platform_case(w, actor, c):
    platforms.accept(w.engine, actor, c["id"], c["version"], now=T0)


@probe("platform.handle", *PCASE_TABLES, prepare=_pcase("pushed"), platform="zhifa")
def _receive(w, actor, c):
    platforms.receive(w.engine, actor, c["id"], c["version"], now=T0)


@probe("platform.handle", *PCASE_TABLES, prepare=_pcase("pushed"), platform="zhifa")
def _bounce_push(w, actor, c):
    platforms.bounce(w.engine, actor, c["id"], c["version"], reason="应由综治牵头协调。", now=T0)


@probe("platform.handle", *PCASE_TABLES, prepare=_pcase("accepted"))
def _close_platform_case(w, actor, c):
    platforms.close(w.engine, actor, c["id"], c["version"], result="已清理占道摊点。", now=T0)


@probe("platform.handle", *PCASE_TABLES, prepare=_pcase("accepted"))
def _add_note(w, actor, c):
    platforms.add_note(w.engine, actor, c["id"], c["version"], note="已约谈摊主。", now=T0)


@probe("platform.push", *PCASE_TABLES, prepare=_pcase("accepted"))
def _push(w, actor, c):
    platforms.push(
        w.engine,
        actor,
        c["id"],
        c["version"],
        to_platform_id=w.p["zhifa"],
        reason="属占道经营，应由综合执法处理。",
        now=T0,
    )


def _inspection_with_notice(w: MW) -> dict:
    return platforms.record_inspection(
        w.engine,
        w.admin,
        business_name="张记饭店",
        address="东湖村2组",
        kind="routine",
        inspected_on=TODAY,
        finding="后厨无防蝇设施",
        problem=True,
        rectify_days=7,
        as_platform_id=w.p["shichang"],
        now=T0,
    )


def _enforcement_report(w: MW) -> dict:
    return platforms.record_enforcement(
        w.engine,
        w.admin,
        kind="road",
        address="东湖村主街",
        reported_at=T0 - timedelta(hours=1),
        as_platform_id=w.p["zhifa"],
        now=T0,
    )


def _service_request(w: MW) -> dict:
    return platforms.record_service_request(
        w.engine,
        w.admin,
        item_id=w.service_item,
        village_id=w.rw.village,
        applicant_name="张奶奶",
        applicant_phone=None,
        channel="window",
        as_platform_id=w.p["bianmin"],
        now=T0,
    )


def _floating(w: MW) -> dict:
    return platforms.register_floating(
        w.engine,
        w.admin,
        village_id=w.rw.village,
        name="刘外来",
        id_number=None,
        phone=None,
        origin="河南省周口市",
        address="东湖村3组",
        registered_on=TODAY - timedelta(days=10),
        as_platform_id=w.p["zongzhi"],
        now=T0,
    )


def _week(w: MW) -> date:
    return TODAY - timedelta(weeks=w.seq())  # a week of its own


def _records(code: str, *tables: str, prepare=None, audited: bool = True):
    return probe("platform.records", *tables, prepare=prepare, platform=code, audited=audited)


@_records("shichang", "inspection", "counter")
def _record_inspection(w, actor, ctx):
    platforms.record_inspection(
        w.engine,
        actor,
        business_name="东湖超市",
        address="东湖村1组",
        kind="random",
        inspected_on=TODAY,
        finding="临期食品未单独陈列",
        problem=True,
        rectify_days=7,
        as_platform_id=w.p["shichang"],
        now=T0,
    )


@_records("shichang", "inspection", prepare=_inspection_with_notice)
def _reinspect(w, actor, ins):
    platforms.reinspect(
        w.engine,
        actor,
        ins["id"],
        ins["version"],
        reinspected_on=TODAY,
        passed=True,
        as_platform_id=w.p["shichang"],
        now=T0,
    )


@_records("shichang", prepare=_inspection_with_notice)
def _notice_docx(w, actor, ins):
    platform_docs.notice_docx(w.engine, actor, ins["id"])


@_records("zhifa", "enforcement_report")
def _record_enforcement(w, actor, ctx):
    platforms.record_enforcement(
        w.engine,
        actor,
        kind="building",
        address="东湖村5组",
        joint=True,
        reported_at=T0 - timedelta(hours=2),
        arrived_at=T0 - timedelta(hours=1),
        as_platform_id=w.p["zhifa"],
        now=T0,
    )


@_records("zhifa", "enforcement_report", prepare=_enforcement_report)
def _record_arrival(w, actor, rep):
    platforms.record_arrival(
        w.engine,
        actor,
        rep["id"],
        rep["version"],
        arrived_at=T0 - timedelta(minutes=40),
        as_platform_id=w.p["zhifa"],
        now=T0,
    )


@_records("bianmin", "service_request")
def _record_service_request(w, actor, ctx):
    platforms.record_service_request(
        w.engine,
        actor,
        item_id=w.service_item,
        village_id=w.rw.village,
        applicant_name="李大爷",
        applicant_phone="13812349999",
        channel="door",
        for_elderly_or_disabled=True,
        as_platform_id=w.p["bianmin"],
        now=T0,
    )


@_records("bianmin", "service_request", prepare=_service_request)
def _complete_service_request(w, actor, req):
    platforms.complete_service_request(
        w.engine, actor, req["id"], req["version"], as_platform_id=w.p["bianmin"], now=T0
    )


@_records("zongzhi", "village_report_check", prepare=_week)
def _record_report_check(w, actor, week):
    platforms.record_report_check(
        w.engine,
        actor,
        village_id=w.rw.village,
        week_of=week,
        reported=True,
        issues_found=1,
        issues="一组排水沟堵塞。",
        as_platform_id=w.p["zongzhi"],
        now=T0,
    )


@_records("zongzhi", "analysis_meeting", "platform_case")
def _record_meeting(w, actor, ctx):
    r = platforms.record_meeting(
        w.engine,
        actor,
        held_on=TODAY,
        attendees="综治、市场监管、综合执法、便民服务",
        minutes="研判本月矛盾纠纷和安全隐患情况。",
        decisions="开展食品安全专项检查。",
        assign=((w.p["shichang"], "农贸市场食品安全专项检查"),),
        as_platform_id=w.p["zongzhi"],
        now=T0,
    )
    assert len(r["cases"]) == 1


@_records("zongzhi", "floating_resident")
def _register_floating(w, actor, ctx):
    platforms.register_floating(
        w.engine,
        actor,
        village_id=w.rw.village,
        name="陈外来",
        id_number=None,
        phone="13812348888",
        origin="安徽省阜阳市",
        address="东湖村4组",
        registered_on=TODAY,
        as_platform_id=w.p["zongzhi"],
        now=T0,
    )


@_records("zongzhi", "floating_resident", prepare=_floating)
def _floating_left(w, actor, row):
    platforms.floating_left(
        w.engine, actor, row["id"], row["version"], left_on=TODAY, as_platform_id=w.p["zongzhi"], now=T0
    )


@probe("service_catalogue.manage", "service_item", platform="bianmin")
def _save_service_item_new(w, actor, ctx):
    platforms.save_service_item(
        w.engine, actor, code=f"BM{w.seq():03d}", name="残疾人证办理", as_platform_id=w.p["bianmin"], now=T0
    )


def _new_item(w: MW) -> dict:
    code = f"BX{w.seq():03d}"
    r = platforms.save_service_item(
        w.engine, w.admin, code=code, name="临时救助申请", as_platform_id=w.p["bianmin"], now=T0
    )
    return {**r, "code": code}


@probe("service_catalogue.manage", "service_item", prepare=_new_item, platform="bianmin")
def _save_service_item_update(w, actor, item):
    platforms.save_service_item(
        w.engine,
        actor,
        item_id=item["id"],
        version=item["version"],
        code=item["code"],
        name="临时救助申请（改）",
        agent_point_ok=False,
        as_platform_id=w.p["bianmin"],
        now=T0,
    )


# --------------------------------------------------------------------------- reports


@probe("report.export")
def _weekly_report_export(w, actor, ctx):
    name, _mime, data = weekly_report.export(actor, date(2026, 2, 23), "xlsx", T0, engine=w.engine)
    assert name.endswith(".xlsx") and data


@probe("report.export")
def _audit_export_weekly(w, actor, ctx):
    audit_export.record(actor, "weekly_report", 12, engine=w.engine)


@probe("report.export")
def _audit_export_other(w, actor, ctx):
    # an exported entity without its own permission falls back to report.export
    audit_export.record(actor, "kpi_table", 5, engine=w.engine)


# --------------------------------------------------------------------------- the task ledger (#21)


TASK_TABLES = ("task", "task_milestone", "task_progress")


def _task_input(**kw) -> task_svc.TaskInput:
    base = dict(
        title="老旧小区改造（东湖社区）",
        lead_unit="规划建设办公室",
        due_on=TODAY + timedelta(days=60),
        responsible_units="东湖社区、综治中心",
        owner="王建国",
        standard="完成3栋楼外墙改造，惠及120户",
        source="county",
    )
    return task_svc.TaskInput(**{**base, **kw})


def _new_task(w: MW) -> dict:
    """An open task of the first township with one milestone not done."""
    t = task_svc.create_task(w.engine, w.admin, _task_input(), township_id=_first_township(w), now=T0)
    m = task_svc.add_milestone(
        w.engine, w.admin, t["id"], t["version"], title="完成方案设计", due_on=TODAY + timedelta(days=20), now=T0
    )
    return {"id": t["id"], "version": m["version"], "milestone": m["id"]}


def _closed_task(w: MW) -> dict:
    t = _new_task(w)
    c = task_svc.close_task(
        w.engine,
        w.admin,
        t["id"],
        t["version"],
        evidence="县专班已验收，资料已存档。",
        reason="方案设计并入施工阶段完成。",
        now=T0,
    )
    return {"id": t["id"], "version": c["version"]}


def _task_workbook(w: MW) -> bytes:
    import io

    from openpyxl import load_workbook

    number = f"县-{w.seq():03d}"
    wb = load_workbook(io.BytesIO(import_base.template_bytes(task_import.SPEC)))
    wb["任务"].append(
        [
            number,
            "党员联户全覆盖",
            "党政综合办公室",
            "各村（社区）",
            "李秀梅",
            "联户率100%",
            "县级交办",
            (TODAY + timedelta(days=90)).isoformat(),
        ]
    )
    wb["节点"].append([number, "完成联户分配", (TODAY + timedelta(days=30)).isoformat()])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@probe("task.manage", *TASK_TABLES)
def _create_task(w, actor, ctx):
    task_svc.create_task(w.engine, actor, _task_input(), now=T0)


@probe("task.manage", *TASK_TABLES, prepare=_new_task)
def _update_task(w, actor, t):
    task_svc.update_task(w.engine, actor, t["id"], t["version"], _task_input(owner="李秀梅"), now=T0)


@probe("task.manage", *TASK_TABLES, prepare=_new_task)
def _add_milestone(w, actor, t):
    task_svc.add_milestone(
        w.engine, actor, t["id"], t["version"], title="完成施工招标", due_on=TODAY + timedelta(days=40), now=T0
    )


@probe("task.manage", *TASK_TABLES, prepare=_new_task)
def _set_milestone_done(w, actor, t):
    task_svc.set_milestone_done(w.engine, actor, t["milestone"], 1, now=T0)


@probe("task.manage", *TASK_TABLES, prepare=_new_task)
def _report_progress(w, actor, t):
    task_svc.report_progress(w.engine, actor, t["id"], t["version"], percent=30, text="已完成方案初稿。", now=T0)


@probe("task.manage", *TASK_TABLES, prepare=_task_workbook)
def _import_tasks(w, actor, content):
    report = import_base.run(w.engine, actor, task_import, content, township_id=_first_township(w))
    assert report.ok, report.errors
    assert report.counts["任务"]["created"] == 1


@probe("task.close", *TASK_TABLES, prepare=_new_task)
def _close_task(w, actor, t):
    task_svc.close_task(
        w.engine,
        actor,
        t["id"],
        t["version"],
        evidence="县专班已验收，资料已存档。",
        reason="方案设计并入施工阶段完成。",
        now=T0,
    )


@probe("task.close", *TASK_TABLES, prepare=_closed_task)
def _reopen_task(w, actor, t):
    task_svc.reopen_task(w.engine, actor, t["id"], t["version"], reason="县专班复核未通过。", now=T0)


# =========================================================================== the matrix


def test_every_action_has_a_probe_and_every_probe_a_known_action():
    """A new action without a probe fails here, and so does a probe of an action that is gone."""
    probed = {p.action for p in PROBES}
    assert sorted(set(ACTIONS) - probed) == [], "actions without a probe"
    assert sorted(probed - set(ACTIONS)) == [], "probes of unknown actions"
    assert len({p.name for p in PROBES}) == len(PROBES), "probe names must be unique"
    for p in PROBES:
        assert p.platform in PLATFORMS and all(re.fullmatch(r"[a-z_]+", t) for t in p.tables), p.name


_WRITE = re.compile(r"^\s*(?:INSERT|UPDATE|DELETE)\b", re.I)


class WriteSpy:
    """Every INSERT / UPDATE / DELETE statement sent to the engine while active."""

    def __init__(self, engine):
        self.engine, self.writes = engine, []

    def _stmt(self, conn, cursor, statement, parameters, context, executemany):
        if _WRITE.match(statement):
            self.writes.append(" ".join(statement.split())[:80])

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._stmt)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._stmt)


def row_counts(engine, tables: tuple[str, ...]) -> dict[str, int]:
    names = ("audit_log", *tables)
    sql = "SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in names)
    with read_session(engine) as s:
        return dict(zip(names, s.execute(text(sql)).one(), strict=True))


def _cells():
    for p in PROBES:
        for role in ROLE_KEYS:
            marks = ()
            if p.gap and not allowed(role, p.action):
                marks = (pytest.mark.xfail(strict=True, reason=p.gap),)
            yield pytest.param(p, role, id=f"{p.action}:{p.name}-{role}", marks=marks)


@pytest.mark.parametrize("pr, role", list(_cells()))
def test_service_cell(mw, pr, role):
    """One cell of the action matrix, through the real service, on a real database."""
    actor = mw.actor(role, pr.platform)
    may = allowed(role, pr.action)
    if may:  # a target of its own: the call consumes it
        prepare = pr.prepare_for.get(role, pr.prepare)
        ctx = prepare(mw) if prepare else None
    else:
        if pr.name not in mw.shared:  # refused calls change nothing, so they share one target
            mw.shared[pr.name] = pr.prepare(mw) if pr.prepare else None
        ctx = mw.shared[pr.name]
    before = row_counts(mw.engine, pr.tables)
    with WriteSpy(mw.engine) as spy:
        if may:
            pr.call(mw, actor, ctx)
        else:
            with pytest.raises(PermissionDenied) as exc:
                pr.call(mw, actor, ctx)
            assert str(exc.value) == refusal(role), "refused, but not by the permission check"
    after = row_counts(mw.engine, pr.tables)
    if may:
        if pr.audited:
            assert after["audit_log"] > before["audit_log"], "an allowed write left no audit record"
        else:
            assert after == before and spy.writes == []
    else:
        assert after == before, "a refused call changed row counts"
        assert spy.writes == [], f"a refused call issued writes: {spy.writes}"


# =========================================================================== cross-township cells

# what a township's administrator may do while holding another township's record in hand: the
# probes that create something new in the administrator's own township, or touch the county's own
# tables or the administrator's own account (db/scope.py SHARED)
READ = "a read: it answers with the outsider's own township's rows, none of the first's (test_township_scope)"
CROSS_TOWNSHIP_ALLOWED: dict[str, str] = {
    "create_user": "creates an account in the administrator's own township",
    "create_task": "creates a task in the administrator's own township",
    "import_tasks": "imports into the administrator's own township (the only one its session reads)",
    "change_own_password": "the administrator's own account",
    **dict.fromkeys(
        (
            "list_users",
            "audit_log_reads",
            "inbox_count",
            "inbox_page",
            "inbox_export",
            "audit_export_work_order",
            "export_workbook",
            "emergency_workbook",
            "audit_export_roster",
            "export_ledger",
            "audit_export_mediation",
            "weekly_report_export",
            "audit_export_weekly",
            "audit_export_other",
        ),
        READ,
    ),
}
# refused row by row: the import's report lists the first township's grid codes as unknown
CROSS_TOWNSHIP_REPORTED = {"import_workbook"}


@pytest.mark.parametrize("pr", PROBES, ids=[f"{p.action}:{p.name}" for p in PROBES])
def test_cross_township_cell(mw_towns, pr):
    """Every action, by another township's administrator (who may take every action in their own
    township), on the records of the first township: refused as for a missing record, and nothing
    written (issue #17)."""
    w, outsider, town = mw_towns
    ctx = pr.prepare(w) if pr.prepare else None  # the target: the first township's
    theirs = dataclasses.replace(w, engine=scope.scoped(w.engine, town))
    before = row_counts(w.engine, pr.tables)
    if pr.name in CROSS_TOWNSHIP_ALLOWED:
        pr.call(theirs, outsider, ctx)
        return
    with pytest.raises(AssertionError if pr.name in CROSS_TOWNSHIP_REPORTED else DomainError):
        pr.call(theirs, outsider, ctx)
    assert row_counts(w.engine, pr.tables) == before, "a refused call changed row counts"


# =========================================================================== scope rules


def _scope_grid_other(w: MW):
    ev = ge.report(
        w.engine,
        w.admin,
        ge.EventReport(
            event_type="safety", description="西山社区楼道堆放杂物。", grid_id=w.rw.grid_other, address="西山社区1号楼"
        ),
        now=T0,
    )
    return lambda: ge.handle_on_spot(w.engine, w.actors["grid"], ev["id"], ev["version"], "已清理。", now=T0)


def _scope_grid_unlinked(w: MW):
    uid = users.create_user(
        w.engine, w.admin, username=f"gridnew{w.seq()}", display_name="新网格员", role="grid", password=PW
    )
    lone = Actor(uid, "lone", "grid", "新网格员")
    return lambda: ge.report(
        w.engine,
        lone,
        ge.EventReport(event_type="safety", description="村口老桥护栏松动。", address="东湖村村口老桥"),
        now=T0,
    )


def _scope_order_platform(w: MW):
    o = order_in(w, "dispatched")  # dispatched to 综治
    return lambda: orders.accept(w.engine, w.officers["shichang"], o["id"], o["version"], now=T0)


def _scope_case_platform(w: MW):
    c = pcase_in(w, "pending")  # led by 综治
    return lambda: platforms.accept(w.engine, w.officers["zhifa"], c["id"], c["version"], now=T0)


def _scope_push_receiver(w: MW):
    c = pcase_in(w, "pushed")  # pushed to 综合执法, not to 便民
    return lambda: platforms.receive(w.engine, w.officers["bianmin"], c["id"], c["version"], now=T0)


def _scope_records_platform(w: MW):
    return lambda: platforms.record_inspection(
        w.engine,
        w.officers["zongzhi"],
        business_name="东湖超市",
        address="东湖村1组",
        kind="routine",
        inspected_on=TODAY,
        now=T0,
    )


def _scope_open_other_lead(w: MW):
    return lambda: platforms.open_case(
        w.engine,
        w.officers["zongzhi"],
        lead_platform_id=w.p["shichang"],
        title="东湖村过期食品",
        description="巡查发现一摊位销售过期食品。",
        source="patrol",
        now=T0,
    )


# Mediation's village / township scope (a village mediator or grid worker only in their own
# village) is the mediation module's own test's business; the cells above make sure that no scope
# refusal can pass for a role refusal, since they compare the refusal's message.
SCOPE_CASES = {
    "grid worker, another grid's event": (_scope_grid_other, "不属于您负责的网格"),
    "grid account without a staff record": (_scope_grid_unlinked, "尚未关联网格员档案"),
    "platform officer, another platform's order": (_scope_order_platform, "不属于您所在的平台"),
    "platform officer, another platform's case": (_scope_case_platform, "不由您所在平台牵头"),
    "platform officer, a push to another platform": (_scope_push_receiver, "不是推送给您所在平台"),
    "platform officer, another platform's records": (_scope_records_platform, "无权办理"),
    "platform officer, a case led by another platform": (_scope_open_other_lead, "只能为本平台立案"),
}


@pytest.mark.parametrize("case", list(SCOPE_CASES))
def test_scope_refusal(mw, case):
    """A role allowed the action, outside its scope: PermissionDenied (the scope's own
    message, not the role refusal) and nothing written."""
    make, fragment = SCOPE_CASES[case]
    call = make(mw)
    tables = (
        "grid_event",
        "grid_event_step",
        "work_order",
        "work_order_event",
        "platform_case",
        "platform_case_event",
        "handoff",
        "inspection",
    )
    before = row_counts(mw.engine, tables)
    with WriteSpy(mw.engine) as spy, pytest.raises(PermissionDenied) as exc:
        call()
    assert fragment in str(exc.value)
    assert str(exc.value) not in {refusal(r) for r in ROLES}
    assert row_counts(mw.engine, tables) == before and spy.writes == []


def test_own_scope_is_what_the_probes_used(mw):
    """The probes' grid account is the worker of the grid its events are in, and each platform
    officer belongs to its platform (so the cells above test the permission, not the scope)."""
    with read_session(mw.engine) as s:
        staff = ge.staff_of(s, mw.actors["grid"])
        assert staff is not None and staff.id == mw.own_staff and staff.grid_id == mw.rw.grid
    for code, officer in mw.officers.items():
        assert officer.platform_id == mw.p[code]
