"""Roster edits and reads on SQLite and PostgreSQL: permission, validation (nothing written
on bad input), optimistic locking, audit in the same transaction, and the SQL counts."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from db.engine import read_session
from db.errors import ConflictError, PermissionDenied, ValidationError
from db.models import AuditLog, GridStaff, PartyMember, PartyMemberHousehold, PartyScoreEntry, TenHouseholdUnit
from db.queries import roster as q
from db.services import roster as svc
from tests.factories.roster import RW, build, ident

NOW = datetime(2026, 3, 2, 2, 0)


@pytest.fixture
def w(engine) -> RW:
    return build(engine)


def count(w, model, *where) -> int:
    with read_session(w.engine) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def audits(w, action) -> int:
    return count(w, AuditLog, AuditLog.action == action)


def staff_input(w, **kw) -> svc.StaffInput:
    base = dict(
        grid_id=w.grid2,
        name="孙新人",
        phone="139 0000 4444",
        id_number=ident(200, 1992),
        staff_role="worker",
        employment="full",
        active=True,
    )
    base.update(kw)
    return svc.StaffInput(**base)


def test_create_and_update_staff_is_audited_and_version_checked(w):
    r = svc.save_staff(w.engine, w.admin, staff_input(w), now=NOW)
    with read_session(w.engine) as s:
        row = s.get(GridStaff, r["id"])
    assert (row.phone, row.grid_id, row.version) == ("13900004444", w.grid2, 1)
    assert audits(w, "roster.staff_create") == 1
    r2 = svc.save_staff(w.engine, w.admin, staff_input(w, staff_role="chief"), staff_id=r["id"], version=1, now=NOW)
    assert r2["version"] == 2
    with pytest.raises(ConflictError, match="第1版，当前为第2版"):
        svc.save_staff(w.engine, w.admin, staff_input(w, employment="part"), staff_id=r["id"], version=1, now=NOW)
    with read_session(w.engine) as s:
        assert s.get(GridStaff, r["id"]).employment == "full"
    assert audits(w, "roster.staff_update") == 1


@pytest.mark.parametrize(
    "kw,field",
    [
        (dict(phone="12345"), "phone"),
        (dict(phone=""), "phone"),
        (dict(id_number="411726199201012001"), "id_number"),
        (dict(name="王" * 31), "name"),
        (dict(grid_id=999999), "grid_id"),
        (dict(staff_role="boss"), "staff_role"),
        (dict(id_number=ident(101, 1975)), "id_number"),  # already the chief of grid 1
    ],
)
def test_bad_staff_input_changes_nothing(w, kw, field):
    before = (count(w, GridStaff), count(w, AuditLog))
    with pytest.raises(ValidationError) as exc:
        svc.save_staff(w.engine, w.admin, staff_input(w, **kw), now=NOW)
    assert exc.value.field == field and exc.value.message
    assert (count(w, GridStaff), count(w, AuditLog)) == before


@pytest.mark.parametrize("who", ["leader", "dispatcher", "grid_user", "demo"])
def test_only_admin_edits_even_when_called_directly(w, who):
    actor = getattr(w, who)
    before = count(w, AuditLog)
    with pytest.raises(PermissionDenied):
        svc.save_staff(w.engine, actor, staff_input(w), now=NOW)
    with pytest.raises(PermissionDenied):
        svc.add_score_entry(w.engine, actor, w.member, 1, 5, "走访联系户", now=NOW)
    with pytest.raises(PermissionDenied):
        svc.set_party_links(w.engine, actor, w.member, 1, [], now=NOW)
    with pytest.raises(PermissionDenied):
        svc.set_unit_chief(w.engine, actor, w.unit, 1, w.residents[0], now=NOW)
    assert count(w, AuditLog) == before


def test_score_entry_and_score_in_one_transaction(w):
    r = svc.add_score_entry(w.engine, w.admin, w.member, 1, "+3", "走访联系户并解决困难", now=NOW)
    assert (r["score"], r["version"]) == (98, 2)
    with read_session(w.engine) as s:
        entry = s.scalars(select(PartyScoreEntry).where(PartyScoreEntry.party_member_id == w.member)).one()
        assert (entry.delta, entry.recorded_at, entry.recorded_by) == (3, NOW, w.admin.user_id)
        assert s.get(PartyMember, w.member).score == 98
    assert audits(w, "party.score") == 1
    # over 100, stale version, empty reason: nothing written
    for args, exc in (
        ((2, 5, "优秀"), ValidationError),
        ((1, -1, "缺席会议"), ConflictError),
        ((2, -1, ""), ValidationError),
    ):
        with pytest.raises(exc):
            svc.add_score_entry(w.engine, w.admin, w.member, *args, now=NOW)
    assert count(w, PartyScoreEntry) == 1
    with read_session(w.engine) as s:
        assert s.get(PartyMember, w.member).score == 98


def test_party_links_replace_and_validate(w):
    hh = w.households
    r = svc.set_party_links(w.engine, w.admin, w.member2, 1, hh[4:9], now=NOW)
    assert (r["added"], r["removed"], r["version"]) == (5, 0, 2)
    r = svc.set_party_links(w.engine, w.admin, w.member2, 2, hh[5:10], now=NOW)
    assert (r["added"], r["removed"]) == (1, 1)
    with read_session(w.engine) as s:
        linked = set(
            s.scalars(
                select(PartyMemberHousehold.household_id).where(PartyMemberHousehold.party_member_id == w.member2)
            )
        )
    assert linked == set(hh[5:10])
    before = count(w, PartyMemberHousehold)
    with pytest.raises(ValidationError, match="党员所在村"):
        svc.set_party_links(w.engine, w.admin, w.member2, 3, [w.other_household], now=NOW)
    with pytest.raises(ConflictError):
        svc.set_party_links(w.engine, w.admin, w.member2, 1, [], now=NOW)
    assert count(w, PartyMemberHousehold) == before
    assert audits(w, "roster.party_links") == 2


def test_update_party_member_checks_zone_team_and_grid(w):
    p = svc.PartyInput(
        name="张二", phone="13812340001", grid_id=w.grid2, zone_id=w.zone, team_id=w.team, joined_on=None, active=True
    )
    assert svc.update_party_member(w.engine, w.admin, w.member2, 1, p, now=NOW)["version"] == 2
    bad = svc.PartyInput(
        name="张二", phone=None, grid_id=w.grid_other, zone_id=None, team_id=None, joined_on=None, active=True
    )
    with pytest.raises(ValidationError, match="所属网格"):
        svc.update_party_member(w.engine, w.admin, w.member2, 2, bad, now=NOW)


def test_unit_chief_must_live_in_the_unit(w):
    r = svc.set_unit_chief(w.engine, w.admin, w.unit, 1, w.residents[2], now=NOW)
    assert r["version"] == 2
    with pytest.raises(ValidationError, match="十户单元内"):
        svc.set_unit_chief(w.engine, w.admin, w.unit, 2, w.residents[9], now=NOW)  # household 10 is outside
    with read_session(w.engine) as s:
        assert s.get(TenHouseholdUnit, w.unit).chief_resident_id == w.residents[2]


def test_create_party_member_from_resident(w):
    r = svc.create_party_member(
        w.engine,
        w.admin,
        ident(3),
        svc.PartyInput(name="张三", phone=None, grid_id=None, zone_id=None, team_id=None, joined_on=None, active=True),
        now=NOW,
    )
    with read_session(w.engine) as s:
        m = s.get(PartyMember, r["id"])
        assert (m.village_id, m.grid_id, m.score) == (w.village, w.grid, 100)
    with pytest.raises(ValidationError, match="已登记为党员"):
        svc.create_party_member(
            w.engine,
            w.admin,
            ident(3),
            svc.PartyInput(
                name="张三", phone=None, grid_id=None, zone_id=None, team_id=None, joined_on=None, active=True
            ),
        )


def test_tree_counts_and_gaps_in_sql(w):
    with read_session(w.engine) as s:
        tree = {r["name"]: r for r in q.village_tree(s)}
        gaps = q.gap_counts(s)
        east = tree["东湖村"]
        assert (east["rural"], east["grids"], east["households"], east["units"], east["chiefs"]) == (2, 2, 10, 1, 1)
        assert (east["workers_full"], east["workers_part"], east["party_members"]) == (0, 1, 2)
        # grid 2 has no staff; grid 3 has a worker but no chief
        assert gaps == {
            "grid_no_chief": 2,
            "grid_no_worker": 1,
            "household_no_unit": 3,
            "party_under": 1,
            "party_over": 0,
            "household_unlinked": 5,
        }
        assert east["grid_no_chief"] == 1 and tree["西山社区"]["grid_no_chief"] == 1
        total, rows = q.gap_page(s, "household_unlinked", q.Scope(village_id=w.village), 0, 2)
        assert total == 4 and len(rows) == 2
        total, rows = q.gap_page(s, "party_under", q.Scope(), 0, 10)
        assert [r["id"] for r in rows] == [w.member2] and rows[0]["links"] == 0
        chain = q.household_chain(s, w.households[0])
        assert [c["name"] for c in chain["chiefs"]] == ["王网格长"]
        assert [c["name"] for c in chain["workers"]] == ["赵网格员"]
        assert [m["id"] for m in chain["party_members"]] == [w.member]
        total, rows = q.staff_page(s, q.StaffFilter(text="13900002222"), 0, 10, phone_visible=True)
        assert [r["name"] for r in rows] == ["赵网格员"]
        assert q.staff_page(s, q.StaffFilter(text="13900002222"), 0, 10, phone_visible=False)[0] == 0
        total, rows = q.party_page(s, q.PartyFilter(link_status="ok"), 0, 10)
        assert [r["id"] for r in rows] == [w.member] and rows[0]["links"] == 6
        assert [r["id"] for r in q.group_members(s, team_id=w.team)] == [w.member]


def test_joined_today_is_accepted_at_one_in_the_morning_beijing_time(w):
    """validate_party compares with the local (Beijing) date: at 01:00 Beijing (17:00 UTC the day
    before) today's date is not in the future, tomorrow's is."""
    from datetime import date

    from db import clock

    one_am = datetime(2026, 3, 1, 17, 0)  # 2026-03-02 01:00 Beijing
    clock.freeze(one_am)  # the console's clock (put back after the test)
    p = svc.PartyInput(
        name="张二", phone=None, grid_id=None, zone_id=None, team_id=None, joined_on=date(2026, 3, 2), active=True
    )
    assert svc.update_party_member(w.engine, w.admin, w.member2, 1, p)["version"] == 2
    later = svc.PartyInput(
        name="张二", phone=None, grid_id=None, zone_id=None, team_id=None, joined_on=date(2026, 3, 3), active=True
    )
    with pytest.raises(ValidationError, match="入党日期"):
        svc.update_party_member(w.engine, w.admin, w.member2, 2, later)
    # an explicit ``now`` is the clock too
    assert svc.update_party_member(w.engine, w.admin, w.member2, 2, p, now=one_am)["version"] == 3


def test_the_roster_refuses_a_second_entry_for_one_id_number_at_the_database(w):
    """The unique index (migration 0011) holds even for a write that skips the service's check,
    and ``violates_unique`` recognises it on both backends."""
    from sqlalchemy.exc import IntegrityError

    from db.engine import write_session
    from db.services.base import violates_unique

    taken = ident(101, 1975)  # grid 1's chief
    with pytest.raises(IntegrityError) as caught, write_session(w.engine) as s:
        s.add(
            GridStaff(
                grid_id=w.grid2,
                name="重复",
                phone="13900005555",
                id_number=taken,
                staff_role="worker",
                employment="part",
            )
        )
    assert violates_unique(caught.value, "uq_grid_staff_id_number", "grid_staff", "id_number")
    assert not violates_unique(caught.value, "uq_something_else", "grid_staff", "phone")
    assert count(w, GridStaff, GridStaff.id_number == taken) == 1
    # no ID number at all is not a duplicate
    with write_session(w.engine) as s:
        s.add_all(
            [
                GridStaff(
                    grid_id=w.grid2,
                    name=f"无证{k}",
                    phone="13900005555",
                    id_number=None,
                    staff_role="worker",
                    employment="part",
                )
                for k in range(2)
            ]
        )
    assert count(w, GridStaff, GridStaff.id_number.is_(None)) >= 2


def _lose_a_race_on_postgresql(engine, first_insert, call) -> BaseException | dict:
    """Run ``first_insert`` in a transaction left open, start ``call`` in a thread, wait until
    that thread is blocked on a lock (it has passed its own check, which cannot see the open
    insert, and now waits on the unique index), commit the first, and return what ``call``
    returned or raised. The wait polls pg_stat_activity, never a clock."""
    import threading
    import time

    from sqlalchemy import text

    other = engine.connect()
    tx = other.begin()
    other.execute(first_insert)
    outcome: list[BaseException | dict] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:  # noqa: BLE001 - returned to the test
            outcome.append(exc)

    t = threading.Thread(target=run)
    t.start()
    # autocommit: pg_stat_activity is a snapshot taken once per transaction
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watch:
        for _ in range(600):
            waiting = watch.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
            ).scalar()
            if waiting:
                break
            time.sleep(0.05)
    tx.commit()
    other.close()
    t.join(60)
    assert waiting, f"the call never waited on the other transaction: {outcome}"
    (result,) = outcome
    return result


@pytest.mark.pg
def test_two_saves_of_one_person_at_once_leave_one_entry_on_postgresql(pg_engine):
    """Another transaction inserts the same ID number and has not committed when the save
    checks: the save's insert waits on the unique index, and once the other commits the save is
    refused with a Chinese message. Nothing of it is written."""
    from sqlalchemy import insert

    w = build(pg_engine)
    new = ident(300, 1990)
    exc = _lose_a_race_on_postgresql(
        pg_engine,
        insert(GridStaff).values(
            grid_id=w.grid,
            name="先到",
            phone="13900006666",
            id_number=new,
            staff_role="worker",
            employment="full",
            version=1,
        ),
        lambda: svc.save_staff(pg_engine, w.admin, staff_input(w, id_number=new), now=NOW),
    )
    assert isinstance(exc, ValidationError) and exc.field == "id_number" and "刚刚" in exc.message
    assert count(w, GridStaff, GridStaff.id_number == new) == 1
    assert audits(w, "roster.staff_create") == 0


@pytest.mark.pg
def test_two_registrations_of_one_party_member_at_once_leave_one_on_postgresql(pg_engine):
    from sqlalchemy import insert

    from db.models import Resident

    w = build(pg_engine)
    with read_session(pg_engine) as s:
        resident_id = s.scalar(select(Resident.id).where(Resident.id_number == ident(3)))
    exc = _lose_a_race_on_postgresql(
        pg_engine,
        insert(PartyMember).values(
            resident_id=resident_id, village_id=w.village, name="张三", score=100, active=True, version=1
        ),
        lambda: svc.create_party_member(
            pg_engine,
            w.admin,
            ident(3),
            svc.PartyInput(
                name="张三", phone=None, grid_id=None, zone_id=None, team_id=None, joined_on=None, active=True
            ),
            now=NOW,
        ),
    )
    assert isinstance(exc, ValidationError) and exc.field == "id_number" and "刚刚" in exc.message
    assert count(w, PartyMember, PartyMember.resident_id == resident_id) == 1
    assert audits(w, "roster.party_create") == 0
