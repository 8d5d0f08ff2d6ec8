"""Backup and restore round trip on SQLite and PostgreSQL (python -m db.cli backup|restore)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, inspect, select, text

from db import backup
from db.engine import read_session
from db.models import AuditLog, Base, WorkOrder
from db.services import orders
from tests.factories.orders import build_world, intake


def content_digest(engine) -> dict[str, list[tuple]]:
    """Every row of every table (audit_log aside, which a restore appends to), sorted."""
    out = {}
    with engine.connect() as con:
        for table in Base.metadata.sorted_tables:
            if table.name == "audit_log":
                continue
            rows = con.execute(select(table)).all()
            out[table.name] = sorted(tuple(map(repr, r)) for r in rows)
    return out


def test_backup_then_restore_round_trip(engine, tmp_path):
    w = build_world(engine)
    first = orders.register(engine, w.dispatcher, intake(w))
    orders.register(engine, w.dispatcher, intake(w, description="路灯不亮已经三天了，晚上出行不便。"))
    before = content_digest(engine)
    with read_session(engine) as s:
        audits_before = s.scalar(select(func.count()).select_from(AuditLog))

    dest = backup.backup(engine, tmp_path / f"b{'.db' if engine.dialect.name == 'sqlite' else '.dump'}")
    assert dest.is_file() and dest.stat().st_size > 0
    assert not list(tmp_path.glob("*.partial"))

    # the database moves on after the backup: a new order, an existing one dispatched
    orders.register(engine, w.dispatcher, intake(w, description="垃圾清运不及时，气味很大。"))
    orders.cancel(engine, w.dispatcher, first["id"], 1, "群众撤回诉求")
    assert content_digest(engine) != before

    backup.restore(engine, dest)
    assert content_digest(engine) == before
    with read_session(engine) as s:
        assert s.scalar(select(func.count()).select_from(WorkOrder)) == 2
        # the audit log is restored as it was, plus the restore's own record
        assert s.scalar(select(func.count()).select_from(AuditLog)) == audits_before + 1
        last = s.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
        assert last.action == "system.restore"
    # append-only triggers survive a restore
    with pytest.raises(Exception), engine.begin() as con:
        con.execute(text("DELETE FROM audit_log"))


def test_backup_refuses_to_overwrite(sqlite_engine, tmp_path):
    dest = tmp_path / "x.db"
    dest.write_bytes(b"keep me")
    with pytest.raises(backup.BackupError, match="已存在"):
        backup.backup(sqlite_engine, dest)
    assert dest.read_bytes() == b"keep me"


def test_restore_refuses_a_file_that_is_not_a_backup(sqlite_engine, tmp_path):
    w = build_world(sqlite_engine)
    orders.register(sqlite_engine, w.dispatcher, intake(w))
    before = content_digest(sqlite_engine)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(backup.BackupError, match="不是可用的 SQLite"):
        backup.restore(sqlite_engine, junk)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(backup.BackupError, match="不是本系统"):
        backup.restore(sqlite_engine, other)
    assert content_digest(sqlite_engine) == before


@pytest.mark.pg
def test_pg_restore_of_a_broken_dump_changes_nothing(pg_engine, tmp_path):
    w = build_world(pg_engine)
    orders.register(pg_engine, w.dispatcher, intake(w))
    before = content_digest(pg_engine)
    good = backup.backup(pg_engine, tmp_path / "good.dump")
    broken = tmp_path / "broken.dump"
    data = good.read_bytes()
    broken.write_bytes(data[: len(data) // 2])  # a dump cut off half way
    with pytest.raises(backup.BackupError, match="数据库未改变"):
        backup.restore(pg_engine, broken)
    assert content_digest(pg_engine) == before
    assert inspect(pg_engine).has_table("work_order")


def test_cli_backup_and_restore(sqlite_engine, tmp_path, monkeypatch, capsys):
    from db import cli

    path = sqlite_engine.url.database
    monkeypatch.setenv("GOV_DB_PATH", path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("GOV_MODE", "production")
    monkeypatch.setenv("GOV_COOKIE_KEY", "k" * 40)
    w = build_world(sqlite_engine)
    orders.register(sqlite_engine, w.dispatcher, intake(w))
    out = tmp_path / "cli.db"
    assert cli.main(["backup", "--out", str(out)]) == 0
    assert "备份完成" in capsys.readouterr().out
    with read_session(sqlite_engine) as s:  # who took the backup is on record (after the copy)
        assert s.scalars(select(AuditLog.action).order_by(AuditLog.id.desc())).first() == "system.backup"
    orders.register(sqlite_engine, w.dispatcher, intake(w, description="又一件诉求，备份之后登记。"))
    assert cli.main(["restore", str(out)]) == 2  # no --yes: refused, nothing changed
    assert "--yes" in capsys.readouterr().err
    with read_session(sqlite_engine) as s:
        assert s.scalar(select(func.count()).select_from(WorkOrder)) == 2
    assert cli.main(["restore", str(out), "--yes"]) == 0
    with read_session(sqlite_engine) as s:
        assert s.scalar(select(func.count()).select_from(WorkOrder)) == 1
        actions = list(s.scalars(select(AuditLog.action).order_by(AuditLog.id)))
    assert actions[-1] == "system.restore"
