"""What a converged rerun of each phase costs through the real Airflow: wall time and every AWS
operation it sends to the stand-in (recorded by the stand-in itself, not by the product).

Needs a stack whose phases already succeeded (`scripts/demo.sh`), then:

    eval "$(scripts/stack.sh env)"
    .venv/bin/python bench/converged_reruns.py            # every phase, a markdown table per phase

A phase's rerun must ask no approval and send only reads; the script exits non-zero otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

from groundwork.phases import PHASES
from groundwork_ops.airflow_client import AirflowClient
from groundwork_standin.recording import Recorder


def quiet(admin: AirflowClient, timeout: float = 900) -> None:
    """Wait until no phase has a queued or running run (a success publishes an Asset that may have
    started the next phase)."""
    deadline = time.monotonic() + timeout
    while any(r["state"] in ("queued", "running") for dag_id in PHASES for r in admin.runs(dag_id)[:3]):
        if time.monotonic() > deadline:
            raise TimeoutError("phase runs still active")
        time.sleep(2)


def set_paused(admin: AirflowClient, dag_ids, paused: bool) -> None:
    for dag_id in dag_ids:
        admin.request("PATCH", f"/dags/{dag_id}", json={"is_paused": paused})


def rerun(admin: AirflowClient, recorder: Recorder, dag_id: str) -> tuple[float, str, Counter, list[str]]:
    """One phase alone: the others paused (nothing of theirs is running: see main), so its Asset
    starts nothing while it is recorded."""
    set_paused(admin, [d for d in PHASES if d != dag_id], True)
    set_paused(admin, [dag_id], False)
    recorder.start()
    started = time.monotonic()
    try:
        run_id = admin.trigger(dag_id)
        state = admin.wait_for_run(dag_id, run_id, timeout=900)
        calls = recorder.calls()
    finally:
        recorder.stop()
    seconds = time.monotonic() - started
    if admin.task_states(dag_id, run_id).get("approve") != "skipped":
        state = f"{state} (an approval was asked)"
    return seconds, state, Counter(f"{c.service}:{c.operation}" for c in calls), \
        sorted({f"{c.service}:{c.operation}" for c in calls if c.mutating})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("GROUNDWORK_AIRFLOW_URL", "http://127.0.0.1:8080"))
    parser.add_argument("--standin", default=os.environ.get("GROUNDWORK_STANDIN_URL", "http://127.0.0.1:5055"))
    state_dir = Path(os.environ.get("GROUNDWORK_STATE_DIR", ".local"))
    parser.add_argument("--passwords", type=Path, default=state_dir / "secrets" / "passwords.json")
    parser.add_argument("phases", nargs="*", default=list(PHASES))
    args = parser.parse_args(argv)
    admin = AirflowClient(args.url, "admin", json.loads(args.passwords.read_text())["admin"])
    recorder = Recorder(args.standin)
    failed = False
    print("| phase | rerun wall time | AWS calls | mutating |\n|---|---|---|---|")
    details = []
    unpaused = [d for d in PHASES if not admin.request("GET", f"/dags/{d}").json()["is_paused"]]
    quiet(admin)  # before pausing anything: a paused DAG's running run would never finish
    try:
        for dag_id in args.phases:
            seconds, state, counted, mutating = rerun(admin, recorder, dag_id)
            failed |= state != "success" or bool(mutating)
            print(f"| {dag_id} ({state}) | {seconds:.1f} s | {sum(counted.values())} | {len(mutating)} |", flush=True)
            details.append((dag_id, counted, mutating))
    finally:
        set_paused(admin, PHASES, True)
        set_paused(admin, unpaused, False)
    for dag_id, counted, mutating in details:
        print(f"\n{dag_id}: " + ", ".join(f"{op} x{n}" for op, n in sorted(counted.items())))
        if mutating:
            print(f"  MUTATING: {', '.join(mutating)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
