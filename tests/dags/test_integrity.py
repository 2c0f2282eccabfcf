"""Every DAG parses, without credentials and without touching AWS, into the shape we promise."""

import time

import botocore.client
import pytest

from groundwork.phases import PHASES, previous_phase
from groundwork.phases.spec import SPECS

from tests.conftest import ROOT

# Every phase of the spec, the promotion DAG and drift detection, no more and no less.
EXPECTED = set(PHASES) | {"promote_artifact", "foundation_drift"}


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    calls = []
    original = botocore.client.BaseClient._make_api_call

    def refuse(self, operation, params):
        calls.append(operation)
        raise AssertionError(f"AWS call {operation} at DAG parse time")

    botocore.client.BaseClient._make_api_call = refuse
    try:
        started = time.perf_counter()
        bag = DagBag(str(ROOT / "dags"))
        bag.parse_seconds = time.perf_counter() - started
    finally:
        botocore.client.BaseClient._make_api_call = original
    bag.aws_calls = calls
    return bag


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}


def test_dag_ids(dagbag):
    assert set(dagbag.dags) == EXPECTED


def test_no_aws_call_at_parse_time(dagbag):
    assert dagbag.aws_calls == []


@pytest.mark.parametrize("dag_id", PHASES)
def test_tags_retries_and_no_catchup(dagbag, dag_id):
    dag = dagbag.dags[dag_id]
    assert {"groundwork", dag_id.split("_")[0]} <= set(dag.tags)
    assert dag.catchup is False and dag.max_active_runs == 1
    once = {"gate", "validate", "needs_approval", "approve", "publish"}  # retrying cannot change their answer
    once |= {f"{t}_{s.task_id}" for s in SPECS[dag_id].steps if s.approval for t in ("approve",)}
    once |= {f"needs_{s.task_id}_approval" for s in SPECS[dag_id].steps if s.approval}
    for task in dag.tasks:
        assert task.retries == (0 if task.task_id in once else 2), task.task_id


@pytest.mark.parametrize("dag_id", PHASES)
def test_every_phase_runs_its_spec_in_order(dagbag, dag_id):
    """[gate] -> validate -> plan -> needs_approval -> approve -> each step (after its item list when
    mapped) -> verify -> publish; the branch skips the approval straight to the first step."""
    spec = SPECS[dag_id]
    order = ((["gate"] if previous_phase(dag_id) else []) + ["validate"] + (["preflight"] if spec.preflight else [])
             + ["plan", "needs_approval", "approve"])
    for step in spec.steps:
        if step.approval:  # its own plan and approval, the branch skipping straight to it
            order += [f"plan_{step.task_id}", f"needs_{step.task_id}_approval", f"approve_{step.task_id}"]
        order += [step.items_task, step.task_id] if step.each else [step.task_id]
    order += ["verify", "publish"]
    dag = dagbag.dags[dag_id]
    for upstream, downstream in zip(order, order[1:]):
        assert downstream in dag.get_task(upstream).downstream_task_ids, (upstream, downstream)
    assert spec.steps[0].task_id in dag.get_task("needs_approval").downstream_task_ids
    # a plan with nothing to change goes straight to verify, which runs after the steps or without them
    assert "verify" in dag.get_task("needs_approval").downstream_task_ids
    assert dag.get_task("verify").trigger_rule == "none_failed_min_one_success"
    for step in spec.steps:
        if step.approval:
            assert step.task_id in dag.get_task(f"needs_{step.task_id}_approval").downstream_task_ids
    assert dag.get_task(order[0]).upstream_task_ids == set() and len(dag.tasks) == len(order)


def test_phase1_shape(dagbag):
    dag = dagbag.dags["phase1_foundation"]
    approve = dag.get_task("approve")
    assert approve.start_from_trigger and approve.OPTIONS == ["Approve", "Reject"]  # approvers: at run time
    assert "markdown" in approve.body
    assert type(dag.get_task("ensure_account")).__name__ == "MappedOperator"
    publish = dag.get_task("publish")
    assert [o.name for o in publish.outlets] == ["groundwork_phase1_foundation"]


def test_every_phase_dag_has_exactly_the_tasks_its_spec_names(dagbag):
    from groundwork.phases import previous_phase
    from groundwork.phases.spec import SPECS
    from groundwork_airflow.phase_dag import WAITS

    for dag_id, spec in SPECS.items():
        expected = {"validate", "plan", "needs_approval", "approve", "verify", "publish"}
        expected |= {"gate"} if previous_phase(dag_id) else set()
        expected |= {"preflight"} if spec.preflight else set()
        expected |= {s.task_id for s in spec.steps} | {s.items_task for s in spec.steps if s.each}
        expected |= {f"{t}_{s.task_id}" for s in spec.steps if s.approval for t in ("plan", "approve")}
        expected |= {f"needs_{s.task_id}_approval" for s in spec.steps if s.approval}
        dag = dagbag.dags[dag_id]
        assert set(dag.task_ids) == expected, dag_id
        for step in spec.steps:
            task = dag.get_task(step.task_id)
            assert task.doc_md or step.wait, step.task_id
            if step.wait:
                assert WAITS[step.task_id].__name__ in str(getattr(task, "operator_class", type(task)))


def test_dags_with_an_approval_have_params_that_validate_without_conf(dagbag):
    """Airflow 3.3.2's triggerer renders a start_from_trigger task's context (our approvals) without
    the run's conf; a Param that does not validate then kills the whole triggerer process (seen in
    CI 2026-12-03 with promote_artifact's required artifact_key)."""
    checked = []
    for dag_id, dag in dagbag.dags.items():
        if any(getattr(t, "start_from_trigger", False) for t in dag.tasks):
            dag.params.validate()  # raises ParamValidationError when a Param needs a value
            checked.append(dag_id)
    assert "promote_artifact" in checked and "phase1_foundation" in checked
