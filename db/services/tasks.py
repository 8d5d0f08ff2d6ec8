"""Writes of the task ledger (任务台账): a task created and edited, its milestones added and marked
done, progress reported, the task closed out (销号) on evidence and reopened.

Each function checks the permission (``task.manage``; closing and reopening ``task.close``),
validates with field-tagged Chinese messages (``db.rules.tasks``), compares the version the form
loaded (``UPDATE … WHERE version = :loaded``) and writes its audit record with before and after, in
one transaction. Tasks are a township's: a township's user works in their own township (the
session's township rule makes another township's task "不存在或无权查看"); a county account names
the township of a new task (or the only one there is).

Closing out: the evidence (销号依据: what shows the standard was met) is required, and every
milestone must be done, or the reason they are not (``reason``) given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.engine import write_session
from db.errors import NotFound, PermissionDenied, ValidationError
from db.models import Task, TaskMilestone, TaskProgress, Township
from db.models.tasks import TASK_SOURCES
from db.permissions import Actor, require
from db.rules import tasks as rules
from db.rules.sla import local_date
from db.rules.text import bounded_int, clean_text
from db.services import audit
from db.services.base import cas, next_number, now_or, violates_unique

FIELDS = ("title", "lead_unit", "responsible_units", "owner", "standard", "source", "due_on")
CLOSED_MESSAGE = "任务{number}已销号，不能再修改；如需继续推进，请先重新打开。"


@dataclass
class TaskInput:
    title: Any
    lead_unit: Any
    due_on: Any
    responsible_units: Any = None
    owner: Any = None
    standard: Any = None
    source: Any = "township"
    number: Any = None  # the ledger's own number; empty: RW-<year>-<seq>


def clean_input(data: TaskInput) -> dict[str, Any]:
    """The task's fields as stored (ValidationError at the first bad field)."""
    return {
        "title": rules.clean_title(data.title),
        "lead_unit": rules.clean_lead_unit(data.lead_unit),
        "responsible_units": rules.clean_units(data.responsible_units),
        "owner": rules.clean_owner(data.owner),
        "standard": rules.clean_standard(data.standard),
        "source": rules.clean_source(data.source),
        "due_on": rules.clean_date(data.due_on, "完成时限", "due_on"),
    }


def _version(value: Any) -> int:
    return bounded_int(value, 1, 2**31 - 1, "版本号无效，请刷新后重新编辑。", field="version")


def _township(s: Session, actor: Actor, township_id: int | None) -> int:
    """The township of a new task: the actor's own; a county account's choice, or the only one."""
    if actor.township_id is not None:
        if township_id not in (None, actor.township_id):
            raise PermissionDenied("只能为本乡镇登记任务。")
        return actor.township_id
    if township_id is not None:
        if not _ident(township_id) or s.get(Township, township_id) is None:
            raise ValidationError("所选乡镇不存在。", field="township_id")
        return township_id
    towns = list(s.scalars(select(Township.id).order_by(Township.id).limit(2)))
    if len(towns) == 1:
        return towns[0]
    raise ValidationError("请选择任务所属的乡镇。" if towns else "请先新建乡镇。", field="township_id")


def _ident(value: Any) -> int | None:
    """A record id as a form or a link may give it: a whole number a 64-bit key can hold, else None."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 2**63 - 1:
        return value
    return None


def _task(s: Session, task_id: Any) -> Task:
    task = s.get(Task, _ident(task_id)) if _ident(task_id) else None
    if task is None:
        raise NotFound("任务不存在或无权查看。")
    return task


def _open_task(s: Session, task_id: Any) -> Task:
    task = _task(s, task_id)
    if task.status != "open":
        raise ValidationError(CLOSED_MESSAGE.format(number=task.number), field="status")
    return task


def _number_taken(s: Session, township_id: int, number: str) -> bool:
    return bool(
        s.scalar(select(func.count()).select_from(Task).where(Task.township_id == township_id, Task.number == number))
    )


def new_number(s: Session, township_id: int, now: datetime) -> str:
    """RW-<year>-<seq> from the counter, past any the township's ledger already holds."""
    while True:
        number = next_number(s, rules.NUMBER_PREFIX, now)
        if not _number_taken(s, township_id, number):
            return number


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, (date, datetime)) else v) for k, v in values.items()}


