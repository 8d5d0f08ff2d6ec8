"""The task ledger (任务台账, issue #21 item 6): the services' rules (create, edit, milestones,
progress, closing out on evidence, reopening), the warnings and counts at a fixed day, the Excel
import (a good file, the same file again, bad rows named), the weekly report's section, and the
page (AppTest on the shared demo database).

Everything runs at fixed moments (``NOW``: Wednesday 4 March 2026, 10:00 Beijing), never today."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from db.engine import read_session
from db.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from db.models import AuditLog, Task, TaskMilestone
from db.queries import tasks as tq
from db.rules import tasks as rules
from db.rules.sla import local_to_utc
from db.scope import scoped
from db.services import setup
from db.services import tasks as svc
from db.services import weekly_report as wr
from db.services.imports import base
from db.services.imports import tasks as imp
from tests.factories.accounts import account, first_admin

NOW = local_to_utc(datetime(2026, 3, 4, 10, 0))
TODAY = date(2026, 3, 4)
D = lambda days: TODAY + timedelta(days=days)  # noqa: E731


def task(**kw) -> svc.TaskInput:
    values = dict(
        title="老旧小区改造（东湖社区）",
        lead_unit="规划建设办公室",
        due_on=D(60),
        responsible_units="东湖社区、综治中心",
        owner="王建国",
        standard="完成3栋楼外墙改造，惠及120户",
        source="县级交办",
    )
    return svc.TaskInput(**{**values, **kw})


class W:
    def __init__(self, engine):
        self.engine = engine
        self.admin = first_admin(engine)
        self.town = setup.create_township(engine, self.admin, code="QLZ", name="青龙镇", county="示范县")
        self.leader = account(engine, self.admin, "lead", "leader", "周书记")
        self.dispatcher = account(engine, self.admin, "disp", "dispatcher", "钱转办")

    def audits(self, action: str) -> list[AuditLog]:
        with read_session(self.engine) as s:
            return list(s.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


@pytest.fixture
def w(sqlite_engine):
    return W(sqlite_engine)


def _field(exc: pytest.ExceptionInfo) -> str | None:
    return exc.value.field


# --------------------------------------------------------------------------- services


def test_key_flow_on_both_backends(engine):
    """Create (a generated number), a milestone, progress, a stale save refused, closing out, and
    reopening: each a version step and an audit record with before and after."""
    w = W(engine)
    t = svc.create_task(engine, w.dispatcher, task(), now=NOW)
    assert t["number"] == "RW-2026-000001" and t["version"] == 1
    m = svc.add_milestone(engine, w.dispatcher, t["id"], 1, title="完成方案设计", due_on=D(20), now=NOW)
    p = svc.report_progress(engine, w.dispatcher, t["id"], m["version"], percent=30, text="已完成方案初稿。", now=NOW)
    with pytest.raises(ConflictError, match="第1版"):
        svc.update_task(engine, w.dispatcher, t["id"], 1, task(owner="李秀梅"), now=NOW)
    with pytest.raises(PermissionDenied):
        svc.close_task(engine, w.dispatcher, t["id"], p["version"], evidence="县专班已验收。", now=NOW)
    svc.set_milestone_done(engine, w.dispatcher, m["id"], 1, done_on=D(-1), now=NOW)
    c = svc.close_task(engine, w.leader, t["id"], p["version"], evidence="县专班已验收，资料已存档。", now=NOW)
    r = svc.reopen_task(engine, w.leader, t["id"], c["version"], reason="县专班复核未通过。", now=NOW)
    with read_session(engine) as s:
        row = s.get(Task, t["id"])
        assert (row.status, row.version, row.progress_percent, row.last_report_on) == ("open", r["version"], 30, TODAY)
        assert row.closed_on is None and row.closing_evidence is None
    close = w.audits("task.close")[0]
    assert close.before["status"] == "open" and close.after["status"] == "closed"
    assert close.after["closing_evidence"] == "县专班已验收，资料已存档。" and close.after["closed_on"] == "2026-03-04"
    assert [
        len(w.audits(a))
        for a in ("task.create", "task.milestone_add", "task.progress", "task.milestone_done", "task.reopen")
    ] == [1, 1, 1, 1, 1]


def test_numbers_and_validation(w):
    e = w.engine
    own = svc.create_task(e, w.admin, task(number="县-036"), now=NOW)
    assert own["number"] == "县-036"
    with pytest.raises(ValidationError, match="已被使用") as exc:
        svc.create_task(e, w.admin, task(number="县-036"), now=NOW)
    assert _field(exc) == "number"
    with pytest.raises(ValidationError, match="由系统生成"):
        svc.create_task(e, w.admin, task(number="RW-2026-000009"), now=NOW)
    for bad, field, words in (
        (dict(title=" "), "title", "请填写任务名称"),
        (dict(lead_unit=""), "lead_unit", "牵头单位"),
        (dict(due_on=None), "due_on", "完成时限"),
        (dict(source="省级"), "source", "来源只能是"),
        (dict(owner="王" * 31), "owner", "不能超过"),
    ):
        with pytest.raises(ValidationError, match=words) as exc:
            svc.create_task(e, w.admin, task(**bad), now=NOW)
        assert _field(exc) == field
    # a task of another township is simply not there
    other = setup.create_township(e, w.admin, code="BYZ", name="白云镇", county="示范县")
    with pytest.raises(ValidationError, match="请选择任务所属的乡镇"):  # a county account of two townships
        svc.create_task(e, w.admin, task(), now=NOW)
    theirs = svc.create_task(e, w.admin, task(), township_id=other, now=NOW)
    with pytest.raises(NotFound):
        svc.update_task(scoped(e, w.town), w.leader, theirs["id"], 1, task(owner="李秀梅"), now=NOW)


def test_milestones_progress_and_closing_rules(w):
    e, lead = w.engine, w.leader
    t = svc.create_task(e, lead, task(due_on=D(30)), now=NOW)
    with pytest.raises(ValidationError, match="不能晚于任务完成时限") as exc:
        svc.add_milestone(e, lead, t["id"], 1, title="完成施工", due_on=D(31), now=NOW)
    assert _field(exc) == "due_on"
    m1 = svc.add_milestone(e, lead, t["id"], 1, title="完成招标", due_on=D(-2), now=NOW)
    with pytest.raises(ValidationError, match="已有名为"):
        svc.add_milestone(e, lead, t["id"], m1["version"], title="完成招标", due_on=D(5), now=NOW)
    m2 = svc.add_milestone(e, lead, t["id"], m1["version"], title="主体完工", due_on=D(20), now=NOW)
    with pytest.raises(ValidationError, match="不能晚于今天"):
        svc.set_milestone_done(e, lead, m1["id"], 1, done_on=D(1), now=NOW)
    with pytest.raises(ValidationError, match="0至100"):
        svc.report_progress(e, lead, t["id"], m2["version"], percent=101, text="已完成招标工作。", now=NOW)
    with pytest.raises(ValidationError, match="早于最晚的节点时限"):
        svc.update_task(e, lead, t["id"], m2["version"], task(due_on=D(10)), now=NOW)
    # closing out: evidence required; milestones not done need the reason
    for kw, field in (
        (dict(evidence=""), "evidence"),
        (dict(evidence="县专班已验收。"), "reason"),
        (dict(evidence="县专班已验收。", reason="并入下一阶段。", closed_on=D(1)), "closed_on"),
    ):
        with pytest.raises(ValidationError) as exc:
            svc.close_task(e, lead, t["id"], m2["version"], now=NOW, **kw)
        assert _field(exc) == field, kw
    assert "还有2个节点未完成（“完成招标”、“主体完工”）" in str(_close_error(w, t["id"], m2["version"]))
    c = svc.close_task(e, lead, t["id"], m2["version"], evidence="县专班已验收。", reason="主体并入县级项目。", now=NOW)
    with read_session(e) as s:
        assert s.get(Task, t["id"]).closing_reason == "主体并入县级项目。"
    # a closed task is the leaders' to reopen: nothing else changes it
    for call in (
        lambda: svc.report_progress(e, lead, t["id"], c["version"], percent=100, text="已全部完成。", now=NOW),
        lambda: svc.add_milestone(e, lead, t["id"], c["version"], title="验收", due_on=D(1), now=NOW),
        lambda: svc.set_milestone_done(e, lead, m1["id"], 1, now=NOW),
    ):
        with pytest.raises(ValidationError, match="已销号"):
            call()


def _close_error(w: W, task_id: int, version: int) -> ValidationError:
    try:
        svc.close_task(w.engine, w.leader, task_id, version, evidence="县专班已验收。", now=NOW)
    except ValidationError as exc:
        return exc
    raise AssertionError("closed with milestones left")


# --------------------------------------------------------------------------- warnings and counts


def test_warnings_and_counts_at_a_fixed_day(w):
    e, a = w.engine, w.admin
    late = svc.create_task(e, a, task(title="逾期任务", due_on=D(-3)), now=NOW)
    soon = svc.create_task(e, a, task(title="临期任务", due_on=D(2)), now=NOW)
    svc.create_task(e, a, task(title="今天到期", due_on=TODAY), now=NOW)
    far = svc.create_task(e, a, task(title="节点逾期", due_on=D(30), lead_unit="综治中心"), now=NOW)
    svc.add_milestone(e, a, far["id"], 1, title="完成摸底", due_on=D(-1), now=NOW)
    done = svc.create_task(e, a, task(title="已销号", due_on=D(-10)), now=NOW)
    svc.close_task(e, a, done["id"], 1, evidence="已验收合格。", closed_on=D(-1), now=NOW)
    with read_session(e) as s:
        assert tq.counts(s, TODAY) == {"open": 4, "overdue": 1, "due_soon": 2, "milestone_overdue": 1}
        week = tq.week_counts(s, date(2026, 3, 2), date(2026, 3, 8), TODAY)
        assert (week["closed_week"], week["due_week"], week["due_week_closed"]) == (1, 2, 0)
        _, rows = tq.task_page(s, tq.TaskFilter(status=None), TODAY, "leader")
        shown = {r["title"]: r["warning_text"] for r in rows}
        assert shown == {
            "逾期任务": "已逾期3天",
            "临期任务": "即将到期（剩2天）",
            "今天到期": "今天到期",
            "节点逾期": "1个节点逾期",
            "已销号": "",
        }
        assert [r["title"] for r in rows][:2] == ["逾期任务", "今天到期"]  # open first, by deadline; closed last
        assert rows[-1]["title"] == "已销号"
        for warning, titles in (
            ("overdue", ["逾期任务"]),
            ("due_soon", ["今天到期", "临期任务"]),
            ("milestone_overdue", ["节点逾期"]),
        ):
            _, found = tq.task_page(s, tq.TaskFilter(warning=warning), TODAY, "leader")
            assert [r["title"] for r in found] == titles, warning
        assert tq.task_page(s, tq.TaskFilter(lead_unit="综治中心"), TODAY, "leader")[0] == 1
        assert tq.task_page(s, tq.TaskFilter(text="临期"), TODAY, "leader")[0] == 1
        assert [t["title"] for t in tq.overdue_tasks(s, TODAY, "leader")] == ["逾期任务"]
        file = tq.task_detail(s, "demo", late["id"], TODAY)
        assert file["owner"] == "王*国" and file["warning_text"] == "已逾期3天"  # staff names masked for the observer
        assert tq.task_detail(s, "leader", soon["id"], TODAY)["owner"] == "王建国"
    assert rules.warning(D(7), TODAY) == ("soon", "即将到期（剩7天）") and rules.warning(D(8), TODAY) == ("", "")
    assert rules.warning(D(-1), TODAY, done=True) == ("", "")


# --------------------------------------------------------------------------- the Excel import


def _workbook(tasks: list[list], milestones: list[list]) -> bytes:
    wb = load_workbook(io.BytesIO(base.template_bytes(imp.SPEC)))
    for row in tasks:
        wb["任务"].append(row)
    for row in milestones:
        wb["节点"].append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


GOOD_TASKS = [
    ["县-001", "网格员培训全覆盖", "综治中心", "各村（社区）", "刘晓东", "培训300人次", "县级交办", "2026-06-30"],
    ["县-002", "防汛物资储备", "应急管理办公室", None, None, None, None, date(2026, 5, 31)],
]
GOOD_MILESTONES = [
    ["县-001", "制定培训计划", "2026-03-31"],
    ["县-001", "完成集中培训", "2026-05-31"],
    ["县-002", "补齐缺口物资", "2026-05-15"],
]


def test_import_good_file_then_unchanged_then_updated(w):
    e = w.engine
    content = _workbook(GOOD_TASKS, GOOD_MILESTONES)
    report = base.run(e, w.leader, imp, content, file_name="任务台账.xlsx")
    assert report.ok, report.errors
    assert report.counts == {
        "任务": {"created": 2, "updated": 0, "unchanged": 0},
        "节点": {"created": 3, "updated": 0, "unchanged": 0},
    }
    again = base.run(e, w.leader, imp, content)
    assert again.ok and again.counts == {
        "任务": {"created": 0, "updated": 0, "unchanged": 2},
        "节点": {"created": 0, "updated": 0, "unchanged": 3},
    }
    with read_session(e) as s:
        t1 = s.scalar(select(Task).where(Task.number == "县-001"))
        assert (t1.source, t1.due_on, t1.owner, t1.version) == ("county", date(2026, 6, 30), "刘晓东", 1)
        assert s.scalar(select(Task.source).where(Task.number == "县-002")) == "township"  # empty: 乡镇自定
        assert [
            m.seq
            for m in s.scalars(select(TaskMilestone).where(TaskMilestone.task_id == t1.id).order_by(TaskMilestone.seq))
        ] == [1, 2]
    # a changed deadline and a new milestone: one update, one created after the task's own
    changed = _workbook([[*GOOD_TASKS[0][:7], "2026-07-31"]], [["县-001", "组织考核", "2026-07-15"]])
    report = base.run(e, w.leader, imp, changed)
    assert report.ok and report.counts["任务"] == {"created": 0, "updated": 1, "unchanged": 0}
    with read_session(e) as s:
        assert s.scalar(select(TaskMilestone.seq).where(TaskMilestone.title == "组织考核")) == 3
    update = w.audits("task.import")[-1]
    assert update.before == {"due_on": "2026-06-30"} and update.after == {"due_on": "2026-07-31"}
    assert len(w.audits("import.tasks")) == 3
    with pytest.raises(PermissionDenied):
        base.run(e, account(e, w.admin, "clerk", "reception", "王接待"), imp, content)


def test_import_bad_rows_are_named_and_nothing_is_written(w):
    e = w.engine
    svc.create_task(e, w.admin, task(number="县-009", due_on=D(10)), now=NOW)
    content = _workbook(
        [
            ["县-001", None, "综治中心", None, None, None, None, "2026-06-30"],  # row 4: no title
            ["县-002", "防汛物资储备", "应急管理办公室", None, None, None, "省级交办", "六月底"],  # row 5
            ["RW-2026-000123", "道路安全隐患治理", "派出所", None, None, None, None, "2026-06-30"],  # row 6
            ["县-003", "信访积案化解", "司法所", None, None, None, None, "2026-04-30"],  # row 7
            ["县-003", "信访积案化解", "司法所", None, None, None, None, "2026-04-30"],
        ],  # row 8: twice
        [
            ["县-404", "完成摸底", "2026-04-01"],  # row 4: no such task
            ["县-003", "全部化解", "2026-05-31"],  # row 5: after the task's deadline
            ["县-009", "完成摸底", "2026-12-31"],
        ],
    )  # row 6: after the console task's deadline
    report = base.run(e, w.leader, imp, content)
    assert not report.ok
    found = {(x.sheet, x.row, x.column) for x in report.errors}
    assert found == {
        ("任务", 4, "任务名称"),
        ("任务", 5, "来源"),
        ("任务", 5, "完成时限"),
        ("任务", 6, "任务编号"),
        ("任务", 8, None),
        ("节点", 4, "任务编号"),
        ("节点", 5, "节点时限"),
        ("节点", 6, "节点时限"),
    }
    assert "必填" in next(str(x) for x in report.errors if x.row == 4 and x.sheet == "任务")
    with read_session(e) as s:
        assert s.scalar(select(func.count()).select_from(Task)) == 1
        assert s.scalar(select(func.count()).select_from(TaskMilestone)) == 0
    assert base.summary(report).startswith("检查发现")


# --------------------------------------------------------------------------- the weekly report


def test_weekly_report_section(w):
    e, a = w.engine, w.admin
    svc.create_task(e, a, task(title="逾期很久", due_on=D(-20), number="县-001"), now=NOW)
    svc.create_task(e, a, task(title="逾期不久", due_on=D(-1), number="县-002", owner=None), now=NOW)
    svc.create_task(e, a, task(title="本周到期", due_on=D(3)), now=NOW)
    closed = svc.create_task(e, a, task(title="本周销号", due_on=D(1)), now=NOW)
    svc.close_task(e, a, closed["id"], 1, evidence="已验收合格。", now=NOW)
    with read_session(e) as s:
        report = wr.assemble(s, wr.week_of(TODAY), NOW, "leader")
    t = report["tasks"]
    assert {k: t[k] for k in ("open", "overdue", "closed_week", "due_week", "due_week_closed")} == {
        "open": 3,
        "overdue": 2,
        "closed_week": 1,
        "due_week": 3,
        "due_week_closed": 1,
    }
    assert [(i["number"], i["overdue_days"], i["due"]) for i in t["items"]] == [
        ("县-001", 20, D(-20)),
        ("县-002", 1, D(-1)),
    ]
    title, note, head, rows = next(x for x in wr.sections(report) if x[0].endswith("任务台账"))
    assert title == "八、任务台账" and "在办任务 3 项" in note and "本周销号 1 项" in note
    assert head[:3] == ["编号", "任务", "牵头单位"] and rows[0][:3] == ["县-001", "逾期很久", "规划建设办公室"]
    ws = load_workbook(io.BytesIO(wr.build_xlsx(report)))["任务台账"]
    assert ws["A5"].value == "县-001" and ws["E5"].value.date() == D(-20) and "yy" in ws["E5"].number_format


# --------------------------------------------------------------------------- the page


def test_the_page_opens_a_task_and_a_leader_reports_progress_while_the_observer_only_reads(demo_db):
    from db.models import TaskProgress
    from tests.factories.pages import engine as demo_engine
    from tests.factories.pages import logged_in_app

    leader, demo = demo_db["leader"], demo_db["demo"]
    eng = scoped(demo_engine(), leader.township_id)
    with read_session(eng) as s:
        tid = s.scalar(select(Task.id).where(Task.status == "open").order_by(Task.due_on, Task.id))
        before = s.scalar(select(func.count()).select_from(TaskProgress).where(TaskProgress.task_id == tid))

    def open_task(actor):
        at = logged_in_app(actor)
        at.query_params["task"] = str(tid)
        at.run()
        return at.switch_page("pages/tasks.py").run()

    at = open_task(demo)  # the demo township's most overdue task: masked owner, no actions
    assert not at.exception and at.subheader[0].value.startswith(("县-", "RW-"))
    assert any("red-badge[已逾期" in m.value for m in at.markdown)
    assert "*" in at.table[0].value.loc["责任人", "内容"] and not at.get("segmented_control")
    at = open_task(leader)
    at.segmented_control(key=f"task_act_{tid}").set_value("progress").run()
    [t for t in at.text_area if t.label == "进展情况"][0].input("已召开推进会，落实整改措施。")
    [b for b in at.button if b.label == "报告进展"][0].click().run()
    assert not at.exception and any("已报告进展" in m.value for m in at.success), [e.value for e in at.error]
    with read_session(eng) as s:
        assert s.scalar(select(func.count()).select_from(TaskProgress).where(TaskProgress.task_id == tid)) == before + 1
