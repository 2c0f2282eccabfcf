"""Every DAG parses, without credentials and without touching AWS, into the shape we promise."""

import time

import botocore.client
import pytest

from tests.conftest import ROOT

from groundwork.phases import PHASES

# Every phase that has a DAG file must parse into a DAG of that id; phase 1 always exists.
EXPECTED = {dag_id for dag_id in PHASES if (ROOT / "dags" / f"{dag_id}.py").exists()}
assert "phase1_foundation" in EXPECTED


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
    assert EXPECTED <= set(dagbag.dags)


def test_no_aws_call_at_parse_time(dagbag):
    assert dagbag.aws_calls == []


@pytest.mark.parametrize("dag_id", sorted(EXPECTED))
def test_tags_retries_and_no_catchup(dagbag, dag_id):
    dag = dagbag.dags[dag_id]
    assert {"groundwork", dag_id.split("_")[0]} <= set(dag.tags)
    assert dag.catchup is False and dag.max_active_runs == 1
    once = {"gate", "validate", "needs_approval", "approve", "publish"}  # retrying cannot change their answer
    for task in dag.tasks:
        assert task.retries == (0 if task.task_id in once else 2), task.task_id


def test_phase1_shape(dagbag):
    dag = dagbag.dags["phase1_foundation"]
    order = ["validate", "plan", "needs_approval", "approve", "apply_structure", "account_names",
             "ensure_account", "apply_policies", "verify", "publish"]
    for upstream, downstream in zip(order, order[1:]):
        assert downstream in dag.get_task(upstream).downstream_task_ids, (upstream, downstream)
    assert "apply_structure" in dag.get_task("needs_approval").downstream_task_ids  # skip approval when empty
    approve = dag.get_task("approve")
    assert approve.mode == "reschedule" and approve.OPTIONS == ["Approve", "Reject"]  # approvers: at run time
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
        expected |= {s.task_id for s in spec.steps} | {s.items_task for s in spec.steps if s.each}
        dag = dagbag.dags[dag_id]
        assert set(dag.task_ids) == expected, dag_id
        for step in spec.steps:
            task = dag.get_task(step.task_id)
            assert task.doc_md or step.wait, step.task_id
            if step.wait:
                assert WAITS[step.task_id].__name__ in str(getattr(task, "operator_class", type(task)))
