"""Browser harness: the real app under `streamlit run`, driven by Debian's Chromium through
Playwright's sync API.

Fixtures
    app_server (session)  base URL (``http://127.0.0.1:PORT``) of ``streamlit run server.py`` on a
                          free port, with a fresh SQLite database in a temp dir. It is a ``str``
                          with extra attributes ``.db_path``, ``.log_path`` and ``.proc``.
    browser    (session)  a headless ``/usr/bin/chromium`` (never a Playwright-downloaded one).
    page       (function) a page in a new context (1400x900, zh-CN, Asia/Shanghai); on test
                          failure a screenshot goes to artifacts/screenshots/FAILED-<test>.png.

Helpers (in a test module here: ``from .conftest import login, wait_for_app, screenshot``)
    wait_for_app(page)                      wait until the script has finished running.
    wait_for_rerun(page)                    after an action: wait for the rerun it triggers.
    login(page, base_url, username, password, expect_success=True)
    screenshot(page, name) -> Path          artifacts/screenshots/<name>.png (full page).

Environment
    GOV_APP_SCRIPT   script to run (default server.py: app.py and the cookie route; relative to the
                     repo root or absolute).
    GOV_CHROMIUM     browser binary (default /usr/bin/chromium).
    GOV_APP_START_TIMEOUT  seconds to wait for /_stcore/health (default 180).
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from db import clock
from db.config import DEFAULT_DEMO_PASSWORD
from tests.factories.deps import unavailable

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("GOV_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
APP_RUNNING = "[data-testid='stApp'][data-test-script-state='running']"
BUSY = "[data-testid='stSpinner'], [data-testid='stSkeleton']"
STALE = "[data-stale='true']"
DEFAULT_TIMEOUT_MS = 30_000


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- markers


@pytest.hookimpl(tryfirst=True)  # before -m selects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test under tests/browser carries the ``browser`` marker. Under pytest-xdist
    (scripts/test.sh) each worker that gets a browser test starts its own app server and
    Chromium (session fixtures are per worker). (Grouping them on one worker with
    ``--dist loadgroup`` does not work with pytest 9: xdist 3.8 sets ``item._nodeid``,
    which pytest 9 no longer reads.)"""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    """Keep each phase's report on the item so ``page`` can screenshot failures."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# --------------------------------------------------------------------------- the app server


class ServerURL(str):
    """The base URL, carrying the server's database path, log file and process."""

    db_path: Path
    log_path: Path
    proc: subprocess.Popen
    cookie_key: str
    env: dict[str, str]


def _get(url: str, timeout: float = 5) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except (urllib.error.URLError, OSError):
        return 0, ""


def _tail(path: Path, chars: int = 6000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return "<no log>"


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerURL]:
    """``streamlit run`` of the app on a free port with a fresh SQLite DB (the app migrates and
    seeds demo data at first start); yields the base URL; kills the process group at the end."""
    with serve(tmp_path_factory.mktemp("app-server"), mode="demo") as url:
        yield url


