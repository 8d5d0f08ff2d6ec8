"""Platform cases and hand-offs on SQLite and PostgreSQL (the ``engine`` fixture).

Every step writes exactly one timeline row and one audit row; bad input, foreign platforms,
forbidden roles and stale versions write nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from db.engine import read_session, write_session
from db.errors import ConflictError, InvalidTransition, PermissionDenied, ValidationError
from db.models import AuditLog, Counter
from db.models.platforms import Handoff, PlatformCase, PlatformCaseAssist, PlatformCaseEvent
from db.queries.calendar import load_calendar
from db.rules.sla import add_workdays
from db.services import platforms
from tests.factories.platforms import T0, PWorld, build_pworld


@pytest.fixture
def w(engine) -> PWorld:
    return build_pworld(engine)


def counts(engine) -> tuple[int, int, int, int]:
    with read_session(engine) as s:
        return (
            s.scalar(select(func.count()).select_from(PlatformCase)),
            s.scalar(select(func.count()).select_from(PlatformCaseEvent)),
            s.scalar(select(func.count()).select_from(Handoff)),
            s.scalar(select(func.count()).select_from(AuditLog)),
        )


def open_kw(w: PWorld, **kw):
    base = dict(
        lead_platform_id=w.p["shichang"],
        title="东湖村农贸市场过期食品",
        description="巡查发现农贸市场一摊位销售过期食品。",
        village_id=w.village,
        source="patrol",
        now=T0,
    )
    base.update(kw)
    return base


def timeline(engine, case_id) -> list[tuple[str, str | None, str]]:
    with read_session(engine) as s:
        return [
            (e.action, e.from_status, e.to_status)
            for e in s.scalars(
                select(PlatformCaseEvent).where(PlatformCaseEvent.case_id == case_id).order_by(PlatformCaseEvent.id)
            )
        ]


# --------------------------------------------------------------------------- open (the contract)


def test_open_case_in_writes_case_assists_first_step_and_audit_without_committing(w):
    with write_session(w.engine) as s:
        cal = load_calendar(s)
        case = platforms.open_case_in(
            s, w.grid, **open_kw(w, source="grid_event", assist_platform_ids=(w.p["zhifa"],)), action="grid_event.refer"
        )
        assert case.id is not None and case.number == "PT-2025-000001"
        assert case.status == "pending"  # a referral waits for the lead platform to sign
        assert case.is_joint is True
        assert case.due_at == add_workdays(T0, platforms.DEFAULT_CASE_WORKDAYS, cal)
        assert s.scalars(select(PlatformCaseAssist.platform_id).where(PlatformCaseAssist.case_id == case.id)).all() == [
            w.p["zhifa"]
        ]
        ev = s.scalars(select(PlatformCaseEvent).where(PlatformCaseEvent.case_id == case.id)).all()
        assert [(e.action, e.to_status, e.actor_id) for e in ev] == [("open", "pending", w.grid.user_id)]
        log = s.scalars(select(AuditLog).where(AuditLog.action == "platform_case.open")).all()
        assert [a.entity_id for a in log] == [str(case.id)]
        s.rollback()  # the caller owns the transaction: nothing was committed
    assert counts(w.engine)[:3] == (0, 0, 0)


def test_open_case_by_own_platform_patrol_starts_in_progress_and_numbers_follow(w):
    a = platforms.open_case(w.engine, w.shichang, **open_kw(w))
    b = platforms.open_case(w.engine, w.shichang, **open_kw(w))
    assert (a["number"], b["number"]) == ("PT-2025-000001", "PT-2025-000002")
    assert a["version"] == 1
    with read_session(w.engine) as s:
        assert s.get(PlatformCase, a["id"]).status == "accepted"
        assert s.scalar(select(Counter.value).where(Counter.name == "PT")) == 2


def test_open_case_explicit_due_at_is_kept(w):
    due = T0 + timedelta(days=2)
    r = platforms.open_case(w.engine, w.shichang, **open_kw(w, due_at=due))
    with read_session(w.engine) as s:
        assert s.get(PlatformCase, r["id"]).due_at == due


@pytest.mark.parametrize(
    "kw, field",
    [
        (dict(title="  "), "title"),
        (dict(description="短"), "description"),
        (dict(source="phone"), "source"),
        (dict(lead_platform_id=999999), "lead_platform_id"),
        (dict(village_id=999999), "village_id"),
        (dict(source="order"), "source_order_id"),
        (dict(source_order_id=999999), "source_order_id"),
        (dict(due_at=T0 - timedelta(hours=1)), "due_at"),
    ],
)
def test_open_case_refuses_bad_input_and_writes_nothing(w, kw, field):
    before = counts(w.engine)
    with pytest.raises(ValidationError) as exc:
        platforms.open_case(w.engine, w.shichang, **open_kw(w, **kw))
    assert exc.value.field == field
    assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.value.message)
    assert counts(w.engine) == before


def test_open_case_refuses_foreign_township_and_bad_assists(w):
    with pytest.raises(ValidationError) as exc:
        platforms.open_case(w.engine, w.shichang, **open_kw(w, village_id=w.other_village))
    assert exc.value.field == "village_id"
    for assists in ((w.p["shichang"],), (w.p["zhifa"], w.p["zhifa"]), (w.other_platform,)):
        with pytest.raises(ValidationError) as exc:
            platforms.open_case(w.engine, w.shichang, **open_kw(w, assist_platform_ids=assists))
        assert exc.value.field == "assist_platform_ids"
    assert counts(w.engine)[0] == 0


def test_open_case_permission_and_platform_scope(w):
    with pytest.raises(PermissionDenied):
        platforms.open_case(w.engine, w.demo, **open_kw(w))
    with pytest.raises(PermissionDenied):
        platforms.open_case(w.engine, w.leader, **open_kw(w))
    with pytest.raises(PermissionDenied):  # grid may refer, but not handle
        platforms.open_case(w.engine, w.grid, **open_kw(w))
    with pytest.raises(PermissionDenied):  # an officer opens cases for their own platform only
        platforms.open_case(w.engine, w.zongzhi, **open_kw(w))
    assert counts(w.engine)[0] == 0


# --------------------------------------------------------------------------- hand-offs


def test_push_bounce_push_receive_close_is_one_timeline_and_flags_after_two_bounces(w):
    e = w.engine
    c = platforms.open_case(e, w.zongzhi, **open_kw(w, lead_platform_id=w.p["zongzhi"]))
    v = c["version"]
    r = platforms.push(
        e, w.zongzhi, c["id"], v, to_platform_id=w.p["shichang"], reason="属市场监管职责", now=T0 + timedelta(hours=1)
    )
    assert r["status"] == "pushed"
    with read_session(e) as s:
        h = s.scalars(select(Handoff)).one()
        assert (h.from_platform_id, h.to_platform_id, h.status) == (w.p["zongzhi"], w.p["shichang"], "pending")
        assert h.respond_due_at == add_workdays(T0 + timedelta(hours=1), 1, load_calendar(s))
    with pytest.raises(PermissionDenied):  # 综合执法 is not the receiver
        platforms.receive(e, w.zhifa, c["id"], r["version"])
    with pytest.raises(PermissionDenied):  # the sender cannot answer its own push
        platforms.bounce(e, w.zongzhi, c["id"], r["version"], reason="x")
    with pytest.raises(ValidationError):
        platforms.bounce(e, w.shichang, c["id"], r["version"], reason="  ")
    r = platforms.bounce(
        e, w.shichang, c["id"], r["version"], reason="无证经营应由执法处理", now=T0 + timedelta(hours=2)
    )
    assert r["status"] == "bounced"
    with read_session(e) as s:
        case = s.get(PlatformCase, c["id"])
        assert (case.lead_platform_id, case.bounce_count) == (w.p["zongzhi"], 1)
    r = platforms.push(
        e,
        w.zongzhi,
        c["id"],
        r["version"],
        to_platform_id=w.p["shichang"],
        reason="经核实为食品安全问题",
        now=T0 + timedelta(hours=3),
    )
    r = platforms.bounce(e, w.shichang, c["id"], r["version"], reason="仍不属本平台", now=T0 + timedelta(hours=4))
    r = platforms.push(
        e,
        w.zongzhi,
        c["id"],
        r["version"],
        to_platform_id=w.p["shichang"],
        reason="经分管领导协调",
        now=T0 + timedelta(hours=5),
    )
    r = platforms.receive(e, w.shichang, c["id"], r["version"], now=T0 + timedelta(hours=6))
    assert r["status"] == "accepted"
    with pytest.raises(PermissionDenied):  # 综治 no longer leads
        platforms.close(e, w.zongzhi, c["id"], r["version"], result="已处理")
    r = platforms.close(
        e, w.shichang, c["id"], r["version"], result="已下达整改通知，复查合格。", now=T0 + timedelta(days=1)
    )
    assert r["status"] == "closed"
    assert timeline(e, c["id"]) == [
        ("open", None, "accepted"),
        ("push", "accepted", "pushed"),
        ("bounce", "pushed", "bounced"),
        ("push", "bounced", "pushed"),
        ("bounce", "pushed", "bounced"),
        ("push", "bounced", "pushed"),
        ("receive", "pushed", "accepted"),
        ("close", "accepted", "closed"),
    ]
    with read_session(e) as s:
        case = s.get(PlatformCase, c["id"])
        assert (case.lead_platform_id, case.bounce_count, case.status) == (w.p["shichang"], 2, "closed")
        assert case.closed_at == T0 + timedelta(days=1)
        assert [h.status for h in s.scalars(select(Handoff).order_by(Handoff.id))] == ["bounced", "bounced", "accepted"]
        acts = s.scalars(select(AuditLog.action).where(AuditLog.entity == "platform_case").order_by(AuditLog.id)).all()
        assert acts == [
            "platform_case.open",
            "platform_case.push",
            "platform_case.bounce",
            "platform_case.push",
            "platform_case.bounce",
            "platform_case.push",
            "platform_case.receive",
            "platform_case.close",
        ]
    from db.rules.platform_fsm import is_flagged

    assert is_flagged(2)


def test_stale_version_and_invalid_transition_write_nothing(w):
    e = w.engine
    c = platforms.open_case(e, w.zongzhi, **open_kw(w, lead_platform_id=w.p["zongzhi"]))
    platforms.add_note(e, w.zongzhi, c["id"], c["version"], note="已联系商户")
    before = counts(e)
    with pytest.raises(ConflictError) as exc:
        platforms.push(e, w.zongzhi, c["id"], c["version"], to_platform_id=w.p["shichang"], reason="x")
    assert "第1版" in exc.value.message and "第2版" in exc.value.message
    with pytest.raises(InvalidTransition):
        platforms.receive(e, w.zongzhi, c["id"], 2)
    with pytest.raises(ValidationError):  # pushing to itself
        platforms.push(e, w.zongzhi, c["id"], 2, to_platform_id=w.p["zongzhi"], reason="x")
    with pytest.raises(ValidationError):  # another township
        platforms.push(e, w.zongzhi, c["id"], 2, to_platform_id=w.other_platform, reason="x")
    with pytest.raises(PermissionDenied):  # the demo observer
        platforms.close(e, w.demo, c["id"], 2, result="x")
    assert counts(e) == before


def test_joint_case_assist_may_note_but_not_close_and_admin_acts_for_any(w):
    e = w.engine
    c = platforms.open_case(
        e, w.admin, **open_kw(w, lead_platform_id=w.p["zhifa"], assist_platform_ids=(w.p["shichang"],))
    )
    r = platforms.accept(e, w.admin, c["id"], c["version"], as_platform_id=w.p["zhifa"])
    r = platforms.add_note(e, w.shichang, c["id"], r["version"], note="协办：已核查营业执照")
    with pytest.raises(PermissionDenied):
        platforms.close(e, w.shichang, c["id"], r["version"], result="x")
    with pytest.raises(PermissionDenied):  # 综治 neither leads nor assists
        platforms.add_note(e, w.zongzhi, c["id"], r["version"], note="x")
    with pytest.raises(PermissionDenied):  # admin naming the wrong side
        platforms.close(e, w.admin, c["id"], r["version"], result="x", as_platform_id=w.p["zongzhi"])
    r = platforms.close(e, w.zhifa, c["id"], r["version"], result="联合执法，已拆除。")
    assert r["status"] == "closed"


def test_a_case_opened_into_a_year_not_entered_is_provisional_and_recounted(w):
    """Opened on Monday 28 December 2026 with no 2027 schedule (the world knows 2025 and 2026):
    the case's clock is counted on the statutory holidays and marked 暂定; entering 2027 recounts
    it, with a 期限重算 step and an audit record."""
    from db.rules.sla import local_to_utc, to_local
    from db.services import settings

    now = local_to_utc(datetime(2026, 12, 28, 10, 0))
    r = platforms.open_case(w.engine, w.shichang, **open_kw(w, now=now))
    with read_session(w.engine) as s:
        case = s.get(PlatformCase, r["id"])
        assert case.due_provisional and case.due_workdays == platforms.DEFAULT_CASE_WORKDAYS
        provisional_due = case.due_at
    out = settings.enter_holiday_year(w.engine, w.admin, 2027, "2027-01-01 至 2027-01-04 元旦", "测试通知")
    assert out["recounted"] == 1
    with read_session(w.engine) as s:
        case = s.get(PlatformCase, r["id"])
        cal = load_calendar(s)
        assert not case.due_provisional
        assert case.due_at == add_workdays(now, platforms.DEFAULT_CASE_WORKDAYS, cal)
        assert case.due_at > provisional_due  # 4 January is now a day off too
        assert to_local(case.due_at).year == 2027
        last = s.scalars(
            select(PlatformCaseEvent).where(PlatformCaseEvent.case_id == r["id"]).order_by(PlatformCaseEvent.id.desc())
        ).first()
        assert last.action == "recount_deadline" and "重算为" in last.note
        assert (
            s.scalar(
                select(func.count()).select_from(AuditLog).where(AuditLog.action == "platform_case.recount_deadline")
            )
            == 1
        )
