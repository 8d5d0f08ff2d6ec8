"""Mediation services on SQLite and PostgreSQL (the ``engine`` fixture): registering a case
(the contract other modules call), the four steps, escalation, agreement, follow-up,
close-out, reopening, screening and special-group visits, settings.

Every write must check the permission, refuse bad input and stale versions without writing
anything, and leave its audit record in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from db.engine import read_session, write_session
from db.errors import ConflictError, InvalidTransition, PermissionDenied, ValidationError
from db.models import (
    AuditLog, Category, Grid, GridEvent, Household, MediationCase, MediationParty, MediationStep,
    Mediator, RecordLink, Resident, Township, Village,
)
from db.permissions import Actor
from db.queries import links as links_q
from db.rules.sla import local_to_utc
from db.services import mediation as med
from db.services import orders, users
from db.services.calendar import seed_from_package
from db.services.mediation import CaseInput, PartyInput

PW = "Passw0rd!"
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
        r1 = Resident(household_id=hh.id, name="张三", gender="男", birth_year=1970,
                      id_number="411726197001011234", phone="13812345678")
        r2 = Resident(household_id=hh.id, name="张老四", gender="男", birth_year=1985,
                      tags="released_prisoner")
        r3 = Resident(household_id=hh.id, name="张奶奶", gender="女", birth_year=1940,
                      tags="elderly_alone,hardship")
        m1 = Mediator(township_id=town.id, village_id=v1.id, name="李调解", level="village",
                      speciality="乡贤")
        m2 = Mediator(township_id=town2.id, name="外镇调解员", level="township")
        cat = Category(code="C01", name="邻里纠纷", default_tier="local", contact_hours=24,
                       handling_workdays=5)
        s.add_all([r1, r2, r3, m1, m2, cat])
        s.flush()
        ids = dict(township=town.id, village=v1.id, village2=v2.id, grid_id=g1.id, grid2_id=g2.id,
                   mediator_id=m1.id, mediator_other_town=m2.id, category=cat.id, household=hh.id,
                   resident=r1.id, released=r2.id, elderly=r3.id)
    admin_id = users.create_first_admin(engine, "boss", "管理员", PW)
    admin = Actor(admin_id, "boss", "admin", "管理员")

    def make(username, role, name):
        uid = users.create_user(engine, admin, username=username, display_name=name, role=role,
                                password=PW)
        return Actor(uid, username, role, name)

    return World(engine=engine, admin=admin, mediator=make("tiao", "mediator", "李调解"),
                 grid=make("wangge", "grid", "王网格"), leader=make("chief", "leader", "周书记"),
                 demo=make("guest", "demo", "观摩"), dispatcher=make("disp", "dispatcher", "赵转办"),
                 **ids)


@pytest.fixture
def w(engine) -> World:
    return build_world(engine)


def case_input(w: World, **kw) -> CaseInput:
    base = dict(kind="dispute", dispute_type="neighbour", title="东湖村张某与李某宅前排水纠纷",
                summary="张三反映邻居李四家排水沟改道，雨水流入其院内，双方多次争吵。",
                village_id=w.village, grid_id=w.grid_id, source="walk_in", risk_colour="yellow",
                mediator_id=w.mediator_id,
                parties=[PartyInput("张三", "138 1234 5678", "411726197001011234", "applicant",
                                    w.resident),
                         PartyInput("李四", None, None, "respondent")])
    base.update(kw)
    return CaseInput(**base)


def count(engine, model, *where) -> int:
    with read_session(engine) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def audits(engine, action: str) -> int:
    return count(engine, AuditLog, AuditLog.action == action)


# --------------------------------------------------------------------------- open a case


def test_open_case_writes_case_parties_number_and_audit(w):
    out = med.open_case(w.engine, w.mediator, case_input(w), now=T0)
    assert out["number"] == "TJ-2026-000001" and out["version"] == 1
    with read_session(w.engine) as s:
        case = s.get(MediationCase, out["id"])
        assert (case.status, case.current_step, case.level, case.risk_colour) == ("open", 0, "village", "yellow")
        assert case.township_id == w.township and case.reported_at == T0 == case.last_progress_at
        parties = s.scalars(select(MediationParty).where(MediationParty.case_id == case.id)
                            .order_by(MediationParty.id)).all()
        assert [(p.name, p.phone, p.side) for p in parties] == [
            ("张三", "13812345678", "applicant"), ("李四", None, "respondent")]
        assert parties[0].resident_id == w.resident
    assert audits(w.engine, "mediation.create") == 1
    second = med.open_case(w.engine, w.grid, case_input(w, title="第二件纠纷登记"), now=T0)
    assert second["number"] == "TJ-2026-000002"


@pytest.mark.parametrize("role", ["leader", "demo", "dispatcher"])
def test_open_case_refused_for_roles_without_the_action(w, role):
    with pytest.raises(PermissionDenied, match="无权"):
        med.open_case(w.engine, getattr(w, role), case_input(w), now=T0)
    assert count(w.engine, MediationCase) == 0


@pytest.mark.parametrize("change, field, message", [
    (dict(title=""), "title", "请填写标题"),
    (dict(title="纠纷"), "title", "至少需要4个字"),
    (dict(summary="\x07坏字符内容"), "summary", "控制字符"),
    (dict(kind="fire"), "kind", "登记类别"),
    (dict(dispute_type="x"), "dispute_type", "纠纷类型"),
    (dict(risk_colour="green"), "risk_colour", "风险等级"),
    (dict(level="county"), "level", "调处层级"),
    (dict(source="mail"), "source", "案件来源"),
    (dict(village_id=None), "village_id", "请选择纠纷所在村"),
    (dict(village_id=999999), "village_id", "不存在"),
    (dict(source="order"), "source_order_id", "须关联来源工单"),
    (dict(source="grid_event"), "source_event_id", "须关联来源网格事件"),
    (dict(source_order_id=5), "source_order_id", "只有“工单转入”"),
    (dict(parties=[]), "parties", "至少填写一位申请人"),
    (dict(parties=[PartyInput("", side="applicant")]), "parties", "第1位当事人姓名"),
    (dict(parties=[PartyInput("张三", phone="12345")]), "parties", "电话号码格式不正确"),
    (dict(parties=[PartyInput("张三", id_number="12345")]), "parties", "18位"),
    (dict(parties=[PartyInput("张三", side="witness")]), "parties", "申请人还是被申请人"),
    (dict(parties=[PartyInput("张三", resident_id=999999)]), "parties", "居民档案不存在"),
])
def test_open_case_validation_writes_nothing(w, change, field, message):
    with pytest.raises(ValidationError, match=message) as exc:
        med.open_case(w.engine, w.mediator, case_input(w, **change), now=T0)
    assert exc.value.field == field
    assert count(w.engine, MediationCase) == 0 and count(w.engine, MediationParty) == 0
    assert audits(w.engine, "mediation.create") == 0


def test_open_case_checks_grid_and_mediator_belong(w):
    with pytest.raises(ValidationError, match="不属于东湖村") as exc:
        med.open_case(w.engine, w.mediator, case_input(w, grid_id=w.grid2_id), now=T0)
    assert exc.value.field == "grid_id"
    with pytest.raises(ValidationError, match="不属于该案件所在乡镇"):
        med.open_case(w.engine, w.mediator, case_input(w, mediator_id=w.mediator_other_town), now=T0)
    assert count(w.engine, MediationCase) == 0


def test_hazard_and_referred_cases_need_no_party(w):
    out = med.open_case(w.engine, w.grid, case_input(w, kind="hazard", parties=[]), now=T0)
    assert count(w.engine, MediationParty, MediationParty.case_id == out["id"]) == 0


def _order(w: World) -> int:
    intake = orders.Intake(channel="walk_in", description="邻居排水沟改道，雨水流进院子。",
                           category_id=w.category, village_id=w.village, grid_id=w.grid_id,
                           caller_name="张三", caller_phone="13812345678", tier="local")
    return orders.register(w.engine, w.admin, intake, now=T0 - timedelta(days=1))["id"]


def _event(w: World) -> int:
    with write_session(w.engine) as s:
        ev = GridEvent(number="SJ-2026-000001", grid_id=w.grid_id, event_type="dispute",
                       description="两户因宅基地边界发生争执。", status="reported",
                       reported_at=T0 - timedelta(hours=3))
        s.add(ev)
        s.flush()
        return ev.id


def test_source_order_is_linked_both_ways(w):
    order_id = _order(w)
    out = med.open_case(w.engine, w.mediator, case_input(w, source="order", source_order_id=order_id,
                                                         parties=[]), now=T0)
    with read_session(w.engine) as s:
        from_case = links_q.linked(s, "mediation_case", out["id"])
        from_order = links_q.linked(s, "work_order", order_id)
        assert s.get(MediationCase, out["id"]).source_order_id == order_id
    assert [(l["type"], l["id"], l["kind"], l["direction"]) for l in from_case] == [
        ("work_order", order_id, "source", "out")]
    assert [(l["type"], l["id"], l["kind"], l["direction"], l["number"]) for l in from_order] == [
        ("mediation_case", out["id"], "source", "in", out["number"])]


def test_open_case_in_runs_in_the_callers_transaction_with_its_action(w):
    """The grid-events module refers an event with ``grid_event.refer`` (a dispatcher may)."""
    event_id = _event(w)
    data = case_input(w, source="grid_event", source_event_id=event_id, parties=[])
    with write_session(w.engine) as s:
        case = med.open_case_in(s, w.dispatcher, data, now=T0, action="grid_event.refer")
        assert case.id is not None and case.number.startswith("TJ-2026-")
        assert s.scalar(select(func.count()).select_from(RecordLink)) == 1  # flushed, same transaction
    with read_session(w.engine) as s:
        assert [l["id"] for l in links_q.linked(s, "grid_event", event_id)] == [case.id]
    # without the caller's action the dispatcher is refused
    with pytest.raises(PermissionDenied):
        with write_session(w.engine) as s:
            med.open_case_in(s, w.dispatcher, data, now=T0)


def test_open_case_in_rolls_back_with_the_caller(w):
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with write_session(w.engine) as s:
            med.open_case_in(s, w.mediator, case_input(w), now=T0)
            raise Boom()
    assert count(w.engine, MediationCase) == 0 and audits(w.engine, "mediation.create") == 0
    # the number was given back with the rollback
    assert med.open_case(w.engine, w.mediator, case_input(w), now=T0)["number"] == "TJ-2026-000001"
