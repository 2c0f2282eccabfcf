"""The DAG builder turns one added spec entry into the phase's tasks: the list of items, the mapped
step after the others, verify after it (see tests/unit/phases/test_adding_a_step.py)."""

from groundwork_airflow.phase_dag import build_phase_dag
from tests.unit.phases.test_adding_a_step import WITH_PARAMETER


def test_one_spec_entry_becomes_a_mapped_step_before_verify():
    dag = build_phase_dag("phase1_foundation", WITH_PARAMETER)
    step = dag.get_task("apply_parameter")
    assert type(step).__name__.endswith("MappedOperator")
    assert "parameter_accounts" in step.upstream_task_ids
    assert "close_accounts" in dag.get_task("parameter_accounts").upstream_task_ids  # after the last step
    assert dag.get_task("verify").upstream_task_ids == {"apply_parameter"}
