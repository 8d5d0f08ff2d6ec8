"""Database fixtures shared by every test layer.

SQLite
    ``sqlite_engine``: a fresh, migrated SQLite file per test. The schema is migrated once per
    session into a template file, which each test copies (a copy costs ~1 ms, a migration ~1 s).

PostgreSQL
    ``pg_engine``: a fresh, migrated database per test on a real, throwaway PostgreSQL cluster
    that this session starts itself (initdb + pg_ctl in a temp dir, on a free port, listening on
    127.0.0.1 only; in /dev/shm when available). The schema is migrated once into a template database; each test gets
    ``CREATE DATABASE test_N TEMPLATE gov_tmpl`` and the database is dropped afterwards.

    PostgreSQL refuses to run as root. When the tests run as root (CI containers), initdb and
    the server run as an unprivileged OS user instead: ``GOV_PG_OS_USER`` if set, else
    ``postgres``; the user is created with ``useradd`` if it does not exist. The cluster's
    directory is created by us (mode 0700) and chowned to that user.

    pytest-postgresql's ``postgresql_proc`` factory is not used: it puts the data directory
    under pytest's basetemp (``/tmp/pytest-of-root/...``, mode 0700, owned by root), which an
    unprivileged server user cannot enter, so initdb fails when the tests run as root.

    Binaries: ``GOV_PG_BINDIR`` if set; else ``pg_config --bindir`` if it holds ``initdb`` and
    ``pg_ctl`` (on Debian it may be a client-only directory); else the newest
    ``/usr/lib/postgresql/*/bin``; else ``pg_ctl`` on PATH. If none is found the PostgreSQL
    tests FAIL under ``CI=true`` and are skipped (with the reason) otherwise.

Both
    ``engine``: parametrized over SQLite (id ``sqlite``) and PostgreSQL (id ``pg``), so a service
    test written once runs on both backends. ``empty_engine``: the same, but unmigrated.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import Engine

from db import migrate
from db.engine import make_engine

ROOT = Path(__file__).resolve().parent.parent
PG_SUPERUSER = "postgres"
PG_TEMPLATE_DB = "gov_tmpl"

# bcrypt at its lowest cost in tests: the hashing is real, only cheaper (production uses 12)
os.environ.setdefault("GOV_BCRYPT_ROUNDS", "4")


# --------------------------------------------------------------------------- helpers


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes", "on")


def unavailable(reason: str) -> None:
    """A test dependency is missing: fail under CI (never a silent skip there), else skip."""
    if running_in_ci():
        pytest.fail(f"{reason} (CI=true: failing instead of skipping)", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _checkpoint_and_dispose(engine: Engine) -> None:
    """Fold the WAL into the main file so the .db file alone is a complete copy."""
    raw = engine.raw_connection()  # outside any transaction, so the checkpoint can complete
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    engine.dispose()


# --------------------------------------------------------------------------- SQLite


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per session; copy it, never open it in a test."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        migrate.upgrade(engine)
    finally:
        _checkpoint_and_dispose(engine)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


@pytest.fixture
def sqlite_db_path(sqlite_template: Path, tmp_path: Path) -> Path:
    """Path of a fresh, migrated SQLite file that nothing has open."""
    path = tmp_path / "test.db"
    shutil.copyfile(sqlite_template, path)
    return path


@pytest.fixture
def db_url_sqlite(sqlite_db_path: Path) -> str:
    """URL (``sqlite:////abs/path/test.db``) of a fresh migrated SQLite file, for a subprocess
    (e.g. GOV_DB_PATH / DATABASE_URL of a ``streamlit run``). The path is ``sqlite_db_path``."""
    return f"sqlite:///{sqlite_db_path}"


@pytest.fixture
def sqlite_engine(sqlite_db_path: Path) -> Iterator[Engine]:
    """Engine (``db.engine.make_engine``) on a fresh, migrated SQLite file; disposed afterwards."""
    engine = make_engine(f"sqlite:///{sqlite_db_path}")
    try:
        yield engine
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- PostgreSQL


def _version_key(path: str) -> tuple:
    match = re.search(r"/postgresql/([\d.]+)/bin", path)
    return tuple(int(p) for p in match.group(1).split(".")) if match else (0,)


def find_pg_bindir() -> Path | None:
    """The directory holding the server binaries (initdb, pg_ctl, postgres), or None."""

    def usable(d: str | os.PathLike | None) -> bool:
        return bool(d) and all(os.access(Path(d) / b, os.X_OK) for b in ("initdb", "pg_ctl"))

    env = os.environ.get("GOV_PG_BINDIR")
    if env:
        return Path(env) if usable(env) else None
    try:
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                             timeout=10, check=True).stdout.strip()
        if usable(out):
            return Path(out)
    except (OSError, subprocess.SubprocessError):
        pass
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version_key)
    for ctl in reversed(candidates):
        if usable(Path(ctl).parent):
            return Path(ctl).parent
    on_path = shutil.which("pg_ctl")
    if on_path and usable(Path(on_path).parent):
        return Path(on_path).parent
    return None


def _server_os_user() -> pwd.struct_passwd | None:
    """None when we are not root (the server then runs as us); otherwise the OS user to run it as,
    created if missing."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("GOV_PG_OS_USER", "postgres")
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        name], check=True, capture_output=True)
        return pwd.getpwnam(name)


