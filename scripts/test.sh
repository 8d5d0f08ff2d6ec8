#!/usr/bin/env bash
# Install what the tests need, run the static checks (scripts/lint.sh) and every test:
#
#   1. every test (pure rules, services on SQLite and on a throwaway PostgreSQL cluster, every
#      page under AppTest, the browser journeys in headless Chromium, the benchmark suite at a
#      tiny scale) on three workers (pytest-xdist; each worker has its own PostgreSQL cluster,
#      demo database, app server and Chromium);
#   2. the date-sensitive tests (marker "dates": the modules that read the clock: the demo
#      township and its pages, the demo generator) again with the tests' clock at other moments:
#      a Spring Festival holiday, 31 December and the first day of a month that is also a
#      holiday (National Day), one worker per moment.
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
# Three workers on two cores: the browser journeys spend much of their time waiting on their
# server and Chromium, and a third worker fills that time. pytest-xdist hands each worker its
# first tests in one chunk of consecutive tests (a quarter of its share: about 240 here), so the
# browser journeys, collected first, all go to the first worker and run one at a time there, not
# side by side; --maxschedchunk keeps that chunk to about the journeys alone, so that worker
# takes up other tests as soon as they are done instead of carrying 200 more.
WORKERS="${GOV_TEST_WORKERS:-3}"
CHUNK="${GOV_TEST_CHUNK:-20}"

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
run_pytest -n "$WORKERS" --maxschedchunk "$CHUNK"
echo "[test] all tests: $((SECONDS - t0)) s"

# Other moments for the date-sensitive tests (Beijing time): a Spring Festival holiday, 31 December,
# the first day of a month that is also a holiday (National Day). Each must lie in a year whose
# holiday schedule the calendar package knows, as must the deadlines the tests compute from it.
# One pytest run: as many workers as moments, each worker at its own moment
# (GOV_TEST_CLOCKS, tests/factories/clock.py), every test sent to every worker (--dist each).
# Only the date-sensitive modules are collected (tests/factories/dates.py).
# After the first step, not beside it: run beside it at the lowest CPU priority, both took longer
# (the first step 592 s instead of about 520, the whole run 671 s: the idle third of the cores
# the journeys leave is not idle enough to lend).
moments=(2026-02-18T10:00 2025-12-31T16:30 2026-10-01T08:30)
mapfile -t date_modules < <(.venv/bin/python -m tests.factories.dates)
t0=$SECONDS
echo "[test] date-sensitive tests with the clock at ${moments[*]}"
GOV_TEST_CLOCKS="$(IFS=,; echo "${moments[*]}")" run_pytest -n "${#moments[@]}" --dist each -m dates "${date_modules[@]}"
echo "[test] other moments: $((SECONDS - t0)) s"
finish_audit
echo "[test] done in $((SECONDS - started)) s"
