#!/usr/bin/env bash
# The whole test suite: unit, DAG integrity, stand-in, and end-to-end on a real Airflow + stand-in
# (started by the tests themselves in .local/e2e on their own ports, stopped at the end).
#   scripts/test.sh                 everything
#   scripts/test.sh -m "not e2e"    the fast part only (any pytest arguments pass through)
# Two pytest workers: one runs the end-to-end tests in order on the one stack, the other runs every
# other test meanwhile (tests/e2e/conftest.py groups them); "-n 0" runs everything in one process.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
scripts/setup.sh
exec .venv/bin/python -m pytest -n 2 --dist loadgroup "$@"
