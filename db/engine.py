"""One engine and one sessionmaker per process, with SQLite tuned for concurrent writers.

SQLite: WAL journal, foreign keys, a busy timeout, and write transactions opened with
BEGIN IMMEDIATE (SQLAlchemy's documented pysqlite recipe) so that read-then-write
transactions do not fail with "database is locked" under concurrent writers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from db.config import Settings, load_settings
from db.errors import ConflictError

SQLITE_BUSY_TIMEOUT_MS = 15000

_lock = threading.Lock()
_engines: dict[str, Engine] = {}


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``; SQLite files get WAL, FKs, busy timeout, IMMEDIATE writes."""
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        _install_sqlite_pragmas(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def _install_sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised via every test
        # Take transaction control away from pysqlite so that BEGIN is ours to issue.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # pragma: no cover - exercised via every test
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


def get_engine(settings: Settings | None = None) -> Engine:
    """The process-wide engine for the configured database URL."""
    settings = settings or load_settings()
    with _lock:
        engine = _engines.get(settings.database_url)
        if engine is None:
            engine = make_engine(settings.database_url)
            _engines[settings.database_url] = engine
        return engine


def dispose_engines() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, future=True)


# PostgreSQL aborts a transaction with these SQLSTATEs when concurrent transactions cannot all
# go on: 40P01 deadlock_detected, 40001 serialization_failure. Neither is the user's mistake and
# nothing of the aborted transaction was written, so the user gets the conflict message.
CONCURRENCY_SQLSTATES = frozenset({"40P01", "40001"})
CONCURRENT_WRITE_MESSAGE = "其他用户正在同时修改相关记录，本次操作未保存。请刷新页面查看最新内容后重试。"


def is_concurrency_abort(exc: BaseException) -> bool:
    """True for a database error that aborted the transaction because of concurrent writers."""
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) in CONCURRENCY_SQLSTATES


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on any error.

    A transaction that PostgreSQL aborts for concurrency (a deadlock, a serialization failure)
    is rolled back like any other and surfaces as ``ConflictError`` with a Chinese message,
    never as a database error."""
    try:
        with session_factory(engine)() as session, session.begin():
            yield session
    except DBAPIError as exc:
        if is_concurrency_abort(exc):
            raise ConflictError(CONCURRENT_WRITE_MESSAGE) from exc
        raise


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reads. On SQLite it opens a DEFERRED transaction, never taking the write lock."""
    conn = engine.connect()
    if engine.dialect.name == "sqlite":
        conn = conn.execution_options(sqlite_begin="DEFERRED")
    try:
        with Session(bind=conn, expire_on_commit=False) as session:
            yield session
    finally:
        conn.close()  # ends the read transaction without expiring what was loaded
