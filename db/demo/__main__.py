"""Command line: migrate a database, fill it with demo data, print the counts.

    python -m db.demo [--scale township|county] [--orders N] [--seed S] [--now ISO] [--database-url URL]

--now is the anchor the history is generated up to (default: now, on the console's clock).

Without --database-url the database comes from db.config.load_settings() (DATABASE_URL or
GOV_DB_PATH).
"""

from __future__ import annotations

import argparse
import sys
import time

from db import clock
from db.config import load_settings
from db.demo.context import SCALES
from db.demo.generator import generate
from db.engine import make_engine
from db.migrate import upgrade


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m db.demo", description="Fill an empty database with demo data.")
    parser.add_argument("--scale", choices=sorted(SCALES), default="township")
    parser.add_argument(
        "--orders", type=int, default=None, help="number of work orders (default: 5000 township, 1000000 county)"
    )
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument(
        "--now",
        default=None,
        type=clock.parse,
        help="anchor date or datetime (Beijing time unless it has an offset; default: now)",
    )
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)

    url = args.database_url or load_settings().database_url
    engine = make_engine(url)
    started = time.perf_counter()

    def progress(stage: str, count: int) -> None:
        print(f"[{time.perf_counter() - started:8.1f}s] {stage}: {count:,}", flush=True)

    try:
        print(f"数据库：{engine.url.render_as_string(hide_password=True)}", flush=True)
        upgrade(engine)
        progress("数据库迁移完成", 0)
        try:
            counts = generate(
                engine,
                scale=args.scale,
                orders=args.orders,
                seed=args.seed,
                now=args.now or clock.utcnow(),
                progress=progress,
            )
        except RuntimeError as exc:
            print(f"未生成演示数据：{exc}", file=sys.stderr)
            return 1
    finally:
        engine.dispose()
    elapsed = time.perf_counter() - started
    width = max(len(name) for name in counts)
    print()
    for name, n in counts.items():
        print(f"  {name:<{width}}  {n:>12,}")
    print(f"  {'total':<{width}}  {sum(counts.values()):>12,}")
    print(f"\n用时 {elapsed:.1f} 秒（scale={args.scale}, seed={args.seed}）")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
