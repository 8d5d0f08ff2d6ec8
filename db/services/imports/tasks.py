"""The task ledger from Excel (issue #21, item 6): the township's 任务台账 as the county hands it
out (seeds 001 and 003: tasks with a lead unit, responsible units, a deadline and a quantified
standard) and its milestones (节点).

Keys: a task by its ledger number (任务编号) in the township, a milestone by its task and its name
(节点名称). A re-import updates what changed (one audit record each, before and after) and leaves
the rest alone; running the same file twice changes nothing. The numbers of the console's own
form (RW-2026-000123) are handed out by the counter and are refused for a new task. A task closed
out (销号) in the console is the console's: a row that would change it, or add a milestone to it, is
refused. New milestones go after the task's existing ones, in the file's order; a milestone's
deadline may not be later than its task's. Progress and closing are recorded in the console,
not imported.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from sqlalchemy import select

from db.errors import ValidationError
from db.models import Task, TaskMilestone
from db.models.base import utcnow
from db.models.tasks import TASK_SOURCES
from db.rules import tasks as rules
from db.rules.text import clean_text
from db.services.imports.base import Col, Context, RowCheck, Sheet, Spec, changed, duplicates, upsert

TASKS = Sheet(
    "任务",
    (
        Col(
            "任务编号",
            "本乡镇台账中的编号，如 县-036 或 2026-15；每个任务一个，不重复。系统按编号识别任务。",
            "县-036",
            True,
            width=14,
        ),
        Col("任务名称", "2至200字。", "老旧小区改造（东湖社区）", True, width=30),
        Col("牵头单位", "一个单位。", "规划建设办公室", True, width=18),
        Col("责任单位", "可填多个，用顿号分隔。", "东湖社区、综治中心", width=24),
        Col("责任人", "姓名。", "王建国", width=10),
        Col(
            "量化标准",
            "完成的可衡量标准，如 完成3栋楼外墙改造、惠及120户。",
            "完成3栋楼外墙及管网改造，惠及120户",
            width=36,
        ),
        Col("来源", "留空为乡镇自定。", "县级交办", choices=tuple(TASK_SOURCES.values()), width=10),
        Col("完成时限", "日期，如 2026-12-31。", "2026-12-31", True, width=12),
    ),
    "按“任务编号”识别：编号已有则更新（已销号的任务不能通过导入修改），否则新建",
)
MILESTONES = Sheet(
    "节点",
    (
        Col("任务编号", "本文件“任务”表中或系统中已有的任务编号。", "县-036", True, width=14),
        Col("节点名称", "同一任务内不重复，如 完成方案设计。", "完成施工招标", True, width=30),
        Col("节点时限", "日期，不晚于任务的完成时限。", "2026-09-30", True, width=12),
    ),
    "按“任务编号 + 节点名称”识别：已有则更新节点时限，否则按文件顺序排在该任务已有节点之后",
)

SPEC = Spec(
    "tasks",
    "任务台账",
    "task.manage",
    (TASKS, MILESTONES),
    notes=(
        "进展情况和销号在“任务台账”页面中记录，不通过导入。",
        "编号形如 RW-2026-000123 的任务由系统生成；新任务请使用台账自己的编号，或在页面上新建。",
    ),
)


def _cell(row: RowCheck, column: str, cleaner) -> Any:
    """The cell through one of the task rules (a ValidationError is the cell's problem)."""
    return row.clean(column, cleaner)


def _date(row: RowCheck, column: str) -> date | None:
    day = row.date(column)
    if day is None:
        return None
    try:
        return rules.clean_date(day, column, column)
    except ValidationError as exc:
        row.bad(column, exc.message)
        return None


def check(ctx: Context, sheets: dict[str, list[tuple[int, dict[str, Any]]]]) -> dict[str, Any]:
    s, town = ctx.s, ctx.township_id
    existing = {t.number: t for t in s.scalars(select(Task).where(Task.township_id == town))}
    plan: dict[str, Any] = {"tasks": [], "milestones": [], "existing": existing}
    keyed: list[tuple[int, Any]] = []
    due: dict[str, date] = {number: t.due_on for number, t in existing.items()}
    closed = {number for number, t in existing.items() if t.status == "closed"}
    for number, values in sheets.get(TASKS.name, []):
        row = RowCheck(ctx, TASKS, number, values)
        key = _cell(row, "任务编号", lambda v: rules.clean_number(v, required=True))
        fields = {
            "title": _cell(row, "任务名称", rules.clean_title),
            "lead_unit": _cell(row, "牵头单位", rules.clean_lead_unit),
            "responsible_units": _cell(row, "责任单位", rules.clean_units),
            "owner": _cell(row, "责任人", rules.clean_owner),
            "standard": _cell(row, "量化标准", rules.clean_standard),
            "source": row.choice("来源", TASK_SOURCES) or "township",
            "due_on": _date(row, "完成时限"),
        }
        keyed.append((number, key))
        if key and key not in existing and rules.CONSOLE_NUMBER.fullmatch(key):
            row.bad("任务编号", "RW-年份-序号 形式的编号由系统生成，新任务请使用台账自己的编号。")
        if key in closed and row.ok and changed(existing[key], fields):
            row.bad(None, f"任务{key}已在系统中销号，不能通过导入修改；如需修改请先在页面上重新打开。")
        if row.ok:
            plan["tasks"].append((number, key, fields))
            due[key] = fields["due_on"]
    dupes = duplicates(ctx, TASKS, keyed, "任务编号")
    file_tasks = {key for _, key, _ in plan["tasks"]}  # a task given twice is still in the file
    plan["tasks"] = [p for p in plan["tasks"] if p[1] not in dupes]

    keyed = []
    known = _milestones(ctx)
    for number, values in sheets.get(MILESTONES.name, []):
        row = RowCheck(ctx, MILESTONES, number, values)
        key = _cell(row, "任务编号", lambda v: rules.clean_number(v, required=True))
        title = _cell(
            row,
            "节点名称",
            lambda v: clean_text(v, "节点名称", max_len=rules.TITLE_MAX, min_len=rules.TITLE_MIN, required=True),
        )
        day = _date(row, "节点时限")
        keyed.append((number, (key, title) if key and title else None))
        if key and key not in file_tasks and key not in existing:
            row.bad("任务编号", f"本乡镇没有编号为“{key}”的任务，请先在“任务”表中填写。")
        elif key and day and due.get(key) and day > due[key]:
            row.bad("节点时限", f"不能晚于任务的完成时限（{due[key]:%Y-%m-%d}）。")
        elif key in closed and row.ok:
            m = known.get((key, title))
            if m is None or m.due_on != day:
                row.bad(None, f"任务{key}已在系统中销号，不能通过导入增加或修改节点。")
        if row.ok:
            plan["milestones"].append((number, key, title, day))
    duplicates(ctx, MILESTONES, keyed, "任务编号和节点名称")
    # the milestones' deadlines after the import (the console's, as the file changes them)
    final = {k: m.due_on for k, m in known.items()}
    final.update({(key, title): day for _, key, title, day in plan["milestones"]})
    latest: dict[str, date] = {}
    for (key, _title), day in final.items():
        latest[key] = max(latest.get(key, day), day)
    # a task's new deadline may not come before a milestone it keeps
    for number, key, fields in plan["tasks"]:
        if key in latest and fields["due_on"] < latest[key]:
            ctx.error(TASKS.name, number, "完成时限", f"早于该任务最晚的节点时限（{latest[key]:%Y-%m-%d}）。")
    plan["known_milestones"] = known
    return plan


def _milestones(ctx: Context) -> dict[tuple[str, str], TaskMilestone]:
    """The township's milestones by (task number, name)."""
    return {
        (number, m.title): m
        for m, number in ctx.s.execute(
            select(TaskMilestone, Task.number)
            .join(Task, Task.id == TaskMilestone.task_id)
            .where(Task.township_id == ctx.township_id)
            .order_by(TaskMilestone.task_id, TaskMilestone.seq)
        )
    }


def write(ctx: Context, plan: dict[str, Any]) -> dict[str, dict[str, int]]:
    town, now = ctx.township_id, utcnow()
    tasks: dict[str, Task] = plan["existing"]
    for _number, key, fields in plan["tasks"]:
        tasks[key] = upsert(
            ctx,
            TASKS.name,
            tasks.get(key),
            partial(
                Task,
                township_id=town,
                number=key,
                status="open",
                progress_percent=0,
                created_by=ctx.actor.user_id or None,
                created_at=now,
            ),
            fields,
            "task",
            "task",
        )
    ctx.tick(0.8, "写入节点……")
    known: dict[tuple[str, str], TaskMilestone] = plan["known_milestones"]
    seqs: dict[int, int] = {}
    for (_key, _title), m in known.items():
        seqs[m.task_id] = max(seqs.get(m.task_id, 0), m.seq)
    for _number, key, title, day in plan["milestones"]:
        task = tasks[key]
        record = known.get((key, title))
        if record is None:
            seqs[task.id] = seqs.get(task.id, 0) + 1
            seq = seqs[task.id]
            values = {"task_id": task.id, "seq": seq, "title": title, "due_on": day}
        else:
            values = {"due_on": day}
        upsert(ctx, MILESTONES.name, record, TaskMilestone, values, "task_milestone", "task_milestone")
    return ctx.counts
