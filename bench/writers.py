"""Writers under load: N concurrent writers register and update work orders for a bounded time.

    python -m bench.writers --database-url sqlite:////tmp/w.db --writers 8 --seconds 20
    python -m bench.writers --database-url postgresql+psycopg://... --writers 8 --mode processes

Each writer loops: register an order (intake), then record first contact on the order it
registered the turn before (an optimistic-locked update). At the end the run checks what the
database holds against what the writers were told was committed: no committed order lost, no
order duplicated, every order whole (its timeline and audit record), and no error reached a
writer ("database is locked" or any other). Prints the rates and appends a table to
bench-results/writers.md. The database is migrated and seeded with a tiny world if empty.

``run()`` is also called by tests/test_writers_load.py at a small scale (the test checks the
invariants, never the rates).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bench import report_out

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    writers: int
    mode: str
    seconds: float
    created: list[str] = field(default_factory=list)
    updated: int = 0
    conflicts: int = 0  # optimistic-lock refusals (expected to be 0: each writer updates its own)
    errors: list[str] = field(default_factory=list)
    # verification
    in_db: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: int = 0
    partial: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and not self.lost and not self.duplicated and not self.partial


def _world(url: str) -> dict:
    """Ids of a village, a category and a dispatcher user; a tiny world is created when needed."""
    from sqlalchemy import select

    from db import migrate
    from db.engine import make_engine, write_session
    from db.models import Category, Township, User, Village
    from db.services.calendar import seed_from_package

    engine = make_engine(url)
    migrate.upgrade(engine)
    with write_session(engine) as s:
        village = s.scalar(select(Village).order_by(Village.id))
        if village is None:
            seed_from_package(s, [datetime.now().year, datetime.now().year + 1])
            town = Township(code="WT", name="压测镇", county="压测县")
            s.add(town)
            s.flush()
            village = Village(township_id=town.id, code="WV", name="压测村")
            s.add(village)
            s.flush()
        cat = s.scalar(
            select(Category).where(Category.parent_id.is_not(None), Category.active.is_(True)).order_by(Category.id)
        ) or s.scalar(select(Category).order_by(Category.id))
        if cat is None:
            cat = Category(code="WC", name="压测类别", handling_workdays=5)
            s.add(cat)
            s.flush()
        user = s.scalar(select(User).where(User.role == "dispatcher").order_by(User.id))
        if user is None:
            user = User(
                username="bench_writer",
                display_name="压测",
                password_hash="x",  # nosec B106
                role="dispatcher",
            )
            s.add(user)
            s.flush()
        out = {"village": village.id, "category": cat.id, "user": user.id}
    engine.dispose()
    return out


def _writer(url: str, world: dict, seconds: float, tag: str, sink) -> None:
    """One writer's loop; reports (created numbers, updated, conflicts, errors) through ``sink``."""
    from db.engine import make_engine
    from db.errors import ConflictError
    from db.permissions import Actor
    from db.services import orders

    engine = make_engine(url)
    actor = Actor(user_id=world["user"], username=f"bench-{tag}", role="dispatcher")
    created: list[str] = []
    updated = conflicts = 0
    errors: list[str] = []
    last: dict | None = None
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        i += 1
        try:
            out = orders.register(
                engine,
                actor,
                orders.Intake(
                    channel="hotline",
                    caller_name="压测来电",
                    caller_phone="13800000000",
                    village_id=world["village"],
                    grid_id=None,
                    household_id=None,
                    address=f"压测地址{tag}-{i}",
                    category_id=world["category"],
                    tier="local",
                    urgency="normal",
                    description=f"写入压测 {tag} 第{i}件：路灯不亮，请尽快维修。",
                ),
            )
            created.append(out["number"])
            if last is not None:
                orders.contact(engine, actor, last["id"], last["version"], note="压测首次联系")
                updated += 1
            last = out
        except ConflictError:
            conflicts += 1
        except Exception as exc:  # noqa: BLE001 - every error is reported, none may happen
            errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
    engine.dispose()
    sink((created, updated, conflicts, errors))


def _process_main(url, world, seconds, tag, queue) -> None:
    _writer(url, world, seconds, tag, queue.put)


