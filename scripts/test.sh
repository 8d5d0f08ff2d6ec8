#!/usr/bin/env bash
# Run the static checks (scripts/lint.sh: ruff, bandit, pip-audit) and every test (pure rules,
# services on SQLite and PostgreSQL, AppTest pages, browser journeys, the benchmark suite at a
# tiny scale). Extra arguments go to pytest, e.g.:
#   scripts/test.sh -x tests/test_engine_and_migrations.py
#   scripts/test.sh -m "not browser"
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install.sh --dev
bash scripts/lint.sh

set +e
.venv/bin/python -m pytest -q "$@"
status=$?
set -e

if [ "$status" -eq 5 ]; then
  echo "[test] pytest collected no tests: that is a failure here" >&2
fi
exit "$status"
