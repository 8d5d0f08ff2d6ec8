"""A small organisation for the roster tests (both backends): one township, two villages,
three grids, households with residents, staff, party members with links, a zone and teams."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from db.engine import write_session
from db.models import (
    CommandoTeam,
    Grid,
    GridStaff,
    Household,
    PartyMember,
    PartyMemberHousehold,
    Resident,
    ResponsibilityZone,
    TenHouseholdUnit,
    Township,
    Village,
)
from db.permissions import Actor
from db.rules.roster import id_check_digit
from db.services import users

PW = "Passw0rd!"


def ident(n: int, year: int = 1980) -> str:
    first = f"411726{year}0101{n:03d}"
    return first + id_check_digit(first)


@dataclass
class RW:
    engine: object
    admin: Actor
    leader: Actor
    dispatcher: Actor
    grid_user: Actor
    demo: Actor
    village: int
    village2: int
    grid: int
    grid2: int
    grid_other: int  # in village2
    unit: int
    households: list[int]
    other_household: int  # in village2
    member: int  # linked to households[0:6]
    member2: int
    zone: int
    team: int
    staff: int  # the chief of grid
    residents: list[int]


def build(engine) -> RW:
    with write_session(engine) as s:
        town = Township(code="T1", name="青龙镇", county="示范县")
        s.add(town)
        s.flush()
        v1 = Village(township_id=town.id, code="V1", name="东湖村")
        v2 = Village(township_id=town.id, code="V2", name="西山社区", kind="community")
        s.add_all([v1, v2])
        s.flush()
        g1 = Grid(village_id=v1.id, code="G01", name="东湖村第1网格", kind="rural")
        g2 = Grid(village_id=v1.id, code="G02", name="东湖村第2网格", kind="rural")
        g3 = Grid(village_id=v2.id, code="G03", name="西山社区第1网格", kind="community")
        s.add_all([g1, g2, g3])
        s.flush()
        unit = TenHouseholdUnit(grid_id=g1.id, name="东湖村第1网格第1十户单元")
        s.add(unit)
        s.flush()
        hh = [
            Household(
                grid_id=g1.id,
                unit_id=unit.id if k < 8 else None,
                address=f"东湖村一组{k + 1}号",
                head_name=f"张{'一二三四五六七八九十'[k]}",
                phone=f"1381234{k:04d}",
                size=3,
            )
            for k in range(10)
        ]
        other = Household(grid_id=g3.id, address="西山社区1号楼101室", head_name="李四", size=2)
        s.add_all(hh + [other])
        s.flush()
        residents = []
        for k, h in enumerate(hh):
            r = Resident(
                household_id=h.id,
                name=h.head_name,
                gender="男",
                birth_year=1980,
                id_number=ident(k + 1),
                phone=h.phone,
                relation="户主",
            )
            s.add(r)
            residents.append(r)
        s.flush()
        zone = ResponsibilityZone(village_id=v1.id, name="东湖村第1网格党员责任区", description="环境整治")
        team = CommandoTeam(township_id=town.id, village_id=None, name="青龙镇党员防汛突击队", purpose="防汛")
        s.add_all([zone, team])
        s.flush()
        residents[0].is_party_member = residents[1].is_party_member = True
        m1 = PartyMember(
            resident_id=residents[0].id,
            village_id=v1.id,
            grid_id=g1.id,
            name=residents[0].name,
            phone=residents[0].phone,
            joined_on=date(2001, 7, 1),
            zone_id=zone.id,
            team_id=team.id,
            score=95,
        )
        m2 = PartyMember(
            resident_id=residents[1].id,
            village_id=v1.id,
            grid_id=g1.id,
            name=residents[1].name,
            phone=residents[1].phone,
            score=100,
        )
        s.add_all([m1, m2])
        s.flush()
        s.add_all(
            [PartyMemberHousehold(party_member_id=m1.id, household_id=h.id, linked_on=date(2025, 1, 2)) for h in hh[:6]]
        )
        chief = GridStaff(
            grid_id=g1.id,
            name="王网格长",
            phone="13900001111",
            id_number=ident(101, 1975),
            staff_role="chief",
            employment="full",
        )
        worker = GridStaff(
            grid_id=g1.id,
            name="赵网格员",
            phone="13900002222",
            id_number=ident(102, 1985),
            staff_role="worker",
            employment="part",
        )
        s.add_all(
            [
                chief,
                worker,
                GridStaff(
                    grid_id=g3.id,
                    name="钱网格员",
                    phone="13900003333",
                    id_number=ident(103, 1990),
                    staff_role="worker",
                    employment="full",
                ),
            ]
        )
        s.flush()
        ids = dict(
            village=v1.id,
            village2=v2.id,
            grid=g1.id,
            grid2=g2.id,
            grid_other=g3.id,
            unit=unit.id,
            households=[h.id for h in hh],
            other_household=other.id,
            member=m1.id,
            member2=m2.id,
            zone=zone.id,
            team=team.id,
            staff=chief.id,
            residents=[r.id for r in residents],
        )
    admin_id = users.create_first_admin(engine, "boss", "管理员", PW)
    admin = Actor(admin_id, "boss", "admin", "管理员")

    def make(username, role):
        uid = users.create_user(engine, admin, username=username, display_name=username, role=role, password=PW)
        return Actor(uid, username, role, username)

    return RW(
        engine=engine,
        admin=admin,
        leader=make("lead", "leader"),
        dispatcher=make("disp", "dispatcher"),
        grid_user=make("gridw", "grid"),
        demo=make("guest", "demo"),
        **ids,
    )
