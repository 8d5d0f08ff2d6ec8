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

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bench.pgcluster import PG_SUPERUSER, PgCluster, find_pg_bindir, free_port, start_cluster  # noqa: F401
from db import clock, migrate
from db.engine import make_engine
from tests.factories.clock import MOMENT, TEST_NOW
from tests.factories.dates import DATE_SENSITIVE
from tests.factories.deps import unavailable

ROOT = Path(__file__).resolve().parent.parent
PG_TEMPLATE_DB = "gov_tmpl"

# Tests fix their own clock: every test process, and every subprocess a test starts (streamlit
# run, db.cli), reads db/clock.py, which starts at TEST_NOW (tests/factories/clock.py) and runs
# at real speed.
clock.start_at(TEST_NOW)
os.environ[clock.ENV] = clock.env_value()
# the classifiers the test servers and AppTests train are kept in a directory of this run, not in
# the checkout's data/models (components/data.model_path)
os.environ.setdefault("GOV_MODEL_DIR", tempfile.mkdtemp(prefix="gov-test-models-"))


@pytest.fixture(autouse=True)
def _clock_put_back() -> Iterator[None]:
    """A test that freezes or moves the clock gets it back as it was afterwards."""
    saved = clock.state()
    yield
    if clock.state() != saved:
        clock.restore(saved)


_MAIN_MODULE = sys.modules["__main__"]


@pytest.fixture(autouse=True)
def _main_module_put_back() -> Iterator[None]:
    """An AppTest run leaves ``sys.modules["__main__"]`` set to the last page script it ran
    (Streamlit's script runner installs the script as ``__main__`` and never puts the old one
    back); a process started afterwards with multiprocessing's spawn re-runs ``__main__``'s file
    in the child, i.e. the page, which failed there without a session (a red CI run: a writer
    process died with exit code 1 instead of its own). Each test gets the worker's own back."""
    yield
    if sys.modules.get("__main__") is not _MAIN_MODULE:
        sys.modules["__main__"] = _MAIN_MODULE


# Modules whose tests read the clock (db/clock.py): the demo township generated at the tests'
# clock and every page that shows it ("today", "this week", "overdue", home counts, periods), the
# demo generator, the clock itself. scripts/test.sh runs them again with GOV_TEST_CLOCK at other
# moments. Tests that pass a fixed instant of their own to the code under test (the SLA rules,
# the KPI, order-query and weekly-report tests on hand-made data) would prove nothing there.
# (the list: tests/factories/dates.py)


# bcrypt at its lowest cost in tests: the hashing is real, only cheaper (production uses 12)
os.environ.setdefault("GOV_BCRYPT_ROUNDS", "4")


# --------------------------------------------------------------------------- helpers


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


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """The session's PostgreSQL cluster (started on first use, stopped at session end)."""
    if find_pg_bindir() is None:
        unavailable(
            "PostgreSQL server binaries (initdb, pg_ctl) not found: install the "
            "'postgresql' package or set GOV_PG_BINDIR"
        )
    cluster = start_cluster()
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

from tests.factories.backends import BACKENDS  # noqa: E402


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


@pytest.hookimpl(tryfirst=True)  # before -m selects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that use the PostgreSQL fixtures directly carry the ``pg`` marker too; tests of the
    DATE_SENSITIVE modules carry ``dates``, unless marked ``any_date`` (their outcome does not
    depend on the moment: the date runs would repeat them for nothing)."""
    pg_fixtures = {"pg_cluster", "pg_template", "pg_url", "pg_engine"}
    for item in items:
        if pg_fixtures & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.pg)
        if Path(item.path).stem in DATE_SENSITIVE and item.get_closest_marker("any_date") is None:
            item.add_marker(pytest.mark.dates)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[pytest.TestReport]:
    """A failure says at which moment the tests' clock stood (the date run has one per worker)."""
    report = yield
    if report.failed:
        report.sections.append(("tests' clock", f"{MOMENT} (TEST_NOW {TEST_NOW:%Y-%m-%d %H:%M} UTC)"))
    return report


# --------------------------------------------------------------------------- the demo township


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """One small demo township for every page test of this process (built once: 400 orders at
    the tests' clock), selected through the environment the way the app selects it; yields
    {role: Actor}. Tests that change it leave it usable for the others."""
    from tests.factories import pages

    saved = pages.saved_env()
    try:
        yield pages.build_demo_db(tmp_path_factory.mktemp("apptest") / "console.db")
    finally:
        pages.restore_env(saved)
