#!/usr/bin/env bash
# Install what the tests need, run the static checks (scripts/lint.sh) and every test:
#
#   1. every test (pure rules, services on SQLite and on a throwaway PostgreSQL cluster, every
#      page under AppTest, the browser journeys in headless Chromium, the benchmark suite at a
#      tiny scale) on two workers (pytest-xdist; each worker has its own PostgreSQL cluster,
#      demo database, app server and Chromium);
#   2. the date-sensitive tests (marker "dates": the modules that read the clock: the demo
#      township and its pages, the demo generator) again with the tests' clock at other moments: a Spring Festival holiday,
#      31 December and the first day of a month that is also a holiday (National Day).
#
# The tests fix their own clock (tests/factories/clock.py): no run depends on today's date.
# Extra arguments run pytest with them instead (no second-date run), e.g.:
#   scripts/test.sh -x tests/test_engine_and_migrations.py
#   scripts/test.sh -m "not browser"
#   GOV_TEST_CLOCK=2026-02-18T10:00 scripts/test.sh -m dates
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

started=$SECONDS
bash scripts/install.sh --dev
echo "[test] install: $((SECONDS - started)) s"
bash scripts/lint.sh --no-audit
# the dependency audit waits on the package index, not the CPU: run it beside the tests
audit_log="$(mktemp)"
bash scripts/lint.sh --audit-only > "$audit_log" 2>&1 &
audit_pid=$!
finish_audit() {
  local status=0
  wait "$audit_pid" || status=$?
  cat "$audit_log"
  rm -f "$audit_log"
  return "$status"
}

PYTEST=(.venv/bin/python -m pytest -q -p no:cacheprovider)
# two workers on two cores (three were tried: 438 s instead of about 480 s, and a browser login
# timed out under the load)
WORKERS="${GOV_TEST_WORKERS:-2}"

run_pytest() {
  set +e
  "${PYTEST[@]}" "$@"
  local status=$?
  set -e
  if [ "$status" -eq 5 ]; then
    echo "[test] pytest collected no tests: that is a failure here" >&2
  fi
  return "$status"
}

if [ "$#" -gt 0 ]; then
  run_pytest "$@"
  finish_audit
  exit $?
fi

t0=$SECONDS
run_pytest -n "$WORKERS"
echo "[test] all tests: $((SECONDS - t0)) s"

# Other moments for the date-sensitive tests (Beijing time). Each must lie in a year whose
# holiday schedule the calendar package knows, as must the deadlines the tests compute from it.
for moment in 2026-02-18T10:00 2025-12-31T16:30 2026-10-01T08:30; do
  t0=$SECONDS
  echo "[test] date-sensitive tests with the clock at $moment"
  GOV_TEST_CLOCK="$moment" run_pytest -n 2 -m dates
  echo "[test] clock at $moment: $((SECONDS - t0)) s"
done
finish_audit
echo "[test] done in $((SECONDS - started)) s"
