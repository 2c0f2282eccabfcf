"""Phase order on the real stack: with no successful run of the phases before it, a later phase
triggered by hand fails at its `gate` before any AWS call, and nothing after the gate runs.

Covers every phase after phase 1. It deletes the earlier phases' runs over
REST (so the database holds no success for them) and forgets them in `completed_phases`, so that
later test files run them again through `ensure_phase`; the phases it triggers are paused again
afterwards, so that no later Asset event starts them behind a test's back."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from groundwork.phases import PHASES
from groundwork_standin.recording import Recorder


pytestmark = pytest.mark.e2e
LATER = list(PHASES[1:])


def _delete_runs(admin, dag_id: str) -> None:
    while True:
        runs = admin.request("GET", f"/dags/{dag_id}/dagRuns", params={"limit": 100}).json()["dag_runs"]
        if not runs:
            return
        for run in runs:
            admin.request("DELETE", f"/dags/{dag_id}/dagRuns/{quote(run['dag_run_id'], safe='')}", expect=(204,))


def test_later_phases_triggered_first_fail_at_their_gate_without_touching_aws(stack, completed_phases):
    """All four later phases triggered together (one wait instead of four), each checked alone."""
    admin = stack.client("admin")
    for dag_id in LATER:
        admin.wait_for_dag(dag_id)
    for earlier in PHASES[:-1]:
        _delete_runs(admin, earlier)
        completed_phases.pop(earlier, None)
    recorder = Recorder(stack.standin_url)
    recorder.start()
    runs = {}
    try:
        for dag_id in LATER:
            admin.unpause(dag_id)
            runs[dag_id] = admin.trigger(dag_id)
        ended = {dag_id: admin.wait_for_run(dag_id, run_id, timeout=300) for dag_id, run_id in runs.items()}
        calls = recorder.calls()
    finally:
        recorder.stop()
        for dag_id in LATER:
            admin.request("PATCH", f"/dags/{dag_id}", json={"is_paused": True})
    assert calls == []  # no phase reached AWS
    for dag_id, run_id in runs.items():
        states = admin.task_states(dag_id, run_id)
        assert ended[dag_id] == "failed", (dag_id, states)
        assert states.pop("gate") == "failed", dag_id
        assert set(states.values()) <= {"upstream_failed", None}, (dag_id, states)
        assert f"{dag_id} must run after" in admin.task_log(dag_id, run_id, "gate")
