"""The desk at the speed of speech (issue #20): a clerk's calls in headless Chromium, timed.

    python -m bench.desk                                  # demo township: floor, alone, under load
    python -m bench.desk --calls 3 --no-load              # quick look, the desk alone
    python -m bench.desk --database-url sqlite:////tmp/gov-bench/county-1000000.db   # county data set

One command. It starts ``streamlit run server.py`` (the console, with the finished-run marker of
the browser tests, ``GOV_E2E_MARKER=1``) on a fresh SQLite demo township built with ``python -m
db.cli init`` in a temporary directory, or on ``--database-url`` (an existing data set, e.g. one
built by ``python -m db.demo --scale county --orders 1000000``: the benchmark registers its calls
there, 4 × --calls orders per case). Beside it a second ``streamlit run`` serves an almost empty
page (one text field, one button): **the floor**, the round trip of a rerun of an empty Streamlit
page (click → the run has finished and is drawn), measured in the same browser.

Logged in as ``reception``, a clerk works the 来电来访登记 page in four scenarios, --calls calls each:

- **new caller**: name, a new phone number, village, grid, address, description, the suggested
  category picked, 登记工单;
- **repeat caller**: a phone with earlier orders: the wait until the caller's history is drawn
  counts (it is drawn by the run the phone's commit starts);
- **即办**: a policy question, a category whose default tier is 即办, the answer typed, saved and
  closed at once;
- **keyboard only**: the whole call without the mouse (Tab, type-to-filter and Enter, Alt+S), as
  tests/browser/test_desk_keyboard.py.

Each interaction is a commit (Enter, Tab, a click on an option or a button) or a click that opens a
field or a list. It is timed in the browser (``performance.now()``): from the commit's keydown or
mousedown to the moment the last run it triggered has finished (the server's ``script_finished``,
the app idle and its run marker moved on), the runs counted from the server's messages (a save
that calls ``st.rerun`` is two runs). An interaction that sends no rerun within --norun-ms counts
0 runs and no wait. Typing is not timed; the **time excluding typing** of a call is the sum of its
waits. The wait statistics (median, 95th percentile, maximum) are over the interactions that ran
the script.

The same clerk then works again while, on the same server, the big screen tours in kiosk mode
(``/big_screen?kiosk=1`` as ``demo``) and --load-sessions other sessions (leader and dispatcher)
keep opening 指标分析, 周调度报告 and 工单中心 from the sidebar, --load-think seconds apart (their own
Chromium, in a subprocess at nice --load-nice: on a small machine their browsers would otherwise
take the server's CPU, which in use they would not). The first call on the freshly started server
is compared with the tenth.

Prints one table per case, where the waits went (until the rerun is sent, until the run starts,
the runs, the drawing; the CPU of the server, the clerk's browser, the load and other work on the
machine), each interaction, and the targets of issue #20 (median ≤ 2× the floor and none over
500 ms alone; ≤ 3× and none over 1 s under load; the first call no slower than the tenth) marked
met or MISSED, and appends it to bench-results/desk.md. The exit code is 0 when the benchmark ran
(a missed target is a measurement, not a failure); 1 when a call could not be completed (the
clerk's page did not do what the call needs) or the run was interrupted: what was measured before
is still reported. Servers and browsers are stopped on every exit (process groups).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench import report_out

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
CHROMIUM = os.environ.get("GOV_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
SCENARIOS = {"new": "new caller", "repeat": "repeat caller", "instant": "即办 answer", "keyboard": "keyboard only"}
LOAD_PAGES = ("kpi", "weekly", "inbox")
LOAD_ROLES = ("leader", "dispatcher")
TARGETS = {"alone": (2.0, 500.0), "load": (3.0, 1000.0)}  # (median ≤ N × floor, no wait over ms)

# --------------------------------------------------------------------------- in the browser

# Added to every page of a benchmark context before Streamlit's own code: a log of the
# WebSocket's messages (the top-level field of each ForwardMsg/BackMsg: 4 new_session = a run
# started, 6 script_finished with its status, 2 = ended early for a rerun; BackMsg 11 =
# rerun_script, sent by a widget's commit), of the input events, and of the app's run state and
# run marker (components/ui.py, GOV_E2E_MARKER=1) as they change in the DOM.
HOOK_JS = r"""
(() => {
  if (window.__bench) return;
  const B = window.__bench = {log: [], armT: 0};
  const now = () => performance.now();
  const push = (k, extra) => B.log.push(Object.assign({k: k, t: now()}, extra || {}));
  const fields = (buf) => {  // the top-level fields of a protobuf message: [number, varint or length]
    const b = new Uint8Array(buf); const out = []; let i = 0;
    const varint = () => { let r = 0, s = 0, x; do { x = b[i++]; r += (x & 0x7f) * Math.pow(2, s); s += 7; }
                           while ((x & 0x80) && i < b.length); return r; };
    while (i < b.length) {
      const tag = varint(), f = Math.floor(tag / 8), w = tag & 7;
      if (w === 0) out.push([f, varint()]);
      else if (w === 2) { const n = varint(); out.push([f, n]); i += n; }
      else if (w === 1) { i += 8; out.push([f, 0]); }
      else if (w === 5) { i += 4; out.push([f, 0]); }
      else break;
    }
    return out;
  };
  const Native = window.WebSocket;
  function Hooked(...args) {
    const ws = new Native(...args);
    ws.addEventListener('message', ev => {
      if (!(ev.data instanceof ArrayBuffer)) return;
      for (const [f, v] of fields(ev.data)) {
        if (f === 4) push('new_session');
        else if (f === 6) push('script_finished', {status: v});
      }
    });
    return ws;
  }
  Hooked.prototype = Native.prototype;
  Object.assign(Hooked, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  window.WebSocket = Hooked;
  const send = Native.prototype.send;
  Native.prototype.send = function (d) {
    try {
      const buf = d instanceof ArrayBuffer ? d
        : (ArrayBuffer.isView(d) ? d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength) : null);
      if (buf && fields(buf).some(x => x[0] === 11)) push('rerun');
    } catch (e) { push('rerun'); }
    return send.call(this, d);
  };
  for (const type of ['keydown', 'mousedown']) window.addEventListener(type, () => push(type), true);
  try {  // the browser's main thread busy (tasks over 50 ms: React drawing the deltas, scripts)
    new PerformanceObserver(l => {
      for (const e of l.getEntries()) B.log.push({k: 'busy', t: e.startTime, d: e.duration}); })
      .observe({type: 'longtask', buffered: false});
  } catch (e) { /* no long-task timing in this browser */ }
  let state = null, marker = null;
  const look = () => {
    const app = document.querySelector("[data-testid='stApp']");
    const m = document.querySelector('.gov-e2e-run');
    const s = app ? app.getAttribute('data-test-script-state') : null, mk = m ? m.title : null;
    if (s !== state || mk !== marker) { state = s; marker = mk; push('dom', {state: s, marker: mk}); }
  };
  B.arm = () => { look(); B.armT = now(); return [B.log.length, marker]; };
  // null while the interaction armed at i0 is still going, else what it cost
  B.result = (i0, armMarker, norun, grace) => {
    look();
    const L = B.log.slice(i0), t = now();
    const input = L.find(e => e.k === 'keydown' || e.k === 'mousedown');
    const t0 = input ? input.t : B.armT;
    const runs = L.filter(e => e.k === 'new_session').length;
    const early = L.filter(e => e.k === 'script_finished' && e.status === 2).length;
    const sends = L.filter(e => e.k === 'rerun');
    if (!sends.length) return (t - t0 < norun) ? null : {t0: t0, done: t0, wait: 0, runs: runs, sends: 0, early: early};
    const lastSend = sends[sends.length - 1].t;
    let life = null;
    for (let j = L.length - 1; j >= 0; j--)
      if (L[j].k === 'new_session' || L[j].k === 'script_finished') { life = L[j]; break; }
    if (!life || life.k !== 'script_finished' || life.status === 2) return null;
    if (!L.some(e => e.k === 'new_session' && e.t >= lastSend)) return null;
    if (state !== 'notRunning') return null;
    if (life.status !== 3 && marker !== null && marker === armMarker) return null;
    let dom = null;
    for (let j = L.length - 1; j >= 0; j--) if (L[j].k === 'dom') { dom = L[j]; break; }
    const done = Math.max(life.t, dom ? dom.t : life.t);
    if (t - done < grace) return null;  // a moment of quiet: no follow-up run
    // where the wait went: until the rerun was sent; until the server's first run started (as the
    // browser heard it); the runs (script and messages); the drawing after the last script_finished
    const start = L.find(e => e.k === 'new_session' && e.t >= sends[0].t);
    const busy = L.filter(e => e.k === 'busy' && e.t >= t0 && e.t < done).reduce((a, e) => a + e.d, 0);
    return {t0: t0, done: done, wait: done - t0, runs: runs, sends: sends.length, early: early,
            phases: {send: sends[0].t - t0, start: start ? start.t - sends[0].t : 0,
                     runs: start ? life.t - start.t : life.t - sends[0].t, draw: done - life.t, busy: busy}};
  };
  B.tail = (n) => B.log.slice(-n);
  const start = () => {
    new MutationObserver(look).observe(document.documentElement, {subtree: true, childList: true,
      attributes: true, attributeFilter: ['data-test-script-state', 'title']});
    look();
  };
  if (document.documentElement) start(); else document.addEventListener('DOMContentLoaded', start);
})();
"""

WAIT_JS = "([i, m, n, g]) => window.__bench.result(i, m, n, g)"

# the floor: a rerun of an (almost) empty page, with the same run marker as the console
FLOOR_SCRIPT = '''"""The floor of bench/desk.py: the cheapest rerun Streamlit can do."""
import streamlit as st

st.session_state["runs"] = st.session_state.get("runs", 0) + 1
st.text_input("文字", key="floor_text")
st.button("重新运行", key="floor_button")
st.html(f'<span class="gov-e2e-run" title="{st.session_state["runs"]}"></span>')
'''


class DeskError(RuntimeError):
    """The benchmark could not do what it measures (a timeout, a call the page refused)."""


def _percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); nan for no values."""
    if not values:
        return float("nan")
    s = sorted(values)
    return s[max(0, math.ceil(q / 100 * len(s)) - 1)]