# --------------------------------------------------------------------------- the task


def create_task(
    engine: Engine, actor: Actor, data: TaskInput, *, township_id: int | None = None, now: datetime | None = None
) -> dict:
    """A new task of the ledger; returns {"id", "number", "version"}."""
    require(actor, "task.manage")
    now = now_or(now)
    values = clean_input(data)
    own = rules.clean_number(data.number)
    if own and rules.CONSOLE_NUMBER.fullmatch(own):
        raise ValidationError("RW-年份-序号 形式的编号由系统生成，请留空或使用本台账自己的编号。", field="number")
    with write_session(engine) as s:
        town = _township(s, actor, township_id)
        if own and _number_taken(s, town, own):
            raise ValidationError(f"任务编号“{own}”已被使用，请换一个。", field="number")
        number = own or new_number(s, town, now)
        task = Task(
            township_id=town,
            number=number,
            status="open",
            progress_percent=0,
            created_by=actor.user_id or None,
            created_at=now,
            updated_at=now,
            version=1,
            **values,
        )
        s.add(task)
        try:
            s.flush()
        except IntegrityError as exc:
            if violates_unique(exc, "uq_task_township_number", "task", "number"):
                raise ValidationError(f"任务编号“{number}”刚被他人使用，请换一个。", field="number") from None
            raise
        audit.record(s, actor, "task.create", "task", task.id, after=_plain({"number": number, **values}))
        return {"id": task.id, "number": number, "version": 1}


def update_task(
    engine: Engine, actor: Actor, task_id: int, version: int, data: TaskInput, *, now: datetime | None = None
) -> dict:
    """Edit an open task's fields (its number stays: the ledger and its imports know it by it)."""
    require(actor, "task.manage")
    now = now_or(now)
    version = _version(version)
    values = clean_input(data)
    with write_session(engine) as s:
        task = _open_task(s, task_id)
        last_milestone = s.scalar(select(func.max(TaskMilestone.due_on)).where(TaskMilestone.task_id == task.id))
        if last_milestone and values["due_on"] < last_milestone:
            raise ValidationError(f"完成时限不能早于最晚的节点时限（{last_milestone:%Y-%m-%d}）。", field="due_on")
        changed = {k: v for k, v in values.items() if getattr(task, k) != v}
        before = {k: getattr(task, k) for k in changed}
        new_version = cas(s, Task, task.id, version, changed, now)
        audit.record(
            s,
            actor,
            "task.update",
            "task",
            task.id,
            before=_plain({"number": task.number, **before}),
            after=_plain({"number": task.number, **changed}),
        )
        return {"id": task.id, "number": task.number, "version": new_version}


# --------------------------------------------------------------------------- milestones