@dataclass
class PgCluster:
    """A throwaway PostgreSQL cluster owned by the test session."""

    bindir: Path
    base: Path
    port: int = 0
    os_user: pwd.struct_passwd | None = None
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def datadir(self) -> Path:
        return self.base / "data"

    @property
    def logfile(self) -> Path:
        return self.base / "postgresql.log"

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://{PG_SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    # -- process management
    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C.UTF-8", LANG="C.UTF-8")
        kwargs: dict = {}
        if self.os_user is not None:
            env["HOME"] = str(self.base)
            kwargs = dict(user=self.os_user.pw_uid, group=self.os_user.pw_gid, extra_groups=[])
        return subprocess.run(list(args), cwd=self.base, env=env, capture_output=True, text=True,
                              timeout=timeout, **kwargs)

    def _check(self, proc: subprocess.CompletedProcess, what: str) -> None:
        if proc.returncode != 0:
            log = self.logfile.read_text(errors="replace")[-3000:] if self.logfile.exists() else ""
            raise RuntimeError(f"PostgreSQL {what} failed (exit {proc.returncode}):\n"
                               f"{proc.stdout}\n{proc.stderr}\n--- server log ---\n{log}")

    def start(self) -> None:
        if self.os_user is not None:
            os.chown(self.base, self.os_user.pw_uid, self.os_user.pw_gid)
        self._check(self._run(str(self.bindir / "initdb"), "-D", str(self.datadir),
                              "-U", PG_SUPERUSER, "--auth=trust", "-E", "UTF8",
                              "--locale=C.UTF-8", "--no-sync", "--no-instructions"), "initdb")
        for attempt in range(5):
            self.port = free_port()
            conf = (f"\n# test-session settings\nport = {self.port}\n"
                    "listen_addresses = '127.0.0.1'\n"
                    f"unix_socket_directories = '{self.base}'\n"
                    "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                    "max_connections = 200\nshared_buffers = 64MB\n"
                    # DSM segments inside the data dir, so nothing outlives rmtree
                    "dynamic_shared_memory_type = mmap\n")
            with open(self.datadir / "postgresql.auto.conf", "a") as fh:
                fh.write(conf)
            proc = self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir),
                             "-l", str(self.logfile), "-w", "-t", "60", "start")
            if proc.returncode == 0:
                return
            log = self.logfile.read_text(errors="replace") if self.logfile.exists() else ""
            if "could not bind" not in log and "already in use" not in log or attempt == 4:
                self._check(proc, "start")
        raise AssertionError("unreachable")

    def stop(self) -> None:
        if self.datadir.exists():
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate",
                      "-w", "stop", timeout=60)
        shutil.rmtree(self.base, ignore_errors=True)

    # -- databases
    def admin(self):
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user=PG_SUPERUSER,
                               dbname="postgres", autocommit=True, connect_timeout=10)

    def create_database(self, name: str, template: str | None = None) -> str:
        with self.admin() as conn:
            sql = f'CREATE DATABASE "{name}"'
            if template:
                sql += f' TEMPLATE "{template}"'
            conn.execute(sql)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def new_name(self, prefix: str = "test") -> str:
        return f"{prefix}_{os.getpid()}_{next(self._names)}"


