"""Resident memory of one app server with N concurrent browser sessions.

    python -m bench.memory --database-url sqlite:////tmp/gov-bench/county-1000000.db --sessions 20

Starts ``streamlit run app.py`` on the database, records the server's resident set size (RSS,
the process and its children, from /proc) when idle, then opens N sessions in Debian's
Chromium (one browser context each, logged in with the demo accounts in turn, each on a page
of its role), keeps them all open, and records the RSS after the first session (which pays the
one-time costs: imports, the engine, the category classifier) and after all N. Prints and
returns the three, and the increase per further session. bench/suite.py runs it on the largest dataset of each backend.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# (account, page) pairs the sessions cycle through: a realistic mix of what people keep open
SESSIONS = [
    ("dispatcher", "inbox"),
    ("leader", "kpi"),
    ("reception", "intake"),
    ("zongzhi", "platform_desk"),
    ("mediator", "mediation"),
    ("grid", "grid_events"),
    ("demo", "big_screen"),
    ("admin", "roster"),
    ("leader", "supervision"),
    ("shichang", "platform_desk"),
]


def rss_kib(pid: int) -> int:
    """RSS of a process and all its descendants, in KiB (Linux /proc)."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
            todo += [int(c) for c in children]
        except (OSError, ValueError):
            continue
    return total


IDLE_APP = "[data-testid='stApp'][data-test-script-state='notRunning']"


def _login(page, base: str, username: str, password: str) -> None:
    page.goto(base)
    # the form's first run must have finished: a click before that was lost (the wait below then
    # timed out on a slow server)
    page.locator(IDLE_APP).wait_for(timeout=120_000)
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    page.get_by_label("密码", exact=True).wait_for(state="detached", timeout=120_000)


def measure(database_url: str, sessions: int = 20, settle_s: float = 3.0) -> dict:
    from playwright.sync_api import sync_playwright

    from db.config import DEFAULT_DEMO_PASSWORD
    from deploy import cluster

    port = _free_port()
    env = cluster.app_env(database_url, secrets.token_urlsafe(36), {"GOV_MODE": "demo"})
    subprocess.run(
        [sys.executable, "-m", "db.cli", "init"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=900
    )
    log = open(os.devnull, "wb")  # noqa: SIM115 - the child process writes to it until it is stopped
    proc = cluster.start_app(port, env, secrets.token_urlsafe(36), log)
    base = f"http://127.0.0.1:{port}"
    try:
        cluster.wait_healthy(f"{base}/_stcore/health", proc)
        time.sleep(settle_s)
        idle = rss_kib(proc.pid)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=os.environ.get("GOV_CHROMIUM", "/usr/bin/chromium"),
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            )
            contexts = []
            try:
                for i in range(sessions):
                    user, page_key = SESSIONS[i % len(SESSIONS)]
                    ctx = browser.new_context(
                        viewport={"width": 1400, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
                    )
                    page = ctx.new_page()
                    _login(page, base, user, DEFAULT_DEMO_PASSWORD)
                    page.goto(f"{base}/{page_key}")
                    page.locator(IDLE_APP).wait_for(timeout=120_000)
                    contexts.append(ctx)
                    if i == 0:  # the first session pays the one-time costs (imports, engine, classifier)
                        time.sleep(settle_s)
                        first = rss_kib(proc.pid)
                time.sleep(settle_s)
                loaded = rss_kib(proc.pid)
            finally:
                for ctx in contexts:
                    ctx.close()
                browser.close()
    finally:
        cluster.stop(proc)
        log.close()
    return {
        "sessions": sessions,
        "idle_mib": idle / 1024,
        "first_mib": first / 1024,
        "loaded_mib": loaded / 1024,
        "per_session_mib": (loaded - first) / 1024 / max(1, sessions - 1),
    }


def format_result(r: dict) -> str:
    return (
        f"server RSS: {r['idle_mib']:.0f} MiB before any session, {r['first_mib']:.0f} MiB with one, "
        f"{r['loaded_mib']:.0f} MiB with {r['sessions']} (+{r['per_session_mib']:.1f} MiB per further session)"
    )


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument(
        "--settle",
        type=float,
        default=3.0,
        help="seconds to let the server settle before each reading (the smoke test uses less)",
    )
    ap.add_argument("--json", help="also write the result as JSON to this file")
    args = ap.parse_args(argv)
    r = measure(args.database_url, args.sessions, args.settle)
    if args.json:
        import json

        Path(args.json).write_text(json.dumps(r), encoding="utf-8")
    print(format_result(r))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
