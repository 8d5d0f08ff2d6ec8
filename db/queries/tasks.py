"""Reads of the task ledger (任务台账): the list (filtered and paginated in SQL), a task's file with
its milestones and progress, the counts the page and the weekly report share, and the overdue list.

"Now" counts have one definition here (``COUNTS``: label and 口径), read by the page's cards and the
weekly report's section alike. Every function takes a Session and ``today`` (the local date: the
deadlines are local dates), never commits, and returns plain dicts, presented for the reader's role
(``privacy.present``: the owner and the people named on a task are the console's staff, masked for
the observer; free text scrubbed like every other).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from db.models import Task, TaskMilestone, TaskProgress, Township, User
from db.models.tasks import TASK_SOURCES, TASK_STATUSES
from db.queries import privacy
from db.rules import tasks as rules
from db.rules.text import search_text

T, M = Task, TaskMilestone
LIST_LIMIT = 30
TEXT = ("title", "standard", "closing_evidence", "closing_reason")
TASK = privacy.Entity(text=TEXT, staff={"owner": "name", "closed_by_name": "name", "created_by_name": "name"})
MILESTONE = privacy.Entity(text=("title", "note"))
PROGRESS = privacy.Entity(text=("text",), staff={"reporter": "name"})
ROW = privacy.Entity(text=("title",), staff={"owner": "name"})


@dataclass(frozen=True)
class Count:
    label: str
    basis: str  # 口径


# the "now" counts of the ledger, as the page's cards and the weekly report name them
COUNTS = {
    "open": Count("在办任务", "状态为推进中（未销号）的任务"),
    "overdue": Count("已逾期任务", "未销号且已过完成时限的任务"),
    "milestone_overdue": Count("逾期节点", "未销号任务中已过节点时限仍未完成的节点"),
    "due_soon": Count("7天内到期", f"未销号、完成时限在今天起{rules.DUE_SOON_DAYS}天内的任务"),
}
WARNINGS = {"overdue": "已逾期", "milestone_overdue": "节点逾期", "due_soon": "7天内到期"}


def _open():
    return T.status == "open"


def overdue_cond(today: date):
    return and_(_open(), T.due_on < today)


def due_soon_cond(today: date):
    return and_(_open(), T.due_on >= today, T.due_on <= today + timedelta(days=rules.DUE_SOON_DAYS))


def _late_milestone(today: date):
    return and_(M.done_on.is_(None), M.due_on < today)


def milestone_overdue_cond(today: date):
    """An open task with a milestone past its deadline and not done."""
    return and_(_open(), exists(select(M.id).where(M.task_id == T.id, _late_milestone(today))))


@dataclass(frozen=True)
class TaskFilter:
    status: str | None = "open"  # open / closed / None: all
    warning: str | None = None  # WARNINGS
    lead_unit: str | None = None
    text: str | None = None  # number or words of the title, lead unit, responsible units, owner


def _conditions(f: TaskFilter, today: date) -> list:
    conds: list = []
    if f.status in TASK_STATUSES:
        conds.append(T.status == f.status)
    if f.warning == "overdue":
        conds.append(overdue_cond(today))
    elif f.warning == "milestone_overdue":
        conds.append(milestone_overdue_cond(today))
    elif f.warning == "due_soon":
        conds.append(due_soon_cond(today))
    if f.lead_unit:
        conds.append(T.lead_unit == f.lead_unit)
    words = search_text(f.text)
    if words:
        conds.append(
            or_(
                T.number == words,
                T.title.contains(words, autoescape=True),
                T.lead_unit.contains(words, autoescape=True),
                T.responsible_units.contains(words, autoescape=True),
                T.owner == words,
            )
        )
    return conds


def _milestones_grouped(today: date):
    return (
        select(
            M.task_id.label("task_id"),
            func.count().label("m_total"),
            func.sum(case((M.done_on.is_not(None), 1), else_=0)).label("m_done"),
            func.sum(case((_late_milestone(today), 1), else_=0)).label("m_late"),
            func.min(case((M.done_on.is_(None), M.due_on), else_=None)).label("m_next"),
        )
        .group_by(M.task_id)
        .subquery("ms")
    )


def annotate(row: dict, today: date) -> dict:
    """The row's warning (level, words): the task's own deadline first, then its milestones."""
    done = row["status"] == "closed"
    level, words = rules.warning(row["due_on"], today, done)
    late = int(row.get("m_late") or 0)
    if level != "overdue" and late and not done:
        level, words = "overdue", f"{late}个节点逾期" + (f"；{words}" if words else "")
    elif not level and not done and row.get("m_next"):
        m_level, m_words = rules.warning(row["m_next"], today)
        if m_level:
            level, words = m_level, "节点" + m_words
    row["warning"], row["warning_text"] = level, words
    row["overdue_days"] = rules.overdue_days(row["due_on"], today, done)
    return row


def task_page(
    s: Session, f: TaskFilter, today: date, role: str, offset: int = 0, limit: int = 25
) -> tuple[int, list[dict]]:
    """One page of the ledger: open tasks first, by deadline (the most overdue first), then the
    closed ones, most recently closed first; each with its milestones' tally and warning."""
    where = _conditions(f, today)
    total = s.scalar(select(func.count()).select_from(T).where(*where)) or 0
    ms = _milestones_grouped(today)
    closed = T.status == "closed"
    stmt = (
        select(
            T.id,
            T.number,
            T.title,
            T.lead_unit,
            T.responsible_units,
            T.owner,
            T.source,
            T.due_on,
            T.status,
            T.progress_percent,
            T.last_report_on,
            T.closed_on,
            T.version,
            func.coalesce(ms.c.m_total, 0).label("m_total"),
            func.coalesce(ms.c.m_done, 0).label("m_done"),
            func.coalesce(ms.c.m_late, 0).label("m_late"),
            ms.c.m_next,
        )
        .outerjoin(ms, ms.c.task_id == T.id)
        .where(*where)
        .order_by(case((closed, 1), else_=0), case((closed, T.closed_on), else_=None).desc(), T.due_on, T.id)
        .offset(max(0, offset))
        .limit(max(1, limit))
    )
    rows = [annotate(dict(r), today) for r in s.execute(stmt).mappings()]
    return total, privacy.present(s, role, rows, ROW)


