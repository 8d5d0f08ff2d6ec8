"""Server-side time of one script run of each page, per role, in-process (AppTest), plus the
inbox queries on their own. Median of --runs runs after one warm-up run.

    python -m bench.pages --database-url sqlite:////tmp/county/c1m.db --runs 5
    python -m bench.pages --database-url ... --pages inbox,supervision --roles dispatcher,platform
    python -m bench.pages --database-url ... --pages all --roles all --json out.json

Besides the pages it times, in the same run: registering an order (the service call a
reception clerk's "登记" button makes), and the KPI page's numbers computed in SQL
(db/queries/kpi.py) against the naive way (the orders table read into pandas), see
bench/kpi_naive.py. bench/suite.py runs this for each dataset and compares.

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

from bench import report_out

ROOT = Path(__file__).resolve().parent.parent


def _median_ms(fn, runs: int) -> float:
    fn()  # warm-up: caches, imports, connection pool
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def _extras(engine, actors, runs: int) -> list[tuple[str, str, float]]:
    """Register an order; the KPI numbers in SQL and the naive way (same run, same data)."""
    from sqlalchemy import select

    from bench import kpi_naive
    from db.engine import read_session
    from db.models import Category, Village
    from db.models.base import utcnow
    from db.queries import kpi
    from db.rules.sla import to_local
    from db.services import orders

    actor = actors["reception"]
    with read_session(engine) as s:
        village = s.scalar(select(Village.id).order_by(Village.id))
        category = s.scalar(
            select(Category.id).where(Category.parent_id.is_not(None), Category.active.is_(True)).order_by(Category.id)
        )
    counter = iter(range(1, 10_000))

    def register():
        orders.register(
            engine,
            actor,
            orders.Intake(
                channel="hotline",
                caller_name="基准测试",
                caller_phone="13800000000",
                village_id=village,
                grid_id=None,
                household_id=None,
                address=f"基准测试地址{next(counter)}号",
                category_id=category,
                tier="local",
                urgency="normal",
                description="基准测试：路灯不亮，晚上出行不便，请尽快维修。",
            ),
        )

    now = utcnow()
    period = kpi.period_of("year", to_local(now).date())
    return [
        ("register an order", "reception", _median_ms(register, runs)),
        (
            "KPI numbers in SQL (year: summary, by village, trend)",
            "leader",
            _median_ms(lambda: kpi_naive.sql_way(engine, period, now), runs),
        ),
        (
            "KPI numbers naive (orders table into pandas)",
            "leader",
            _median_ms(lambda: kpi_naive.naive_way(engine, period, now), max(1, min(runs, 3))),
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pages", default="home,inbox,supervision,intake", help="comma-separated, or all")
    ap.add_argument("--roles", default="dispatcher,platform,leader", help="comma-separated, or all")
    ap.add_argument("--out", default=str(ROOT / "bench-results" / "pages.md"))
    ap.add_argument("--json", help="also write the rows as JSON to this file")
    ap.add_argument("--no-extras", action="store_true", help="skip the register and KPI timings")
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
    from db.permissions import PAGES

    page_keys = [p.key for p in PAGES] if args.pages == "all" else args.pages.split(",")
    roles = list(actors) if args.roles == "all" else args.roles.split(",")
    for role in roles:
        actor = actors[role]

        def queries(actor=actor):
            with read_session(engine) as s:
                now = utcnow()
                orders_q.inbox_count(s, inbox_filter, actor, now)
                orders_q.inbox_page(s, inbox_filter, actor, now, 0, 25)

        from db.permissions import allowed

        if allowed(role, "order.view"):
            rows.append(("inbox queries (count + first page)", role, _median_ms(queries, args.runs)))
        for key in page_keys:
            if not can_open(role, key):
                continue
            spec = PAGES_BY_KEY[key]

            def run_page(actor=actor, spec=spec):
                at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
                at.session_state["gov_actor"] = actor
                at.session_state["gov_epoch"] = users.session_epoch(engine, actor.user_id)
                at.session_state["gov_last_seen"] = time.time()
                at.run()
                at.switch_page(spec.path)
                st.cache_data.clear()  # measure the reads, not cache hits (resources stay warm)
                t0 = time.perf_counter()
                at.run()
                if at.exception:
                    detail = "\n".join(
                        f"{e.value}\n{''.join(getattr(e, 'stack_trace', []) or [])}" for e in at.exception
                    )
                    raise AssertionError(f"page {spec.key} as {actor.role} raised:\n{detail}")
                return time.perf_counter() - t0

            samples = [run_page() for _ in range(args.runs + 1)][1:]
            rows.append((f"page {key}", role, statistics.median(samples) * 1000))

    if not args.no_extras:
        rows += _extras(engine, actors, args.runs)

    backend = engine.dialect.name
    if args.json:
        import json

        Path(args.json).write_text(
            json.dumps({"backend": backend, "orders": n_orders, "runs": args.runs, "rows": rows}, ensure_ascii=False),
            encoding="utf-8",
        )
    lines = [
        f"\n## {datetime.now():%Y-%m-%d %H:%M} · {backend} · {n_orders:,} work orders · median of {args.runs}\n",
        "| what | role | ms |",
        "|---|---|---:|",
    ]
    lines += [f"| {what} | {role} | {ms:,.1f} |" for what, role, ms in rows]
    text = "\n".join(lines)
    report_out(text, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
