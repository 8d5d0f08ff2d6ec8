"""A writer process for the crash-safety test: registers orders as fast as it can and prints
each order's number on stdout right after its transaction has committed.

    python tests/tools/crash_writer.py DATABASE_URL VILLAGE_ID GRID_ID CATEGORY_ID USER_ID

The test kills it with SIGKILL at an arbitrary moment (mid-transaction, most likely).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from db.engine import make_engine  # noqa: E402
from db.permissions import Actor  # noqa: E402
from db.services import orders  # noqa: E402


def main() -> None:
    url, village, grid, category, user = sys.argv[1:6]
    engine = make_engine(url)
    actor = Actor(user_id=int(user), username="crash", role="dispatcher")
    i = 0
    while True:
        i += 1
        out = orders.register(
            engine,
            actor,
            orders.Intake(
                channel="hotline",
                caller_name="压力测试",
                caller_phone="13800000000",
                village_id=int(village),
                grid_id=int(grid),
                household_id=None,
                address=f"测试地址{i}号",
                category_id=int(category),
                tier="local",
                urgency="normal",
                description=f"进程终止测试第{i}件：路面破损需要修补，影响通行。",
            ),
        )
        print(out["number"], flush=True)


if __name__ == "__main__":
    main()
