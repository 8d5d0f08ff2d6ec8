"""The engine's SQLite tuning, the Alembic migrations, and the database-level guarantees
(append-only audit log, foreign keys), on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, event, func, insert, inspect, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from db import migrate
from db.engine import SQLITE_BUSY_TIMEOUT_MS, read_session, write_session
from db.models import AuditLog, Base, Counter, Grid, Township, Village


def _alembic(engine: Engine, fn, target: str) -> None:
    """Run an alembic command (upgrade/downgrade) on ``engine`` the way db.migrate does."""
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        fn(cfg, target)


def _schema_diff(engine: Engine) -> list:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        return compare_metadata(ctx, Base.metadata)


def _audit_trigger_count(engine: Engine) -> int:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            sql = "SELECT count(*) FROM sqlite_master WHERE type='trigger' AND tbl_name='audit_log'"
        else:
            sql = (
                "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE c.relname = 'audit_log' AND NOT t.tgisinternal"
            )
        return conn.exec_driver_sql(sql).scalar_one()


def _set_busy_timeout(conn, ms: int) -> None:
    """Set the busy timeout on the raw sqlite3 connection, without starting a transaction."""
    conn.connection.dbapi_connection.execute(f"PRAGMA busy_timeout={ms}")


# --------------------------------------------------------------------------- SQLite engine


def test_sqlite_pragmas_in_force_on_every_connection(sqlite_engine):
    for session_cm in (write_session, read_session):
        with session_cm(sqlite_engine) as session:
            conn = session.connection()
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == SQLITE_BUSY_TIMEOUT_MS
            assert SQLITE_BUSY_TIMEOUT_MS >= 1000
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_sqlite_writes_begin_immediate_and_reads_deferred(sqlite_engine):
    statements: list[str] = []

    @event.listens_for(sqlite_engine, "before_cursor_execute")
    def _record(conn, cursor, statement, *args):
        statements.append(statement)

    with write_session(sqlite_engine) as session:
        session.execute(select(1))
    assert statements[0] == "BEGIN IMMEDIATE"

    statements.clear()
    with read_session(sqlite_engine) as session:
        session.execute(select(1))
    assert statements[0] == "BEGIN DEFERRED"


def test_sqlite_begin_immediate_takes_the_write_lock_at_begin(sqlite_engine):
    holder = sqlite_engine.connect()
    tx = holder.begin()  # BEGIN IMMEDIATE: the write lock is taken here, before any statement
    try:
        # A second write transaction cannot even BEGIN while the first is open: with a tiny
        # busy timeout it fails fast with "database is locked".
        other = sqlite_engine.connect()
        try:
            _set_busy_timeout(other, 100)
            started = time.monotonic()
            with pytest.raises(OperationalError, match="database is locked"):
                other.begin()
            assert time.monotonic() - started < 5
        finally:
            other.invalidate()
            other.close()

        # Readers are not blocked (WAL): a read session sees the committed state.
        with read_session(sqlite_engine) as session:
            assert session.scalar(select(func.count()).select_from(Counter)) == 0

        # A DEFERRED transaction begins fine and only hits the lock at its first write,
        # which is the read-then-write failure that IMMEDIATE avoids.
        lazy = sqlite_engine.connect().execution_options(sqlite_begin="DEFERRED")
        try:
            _set_busy_timeout(lazy, 100)
            lazy.begin()
            lazy.execute(select(func.count()).select_from(Counter))
            with pytest.raises(OperationalError, match="database is locked"):
                lazy.execute(insert(Counter).values(name="X", year=2026, value=0))
        finally:
            lazy.invalidate()
            lazy.close()
    finally:
        tx.rollback()
        holder.close()

    # Once the holder is gone, writes go through again.
    with write_session(sqlite_engine) as session:
        session.add(Counter(name="X", year=2026, value=1))
    with read_session(sqlite_engine) as session:
        assert session.get(Counter, ("X", 2026)).value == 1


def _hammer_counter(engine: Engine, threads: int = 8, rounds: int = 25):
    """``threads`` threads each do ``rounds`` read-then-write increments of one counter."""
    with write_session(engine) as session:
        session.add(Counter(name="T", year=2026, value=0))
    errors: list[BaseException] = []
    done = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def worker() -> None:
        barrier.wait()
        for _ in range(rounds):
            try:
                with write_session(engine) as session:
                    row = session.get(Counter, ("T", 2026))
                    value = row.value
                    time.sleep(0.002)  # widen the read-to-write window
                    row.value = value + 1
                with lock:
                    done[0] += 1
            except Exception as exc:  # noqa: BLE001 - collected and asserted on below
                with lock:
                    errors.append(exc)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in pool), "a writer thread hung"
    with read_session(engine) as session:
        final = session.get(Counter, ("T", 2026)).value
    return errors, done[0], final


def test_sqlite_concurrent_read_then_write_transactions_do_not_fail(sqlite_engine):
    errors, done, final = _hammer_counter(sqlite_engine, threads=8, rounds=25)
    assert errors == []
    assert done == 8 * 25
    assert final == 8 * 25


def test_sqlite_concurrent_writers_fail_with_plain_begin(sqlite_engine):
    """Control for the test above: the same load with DEFERRED transactions does hit
    "database is locked", so the IMMEDIATE test is really exercising contention."""
    deferred = sqlite_engine.execution_options(sqlite_begin="DEFERRED")
    errors, done, final = _hammer_counter(deferred, threads=8, rounds=25)
    assert errors, "expected 'database is locked' errors with DEFERRED transactions"
    assert all("database is locked" in str(e) for e in errors), errors[:3]
    assert final == done  # no lost updates either way; failed transactions rolled back


# --------------------------------------------------------------------------- migrations


def test_upgrade_empty_database_then_downgrade_to_base_and_upgrade_again(empty_engine):
    head = migrate.head_revision()
    assert migrate.current_revision(empty_engine) is None

    migrate.upgrade(empty_engine)
    assert migrate.current_revision(empty_engine) == head
    assert set(Base.metadata.tables) <= set(inspect(empty_engine).get_table_names())
    assert _audit_trigger_count(empty_engine) >= 1
    migrate.upgrade(empty_engine)  # already at head: a no-op
    assert migrate.current_revision(empty_engine) == head

    _alembic(empty_engine, command.downgrade, "base")
    assert migrate.current_revision(empty_engine) is None
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    if empty_engine.dialect.name == "postgresql":
        with empty_engine.connect() as conn:
            left = conn.exec_driver_sql("SELECT count(*) FROM pg_proc WHERE proname = 'audit_log_refuse'").scalar_one()
        assert left == 0

    migrate.upgrade(empty_engine)
    assert migrate.current_revision(empty_engine) == head
    assert _audit_trigger_count(empty_engine) >= 1
    assert _schema_diff(empty_engine) == []


def test_models_and_migrations_agree(engine):
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert _schema_diff(engine) == []


# --------------------------------------------------------------------------- database guarantees


def test_audit_log_refuses_update_and_delete(engine):
    with write_session(engine) as session:
        session.add(AuditLog(username="tester", action="create", entity="grid", entity_id="1", after={"name": "一组"}))

    for statement in ("UPDATE audit_log SET action = 'tampered'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.exec_driver_sql(statement)

    with pytest.raises(DBAPIError, match="append-only"), write_session(engine) as session:  # through the ORM as well
        session.scalars(select(AuditLog)).one().action = "tampered"

    with pytest.raises(DBAPIError, match="append-only"), write_session(engine) as session:
        session.delete(session.scalars(select(AuditLog)).one())

    if engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE audit_log")

    with read_session(engine) as session:
        rows = [(r.action, r.after) for r in session.scalars(select(AuditLog))]
    assert rows == [("create", {"name": "一组"})]

    with write_session(engine) as session:  # appending is still allowed
        session.add(AuditLog(username="tester", action="update", entity="grid", entity_id="1"))
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditLog)) == 2


def test_foreign_keys_are_enforced(engine):
    with pytest.raises(IntegrityError), write_session(engine) as session:
        session.add(Grid(village_id=999_999, code="G-NOPE", name="无村网格", kind="rural"))

    with write_session(engine) as session:  # control: a grid in a real village is accepted
        township = Township(code="T1", name="测试镇", county="测试县")
        village = Village(township=township, code="V1", name="一村", kind="village")
        session.add(Grid(village=village, code="G-1", name="一村一网格", kind="rural"))
    with read_session(engine) as session:
        assert session.scalars(select(Grid.code)).all() == ["G-1"]

    with pytest.raises(IntegrityError), engine.begin() as conn:  # nor may a referenced row be deleted from under it
        conn.execute(text("DELETE FROM village"))


@pytest.mark.pg
def test_postgresql_deadlock_reaches_the_user_as_a_conflict(pg_engine):
    """Two transactions lock two rows in opposite order: PostgreSQL aborts one of them
    (40P01). Its write_session rolls it back and raises the Chinese conflict message, not a
    database error; the other commits both its updates and nothing of the loser remains."""
    from db.engine import CONCURRENT_WRITE_MESSAGE
    from db.errors import ConflictError

    with write_session(pg_engine) as s:
        town = Township(code="T1", name="测试镇", county="测试县")
        a = Village(township=town, code="VA", name="甲村", kind="village")
        b = Village(township=town, code="VB", name="乙村", kind="village")
        s.add_all([a, b])
        s.flush()
        ids = (a.id, b.id)
    both_hold_one = threading.Barrier(2, timeout=30)
    outcome: dict[str, BaseException | None] = {}

    def writer(name: str, first: int, second: int) -> None:
        try:
            with write_session(pg_engine) as s:
                s.execute(update(Village).where(Village.id == first).values(name=f"{name}改"))
                both_hold_one.wait()
                s.execute(update(Village).where(Village.id == second).values(name=f"{name}改"))
            outcome[name] = None
        except BaseException as exc:  # noqa: BLE001 - inspected below
            outcome[name] = exc

    threads = [
        threading.Thread(target=writer, args=("一", ids[0], ids[1])),
        threading.Thread(target=writer, args=("二", ids[1], ids[0])),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    errors = {k: v for k, v in outcome.items() if v is not None}
    assert len(outcome) == 2 and len(errors) == 1, outcome
    ((loser, exc),) = errors.items()
    assert isinstance(exc, ConflictError) and exc.message == CONCURRENT_WRITE_MESSAGE
    assert exc.__cause__.orig.sqlstate == "40P01"
    winner = "二" if loser == "一" else "一"
    with read_session(pg_engine) as s:
        assert set(s.scalars(select(Village.name))) == {f"{winner}改"}


def test_unique_id_number_migration_stops_on_existing_duplicates(empty_engine):
    """0011 cannot index a roster that already lists one person twice: it stops with a Chinese
    message naming the ID number masked, and changes nothing; once merged it goes through."""
    migrate.upgrade(empty_engine, "0010")
    with empty_engine.begin() as conn:
        conn.execute(insert(Township).values(id=1, code="T1", name="测试镇", county="测试县"))
        conn.execute(insert(Village).values(id=1, township_id=1, code="V1", name="一村", kind="village"))
        conn.execute(insert(Grid).values(id=1, village_id=1, code="G1", name="一网格", kind="rural"))
        for k in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO grid_staff (id, grid_id, name, phone, id_number, staff_role, employment, active, "
                    "version, updated_at) VALUES (:id, 1, '重复', '13900001111', '41172619900101123X', 'worker', "
                    "'part', :t, 1, CURRENT_TIMESTAMP)"
                ),
                {"id": k, "t": True},
            )
    with pytest.raises(RuntimeError) as caught:
        migrate.upgrade(empty_engine)
    message = str(caught.value)
    assert "1个身份证号重复登记" in message and "4117**********123X（2条）" in message
    assert "41172619900101123X" not in message
    assert migrate.current_revision(empty_engine) == "0010"
    with empty_engine.begin() as conn:
        conn.execute(text("UPDATE grid_staff SET id_number = NULL WHERE id = 2"))
    migrate.upgrade(empty_engine)
    assert migrate.current_revision(empty_engine) == migrate.head_revision()


def test_unique_party_member_migration_stops_on_a_resident_registered_twice(empty_engine):
    """0012 cannot index a resident registered twice as a party member: it stops naming the
    record numbers (no personal data), changes nothing, and goes through once merged."""
    migrate.upgrade(empty_engine, "0011")
    with empty_engine.begin() as conn:
        conn.execute(insert(Township).values(id=1, code="T1", name="测试镇", county="测试县"))
        conn.execute(insert(Village).values(id=1, township_id=1, code="V1", name="一村", kind="village"))
        conn.execute(insert(Grid).values(id=1, village_id=1, code="G1", name="一网格", kind="rural"))
        conn.execute(
            text(
                "INSERT INTO household (id, grid_id, address, head_name, size, version, updated_at) "
                "VALUES (1, 1, '一村1号', '王五', 1, 1, CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO resident (id, household_id, name, gender, id_number, is_party_member, "
                "version, updated_at) VALUES (1, 1, '王五', '男', '41172619900101123X', :t, 1, "
                "CURRENT_TIMESTAMP)"
            ),
            {"t": True},
        )
        for k in (7, 9):
            conn.execute(
                text(
                    "INSERT INTO party_member (id, resident_id, village_id, name, score, active, version, "
                    "updated_at) VALUES (:id, 1, 1, '王五', 100, :t, 1, CURRENT_TIMESTAMP)"
                ),
                {"id": k, "t": True},
            )
    with pytest.raises(RuntimeError) as caught:
        migrate.upgrade(empty_engine)
    message = str(caught.value)
    assert "有1位居民被重复登记为党员" in message and "第7号、第9号" in message
    assert "王五" not in message and "41172619900101123X" not in message
    assert migrate.current_revision(empty_engine) == "0011"
    with empty_engine.begin() as conn:
        conn.execute(text("DELETE FROM party_member WHERE id = 9"))
    migrate.upgrade(empty_engine)
    assert migrate.current_revision(empty_engine) == migrate.head_revision()
