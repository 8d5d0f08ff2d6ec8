"""Village and township scope of the mediation writes, on SQLite and PostgreSQL.

A user with a village (``app_user.village_id``, a village mediator) acts only on that village's
village-level cases, screenings and visits (an escalated, township-level case belongs to the
township mediators); a grid worker only in the village of their own grid (``GridStaff.user_id``
→ grid → village); a user with a township (``app_user.township_id``) only in that township.
Each refusal is a Chinese ``PermissionDenied`` and writes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from db.engine import write_session
from db.errors import PermissionDenied
from db.models import (
    AuditLog,
    Household,
    MediationCase,
    Mediator,
    Resident,
    SpecialGroupVisit,
    VillageScreening,
)
from db.permissions import Actor
from db.services import mediation as med
from db.services import users
from tests.factories.mediation import PW, T0, World, audits, build_world, case_input, count, load

LATER = T0 + timedelta(days=40)


@dataclass
class Scoped:
    w: World
    village_mediator: Actor  # mediator of 东湖村 (village_id set)
    other_town_mediator: Actor  # township mediator of 白河镇 (township_id set)
    grid_without_staff: Actor
    case_v1: dict  # 东湖村, village level
    case_v2: dict  # 西山社区, village level
    resident_v2: int  # tagged elderly_alone, lives in 西山社区


@pytest.fixture
def sc(engine) -> Scoped:
    w = build_world(engine)
    uid = users.create_user(
        engine,
        w.admin,
        username="cuntiao",
        display_name="东湖调解员",
        role="mediator",
        password=PW,
        village_id=w.village,
    )
    vmed = Actor(uid, "cuntiao", "mediator", "东湖调解员", village_id=w.village)
    with write_session(engine) as s:
        other_town = s.get(Mediator, w.mediator_other_town).township_id
    uid2 = users.create_user(
        engine,
        w.admin,
        username="baihe",
        display_name="白河调解员",
        role="mediator",
        password=PW,
        township_id=other_town,
    )
    gid = users.create_user(
        engine,
        w.admin,
        username="nostaff",
        display_name="无档案网格员",
        role="grid",
        password=PW,
        township_id=w.township,
    )
    with write_session(engine) as s:
        hh = Household(grid_id=w.grid2_id, address="西山社区3组5号", head_name="赵大娘")
        s.add(hh)
        s.flush()
        r = Resident(household_id=hh.id, name="赵大娘", gender="女", birth_year=1938, tags="elderly_alone")
        s.add(r)
        s.flush()
        resident_v2 = r.id
    case_v1 = med.open_case(engine, w.admin, case_input(w), now=T0)
    case_v2 = med.open_case(engine, w.admin, case_input(w, village_id=w.village2, grid_id=w.grid2_id), now=T0)
    return Scoped(
        w,
        vmed,
        Actor(uid2, "baihe", "mediator", "白河调解员"),
        Actor(gid, "nostaff", "grid", "无档案网格员"),
        case_v1,
        case_v2,
        resident_v2,
    )


def _step(w, actor, case, no=1, day=0, **kw):
    at = T0 + timedelta(days=day)
    return med.record_step(
        w.engine,
        actor,
        case["id"],
        case["version"],
        step_no=no,
        held_on=(at + timedelta(hours=8)).date(),
        participants="双方当事人",
        notes="双方陈述了各自意见。",
        risk_colour="yellow",
        now=at,
        **kw,
    )


def _agreed_and_visited(sc: Scoped, case: dict) -> dict:
    w = sc.w
    case = _step(w, w.admin, case, outcome="agreed", agreement_text="双方同意恢复排水沟原走向。")
    return med.record_followup(
        w.engine, w.admin, case["id"], case["version"], (LATER + timedelta(hours=8)).date(), "协议已履行", now=LATER
    )


def test_village_mediator_acts_in_own_village_only(sc):
    w = sc.w
    out = _step(w, sc.village_mediator, sc.case_v1)
    assert out["version"] == 2
    before = count(w.engine, AuditLog)
    c = sc.case_v2
    refusals = [
        lambda: _step(w, sc.village_mediator, c),
        lambda: med.escalate(w.engine, sc.village_mediator, c["id"], c["version"], "村级调解未果需乡级", now=T0),
        lambda: med.refer_out(
            w.engine, sc.village_mediator, c["id"], c["version"], "litigation", "当事人已起诉", now=T0
        ),
        lambda: med.assign_mediator(w.engine, sc.village_mediator, c["id"], c["version"], w.mediator_id, now=T0),
    ]
    for refuse in refusals:
        with pytest.raises(PermissionDenied, match="不属于您所在的村（社区）"):
            refuse()
    assert load(w, c["id"]).version == 1 and count(w.engine, AuditLog) == before


def test_village_mediator_cannot_close_or_reopen_another_villages_case(sc):
    w = sc.w
    case = _agreed_and_visited(sc, sc.case_v2)
    with pytest.raises(PermissionDenied, match="不属于您所在的村（社区）"):
        med.record_followup(
            w.engine,
            sc.village_mediator,
            case["id"],
            case["version"],
            (LATER + timedelta(hours=8)).date(),
            "再次回访",
            now=LATER,
        )
    with pytest.raises(PermissionDenied, match="不属于您所在的村（社区）"):
        med.close(w.engine, sc.village_mediator, case["id"], case["version"], "协议履行到位", now=LATER)
    closed = med.close(w.engine, w.admin, case["id"], case["version"], "协议履行到位", now=LATER)
    with pytest.raises(PermissionDenied, match="不属于您所在的村（社区）"):
        med.reopen(w.engine, sc.village_mediator, closed["id"], closed["version"], "一方反悔", now=LATER)
    assert load(w, case["id"]).status == "closed" and audits(w.engine, "mediation.reopen") == 0


def test_escalated_case_belongs_to_the_township_mediators(sc):
    w = sc.w
    case = med.escalate(w.engine, sc.village_mediator, sc.case_v1["id"], 1, "村级调解未果需乡级协调", now=T0)
    with pytest.raises(PermissionDenied, match="已升级至乡级"):
        _step(w, sc.village_mediator, case)
    out = _step(w, w.mediator, case)  # a township mediator (no village) carries on
    assert load(w, out["id"]).current_step == 1


def test_township_scope(sc):
    w = sc.w
    with pytest.raises(PermissionDenied, match="不属于您所在的乡镇"):
        _step(w, sc.other_town_mediator, sc.case_v1)
    with pytest.raises(PermissionDenied, match="不属于您所在的乡镇"):
        med.open_case(w.engine, sc.other_town_mediator, case_input(w, mediator_id=None), now=T0)
    with pytest.raises(PermissionDenied, match="不属于您所在的乡镇"):
        med.save_screening(w.engine, sc.other_town_mediator, w.village, "2026-02", done=True, findings="未发现", now=T0)
    assert load(w, sc.case_v1["id"]).version == 1


def test_registration_is_limited_to_the_users_village(sc):
    w = sc.w
    with pytest.raises(PermissionDenied, match="只能登记东湖村的纠纷"):
        med.open_case(w.engine, sc.village_mediator, case_input(w, village_id=w.village2, grid_id=None), now=T0)
    with pytest.raises(PermissionDenied, match="只能登记东湖村的纠纷"):
        med.open_case(w.engine, w.grid, case_input(w, village_id=w.village2, grid_id=w.grid2_id), now=T0)
    with pytest.raises(PermissionDenied, match="尚未关联网格员档案"):
        med.open_case(w.engine, sc.grid_without_staff, case_input(w), now=T0)
    assert count(w.engine, MediationCase) == 2
    assert med.open_case(w.engine, sc.village_mediator, case_input(w), now=T0)["number"]
    assert med.open_case(w.engine, w.grid, case_input(w), now=T0)["number"]


@pytest.mark.parametrize("who", ["village_mediator", "grid"])
def test_screening_and_visits_only_in_own_village(sc, who):
    w = sc.w
    actor = sc.village_mediator if who == "village_mediator" else w.grid
    with pytest.raises(PermissionDenied, match="不属于您所在的村（社区）"):
        med.save_screening(w.engine, actor, w.village2, "2026-02", done=True, findings="未发现", now=T0)
    with pytest.raises(PermissionDenied, match="不属于您所在的村（社区）"):
        med.record_visit(w.engine, actor, sc.resident_v2, "elderly_alone", date(2026, 3, 1), "走访人", now=T0)
    assert count(w.engine, VillageScreening) == 0 and count(w.engine, SpecialGroupVisit) == 0
    assert med.save_screening(w.engine, actor, w.village, "2026-02", done=True, findings="未发现", now=T0)
    assert med.record_visit(w.engine, actor, w.elderly, "elderly_alone", date(2026, 3, 1), "走访人", now=T0)
    with pytest.raises(PermissionDenied, match="尚未关联网格员档案"):
        med.save_screening(w.engine, sc.grid_without_staff, w.village, "2026-03", done=True, findings="未发现", now=T0)
