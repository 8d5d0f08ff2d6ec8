"""A throwaway PostgreSQL cluster from the machine's own binaries (initdb + pg_ctl), for the
tests (tests/conftest.py) and the benchmark suite (bench/suite.py).

PostgreSQL refuses to run as root. When running as root (CI containers), initdb and the server
run as an unprivileged OS user instead: ``GOV_PG_OS_USER`` if set, else ``postgres``; the user is
created with ``useradd`` if it does not exist. The cluster's directory is created by us (mode
0700) and chowned to that user.

Binaries: ``GOV_PG_BINDIR`` if set; else ``pg_config --bindir`` if it holds ``initdb`` and
``pg_ctl`` (on Debian it may be a client-only directory); else the newest
``/usr/lib/postgresql/*/bin``; else ``pg_ctl`` on PATH.

The cluster trades durability for speed (fsync off): for tests and benchmarks only.
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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

PG_SUPERUSER = "postgres"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
        out = subprocess.run(
            ["pg_config", "--bindir"],
            capture_output=True,
            text=True,  # nosec B607
            timeout=10,
            check=True,
        ).stdout.strip()
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


def server_os_user() -> pwd.struct_passwd | None:
    """None when we are not root (the server then runs as us); otherwise the OS user to run it as,
    created if missing."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("GOV_PG_OS_USER", "postgres")
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",  # nosec B607
                name,
            ],
            check=True,
            capture_output=True,
        )
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
        return subprocess.run(
            list(args), cwd=self.base, env=env, capture_output=True, text=True, timeout=timeout, **kwargs
        )

    def _check(self, proc: subprocess.CompletedProcess, what: str) -> None:
        if proc.returncode != 0:
            log = self.logfile.read_text(errors="replace")[-3000:] if self.logfile.exists() else ""
            raise RuntimeError(
                f"PostgreSQL {what} failed (exit {proc.returncode}):\n"
                f"{proc.stdout}\n{proc.stderr}\n--- server log ---\n{log}"
            )

    def start(self) -> None:
        if self.os_user is not None:
            os.chown(self.base, self.os_user.pw_uid, self.os_user.pw_gid)
        self._check(
            self._run(
                str(self.bindir / "initdb"),
                "-D",
                str(self.datadir),
                "-U",
                PG_SUPERUSER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
                "--no-instructions",
            ),
            "initdb",
        )
        for attempt in range(5):
            self.port = free_port()
            conf = (
                f"\n# test-session settings\nport = {self.port}\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.base}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "max_connections = 200\nshared_buffers = 64MB\n"
                # DSM segments inside the data dir, so nothing outlives rmtree
                "dynamic_shared_memory_type = mmap\n"
            )
            with open(self.datadir / "postgresql.auto.conf", "a") as fh:
                fh.write(conf)
            proc = self._run(
                str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-l", str(self.logfile), "-w", "-t", "60", "start"
            )
            if proc.returncode == 0:
                return
            log = self.logfile.read_text(errors="replace") if self.logfile.exists() else ""
            if "could not bind" not in log and "already in use" not in log or attempt == 4:
                self._check(proc, "start")
        raise AssertionError("unreachable")

    def stop(self) -> None:
        if self.datadir.exists():
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "-w", "stop", timeout=60)
        shutil.rmtree(self.base, ignore_errors=True)

    # -- databases
    def admin(self):
        import psycopg

        return psycopg.connect(
            host="127.0.0.1", port=self.port, user=PG_SUPERUSER, dbname="postgres", autocommit=True, connect_timeout=10
        )

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


def cluster_parent_dir() -> str | None:
    """Where clusters live: GOV_PG_TMPDIR, else /dev/shm when it is a usable tmpfs (CREATE
    DATABASE there takes ~15 ms instead of ~300 ms on disk), else the system temp dir."""
    if os.environ.get("GOV_PG_TMPDIR"):
        return os.environ["GOV_PG_TMPDIR"]
    try:
        st = os.statvfs("/dev/shm")  # nosec B108
        if os.access("/dev/shm", os.W_OK) and st.f_bavail * st.f_frsize > 1 << 30:  # nosec B108
            return "/dev/shm"  # nosec B108
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


def reap_stale_clusters(parent: str, bindir: Path) -> None:
    """Stop and delete clusters left behind by test sessions that were killed."""
    for base in Path(parent).glob("gov-pg-*"):
        try:
            owner = int((base / "owner.pid").read_text())
        except (OSError, ValueError):
            continue
        if _pid_alive(owner):
            continue
        stale = PgCluster(bindir=bindir, base=base, os_user=server_os_user())
        try:
            stale.stop()
        except (OSError, subprocess.SubprocessError):
            shutil.rmtree(base, ignore_errors=True)


def start_cluster() -> PgCluster:
    """Start a new cluster (reaping ones left by killed processes); the caller stops it."""
    bindir = find_pg_bindir()
    if bindir is None:
        raise RuntimeError(
            "PostgreSQL server binaries (initdb, pg_ctl) not found: install the "
            "'postgresql' package or set GOV_PG_BINDIR"
        )
    parent = cluster_parent_dir()
    reap_stale_clusters(parent or tempfile.gettempdir(), bindir)
    base = Path(tempfile.mkdtemp(prefix="gov-pg-", dir=parent))
    (base / "owner.pid").write_text(str(os.getpid()))
    cluster = PgCluster(bindir=bindir, base=base, os_user=server_os_user())
    try:
        cluster.start()
    except BaseException:
        cluster.stop()
        raise
    return cluster
