"""Mediation services on SQLite and PostgreSQL (the ``engine`` fixture): registering a case
(the contract other modules call), the four steps, escalation, agreement, follow-up,
close-out, reopening, screening and special-group visits, settings.

Every write must check the permission, refuse bad input and stale versions without writing
anything, and leave its audit record in the same transaction.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from db.engine import read_session, write_session
from db.errors import ConflictError, InvalidTransition, PermissionDenied, ValidationError
from db.models import GridEvent, MediationCase, MediationParty, MediationStep, RecordLink
from db.queries import links as links_q
from db.services import mediation as med
from db.services import orders
from db.services.mediation import PartyInput
from tests.factories.mediation import T0, World, audits, build_world, case_input, count, load, opened, step


@pytest.fixture
def w(engine) -> World:
    return build_world(engine)


# --------------------------------------------------------------------------- open a case


def test_open_case_writes_case_parties_number_and_audit(w):
    out = med.open_case(w.engine, w.mediator, case_input(w), now=T0)
    assert out["number"] == "TJ-2026-000001" and out["version"] == 1
    with read_session(w.engine) as s:
        case = s.get(MediationCase, out["id"])
        assert (case.status, case.current_step, case.level, case.risk_colour) == ("open", 0, "village", "yellow")
        assert case.township_id == w.township and case.reported_at == T0 == case.last_progress_at
        parties = s.scalars(
            select(MediationParty).where(MediationParty.case_id == case.id).order_by(MediationParty.id)
        ).all()
        assert [(p.name, p.phone, p.side) for p in parties] == [
            ("张三", "13812345678", "applicant"),
            ("李四", None, "respondent"),
        ]
        assert parties[0].resident_id == w.resident
    assert audits(w.engine, "mediation.create") == 1
    second = med.open_case(w.engine, w.grid, case_input(w, title="第二件纠纷登记"), now=T0)
    assert second["number"] == "TJ-2026-000002"


@pytest.mark.parametrize("role", ["leader", "demo", "dispatcher"])
def test_open_case_refused_for_roles_without_the_action(w, role):
    with pytest.raises(PermissionDenied, match="无权"):
        med.open_case(w.engine, getattr(w, role), case_input(w), now=T0)
    assert count(w.engine, MediationCase) == 0


@pytest.mark.parametrize(
    "change, field, message",
    [
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
    ],
)
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
    intake = orders.Intake(
        channel="walk_in",
        description="邻居排水沟改道，雨水流进院子。",
        category_id=w.category,
        village_id=w.village,
        grid_id=w.grid_id,
        caller_name="张三",
        caller_phone="13812345678",
        tier="local",
    )
    return orders.register(w.engine, w.admin, intake, now=T0 - timedelta(days=1))["id"]


def _event(w: World) -> int:
    with write_session(w.engine) as s:
        ev = GridEvent(
            number="SJ-2026-000001",
            grid_id=w.grid_id,
            event_type="dispute",
            description="两户因宅基地边界发生争执。",
            status="reported",
            reported_at=T0 - timedelta(hours=3),
        )
        s.add(ev)
        s.flush()
        return ev.id


def test_source_order_is_linked_both_ways(w):
    order_id = _order(w)
    out = med.open_case(
        w.engine, w.mediator, case_input(w, source="order", source_order_id=order_id, parties=[]), now=T0
    )
    with read_session(w.engine) as s:
        from_case = links_q.linked(s, "mediation_case", out["id"])
        from_order = links_q.linked(s, "work_order", order_id)
        assert s.get(MediationCase, out["id"]).source_order_id == order_id
    assert [(k["type"], k["id"], k["kind"], k["direction"]) for k in from_case] == [
        ("work_order", order_id, "source", "out")
    ]
    assert [(k["type"], k["id"], k["kind"], k["direction"], k["number"]) for k in from_order] == [
        ("mediation_case", out["id"], "source", "in", out["number"])
    ]


def test_open_case_in_runs_in_the_callers_transaction_with_its_action(w):
    """The grid-events module refers an event with ``grid_event.refer`` (a dispatcher may)."""
    event_id = _event(w)
    data = case_input(w, source="grid_event", source_event_id=event_id, parties=[])
    with write_session(w.engine) as s:
        case = med.open_case_in(s, w.dispatcher, data, now=T0, action="grid_event.refer")
        assert case.id is not None and case.number.startswith("TJ-2026-")
        assert s.scalar(select(func.count()).select_from(RecordLink)) == 1  # flushed, same transaction
    with read_session(w.engine) as s:
        assert [k["id"] for k in links_q.linked(s, "grid_event", event_id)] == [case.id]
    # without the caller's action the dispatcher is refused
    with pytest.raises(PermissionDenied), write_session(w.engine) as s:
        med.open_case_in(s, w.dispatcher, data, now=T0)


def test_open_case_in_rolls_back_with_the_caller(w):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), write_session(w.engine) as s:
        med.open_case_in(s, w.mediator, case_input(w), now=T0)
        raise Boom()
    assert count(w.engine, MediationCase) == 0 and audits(w.engine, "mediation.create") == 0
    # the number was given back with the rollback
    assert med.open_case(w.engine, w.mediator, case_input(w), now=T0)["number"] == "TJ-2026-000001"


# --------------------------------------------------------------------------- the workflow

from db.queries import mediation as mq  # noqa: E402


def test_four_steps_then_escalate_then_township_step4_agrees_and_closes(w):
    case = opened(w)
    case = step(w, case, 1, colour="red")
    c = load(w, case["id"])
    assert (c.status, c.current_step, c.risk_colour) == ("mediating", 1, "red")
    case = step(w, case, 2, day=2)
    case = step(w, case, 3, day=4, colour="blue")
    case = step(w, case, 4, day=6, colour="yellow")
    assert load(w, case["id"]).risk_colour == "yellow"
    # no step 5: must escalate, go to court or petition
    with pytest.raises(InvalidTransition, match="升级至乡级"):
        step(w, case, 4, day=7)
    case = med.escalate(
        w.engine, w.mediator, case["id"], case["version"], "村级调解未果，需乡级协调", now=T0 + timedelta(days=7)
    )
    c = load(w, case["id"])
    assert (c.level, c.status, c.escalation_reason) == ("township", "mediating", "村级调解未果，需乡级协调")
    with pytest.raises(InvalidTransition, match="已在乡级"):
        med.escalate(w.engine, w.mediator, case["id"], case["version"], "再次升级试试", now=T0 + timedelta(days=7))
    with pytest.raises(ValidationError, match="须填写协议内容"):
        step(w, case, 4, day=8, outcome="agreed")
    case = step(w, case, 4, day=8, outcome="agreed", colour="blue", agreement="李四三日内恢复排水沟原走向。")
    c = load(w, case["id"])
    assert (c.status, c.agreement_text) == ("agreed", "李四三日内恢复排水沟原走向。")
    agreed_day = (T0 + timedelta(days=8, hours=8)).date()
    assert c.followup_due_on == agreed_day + timedelta(days=30)
    # close-out without a follow-up is refused, nothing changes
    with pytest.raises(ValidationError, match="尚未登记回访，不能销号") as exc:
        med.close(w.engine, w.mediator, case["id"], case["version"], "协议已履行", now=T0 + timedelta(days=40))
    assert exc.value.field == "followup"
    assert load(w, case["id"]).status == "agreed" and audits(w.engine, "mediation.close") == 0
    # a visit before the due date does not allow the close-out
    early = T0 + timedelta(days=20)
    case = med.record_followup(
        w.engine,
        w.mediator,
        case["id"],
        case["version"],
        (early + timedelta(hours=8)).date(),
        "排水沟已恢复",
        now=early,
    )
    with pytest.raises(ValidationError, match="早于应回访日期"):
        med.close(w.engine, w.mediator, case["id"], case["version"], "协议已履行", now=early)
    later = T0 + timedelta(days=40)
    case = med.record_followup(
        w.engine,
        w.mediator,
        case["id"],
        case["version"],
        (later + timedelta(hours=8)).date(),
        "双方关系缓和，协议履行到位",
        now=later,
    )
    case = med.close(w.engine, w.mediator, case["id"], case["version"], "协议履行到位，销号。", now=later)
    c = load(w, case["id"])
    assert (c.status, c.closed_at, c.outcome) == ("closed", later, "协议履行到位，销号。")
    with read_session(w.engine) as s:
        steps = s.execute(
            select(MediationStep.step_no, MediationStep.outcome)
            .where(MediationStep.case_id == c.id)
            .order_by(MediationStep.id)
        ).all()
    assert steps == [(1, "continue"), (2, "continue"), (3, "continue"), (4, "continue"), (4, "agreed")]
    for action in ("step", "agree", "escalate", "followup", "close"):
        assert audits(w.engine, f"mediation.{action}") >= 1


def test_any_step_may_end_in_agreement(w):
    case = step(w, opened(w), 1, outcome="agreed", colour="blue", agreement="双方各退一步，界桩按原址重立。")
    c = load(w, case["id"])
    assert (c.status, c.current_step) == ("agreed", 1)
    with pytest.raises(InvalidTransition, match="不能执行"):
        step(w, case, 2, day=1)


def test_steps_out_of_order_are_refused_and_write_nothing(w):
    case = opened(w)
    with pytest.raises(InvalidTransition, match="下一步应为第1步"):
        step(w, case, 2)
    case = step(w, case, 1)
    with pytest.raises(InvalidTransition, match="下一步应为第2步"):
        step(w, case, 3, day=1)
    with pytest.raises(InvalidTransition, match="下一步应为第2步"):
        step(w, case, 1, day=1)
    assert count(w.engine, MediationStep) == 1


def test_step_validation(w):
    case = opened(w)
    with pytest.raises(ValidationError, match="晚于今天"):
        med.record_step(
            w.engine,
            w.mediator,
            case["id"],
            1,
            step_no=1,
            held_on=date(2026, 3, 5),
            participants="甲",
            notes="双方陈述意见。",
            risk_colour="red",
            now=T0,
        )
    with pytest.raises(ValidationError, match="早于登记日期"):
        med.record_step(
            w.engine,
            w.mediator,
            case["id"],
            1,
            step_no=1,
            held_on=date(2026, 2, 1),
            participants="甲",
            notes="双方陈述意见。",
            risk_colour="red",
            now=T0,
        )
    with pytest.raises(ValidationError, match="重新评定风险等级"):
        med.record_step(
            w.engine,
            w.mediator,
            case["id"],
            1,
            step_no=1,
            held_on=date(2026, 3, 2),
            participants="甲",
            notes="双方陈述意见。",
            risk_colour="",
            now=T0,
        )
    with pytest.raises(ValidationError, match="参加人员"):
        med.record_step(
            w.engine,
            w.mediator,
            case["id"],
            1,
            step_no=1,
            held_on=date(2026, 3, 2),
            participants=" ",
            notes="双方陈述意见。",
            risk_colour="red",
            now=T0,
        )
    assert count(w.engine, MediationStep) == 0 and load(w, case["id"]).version == 1


def test_stale_version_is_a_conflict(w):
    case = opened(w)
    step(w, case, 1)
    with pytest.raises(ConflictError, match="第1版，当前为第2版"):
        step(w, case, 2, day=1)  # the same loaded version 1
    with pytest.raises(ConflictError):
        med.escalate(w.engine, w.mediator, case["id"], 1, "需要乡级协调处理", now=T0)
    assert count(w.engine, MediationStep) == 1


@pytest.mark.parametrize("role", ["grid", "leader", "demo"])
def test_edits_refused_for_roles_without_mediation_edit(w, role):
    case = opened(w)
    actor = getattr(w, role)
    with pytest.raises(PermissionDenied):
        step(w, case, 1, actor=actor)
    with pytest.raises(PermissionDenied):
        med.escalate(w.engine, actor, case["id"], 1, "需要乡级协调处理", now=T0)
    with pytest.raises(PermissionDenied):
        med.close(w.engine, actor, case["id"], 1, "结果", now=T0)
    with pytest.raises(PermissionDenied):
        med.reopen(w.engine, actor, case["id"], 1, "协议未履行", now=T0)
    assert load(w, case["id"]).version == 1


def test_litigation_and_petition_are_final(w):
    a = med.refer_out(w.engine, w.mediator, opened(w)["id"], 1, "litigation", "当事人已向法院起诉", now=T0)
    b = step(w, opened(w), 1)
    b = med.refer_out(w.engine, w.mediator, b["id"], b["version"], "petition", "当事人赴县信访局上访", now=T0)
    assert (load(w, a["id"]).status, load(w, b["id"]).status) == ("litigation", "petition")
    with pytest.raises(InvalidTransition):
        med.reopen(w.engine, w.mediator, a["id"], a["version"], "重新调解试试", now=T0)


def test_reopen_counts_and_continues_with_the_next_step(w):
    case = step(w, opened(w), 1, outcome="agreed", agreement="双方达成一致意见并签字。")
    later = T0 + timedelta(days=31)
    case = med.record_followup(w.engine, w.mediator, case["id"], case["version"], later.date(), "协议已履行", now=later)
    case = med.close(w.engine, w.mediator, case["id"], case["version"], "协议履行，已销号", now=later)
    case = med.reopen(w.engine, w.mediator, case["id"], case["version"], "一方反悔，纠纷再起", now=later)
    c = load(w, case["id"])
    assert (c.status, c.reopen_count, c.closed_at, c.followup_at, c.agreed_at) == ("mediating", 1, None, None, None)
    case = step(w, case, 2, day=32)
    assert load(w, case["id"]).current_step == 2
    case = step(w, case, 3, day=33, outcome="agreed", agreement="第二次协议内容已签字。")
    case = med.reopen(w.engine, w.mediator, case["id"], case["version"], "协议未履行", now=later)
    assert load(w, case["id"]).reopen_count == 2


def test_settings_change_the_followup_interval(w):
    with pytest.raises(PermissionDenied):
        med.update_settings(w.engine, w.mediator, followup_days=10, stale_days=5)
    with pytest.raises(ValidationError, match="回访间隔天数"):
        med.update_settings(w.engine, w.admin, followup_days=0, stale_days=5)
    med.update_settings(w.engine, w.admin, followup_days=10, stale_days=5)
    with read_session(w.engine) as s:
        assert mq.settings(s) == {"followup_days": 10, "stale_days": 5}
    case = step(w, opened(w), 1, outcome="agreed", agreement="双方达成一致意见并签字。")
    assert load(w, case["id"]).followup_due_on == date(2026, 3, 12)
    assert audits(w.engine, "mediation.settings") == 1


def test_ledger_red_first_then_stale_filters_and_masking(w):
    blue = opened(w, risk_colour="blue", title="蓝色普通纠纷案件")
    red = opened(w, risk_colour="red", title="红色重大纠纷案件")
    old = med.open_case(
        w.engine, w.mediator, case_input(w, risk_colour="yellow", title="久未进展的纠纷"), now=T0 - timedelta(days=40)
    )
    now = T0 + timedelta(hours=1)
    with read_session(w.engine) as s:
        total, rows = mq.ledger_page(s, mq.LedgerFilter(), w.mediator, now)
        assert total == 3 and [r["id"] for r in rows] == [red["id"], old["id"], blue["id"]]
        assert rows[1]["stale"] and not rows[0]["stale"]
        assert rows[0]["parties"] == "张三 与 李四"
        _, masked = mq.ledger_page(s, mq.LedgerFilter(), w.leader, now)
        assert masked[0]["parties"] == "张* 与 李*"
        assert masked[0]["summary"].startswith("张*反映邻居李*家") and "张三" not in masked[0]["summary"]
        assert rows[0]["summary"].startswith("张三反映邻居李四家")
        assert mq.ledger_page(s, mq.LedgerFilter(red_only=True), w.demo, now)[0] == 1
        assert [r["id"] for r in mq.ledger_page(s, mq.LedgerFilter(stale=True), w.demo, now)[1]] == [old["id"]]
        assert mq.ledger_page(s, mq.LedgerFilter(text="红色"), w.demo, now)[0] == 1
        assert mq.ledger_page(s, mq.LedgerFilter(text="%"), w.demo, now)[0] == 0
        assert mq.ledger_page(s, mq.LedgerFilter(village_ids=(w.village2,)), w.demo, now)[0] == 0
        detail = mq.case_detail(s, w.leader, red["id"], now)
        assert [p["name"] for p in detail["parties"]] == ["张*", "李*"]
        assert detail["parties"][0]["phone"] == "138****5678"
        assert "张三" not in detail["summary"] and "李四" not in detail["summary"]
        assert detail["next_step"] == 1 and "step" in detail["actions"]


def test_screening_save_update_conflict_and_overdue(w):
    with pytest.raises(PermissionDenied):
        med.save_screening(w.engine, w.leader, w.village, "2026-02", done=True, findings="未发现")
    with pytest.raises(ValidationError, match="请填写排查情况"):
        med.save_screening(w.engine, w.grid, w.village, "2026-02", done=True, findings=None, now=T0)
    with pytest.raises(ValidationError, match="未来月份"):
        med.save_screening(w.engine, w.grid, w.village, "2026-04", done=True, findings="未发现", now=T0)
    out = med.save_screening(
        w.engine, w.grid, w.village, "2026-02", done=True, findings="排查出邻里纠纷1起", disputes_found=1, now=T0
    )
    with pytest.raises(ConflictError):
        med.save_screening(w.engine, w.grid, w.village, "2026-02", done=True, findings="重复登记", now=T0)
    out = med.save_screening(
        w.engine,
        w.mediator,
        w.village,
        "2026-02",
        done=True,
        findings="排查出邻里纠纷2起",
        disputes_found=2,
        version=out["version"],
        now=T0,
    )
    assert out["version"] == 2
    with read_session(w.engine) as s:
        feb = {r["village_id"]: r for r in mq.screening_month(s, "2026-02", T0)}
        mar = {r["village_id"]: r for r in mq.screening_month(s, "2026-03", T0)}
    assert feb[w.village]["done"] and not feb[w.village]["overdue"] and feb[w.village]["disputes_found"] == 2
    assert feb[w.village2]["overdue"] and not feb[w.village2]["done"]  # February is over, nothing entered
    assert not mar[w.village2]["overdue"]  # March is still running
    assert audits(w.engine, "mediation.screening") == 2


def test_special_group_visits(w):
    with pytest.raises(ValidationError, match="未登记为独居老人"):
        med.record_visit(w.engine, w.grid, w.released, "elderly_alone", date(2026, 3, 1), "王网格", now=T0)
    with pytest.raises(PermissionDenied):
        med.record_visit(w.engine, w.demo, w.released, "released_prisoner", date(2026, 3, 1), "王网格", now=T0)
    out = med.record_visit(
        w.engine, w.grid, w.released, "released_prisoner", date(2026, 1, 10), "王网格", "在家务农，情绪稳定", now=T0
    )
    assert out["next_due_on"] == date(2026, 2, 9)
    with read_session(w.engine) as s:
        total, rows = mq.special_groups(s, w.leader, T0)
        assert total == 2
        by = {r["resident_id"]: r for r in rows}
        assert by[w.released]["overdue"] and by[w.released]["next_due"] == date(2026, 2, 9)
        assert by[w.elderly]["overdue"] and by[w.elderly]["last_visit"] is None  # never visited
        assert by[w.elderly]["name"] == "张*奶"
    med.record_visit(w.engine, w.grid, w.released, "released_prisoner", date(2026, 3, 1), "王网格", now=T0)
    with read_session(w.engine) as s:
        total, rows = mq.special_groups(s, w.mediator, T0, overdue_only=True)
    assert total == 1 and rows[0]["resident_id"] == w.elderly
