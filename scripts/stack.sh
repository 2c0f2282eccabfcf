#!/usr/bin/env bash
# groundwork local stack: PostgreSQL + AWS stand-in (moto) + Airflow (LocalExecutor).
#
#   scripts/stack.sh up       start whatever is not running, wait until healthy, print URL + passwords
#   scripts/stack.sh down     stop everything this script started (Airflow, stand-in, PostgreSQL)
#   scripts/stack.sh status   what runs, on which port, and Airflow's health
#   scripts/stack.sh env      `export ...` lines: eval "$(scripts/stack.sh env)" to use the same stack
#                             from a shell (airflow CLI, python -m groundwork, plain boto3)
#
# All state lives in <repo>/.local/ (gitignored; GROUNDWORK_STATE_DIR moves it, e.g. the e2e tests'):
# postgres/ (data, socket), airflow/ (AIRFLOW_HOME), secrets/ (generated once), logs/,
# run/ (pid files, the running stack's settings), moto-recording.jsonl.
#
# Overrides (environment):
#   GROUNDWORK_PG_PORT (25432)  GROUNDWORK_STANDIN_PORT (5055)  GROUNDWORK_AIRFLOW_PORT (8080)
#   GROUNDWORK_DAGS_FOLDER (<repo>/dags)  GROUNDWORK_PLUGINS_FOLDER (<repo>/plugins)
#   GROUNDWORK_PARALLELISM (6)  GROUNDWORK_MIN_FILE_PROCESS_INTERVAL (30)
#   GROUNDWORK_AIRFLOW_USERS (admin:admin,approver:user,viewer:viewer)
#   GROUNDWORK_UP_TIMEOUT (180 s)  GROUNDWORK_STANDIN_RECORD (0; 1 = record every stand-in request from start)
#   GROUNDWORK_VENV (<repo>/.venv)  GROUNDWORK_PG_BIN (/usr/lib/postgresql/15/bin)
# While the stack is up, the settings it was started with (ports, folders, users, ...) are kept in
# .local/run/settings and apply to env/status/down unless given explicitly again; `up` refuses to
# change them on a running stack.
#
# The work is done by tools/groundwork_ops/stack.py (`python -m groundwork_ops.stack`, whose
# Settings/up/environment/down the e2e tests call directly); this only picks the venv's python.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
VENV="${GROUNDWORK_VENV:-$ROOT/.venv}"
if [[ ! -x "$VENV/bin/python" ]]; then
  printf '[stack] ERROR: no virtualenv at %s (set GROUNDWORK_VENV or create it: scripts/setup.sh)\n' "$VENV" >&2
  exit 1
fi
exec "$VENV/bin/python" -m groundwork_ops.stack "$@"