def _collect(queue, procs: list, deadline: float) -> list:
    """One report per writer process. A writer that dies without reporting (killed, or failing
    before its loop) ends the wait at once with its exit code, instead of a silent wait until
    the deadline (which read as a hang under pytest-xdist)."""
    import queue as queue_mod

    reports: list = []
    while len(reports) < len(procs):
        try:
            reports.append(queue.get(timeout=1.0))
            continue
        except queue_mod.Empty:
            pass
        dead = [p for p in procs if p.exitcode not in (None, 0)]
        if dead:
            raise RuntimeError(f"writer process(es) died without reporting: exit codes {[p.exitcode for p in dead]}")
        if all(p.exitcode == 0 for p in procs) and queue.empty():
            raise RuntimeError(f"{len(procs) - len(reports)} writer process(es) ended without a report")
        if time.monotonic() > deadline:
            raise TimeoutError(f"writers still running after the deadline: {len(reports)} of {len(procs)} reported")
    return reports


def run(url: str, writers: int = 4, seconds: float = 10.0, mode: str = "threads") -> Result:
    from sqlalchemy import func, select

    from db.engine import make_engine, read_session
    from db.models import AuditLog, WorkOrder, WorkOrderEvent

    world = _world(url)
    engine = make_engine(url)
    with read_session(engine) as s:
        before = set(s.scalars(select(WorkOrder.number)))
    res = Result(writers=writers, mode=mode, seconds=seconds)
    reports: list = []
    t0 = time.monotonic()
    if mode == "threads":
        lock = threading.Lock()

        def sink(item):
            with lock:
                reports.append(item)

        threads = [threading.Thread(target=_writer, args=(url, world, seconds, f"t{n}", sink)) for n in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        ctx = mp.get_context("spawn")
        queue = ctx.Queue()
        procs = [ctx.Process(target=_process_main, args=(url, world, seconds, f"p{n}", queue)) for n in range(writers)]
        for p in procs:
            p.start()
        reports += _collect(queue, procs, deadline=time.monotonic() + seconds + 300)
        for p in procs:
            p.join()
    res.seconds = time.monotonic() - t0
    for created, updated, conflicts, errors in reports:
        res.created += created
        res.updated += updated
        res.conflicts += conflicts
        res.errors += errors

    with read_session(engine) as s:
        rows = list(
            s.scalars(
                select(WorkOrder.number).where(WorkOrder.number.not_in(before)) if before else select(WorkOrder.number)
            )
        )
        new_ids = select(WorkOrder.id).where(WorkOrder.number.in_(res.created)) if res.created else None
        if new_ids is not None:
            whole = s.scalar(
                select(func.count())
                .select_from(WorkOrder)
                .where(
                    WorkOrder.id.in_(new_ids),
                    select(WorkOrderEvent.id).where(WorkOrderEvent.order_id == WorkOrder.id).exists(),
                    select(AuditLog.id)
                    .where(
                        AuditLog.entity == "work_order",
                        AuditLog.action == "order.create",
                        AuditLog.entity_id == func.cast(WorkOrder.id, AuditLog.entity_id.type),
                    )
                    .exists(),
                )
            )
            res.partial = len(res.created) - whole
    engine.dispose()
    res.in_db = len(rows)
    res.lost = sorted(set(res.created) - set(rows))
    res.duplicated = len(rows) - len(set(rows)) + (len(res.created) - len(set(res.created)))
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--writers", default="1,4,8", help="comma-separated writer counts, one run each")
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--mode", choices=("threads", "processes"), default="processes")
    ap.add_argument("--out", default=str(ROOT / "bench-results" / "writers.md"))
    args = ap.parse_args(argv)

    backend = args.database_url.split(":", 1)[0]
    lines = [
        f"\n## {datetime.now():%Y-%m-%d %H:%M} — {backend}, {args.mode}, {args.seconds:.0f} s per run\n",
        "| writers | orders registered | updates | orders/s | writes/s | lost | duplicated | partial | errors |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    failed = False
    for n in (int(x) for x in args.writers.split(",")):
        r = run(args.database_url, n, args.seconds, args.mode)
        failed |= not r.ok
        lines.append(
            f"| {n} | {len(r.created)} | {r.updated} | {len(r.created) / r.seconds:.1f} | "
            f"{(len(r.created) + r.updated) / r.seconds:.1f} | {len(r.lost)} | {r.duplicated} | "
            f"{r.partial} | {len(r.errors)} |"
        )
        for e in sorted(set(r.errors))[:5]:
            lines.append(f"<!-- error: {e} -->")
    text = "\n".join(lines)
    report_out(text, args.out)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