@contextmanager
def serve(
    workdir: Path, *, mode: str, env_extra: dict[str, str] | None = None, init: bool = True
) -> Iterator[ServerURL]:
    """The app under ``streamlit run`` on a free port over the SQLite file ``workdir/console.db``
    (``mode``: demo or production); ``init`` migrates (and in demo mode seeds) before the server
    starts, as scripts/start.sh does. Yields the base URL; kills the process group at the end."""
    script = Path(os.environ.get("GOV_APP_SCRIPT", "server.py"))
    if not script.is_absolute():
        script = ROOT / script
    if not script.is_file():
        pytest.fail(f"app script {script} not found (set GOV_APP_SCRIPT to run another one)", pytrace=False)

    db_path = workdir / "console.db"
    log_path = workdir / "streamlit.log"
    port = free_port()
    env = server_env(db_path, mode)
    env.update(env_extra or {})
    python = venv_python()
    cmd = [
        python,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    log = open(log_path, "wb")  # noqa: SIM115 - the child process writes to it until it is stopped
    if init and script.name in ("server.py", "app.py"):
        # migrate and seed before the server starts, as scripts/start.sh does, so the first page
        # load does not race the demo generation
        subprocess.run(
            [python, "-m", "db.cli", "init"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=600,
        )
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    timeout = float(os.environ.get("GOV_APP_START_TIMEOUT", "180"))
    deadline = time.monotonic() + timeout
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"streamlit exited with code {proc.returncode} before becoming healthy:\n{_tail(log_path)}",
                    pytrace=False,
                )
            status, body = _get(f"{base}/_stcore/health", timeout=2)
            if status == 200:
                break
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit not healthy after {timeout:.0f}s:\n{_tail(log_path)}", pytrace=False)
            time.sleep(0.25)
        url = ServerURL(base)
        url.db_path, url.log_path, url.proc = db_path, log_path, proc
        url.cookie_key, url.env = env["GOV_COOKIE_KEY"], env
        yield url
    finally:
        _stop(proc)
        log.close()
        if proc.returncode not in (0, -signal.SIGTERM, None):
            sys.stderr.write(f"\nstreamlit exited with {proc.returncode}; log tail:\n{_tail(log_path, 3000)}\n")


def server_env(db_path: Path, mode: str) -> dict[str, str]:
    """The environment of the test server and of the ``db.cli`` commands run beside it."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        GOV_DB_PATH=str(db_path),
        GOV_MODE=mode,
        GOV_COOKIE_KEY=secrets.token_urlsafe(36),  # 48 characters
        GOV_DEMO_SCALE_ORDERS="300",
        GOV_E2E_MARKER="1",  # the finished-run marker wait_for_rerun relies on
        GOV_CLOCK=clock.env_value(),  # the server's clock starts where the tests' clock is now
        PYTHONUNBUFFERED="1",
    )
    return env


def venv_python() -> str:
    candidate = ROOT / ".venv" / "bin" / "python"
    return str(candidate) if candidate.exists() else sys.executable


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:  # noqa: F821 - Playwright type, imported lazily
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(
            f"Chromium not found at {CHROMIUM}: install the 'chromium' package "
            "(scripts/install.sh --dev) or set GOV_CHROMIUM"
        )
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        pw.stop()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest) -> Iterator[Page]:  # noqa: F821
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    pg = context.new_page()
    try:
        yield pg
    finally:
        failed = any(getattr(getattr(request.node, f"rep_{w}", None), "failed", False) for w in ("setup", "call"))
        if failed:
            with suppress(Exception):  # a screenshot must not mask the failure
                screenshot(pg, "FAILED-" + request.node.name)
        context.close()


# --------------------------------------------------------------------------- helpers


# the count of finished script runs the app shows under GOV_E2E_MARKER=1 (components/ui.py
# run_marker), as last seen by wait_for_app / wait_for_rerun, per page
_RUNS_SEEN: dict = {}
_RUNS_JS = "() => { const m = document.querySelector('.gov-e2e-run'); return m ? m.title : null; }"
_RUN_DONE_JS = "seen => { const m = document.querySelector('.gov-e2e-run'); return !!m && m.title !== seen; }"
_RUN_STARTED_JS = (
    "seen => { const m = document.querySelector('.gov-e2e-run');"
    " if (m && m.title !== seen) return true;"
    " const app = document.querySelector(\"[data-testid='stApp']\");"
    " return !!app && app.getAttribute('data-test-script-state') === 'running'; }"
)


def _settle(page, timeout: float) -> None:
    page.wait_for_selector(APP_IDLE, state="attached", timeout=timeout)
    page.wait_for_selector(BUSY, state="detached", timeout=timeout)
    page.wait_for_timeout(100)  # let the final deltas paint
    page.wait_for_selector(APP_IDLE, state="attached", timeout=timeout)
    page.wait_for_selector(STALE, state="detached", timeout=timeout)
    page.wait_for_selector(APP_IDLE, state="attached", timeout=timeout)


def wait_for_app(page, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
    """Wait until the Streamlit script has finished its run and nothing is loading."""
    _settle(page, timeout)
    _RUNS_SEEN[page] = page.evaluate(_RUNS_JS)


def wait_for_rerun(page, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
    """After a click or an input: wait for the rerun it triggers to start (if it has not already
    started and finished), then for it to finish.

    With the app's run marker (the test server sets GOV_E2E_MARKER=1) "finished" is exact: the
    count of finished runs has moved on. A handler that saves and calls st.rerun() makes two
    runs, and between them the app reports itself idle; without the marker a check made in that
    moment read the page of the first run (seen on CI). Without a marker on the page (another
    server) the idle state is all there is."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    seen = _RUNS_SEEN.get(page)
    if seen is None:
        with suppress(PlaywrightTimeoutError):
            page.wait_for_selector(APP_RUNNING, state="attached", timeout=1500)
        wait_for_app(page, timeout)
        return
    try:  # a run started (or has already finished) ...
        page.wait_for_function(_RUN_STARTED_JS, arg=seen, timeout=1500, polling=50)
    except PlaywrightTimeoutError:  # ... or the input caused none
        wait_for_app(page, timeout)
        return
    page.wait_for_function(_RUN_DONE_JS, arg=seen, timeout=timeout, polling=50)
    wait_for_app(page, timeout)


def pick(page, label: str, text: str) -> None:
    """Choose the option containing ``text`` in the searchable select box labelled ``label``.
    Inside a form a choice causes no run, so there is nothing to wait for there."""
    box = page.get_by_label(label, exact=True)
    in_form = box.evaluate("el => !!el.closest(\"[data-testid='stForm']\")")
    option = page.get_by_role("option", name=re.compile(re.escape(text))).first
    # no retry: a run the page started by itself (the old login library's cookie component)
    # used to close the list; a closed list now is a bug to see, not to click through
    box.click()
    page.keyboard.type(text)
    option.click()
    if not in_form:
        wait_for_rerun(page)


def upload(page, path: Path, selector: str = "[data-testid='stFileUploaderDropzoneInput']") -> None:
    """Choose ``path`` in a file uploader and wait, as a user would, until the file is listed
    and its upload has finished: a submit pressed while the upload was still running (a busy
    machine) produced no run the test could wait for (seen once in ten parallel runs)."""
    page.locator(selector).first.set_input_files(str(path))
    page.get_by_text(path.name, exact=True).first.wait_for(timeout=DEFAULT_TIMEOUT_MS)
    page.locator("[data-testid='stFileUploader'] [role='progressbar']").first.wait_for(
        state="detached", timeout=DEFAULT_TIMEOUT_MS
    )


def login(
    page,
    base_url: str,
    username: str,
    password: str,
    *,
    expect_success: bool = True,
    timeout: float = DEFAULT_TIMEOUT_MS,
) -> None:
    """Open ``base_url``, fill 用户名/密码, click 登录 and wait for the app. With
    ``expect_success`` also wait for the login form to go away and for the login cookie: the
    page's cookie script writes it when the run's elements arrive, and a ``page.goto`` before
    that would land on the login form."""
    page.goto(base_url)
    wait_for_app(page, timeout)
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    wait_for_rerun(page, timeout)
    if expect_success:
        page.get_by_label("密码", exact=True).wait_for(state="detached", timeout=timeout)
        wait_for_app(page, timeout)
        wait_for_cookie(page, timeout / 1000)


def auth_cookie(page) -> dict | None:
    """The login cookie in the page's browser context, or None."""
    from db.config import COOKIE_NAME

    return next((c for c in page.context.cookies() if c["name"] == COOKIE_NAME), None)


def wait_for_cookie(page, timeout_s: float = 10) -> dict:
    """Wait for the login cookie to be set and return it."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        cookie = auth_cookie(page)
        if cookie:
            return cookie
        page.wait_for_timeout(100)
    raise AssertionError("the login cookie was never set")


DOCS_SHOTS = ROOT / "docs" / "screenshots"


def doc_shot(page, name: str) -> Path:
    """A screenshot for the docs: artifacts/screenshots/<name>.png on every run, and also
    docs/screenshots/<name>.png when GOV_DOC_SCREENSHOTS=1 (a test run leaves the work tree as
    it was; refresh the docs' pictures on purpose)."""
    path = screenshot(page, name)
    if os.environ.get("GOV_DOC_SCREENSHOTS") == "1":
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_SHOTS / f"{name}.png"), full_page=True)
    return path


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as artifacts/screenshots/<name>.png and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^\w.\-\[\]]+", "_", name)[:150]
    path = SCREENSHOTS / f"{safe}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --------------------------------------------------------------------------- order journeys


