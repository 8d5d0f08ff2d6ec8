"""Helpers every service uses: optimistic-locked updates with their audit record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from db.models import Counter
from db.models.base import utcnow
from db.permissions import Actor
from db.queries.calendar import load_calendar
from db.queries.reference import COUNTY_ONLY, county_settings_locked
from db.rules.sla import CalendarYearMissing, HolidayCalendar, add_workdays, deadline_provisional, to_local
from db.services import audit

T = TypeVar("T")

CONFLICT_MESSAGE = "保存失败：该记录已被他人修改（您打开的是第{loaded}版，当前为第{current}版）。请刷新后重新编辑。"


def require_county(session: Session, actor: Actor, what: str) -> None:
    """Refuse a change to the county's shared settings by a township's administrator of a county
    of several townships (``reference.county_settings_locked``)."""
    if county_settings_locked(session, actor):
        raise PermissionDenied(what + COUNTY_ONLY)


def get_or_404(session: Session, model: type[T], ident: Any, label: str = "记录") -> T:
    obj = session.get(model, ident)
    if obj is None:
        raise NotFound(f"{label}不存在或已被删除。")
    return obj


def versioned_update(
    session: Session,
    actor: Actor,
    model: type[Any],  # a mapped class with id and version columns (no Protocol can say so of mapped columns)
    ident: int,
    expected_version: int,
    changes: dict[str, Any],
    action: str,
    entity: str | None = None,
) -> Any:
    """Apply ``changes`` to row ``ident`` only if its version is still ``expected_version``.

    Issues ``UPDATE ... WHERE id = :id AND version = :expected`` and checks the row count, so
    two people saving the same record cannot silently overwrite each other. Writes the audit
    record (before/after of the changed columns) in the same transaction. Returns the object.
    """
    obj = get_or_404(session, model, ident)
    before = {k: getattr(obj, k) for k in changes}
    # an UPDATE's result is a CursorResult (the stubs type Session.execute's as Result)
    result = cast(
        CursorResult,
        session.execute(
            update(model)
            .where(model.id == ident, model.version == expected_version)
            .values(**changes, version=model.version + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        session.refresh(obj)
        raise ConflictError(CONFLICT_MESSAGE.format(loaded=expected_version, current=obj.version))
    session.refresh(obj)
    audit.record(session, actor, action, entity or model.__tablename__, ident, before=before, after=dict(changes))
    return obj


def conflict(loaded: int, current: int | None) -> ConflictError:
    """The Chinese conflict message: the version the form loaded and the one now stored."""
    return ConflictError(CONFLICT_MESSAGE.format(loaded=loaded, current=current))


def cas(s: Session, model: type[Any], ident: int, expected: int, values: dict[str, Any], now: datetime) -> int:
    """Compare-and-set on ``version`` (``UPDATE ... WHERE id AND version = expected``) without
    loading the row; returns the new version, or raises NotFound / ConflictError. The caller
    writes the audit record (it knows the before/after that matter). ``model``: a mapped class
    with id and version columns."""
    res = cast(  # an UPDATE's result is a CursorResult (the stubs type Session.execute's as Result)
        CursorResult,
        s.execute(
            update(model)
            .where(model.id == ident, model.version == expected)
            .values(**values, version=expected + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    if res.rowcount != 1:
        current = s.scalar(select(model.version).where(model.id == ident))
        if current is None:
            raise NotFound("记录不存在或已被删除。")
        raise conflict(expected, current)
    return expected + 1


def next_number(session: Session, prefix: str, now: datetime) -> str:
    """The next readable number ``{prefix}-{local year}-{seq:06d}``, from the counter table.

    One statement, ``INSERT ... ON CONFLICT (name, year) DO UPDATE SET value = value + 1
    RETURNING value``: atomic under concurrent writers on both backends (PostgreSQL locks
    the counter row until the transaction ends; SQLite writers are serialized by BEGIN
    IMMEDIATE). The increment belongs to the caller's transaction, so a rollback returns it.
    """
    year = to_local(now).year
    table = cast(Table, Counter.__table__)  # a declarative class's __table__ is its Table (typed FromClause)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(table)
        .values(name=prefix, year=year, value=1)
        .on_conflict_do_update(index_elements=[table.c.name, table.c.year], set_={"value": table.c.value + 1})
        .returning(table.c.value)
    )
    seq = session.execute(stmt).scalar_one()
    return f"{prefix}-{year}-{seq:06d}"


def violates_unique(exc: IntegrityError, index: str, table: str, column: str) -> bool:
    """True when ``exc`` is the unique index ``index`` on ``table.column`` refusing a row.
    PostgreSQL names the index in the error's diagnostics; SQLite names the column in its
    message ("UNIQUE constraint failed: table.column")."""
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return name == index
    return f"UNIQUE constraint failed: {table}.{column}" in str(exc.orig)


def now_or(now: datetime | None) -> datetime:
    """``now`` as naive UTC (an aware datetime is converted), or the console's clock."""
    if now is None:
        return utcnow()
    if now.tzinfo is not None:
        return now.astimezone(UTC).replace(tzinfo=None)
    return now


class Clock:
    """The holiday calendar, loaded once per transaction."""

    def __init__(self, session: Session):
        self.session = session
        self._cal: HolidayCalendar | None = None

    @property
    def calendar(self) -> HolidayCalendar:
        if self._cal is None:
            self._cal = load_calendar(self.session)
        return self._cal

    def add(self, start: datetime, workdays: int) -> datetime:
        try:
            return add_workdays(start, workdays, self.calendar)
        except CalendarYearMissing as exc:  # only outside the years the lunar tables cover
            raise ValidationError(str(exc), field="workdays") from None

    def deadline(self, start: datetime, workdays: int) -> tuple[datetime, bool]:
        """The deadline and whether it is provisional (暂定: it counted a day of a year whose
        official schedule is not entered)."""
        due = self.add(start, workdays)
        return due, deadline_provisional(start, due, self.calendar)


def provisional_note(due: datetime) -> str:
    """The words a timeline entry adds to a provisional deadline."""
    return f"（时限暂定：{to_local(due - timedelta(microseconds=1)).year}年节假日安排尚未录入，录入后自动重算）"
