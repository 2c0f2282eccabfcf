"""The order gate as Airflow runs it: what it records, when it passes, refuses or defers, and the
trigger that waits on the previous phase's run (the decision itself: tests/unit/phases/test_gates.py)."""

import time

import pytest
from airflow.sdk.exceptions import AirflowFailException, TaskDeferred

from groundwork.config.loader import load_config
from groundwork.phases.gates import LatestRun, owned_digest
from groundwork_airflow import gate as gate_module
from groundwork_airflow import phase
from groundwork_airflow.gate import PhaseGate, PhaseRunTrigger
from tests.plugins.test_phase import _collect

PHASE1_DIGEST = owned_digest(load_config(), "phase1_foundation")


@pytest.fixture
def airflow_state(monkeypatch):
    """The Variables the gate records and the previous phase's latest run, in memory."""
    state = {"recorded": {}, "latest": LatestRun(None)}
    monkeypatch.setattr(gate_module, "record_run",
                        lambda dag_id, run_id, digest: state["recorded"].__setitem__(dag_id, (run_id, digest)))
    monkeypatch.setattr(gate_module, "latest_run", lambda dag_id: state["latest"])
    return state


def _gate():
    return phase.gate("phase2_identity")


def test_the_gate_records_its_run_and_passes_on_a_current_success(airflow_state):
    airflow_state["latest"] = LatestRun("manual__1", "success", PHASE1_DIGEST)
    assert "succeeded on the current config" in _gate().execute({"run_id": "manual__9"})
    assert airflow_state["recorded"] == {
        "phase2_identity": ("manual__9", owned_digest(load_config(), "phase2_identity"))}


def test_the_gate_refuses_a_failed_or_stale_previous_run(airflow_state):
    airflow_state["latest"] = LatestRun("manual__1", "failed", PHASE1_DIGEST)
    with pytest.raises(AirflowFailException, match="manual__1 ended failed"):
        _gate().execute({"run_id": "r"})
    airflow_state["latest"] = LatestRun("manual__2", "success", "f" * 64)
    with pytest.raises(AirflowFailException, match="applied another config of aws, organization"):
        _gate().execute({"run_id": "r"})


def test_the_gate_defers_while_the_previous_phase_runs_then_decides_again(airflow_state):
    airflow_state["latest"] = LatestRun("manual__1", "running", PHASE1_DIGEST)
    with pytest.raises(TaskDeferred) as deferred:
        _gate().execute({"run_id": "r"})
    trigger, kwargs = deferred.value.trigger, deferred.value.kwargs
    assert isinstance(trigger, PhaseRunTrigger) and deferred.value.method_name == "resume"
    assert (trigger.dag_id, trigger.run_id) == ("phase1_foundation", "manual__1")
    twelve_hours = 12 * 3600  # operations.gate_wait_timeout's default
    assert abs(kwargs["deadline"] - (time.time() + twelve_hours)) < 60 and trigger.deadline == kwargs["deadline"]
    assert trigger.not_before >= time.time() + 14  # the resume floor
    # resumed: phase 1 succeeded meanwhile
    airflow_state["latest"] = LatestRun("manual__1", "success", PHASE1_DIGEST)
    assert "succeeded" in _gate().resume({"run_id": "r"}, {"state": "success"}, deadline=kwargs["deadline"])
    with pytest.raises(AirflowFailException, match="still running"):
        _gate().resume({"run_id": "r"}, {"state": "running", "run_id": "manual__1", "timed_out": True}, deadline=0)


def test_a_config_that_does_not_load_fails_the_gate_and_records_no_digest(airflow_state, monkeypatch, tmp_path):
    path = tmp_path / "foundation.yaml"
    path.write_text("organization: [unclosed\n")
    monkeypatch.setenv("FOUNDATION_CONFIG", str(path))
    with pytest.raises(AirflowFailException, match="the config does not load"):
        _gate().execute({"run_id": "manual__7"})
    assert airflow_state["recorded"] == {"phase2_identity": ("manual__7", None)}


def test_the_promotion_gate_follows_phase5_and_records_nothing(airflow_state):
    from groundwork_airflow.promotion_dag import ready

    gate = ready()
    assert (gate.task_id, gate.previous) == ("ready", "phase5_cicd")
    airflow_state["latest"] = LatestRun("manual__5", "success", owned_digest(load_config(), "phase5_cicd"))
    assert "succeeded" in gate.execute({"run_id": "promo"})
    assert airflow_state["recorded"] == {}


def test_the_trigger_fires_when_the_run_finishes_or_at_the_deadline(monkeypatch):
    states = iter(["queued", "running", "running", "success"])
    monkeypatch.setattr(gate_module, "run_state", lambda dag_id, run_id: next(states))
    trigger = PhaseRunTrigger("phase1_foundation", "manual__1", deadline=time.time() + 60, poll_interval=0)
    assert _collect(trigger) == {"state": "success", "run_id": "manual__1", "timed_out": False}

    monkeypatch.setattr(gate_module, "run_state", lambda dag_id, run_id: "running")
    late = PhaseRunTrigger("phase1_foundation", "manual__1", deadline=time.time() - 1, poll_interval=0)
    assert _collect(late)["timed_out"] is True
    path, kwargs = late.serialize()
    assert path == "groundwork_airflow.gate.PhaseRunTrigger" and PhaseRunTrigger(**kwargs).serialize() == (path, kwargs)


def test_run_state_is_the_plain_state_name_and_none_for_a_deleted_run(monkeypatch):
    from airflow.sdk.exceptions import AirflowRuntimeError, ErrorType
    from airflow.sdk.execution_time.comms import ErrorResponse
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance
    from airflow.utils.state import DagRunState

    monkeypatch.setattr(RuntimeTaskInstance, "get_dagrun_state", staticmethod(lambda dag_id, run_id: DagRunState.SUCCESS))
    assert gate_module.run_state("phase1_foundation", "manual__1") == "success"

    def deleted(dag_id, run_id):
        raise AirflowRuntimeError(ErrorResponse(error=ErrorType.API_SERVER_ERROR, detail={"status_code": 404}))

    monkeypatch.setattr(RuntimeTaskInstance, "get_dagrun_state", staticmethod(deleted))
    assert gate_module.run_state("phase1_foundation", "manual__1") is None


def test_validate_records_a_phase_run_and_nothing_for_drift_detection(airflow_state, monkeypatch):
    from types import SimpleNamespace

    monkeypatch.setattr(phase, "record_run", gate_module.record_run)  # the fixture's recorder
    phase.validate.function(dag=SimpleNamespace(dag_id="phase3_network"), run_id="manual__3")
    phase.validate.function(dag=SimpleNamespace(dag_id="foundation_drift"), run_id="scheduled__1")
    assert airflow_state["recorded"] == {"phase3_network": ("manual__3", owned_digest(load_config(), "phase3_network"))}