def status_line(page) -> str:
    return page.get_by_text(re.compile("^状态：")).first.inner_text()


def open_order(page, base: str, number: str) -> None:
    page.goto(f"{base}/inbox?order={number}")
    wait_for_app(page)
    page.get_by_role("heading", name=re.compile(number)).wait_for()


def register(page, base: str, description: str) -> str:
    login(page, base, "reception", DEFAULT_DEMO_PASSWORD)
    page.goto(f"{base}/intake")
    wait_for_app(page)
    page.get_by_label("来电人/来访人").fill("张桂兰")
    page.get_by_label("联系电话").fill("138 1234 5678")
    pick(page, "村（社区）", "村")
    page.get_by_label("地址").fill("东头3号")
    page.get_by_label("诉求描述").fill(description)
    page.keyboard.press("Tab")
    wait_for_rerun(page)
    pick(page, "诉求类别", "自来水")
    page.get_by_role("button", name="登记工单").click()
    wait_for_rerun(page)
    # the success message; a duplicate warning (an earlier test's order in the same village and
    # category) may stand above it
    alert = page.locator("[data-testid='stAlert']").filter(has_text=re.compile(r"RX-\d{4}-\d{6}")).first
    alert.wait_for()
    text = alert.inner_text()
    match = re.search(r"RX-\d{4}-\d{6}", text)
    assert match, text
    return match.group(0)


def act(
    page, action: str, fill: dict[str, str] | None = None, picks: dict[str, str] | None = None, radio: str | None = None
) -> str:
    """Run an action of the detail view (``radio``: the option to choose first, e.g. where a
    dispatch goes); returns the flash/error text shown afterwards."""
    page.locator("button", has_text=re.compile(f"^{action}$")).first.click()
    wait_for_rerun(page)
    if radio:
        page.get_by_text(radio, exact=True).first.click()
        wait_for_rerun(page)
    for label, text in (picks or {}).items():
        pick(page, label, text)
    for label, text in (fill or {}).items():
        page.get_by_label(label).fill(text)
    page.get_by_role("button", name=f"确认{action}").click()
    wait_for_rerun(page)
    alerts = page.locator("[data-testid='stAlert']")
    alerts.first.wait_for()
    text = " ".join(alerts.all_inner_texts())
    if not text:
        screenshot(page, f"act-{action}-no-message")
    return text
