"""Every write has its audit record: a scripted session through the services runs under a
watcher that sees every SQL statement on the engine, and each committed transaction that
changed a domain table must also have inserted into audit_log (same transaction).

The watcher reads the statements themselves (INSERT INTO / UPDATE / DELETE FROM <table>), so a
service that forgets its audit record fails here whatever its own tests say.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select

from db.engine import read_session, write_session
from db.models import AuditLog, GridStaff, MediationCase, PartyMember, TenHouseholdUnit
from db.permissions import Actor
from db.queries.mediation import LedgerFilter
from db.rules.sla import local_to_utc, to_local
from db.services import (
    grid_events as ge,
)
from db.services import (
    mediation as med,
)
from db.services import (
    mediation_docs,
    orders,
    platform_docs,
    platforms,
    roster,
    settings,
    users,
    weekly_report,
)
from db.services import (
    roster_io as rio,
)
from db.services.roster import PartyInput, StaffInput
from tests.factories.images import PNG
from tests.factories.kpi import NOW as KPI_NOW
from tests.factories.kpi import WEEK as KPI_WEEK
from tests.factories.kpi import build as build_kpi_world
from tests.factories.mediation import T0 as MED_T0
from tests.factories.mediation import build_world as build_mediation_world
from tests.factories.mediation import case_input
from tests.factories.orders import PW, build_world, intake
from tests.factories.platforms import T0 as PLAT_T0
from tests.factories.platforms import build_pworld
from tests.factories.roster import build as build_roster
from tests.factories.roster import ident

# tables whose rows are bookkeeping of another write in the same transaction
EXEMPT = {"audit_log", "counter", "alembic_version"}
_WRITE = re.compile(r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)\"?", re.I)


@dataclass
class Watcher:
    pending: dict[int, set[str]] = field(default_factory=dict)
    audited: dict[int, bool] = field(default_factory=dict)
    commits: list[set[str]] = field(default_factory=list)  # tables written, per audited commit
    unaudited: list[set[str]] = field(default_factory=list)
    audit_only: int = 0  # commits that wrote an audit record and nothing else (exports, prints)

    def attach(self, engine) -> None:
        event.listen(engine, "before_cursor_execute", self._stmt)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", self._rollback)

    def detach(self, engine) -> None:
        event.remove(engine, "before_cursor_execute", self._stmt)
        event.remove(engine, "commit", self._commit)
        event.remove(engine, "rollback", self._rollback)

    def _stmt(self, conn, cursor, statement, parameters, context, executemany):
        m = _WRITE.match(statement)
        if not m:
            return
        table = m.group(1).lower()
        key = id(conn.connection.dbapi_connection)
        if table == "audit_log":
            self.audited[key] = True
        elif table not in EXEMPT:
            self.pending.setdefault(key, set()).add(table)

    def _commit(self, conn):
        key = id(conn.connection.dbapi_connection)
        written = self.pending.pop(key, set())
        audited = self.audited.pop(key, False)
        if written:
            (self.commits if audited else self.unaudited).append(written)
        elif audited:
            self.audit_only += 1

    def tables(self) -> set[str]:
        """Every domain table an audited commit wrote."""
        return set().union(*self.commits) if self.commits else set()

    def _rollback(self, conn):
        key = id(conn.connection.dbapi_connection)
        self.pending.pop(key, None)
        self.audited.pop(key, None)


@pytest.fixture
def watched(engine):
    w = build_world(engine)  # the fixture world is set up by hand, outside the watcher
    watcher = Watcher()
    watcher.attach(engine)
    yield w, watcher
    watcher.detach(engine)


def test_watcher_catches_an_unaudited_write(engine):
    """The watcher itself can fail: a raw write without an audit record is reported."""
    w = build_world(engine)
    watcher = Watcher()
    watcher.attach(engine)
    try:
        with engine.begin() as con:
            con.exec_driver_sql(f"UPDATE village SET name = 'x' WHERE id = {int(w.village)}")
    finally:
        watcher.detach(engine)
    assert watcher.unaudited == [{"village"}]


def test_scripted_session_orders_users_settings(watched):
    w, watcher = watched
    e = w.engine
    t0 = local_to_utc(datetime(2026, 3, 2, 9, 0))
    # intake -> contact -> dispatch -> accept -> extension asked and refused -> resolve -> callback
    o = orders.register(e, w.reception, intake(w), now=t0)
    o = orders.contact(e, w.reception, o["id"], o["version"], note="已电话联系", now=t0)
    o = orders.dispatch(e, w.dispatcher, o["id"], o["version"], w.platform_id, w.dept, now=t0)
    o = orders.accept(e, w.platform, o["id"], o["version"], now=t0)
    orders.request_extension(e, w.platform, o["id"], o["version"], 3, "需协调多个部门", now=t0)
    with read_session(e) as s:
        from db.models import ExtensionRequest

        req = s.scalars(select(ExtensionRequest).order_by(ExtensionRequest.id.desc())).first()
        req_id, req_version = req.id, req.version
    orders.decide_extension(e, w.dispatcher, req_id, req_version, approve=False, note="时限内可完成", now=t0)
    with read_session(e) as s:
        from db.models import WorkOrder

        version = s.get(WorkOrder, o["id"]).version
    o = orders.resolve(e, w.platform, o["id"], version, "已协调处理完毕", now=t0 + timedelta(days=1))
    orders.callback(e, w.reception, o["id"], o["version"], "satisfied", note="群众满意", now=t0 + timedelta(days=2))
    # a second order: supervised, urged, cancelled
    o2 = orders.register(e, w.dispatcher, intake(w, description="道路积水严重，影响出行安全。"), now=t0)
    o2 = orders.supervise(e, w.leader, o2["id"], o2["version"], w.leader.user_id, now=t0)
    o2 = orders.urge(e, w.dispatcher, o2["id"], o2["version"], note="请加快办理", now=t0)
    orders.cancel(e, w.dispatcher, o2["id"], o2["version"], "群众撤回", now=t0)
    # users and settings
    uid = users.create_user(e, w.admin, username="newbie", display_name="新同事", role="reception", password=PW)
    users.reset_password(e, w.admin, uid, 1, "NewPassw0rd!")
    users.change_own_password(e, w.dispatcher, PW, "Another1Pass!", "Another1Pass!")
    from db.models import Category

    with read_session(e) as s:
        cat = s.get(Category, w.category)
    settings.update_category(
        e,
        w.admin,
        cat.id,
        cat.version,
        name="邻里纠纷（改）",
        contact_hours=24,
        handling_workdays=6,
        default_tier="local",
        platform_code=None,
        keywords="噪音,装修",
        active=True,
    )
    # the township's own settings (issue #19, item 3): created, then changed
    from db.services import township_settings

    town = w.reception.township_id
    v = township_settings.update_township_settings(e, w.admin, town, 0, link_min=10, link_max=15, contact_hours=12)
    township_settings.update_township_settings(e, w.admin, town, v, link_min=5, link_max=8)
    v = township_settings.set_category_clock(e, w.admin, town, cat.id, 0, contact_hours=6, handling_workdays=3)
    township_settings.set_category_clock(e, w.admin, town, cat.id, v, handling_workdays=4)
    assert {"township_setting", "township_category_clock"} <= watcher.tables()
    assert users.try_password(e, w.reception.username, "wrong-password1") is False
    assert users.try_password(e, w.reception.username, PW) is True
    users.record_cookie_login(e, w.reception.username)
    users.logout(e, w.reception.user_id)

    assert watcher.unaudited == [], f"transactions that wrote without an audit record: {watcher.unaudited}"
    assert len(watcher.commits) >= 18  # the script really wrote (guards against a silent watcher)
    with read_session(e) as s:
        assert s.scalar(select(func.count()).select_from(AuditLog)) >= len(watcher.commits)


# =========================================================================== the new modules
#
# Each session below drives one module's services through its main flow with the watcher
# attached (the world is built before, by hand). It fails on any committed transaction that
# changed a domain table without an audit record, and it must really have written: a minimum
# number of audited commits and the module's own tables among them.


@contextmanager
def watching(engine) -> Iterator[Watcher]:
    watcher = Watcher()
    watcher.attach(engine)
    try:
        yield watcher
    finally:
        watcher.detach(engine)


def _assert_all_audited(watcher: Watcher, min_commits: int, tables: set[str], min_audit_only: int = 0):
    assert watcher.unaudited == [], f"transactions that wrote without an audit record: {watcher.unaudited}"
    assert len(watcher.commits) >= min_commits, f"only {len(watcher.commits)} audited commits"
    assert tables <= watcher.tables(), f"never written: {tables - watcher.tables()}"
    assert watcher.audit_only >= min_audit_only  # exports and prints: an audit record of their own


def _version(engine, model, ident) -> int:
    with read_session(engine) as s:
        return s.get(model, ident).version


# --------------------------------------------------------------------------- roster


def _xlsx_edited(content: bytes, edit) -> bytes:
    wb = load_workbook(io.BytesIO(content))
    edit(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_scripted_session_roster_edits_scores_and_import(engine):

    rw = build_roster(engine)
    e, a, now = engine, rw.admin, datetime(2026, 3, 2, 2, 0)
    with watching(engine) as watcher:
        # grid staff: a new worker, then a correction
        staff = StaffInput(
            grid_id=rw.grid2,
            name="孙网格员",
            phone="13900005555",
            id_number=ident(201, 1990),
            staff_role="worker",
            employment="full",
        )
        st = roster.save_staff(e, a, staff, now=now)
        staff.phone = "13900006666"
        roster.save_staff(e, a, staff, staff_id=st["id"], version=st["version"], now=now)
        # the ten-household chief, appointed then changed
        u = roster.set_unit_chief(e, a, rw.unit, _version(e, TenHouseholdUnit, rw.unit), rw.residents[2], now=now)
        roster.set_unit_chief(e, a, rw.unit, u["version"], rw.residents[3], now=now)
        # a new party member: registered, households linked, edited, two score entries
        m = roster.create_party_member(
            e,
            a,
            ident(3),
            PartyInput(
                name="张三", phone=None, grid_id=None, zone_id=rw.zone, team_id=rw.team, joined_on=date(2010, 7, 1)
            ),
            now=now,
        )
        m = roster.set_party_links(e, a, m["id"], m["version"], rw.households[2:8], now=now)
        m = roster.update_party_member(
            e,
            a,
            m["id"],
            m["version"],
            PartyInput(
                name="张三",
                phone="13812340003",
                grid_id=rw.grid,
                zone_id=rw.zone,
                team_id=None,
                joined_on=date(2010, 7, 1),
            ),
            now=now,
        )
        m = roster.add_score_entry(e, a, m["id"], m["version"], -5, "无故缺席组织生活会", now=now)
        roster.add_score_entry(e, a, m["id"], m["version"], 2, "参加防汛志愿服务", now=now)
        roster.add_score_entry(e, a, rw.member, _version(e, PartyMember, rw.member), -1, "党费缴纳不及时", now=now)
        # Excel: export, add a worker and a grid, change a phone, import; the same file again
        content, _counts = rio.export_workbook(e, a)

        def edit(wb):
            wb[rio.SHEET_STAFF].append([ident(202, 1991), "钱新网格员", "13900007777", "网格员", "兼职", "G02", "是"])
            phone = rio.COLUMNS[rio.SHEET_STAFF].index("联系电话") + 1
            wb[rio.SHEET_STAFF].cell(row=2, column=phone).value = "13900008888"
            wb[rio.SHEET_GRIDS].append(["G09", "东湖村第9网格", "专属网格", "青龙镇", "东湖村", "东湖集贸市场"])
            wb[rio.SHEET_LINKS].delete_rows(2)  # a member loses a linked household

        edited = _xlsx_edited(content, edit)
        report = rio.import_workbook(e, a, edited, now=now)
        assert report.ok, rio.error_rows(report)
        assert report.counts[rio.SHEET_STAFF]["created"] == 1 and report.counts[rio.SHEET_STAFF]["updated"] == 1
        again = rio.import_workbook(e, a, edited, now=now)  # changes nothing: its summary record only
        assert again.ok and all(c["created"] == c["updated"] == 0 for c in again.counts.values())
        rio.emergency_workbook(e, rw.leader, team_id=rw.team)
    _assert_all_audited(
        watcher,
        11,
        {
            "grid_staff",
            "ten_household_unit",
            "party_member",
            "resident",
            "party_member_household",
            "party_score_entry",
            "grid",
        },
        min_audit_only=3,
    )


# --------------------------------------------------------------------------- grid events


def test_scripted_session_grid_events_loop_referrals_and_work_logs(engine):

    w = build_world(engine)
    grid_uid = users.create_user(engine, w.admin, username="grid1", display_name="网格员甲", role="grid", password=PW)
    with write_session(engine) as s:
        s.add(GridStaff(grid_id=w.grid, name="网格员甲", phone="13900001111", staff_role="worker", user_id=grid_uid))
        s.add(GridStaff(grid_id=w.grid, name="网格长丙", staff_role="chief"))
        s.flush()
        chief = s.scalar(select(GridStaff.id).where(GridStaff.staff_role == "chief"))
    grid = Actor(grid_uid, "grid1", "grid", "网格员甲")
    e, t0 = engine, local_to_utc(datetime(2025, 3, 3, 9, 0))
    today = date(2025, 3, 3)
    png = PNG  # a real image: the service decodes and re-encodes every photo

    def report(description: str, photo: bytes | None = None) -> dict:
        return ge.report(
            e,
            grid,
            ge.EventReport(event_type="safety", description=description, address="东湖村村口", photo=photo),
            now=t0,
        )

    def close_loop(ev: dict) -> None:
        ev = ge.verify(e, grid, ev["id"], ev["version"], "passed", "现场核查已处置。", now=t0)
        ev = ge.evaluate(e, w.leader, ev["id"], ev["version"], "good", "处置及时。", now=t0)
        ge.archive(e, w.dispatcher, ev["id"], ev["version"], now=t0)

    with watching(engine) as watcher:
        # handled on the spot, verified, evaluated, archived
        ev = report("村口老桥护栏松动，有坠落风险。", png)
        ev = ge.handle_on_spot(e, grid, ev["id"], ev["version"], "已设置警示带并通知村委维修。", now=t0)
        close_loop(ev)
        # referred to a work order, which is handled and closed; then the loop
        ev = report("道路积水严重，影响出行。")
        ev = ge.refer_to_order(e, grid, ev["id"], ev["version"], w.category, note="需职能部门处理。", now=t0)
        o = orders.contact(e, w.reception, ev["record_id"], 1, now=t0)
        o = orders.dispatch(e, w.dispatcher, o["id"], o["version"], w.platform_id, w.dept, now=t0)
        o = orders.accept(e, w.platform, o["id"], o["version"], now=t0)
        orders.resolve(e, w.platform, o["id"], o["version"], "已疏通排水。", now=t0)
        ev = ge.mark_handled(e, grid, ev["id"], ev["version"], "工单已办结，积水已排除。", now=t0)
        close_loop(ev)
        # referred to mediation, agreed; verification fails once, handling recorded again
        ev = report("两户因宅前排水发生争吵。")
        ev = ge.refer_to_mediation(e, w.dispatcher, ev["id"], ev["version"], "neighbour", now=t0)
        med.record_step(
            e,
            w.admin,
            ev["record_id"],
            1,
            step_no=1,
            held_on=today,
            participants="双方当事人",
            notes="双方同意恢复排水沟走向。",
            risk_colour="blue",
            outcome="agreed",
            agreement_text="三日内恢复排水沟原走向。",
            now=t0,
        )
        ev = ge.mark_handled(e, grid, ev["id"], ev["version"], "调解达成协议。", now=t0)
        ev = ge.verify(e, grid, ev["id"], ev["version"], "failed", "排水沟尚未恢复。", now=t0)
        ev = ge.mark_handled(e, grid, ev["id"], ev["version"], "排水沟已恢复。", now=t0)
        close_loop(ev)
        # referred to a platform, which signs for it and closes it
        ev = report("夜市摊点占道经营，影响通行。")
        ev = ge.refer_to_platform(e, grid, ev["id"], ev["version"], w.platform_id, now=t0)
        c = platforms.accept(e, w.admin, ev["record_id"], 1, now=t0)
        platforms.close(e, w.admin, c["id"], c["version"], result="已清理占道摊点。", now=t0)
        ev = ge.mark_handled(e, grid, ev["id"], ev["version"], "平台已办结。", now=t0)
        close_loop(ev)
        # work logs: the worker's own (written, then edited) and one the admin writes for the chief
        log = ge.write_log(e, grid, today, "走访东湖村一组农户，排查安全隐患。", 8, now=t0)
        ge.write_log(e, grid, today, "走访东湖村一组、二组农户，排查安全隐患。", 12, version=log["version"], now=t0)
        ge.write_log(e, w.admin, today - timedelta(days=1), "组织网格内防汛检查。", 5, staff_id=chief, now=t0)
    _assert_all_audited(
        watcher,
        35,
        {
            "grid_event",
            "grid_event_step",
            "grid_event_photo",
            "work_order",
            "mediation_case",
            "platform_case",
            "record_link",
            "work_log",
        },
    )


# --------------------------------------------------------------------------- mediation


def test_scripted_session_mediation_four_steps_to_reopen_screening_visits_settings(engine):

    w = build_mediation_world(engine)
    e, m, T0 = engine, w.mediator, MED_T0  # noqa: N806
    start = T0 - timedelta(days=60)

    def at(days: int) -> tuple[datetime, date]:
        t = start + timedelta(days=days)
        return t, to_local(t).date()

    with watching(engine) as watcher:
        med.update_settings(e, w.admin, followup_days=30, stale_days=15, now=start)
        c = med.open_case(e, w.admin, case_input(w, mediator_id=None), now=start)
        c = med.assign_mediator(e, m, c["id"], c["version"], w.mediator_id, now=start)
        for step in (1, 2, 3, 4):  # 摸清情况, 依法调解, 分歧调解, 评议定案: no agreement at village level
            t, day = at(step)
            c = med.record_step(
                e,
                m,
                c["id"],
                c["version"],
                step_no=step,
                held_on=day,
                participants="双方当事人、村调委会",
                notes=f"第{step}步调解，双方仍有分歧。",
                risk_colour="yellow",
                now=t,
            )
        t, _day = at(5)
        c = med.escalate(e, m, c["id"], c["version"], "村级四步调解未果，提交乡级调处。", now=t)
        t, day = at(10)  # township step 4 ends in agreement; the follow-up is due 30 days later
        c = med.record_step(
            e,
            m,
            c["id"],
            c["version"],
            step_no=4,
            held_on=day,
            participants="乡调委会、双方当事人",
            notes="乡级评议，双方接受调解方案。",
            risk_colour="blue",
            outcome="agreed",
            agreement_text="李四于三日内恢复排水沟原走向，并赔偿张三损失500元。",
            now=t,
        )
        c = med.record_followup(e, m, c["id"], c["version"], to_local(T0).date(), "协议已履行，双方无异议。", now=T0)
        c = med.close(e, m, c["id"], c["version"], "双方履行协议，纠纷化解。", now=T0)
        mediation_docs.export_case_file(e, m, c["id"], now=T0)
        mediation_docs.export_agreement(e, m, c["id"], now=T0)
        med.reopen(e, m, c["id"], c["version"], "一方反悔，协议未继续履行。", now=T0)
        # a second case goes to court
        c2 = med.open_case(e, m, case_input(w, title="东湖村土地承包合同纠纷"), now=T0)
        med.refer_out(e, m, c2["id"], c2["version"], "litigation", "当事人已起诉至法院。", now=T0)
        # screening (recorded, then corrected), a special-group visit, the ledger export
        sc = med.save_screening(
            e, m, w.village, "2026-02", done=True, findings="未发现新的矛盾纠纷。", disputes_found=0, now=T0
        )
        med.save_screening(
            e,
            w.admin,
            w.village,
            "2026-02",
            done=True,
            findings="发现一起宅基地纠纷。",
            disputes_found=1,
            version=sc["version"],
            now=T0,
        )
        med.record_visit(e, m, w.released, "released_prisoner", to_local(T0).date(), "李调解", "情绪稳定。", now=T0)
        mediation_docs.export_ledger(e, w.leader, LedgerFilter(), now=T0)
    with read_session(engine) as s:
        assert s.get(MediationCase, c["id"]).status == "mediating"  # reopened
    _assert_all_audited(
        watcher,
        17,
        {
            "mediation_case",
            "mediation_party",
            "mediation_step",
            "app_setting",
            "village_screening",
            "special_group_visit",
        },
        min_audit_only=3,
    )


# --------------------------------------------------------------------------- platforms


def test_scripted_session_platforms_handoffs_and_each_platform_records(engine):

    w = build_pworld(engine)
    T0 = PLAT_T0  # noqa: N806
    bianmin = Actor(
        users.create_user(
            engine,
            w.admin,
            username="bmofficer",
            display_name="郑便民",
            role="platform",
            password=PW,
            platform_id=w.p["bianmin"],
        ),
        "bmofficer",
        "platform",
        "郑便民",
        platform_id=w.p["bianmin"],
    )
    e, today = engine, date(2025, 3, 3)
    with watching(engine) as watcher:
        # open, push, bounce, push again, receive, close
        c = platforms.open_case(
            e,
            w.shichang,
            lead_platform_id=w.p["shichang"],
            title="东湖村夜市占道",
            description="巡查发现夜市摊点占道经营，影响通行。",
            village_id=w.village,
            source="patrol",
            now=T0,
        )
        c = platforms.push(
            e,
            w.shichang,
            c["id"],
            c["version"],
            to_platform_id=w.p["zhifa"],
            reason="属占道经营，应由综合执法处理。",
            now=T0,
        )
        c = platforms.bounce(e, w.zhifa, c["id"], c["version"], reason="涉及食品经营，请市场监管牵头。", now=T0)
        c = platforms.push(
            e,
            w.shichang,
            c["id"],
            c["version"],
            to_platform_id=w.p["zhifa"],
            reason="已核实为占道经营，再次推送。",
            now=T0,
        )
        c = platforms.receive(e, w.zhifa, c["id"], c["version"], now=T0)
        c = platforms.add_note(e, w.zhifa, c["id"], c["version"], note="已约谈摊主。", now=T0)
        platforms.close(e, w.zhifa, c["id"], c["version"], result="已清理占道摊点。", now=T0)
        # 市场监管: inspection with a notice, the notice printed, re-inspection
        ins = platforms.record_inspection(
            e,
            w.shichang,
            business_name="张记饭店",
            address="东湖村2组",
            kind="routine",
            inspected_on=today,
            finding="后厨无防蝇设施",
            problem=True,
            rectify_days=7,
            now=T0,
        )
        platform_docs.notice_docx(e, w.shichang, ins["id"])
        platforms.reinspect(e, w.shichang, ins["id"], ins["version"], reinspected_on=today, passed=True, now=T0)
        # 综合执法: a report, arrival on site later
        rep = platforms.record_enforcement(
            e, w.zhifa, kind="road", address="东湖村主街", reported_at=T0 - timedelta(hours=1), now=T0
        )
        platforms.record_arrival(e, w.zhifa, rep["id"], rep["version"], arrived_at=T0 - timedelta(minutes=40), now=T0)
        # 便民服务: a catalogue item (added, edited), a request, completed
        item = platforms.save_service_item(e, bianmin, code="BM001", name="老年人优待证办理", now=T0)
        item = platforms.save_service_item(
            e,
            bianmin,
            item_id=item["id"],
            version=item["version"],
            code="BM001",
            name="老年人优待证办理（含补办）",
            now=T0,
        )
        req = platforms.record_service_request(
            e,
            bianmin,
            item_id=item["id"],
            village_id=w.village,
            applicant_name="张奶奶",
            applicant_phone=None,
            channel="window",
            now=T0,
        )
        platforms.complete_service_request(e, bianmin, req["id"], req["version"], now=T0)
        # 综治: weekly screening of a village report, the monthly meeting (assigning a case), floating residents
        platforms.record_report_check(
            e,
            w.zongzhi,
            village_id=w.village,
            week_of=today,
            reported=True,
            issues_found=1,
            issues="一组排水沟堵塞。",
            now=T0,
        )
        meeting = platforms.record_meeting(
            e,
            w.zongzhi,
            held_on=today,
            attendees="综治、市场监管、综合执法、便民服务",
            minutes="研判本月矛盾纠纷和安全隐患情况。",
            decisions="开展食品安全专项检查。",
            assign=((w.p["shichang"], "农贸市场食品安全专项检查"),),
            now=T0,
        )
        assert len(meeting["cases"]) == 1
        fl = platforms.register_floating(
            e,
            w.zongzhi,
            village_id=w.village,
            name="刘外来",
            id_number=None,
            phone=None,
            origin="河南省周口市",
            address="东湖村3组",
            registered_on=today - timedelta(days=10),
            now=T0,
        )
        platforms.floating_left(e, w.zongzhi, fl["id"], fl["version"], left_on=today, now=T0)
    _assert_all_audited(
        watcher,
        19,
        {
            "platform_case",
            "platform_case_event",
            "handoff",
            "inspection",
            "enforcement_report",
            "service_item",
            "service_request",
            "village_report_check",
            "analysis_meeting",
            "floating_resident",
        },
        min_audit_only=1,
    )


# --------------------------------------------------------------------------- weekly report


def test_scripted_session_weekly_report_export(engine):

    build_kpi_world(engine)
    leader = Actor(0, "chief", "leader", "周书记")
    admin = Actor(0, "boss", "admin", "管理员")
    with watching(engine) as watcher:
        for actor, fmt in ((leader, "docx"), (leader, "xlsx"), (admin, "docx")):
            _name, _mime, data = weekly_report.export(actor, KPI_WEEK.start, fmt, KPI_NOW, engine=engine)
            assert data
    # an export writes no domain table: each one is a commit of its own audit record only
    assert watcher.unaudited == [] and watcher.commits == []
    assert watcher.audit_only == 3
    with read_session(engine) as s:
        assert (
            s.scalar(
                select(func.count())
                .select_from(AuditLog)
                .where(AuditLog.action == "export", AuditLog.entity == "weekly_report")
            )
            == 3
        )


# --------------------------------------------------------------------------- task ledger


def test_scripted_session_task_ledger_and_its_import(sqlite_engine):
    """The task ledger (#21): create, edit, milestones, progress, close out, reopen, and its Excel
    import (run twice: the second run writes its summary record only). One backend: the services
    are plain ORM writes, their PostgreSQL run is tests/test_tasks.py's key flow."""
    from db.services import setup, tasks
    from db.services.imports import base as import_base
    from db.services.imports import tasks as task_import
    from tests.factories.accounts import first_admin

    e = sqlite_engine
    admin = first_admin(e)
    setup.create_township(e, admin, code="QLZ", name="青龙镇", county="示范县")
    now, today = local_to_utc(datetime(2026, 3, 4, 10, 0)), date(2026, 3, 4)
    wb = load_workbook(io.BytesIO(import_base.template_bytes(task_import.SPEC)))
    wb["任务"].append(
        ["县-001", "防汛物资储备", "应急管理办公室", None, None, "编织袋5000条", "县级交办", "2026-05-31"]
    )
    wb["节点"].append(["县-001", "补齐缺口物资", "2026-05-15"])
    content = io.BytesIO()
    wb.save(content)
    with watching(e) as watcher:
        t = tasks.create_task(
            e,
            admin,
            tasks.TaskInput(title="老旧小区改造", lead_unit="规划建设办公室", due_on=today + timedelta(days=60)),
            now=now,
        )
        t = tasks.update_task(
            e,
            admin,
            t["id"],
            t["version"],
            tasks.TaskInput(
                title="老旧小区改造", lead_unit="规划建设办公室", due_on=today + timedelta(days=90), owner="王建国"
            ),
            now=now,
        )
        m = tasks.add_milestone(e, admin, t["id"], t["version"], title="完成招标", due_on=today, now=now)
        p = tasks.report_progress(e, admin, t["id"], m["version"], percent=40, text="招标文件已挂网。", now=now)
        tasks.set_milestone_done(e, admin, m["id"], 1, now=now)
        c = tasks.close_task(e, admin, t["id"], p["version"], evidence="县专班已验收。", now=now)
        tasks.reopen_task(e, admin, t["id"], c["version"], reason="复核发现问题。", now=now)
        for _ in range(2):
            assert import_base.run(e, admin, task_import, content.getvalue(), township_id=1).ok
    _assert_all_audited(watcher, 8, {"task", "task_milestone", "task_progress"}, min_audit_only=1)
