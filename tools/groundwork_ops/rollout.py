"""Roll the phases out through Airflow's REST API, the way an operator would in the UI:
trigger, read the plan, approve as the assigned approver, wait, report.

    python -m groundwork_ops.rollout --url http://127.0.0.1:8080 --passwords .local/secrets/passwords.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from groundwork.config.loader import load_config
from groundwork.phases import PHASES
from groundwork_ops.airflow_client import AirflowClient, AirflowError
from groundwork_ops.summary import from_environment, rollout_summary

def approve_pending(client: AirflowClient, dag_id: str, run_id: str, answered: set, manual: bool, log,
                    answer_after: float = 0.0) -> None:
    """Answer every new request of the run as the approver, `answer_after` seconds after it shows
    (0: at once; the approval keeps an early answer, see groundwork_airflow.phase.PlanApproval)."""
    for detail in client.pending_approvals(dag_id, run_id):
        ti = detail["task_instance"]
        key = (ti["task_id"], ti.get("map_index", -1), ti.get("try_number"))
        if key in answered:
            continue
        answered.add(key)
        log(f"\n--- approval requested: {detail.get('subject')}\n{detail.get('body')}\n---")
        if manual:
            log(f"waiting for an approver to answer in the UI (Required Actions) for {dag_id} ...")
            continue
        time.sleep(answer_after)
        client.answer(dag_id, run_id, ti["task_id"], "Approve", map_index=ti.get("map_index", -1))
        log(f"approved as {client.username}")


def watch_run(admin: AirflowClient, approver: AirflowClient, dag_id: str, run_id: str, manual: bool,
              timeout: float, log, answer_after: float = 0.0) -> dict:
    """Answer the run's approvals as the approver (unless manual) until it ends; fail loudly."""
    answered: set = set()
    deadline = time.monotonic() + timeout
    while True:
        state = admin.run(dag_id, run_id)["state"]
        if state in ("success", "failed"):
            break
        if time.monotonic() > deadline:
            raise AirflowError(f"{dag_id} still {state} after {timeout}s")
        approve_pending(approver, dag_id, run_id, answered, manual, log, answer_after)
        time.sleep(0.5)
    states = admin.task_states(dag_id, run_id)
    log(f"{dag_id}: {state}")
    if state != "success":
        failed = [t for t, s in states.items() if s not in ("success", "skipped")]
        raise AirflowError(f"{dag_id} run {run_id} {state}; see the UI for tasks {failed}")
    retried = sorted(f"{ti['task_id']}[{ti['map_index']}]" if ti.get("map_index", -1) >= 0 else ti["task_id"]
                     for ti in admin.task_instances(dag_id, run_id) if (ti.get("try_number") or 0) > 1)
    if retried:
        log(f"{dag_id}: tasks that needed more than one try: {', '.join(retried)}")
    return {"run_id": run_id, "state": state, "retried": retried, "result": admin.xcom(dag_id, run_id, "verify")}


def run_phase(admin: AirflowClient, approver: AirflowClient, dag_id: str, manual: bool, timeout: float, log) -> dict:
    """Trigger one phase by hand and see it through."""
    admin.wait_for_dag(dag_id)
    admin.unpause(dag_id)
    run_id = admin.trigger(dag_id)
    log(f"{dag_id}: triggered run {run_id}")
    return watch_run(admin, approver, dag_id, run_id, manual, timeout, log)


def next_run(admin: AirflowClient, dag_id: str, known: set[str], timeout: float = 180) -> str:
    """The run the previous phase's Asset started (a run id not seen before)."""
    deadline = time.monotonic() + timeout
    while True:
        fresh = [r["dag_run_id"] for r in admin.runs(dag_id) if r["dag_run_id"] not in known]
        if fresh:
            return fresh[-1]
        if time.monotonic() > deadline:
            raise AirflowError(f"{dag_id} did not start from the previous phase's Asset within {timeout}s")
        time.sleep(1)


def roll_out(admin: AirflowClient, approver: AirflowClient, phases: list[str], manual: bool, timeout: float,
             log, answer_after: float = 0.0) -> dict:
    """Unpause the phases, trigger the first; each later one starts from its predecessor's Asset."""
    known = {}
    for dag_id in phases:
        admin.wait_for_dag(dag_id)
        known[dag_id] = {r["dag_run_id"] for r in admin.runs(dag_id)}
        admin.unpause(dag_id)
    results = {}
    for position, dag_id in enumerate(phases):
        if position == 0:
            run_id = admin.trigger(dag_id)
            log(f"{dag_id}: triggered run {run_id}")
        else:
            run_id = next_run(admin, dag_id, known[dag_id])
            log(f"{dag_id}: started by {phases[position - 1]}'s Asset, run {run_id}")
        results[dag_id] = watch_run(admin, approver, dag_id, run_id, manual, timeout, log, answer_after)
    return results


def deployed_phases(dags_folder: Path) -> list[str]:
    """The phases that have a DAG file, in roadmap order, up to the first one missing (a later
    phase waits for its predecessor's Asset, so it cannot run without it)."""
    present = []
    for dag_id in PHASES:
        if not (dags_folder / f"{dag_id}.py").exists():
            break
        present.append(dag_id)
    return present


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--passwords", type=Path, required=True, help="JSON {user: password}")
    parser.add_argument("--approver", default="approver")
    parser.add_argument("--phases", type=int, default=None, help="roll out phases 1..N (default: every phase deployed)")
    parser.add_argument("--manual-approvals", action="store_true", help="leave approvals to a person in the UI")
    parser.add_argument("--answer-after", type=float, default=0.0,
                        help="seconds between a request showing and the approver's answer (default: at once)")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds per phase")
    parser.add_argument("--dags-folder", type=Path, default=Path(__file__).resolve().parents[2] / "dags")
    args = parser.parse_args(argv)
    passwords = json.loads(args.passwords.read_text())
    admin = AirflowClient(args.url, "admin", passwords["admin"])
    approver = AirflowClient(args.url, args.approver, passwords[args.approver])
    phases = deployed_phases(args.dags_folder)[: args.phases]
    started = time.monotonic()
    results = roll_out(admin, approver, phases, args.manual_approvals, args.timeout, print, args.answer_after)
    print(f"\nrolled out {', '.join(results)} in {time.monotonic() - started:.1f}s")
    print("\nWhat exists now (read back from AWS):")
    config = load_config()  # $FOUNDATION_CONFIG or config/foundation.yaml: where to look, not what is there
    print(rollout_summary(from_environment(config.aws.home_region, config.aws.access_role_name), config))
    identity = (results.get("phase2_identity") or {}).get("result") or {}
    if identity:
        print(f"\nIdentity Center {identity.get('instance_arn')}: permission sets "
              f"{', '.join(identity.get('permission_sets', {}))}; groups {', '.join(identity.get('groups', {}))}; "
              f"{identity.get('assignments')} account assignments")
    print("\nEach phase's full verify result is in the UI: its run > verify > XCom.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