def _cluster_parent_dir() -> str | None:
    """Where clusters live: GOV_PG_TMPDIR, else /dev/shm when it is a usable tmpfs (CREATE
    DATABASE there takes ~15 ms instead of ~300 ms on disk), else the system temp dir."""
    if os.environ.get("GOV_PG_TMPDIR"):
        return os.environ["GOV_PG_TMPDIR"]
    try:
        st = os.statvfs("/dev/shm")
        if os.access("/dev/shm", os.W_OK) and st.f_bavail * st.f_frsize > 1 << 30:
            return "/dev/shm"
    except OSError:
        pass
    return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _reap_stale_clusters(parent: str, bindir: Path) -> None:
    """Stop and delete clusters left behind by test sessions that were killed."""
    for base in Path(parent).glob("gov-pg-*"):
        try:
            owner = int((base / "owner.pid").read_text())
        except (OSError, ValueError):
            continue
        if _pid_alive(owner):
            continue
        stale = PgCluster(bindir=bindir, base=base, os_user=_server_os_user())
        try:
            stale.stop()
        except (OSError, subprocess.SubprocessError):
            shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """The session's PostgreSQL cluster (started on first use, stopped at session end)."""
    bindir = find_pg_bindir()
    if bindir is None:
        unavailable("PostgreSQL server binaries (initdb, pg_ctl) not found: install the "
                    "'postgresql' package or set GOV_PG_BINDIR")
    parent = _cluster_parent_dir()
    _reap_stale_clusters(parent or tempfile.gettempdir(), bindir)
    base = Path(tempfile.mkdtemp(prefix="gov-pg-", dir=parent))
    (base / "owner.pid").write_text(str(os.getpid()))
    cluster = PgCluster(bindir=bindir, base=base, os_user=_server_os_user())
    try:
        cluster.start()
    except BaseException:
        cluster.stop()
        raise
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_template(pg_cluster: PgCluster) -> str:
    """Name of a database migrated to head once per session; used only as a TEMPLATE."""
    url = pg_cluster.create_database(PG_TEMPLATE_DB)
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()  # CREATE DATABASE ... TEMPLATE needs the template to have no sessions
    return PG_TEMPLATE_DB


@pytest.fixture
def pg_url(pg_cluster: PgCluster, pg_template: str) -> Iterator[str]:
    """URL of a fresh, migrated PostgreSQL database of this test's own; dropped afterwards."""
    name = pg_cluster.new_name()
    url = pg_cluster.create_database(name, template=pg_template)
    try:
        yield url
    finally:
        pg_cluster.drop_database(name)


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    """Engine (``db.engine.make_engine``) on a fresh, migrated PostgreSQL database."""
    engine = make_engine(pg_url)
    try:
        yield engine
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- both backends

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="pg", marks=pytest.mark.pg),
]


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest) -> Engine:
    """A fresh, migrated database engine; the test runs once on SQLite and once on PostgreSQL."""
    name = "sqlite_engine" if request.param == "sqlite" else "pg_engine"
    return request.getfixturevalue(name)


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a fresh, EMPTY (unmigrated) database, on each backend (for migration tests)."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        try:
            yield eng
        finally:
            eng.dispose()
        return
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    name = cluster.new_name("empty")
    eng = make_engine(cluster.create_database(name))
    try:
        yield eng
    finally:
        eng.dispose()
        cluster.drop_database(name)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that use the PostgreSQL fixtures directly carry the ``pg`` marker too."""
    pg_fixtures = {"pg_cluster", "pg_template", "pg_url", "pg_engine"}
    for item in items:
        if pg_fixtures & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.pg)
