"""phase3_network parses into the promised shape: gated on phase 2, approval only on the way to
the hub step, the per-account VPC step mapped at run time, the phase Asset published last."""

from tests.dags.test_integrity import dagbag  # noqa: F401  (the shared, AWS-refusing DagBag)

DAG_ID = "phase3_network"


def test_schedule_tags_and_approval(dagbag):
    dag = dagbag.dags[DAG_ID]
    assert {"groundwork", "phase3"} <= set(dag.tags)
    assert dag.timetable.asset_condition.name == "groundwork_phase2_identity"  # scheduled on phase 2's Asset
    approve = dag.get_task("approve")
    assert approve.start_from_trigger and approve.OPTIONS == ["Approve", "Reject"]  # approvers: at run time
    assert "markdown" in approve.body
    assert [o.name for o in dag.get_task("publish").outlets] == ["groundwork_phase3_network"]


def test_per_account_step_is_mapped_and_deferrable(dagbag):
    dag = dagbag.dags[DAG_ID]
    ensure = dag.get_task("ensure_vpc")
    assert type(ensure).__name__ == "MappedOperator"
    assert "EnsureVpcOperator" in str(ensure.operator_class)
