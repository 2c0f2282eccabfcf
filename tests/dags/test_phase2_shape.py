"""phase2_identity parses into the promised shape: gated on phase 1 and scheduled on its Asset,
approval only on the way to the directory step, the per-account assignment step mapped at run time
and deferrable, the phase Asset published last."""

from tests.dags.test_integrity import dagbag  # noqa: F401  (the shared, AWS-refusing DagBag)

DAG_ID = "phase2_identity"


def test_schedule_tags_and_approval(dagbag):
    dag = dagbag.dags[DAG_ID]
    assert set(dag.tags) == {"groundwork", "phase2"}
    assert dag.timetable.asset_condition.name == "groundwork_phase1_foundation"  # scheduled on phase 1's Asset
    approve = dag.get_task("approve")
    assert approve.start_from_trigger and approve.OPTIONS == ["Approve", "Reject"]  # approvers: at run time
    assert "markdown" in approve.body
    assert dag.get_task("gate").retries == 0
    assert [o.name for o in dag.get_task("publish").outlets] == ["groundwork_phase2_identity"]


def test_per_account_step_is_mapped_and_deferrable(dagbag):
    dag = dagbag.dags[DAG_ID]
    ensure = dag.get_task("ensure_assignments")
    assert type(ensure).__name__ == "MappedOperator"
    assert "EnsureAssignmentsOperator" in str(ensure.operator_class)


def test_the_probe_resolves():
    from groundwork.phases import identity
    from groundwork_airflow.identity_assignments import PROBE
    from groundwork_airflow.triggers import resolve_probe

    assert resolve_probe(PROBE) is identity.assignments_settled
