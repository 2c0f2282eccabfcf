#!/usr/bin/env bash
# groundwork local stack: PostgreSQL + AWS stand-in (moto) + Airflow (LocalExecutor).
#
#   scripts/stack.sh up       start whatever is not running, wait until healthy, print URL + passwords
#   scripts/stack.sh down     stop everything this script started (Airflow, stand-in, PostgreSQL)
#   scripts/stack.sh status   what runs, on which port, and Airflow's health
#   scripts/stack.sh env      `export ...` lines: eval "$(scripts/stack.sh env)" to use the same stack
#                             from a shell (airflow CLI, python -m groundwork, plain boto3)
#
# All state lives in <repo>/.local/ (gitignored; GROUNDWORK_STATE_DIR moves it, e.g. the e2e tests'): postgres/ (data, socket), airflow/ (AIRFLOW_HOME),
# secrets/ (generated once), logs/, run/ (pid files), moto-recording.jsonl.
#
# Overrides (environment):
#   GROUNDWORK_PG_PORT (55432)  GROUNDWORK_STANDIN_PORT (5055)  GROUNDWORK_AIRFLOW_PORT (8080)
#   GROUNDWORK_DAGS_FOLDER (<repo>/dags)  GROUNDWORK_PLUGINS_FOLDER (<repo>/plugins)
#   GROUNDWORK_PARALLELISM (6)  GROUNDWORK_MIN_FILE_PROCESS_INTERVAL (5)
#   GROUNDWORK_AIRFLOW_USERS (admin:admin,approver:user,viewer:viewer)
#   GROUNDWORK_UP_TIMEOUT (180 s)  GROUNDWORK_STANDIN_RECORD (0; 1 = record every stand-in request from start)
#   GROUNDWORK_VENV (<repo>/.venv)
set -Eeuo pipefail
trap 'printf "[stack] ERROR: unexpected failure (exit %s) at %s line %s: %s\n" "$?" "${BASH_SOURCE[0]}" "$LINENO" "$BASH_COMMAND" >&2' ERR

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
LOCAL="${GROUNDWORK_STATE_DIR:-$ROOT/.local}"
mkdir -p "$LOCAL" && LOCAL="$(cd "$LOCAL" && pwd -P)"
VENV="${GROUNDWORK_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
AIRFLOW_BIN="$VENV/bin/airflow"
PG_BIN="${GROUNDWORK_PG_BIN:-/usr/lib/postgresql/15/bin}"
# Airflow 3.3 talks to PostgreSQL through psycopg2 (sync) and asyncpg (async engine, derived
# from the sync URL); both must be in the venv (also listed in requirements.txt).
PG_DRIVER_PINS=("psycopg2-binary==2.9.13" "asyncpg==0.32.0")

# While the stack is up, the settings it was started with (ports, folders, ...) are kept in
# .local/run/settings and apply to env/status/down unless overridden explicitly again.
SETTINGS_FILE="$LOCAL/run/settings"
EXPLICIT_SETTINGS="$(for n in GROUNDWORK_PG_PORT GROUNDWORK_STANDIN_PORT GROUNDWORK_AIRFLOW_PORT \
  GROUNDWORK_DAGS_FOLDER GROUNDWORK_PLUGINS_FOLDER GROUNDWORK_PARALLELISM \
  GROUNDWORK_MIN_FILE_PROCESS_INTERVAL GROUNDWORK_AIRFLOW_USERS; do
  [[ -n "${!n:-}" ]] && printf '%s=%s\n' "$n" "${!n}"; done; true)"
if [[ -f "$SETTINGS_FILE" ]]; then
  # shellcheck disable=SC1090
  source "$SETTINGS_FILE"
fi

PG_PORT="${GROUNDWORK_PG_PORT:-55432}"
STANDIN_PORT="${GROUNDWORK_STANDIN_PORT:-5055}"
AIRFLOW_PORT="${GROUNDWORK_AIRFLOW_PORT:-8080}"
DAGS_FOLDER="${GROUNDWORK_DAGS_FOLDER:-$ROOT/dags}"
PLUGINS_FOLDER="${GROUNDWORK_PLUGINS_FOLDER:-$ROOT/plugins}"
PARALLELISM="${GROUNDWORK_PARALLELISM:-6}"
MIN_FILE_PROCESS_INTERVAL="${GROUNDWORK_MIN_FILE_PROCESS_INTERVAL:-5}"
AIRFLOW_USERS="${GROUNDWORK_AIRFLOW_USERS:-admin:admin,approver:user,viewer:viewer}"
UP_TIMEOUT="${GROUNDWORK_UP_TIMEOUT:-180}"