class Instrumented:
    """A page with the hook: each ``step`` is one interaction, timed in the browser."""

    def __init__(self, page, *, timeout_s: float, norun_ms: float, grace_ms: float = 100.0):
        self.page = page
        self.timeout_ms = timeout_s * 1000
        self.norun_ms = norun_ms
        self.grace_ms = grace_ms
        self.where = ""  # scenario and call, for error messages

    def step(self, label: str, action: Callable[[], None]) -> dict:
        page = self.page
        i0, marker = page.evaluate("() => window.__bench.arm()")
        action()
        try:
            handle = page.wait_for_function(
                WAIT_JS, arg=[i0, marker, self.norun_ms, self.grace_ms], polling=40, timeout=self.timeout_ms
            )
        except Exception as exc:  # Playwright's TimeoutError, or the page went away
            tail = page.evaluate("() => window.__bench ? window.__bench.tail(12) : []")
            raise DeskError(
                f"{self.where}, step '{label}': the run it triggered had not finished after "
                f"{self.timeout_ms / 1000:.0f} s ({type(exc).__name__}); last browser events: "
                f"{json.dumps(tail, ensure_ascii=False)}"
            ) from exc
        r = handle.json_value()
        out = {"step": label, "runs": r["runs"], "wait_ms": round(r["wait"], 1), "early": r["early"]}
        if r.get("phases"):
            out["phases"] = {k: round(v, 1) for k, v in r["phases"].items()}
        return out

    def wait_idle(self, timeout_s: float | None = None) -> None:
        """The app idle with a run marker drawn (after a page load)."""
        timeout = (timeout_s * 1000) if timeout_s else self.timeout_ms
        self.page.wait_for_function(
            "() => { const a = document.querySelector(\"[data-testid='stApp']\");"
            " return !!a && a.getAttribute('data-test-script-state') === 'notRunning'"
            " && !!document.querySelector('.gov-e2e-run'); }",
            polling=50,
            timeout=timeout,
        )


# --------------------------------------------------------------------------- servers


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return "<no log>"


@dataclass
class Server:
    name: str
    base: str
    proc: subprocess.Popen
    log_path: Path


