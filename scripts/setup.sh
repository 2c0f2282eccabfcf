#!/usr/bin/env bash
# Create .venv and install requirements-dev.txt (runtime requirements.txt + dev tools) and the
# project into it. Idempotent: reinstalls only when a requirements file or pyproject.toml changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"

pick_python() {
  for candidate in "${PYTHON:-}" python3.11 python3.12 python3.10 python3; do
    [[ -n "$candidate" ]] && command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys; sys.exit(not ((3, 10) <= sys.version_info[:2] <= (3, 13)))'; then
      echo "$candidate"; return
    fi
  done
  echo "[setup] ERROR: need Python 3.10-3.13 (Airflow 3.3); set PYTHON=/path/to/python3.11" >&2
  exit 1
}

if [[ ! -x .venv/bin/python ]]; then
  python="$(pick_python)"
  echo "[setup] creating .venv with $("$python" --version)" >&2
  "$python" -m venv .venv
fi
want="$(cat requirements.txt requirements-dev.txt pyproject.toml | sha256sum | cut -d' ' -f1)"
if [[ "$(cat .venv/.requirements.sha256 2>/dev/null)" != "$want" ]]; then
  echo "[setup] installing requirements-dev.txt (runtime + dev tools) and the project (editable) into .venv (about a minute the first time)" >&2
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r requirements-dev.txt
  .venv/bin/python -m pip install --quiet --no-deps -e .
  echo "$want" > .venv/.requirements.sha256
fi
echo "[setup] .venv ready" >&2

# The browser test (tests/e2e/fresh_aws/test_ui.py) drives Debian's chromium through Playwright; no browser
# is ever downloaded (never `playwright install`).
if [[ ! -x /usr/bin/chromium ]]; then
  if [[ "$(id -u)" -eq 0 ]]; then
    echo "[setup] installing chromium (apt) for the browser test" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  else
    echo "[setup] HINT: /usr/bin/chromium is missing, so tests/e2e/fresh_aws/test_ui.py will be skipped;" \
         "install it with: sudo apt-get install chromium (or run scripts/setup.sh as root)" >&2
  fi
fi

# The CeleryExecutor end-to-end test (tests/e2e/celery/) and GROUNDWORK_EXECUTOR=CeleryExecutor stacks
# run Debian's redis-server as the broker, started by the stack on its own port (never the system
# service).
if [[ ! -x /usr/bin/redis-server ]]; then
  if [[ "$(id -u)" -eq 0 ]]; then
    echo "[setup] installing redis-server (apt) for the CeleryExecutor stack" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server
  else
    echo "[setup] HINT: /usr/bin/redis-server is missing, so tests/e2e/celery/ will fail;" \
         "install it with: sudo apt-get install redis-server (or run scripts/setup.sh as root)" >&2
  fi
fi