PGROOT="$LOCAL/postgres"
PGDATA_DIR="$PGROOT/data"
PG_SOCK="$PGROOT/run"
SECRETS="$LOCAL/secrets"
LOGS="$LOCAL/logs"
RUN="$LOCAL/run"
AIRFLOW_HOME_DIR="$LOCAL/airflow"
RECORD_FILE="$LOCAL/moto-recording.jsonl"
STANDIN_URL="http://127.0.0.1:$STANDIN_PORT"
AIRFLOW_URL="http://127.0.0.1:$AIRFLOW_PORT"

# Order matters: started in this order, stopped in reverse.
AIRFLOW_COMPONENTS=(api-server scheduler dag-processor triggerer)

# ---------------------------------------------------------------------------------------------
say()  { printf '[stack] %s\n' "$*" >&2; }
die()  { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

IS_ROOT=0; [[ "$(id -u)" == 0 ]] && IS_ROOT=1
if (( IS_ROOT )); then PG_OS_USER=postgres; else PG_OS_USER="$(id -un)"; fi
PG_SUPERUSER="$PG_OS_USER"

# Run a postgres binary as the OS user that owns the cluster (postgres refuses to run as root).
as_pg() {
  if (( IS_ROOT )); then
    (cd "$PGROOT" && runuser -u postgres -- "$@")
  else
    (cd "$PGROOT" && "$@")
  fi
}

# A unix socket path is limited to 107 bytes; fall back to a short private dir for deep checkouts.
if (( ${#PG_SOCK} + 20 > 100 )); then
  PG_SOCK="/tmp/groundwork-pg-$(printf '%s' "$ROOT" | md5sum | cut -c1-12)"
fi

shq() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }

# ---------------------------------------------------------------------------------------------
ensure_venv() {
  [[ -x "$PY" ]] || die "no virtualenv at $VENV (set GROUNDWORK_VENV or create it: python3.11 -m venv .venv && .venv/bin/pip install -r requirements.txt)"
  [[ -x "$AIRFLOW_BIN" ]] || die "airflow is not installed in $VENV"
  if ! "$PY" -c 'import psycopg2, asyncpg' 2>/dev/null; then
    say "installing ${PG_DRIVER_PINS[*]} into $VENV"
    "$VENV/bin/pip" install -q "${PG_DRIVER_PINS[@]}" || die "could not install ${PG_DRIVER_PINS[*]}"
  fi
}

ensure_dirs() {
  mkdir -p "$LOCAL" "$LOGS" "$RUN" "$AIRFLOW_HOME_DIR" "$PGROOT"
  mkdir -p "$SECRETS"
  chmod 700 "$SECRETS"
}

# Secrets are generated once and then reused; passwords.json gains entries for new users only.
ensure_secrets() {
  ensure_dirs
  (umask 077; GW_SECRETS="$SECRETS" GW_USERS="$AIRFLOW_USERS" "$PY" - <<'PYEOF'
import base64, json, os, secrets
d = os.environ["GW_SECRETS"]
def once(name, make):
    p = os.path.join(d, name)
    if not os.path.exists(p) or not open(p).read().strip():
        with open(p, "w") as f:
            f.write(make() + "\n")
once("pg_password", lambda: secrets.token_hex(24))
once("jwt_secret", lambda: secrets.token_hex(32))
once("api_secret_key", lambda: secrets.token_hex(32))
once("fernet_key", lambda: base64.urlsafe_b64encode(os.urandom(32)).decode())
once("external_id", lambda: secrets.token_urlsafe(24))  # phase 5: the deployment roles' sts:ExternalId
p = os.path.join(d, "passwords.json")
pw = {}
if os.path.exists(p):
    try:
        pw = json.load(open(p))
    except ValueError:
        pw = {}
changed = False
for entry in os.environ["GW_USERS"].split(","):
    user = entry.split(":", 1)[0].strip()
    if user and user not in pw:
        pw[user] = secrets.token_urlsafe(12)
        changed = True
if changed or not os.path.exists(p):
    with open(p, "w") as f:
        json.dump(pw, f, indent=2)
        f.write("\n")
PYEOF
  ) || die "could not create secrets in $SECRETS"
}

secret() { tr -d '\n' < "$SECRETS/$1"; }

# ---------------------------------------------------------------------------------------------
# The environment every component gets (and `env` prints). Keep names in ENV_NAMES.
ENV_NAMES=()
setenv() { export "$1=$2"; ENV_NAMES+=("$1"); }

compute_env() {
  local pg_pw; pg_pw="$(secret pg_password)"
  ENV_NAMES=()
  setenv AIRFLOW_HOME "$AIRFLOW_HOME_DIR"
  setenv AIRFLOW__DATABASE__SQL_ALCHEMY_CONN "postgresql+psycopg2://airflow:${pg_pw}@127.0.0.1:${PG_PORT}/airflow"
  setenv AIRFLOW__CORE__EXECUTOR LocalExecutor
  setenv AIRFLOW__CORE__PARALLELISM "$PARALLELISM"
  setenv AIRFLOW__CORE__DAGS_FOLDER "$DAGS_FOLDER"
  setenv AIRFLOW__CORE__PLUGINS_FOLDER "$PLUGINS_FOLDER"
  setenv AIRFLOW__CORE__LOAD_EXAMPLES False
  setenv AIRFLOW__CORE__FERNET_KEY "$(secret fernet_key)"
  setenv AIRFLOW__CORE__AUTH_MANAGER airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager
  setenv AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS "$AIRFLOW_USERS"
  setenv AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE "$SECRETS/passwords.json"
  setenv AIRFLOW__CORE__EXECUTION_API_SERVER_URL "$AIRFLOW_URL/execution/"
  setenv AIRFLOW__API__HOST 127.0.0.1
  setenv AIRFLOW__API__PORT "$AIRFLOW_PORT"
  setenv AIRFLOW__API__BASE_URL "$AIRFLOW_URL"
  setenv AIRFLOW__API__SECRET_KEY "$(secret api_secret_key)"
  setenv AIRFLOW__API_AUTH__JWT_SECRET "$(secret jwt_secret)"
  setenv AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL 5
  setenv AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL "$MIN_FILE_PROCESS_INTERVAL"
  setenv AIRFLOW_CONN_AWS_DEFAULT "{\"conn_type\": \"aws\", \"login\": \"testing\", \"password\": \"testing\", \"extra\": {\"region_name\": \"us-east-1\", \"endpoint_url\": \"$STANDIN_URL\", \"service_config\": {\"sts\": {\"endpoint_url\": \"$STANDIN_URL\"}}}}"
  # The ExternalId the deployment roles require (config: cicd.external_id -> this connection's password).
  setenv AIRFLOW_CONN_GROUNDWORK_EXTERNAL_ID "{\"conn_type\": \"generic\", \"password\": \"$(secret external_id)\"}"
  local pp="$ROOT/include:$PLUGINS_FOLDER" e
  local IFS=:
  for e in $GW_ORIG_PYTHONPATH; do
    [[ -n "$e" && "$e" != "$ROOT/include" && "$e" != "$PLUGINS_FOLDER" ]] && pp="$pp:$e"
  done
  unset IFS
  setenv PYTHONPATH "$pp"
  # AWS isolation: no instance-metadata lookups and no ~/.aws profiles/credentials, so a task that
  # misses the aws_default connection fails fast instead of hanging on IMDS or reaching real AWS.
  setenv AWS_EC2_METADATA_DISABLED true
  setenv AWS_CONFIG_FILE "$LOCAL/aws/config"
  setenv AWS_SHARED_CREDENTIALS_FILE "$LOCAL/aws/credentials"
  setenv GROUNDWORK_STANDIN_URL "$STANDIN_URL"
  setenv GROUNDWORK_AIRFLOW_URL "$AIRFLOW_URL"
  setenv GROUNDWORK_STATE_DIR "$LOCAL"
  if [[ -n "${FOUNDATION_CONFIG:-}" ]]; then
    setenv FOUNDATION_CONFIG "$(realpath "$FOUNDATION_CONFIG")"
  fi
}

# Only for shells and tests using plain boto3; the Airflow components use the connection only,
# so a task that bypasses the aws_default connection fails instead of silently working.
SHELL_ONLY_NAMES=(AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_DEFAULT_REGION)
shell_only_value() {
  case "$1" in
    AWS_ENDPOINT_URL) printf '%s' "$STANDIN_URL" ;;
    AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY) printf 'testing' ;;
    AWS_DEFAULT_REGION) printf 'us-east-1' ;;
  esac
}