def _start_streamlit(name: str, script: Path, env: dict[str, str], workdir: Path) -> Server:
    """``streamlit run script`` on a free port in its own process group (``_wait_healthy`` waits for it)."""
    port = _free_port()
    log_path = workdir / f"{name}.log"
    cmd = [
        PY,
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
    env = {**env, "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_urlsafe(36)}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return Server(name, f"http://127.0.0.1:{port}", proc, log_path)


def _wait_healthy(server: Server, timeout_s: float = 240) -> None:
    from deploy import cluster

    try:
        cluster.wait_healthy(f"{server.base}/_stcore/health", server.proc, timeout=timeout_s)
    except RuntimeError as exc:
        raise DeskError(f"the {server.name} server did not start: {exc}\n{_tail(server.log_path)}") from exc


def _stop(proc: subprocess.Popen | None) -> None:
    """Stop a process and its group (SIGTERM, then SIGKILL)."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=20)
    except ProcessLookupError:
        pass


def _app_env(database_url: str, workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GOV_DB_PATH", "DATABASE_URL")}
    # the classifier is trained afresh for this start and kept in the workdir, not in data/models
    env.update(
        DATABASE_URL=database_url,
        GOV_MODE="demo",
        GOV_COOKIE_KEY=secrets.token_urlsafe(36),
        GOV_E2E_MARKER="1",
        GOV_MODEL_DIR=str(workdir / "models"),
        PYTHONUNBUFFERED="1",
    )
    return env


def _tree(pid: int) -> list[int]:
    """A process and its descendants (Linux /proc)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def _cpu_s(pid: int | None) -> float:
    """CPU seconds (user + system) used so far by a process and its living descendants."""
    if pid is None:
        return 0.0
    total = 0
    for p in _tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


def prepare_database(database_url: str | None, workdir: Path, demo_orders: int | None) -> str:
    """A fresh demo township in the workdir (``db.cli init`` in demo mode, as the browser tests
    build theirs), or the given data set migrated (``db.cli init`` leaves a filled database as it is)."""
    url = database_url or f"sqlite:///{workdir / 'console.db'}"
    env = _app_env(url, workdir)
    if demo_orders:
        env["GOV_DEMO_SCALE_ORDERS"] = str(demo_orders)
    proc = subprocess.run([PY, "-m", "db.cli", "init"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise DeskError(f"db.cli init failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return url


# --------------------------------------------------------------------------- what the calls need


@dataclass
class DeskData:
    """Villages, repeat callers and fresh phone numbers of the clerk's township."""

    township: str
    orders: int
    villages: list[str]
    repeat: list[tuple[str, str, int]]  # (phone, village of the latest order, orders on file)
    phones: list[str]
    next_phone: int = 0

    def new_phone(self) -> str:
        self.next_phone += 1
        return self.phones[self.next_phone - 1]


def desk_data(database_url: str, calls_per_case: int, cases: int, clerk: str = "reception") -> DeskData:
    from sqlalchemy import bindparam, text

    from db.engine import make_engine

    eng = make_engine(database_url)
    try:
        with eng.connect() as c:
            town_id = c.execute(text("SELECT township_id FROM app_user WHERE username = :u"), {"u": clerk}).scalar()
            if town_id is None:
                raise DeskError(f"no account '{clerk}' with a township in {database_url}: run db.cli init in demo mode")
            township = c.execute(text("SELECT name FROM township WHERE id = :t"), {"t": town_id}).scalar()
            orders = c.execute(text("SELECT count(*) FROM work_order WHERE township_id = :t"), {"t": town_id}).scalar()
            villages = [
                r[0]
                for r in c.execute(
                    text(
                        "SELECT v.name FROM village v WHERE v.township_id = :t AND EXISTS "
                        "(SELECT 1 FROM grid g WHERE g.village_id = v.id) ORDER BY v.code, v.id"
                    ),
                    {"t": town_id},
                )
            ]
            need = calls_per_case * cases
            repeat = [
                (r[0], r[1], r[2])
                for r in c.execute(
                    text(
                        "SELECT w.caller_phone, (SELECT v.name FROM work_order w2 "
                        "  JOIN village v ON v.id = w2.village_id "
                        "  WHERE w2.caller_phone = w.caller_phone AND w2.township_id = :t "
                        "  ORDER BY w2.received_at DESC LIMIT 1), count(*) "
                        "FROM work_order w WHERE w.township_id = :t AND w.caller_phone IS NOT NULL "
                        "GROUP BY w.caller_phone HAVING count(*) >= 2 ORDER BY count(*) DESC, w.caller_phone LIMIT :n"
                    ),
                    {"t": town_id, "n": need * 2},
                )
            ]
            repeat = [r for r in repeat if r[1] in villages][:need]
            # new numbers: 199 + a running number not on file (3 cases' worth: new, 即办, keyboard)
            phones: list[str] = []
            n = int(time.time()) % 10_000_000
            on_file = text("SELECT caller_phone FROM work_order WHERE caller_phone IN :batch").bindparams(
                bindparam("batch", expanding=True)
            )
            while len(phones) < need * 3:
                batch = [f"199{(n + k) % 100_000_000:08d}" for k in range(need * 3 * 2)]
                n += len(batch)
                taken = {r[0] for r in c.execute(on_file, {"batch": batch})}
                phones += [p for p in batch if p not in taken]
    finally:
        eng.dispose()
    if not villages:
        raise DeskError(f"township {township} has no village with a grid")
    if not repeat:  # fewer than needed are used again in turn (a small demo township)
        raise DeskError(f"township {township} has no caller with two orders or more")
    return DeskData(township, orders, villages, repeat, phones[: need * 3])


NAMES = (
    "张桂兰",
    "李秀英",
    "王建国",
    "刘玉梅",
    "陈志强",
    "杨淑芬",
    "赵德明",
    "黄丽娟",
    "周国富",
    "吴秀珍",
    "孙海涛",
    "马凤英",
)
ISSUES = (
    "门口自来水管破裂，水流到路上，请尽快派人维修。",
    "村里路灯坏了好几盏，晚上出行不安全，请尽快修复。",
    "垃圾堆放点好几天没人清运，气味很大，请及时处理。",
    "邻居家装修每天晚上十点以后还在施工，噪音扰民。",
    "村道上有个大坑，下雨积水，电动车经过容易摔倒。",
)
QUESTIONS = (
    "群众咨询今年城乡居民医保缴费标准和截止时间。",
    "群众咨询养老保险缴费档次怎么选，交多少年能领。",
    "群众咨询孩子上学需要把户口迁到县城，需要什么手续。",
    "群众咨询身份证过期了在哪里办理、需要带什么材料。",
)
ANSWER = "已当场向诉求人解答相关政策，告知办理流程和所需材料，诉求人表示清楚。"
ANSWER_LABEL = "当场答复内容（即办事项登记即办结）"
INSTANT_FALLBACK = "社保医保政策"  # a leaf whose default tier is 即办 (db/demo/vocab.py, ZCZX03)


# --------------------------------------------------------------------------- the clerk


class Clerk(Instrumented):
    """The reception clerk at the desk: the four kinds of call."""

    def __init__(self, page, base: str, *, timeout_s: float, norun_ms: float, artifacts: Path):
        super().__init__(page, timeout_s=timeout_s, norun_ms=norun_ms)
        self.base = base
        self.artifacts = artifacts

    # the page's pieces
    def field(self, label: str):
        return self.page.get_by_label(label, exact=True)

    def option(self, text: str):
        return self.page.get_by_role("option", name=re.compile(re.escape(text))).first

    def typed(self, text: str) -> None:
        self.page.keyboard.type(text)

    def focused(self) -> str:
        return (
            self.page.evaluate(
                "() => document.activeElement && (document.activeElement.getAttribute('aria-label')"
                " || document.activeElement.tagName)"
            )
            or ""
        )

    def wait_focus(self, label: str) -> None:
        try:
            self.page.wait_for_function(
                "l => document.activeElement && document.activeElement.getAttribute('aria-label') === l",
                arg=label,
                timeout=self.timeout_ms,
            )
        except Exception as exc:
            raise DeskError(f"{self.where}: the cursor is in '{self.focused()}', not in '{label}'") from exc

    def suggestion(self) -> tuple[str, str]:
        """The suggested category (the caption under the description): (label, method)."""
        cap = self.page.get_by_text(re.compile("^系统推荐类别")).first
        try:
            cap.wait_for(timeout=self.timeout_ms)
        except Exception as exc:
            raise DeskError(f"{self.where}: no category suggested for the description") from exc
        text = cap.inner_text()
        m = re.search(r"系统推荐类别：\s*(.+?)（置信度.*?依据(模型|关键词)", text)
        if not m:
            raise DeskError(f"{self.where}: cannot read the suggestion '{text}'")
        return m.group(1).strip(), m.group(2)

    def saved(self, instant: bool) -> str:
        alert = self.page.locator("[data-testid='stAlert']").filter(has_text=re.compile(r"RX-\d{4}-\d{6}")).first
        try:
            alert.wait_for(timeout=self.timeout_ms)
        except Exception as exc:
            errors = " / ".join(self.page.locator("[data-testid='stAlert']").all_inner_texts())
            self.page.screenshot(path=str(self.artifacts / f"desk-failed-{int(time.time())}.png"), full_page=True)
            raise DeskError(f"{self.where}: the call was not saved ({errors or 'no message'})") from exc
        text = alert.inner_text()
        if instant and "已即办办结" not in text:
            raise DeskError(f"{self.where}: the 即办 call was not closed at once: {text}")
        return re.search(r"RX-\d{4}-\d{6}", text).group(0)

    def login(self, username: str, password: str) -> None:
        from db.config import COOKIE_NAME

        page = self.page
        page.goto(self.base)
        self.wait_idle(180)
        self.field("用户名").fill(username)
        self.field("密码").fill(password)
        page.get_by_role("button", name="登录", exact=True).click()
        self.field("密码").wait_for(state="detached", timeout=self.timeout_ms)
        end = time.monotonic() + self.timeout_ms / 1000
        while not any(c["name"] == COOKIE_NAME for c in page.context.cookies()):
            if time.monotonic() > end:
                raise DeskError(f"{username}: the login cookie was never set")
            page.wait_for_timeout(100)

    def open_desk(self) -> None:
        self.page.goto(f"{self.base}/intake")
        self.wait_idle(180)
        self.wait_focus("来电人/来访人")

    # shared pieces of the mouse calls
    def _text(self, steps: list, label: str, text: str, *, commit: str = "Enter") -> None:
        steps.append(self.step(f"click {label}", lambda: self.field(label).click()))
        self.typed(text)
        if commit:
            steps.append(self.step(f"{label}: {commit}", lambda: self.page.keyboard.press(commit)))

    def _choose(self, steps: list, label: str, typed: str, option: str | None = None) -> None:
        steps.append(self.step(f"open {label}", lambda: self.field(label).click()))
        self.typed(typed)
        opt = self.option(option or typed)
        steps.append(self.step(f"choose {label}", lambda: opt.click()))

    def _describe(self, steps: list, description: str) -> tuple[str, str]:
        self._text(steps, "诉求描述", description, commit="")
        # a click beside the form: the description's blur is its commit (the suggestion's run)
        steps.append(
            self.step("诉求描述: click outside", lambda: self.page.get_by_role("heading", name="一事一档").click())
        )
        return self.suggestion()

    def mouse_call(self, kind: str, data: DeskData, i: int) -> dict:
        steps: list[dict] = []
        village = data.villages[i % len(data.villages)]
        history = None
        if kind == "repeat":
            phone, village, on_file = data.repeat[i % len(data.repeat)]
        else:
            phone = data.new_phone()
        self._text(steps, "来电人/来访人", NAMES[i % len(NAMES)])
        self._text(steps, "联系电话", phone)
        if kind == "repeat":  # drawn by the phone's run: the wait above is the wait for it
            panel = self.page.get_by_text(re.compile(r"^历史记录：工单 \d+ 件")).first
            try:
                panel.wait_for(timeout=2000)
                history = int(re.search(r"工单 (\d+) 件", panel.inner_text()).group(1))
            except Exception as exc:
                raise DeskError(
                    f"{self.where}: the caller's history did not show after the phone "
                    f"({phone}, {on_file} orders on file)"
                ) from exc
        self._choose(steps, "村（社区）", village, village)
        self._choose(steps, "网格", "网格")
        if kind != "instant":
            self._text(steps, "地址", f"{village}{i % 40 + 1}号")
        text = (QUESTIONS if kind == "instant" else ISSUES)[i % (len(QUESTIONS) if kind == "instant" else len(ISSUES))]
        suggested, method = self._describe(steps, text)
        pick = suggested.split("/")[-1]
        if kind == "instant" and not self.field(ANSWER_LABEL).count():  # the suggestion is not 即办
            pick = INSTANT_FALLBACK
        self._choose(steps, "诉求类别", pick)
        if kind == "instant":
            answer = self.field(ANSWER_LABEL)
            try:
                answer.wait_for(timeout=self.timeout_ms)
            except Exception as exc:
                raise DeskError(f"{self.where}: no answer field for {pick} (tier not 即办)") from exc
            self._text(steps, ANSWER_LABEL, ANSWER, commit="")
        steps.append(self.step("登记工单", lambda: self.page.get_by_role("button", name="登记工单").click()))
        number = self.saved(instant=kind == "instant")
        return {"steps": steps, "number": number, "suggested": suggested, "method": method, "history": history}

    def keyboard_call(self, data: DeskData, i: int) -> dict:
        steps: list[dict] = []
        lost: list[str] = []  # Tabs after which the cursor was not in the next field
        page = self.page
        village = data.villages[(i + 3) % len(data.villages)]

        def tab(label: str, expect: str) -> None:
            steps.append(self.step(label, lambda: page.keyboard.press("Tab")))
            for _ in range(12):  # the clerk notices the cursor elsewhere and tabs on to the field
                if self.focused() == expect:
                    return
                lost.append(f"{label} → {self.focused()}")
                steps.append(self.step(f"{label} (cursor elsewhere: Tab)", lambda: page.keyboard.press("Tab")))
            raise DeskError(f"{self.where}: after '{label}' the cursor is in '{self.focused()}', not '{expect}'")

        def enter_option(label: str, typed: str) -> None:
            self.typed(typed)
            self.option(typed).wait_for(timeout=self.timeout_ms)
            steps.append(self.step(label, lambda: page.keyboard.press("Enter")))

        self.wait_focus("来电人/来访人")
        self.typed(NAMES[(i + 5) % len(NAMES)])
        tab("来电人/来访人: Tab", "联系电话")
        self.typed(data.new_phone())
        tab("联系电话: Tab", "村（社区）")
        enter_option("村（社区）: Enter", village)
        tab("村（社区）: Tab", "网格")
        enter_option("网格: Enter", "网格")
        tab("网格: Tab", "住户（可选）")
        tab("住户（可选）: Tab", "地址")
        self.typed(f"{village}{i % 40 + 1}号")
        tab("地址: Tab", "诉求描述")
        self.typed(ISSUES[(i + 2) % len(ISSUES)])
        tab("诉求描述: Tab", "诉求类别")
        suggested, method = self.suggestion()
        enter_option("诉求类别: Enter", suggested.split("/")[-1])
        steps.append(self.step("Alt+S (登记工单)", lambda: page.keyboard.press("Alt+S")))
        number = self.saved(instant=False)
        self.wait_focus("来电人/来访人")  # the next call can be typed at once
        return {
            "steps": steps,
            "number": number,
            "suggested": suggested,
            "method": method,
            "history": None,
            "focus_lost": lost,
        }

    def call(self, kind: str, data: DeskData, i: int) -> dict:
        self.where = f"{SCENARIOS[kind]} call {i + 1}"
        t = time.perf_counter()
        out = self.keyboard_call(data, i) if kind == "keyboard" else self.mouse_call(kind, data, i)
        out.update(
            scenario=kind,
            call=i + 1,
            wall_s=round(time.perf_counter() - t, 2),
            wait_ms=round(sum(s["wait_ms"] for s in out["steps"]), 1),
            runs=sum(s["runs"] for s in out["steps"]),
        )
        return out


def measure_floor(browser, base: str, samples: int, *, timeout_s: float, norun_ms: float) -> list[float]:
    """Rerun round trips of the empty page (click → finished and drawn), in its own context."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai")
    try:
        ctx.add_init_script(HOOK_JS)
        page = ctx.new_page()
        inst = Instrumented(page, timeout_s=timeout_s, norun_ms=norun_ms)
        inst.where = "floor"
        page.goto(base)
        inst.wait_idle(120)
        button = page.get_by_role("button", name="重新运行")
        waits = []
        for k in range(samples + 2):  # two warm-up reruns
            r = inst.step("rerun", lambda: button.click())
            if r["runs"] < 1:
                raise DeskError("floor: a click on the empty page's button ran nothing")
            if k >= 2:
                waits.append(r["wait_ms"])
        return waits
    finally:
        ctx.close()


def run_case(
    clerk: Clerk,
    data: DeskData,
    calls: int,
    offset: int,
    log: Callable[[str], None],
    scenarios: list[str] | None = None,
    out: list[dict] | None = None,
) -> list[dict]:
    """Each scenario's calls in turn (so the first and the tenth call of a fresh server are both new callers);
    ``offset`` numbers the calls of a second case on (other repeat callers, villages and texts). The calls
    are appended to ``out`` as they finish (what an interrupted run still reports)."""
    out = [] if out is None else out
    for kind in scenarios or list(SCENARIOS):
        for i in range(offset, offset + calls):
            c = clerk.call(kind, data, i)
            c["call"] = i - offset + 1
            log(
                f"  {SCENARIOS[kind]} {i - offset + 1}/{calls}: {c['number']}, {len(c['steps'])} interactions, "
                f"{c['runs']} runs, waits {c['wait_ms']:.0f} ms, {c['wall_s']:.1f} s"
            )
            out.append(c)
    return out


# --------------------------------------------------------------------------- the load (a subprocess)


async def _load_session(
    browser,
    base: str,
    user: str,
    password: str,
    think: float,
    stop: asyncio.Event,
    stats: dict,
    index: int,
    timeout_ms: float,
) -> None:
    ctx = await browser.new_context(
        viewport={"width": 1400, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    await ctx.add_init_script(HOOK_JS)
    page = await ctx.new_page()
    await _async_login(page, base, user, password, timeout_ms)
    stats["ready"] += 1
    k = index
    while not stop.is_set():
        key = LOAD_PAGES[k % len(LOAD_PAGES)]
        k += 1
        link = page.locator(f"[data-testid='stSidebarNav'] a[href$='/{key}']").first
        try:
            i0, marker = await page.evaluate("() => window.__bench.arm()")
            await link.click(timeout=timeout_ms)
            r = await (
                await page.wait_for_function(WAIT_JS, arg=[i0, marker, 2000, 150], polling=100, timeout=timeout_ms)
            ).json_value()
            stats["opens"].setdefault(key, []).append(round(r["wait"], 1))
        except Exception as exc:  # noqa: BLE001 - the load goes on; the report counts these
            stats["errors"].append(f"{user} {key}: {type(exc).__name__}: {str(exc)[:200]}")
            if stop.is_set():
                break
            await page.goto(f"{base}/{key}")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=think)
    await ctx.close()


async def _async_login(page, base: str, user: str, password: str, timeout_ms: float) -> None:
    from db.config import COOKIE_NAME

    await page.goto(base)
    await page.locator(APP_IDLE).wait_for(timeout=180_000)
    await page.get_by_label("用户名", exact=True).fill(user)
    await page.get_by_label("密码", exact=True).fill(password)
    await page.get_by_role("button", name="登录", exact=True).click()
    await page.get_by_label("密码", exact=True).wait_for(state="detached", timeout=timeout_ms)
    for _ in range(int(timeout_ms / 100)):
        if any(c["name"] == COOKIE_NAME for c in await page.context.cookies()):
            return
        await page.wait_for_timeout(100)
    raise DeskError(f"{user}: the login cookie was never set")


async def _big_screen(browser, base: str, password: str, stop: asyncio.Event, stats: dict, timeout_ms: float) -> None:
    ctx = await browser.new_context(
        viewport={"width": 1920, "height": 1080}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    await ctx.add_init_script(HOOK_JS)
    page = await ctx.new_page()
    await _async_login(page, base, "demo", password, timeout_ms)
    await page.goto(f"{base}/big_screen?kiosk=1")
    await page.locator(APP_IDLE).wait_for(timeout=timeout_ms)
    stats["ready"] += 1
    await stop.wait()
    stats["big_screen_runs"] = await page.evaluate("() => window.__bench.log.filter(e => e.k === 'new_session').length")
    await ctx.close()


async def _load_main(base: str, sessions: int, think: float, ready: Path, out: Path, big_screen: bool) -> None:
    from playwright.async_api import async_playwright

    from db.config import DEFAULT_DEMO_PASSWORD

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    stats: dict = {
        "ready": 0,
        "opens": {},
        "errors": [],
        "big_screen_runs": 0,
        "sessions": sessions,
        "think_s": think,
        "big_screen": big_screen,
    }
    timeout_ms = 120_000
    started = time.perf_counter()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        tasks = []
        if big_screen:
            tasks.append(
                asyncio.create_task(_big_screen(browser, base, DEFAULT_DEMO_PASSWORD, stop, stats, timeout_ms))
            )
        for n in range(sessions):
            tasks.append(
                asyncio.create_task(
                    _load_session(
                        browser,
                        base,
                        LOAD_ROLES[n % len(LOAD_ROLES)],
                        DEFAULT_DEMO_PASSWORD,
                        think,
                        stop,
                        stats,
                        n,
                        timeout_ms,
                    )
                )
            )
        expected = sessions + (1 if big_screen else 0)
        while stats["ready"] < expected and not stop.is_set():
            for t in tasks:
                if t.done() and t.exception():
                    raise t.exception()
            await asyncio.sleep(0.2)
        loaded = time.perf_counter()
        ready.write_text(str(os.getpid()), encoding="utf-8")
        await stop.wait()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        stats["errors"] += [f"{type(r).__name__}: {r}" for r in results if isinstance(r, BaseException)]
        await browser.close()
    stats["seconds"] = round(time.perf_counter() - loaded, 1)
    stats["login_s"] = round(loaded - started, 1)
    out.write_text(json.dumps(stats, ensure_ascii=False), encoding="utf-8")


class Load:
    """The other sessions, in a process of their own (Playwright's async API, its own Chromium)."""

    def __init__(self, base: str, sessions: int, think: float, workdir: Path, big_screen: bool = True, nice: int = 0):
        self.ready = workdir / "load.ready"
        self.out = workdir / "load.json"
        self.log_path = workdir / "load.log"
        for p in (self.ready, self.out):
            p.unlink(missing_ok=True)
        # niced, the load's Chromium takes only the CPU the server and the clerk leave: its browsers
        # would be on other people's computers, not on the server's cores
        cmd = (
            (["nice", "-n", str(nice)] if nice else [])
            + [
                PY,
                "-m",
                "bench.desk",
                "--load-worker",
                base,
                "--load-sessions",
                str(sessions),
                "--load-think",
                str(think),
                "--workdir",
                str(workdir),
            ]
            + ([] if big_screen else ["--no-big-screen"])
        )
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )

    def wait_ready(self, timeout_s: float = 300) -> None:
        end = time.monotonic() + timeout_s
        while not self.ready.exists():
            if self.proc.poll() is not None:
                raise DeskError(f"the load sessions ended before they were ready:\n{_tail(self.log_path)}")
            if time.monotonic() > end:
                raise DeskError(f"the load sessions were not ready after {timeout_s:.0f} s:\n{_tail(self.log_path)}")
            time.sleep(0.2)

    def finish(self) -> dict:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # the worker alone: its handler ends its sessions, then Chromium
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                _stop(self.proc)
        if not self.out.exists():
            return {"errors": [f"no statistics from the load sessions:\n{_tail(self.log_path)}"], "opens": {}}
        return json.loads(self.out.read_text(encoding="utf-8"))

    def kill(self) -> None:
        _stop(self.proc)


# --------------------------------------------------------------------------- the whole run


def run(args, result: dict | None = None) -> dict:
    """The whole benchmark; ``result`` is filled as it goes (a case's calls as they finish)."""
    from playwright.sync_api import sync_playwright

    from db.config import DEFAULT_DEMO_PASSWORD

    if not os.access(CHROMIUM, os.X_OK):
        raise DeskError(f"Chromium not found at {CHROMIUM} (install Debian's chromium or set GOV_CHROMIUM)")
    cases = [c for c in ("alone", "load") if c in args.cases]
    own_workdir = args.workdir is None
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="gov-bench-desk-"))
    workdir.mkdir(parents=True, exist_ok=True)

    def log(msg: str) -> None:
        print(f"[desk {time.strftime('%H:%M:%S')}] {msg}", flush=True)

    app = floor = load = None
    result = {} if result is None else result
    result.update(
        {"when": f"{datetime.now():%Y-%m-%d %H:%M}", "calls": args.calls, "cases": {}, "workdir": str(workdir)}
    )
    try:
        t = time.perf_counter()
        url = prepare_database(args.database_url, workdir, args.demo_orders)
        log(f"database ready in {time.perf_counter() - t:.0f} s: {_safe_url(url)}")
        data = desk_data(url, args.calls, len(cases))
        result.update(database=_safe_url(url), township=data.township, orders=data.orders)
        floor_script = workdir / "floor_page.py"
        floor_script.write_text(FLOOR_SCRIPT, encoding="utf-8")
        env = _app_env(url, workdir)
        floor = _start_streamlit("floor", floor_script, env, workdir)
        app = _start_streamlit("app", ROOT / "server.py", env, workdir)  # freshly started: the first call is the first
        _wait_healthy(floor)
        _wait_healthy(app)
        log(f"servers up: app {app.base}, floor {floor.base}")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                floor_ms = measure_floor(
                    browser, floor.base, args.floor_samples, timeout_s=args.timeout, norun_ms=args.norun_ms
                )
                result["floor"] = {"samples": floor_ms, "median_ms": statistics.median(floor_ms)}
                log(f"floor: median {result['floor']['median_ms']:.0f} ms of {len(floor_ms)}")
                ctx = browser.new_context(
                    viewport={"width": 1400, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
                )
                ctx.add_init_script(HOOK_JS)
                clerk = Clerk(
                    ctx.new_page(), app.base, timeout_s=args.timeout, norun_ms=args.norun_ms, artifacts=workdir
                )
                clerk.login("reception", DEFAULT_DEMO_PASSWORD)
                clerk.open_desk()
                for n_case, case in enumerate(cases):
                    extra: dict = {}
                    if case == "load":
                        log(f"starting the load: big screen + {args.load_sessions} sessions")
                        load = Load(
                            app.base,
                            args.load_sessions,
                            args.load_think,
                            workdir,
                            big_screen=not args.no_big_screen,
                            nice=args.load_nice,
                        )
                        load.wait_ready()
                        floor_load = measure_floor(
                            browser, floor.base, args.floor_samples, timeout_s=args.timeout, norun_ms=args.norun_ms
                        )
                        extra["floor_under_load_ms"] = statistics.median(floor_load)
                        extra["load_nice"] = args.load_nice
                        log(f"floor under load: median {extra['floor_under_load_ms']:.0f} ms")
                    log(f"case {case}: {args.calls} calls per scenario")
                    cpu0, t0 = _cpu_split(app, floor, load), time.perf_counter()
                    result["cases"][case] = {"calls": [], "partial": True, **extra}
                    calls = run_case(
                        clerk,
                        data,
                        args.calls,
                        n_case * args.calls,
                        log,
                        args.load_scenarios if case == "load" else args.scenarios,
                        out=result["cases"][case]["calls"],
                    )
                    cpu1 = _cpu_split(app, floor, load)
                    extra["cpu_s"] = {k: round(cpu1[k] - cpu0[k], 1) for k in cpu0}
                    extra["seconds"] = round(time.perf_counter() - t0, 1)
                    if load is not None:
                        extra["load"] = load.finish()
                        load = None
                    result["cases"][case] = {"calls": calls, **extra}  # complete: no "partial"
                ctx.close()
            finally:
                browser.close()
    finally:
        if load is not None:
            load.kill()
        for server in (app, floor):
            if server is not None:
                _stop(server.proc)
        if own_workdir and not args.keep_workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    return result


def _cpu_split(app: Server, floor: Server, load: Load | None) -> dict[str, float]:
    """CPU seconds so far: the app server, the load's sessions (their Python and Chromium), and the
    clerk (this process, Playwright's driver and the clerk's Chromium)."""
    server, floor_s = _cpu_s(app.proc.pid), _cpu_s(floor.proc.pid)
    load_s = _cpu_s(load.proc.pid) if load is not None else 0.0
    mine = _cpu_s(os.getpid())
    machine = _machine_busy_s()
    return {
        "server": server,
        "load_sessions": load_s,
        "clerk": mine - server - floor_s - load_s,
        "machine": machine,
        "others": machine - mine,
    }


def _machine_busy_s() -> float:
    """CPU seconds the whole machine has been busy (every core; /proc/stat), 0 where unknown."""
    try:
        v = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return 0.0
    idle = v[3] + (v[4] if len(v) > 4 else 0)  # idle, iowait
    return (sum(v[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _safe_url(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


# --------------------------------------------------------------------------- the report


def summarize(calls: list[dict], floor_ms: float) -> dict:
    """Per scenario and for all: interactions, runs, waits (over interactions that ran the script)."""
    rows = {}
    for kind in [*SCENARIOS, "all"]:
        mine = [c for c in calls if kind == "all" or c["scenario"] == kind]
        if not mine:
            continue
        waits = [s["wait_ms"] for c in mine for s in c["steps"] if s["runs"] > 0]
        per_call = [c["wait_ms"] for c in mine]
        rows[kind] = {
            "calls": len(mine),
            "interactions": statistics.mean(len(c["steps"]) for c in mine),
            "with_run": statistics.mean(sum(1 for s in c["steps"] if s["runs"] > 0) for c in mine),
            "runs": statistics.mean(c["runs"] for c in mine),
            "median": statistics.median(waits) if waits else float("nan"),
            "p95": _percentile(waits, 95),
            "max": max(waits) if waits else float("nan"),
            "per_call_median": statistics.median(per_call),
            "per_call_max": max(per_call),
        }
        for k in ("median", "p95", "max"):
            rows[kind][f"{k}_x"] = rows[kind][k] / floor_ms
    return rows


def _phase(steps: list[dict], name: str) -> float:
    vals = [s["phases"][name] for s in steps if s.get("phases")]
    return statistics.median(vals) if vals else float("nan")


def steps_table(calls: list[dict]) -> list[tuple]:
    """(scenario, step, runs per time, median, p95, max, median of the runs' phase, of the drawing)
    of each interaction that ran the script."""
    by: dict[tuple[str, str], list[dict]] = {}
    order: list[tuple[str, str]] = []
    for c in calls:
        for s in c["steps"]:
            k = (c["scenario"], s["step"])
            if k not in by:
                order.append(k)
            by.setdefault(k, []).append(s)
    out = []
    for k in order:
        ss = by[k]
        if not any(s["runs"] for s in ss):
            continue
        w = [s["wait_ms"] for s in ss]
        out.append(
            (
                SCENARIOS[k[0]],
                k[1],
                statistics.mean(s["runs"] for s in ss),
                statistics.median(w),
                _percentile(w, 95),
                max(w),
                _phase(ss, "runs"),
                _phase(ss, "draw"),
            )
        )
    return out


def _ms(v: float) -> str:
    return "–" if v != v else f"{v:,.0f}"


def format_report(r: dict) -> tuple[str, list[tuple[str, bool, str]]]:
    floor = r["floor"]["median_ms"]
    lines = [
        f"\n# Desk benchmark {r['when']} · {r['township']} ({r['orders']:,} orders in the township) · "
        f"{r['database']} · {r['calls']} calls per scenario\n",
        f"Floor (rerun of an empty Streamlit page, click → finished and drawn, same browser): "
        f"**{floor:.0f} ms** median of {len(r['floor']['samples'])} "
        f"(p95 {_percentile(r['floor']['samples'], 95):.0f} ms).\n",
    ]
    if r.get("interrupted"):
        lines.append(f"**Interrupted** ({r['interrupted'][:300]}): what was measured before it.\n")
    targets: list[tuple[str, bool, str]] = []
    names = {"alone": "The desk alone", "load": "Under load"}
    for case, res in r["cases"].items():
        calls = res["calls"]
        s = summarize(calls, floor)
        lines.append(
            f"\n## {names[case]}" + (f" (interrupted after {len(calls)} calls)" if res.get("partial") else "") + "\n"
        )
        if case == "load":
            ld = res.get("load", {})
            opens = ld.get("opens", {})
            n_opens = sum(len(v) for v in opens.values())
            secs = ld.get("seconds") or float("nan")
            per = ", ".join(f"{k} {statistics.median(v):,.0f} ms (max {max(v):,.0f})" for k, v in opens.items() if v)
            kiosk = (
                f"the big screen touring (kiosk, {ld.get('big_screen_runs', 0)} runs) + "
                if ld.get("big_screen")
                else ""
            )
            lines.append(
                f"Load: {kiosk}{ld.get('sessions', '?')} sessions opening {', '.join(LOAD_PAGES)} "
                f"({ld.get('think_s', '?')} s apart; their processes at nice {res.get('load_nice', 0)}): "
                f"{n_opens} page opens in {secs:.0f} s; median open: {per or '–'}; "
                f"errors: {len(ld.get('errors', []))}. Floor measured under the same load: "
                f"{res.get('floor_under_load_ms', float('nan')):.0f} ms.\n"
            )
        lines += [
            "| scenario | calls | interactions per call (with a run) | runs per call | wait median ms | "
            "p95 ms | max ms | median × floor | p95 × floor | max × floor | time excluding typing per call "
            "(median / max) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for kind, row in s.items():
            name = "**all**" if kind == "all" else SCENARIOS[kind]
            lines.append(
                f"| {name} | {row['calls']} | {row['interactions']:.0f} ({row['with_run']:.0f}) | "
                f"{row['runs']:.1f} | {_ms(row['median'])} | {_ms(row['p95'])} | {_ms(row['max'])} | "
                f"{row['median_x']:.1f}× | {row['p95_x']:.1f}× | {row['max_x']:.1f}× | "
                f"{_ms(row['per_call_median'])} / {_ms(row['per_call_max'])} ms |"
            )
        ran = [st_ for c in calls for st_ in c["steps"] if st_["runs"] > 0]
        lines.append(
            f"\nWhere the waits went (medians over the interactions that ran the script): the rerun sent "
            f"{_phase(ran, 'send'):.0f} ms after the key or click, the run started "
            f"{_phase(ran, 'start'):.0f} ms later (as the browser heard it), the runs until the last "
            f"`script_finished` {_phase(ran, 'runs'):.0f} ms, drawn {_phase(ran, 'draw'):.0f} ms after it; "
            f"the browser's main thread busy (tasks over 50 ms) {_phase(ran, 'busy'):.0f} ms."
        )
        cpu, secs = res.get("cpu_s"), res.get("seconds")
        if cpu and secs:
            lines.append(
                f"CPU over the {secs:.0f} s of these calls ({os.cpu_count()} cores: "
                f"{secs * (os.cpu_count() or 1):.0f} CPU-s): the app server {cpu['server']:.0f} s, the clerk's "
                f"Chromium and driver {cpu['clerk']:.0f} s"
                + (f", the load's sessions (their Chromium) {cpu['load_sessions']:.0f} s" if case == "load" else "")
                + (f"; other work on the machine {cpu['others']:.0f} s" if cpu.get("machine") else "")
                + "."
            )
        lines += [
            "",
            "Each interaction that ran the script (runs per time; wait in ms; of the median wait, the runs "
            "until the last `script_finished` and the drawing after it):",
            "",
            "| scenario | interaction | runs | median | p95 | max | runs ms | drawing ms |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        for scen, step, runs, med, p95, mx, run_ms, draw_ms in steps_table(calls):
            lines.append(
                f"| {scen} | {step} | {runs:.1f} | {_ms(med)} | {_ms(p95)} | {_ms(mx)} | {_ms(run_ms)} | "
                f"{_ms(draw_ms)} |"
            )
        methods = sorted({c["method"] for c in calls})
        lines.append(f"\nCategory suggested by: {', '.join(methods)}.")
        lost = [x for c in calls for x in c.get("focus_lost", [])]
        if lost:
            kb = sum(1 for c in calls if c["scenario"] == "keyboard")
            lines.append(
                f"Keyboard only: after a Tab the cursor was not in the next field {len(lost)} times in {kb} "
                f"calls ({'; '.join(sorted(set(lost)))}); the clerk pressed Tab again (counted above)."
            )
        x_target, ms_target = TARGETS[case]
        a = s["all"]
        targets.append(
            (
                f"{names[case].lower()}: median wait ≤ {x_target:.0f}× the floor",
                a["median_x"] <= x_target,
                f"{a['median']:.0f} ms = {a['median_x']:.1f}× {floor:.0f} ms",
            )
        )
        targets.append(
            (
                f"{names[case].lower()}: no wait over {ms_target:,.0f} ms",
                a["max"] <= ms_target,
                f"max {a['max']:,.0f} ms; {sum(1 for c in calls for st_ in c['steps'] if st_['wait_ms'] > ms_target)}"
                f" of {sum(1 for c in calls for st_ in c['steps'] if st_['runs'] > 0)} over",
            )
        )
    first_case = next(iter(r["cases"]), None)
    if first_case:
        new_calls = [c for c in r["cases"][first_case]["calls"] if c["scenario"] == "new"]
        lines.append("\n## The first call after a start\n")
        if len(new_calls) >= 2:
            first, other = new_calls[0], new_calls[min(9, len(new_calls) - 1)]
            lines.append(
                f"The server was started for this run; {first_case}. First call ({SCENARIOS['new']}): "
                f"{first['wait_ms']:,.0f} ms of waits, {first['runs']} runs; call {other['call']}: "
                f"{other['wait_ms']:,.0f} ms, {other['runs']} runs."
            )
            targets.append(
                (
                    f"the first call no slower than call {other['call']}",
                    first["wait_ms"] <= other["wait_ms"],
                    f"{first['wait_ms']:,.0f} vs {other['wait_ms']:,.0f} ms",
                )
            )
        else:
            lines.append("Fewer than two calls: not compared.")
    lines += ["\n## Targets (issue #20)\n"]
    lines += [f"- {name}: {detail}: **{'met' if ok else 'MISSED'}**" for name, ok, detail in targets]
    return "\n".join(lines), targets


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", help="an existing data set (default: a fresh demo township in the workdir)")
    ap.add_argument("--calls", type=int, default=10, help="calls per scenario and case (default 10)")
    ap.add_argument(
        "--load",
        dest="load",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="after the desk alone, again under load (default); --no-load: alone only",
    )
    ap.add_argument("--load-only", action="store_true", help="under load only (no alone case)")
    ap.add_argument("--load-sessions", type=int, default=5, help="sessions opening kpi/weekly/inbox (default 5)")
    ap.add_argument("--load-think", type=float, default=1.0, help="seconds between their page opens (default 1)")
    ap.add_argument("--no-big-screen", action="store_true", help="no big screen in the load")
    ap.add_argument(
        "--load-nice",
        type=int,
        default=19,
        help="niceness of the load's sessions and their Chromium (default 19: on a small machine "
        "their browsers would otherwise take the server's CPU; 0: same priority)",
    )
    ap.add_argument(
        "--scenarios", default=",".join(SCENARIOS), help=f"comma-separated, of {', '.join(SCENARIOS)} (default: all)"
    )
    ap.add_argument("--load-scenarios", help="the scenarios under load (default: as --scenarios)")
    ap.add_argument("--floor-samples", type=int, default=20)
    ap.add_argument(
        "--norun-ms",
        type=float,
        default=400,
        help="an interaction that sends no rerun within this many ms ran nothing (default 400)",
    )
    ap.add_argument("--timeout", type=float, default=60, help="seconds an interaction may take (default 60)")
    ap.add_argument("--demo-orders", type=int, help="orders of the fresh demo township (default: the demo's 5,000)")
    ap.add_argument("--workdir", help="keep the database, logs and screenshots here (default: a new temp dir, removed)")
    ap.add_argument("--keep-workdir", action="store_true")
    ap.add_argument("--out", default=str(ROOT / "bench-results" / "desk.md"))
    ap.add_argument("--json", help="also write the whole result as JSON to this file")
    ap.add_argument("--load-worker", metavar="BASE_URL", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.load_worker:
        asyncio.run(
            _load_main(
                args.load_worker,
                args.load_sessions,
                args.load_think,
                Path(args.workdir) / "load.ready",
                Path(args.workdir) / "load.json",
                not args.no_big_screen,
            )
        )
        return 0
    args.cases = ["load"] if args.load_only else (["alone", "load"] if args.load else ["alone"])
    args.scenarios = [k.strip() for k in args.scenarios.split(",") if k.strip()]
    args.load_scenarios = (
        [k.strip() for k in args.load_scenarios.split(",") if k.strip()] if args.load_scenarios else args.scenarios
    )
    unknown = sorted(set(args.scenarios + args.load_scenarios) - set(SCENARIOS))
    if unknown or not args.scenarios or not args.load_scenarios:
        ap.error(f"unknown or no scenarios: {', '.join(unknown)} (known: {', '.join(SCENARIOS)})")

    def interrupted(signum, _frame):  # SIGTERM: the servers are stopped by run()'s finally
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupted)
    result: dict = {}
    failed = None
    try:
        run(args, result)
    except (DeskError, KeyboardInterrupt) as exc:
        failed = f"{type(exc).__name__}: {exc}"
        print(f"[desk] FAILED: {failed}", file=sys.stderr)
    finally:
        signal.signal(signal.SIGTERM, previous)
    # what was measured before a failure is still reported, marked as such
    result["cases"] = {k: v for k, v in result.get("cases", {}).items() if v.get("calls")}
    if failed and ("floor" not in result or not result["cases"]):
        return 1
    if failed:
        result["interrupted"] = failed
    text, targets = format_report(result)
    result["targets"] = [{"target": n, "met": ok, "detail": d} for n, ok, d in targets]
    report_out(text, args.out)
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
