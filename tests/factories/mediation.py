"""The mediation world (both backends): one township with two villages and grids, a household
with three residents (one released prisoner, one elderly living alone), a mediator of the township
and one of another township, a category and one account per role; the case form and the steps.

Used by the mediation services' tests and by every test that needs a few real mediation cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from db.engine import read_session, write_session
from db.models import (
    AuditLog,
    Category,
    Grid,
    GridStaff,
    Household,
    MediationCase,
    Mediator,
    Resident,
    Township,
    Village,
)
from db.permissions import Actor
from db.rules.sla import local_to_utc
from db.services import mediation as med
from db.services.calendar import seed_from_package
from db.services.mediation import CaseInput, PartyInput
from tests.factories.accounts import PW, account, first_admin  # noqa: F401 - PW: the worlds' password

T0 = local_to_utc(datetime(2026, 3, 2, 9, 0))  # Monday 2 March 2026, 09:00 Beijing


@dataclass
class World:
    engine: object
    admin: Actor
    mediator: Actor
    grid: Actor
    leader: Actor
    demo: Actor
    dispatcher: Actor
    township: int
    village: int
    village2: int
    grid_id: int
    grid2_id: int  # in village2
    mediator_id: int
    mediator_other_town: int
    category: int
    household: int
    resident: int
    released: int  # resident tagged released_prisoner
    elderly: int  # resident tagged elderly_alone


def build_world(engine) -> World:
    with write_session(engine) as s:
        seed_from_package(s, [2025, 2026])
        town = Township(code="T1", name="青龙镇", county="示范县")
        town2 = Township(code="T2", name="白河镇", county="示范县")
        s.add_all([town, town2])
        s.flush()
        v1 = Village(township_id=town.id, code="V1", name="东湖村")
        v2 = Village(township_id=town.id, code="V2", name="西山社区", kind="community")
        s.add_all([v1, v2])
        s.flush()
        g1 = Grid(village_id=v1.id, code="G1", name="东湖一网格")
        g2 = Grid(village_id=v2.id, code="G2", name="西山一网格")
        s.add_all([g1, g2])
        s.flush()
        hh = Household(grid_id=g1.id, address="东湖村1组12号", head_name="张三", phone="13812345678")
        s.add(hh)
        s.flush()
        r1 = Resident(
            household_id=hh.id,
            name="张三",
            gender="男",
            birth_year=1970,
            id_number="411726197001011264",
            phone="13812345678",
        )
        r2 = Resident(household_id=hh.id, name="张老四", gender="男", birth_year=1985, tags="released_prisoner")
        r3 = Resident(household_id=hh.id, name="张奶奶", gender="女", birth_year=1940, tags="elderly_alone,hardship")
        m1 = Mediator(township_id=town.id, village_id=v1.id, name="李调解", level="village", speciality="乡贤")
        m2 = Mediator(township_id=town2.id, name="外镇调解员", level="township")
        cat = Category(code="C01", name="邻里纠纷", default_tier="local", contact_hours=24, handling_workdays=5)
        s.add_all([r1, r2, r3, m1, m2, cat])
        s.flush()
        ids = dict(
            township=town.id,
            village=v1.id,
            village2=v2.id,
            grid_id=g1.id,
            grid2_id=g2.id,
            mediator_id=m1.id,
            mediator_other_town=m2.id,
            category=cat.id,
            household=hh.id,
            resident=r1.id,
            released=r2.id,
            elderly=r3.id,
        )
    admin = first_admin(engine)

    def make(username, role, name, **kw):  # the world has two townships: its users are 青龙镇's
        return account(engine, admin, username, role, name, township_id=ids["township"], **kw)

    grid = make("wangge", "grid", "王网格")
    with write_session(engine) as s:  # the grid worker of 东湖一网格 (village 东湖村)
        s.add(GridStaff(grid_id=ids["grid_id"], name="王网格", staff_role="worker", user_id=grid.user_id))
    return World(
        engine=engine,
        admin=admin,
        mediator=make("tiao", "mediator", "李调解"),
        grid=grid,
        leader=make("chief", "leader", "周书记"),
        demo=make("guest", "demo", "观摩"),
        dispatcher=make("disp", "dispatcher", "赵转办"),
        **ids,
    )


def case_input(w: World, **kw) -> CaseInput:
    base = dict(
        kind="dispute",
        dispute_type="neighbour",
        title="东湖村张某与李某宅前排水纠纷",
        summary="张三反映邻居李四家排水沟改道，雨水流入其院内，双方多次争吵。",
        village_id=w.village,
        grid_id=w.grid_id,
        source="walk_in",
        risk_colour="yellow",
        mediator_id=w.mediator_id,
        parties=[
            PartyInput("张三", "138 1234 5678", "411726197001011264", "applicant", w.resident),
            PartyInput("李四", None, None, "respondent"),
        ],
    )
    base.update(kw)
    return CaseInput(**base)


def count(engine, model, *where) -> int:
    with read_session(engine) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def audits(engine, action: str) -> int:
    return count(engine, AuditLog, AuditLog.action == action)


def opened(w: World, **kw) -> dict:
    return med.open_case(w.engine, w.mediator, case_input(w, **kw), now=T0)


def step(
    w: World, case: dict, no: int, *, day: int = 0, outcome="continue", colour="yellow", agreement=None, actor=None
) -> dict:
    at = T0 + timedelta(days=day)
    return med.record_step(
        w.engine,
        actor or w.mediator,
        case["id"],
        case["version"],
        step_no=no,
        held_on=(at + timedelta(hours=8)).date(),
        participants="网格员王网格、双方当事人",
        notes="双方陈述了各自意见，网格员释明了相关政策。",
        risk_colour=colour,
        outcome=outcome,
        agreement_text=agreement,
        now=at,
    )


def load(w: World, case_id: int) -> MediationCase:
    with read_session(w.engine) as s:
        return s.get(MediationCase, case_id)
