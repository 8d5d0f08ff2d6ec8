"""Several app servers behind nginx over one PostgreSQL (docs/deployment.md).

    python -m deploy.cluster --database-url postgresql+psycopg://gov@db/gov \
        --listen 8080 --backends 8601,8602 --workdir /var/lib/gov-cluster

starts two ``streamlit run server.py`` servers on loopback and nginx in front of them, in the
foreground, until Ctrl-C. Both servers share the login-cookie key (``GOV_COOKIE_KEY``) and
Streamlit's own cookie secret (``STREAMLIT_SERVER_COOKIE_SECRET``, for its XSRF token), so a browser moved
from one server to the other stays logged in.

Sticky sessions: a Streamlit session lives in one server process (its websocket), so every
request of a browser must reach the same server. Open-source nginx has no ``sticky`` directive;
the template routes with ``hash $gov_route consistent`` where ``$gov_route`` is the browser's
``gov_route`` cookie, or a fresh random id that nginx then sets as that cookie. When a server
stops, consistent hashing moves only its browsers to the others (nginx marks it failed and
retries the request on the next server), and they keep their login through the shared cookie key.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).with_name("nginx.conf.template")


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if not found:
        raise RuntimeError("nginx not found: apt-get install nginx-light")
    return found


def render_nginx_conf(workdir: Path, listen: int, backends: list[int]) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "logs").mkdir(exist_ok=True)
    (workdir / "tmp").mkdir(exist_ok=True)
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=30s;" for p in backends)
    user = "" if os.geteuid() != 0 else "user root;"  # workers may read the temp dirs we made
    text = (
        TEMPLATE.read_text(encoding="utf-8")
        .replace("{{USER}}", user)
        .replace("{{PREFIX}}", str(workdir))
        .replace("{{LISTEN}}", str(listen))
        .replace("{{SERVERS}}", servers)
    )
    conf = workdir / "nginx.conf"
    conf.write_text(text, encoding="utf-8")
    return conf


def start_nginx(conf: Path, log) -> subprocess.Popen:
    binary = nginx_binary()
    check = subprocess.run([binary, "-t", "-c", str(conf), "-p", str(conf.parent)], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"nginx config test failed:\n{check.stderr}")
    return subprocess.Popen(
        [binary, "-c", str(conf), "-p", str(conf.parent), "-g", "daemon off;"],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def app_env(database_url: str, cookie_key: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "GOV_DB_PATH"}
    env.update(DATABASE_URL=database_url, GOV_COOKIE_KEY=cookie_key, PYTHONUNBUFFERED="1")
    env.update(extra or {})
    return env


def start_app(port: int, env: dict[str, str], cookie_secret: str, log) -> subprocess.Popen:
    python = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
    cmd = [
        python,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "server.py"),
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
    # Streamlit refuses the secret on the command line (it would show in `ps`): environment only
    env = {**env, "STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret}
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
    )


def wait_healthy(url: str, proc: subprocess.Popen | None = None, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} was healthy")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # nosec B310
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} not healthy after {timeout:.0f}s")
        time.sleep(0.25)


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=20)
    except ProcessLookupError:
        pass


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    ap.add_argument("--listen", type=int, default=8080)
    ap.add_argument("--backends", default="8601,8602")
    ap.add_argument("--workdir", default=str(ROOT / "data" / "cluster"))
    args = ap.parse_args(argv)
    if not args.database_url or not args.database_url.startswith("postgresql"):
        print("several servers need one PostgreSQL: pass --database-url postgresql+psycopg://...", file=sys.stderr)
        return 2
    cookie_key = os.environ.get("GOV_COOKIE_KEY") or secrets.token_urlsafe(36)
    cookie_secret = os.environ.get("GOV_STREAMLIT_COOKIE_SECRET") or secrets.token_urlsafe(36)
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    env = app_env(args.database_url, cookie_key)
    subprocess.run([env.get("PYTHON", sys.executable), "-m", "db.cli", "init"], cwd=ROOT, env=env, check=True)
    ports = [int(p) for p in args.backends.split(",")]
    log = open(workdir / "cluster.log", "ab")  # noqa: SIM115 - the child process writes to it until it is stopped
    procs = [start_app(p, env, cookie_secret, log) for p in ports]
    for p, proc in zip(ports, procs, strict=True):
        wait_healthy(f"http://127.0.0.1:{p}/_stcore/health", proc)
    nginx = start_nginx(render_nginx_conf(workdir, args.listen, ports), log)
    wait_healthy(f"http://127.0.0.1:{args.listen}/_stcore/health", nginx)
    print(f"serving on http://127.0.0.1:{args.listen} (backends {ports}); Ctrl-C stops everything")
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        for proc in [nginx, *procs]:
            stop(proc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
