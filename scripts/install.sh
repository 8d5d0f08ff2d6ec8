#!/usr/bin/env bash
# Install the console's dependencies; safe to run again (it does nothing when up to date).
#
#   scripts/install.sh          runtime: .venv + requirements.txt
#   scripts/install.sh --dev    also requirements-dev.txt and the system packages the tests
#                               need (chromium, fonts-noto-cjk, PostgreSQL server binaries,
#                               nginx for the two-server test, LibreOffice writer/calc to
#                               prove the exports open), installed with apt-get when root
#   --force                     reinstall the Python requirements even if nothing changed
#
# Environment: PYTHON (default python3) is the interpreter used to create .venv.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

dev=0
force=0
for arg in "$@"; do
  case "$arg" in
    --dev) dev=1 ;;
    --force) force=1 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option: $arg" >&2; exit 2 ;;
  esac
done

log() { echo "[install] $*"; }

# ---------------------------------------------------------------- system packages (--dev)
have_pg_server() {
  [ -n "${GOV_PG_BINDIR:-}" ] && [ -x "${GOV_PG_BINDIR}/pg_ctl" ] && return 0
  compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null && return 0
  command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1
}
have_cjk_fonts() {
  if command -v dpkg-query >/dev/null 2>&1; then
    dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q "install ok installed" && return 0
  fi
  command -v fc-list >/dev/null 2>&1 && fc-list 2>/dev/null | grep -q "Noto Sans CJK"
}
have_chromium() { [ -x "${GOV_CHROMIUM:-/usr/bin/chromium}" ]; }
have_nginx() { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; }
have_soffice() { command -v soffice >/dev/null 2>&1; }
have_soffice_calc() { [ -e /usr/lib/libreoffice/program/libsclo.so ] || ! command -v dpkg-query >/dev/null 2>&1; }

if [ "$dev" = 1 ]; then
  missing=()
  have_chromium || missing+=(chromium)
  have_cjk_fonts || missing+=(fonts-noto-cjk)
  have_pg_server || missing+=(postgresql)
  have_nginx || missing+=(nginx-light)
  have_soffice || missing+=(libreoffice-writer-nogui)
  have_soffice_calc || missing+=(libreoffice-calc-nogui)
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      log "installing system packages: ${missing[*]}"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update
      apt-get install -y --no-install-recommends "${missing[@]}"
    else
      echo "[install] missing system packages: ${missing[*]}" >&2
      echo "[install] install them as root, e.g.: apt-get install -y ${missing[*]}" >&2
      exit 1
    fi
  else
    log "system packages present (chromium, fonts-noto-cjk, PostgreSQL server, nginx, LibreOffice)"
  fi
fi

# ---------------------------------------------------------------- Python virtualenv
if [ ! -x .venv/bin/python ]; then
  log "creating .venv with ${PYTHON:-python3}"
  "${PYTHON:-python3}" -m venv .venv
  force=1
fi

# Skip pip entirely when the requirement files and the interpreter are unchanged since the
# last successful install of this flavour (runtime or dev).
files=(requirements.txt)
[ "$dev" = 1 ] && files+=(requirements-dev.txt)
stamp=".venv/.installed-$([ "$dev" = 1 ] && echo dev || echo runtime)"
digest="$( { .venv/bin/python -VV; cat "${files[@]}"; } | sha256sum | cut -d' ' -f1)"
if [ "$force" = 0 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
  log "Python requirements up to date (${files[*]})"
  exit 0
fi

log "installing Python requirements (${files[*]})"
.venv/bin/python -m pip install --quiet --upgrade pip
reqs=()
for f in "${files[@]}"; do reqs+=(-r "$f"); done
.venv/bin/python -m pip install --quiet "${reqs[@]}"
echo "$digest" > "$stamp"
log "done"
