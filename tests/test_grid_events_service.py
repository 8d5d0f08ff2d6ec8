"""Grid-event and work-log services on SQLite and PostgreSQL (the ``engine`` fixture).

Every step must leave one timeline row and one audit row, refuse bad input, foreign grids,
forbidden roles and stale versions without writing anything, and a referral must create the
linked record, the two-way link and the status change in one transaction.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from db.engine import read_session, write_session
from db.errors import ConflictError, InvalidTransition, NotFound, PermissionDenied, ValidationError
from db.models import AuditLog, MediationCase, RecordLink, WorkLog, WorkOrder
from db.models.grid_work import GridEvent, GridEventPhoto, GridEventStep
from db.queries import grid_events as q
from db.queries import links as links_q
from db.rules import photo as photo_rules
from db.services import grid_events as ge
from db.services import orders
from tests.factories.grid_events import T0, TODAY, G, build_grid_world, report
from tests.factories.images import FAKE_JPEG, JPEG, PNG, WEBP, image, png_header_only


@pytest.fixture
def g(engine) -> G:
    return build_grid_world(engine)


def get(g: G, event_id: int) -> GridEvent:
    with read_session(g.w.engine) as s:
        return s.get(GridEvent, event_id)


def counts(g: G) -> dict[str, int]:
    with read_session(g.w.engine) as s:
        return {
            m.__tablename__: s.scalar(select(func.count()).select_from(m))
            for m in (GridEvent, GridEventStep, GridEventPhoto, AuditLog, WorkOrder, RecordLink, MediationCase, WorkLog)
        }


def steps(g: G, event_id: int) -> list[tuple[str, str | None, str]]:
    with read_session(g.w.engine) as s:
        return [
            (r.action, r.from_status, r.to_status)
            for r in s.scalars(
                select(GridEventStep).where(GridEventStep.event_id == event_id).order_by(GridEventStep.id)
            )
        ]


def audits(g: G, event_id: int) -> list[str]:
    with read_session(g.w.engine) as s:
        return list(
            s.scalars(
                select(AuditLog.action)
                .where(AuditLog.entity == "grid_event", AuditLog.entity_id == str(event_id))
                .order_by(AuditLog.id)
            )
        )


# --------------------------------------------------------------------------- the whole loop


def test_on_spot_loop_to_archive(g):
    e = report(g, photo=PNG)
    assert e["number"] == "SJ-2025-000001" and e["status"] == "reported"
    ev = get(g, e["id"])
    assert (ev.grid_id, ev.reporter_staff_id, ev.reported_at) == (g.w.grid, g.staff, T0)
    with read_session(g.w.engine) as s:
        [p] = q.photos(s, e["id"])  # stored as the console re-encoded it
        assert (p["content_type"], p["size"], p["data"]) == ("image/jpeg", len(p["data"]), ge.check_photo(PNG))

    t1 = T0 + timedelta(hours=1)
    r = ge.handle_on_spot(g.w.engine, g.grid, e["id"], 1, "已设置警示带并通知村委维修。", now=t1)
    assert (r["status"], r["version"]) == ("handling", 2)
    ev = get(g, e["id"])
    assert (ev.handling, ev.handled_at) == ("on_spot", t1)
    r = ge.verify(g.w.engine, g.grid, e["id"], 2, "passed", "护栏已加固。", now=t1 + timedelta(hours=2))
    assert r["status"] == "verified" and get(g, e["id"]).verified_at == t1 + timedelta(hours=2)
    r = ge.evaluate(g.w.engine, g.w.leader, e["id"], 3, "good", "处置及时。", now=t1 + timedelta(days=1))
    ev = get(g, e["id"])
    assert (ev.status, ev.rating, ev.evaluation, ev.evaluated_at) == (
        "evaluated",
        "good",
        "处置及时。",
        t1 + timedelta(days=1),
    )
    r = ge.archive(g.w.engine, g.w.dispatcher, e["id"], 4, now=t1 + timedelta(days=2))
    ev = get(g, e["id"])
    assert (ev.status, ev.version, ev.archived_at) == ("archived", 5, t1 + timedelta(days=2))
    assert steps(g, e["id"]) == [
        ("report", None, "reported"),
        ("handle_on_spot", "reported", "handling"),
        ("verify", "handling", "verified"),
        ("evaluate", "verified", "evaluated"),
        ("archive", "evaluated", "archived"),
    ]
    assert audits(g, e["id"]) == [
        "grid_event.report",
        "grid_event.handle_on_spot",
        "grid_event.verify",
        "grid_event.evaluate",
        "grid_event.archive",
    ]
    with read_session(g.w.engine) as s:
        tl = q.timeline(s, e["id"])
    assert [t["actor"] for t in tl] == ["网格员甲", "网格员甲", "网格员甲", "周书记", "赵转办"]
    assert tl[1]["note"] == "已设置警示带并通知村委维修。"
    # the report step names the type only: the description (free text that may carry names and
    # phone numbers) is not copied into the timeline
    assert tl[0]["note"] == "安全隐患" and "护栏" not in tl[0]["note"]
    # archived is final
    with pytest.raises(InvalidTransition):
        ge.archive(g.w.engine, g.w.admin, e["id"], 5, now=t1)


def test_failed_verification_sends_it_back(g):
    e = report(g)
    ge.handle_on_spot(g.w.engine, g.grid, e["id"], 1, "已清理。", now=T0)
    with pytest.raises(ValidationError) as exc:  # a failed check needs its reason
        ge.verify(g.w.engine, g.grid, e["id"], 2, "failed", "", now=T0)
    assert exc.value.field == "note"
    r = ge.verify(g.w.engine, g.grid, e["id"], 2, "failed", "垃圾仍未清运。", now=T0)
    ev = get(g, e["id"])
    assert (r["status"], ev.handled_at, ev.verified_at) == ("handling", None, None)
    with pytest.raises(ValidationError, match="尚未记录处置结果"):
        ge.verify(g.w.engine, g.grid, e["id"], 3, "passed", now=T0)
    ge.mark_handled(g.w.engine, g.grid, e["id"], 3, "已联系保洁公司清运完毕。", now=T0)
    with pytest.raises(ValidationError, match="已记录处置结果"):
        ge.mark_handled(g.w.engine, g.grid, e["id"], 4, "再记一次。", now=T0)
    assert ge.verify(g.w.engine, g.grid, e["id"], 4, "passed", now=T0)["status"] == "verified"


def test_refer_to_order_links_both_ways_and_waits_for_the_order(g):
    w = g.w
    e = report(g, household_id=w.household, address=None)
    assert get(g, e["id"]).address == "东湖村1组12号"  # the household's address
    r = ge.refer_to_order(w.engine, g.grid, e["id"], 1, w.category, urgency="urgent", note="需综治办协调。", now=T0)
    assert (r["status"], r["record_type"]) == ("referred", "work_order")
    with read_session(w.engine) as s:
        order = s.get(WorkOrder, r["record_id"])
        assert (
            order.channel,
            order.grid_id,
            order.village_id,
            order.household_id,
            order.urgency,
            order.caller_name,
            order.caller_phone,
            order.description,
        ) == (
            "grid",
            w.grid,
            w.village,
            w.household,
            "urgent",
            "网格员甲",
            "13900001111",
            "村口老桥护栏松动，有坠落风险。",
        )
        from_event = links_q.linked(s, "grid_event", e["id"])
        from_order = links_q.linked(s, "work_order", order.id)
        assert [(x["type"], x["id"], x["kind"]) for x in from_event] == [("work_order", order.id, "source")]
        assert [(x["type"], x["id"]) for x in from_order] == [("grid_event", e["id"])]
        assert ge.linked_record(s, s.get(GridEvent, e["id"]))["closed"] is False
        order_audit = s.scalar(select(AuditLog.action).where(AuditLog.entity == "work_order"))
    assert order_audit == "order.create"
    assert get(g, e["id"]).handling == "order"
    assert steps(g, e["id"])[-1] == ("refer", "reported", "referred")

    with pytest.raises(ValidationError, match="尚未办结"):
        ge.mark_handled(w.engine, g.grid, e["id"], 2, "已处理。", now=T0)
    # the order goes round its own loop
    o = orders.contact(w.engine, w.dispatcher, order.id, 1, now=T0)
    o = orders.dispatch(w.engine, w.dispatcher, order.id, o["version"], w.platform_id, w.dept, now=T0)
    o = orders.accept(w.engine, w.platform, order.id, o["version"], now=T0)
    orders.resolve(w.engine, w.platform, order.id, o["version"], "护栏已更换。", now=T0)
    r = ge.mark_handled(w.engine, w.dispatcher, e["id"], 2, "工单已办结，护栏已更换。", now=T0)
    assert r["status"] == "handling" and get(g, e["id"]).handled_at == T0


def test_refer_to_order_rolls_back_on_bad_input(g):
    w = g.w
    e = report(g)
    before = counts(g)
    with pytest.raises(ValidationError):
        ge.refer_to_order(w.engine, g.grid, e["id"], 1, w.category_inactive, now=T0)
    with pytest.raises(ValidationError):
        ge.refer_to_order(w.engine, g.grid, e["id"], 1, w.category, urgency="whenever", now=T0)
    assert counts(g) == before and get(g, e["id"]).status == "reported"


def test_refer_to_mediation(g):
    w = g.w
    e = report(g, event_type="dispute", description="张家与李家因宅基地边界争执，情绪激动。")
    r = ge.refer_to_mediation(w.engine, g.grid, e["id"], 1, "homestead", risk_colour="yellow", now=T0)
    assert (r["status"], r["record_type"]) == ("referred", "mediation_case")
    with read_session(w.engine) as s:
        case = s.get(MediationCase, r["record_id"])
        assert (case.source, case.source_event_id, case.grid_id, case.risk_colour, case.dispute_type) == (
            "grid_event",
            e["id"],
            w.grid,
            "yellow",
            "homestead",
        )
        assert [(x["type"], x["id"]) for x in links_q.linked(s, "grid_event", e["id"])] == [("mediation_case", case.id)]
        assert s.scalar(select(func.count()).select_from(RecordLink)) == 1  # linked once
    with pytest.raises(ValidationError, match="尚未办结"):
        ge.mark_handled(w.engine, g.grid, e["id"], 2, "已调解。", now=T0)
    with write_session(w.engine) as s:  # the mediator's side is another module: close it directly
        s.get(MediationCase, r["record_id"]).status = "closed"
    assert ge.mark_handled(w.engine, g.grid, e["id"], 2, "双方已达成协议。", now=T0)["status"] == "handling"


def test_refer_to_mediation_bad_type_changes_nothing(g):
    e = report(g, event_type="dispute")
    before = counts(g)
    with pytest.raises(ValidationError):
        ge.refer_to_mediation(g.w.engine, g.grid, e["id"], 1, "alien", now=T0)
    assert counts(g) == before


# --------------------------------------------------------------------------- who may act


def test_roles_and_scope_are_enforced_in_the_service(g):
    w = g.w
    e = report(g)
    before = counts(g)
    for actor in (w.leader, w.demo, w.reception, w.dispatcher, w.platform):
        with pytest.raises(PermissionDenied):
            report(g, actor=actor)
    for actor in (w.leader, w.demo, w.reception):
        with pytest.raises(PermissionDenied):
            ge.handle_on_spot(w.engine, actor, e["id"], 1, "已处置。", now=T0)
    with pytest.raises(PermissionDenied, match="不属于您负责的网格"):
        ge.handle_on_spot(w.engine, g.grid2, e["id"], 1, "已处置。", now=T0)
    with pytest.raises(PermissionDenied, match="尚未关联网格员档案"):
        report(g, actor=g.orphan)
    ge.handle_on_spot(w.engine, g.grid, e["id"], 1, "已处置。", now=T0)
    ge.verify(w.engine, g.grid, e["id"], 2, "passed", now=T0)
    with pytest.raises(PermissionDenied):
        ge.evaluate(w.engine, g.grid, e["id"], 3, "good", now=T0)
    with pytest.raises(PermissionDenied):
        ge.evaluate(w.engine, w.demo, e["id"], 3, "good", now=T0)
    after = counts(g)
    assert after["grid_event"] == before["grid_event"]
    assert after["grid_event_step"] == before["grid_event_step"] + 2


def test_admin_reports_for_a_grid_and_checks_the_reporter(g):
    w = g.w
    with pytest.raises(ValidationError, match="请选择事件所在网格"):
        report(g, actor=w.admin)
    with pytest.raises(ValidationError, match="上报人"):
        report(g, actor=w.admin, grid_id=w.grid2, reporter_staff_id=g.staff)
    with pytest.raises(ValidationError, match="所选户不属于"):
        report(g, actor=w.admin, grid_id=w.grid2, household_id=w.household)
    r = report(g, actor=w.admin, grid_id=w.grid, reporter_staff_id=g.chief)
    assert get(g, r["id"]).reporter_staff_id == g.chief
    # a grid worker's own grid wins over whatever is passed
    r = report(g, grid_id=w.grid2)
    assert get(g, r["id"]).grid_id == w.grid


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "kw,field",
    [
        (dict(event_type="ufo"), "event_type"),
        (dict(description="短"), "description"),
        (dict(description="x" * 2001), "description"),
        (dict(description="护栏\x07松动了很久"), "description"),
        (dict(address=None), "address"),
        (dict(address="地" * 201), "address"),
        (dict(photo=b""), "photo"),
        (dict(photo=b"GIF89a" + b"\x00" * 20), "photo"),
        (dict(photo=b"%PDF-1.4 not an image"), "photo"),
        (dict(photo=JPEG[:4] + b"\x00" * (5 * 1024 * 1024)), "photo"),
    ],
)
def test_bad_report_is_refused_and_writes_nothing(g, kw, field):
    before = counts(g)
    with pytest.raises(ValidationError) as exc:
        report(g, **kw)
    assert exc.value.field == field
    assert counts(g) == before


@pytest.mark.parametrize("data", [PNG, JPEG, WEBP], ids=["png", "jpeg", "webp"])
def test_a_photo_is_stored_as_a_jpeg_the_console_made(g, data):
    e = report(g, photo=data)
    with read_session(g.w.engine) as s:
        [p] = q.photos(s, e["id"])
    assert p["content_type"] == "image/jpeg" and p["data"][:3] == b"\xff\xd8\xff"
    assert photo_rules.displayable(p["data"])


def test_photo_limit_is_five_megabytes():
    assert ge.check_photo(JPEG)[:3] == b"\xff\xd8\xff"
    with pytest.raises(ValidationError, match="5MB"):
        ge.check_photo(JPEG + b"\x00" * (5 * 1024 * 1024))


@pytest.mark.parametrize(
    "data, words",
    [
        (FAKE_JPEG, "无法识别"),  # starts like a JPEG, is not one
        (JPEG[: len(JPEG) // 2], "无法识别"),  # a truncated upload
        (PNG[:40], "无法识别"),
        (png_header_only(15000, 15000), "像素过大"),  # 225 megapixels declared in a few bytes
    ],
)
def test_a_poisoned_photo_is_refused_and_writes_nothing(g, data, words):
    before = counts(g)
    with pytest.raises(ValidationError, match=words) as exc:
        report(g, photo=data)
    assert exc.value.field == "photo" and counts(g) == before


def test_a_large_photo_is_scaled_down_and_loses_its_metadata():
    from PIL import Image

    big = image("JPEG", (3000, 2000))
    stored = ge.check_photo(big)
    im = Image.open(io.BytesIO(stored))
    assert max(im.size) == photo_rules.MAX_SIDE and not im.getexif()


def test_an_undecodable_stored_photo_is_not_displayable():
    assert not photo_rules.displayable(FAKE_JPEG) and not photo_rules.displayable(b"")
    assert not photo_rules.displayable(png_header_only(15000, 15000))


def test_steps_need_their_inputs(g):
    w = g.w
    e = report(g)
    with pytest.raises(ValidationError):
        ge.handle_on_spot(w.engine, g.grid, e["id"], 1, "  ", now=T0)
    ge.handle_on_spot(w.engine, g.grid, e["id"], 1, "已处置。", now=T0)
    with pytest.raises(ValidationError):
        ge.verify(w.engine, g.grid, e["id"], 2, "maybe", now=T0)
    ge.verify(w.engine, g.grid, e["id"], 2, "passed", now=T0)
    with pytest.raises(ValidationError, match="评价等级"):
        ge.evaluate(w.engine, w.leader, e["id"], 3, "meh", now=T0)
    with pytest.raises(ValidationError, match="较差"):
        ge.evaluate(w.engine, w.leader, e["id"], 3, "poor", "", now=T0)
    assert get(g, e["id"]).version == 3


def test_stale_version_is_a_conflict_and_writes_nothing(g):
    w = g.w
    e = report(g)
    ge.handle_on_spot(w.engine, g.grid, e["id"], 1, "已处置。", now=T0)
    before = counts(g)
    with pytest.raises(ConflictError) as exc:
        ge.verify(w.engine, w.dispatcher, e["id"], 1, "passed", now=T0)
    assert str(exc.value) == "保存失败：该记录已被他人修改（您打开的是第1版，当前为第2版）。请刷新后重新编辑。"
    assert counts(g) == before
    with pytest.raises(NotFound):
        ge.verify(w.engine, w.dispatcher, 99999, 1, "passed", now=T0)


def test_wrong_step_for_the_status(g):
    e = report(g)
    with pytest.raises(InvalidTransition, match="已上报"):
        ge.verify(g.w.engine, g.grid, e["id"], 1, "passed", now=T0)
    with pytest.raises(InvalidTransition):
        ge.evaluate(g.w.engine, g.w.leader, e["id"], 1, "good", now=T0)


# --------------------------------------------------------------------------- work logs


def test_work_log_one_per_day_edit_with_version(g):
    w = g.w
    r = ge.write_log(w.engine, g.grid, TODAY, "走访5户，排查隐患1处。", 5, now=T0)
    assert (r["created"], r["version"]) == (True, 1)
    with pytest.raises(ConflictError, match="已经存在"):
        ge.write_log(w.engine, g.grid, TODAY, "又写一篇。", 2, now=T0)
    r = ge.write_log(w.engine, g.grid, TODAY, "走访6户，排查隐患1处。", "6", version=1, now=T0)
    assert (r["created"], r["version"]) == (False, 2)
    before = counts(g)
    with pytest.raises(ConflictError, match="第1版"):
        ge.write_log(w.engine, g.grid, TODAY, "旧版本。", 1, version=1, now=T0)
    assert counts(g) == before
    with read_session(w.engine) as s:
        assert q.log_for(s, g.staff, TODAY)["households_visited"] == 6
        assert q.log_count(s, g.staff) == 1
        assert list(s.scalars(select(AuditLog.action).where(AuditLog.entity == "work_log"))) == [
            "work_log.write",
            "work_log.write",
        ]
    # the KPI contract sees it
    with read_session(w.engine) as s:
        mine = [
            x for x in q.worker_counts(s, T0 - timedelta(hours=9), T0 + timedelta(hours=15)) if x["staff_id"] == g.staff
        ]
    assert (mine[0]["logs"], mine[0]["households_visited"]) == (1, 6)


@pytest.mark.parametrize(
    "day,content,visited,field",
    [
        (TODAY + timedelta(days=1), "明天的日志。", 1, "log_date"),
        (TODAY - timedelta(days=7), "太久以前。", 1, "log_date"),
        (TODAY, "x", 1, "content"),
        (TODAY, "走访若干户。", -1, "households_visited"),
        (TODAY, "走访若干户。", 201, "households_visited"),
        (TODAY, "走访若干户。", "三", "households_visited"),
        (TODAY, "走访若干户。", True, "households_visited"),
    ],
)
def test_bad_work_log_is_refused(g, day, content, visited, field):
    before = counts(g)
    with pytest.raises(ValidationError) as exc:
        ge.write_log(g.w.engine, g.grid, day, content, visited, now=T0)
    assert exc.value.field == field
    assert counts(g) == before


def test_work_log_roles(g):
    w = g.w
    assert ge.write_log(w.engine, g.grid, TODAY - timedelta(days=6), "补记上周一。", 0, now=T0)["created"]
    for actor in (w.leader, w.demo, w.dispatcher):
        with pytest.raises(PermissionDenied):
            ge.write_log(w.engine, actor, TODAY, "不该写。", 0, staff_id=g.staff, now=T0)
    with pytest.raises(PermissionDenied):
        ge.write_log(w.engine, g.orphan, TODAY, "没有档案。", 0, now=T0)
    with pytest.raises(ValidationError, match="请选择网格员"):
        ge.write_log(w.engine, w.admin, TODAY, "管理员代填。", 0, now=T0)
    r = ge.write_log(w.engine, w.admin, TODAY, "管理员代填。", 3, staff_id=g.chief, now=T0)
    with read_session(w.engine) as s:
        assert s.get(WorkLog, r["id"]).staff_id == g.chief


def test_refer_to_platform(g):
    from db.models import PlatformCase

    w = g.w
    e = report(g, event_type="environment", description="河道边有人倾倒建筑垃圾，约两车。")
    r = ge.refer_to_platform(w.engine, g.grid, e["id"], 1, w.platform2_id, now=T0)
    assert (r["status"], r["record_type"]) == ("referred", "platform_case")
    with read_session(w.engine) as s:
        case = s.get(PlatformCase, r["record_id"])
        assert (case.source, case.lead_platform_id) == ("grid_event", w.platform2_id)
        assert [(x["type"], x["id"]) for x in links_q.linked(s, "grid_event", e["id"])] == [("platform_case", case.id)]
    with pytest.raises(ValidationError, match="尚未办结"):
        ge.mark_handled(w.engine, g.grid, e["id"], 2, "已清运。", now=T0)
    before = counts(g)
    e2 = report(g)
    with pytest.raises(ValidationError):
        ge.refer_to_platform(w.engine, g.grid, e2["id"], 1, 0, now=T0)
    assert get(g, e2["id"]).status == "reported" and counts(g)["record_link"] == before["record_link"]
