"""Server-side time of one script run of each page, per role, in-process (AppTest), plus the
inbox queries on their own. Median of --runs runs after one warm-up run.

    python -m bench.pages --database-url sqlite:////tmp/county/c1m.db --runs 5
    python -m bench.pages --database-url ... --pages inbox,supervision --roles dispatcher,platform

Display caches (st.cache_data) are cleared before each timed run, so a number is the cost of
the page's reads, not of a cache hit; the engine and the classifier (st.cache_resource) stay warm.
Prints a table and appends it (with the database size) to bench-results/pages.md.
The database must already hold data (python -m db.demo ...); demo accounts are created if
missing (GOV_MODE=demo).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _median_ms(fn, runs: int) -> float:
    fn()  # warm-up: caches, imports, connection pool
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pages", default="home,inbox,supervision,intake")
    ap.add_argument("--roles", default="dispatcher,platform,leader")
    ap.add_argument("--out", default=str(ROOT / "bench-results" / "pages.md"))
    args = ap.parse_args(argv)

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("GOV_MODE", "demo")
    os.environ.setdefault("GOV_COOKIE_KEY", "bench-" * 8)
    import streamlit as st
    from sqlalchemy import func, select
    from streamlit.testing.v1 import AppTest

    from db.config import load_settings
    from db.engine import get_engine, read_session
    from db.models import User, WorkOrder
    from db.models.base import utcnow
    from db.models.orders import OPEN_STATUSES
    from db.permissions import PAGES_BY_KEY, can_open
    from db.queries import orders as orders_q
    from db.services import users
    from db.services.bootstrap import ensure_database

    settings = load_settings()
    engine = get_engine(settings)
    ensure_database(engine, settings)
    with read_session(engine) as s:
        n_orders = s.scalar(select(func.count()).select_from(WorkOrder))
        actors = {u.role: users.actor_of(u) for u in s.scalars(select(User).order_by(User.id))}

    rows: list[tuple[str, str, float]] = []
    inbox_filter = orders_q.InboxFilter(statuses=OPEN_STATUSES)
    for role in args.roles.split(","):
        actor = actors[role]

        def queries(actor=actor):
            with read_session(engine) as s:
                now = utcnow()
                orders_q.inbox_count(s, inbox_filter, actor, now)
                orders_q.inbox_page(s, inbox_filter, actor, now, 0, 25)

        rows.append(("inbox queries (count + first page)", role, _median_ms(queries, args.runs)))
        for key in args.pages.split(","):
            if not can_open(role, key):
                continue
            spec = PAGES_BY_KEY[key]

            def run_page(actor=actor, spec=spec):
                at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
                at.session_state["gov_actor"] = actor
                at.session_state["authentication_status"] = True
                at.session_state["username"] = actor.username
                at.session_state["gov_epoch"] = users.session_epoch(engine, actor.user_id)
                at.session_state["gov_last_seen"] = time.time()
                at.run()
                at.switch_page(spec.path)
                st.cache_data.clear()  # measure the reads, not cache hits (resources stay warm)
                t0 = time.perf_counter()
                at.run()
                assert not at.exception, [e.value for e in at.exception]
                return time.perf_counter() - t0

            samples = [run_page() for _ in range(args.runs + 1)][1:]
            rows.append((f"page {key}", role, statistics.median(samples) * 1000))

    backend = engine.dialect.name
    lines = [f"\n## {datetime.now():%Y-%m-%d %H:%M} · {backend} · {n_orders:,} work orders · median of {args.runs}\n",
             "| what | role | ms |", "|---|---|---:|"]
    lines += [f"| {what} | {role} | {ms:,.1f} |" for what, role, ms in rows]
    text = "\n".join(lines)
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", encoding="utf-8") as fh:
        fh.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
