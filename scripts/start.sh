#!/usr/bin/env bash
# Start the console: install the runtime requirements if needed, then run Streamlit.
# Before the server starts, the database is migrated and (demo mode, empty database) filled with
# the demo township and accounts, so the first visitor does not wait. The app would do the same.
#
#   PORT        port to listen on (default 8501)
#   GOV_ADDRESS address to listen on (default 127.0.0.1: only this machine; put the reverse proxy
#               of docs/deployment.md in front for other machines, with TLS)
#   GOV_MODE  demo (default) or production; see db/config.py for the other GOV_* settings
#   Extra arguments are passed to `streamlit run`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "[start] 检查并安装依赖（首次约一至两分钟）…"
bash scripts/install.sh
export GOV_MODE="${GOV_MODE:-demo}"
echo "[start] 准备数据库（${GOV_MODE} 模式）…"
.venv/bin/python -m db.cli init
echo "[start] 启动服务：http://${GOV_ADDRESS:-127.0.0.1}:${PORT:-8501}"
exec .venv/bin/streamlit run server.py \
  --server.port "${PORT:-8501}" \
  --server.address "${GOV_ADDRESS:-127.0.0.1}" \
  --server.headless true \
  --browser.gatherUsageStats false \
  "$@"
