"""Backup and restore of the whole database (``python -m db.cli backup|restore``).

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot
while the app keeps serving (WAL readers and writers are not blocked for long); the copy is
checked with ``PRAGMA integrity_check`` before it is reported as done.

PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot in one transaction) and
``pg_restore --clean --if-exists --single-transaction`` (all or nothing). The password is passed
in the environment (``PGPASSWORD``), never on the command line. The binaries come from
``GOV_PG_BINDIR``, else the newest ``/usr/lib/postgresql/*/bin``, else ``PATH``; pg_dump must be
at least the server's major version.

A restore replaces everything in the target database: stop the app servers first, restore, then
start them (they apply any newer migrations at start). The restore itself applies pending
migrations (a backup taken by an older release) and writes a ``system.restore`` audit record.
"""

from __future__ import annotations

import getpass
import glob
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, inspect

from db import migrate
from db.engine import write_session
from db.errors import DomainError
from db.permissions import SYSTEM
from db.services import audit

SQLITE_SUFFIX = ".db"
PG_SUFFIX = ".dump"


class BackupError(DomainError):
    """A backup or restore could not be done (message in Chinese)."""


def _is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _sqlite_path(engine: Engine) -> Path:
    db = engine.url.database
    if not db or db == ":memory:":
        raise BackupError("内存数据库无法备份。")
    return Path(db)


def pg_binary(name: str) -> str:
    """Path of a PostgreSQL client binary (pg_dump, pg_restore)."""
    env = os.environ.get("GOV_PG_BINDIR")
    if env and os.access(Path(env) / name, os.X_OK):
        return str(Path(env) / name)

    def major(p: str) -> int:
        try:
            return int(Path(p).parts[-3])
        except (ValueError, IndexError):
            return 0

    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=major)
    if found:
        return found[-1]
    on_path = shutil.which(name)
    if on_path:
        return on_path
    raise BackupError(f"找不到 PostgreSQL 工具 {name}：请安装 postgresql-client，或设置 GOV_PG_BINDIR。")


def _pg_env_and_url(engine: Engine) -> tuple[dict[str, str], str]:
    """libpq connection URL without the password, and an environment carrying it."""
    url = engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return env, plain.render_as_string(hide_password=False)


def default_path(engine: Engine, directory: Path | str = "backups", now: datetime | None = None) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    suffix = SQLITE_SUFFIX if _is_sqlite(engine) else PG_SUFFIX
    return Path(directory) / f"console-{stamp}{suffix}"


def _sqlite_check(path: Path) -> None:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = con.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} 不是可用的 SQLite 数据库文件：{exc}") from exc
    if result != "ok":
        raise BackupError(f"{path} 完整性检查未通过：{result}")
    if "alembic_version" not in tables or "work_order" not in tables:
        raise BackupError(f"{path} 不是本系统的数据库备份（缺少系统表）。")


def backup(engine: Engine, dest: Path | str) -> Path:
    """Write a consistent copy of the database to ``dest`` (which must not exist yet)."""
    dest = Path(dest)
    if dest.exists():
        raise BackupError(f"目标文件已存在：{dest}（备份不会覆盖已有文件）。")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if _is_sqlite(engine):
            src = sqlite3.connect(str(_sqlite_path(engine)))
            dst = sqlite3.connect(str(partial))
            try:
                src.backup(dst, pages=1024)
            finally:
                dst.close()
                src.close()
            _sqlite_check(partial)
        else:
            env, url = _pg_env_and_url(engine)
            run = subprocess.run(
                [pg_binary("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial), "--dbname", url],
                env=env,
                capture_output=True,
                text=True,
            )
            if run.returncode != 0:
                raise BackupError(f"pg_dump 失败：{run.stderr.strip()[:500]}")
            listing = subprocess.run([pg_binary("pg_restore"), "--list", str(partial)], capture_output=True, text=True)
            if listing.returncode != 0 or "TABLE DATA public work_order" not in listing.stdout:
                raise BackupError("备份文件校验失败（pg_restore --list 未列出工单表数据）。")
        partial.replace(dest)  # the backup appears under its name only when complete and checked
    finally:
        partial.unlink(missing_ok=True)
    return dest


def restore(engine: Engine, src: Path | str) -> None:
    """Replace the database's whole content with the backup ``src``; all or nothing."""
    src = Path(src)
    if not src.is_file():
        raise BackupError(f"备份文件不存在：{src}")
    if _is_sqlite(engine):
        _sqlite_check(src)
        target = _sqlite_path(engine)
        engine.dispose()
        con_src = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
        con_dst = sqlite3.connect(str(target), timeout=30)
        try:
            con_src.backup(con_dst)  # page copy into the live file, in one step for readers
        finally:
            con_dst.close()
            con_src.close()
    else:
        env, url = _pg_env_and_url(engine)
        engine.dispose()
        run = subprocess.run(
            [
                pg_binary("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                url,
                str(src),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if run.returncode != 0:
            raise BackupError(f"pg_restore 失败（数据库未改变）：{run.stderr.strip()[:500]}")

    migrate.upgrade(engine)
    with write_session(engine) as s:
        audit.record(s, SYSTEM, "system.restore", "database", None, after={"from": src.name, "os_user": _os_user()})


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "?"


def record_backup(engine: Engine, dest: Path) -> None:
    """An audit record of who took a backup (a copy of every personal record leaves the system)."""
    if not inspect(engine).has_table("audit_log"):
        return

    with write_session(engine) as s:
        audit.record(
            s,
            SYSTEM,
            "system.backup",
            "database",
            None,
            after={"file": dest.name, "bytes": dest.stat().st_size, "os_user": _os_user()},
        )