# ---------------------------------------------------------------------------------------------
# Process bookkeeping: pid files in .local/run hold "<pid> <start-time> <started-epoch>" (start
# time in clock ticks from /proc/<pid>/stat), so a stale pid file pointing at a recycled pid is never mistaken
# for ours. Every process we start is a session + process-group leader (setsid), so `down` can
# signal the whole tree; each also carries GROUNDWORK_STACK_TOKEN in its environment (used only
# to find stragglers that started their own session).
pidfile() { printf '%s/%s.pid' "$RUN" "$1"; }
logfile() { printf '%s/%s.log' "$LOGS" "$1"; }

starttime() {  # starttime <pid> -> field 22 of /proc/<pid>/stat (the comm field may hold spaces)
  local st
  st="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  st="${st##*) }"
  awk '{print $20}' <<< "$st"
}

running() {  # running <name> -> prints pid, 0 if the process recorded in its pid file is alive
  local f pid st now
  f="$(pidfile "$1")"
  [[ -f "$f" ]] || return 1
  read -r pid st _ < "$f" || true
  [[ -n "${pid:-}" && -n "${st:-}" ]] || return 1
  now="$(starttime "$pid")" || return 1
  [[ "$now" == "$st" ]] || return 1
  # a zombie (exited, not yet reaped) is not running
  [[ "$(awk '{print $1}' <<< "$(cut -d')' -f2- "/proc/$pid/stat" 2>/dev/null)")" != Z ]] || return 1
  printf '%s' "$pid"
}

session_members() {  # session_members <sid> -> "pid:starttime" of every process in that session
  local p st rest
  for p in /proc/[0-9]*; do
    st="$(cat "$p/stat" 2>/dev/null)" || continue
    rest="${st##*) }"
    read -r _ _ _ sid _ <<< "$rest"   # state ppid pgrp session
    if [[ "$sid" == "$1" ]]; then printf '%s:%s\n' "${p#/proc/}" "$(awk '{print $20}' <<< "$rest")"; fi
  done
  return 0
}

port_busy() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

start_bg() {  # start_bg <name> <port-or-empty> cmd...
  local name=$1 port=$2; shift 2
  local pid
  if pid="$(running "$name")"; then
    say "$name already running (pid $pid)"
    return 0
  fi
  if [[ -n "$port" ]] && port_busy "$port"; then
    die "$name: port $port is already in use by something this stack did not start: $(ss -Hltnp "sport = :$port" | head -1)"
  fi
  local log pf i st
  log="$(logfile "$name")"
  pf="$(pidfile "$name")"
  printf '\n===== %s start %s =====\n' "$name" "$(date -Is)" >> "$log"
  rm -f "$pf" "$pf.new"
  # The pid is written by the process itself: setsid forks when it is already a group leader
  # (job control on), and then $! would be the wrong process.
  GROUNDWORK_STACK_TOKEN="$(cat "$RUN/token")" setsid bash -c 'echo $$ > "$0"; exec "$@"' "$pf.new" "$@" \
    >> "$log" 2>&1 < /dev/null &
  for ((i = 0; i < 50; i++)); do [[ -s "$pf.new" ]] && break; sleep 0.1; done
  [[ -s "$pf.new" ]] || die "$name did not start; see $log"
  pid="$(cat "$pf.new")"
  st="$(starttime "$pid")" || st=0
  printf '%s %s %s\n' "$pid" "$st" "$(date +%s)" > "$pf"
  rm -f "$pf.new"
  say "$name started (pid $pid, log ${log#"$ROOT"/})"
}

stop_bg() {  # stop_bg <grace-seconds> <name>... : TERM all process groups at once, then wait
  local grace=$1; shift
  local name pid i m alive t0=$SECONDS names=() pids=() members=""
  for name in "$@"; do
    if pid="$(running "$name")"; then
      names+=("$name"); pids+=("$pid")
      members+=" $(session_members "$pid" | tr '\n' ' ')"
      say "stopping $name (pid $pid)"
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    fi
    rm -f "$(pidfile "$name")"
  done
  ((${#pids[@]})) || return 0
  for ((i = 0; i < grace * 5; i++)); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.2
  done
  for i in "${!pids[@]}"; do
    if kill -0 -- "-${pids[$i]}" 2>/dev/null; then
      say "${names[$i]} did not stop within ${grace}s; killing its process group"
      kill -KILL -- "-${pids[$i]}" 2>/dev/null || true
    fi
  done
  # members of the sessions that moved to another process group
  for m in $members; do
    if [[ "$(starttime "${m%%:*}" 2>/dev/null)" == "${m#*:}" ]]; then kill -KILL "${m%%:*}" 2>/dev/null || true; fi
  done
  say "stopped ${names[*]} ($((SECONDS - t0))s)"
}

# Anything still carrying this stack's token (e.g. a task process that left the group).
reap_strays() {
  local tokf="$RUN/token" tok p pids=()
  [[ -f "$tokf" ]] || return 0
  tok="$(cat "$tokf")"
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [[ "$p" == "$$" ]] && continue
    if { tr '\0' '\n' < "/proc/$p/environ"; } 2>/dev/null | grep -qxF "GROUNDWORK_STACK_TOKEN=$tok"; then
      pids+=("$p")
    fi
  done
  if ((${#pids[@]})); then
    say "stopping leftover processes: ${pids[*]}"
    kill -TERM "${pids[@]}" 2>/dev/null || true
    sleep 2
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  fi
}

# ---------------------------------------------------------------------------------------------
pg_running() { [[ -f "$PGDATA_DIR/PG_VERSION" ]] && as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; }

check_pg_traversal() {
  (( IS_ROOT )) || return 0
  getent passwd postgres >/dev/null || die "running as root but there is no 'postgres' OS user to run PostgreSQL as"
  # top-down, so the message names the outermost directory that blocks (e.g. a 0700 mktemp -d)
  local d="$PGROOT" path=()
  while [[ "$d" != "/" ]]; do path=("$d" "${path[@]}"); d="$(dirname "$d")"; done
  for d in "${path[@]}"; do
    if ! runuser -u postgres -- test -x "$d"; then
      die "user postgres cannot traverse $d (mode $(stat -c %A "$d")); fix with: chmod o+x '$d' (or run the stack as a non-root user)"
    fi
  done
}

pg_up() {
  [[ -x "$PG_BIN/pg_ctl" ]] || die "PostgreSQL binaries not found in $PG_BIN (set GROUNDWORK_PG_BIN)"
  mkdir -p "$PGROOT" "$PG_SOCK"
  chmod 755 "$LOCAL" "$PGROOT"
  local pglog; pglog="$(logfile postgres)"
  touch "$pglog"
  if (( IS_ROOT )); then
    check_pg_traversal
    chown postgres: "$PG_SOCK" "$pglog"
    [[ -d "$PGDATA_DIR" ]] && chown -R postgres: "$PGDATA_DIR"
  fi
  if [[ ! -f "$PGDATA_DIR/PG_VERSION" ]]; then
    say "initdb $PGDATA_DIR"
    rm -rf "$PGDATA_DIR"; mkdir -p "$PGDATA_DIR"; chmod 700 "$PGDATA_DIR"
    (( IS_ROOT )) && chown postgres: "$PGDATA_DIR"
    as_pg "$PG_BIN/initdb" -D "$PGDATA_DIR" -U "$PG_SUPERUSER" -E UTF8 --locale=C.UTF-8 \
      --auth-local=peer --auth-host=scram-sha-256 >> "$pglog" 2>&1 \
      || die "initdb failed; see $pglog"
    rm -f "$LOCAL/airflow-migrated"
  fi
  if pg_running; then
    say "postgres already running (port $PG_PORT)"
  else
    if port_busy "$PG_PORT"; then
      die "postgres: port $PG_PORT is already in use: $(ss -Hltnp "sport = :$PG_PORT" | head -1) (set GROUNDWORK_PG_PORT)"
    fi
    say "starting postgres on 127.0.0.1:$PG_PORT"
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$pglog" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_SOCK -c max_connections=200 -c synchronous_commit=off" \
      start >/dev/null || die "postgres did not start; see $pglog"
  fi
  # Role + database (idempotent); the password always follows .local/secrets/pg_password.
  local pw; pw="$(secret pg_password)"
  as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U "$PG_SUPERUSER" -d postgres >/dev/null <<SQL \
    || die "could not create role/database airflow; see $pglog"
SELECT 'CREATE ROLE airflow LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'airflow') \gexec
ALTER ROLE airflow WITH LOGIN PASSWORD '$pw';
SELECT 'CREATE DATABASE airflow OWNER airflow ENCODING ''UTF8''' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'airflow') \gexec
SQL
}

pg_down() {
  [[ -f "$PGDATA_DIR/PG_VERSION" ]] || return 0
  if pg_running; then
    say "stopping postgres"
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w -t 60 stop >/dev/null || say "pg_ctl stop failed; see $(logfile postgres)"
  fi
}

# ---------------------------------------------------------------------------------------------
standin_healthy() { curl -fsS -m 2 "$STANDIN_URL/_standin/health" >/dev/null 2>&1; }

standin_up() {
  local record_flag=()
  [[ "${GROUNDWORK_STANDIN_RECORD:-0}" == 1 ]] && record_flag=(--record)
  start_bg standin "$STANDIN_PORT" "$PY" -m groundwork_standin serve --host 127.0.0.1 --port "$STANDIN_PORT" \
    --record-file "$RECORD_FILE" "${record_flag[@]}"
}

# `airflow db migrate` only when the schema is not the one this Airflow version last migrated to.
db_migrate() {
  local version rev stamp="$LOCAL/airflow-migrated"
  version="$("$PY" -c 'import importlib.metadata as m; print(m.version("apache-airflow-core"))')"
  rev="$(as_pg "$PG_BIN/psql" -X -qtA -h "$PG_SOCK" -p "$PG_PORT" -U "$PG_SUPERUSER" -d airflow \
          -c 'SELECT version_num FROM alembic_version' 2>/dev/null || true)"
  if [[ -n "$rev" && -f "$stamp" && "$(cat "$stamp")" == "$version $rev" ]]; then
    say "database schema current (airflow $version, revision $rev)"
    return 0
  fi
  say "airflow db migrate (log ${LOGS#"$ROOT"/}/db-migrate.log)"
  printf '\n===== db migrate %s =====\n' "$(date -Is)" >> "$LOGS/db-migrate.log"
  "$AIRFLOW_BIN" db migrate >> "$LOGS/db-migrate.log" 2>&1 || { tail -n 30 "$LOGS/db-migrate.log" >&2; die "airflow db migrate failed; see $LOGS/db-migrate.log"; }
  rev="$(as_pg "$PG_BIN/psql" -X -qtA -h "$PG_SOCK" -p "$PG_PORT" -U "$PG_SUPERUSER" -d airflow \
          -c 'SELECT version_num FROM alembic_version')"
  printf '%s %s\n' "$version" "$rev" > "$stamp"
}

airflow_up() {
  start_bg api-server "$AIRFLOW_PORT" "$AIRFLOW_BIN" api-server --host 127.0.0.1 --port "$AIRFLOW_PORT"
  start_bg scheduler "" "$AIRFLOW_BIN" scheduler --skip-serve-logs
  start_bg dag-processor "" "$AIRFLOW_BIN" dag-processor
  start_bg triggerer "" "$AIRFLOW_BIN" triggerer --skip-serve-logs
}

# Health: our processes alive, stand-in answers, and /api/v2/monitor/health reports metadatabase,
# scheduler, triggerer and dag_processor healthy with a heartbeat newer than the moment we started
# that component, so a job row left behind by an earlier (killed) run does not count.
started_at() {  # started_at <name> -> epoch seconds when we started it (0 if unknown)
  local pid st ep
  { read -r pid st ep < "$(pidfile "$1")"; } 2>/dev/null || true
  printf '%s' "${ep:-0}"
}

health_report() {  # prints "ok" or the names of unhealthy components
  local body
  body="$(curl -fsS -m 3 "$AIRFLOW_URL/api/v2/monitor/health" 2>/dev/null)" || { printf 'api-server'; return 0; }
  GW_SINCE_scheduler="$(started_at scheduler)" GW_SINCE_triggerer="$(started_at triggerer)" \
  GW_SINCE_dag_processor="$(started_at dag-processor)" "$PY" -c '
import json, os, sys
from datetime import datetime
h = json.loads(sys.stdin.read()); bad = []
if h.get("metadatabase", {}).get("status") != "healthy": bad.append("postgres")
for k, name in (("scheduler", "scheduler"), ("triggerer", "triggerer"), ("dag_processor", "dag-processor")):
    c = h.get(k) or {}; hb = c.get("latest_%s_heartbeat" % k)
    since = float(os.environ["GW_SINCE_" + k]) - 2
    if c.get("status") != "healthy" or not hb or datetime.fromisoformat(hb).timestamp() < since: bad.append(name)
print(" ".join(bad) or "ok", end="")' <<< "$body"
}

fail_component() {  # fail_component <name> <why>
  local log; log="$(logfile "$1")"
  [[ "$1" == postgres ]] || [[ -f "$log" ]] || log="$LOGS"
  {
    printf '[stack] ERROR: %s: %s\n' "$1" "$2"
    if [[ -f "$log" ]]; then
      printf '[stack] ---- last lines of %s (this start only) ----\n' "$log"
      awk '/^===== .* start /{buf=""; n=0} {lines[n++]=$0} END{s=(n>25)?n-25:0; for(i=s;i<n;i++) print "    " lines[i]}' "$log"
    fi
    printf '[stack] full log: %s\n' "$log"
    printf '[stack] whatever did start is left running: `scripts/stack.sh up` waits again, `scripts/stack.sh down` stops it\n'
  } >&2
  exit 1
}

wait_healthy() {
  local deadline=$((SECONDS + UP_TIMEOUT)) c rep="starting"
  while :; do
    for c in standin "${AIRFLOW_COMPONENTS[@]}"; do
      running "$c" >/dev/null || fail_component "$c" "process exited during start-up"
    done
    pg_running || fail_component postgres "postgres is not running"
    if standin_healthy; then
      rep="$(health_report)"
      [[ "$rep" == ok ]] && return 0
    else
      rep="standin"
    fi
    if (( SECONDS >= deadline )); then
      local first=${rep%% *}
      fail_component "$first" "not healthy after ${UP_TIMEOUT}s (unhealthy: $rep); health: $(curl -fsS -m 3 "$AIRFLOW_URL/api/v2/monitor/health" 2>&1 || true)"
    fi
    sleep 1
  done
}

# Every listening socket of our processes must be on 127.0.0.1.
check_loopback_only() {
  local c pid stack_pids=" " line bad=""
  for c in standin "${AIRFLOW_COMPONENTS[@]}"; do
    pid="$(running "$c")" || continue
    stack_pids+="$(session_members "$pid" | cut -d: -f1 | tr '\n' ' ')"
  done
  if [[ -f "$PGDATA_DIR/postmaster.pid" ]]; then stack_pids+="$(head -1 "$PGDATA_DIR/postmaster.pid") "; fi
  while read -r line; do
    [[ "$line" =~ pid=([0-9]+) ]] || continue
    [[ "$stack_pids" == *" ${BASH_REMATCH[1]} "* ]] || continue
    [[ "$(awk '{print $4}' <<< "$line")" == 127.0.0.1:* ]] || bad+="$line"$'\n'
  done < <(ss -Hltnp)
  if [[ -n "$bad" ]]; then
    say "WARNING: stack processes listen beyond loopback:"; printf '%s' "$bad" >&2
  else
    say "all listening sockets of the stack are on 127.0.0.1"
  fi
}

print_summary() {
  printf '\nAirflow UI:   %s   (api: %s/api/v2, token: POST %s/auth/token)\n' "$AIRFLOW_URL" "$AIRFLOW_URL" "$AIRFLOW_URL"
  printf 'AWS stand-in: %s   (moto; reset: python -m groundwork_standin reset --endpoint %s)\n' "$STANDIN_URL" "$STANDIN_URL"
  printf 'PostgreSQL:   127.0.0.1:%s db airflow user airflow (password in .local/secrets/pg_password)\n' "$PG_PORT"
  printf 'DAGs folder:  %s\n' "$DAGS_FOLDER"
  printf 'Users (from %s):\n' "${SECRETS#"$ROOT"/}/passwords.json"
  GW_USERS="$AIRFLOW_USERS" "$PY" -c '
import json, os, sys
pw = json.load(open(sys.argv[1]))
for e in os.environ["GW_USERS"].split(","):
    u, _, role = e.partition(":")
    print("  %-10s %-9s %s" % (u, role, pw.get(u, "?")))' "$SECRETS/passwords.json"
  printf 'Shell:        eval "$(scripts/stack.sh env)"\n'
}

# `up` on a running stack must not silently ignore a different explicit setting.
check_settings_unchanged() {
  [[ -f "$SETTINGS_FILE" && -n "$EXPLICIT_SETTINGS" ]] || return 0
  local c any=0 line n v saved
  for c in standin "${AIRFLOW_COMPONENTS[@]}"; do running "$c" >/dev/null && any=1; done
  ((any)) || return 0
  while IFS= read -r line; do
    n=${line%%=*}; v=${line#*=}
    # shellcheck disable=SC1090
    saved="$(unset "$n"; source "$SETTINGS_FILE"; printf '%s' "${!n:-}")"
    if [[ "$saved" != "$v" ]]; then
      die "the stack is running with $n=$saved; run scripts/stack.sh down first to use $n=$v"
    fi
  done <<< "$EXPLICIT_SETTINGS"
}

save_settings() {
  {
    printf '# settings of the running stack (written by scripts/stack.sh up, removed by down)\n'
    printf '[[ -n "${%s:-}" ]] || %s=%s\n' \
      GROUNDWORK_PG_PORT GROUNDWORK_PG_PORT "$(shq "$PG_PORT")" \
      GROUNDWORK_STANDIN_PORT GROUNDWORK_STANDIN_PORT "$(shq "$STANDIN_PORT")" \
      GROUNDWORK_AIRFLOW_PORT GROUNDWORK_AIRFLOW_PORT "$(shq "$AIRFLOW_PORT")" \
      GROUNDWORK_DAGS_FOLDER GROUNDWORK_DAGS_FOLDER "$(shq "$DAGS_FOLDER")" \
      GROUNDWORK_PLUGINS_FOLDER GROUNDWORK_PLUGINS_FOLDER "$(shq "$PLUGINS_FOLDER")" \
      GROUNDWORK_PARALLELISM GROUNDWORK_PARALLELISM "$(shq "$PARALLELISM")" \
      GROUNDWORK_MIN_FILE_PROCESS_INTERVAL GROUNDWORK_MIN_FILE_PROCESS_INTERVAL "$(shq "$MIN_FILE_PROCESS_INTERVAL")" \
      GROUNDWORK_AIRFLOW_USERS GROUNDWORK_AIRFLOW_USERS "$(shq "$AIRFLOW_USERS")"
  } > "$SETTINGS_FILE"
}

# ---------------------------------------------------------------------------------------------
cmd_up() {
  local t0=$SECONDS
  ensure_venv
  ensure_secrets
  [[ -f "$RUN/token" ]] || { (umask 077; head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$RUN/token"); }
  compute_env

  [[ -d "$DAGS_FOLDER" ]] || say "WARNING: DAGs folder $DAGS_FOLDER does not exist"
  check_settings_unchanged
  save_settings
  pg_up
  standin_up
  db_migrate
  airflow_up
  say "waiting for health (timeout ${UP_TIMEOUT}s)"
  wait_healthy
  say "healthy after $((SECONDS - t0))s"
  check_loopback_only
  print_summary
}

cmd_down() {
  local c i
  if [[ -d "$RUN" ]]; then
    stop_bg 30 "${AIRFLOW_COMPONENTS[@]}" standin
    reap_strays
  fi
  pg_down
  rm -f "$SETTINGS_FILE"
  say "stack is down"
}

cmd_status() {
  local c pid rc=0
  printf '%-14s %-9s %-8s %s\n' COMPONENT STATE PID DETAIL
  if pg_running; then
    printf '%-14s %-9s %-8s %s\n' postgres running "$(head -1 "$PGDATA_DIR/postmaster.pid" 2>/dev/null)" "127.0.0.1:$PG_PORT"
  else
    printf '%-14s %-9s %-8s %s\n' postgres stopped - -; rc=3
  fi
  for c in standin "${AIRFLOW_COMPONENTS[@]}"; do
    if pid="$(running "$c")"; then
      local d; d="log ${LOGS#"$ROOT"/}/$c.log"
      [[ "$c" == standin ]] && d="$STANDIN_URL $(standin_healthy && echo ok || echo 'not answering'), $d"
      [[ "$c" == api-server ]] && d="$AIRFLOW_URL, $d"
      printf '%-14s %-9s %-8s %s\n' "$c" running "$pid" "$d"
    else
      printf '%-14s %-9s %-8s %s\n' "$c" stopped - -; rc=3
    fi
  done
  if body="$(curl -fsS -m 3 "$AIRFLOW_URL/api/v2/monitor/health" 2>/dev/null)"; then
    printf 'health: %s\n' "$body"
  fi
  exit $rc
}

cmd_env() {
  ensure_secrets
  compute_env
  local n
  for n in "${ENV_NAMES[@]}"; do printf 'export %s=%s\n' "$n" "$(shq "${!n}")"; done
  for n in "${SHELL_ONLY_NAMES[@]}"; do printf 'export %s=%s\n' "$n" "$(shq "$(shell_only_value "$n")")"; done
  printf 'export PATH=%s:"$PATH"\n' "$(shq "$VENV/bin")"
}

# Keep the caller's PYTHONPATH behind ours (captured before compute_env overwrites it).
GW_ORIG_PYTHONPATH="${PYTHONPATH:-}"
# Never pass AWS credentials/endpoints/profiles from the caller's shell to the components (they
# must reach AWS only through the aws_default connection, i.e. the stand-in); `env` prints the
# shell-side AWS_* values itself.
unset AWS_ENDPOINT_URL AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY \
  AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE AWS_REGION AWS_DEFAULT_REGION

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
