"""The work-order world (both backends): one township with two villages, grids, households,
two platforms with departments, categories and one account per role; and the intake form.

Used by the order services' tests and by every test that needs a few real work orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from db.engine import write_session
from db.models import Category, Department, Grid, Household, Platform, Township, Village
from db.permissions import Actor
from db.rules.sla import local_to_utc
from db.services.calendar import seed_from_package
from db.services.orders import Intake
from tests.factories.accounts import PW, account, first_admin  # noqa: F401 - PW: the worlds' password

T0 = local_to_utc(datetime(2025, 3, 3, 9, 0))  # Monday 3 March 2025, 09:00 Beijing
MOBILE = "13812345678"


@dataclass
class World:
    engine: object
    admin: Actor
    reception: Actor
    dispatcher: Actor
    platform: Actor  # officer of platform 1
    platform2: Actor  # officer of platform 2
    leader: Actor
    demo: Actor
    village: int
    village2: int
    grid: int
    grid2: int  # in village2
    household: int
    household2: int  # in grid2
    platform_id: int
    platform2_id: int
    dept: int
    dept_b: int  # second department of platform 1
    dept2: int  # department of platform 2
    category: int
    category_inactive: int


def build_world(engine) -> World:
    with write_session(engine) as s:
        seed_from_package(s, [2025, 2026])
        town = Township(code="T1", name="青龙镇", county="示范县")
        s.add(town)
        s.flush()
        v1 = Village(township_id=town.id, code="V1", name="东湖村")
        v2 = Village(township_id=town.id, code="V2", name="西山社区", kind="community")
        s.add_all([v1, v2])
        s.flush()
        g1 = Grid(village_id=v1.id, code="G1", name="东湖一网格")
        g2 = Grid(village_id=v2.id, code="G2", name="西山一网格")
        s.add_all([g1, g2])
        s.flush()
        h1 = Household(grid_id=g1.id, address="东湖村1组12号", head_name="张三", phone=MOBILE)
        h2 = Household(grid_id=g2.id, address="西山社区3栋", head_name="李四")
        p1 = Platform(township_id=town.id, code="zongzhi", name="综治平台")
        p2 = Platform(township_id=town.id, code="zhifa", name="综合执法平台")
        s.add_all([h1, h2, p1, p2])
        s.flush()
        d1 = Department(platform_id=p1.id, name="综治办")
        d1b = Department(platform_id=p1.id, name="派出所")
        d2 = Department(platform_id=p2.id, name="执法中队")
        c1 = Category(code="C01", name="邻里纠纷", default_tier="local", contact_hours=24, handling_workdays=5)
        c2 = Category(code="C99", name="已停用分类", active=False)
        s.add_all([d1, d1b, d2, c1, c2])
        s.flush()
        ids = dict(
            village=v1.id,
            village2=v2.id,
            grid=g1.id,
            grid2=g2.id,
            household=h1.id,
            household2=h2.id,
            platform_id=p1.id,
            platform2_id=p2.id,
            dept=d1.id,
            dept_b=d1b.id,
            dept2=d2.id,
            category=c1.id,
            category_inactive=c2.id,
        )
    admin = first_admin(engine)

    def make(username, role, name, **kw):
        return account(engine, admin, username, role, name, **kw)

    return World(
        engine=engine,
        admin=admin,
        reception=make("clerk", "reception", "王接待"),
        dispatcher=make("disp", "dispatcher", "赵转办"),
        platform=make("plat1", "platform", "钱综治", platform_id=ids["platform_id"]),
        platform2=make("plat2", "platform", "孙执法", platform_id=ids["platform2_id"]),
        leader=make("chief", "leader", "周书记"),
        demo=make("guest", "demo", "观摩"),
        **ids,
    )


def intake(w: World, **kw) -> Intake:
    base = dict(
        channel="hotline",
        caller_name="张三",
        caller_phone=MOBILE,
        village_id=w.village,
        grid_id=w.grid,
        household_id=w.household,
        address="东湖村1组12号",
        category_id=w.category,
        tier="local",
        urgency="normal",
        description="邻居家装修噪音扰民，晚上十点以后仍在施工。",
    )
    base.update(kw)
    return Intake(**base)