def counts(s: Session, today: date) -> dict[str, int]:
    """The ``COUNTS`` now, in one statement."""
    late_ms = (
        select(func.count())
        .select_from(M)
        .join(T, T.id == M.task_id)
        .where(_open(), _late_milestone(today))
        .scalar_subquery()
    )
    row = s.execute(
        select(
            func.coalesce(func.sum(case((_open(), 1), else_=0)), 0),
            func.coalesce(func.sum(case((overdue_cond(today), 1), else_=0)), 0),
            func.coalesce(func.sum(case((due_soon_cond(today), 1), else_=0)), 0),
            late_ms,
        ).select_from(T)
    ).one()
    return {"open": int(row[0]), "overdue": int(row[1]), "due_soon": int(row[2]), "milestone_overdue": int(row[3] or 0)}


def week_counts(s: Session, start: date, end: date, today: date) -> dict[str, int]:
    """The weekly meeting's figures: the ``COUNTS`` now, and of the week ``start``..``end``
    (local dates, both included) the tasks closed and the tasks due (and of those, closed)."""
    out = counts(s, today)
    in_week = lambda col: and_(col >= start, col <= end)  # noqa: E731
    row = s.execute(
        select(
            func.coalesce(func.sum(case((and_(T.status == "closed", in_week(T.closed_on)), 1), else_=0)), 0),
            func.coalesce(func.sum(case((in_week(T.due_on), 1), else_=0)), 0),
            func.coalesce(func.sum(case((and_(in_week(T.due_on), T.status == "closed"), 1), else_=0)), 0),
        ).select_from(T)
    ).one()
    out.update(closed_week=int(row[0]), due_week=int(row[1]), due_week_closed=int(row[2]))
    return out


def overdue_tasks(s: Session, today: date, role: str, limit: int = LIST_LIMIT) -> list[dict]:
    """Open tasks past their deadline, most overdue first (then by number)."""
    stmt = (
        select(T.id, T.number, T.title, T.lead_unit, T.owner, T.due_on, T.status, T.progress_percent)
        .where(overdue_cond(today))
        .order_by(T.due_on, T.number)
        .limit(limit)
    )
    rows = []
    for r in s.execute(stmt).mappings():
        row = dict(r)
        row["overdue_days"] = rules.overdue_days(row["due_on"], today)
        rows.append(row)
    return privacy.present(s, role, rows, ROW)


def lead_units(s: Session) -> list[str]:
    return list(s.scalars(select(T.lead_unit).distinct().order_by(T.lead_unit)))


def task_id_by_number(s: Session, number: str) -> int | None:
    return s.scalar(select(T.id).where(T.number == (number or "").strip()).order_by(T.id).limit(1))


def task_detail(s: Session, role: str, task_id: int, today: date) -> dict | None:
    """A task with its milestones (in order, each with its warning) and progress reports (newest
    first), as ``role`` may see them; None when it does not exist (or is another township's)."""
    closer, creator = aliased(User), aliased(User)
    row = (
        s.execute(
            select(
                *[getattr(T, c.key) for c in T.__table__.columns],
                Township.name.label("township"),
                closer.display_name.label("closed_by_name"),
                creator.display_name.label("created_by_name"),
            )
            .join(Township, Township.id == T.township_id)
            .outerjoin(closer, closer.id == T.closed_by)
            .outerjoin(creator, creator.id == T.created_by)
            .where(T.id == task_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    task = dict(row)
    done = task["status"] == "closed"
    milestones = []
    for mrow in s.execute(
        select(M.id, M.seq, M.title, M.due_on, M.done_on, M.note, M.version)
        .where(M.task_id == task_id)
        .order_by(M.seq, M.id)
    ).mappings():
        m = dict(mrow)
        m["warning"], m["warning_text"] = rules.warning(m["due_on"], today, done or m["done_on"] is not None)
        milestones.append(m)
    progress = [
        dict(p)
        for p in s.execute(
            select(
                TaskProgress.id,
                TaskProgress.reported_on,
                TaskProgress.percent,
                TaskProgress.text,
                User.display_name.label("reporter"),
            )
            .outerjoin(User, User.id == TaskProgress.reporter_id)
            .where(TaskProgress.task_id == task_id)
            .order_by(TaskProgress.reported_on.desc(), TaskProgress.id.desc())
        ).mappings()
    ]
    task["m_total"] = len(milestones)
    task["m_done"] = sum(1 for m in milestones if m["done_on"] is not None)
    task["m_late"] = sum(1 for m in milestones if m["warning"] == "overdue")
    task["m_next"] = min((m["due_on"] for m in milestones if m["done_on"] is None), default=None)
    annotate(task, today)
    task["source_label"] = TASK_SOURCES.get(task["source"], task["source"])
    task["status_label"] = TASK_STATUSES.get(task["status"], task["status"])
    task = privacy.present(s, role, [task], TASK)[0]
    task["milestones"] = privacy.present(s, role, milestones, MILESTONE)
    task["progress"] = privacy.present(s, role, progress, PROGRESS)
    return task
