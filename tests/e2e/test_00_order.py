"""Phase order on the real stack: with no successful run of the phases before it, a later phase
triggered by hand fails at its `gate` before any AWS call, and nothing after the gate runs.

Covers every phase DAG after phase 1 that exists in dags/. It deletes the earlier phases' runs over
REST (so the database holds no success for them) and forgets them in `completed_phases`, so that
later test files run them again through `ensure_phase`; the phases it triggers are paused again
afterwards, so that no later Asset event starts them behind a test's back."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from groundwork.phases import PHASES
from groundwork_standin.recording import Recorder

from tests.conftest import ROOT

pytestmark = pytest.mark.e2e
LATER = [d for d in PHASES[1:] if (ROOT / "dags" / f"{d}.py").exists()]


def _delete_runs(admin, dag_id: str) -> None:
    while True:
        runs = admin.request("GET", f"/dags/{dag_id}/dagRuns", params={"limit": 100}).json()["dag_runs"]
        if not runs:
            return
        for run in runs:
            admin.request("DELETE", f"/dags/{dag_id}/dagRuns/{quote(run['dag_run_id'], safe='')}", expect=(204,))


@pytest.mark.parametrize("dag_id", LATER)
def test_a_later_phase_triggered_first_fails_at_its_gate_without_touching_aws(stack, completed_phases, dag_id):
    admin = stack.client("admin")
    admin.wait_for_dag(dag_id)
    for earlier in PHASES[: PHASES.index(dag_id)]:
        if (ROOT / "dags" / f"{earlier}.py").exists():
            _delete_runs(admin, earlier)
        completed_phases.pop(earlier, None)
    recorder = Recorder(stack.standin_url)
    recorder.start()
    try:
        admin.unpause(dag_id)
        run_id = admin.trigger(dag_id)
        state = admin.wait_for_run(dag_id, run_id, timeout=180)
        calls = recorder.calls()
    finally:
        recorder.stop()
        admin.request("PATCH", f"/dags/{dag_id}", json={"is_paused": True})
    states = admin.task_states(dag_id, run_id)
    assert state == "failed", states
    assert states.pop("gate") == "failed"
    assert set(states.values()) <= {"upstream_failed", None}, states
    assert calls == []
    log = admin.task_log(dag_id, run_id, "gate")
    assert f"{dag_id} must run after" in log