def add_milestone(
    engine: Engine,
    actor: Actor,
    task_id: int,
    version: int,
    *,
    title: Any,
    due_on: Any,
    note: Any = None,
    now: datetime | None = None,
) -> dict:
    """A milestone at the end of an open task's list; the task's version moves (its form is
    stale). Returns {"id", "version"} (the task's new version)."""
    require(actor, "task.manage")
    now = now_or(now)
    version = _version(version)
    title = clean_text(
        title, "节点名称", max_len=rules.TITLE_MAX, min_len=rules.TITLE_MIN, required=True, field="title"
    )
    due = rules.clean_date(due_on, "节点时限", "due_on")
    note = clean_text(note, "说明", max_len=rules.TEXT_MAX, multiline=True, field="note")
    with write_session(engine) as s:
        task = _open_task(s, task_id)
        rules.milestone_within_task(due, task.due_on)
        if s.scalar(
            select(func.count())
            .select_from(TaskMilestone)
            .where(TaskMilestone.task_id == task.id, TaskMilestone.title == title)
        ):
            raise ValidationError(f"本任务已有名为“{title}”的节点。", field="title")
        new_version = cas(s, Task, task.id, version, {}, now)
        seq = (s.scalar(select(func.max(TaskMilestone.seq)).where(TaskMilestone.task_id == task.id)) or 0) + 1
        m = TaskMilestone(task_id=task.id, seq=seq, title=title, due_on=due, note=note, version=1, updated_at=now)
        s.add(m)
        s.flush()
        audit.record(
            s,
            actor,
            "task.milestone_add",
            "task_milestone",
            m.id,
            after=_plain({"number": task.number, "seq": seq, "title": title, "due_on": due, "note": note}),
        )
        return {"id": m.id, "version": new_version}


def set_milestone_done(
    engine: Engine,
    actor: Actor,
    milestone_id: int,
    version: int,
    *,
    done: bool = True,
    done_on: Any = None,
    note: Any = None,
    now: datetime | None = None,
) -> dict:
    """Mark a milestone done on ``done_on`` (today when empty; never later than today), or not
    done again (``done=False``). Returns {"id", "version"} (the milestone's)."""
    require(actor, "task.manage")
    now = now_or(now)
    version = _version(version)
    note = clean_text(note, "说明", max_len=rules.TEXT_MAX, multiline=True, field="note")
    with write_session(engine) as s:
        m = s.get(TaskMilestone, _ident(milestone_id)) if _ident(milestone_id) else None
        if m is None:
            raise NotFound("节点不存在或无权查看。")
        task = _open_task(s, m.task_id)
        if done:
            day = rules.clean_date(done_on, "完成日期", "done_on", required=False) or local_date(now)
            rules.not_after_today(day, local_date(now), "完成日期", "done_on")
            changes: dict[str, Any] = {"done_on": day}
        else:
            if m.done_on is None:
                raise ValidationError("该节点尚未完成。", field="done_on")
            changes = {"done_on": None}
        if note is not None:
            changes["note"] = note
        before = {k: getattr(m, k) for k in changes}
        new_version = cas(s, TaskMilestone, m.id, version, changes, now)
        audit.record(
            s,
            actor,
            "task.milestone_done" if done else "task.milestone_undo",
            "task_milestone",
            m.id,
            before=_plain(before),
            after=_plain({"number": task.number, "title": m.title, **changes}),
        )
        return {"id": m.id, "version": new_version}


# --------------------------------------------------------------------------- progress


def report_progress(
    engine: Engine,
    actor: Actor,
    task_id: int,
    version: int,
    *,
    percent: Any,
    text: Any,
    reported_on: Any = None,
    now: datetime | None = None,
) -> dict:
    """A progress report (进展) of an open task: the day (today when empty), the percentage done
    and what was done; the task shows it as its latest. Returns {"id", "version"} (the task's)."""
    require(actor, "task.manage")
    now = now_or(now)
    version = _version(version)
    percent = rules.clean_percent(percent)
    words = clean_text(text, "进展情况", max_len=rules.TEXT_MAX, min_len=4, required=True, multiline=True, field="text")
    day = rules.clean_date(reported_on, "报告日期", "reported_on", required=False) or local_date(now)
    rules.not_after_today(day, local_date(now), "报告日期", "reported_on")
    with write_session(engine) as s:
        task = _open_task(s, task_id)
        changes: dict[str, Any] = {"progress_percent": percent}
        if task.last_report_on is None or day >= task.last_report_on:
            changes["last_report_on"] = day
        before = {"progress_percent": task.progress_percent, "last_report_on": task.last_report_on}
        new_version = cas(s, Task, task.id, version, changes, now)
        p = TaskProgress(
            task_id=task.id,
            reported_on=day,
            percent=percent,
            text=words,
            reporter_id=actor.user_id or None,
            created_at=now,
        )
        s.add(p)
        s.flush()
        audit.record(
            s,
            actor,
            "task.progress",
            "task_progress",
            p.id,
            before=_plain(before),
            after=_plain({"number": task.number, "reported_on": day, "percent": percent, "text": words}),
        )
        return {"id": p.id, "version": new_version}


