#!/usr/bin/env bash
# The whole test suite: unit, DAG integrity, stand-in, and end-to-end on a real Airflow + stand-in
# (started by the tests themselves in .local/e2e on their own ports, stopped at the end).
#   scripts/test.sh                 everything
#   scripts/test.sh -m "not e2e"    the fast part only (any pytest arguments pass through)
# Three pytest workers: two run the end-to-end tests in order, each group on a stack of its own
# (tests/e2e/ and tests/e2e/fresh_aws/), the third runs every other test meanwhile (tests/conftest.py
# groups them); "-n 0" runs everything in one process.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
scripts/setup.sh
exec .venv/bin/python -m pytest -n 3 --dist loadgroup "$@"
