"""The platforms world (both backends): 青龙镇 with its four platforms and an officer of three of
them, a grid worker, a leader and a demo account, plus 白马镇 with its 综治 platform; and, for the
township-scope tests, the same world with 便民's officer and officers of all four 白马镇 platforms.

Used by the platform services' tests and by every test that needs a few real platform cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from db.engine import write_session
from db.models import Platform, Township, Village
from db.permissions import Actor
from db.rules.sla import local_to_utc
from db.services import users
from db.services.calendar import seed_from_package
from tests.factories.accounts import PW, account, first_admin

T0 = local_to_utc(datetime(2025, 3, 3, 9, 0))  # Monday 3 March 2025, 09:00 Beijing
TODAY = date(2025, 3, 3)


@dataclass
class PWorld:
    engine: object
    admin: Actor
    zongzhi: Actor
    shichang: Actor
    zhifa: Actor
    grid: Actor
    demo: Actor
    leader: Actor
    p: dict  # code -> platform id
    village: int
    other_village: int  # in another township
    other_platform: int  # 综治 of another township


def build_pworld(engine) -> PWorld:
    with write_session(engine) as s:
        seed_from_package(s, [2025, 2026])
        t1 = Township(code="T1", name="青龙镇", county="示范县")
        t2 = Township(code="T2", name="白马镇", county="示范县")
        s.add_all([t1, t2])
        s.flush()
        v1 = Village(township_id=t1.id, code="V1", name="东湖村")
        v2 = Village(township_id=t2.id, code="V2", name="白马村")
        s.add_all([v1, v2])
        plats = {
            code: Platform(township_id=t1.id, code=code, name=name)
            for code, name in (
                ("zongzhi", "综治平台"),
                ("shichang", "市场监管平台"),
                ("zhifa", "综合执法平台"),
                ("bianmin", "便民服务平台"),
            )
        }
        other = Platform(township_id=t2.id, code="zongzhi", name="白马综治平台")
        s.add_all([*plats.values(), other])
        s.flush()
        p = {c: x.id for c, x in plats.items()}
        ids = dict(village=v1.id, other_village=v2.id, other_platform=other.id)
        town1 = t1.id
    admin = first_admin(engine)

    def make(username, role, name, **kw):  # two townships: an account without a platform is 青龙镇's
        return account(
            engine, admin, username, role, name, **({} if "platform_id" in kw else {"township_id": town1}), **kw
        )

    return PWorld(
        engine=engine,
        admin=admin,
        zongzhi=make("zzofficer", "platform", "钱综治", platform_id=p["zongzhi"]),
        shichang=make("scofficer", "platform", "孙市监", platform_id=p["shichang"]),
        zhifa=make("zfofficer", "platform", "李执法", platform_id=p["zhifa"]),
        grid=make("gridman", "grid", "周网格"),
        demo=make("guest", "demo", "观摩"),
        leader=make("chief", "leader", "吴书记"),
        p=p,
        **ids,
    )


def build_scope_world(engine) -> PWorld:
    """The service tests' world plus 便民 of 青龙镇 and, in 白马镇, officers of all four platforms."""
    world = build_pworld(engine)
    e = engine
    with write_session(e) as s:
        t2 = s.get(Platform, world.other_platform).township_id
        more = {
            code: Platform(township_id=t2, code=code, name=f"白马{name}")
            for code, name in (("shichang", "市场监管平台"), ("zhifa", "综合执法平台"), ("bianmin", "便民服务平台"))
        }
        s.add_all(more.values())
        s.flush()
        p2 = {"zongzhi": world.other_platform, **{c: x.id for c, x in more.items()}}

    def officer(username, name, pid):
        uid = users.create_user(
            e, world.admin, username=username, display_name=name, role="platform", password=PW, platform_id=pid
        )
        return Actor(uid, username, "platform", name, platform_id=pid)

    world.bianmin = officer("bmofficer", "郑便民", world.p["bianmin"])
    world.other = {code: officer(f"bm2{code}", f"白马{code}", pid) for code, pid in p2.items()}
    return world