# --------------------------------------------------------------------------- 销号


def close_task(
    engine: Engine,
    actor: Actor,
    task_id: int,
    version: int,
    *,
    evidence: Any,
    closed_on: Any = None,
    reason: Any = None,
    now: datetime | None = None,
) -> dict:
    """Close the task out (销号) on ``evidence``; milestones not done need ``reason``."""
    require(actor, "task.close")
    now = now_or(now)
    version = _version(version)
    evidence = clean_text(
        evidence,
        "销号依据",
        max_len=rules.TEXT_MAX,
        min_len=rules.EVIDENCE_MIN,
        required=True,
        multiline=True,
        field="evidence",
    )
    reason = clean_text(reason, "未完成节点的说明", max_len=rules.REASON_MAX, min_len=4, multiline=True, field="reason")
    day = rules.clean_date(closed_on, "销号日期", "closed_on", required=False) or local_date(now)
    rules.not_after_today(day, local_date(now), "销号日期", "closed_on")
    with write_session(engine) as s:
        task = _open_task(s, task_id)
        left = list(
            s.scalars(
                select(TaskMilestone.title)
                .where(TaskMilestone.task_id == task.id, TaskMilestone.done_on.is_(None))
                .order_by(TaskMilestone.seq)
            )
        )
        if left and not reason:
            names = "、".join(f"“{t}”" for t in left[:3]) + ("等" if len(left) > 3 else "")
            raise ValidationError(
                f"还有{len(left)}个节点未完成（{names}）：请先标记完成，或填写未完成节点的说明后再销号。",
                field="reason",
            )
        changes = {
            "status": "closed",
            "closed_on": day,
            "closing_evidence": evidence,
            "closing_reason": reason if left else None,
            "closed_by": actor.user_id or None,
        }
        before = {k: getattr(task, k) for k in changes}
        new_version = cas(s, Task, task.id, version, changes, now)
        audit.record(
            s,
            actor,
            "task.close",
            "task",
            task.id,
            before=_plain(before),
            after=_plain({"number": task.number, **changes, "open_milestones": len(left)}),
        )
        return {"id": task.id, "version": new_version}


def reopen_task(
    engine: Engine, actor: Actor, task_id: int, version: int, *, reason: Any, now: datetime | None = None
) -> dict:
    """Reopen a closed task (the closing is kept in the audit log), with the reason."""
    require(actor, "task.close")
    now = now_or(now)
    version = _version(version)
    reason = clean_text(
        reason, "重新打开的原因", max_len=rules.REASON_MAX, min_len=4, required=True, multiline=True, field="reason"
    )
    with write_session(engine) as s:
        task = _task(s, task_id)
        if task.status != "closed":
            raise ValidationError(f"任务{task.number}尚未销号。", field="status")
        changes = {
            "status": "open",
            "closed_on": None,
            "closing_evidence": None,
            "closing_reason": None,
            "closed_by": None,
        }
        before = {k: getattr(task, k) for k in changes}
        new_version = cas(s, Task, task.id, version, changes, now)
        audit.record(
            s,
            actor,
            "task.reopen",
            "task",
            task.id,
            before=_plain(before),
            after={"number": task.number, "status": "open", "reason": reason},
        )
        return {"id": task.id, "version": new_version}


__all__ = [
    "TaskInput",
    "add_milestone",
    "clean_input",
    "close_task",
    "create_task",
    "new_number",
    "reopen_task",
    "report_progress",
    "set_milestone_done",
    "update_task",
    "TASK_SOURCES",
]
