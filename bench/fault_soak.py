"""A full rollout from an empty stand-in while it fails a share of every AWS call, then a count of
what exists: does every phase converge, with nothing duplicated?

Faults (stand-in fault injection, in front of moto, every service and operation): throttling,
503s, and lost answers (the change is applied, the caller hears a 500), each with probability
p/3 per call, so about p of all calls fail. Airflow retries failed tasks (retries=2); a run that
still fails is cleared and rerun (up to --clears times), as an operator would. Then the faults are
dropped and AWS is read back: accounts, OUs, SCPs, every groundwork-tagged EC2 resource, KMS
keys, trails (groundwork_ops/census.py); each must exist exactly once.

    eval "$(scripts/stack.sh env)"
    .venv/bin/python bench/fault_soak.py --probability 0.3
"""

from __future__ import annotations

import argparse
import json
import os
import time
import urllib.request
from pathlib import Path

from groundwork.config.loader import load_config
from groundwork_ops.airflow_client import AirflowClient
from groundwork_ops.rollout import approve_pending, deployed_phases, next_run
from groundwork_standin.faults import FaultClient

from groundwork_ops.census import census, duplicates

ROOT = Path(__file__).resolve().parents[1]


def run_until_done(admin, approver, dag_id: str, known: set[str], clears: int, log) -> tuple[str, int]:
    """`known`: the phase's runs before the soak (a later phase's run starts from its predecessor's
    Asset, possibly before the predecessor's success is seen here)."""
    run_id = admin.trigger(dag_id) if dag_id == "phase1_foundation" else next_run(admin, dag_id, known, timeout=300)
    answered, cleared = set(), 0
    while True:
        state = admin.run(dag_id, run_id)["state"]
        if state == "success":
            return run_id, cleared
        if state == "failed":
            if cleared >= clears:
                return run_id, cleared
            failed = sorted({t.split("[")[0] for t, s in admin.task_states(dag_id, run_id).items() if s == "failed"})
            log(f"{dag_id}: failed at {failed}; clearing them and what follows (as an operator would)")
            admin.clear(dag_id, run_id, failed, only_failed=True)
            cleared += 1
        approve_pending(approver, dag_id, run_id, answered, False, lambda *_: None)
        time.sleep(2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probability", type=float, default=0.3)
    parser.add_argument("--clears", type=int, default=5)
    args = parser.parse_args()
    url, standin = os.environ["GROUNDWORK_AIRFLOW_URL"], os.environ["GROUNDWORK_STANDIN_URL"]
    state = Path(os.environ.get("GROUNDWORK_STATE_DIR", ROOT / ".local"))
    passwords = json.loads((state / "secrets" / "passwords.json").read_text())
    admin = AirflowClient(url, "admin", passwords["admin"])
    approver = AirflowClient(url, "approver", passwords["approver"])
    faults = FaultClient(standin)
    faults.clear()
    urllib.request.urlopen(urllib.request.Request(f"{standin}/moto-api/reset", data=b"", method="POST"), timeout=30).read()
    phases = deployed_phases(ROOT / "dags")
    known = {dag_id: {r["dag_run_id"] for r in admin.runs(dag_id)} for dag_id in phases}
    for dag_id in phases:
        admin.unpause(dag_id)
    faults.fail_a_share(args.probability)
    started, outcome = time.monotonic(), {}
    try:
        for dag_id in phases:
            run_id, cleared = run_until_done(admin, approver, dag_id, known[dag_id], args.clears, print)
            state = admin.run(dag_id, run_id)["state"]
            outcome[dag_id] = {"state": state, "clears": cleared}
            print(json.dumps({dag_id: outcome[dag_id]}), flush=True)
            if state != "success":
                break
    finally:
        fired = sum(r["fired"] for r in faults.rules())
        faults.clear()
    found = census(standin, load_config())
    dup = duplicates(found)
    print(json.dumps({"seconds": round(time.monotonic() - started), "faults_fired": fired, "outcome": outcome,
                      "duplicates": dup}, indent=1))
    return 0 if not dup and all(o["state"] == "success" for o in outcome.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
