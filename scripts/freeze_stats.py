"""Write the KPI summary tables' SQL of db/stats.py, as it is now, into
db/migrations/frozen/stats_<revision>.py, for the migration that installs it (a migration
carries its own DDL: replaying history must not install today's triggers on yesterday's tables).

    .venv/bin/python scripts/freeze_stats.py 0014

tests/test_kpi_stats.py checks that db/stats.py still equals the newest frozen copy: a change to
the triggers needs a new migration and a new frozen copy.
"""

from __future__ import annotations

import pprint
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db import stats  # noqa: E402
from db.models.stats import COUNTERS  # noqa: E402


class _Recorder:
    """Stands in for a connection: keeps the statements instead of running them."""

    def __init__(self, dialect: str):
        self.sql: list[str] = []
        self.dialect = type("Dialect", (), {"name": dialect})()

    def exec_driver_sql(self, statement: str) -> None:
        self.sql.append(statement)


def source(revision: str) -> str:
    out = [
        f'"""The KPI summary tables\' SQL exactly as migration {revision} installs it, frozen from\n'
        f'db/stats.py at that revision by scripts/freeze_stats.py. Generated: do not edit."""\n',
        f"COUNTERS = {COUNTERS!r}\n",
    ]
    for dialect in ("sqlite", "postgresql"):
        name = dialect.upper()
        out.append(f"TRIGGERS_{name} = {pprint.pformat(stats.trigger_ddl(dialect), width=110)}\n")
        for what, fn in (("DROP", stats.drop_triggers), ("REBUILD", stats.rebuild)):
            rec = _Recorder(dialect)
            fn(rec)
            out.append(f"{what}_{name} = {pprint.pformat(rec.sql, width=110)}\n")
    return "\n".join(out)


if __name__ == "__main__":
    rev = sys.argv[1]
    (ROOT / "db" / "migrations" / "frozen" / f"stats_{rev}.py").write_text(source(rev), encoding="utf-8")
