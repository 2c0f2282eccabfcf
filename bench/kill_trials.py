"""SIGKILL the worker's task process at random points across all five phases, clear what was
killed as an operator would, and check every phase still converges with nothing duplicated.

From an empty stand-in, the phases roll out in order; during each phase's run, `--per-phase`
times, at a random moment, one running task instance (any task: plan, apply, a mapped account
step, an approval sensor...) has its process SIGKILLed (the pid Airflow records for it), then it is
cleared over the REST API once it has left `running` (failed or up for retry). Approvals are
answered as they appear. At the end, AWS is read back (groundwork_ops/census.py): each resource once.

    eval "$(scripts/stack.sh env)"
    .venv/bin/python bench/kill_trials.py --per-phase 4 --seed 7
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import time
import urllib.request
from pathlib import Path

from groundwork.config.loader import load_config
from groundwork_ops.airflow_client import AirflowClient
from groundwork_ops.rollout import approve_pending, deployed_phases, next_run

from groundwork_ops.census import census, duplicates

ROOT = Path(__file__).resolve().parents[1]
LEFT_RUNNING = {"failed", "up_for_retry", "success", "deferred", "up_for_reschedule"}


def label(ti: dict) -> str:
    return ti["task_id"] if ti.get("map_index", -1) < 0 else f"{ti['task_id']}[{ti['map_index']}]"


def kill_one(admin, dag_id: str, run_id: str, rng: random.Random) -> dict | None:
    running = [t for t in admin.task_instances(dag_id, run_id) if t["state"] == "running" and t.get("pid")]
    if not running:
        return None
    ti = rng.choice(running)
    try:
        os.kill(ti["pid"], signal.SIGKILL)
    except ProcessLookupError:
        return None  # it finished between the read and the kill
    return {"dag": dag_id, "task": label(ti), "task_id": ti["task_id"], "map_index": ti.get("map_index", -1),
            "try": ti.get("try_number")}


def clear_after_kill(admin, dag_id: str, run_id: str, kill: dict, timeout: float = 300) -> str:
    """Wait until the killed instance is no longer running, then clear it if it did not finish."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ti = next(t for t in admin.task_instances(dag_id, run_id)
                  if t["task_id"] == kill["task_id"] and t.get("map_index", -1) == kill["map_index"])
        if ti["state"] in LEFT_RUNNING or ti.get("try_number") != kill["try"]:
            if ti["state"] in ("failed", "up_for_retry"):
                target = [kill["task_id"]] if kill["map_index"] < 0 else [[kill["task_id"], kill["map_index"]]]
                admin.clear(dag_id, run_id, target, only_failed=False)
                return f"{ti['state']}, cleared"
            return ti["state"]
        time.sleep(1)
    return "still running"


def run_phase(admin, approver, dag_id: str, known: set[str], kills: int, rng: random.Random, log) -> dict:
    run_id = admin.trigger(dag_id) if dag_id == "phase1_foundation" else next_run(admin, dag_id, known, timeout=300)
    answered, done, clears, started = set(), [], 0, time.monotonic()
    next_kill = time.monotonic() + rng.uniform(1, 12)
    while True:
        state = admin.run(dag_id, run_id)["state"]
        if state == "success":
            return {"run": run_id, "state": state, "kills": done, "clears_of_failed_runs": clears,
                    "seconds": round(time.monotonic() - started)}
        if state == "failed":
            if clears >= 5:
                return {"run": run_id, "state": state, "kills": done, "clears_of_failed_runs": clears}
            failed = sorted({t["task_id"] for t in admin.task_instances(dag_id, run_id) if t["state"] == "failed"})
            admin.clear(dag_id, run_id, failed, only_failed=True)
            clears += 1
        if len(done) < kills and time.monotonic() >= next_kill:
            kill = kill_one(admin, dag_id, run_id, rng)
            if kill:
                kill["after_s"] = round(time.monotonic() - started, 1)
                kill["then"] = clear_after_kill(admin, dag_id, run_id, kill)
                log(json.dumps(kill))
                done.append(kill)
            next_kill = time.monotonic() + rng.uniform(1, 12)
        approve_pending(approver, dag_id, run_id, answered, False, lambda *_: None)
        time.sleep(0.3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-phase", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    url, standin = os.environ["GROUNDWORK_AIRFLOW_URL"], os.environ["GROUNDWORK_STANDIN_URL"]
    state = Path(os.environ.get("GROUNDWORK_STATE_DIR", ROOT / ".local"))
    passwords = json.loads((state / "secrets" / "passwords.json").read_text())
    admin = AirflowClient(url, "admin", passwords["admin"])
    approver = AirflowClient(url, "approver", passwords["approver"])
    urllib.request.urlopen(urllib.request.Request(f"{standin}/moto-api/reset", data=b"", method="POST"), timeout=30).read()
    phases = deployed_phases(ROOT / "dags")
    known = {dag_id: {r["dag_run_id"] for r in admin.runs(dag_id)} for dag_id in phases}
    for dag_id in phases:
        admin.unpause(dag_id)
    started, outcome = time.monotonic(), {}
    for dag_id in phases:
        outcome[dag_id] = run_phase(admin, approver, dag_id, known[dag_id], args.per_phase, rng, print)
        print(json.dumps({dag_id: {k: v for k, v in outcome[dag_id].items() if k != "kills"}}), flush=True)
        if outcome[dag_id]["state"] != "success":
            break
    found = census(standin, load_config())
    dup = duplicates(found)
    kills = [k for o in outcome.values() for k in o["kills"]]
    print(json.dumps({"seconds": round(time.monotonic() - started), "kills": len(kills),
                      "converged_phases": sum(o["state"] == "success" for o in outcome.values()),
                      "killed_tasks": sorted({k["task_id"] for k in kills}), "duplicates": dup}, indent=1))
    return 0 if not dup and all(o["state"] == "success" for o in outcome.values()) and len(outcome) == len(phases) else 1


if __name__ == "__main__":
    raise SystemExit(main())
