#!/usr/bin/env bash
# The main job on the embedded default: set up, start PostgreSQL + the AWS stand-in + Airflow,
# roll out the phases through Airflow's REST API (approvals answered as the approver), print what
# was built, and leave the UI up.
#   scripts/demo.sh                     approvals answered automatically as the approver
#   scripts/demo.sh --manual-approvals  you approve in the UI (Browse > Required Actions)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
scripts/setup.sh
scripts/stack.sh up
eval "$(scripts/stack.sh env)"
.venv/bin/python -m groundwork validate
.venv/bin/python -m groundwork_ops.rollout --url "$GROUNDWORK_AIRFLOW_URL" \
  --passwords "$GROUNDWORK_STATE_DIR/secrets/passwords.json" "$@"
cat <<MSG

The Airflow UI stays up at $GROUNDWORK_AIRFLOW_URL (users and passwords above; approver = "approver").
Rerun a phase from the UI (it plans nothing and changes nothing), or stop everything with:
  scripts/stack.sh down
MSG
