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
    assert dag.get_task("verify").upstream_task_ids == {"apply_parameter", "needs_approval"}
    assert step.pool == "groundwork_iam"  # the spec entry names the kind of AWS work; the pool bounds it


def test_every_mapped_step_of_every_phase_is_bounded_by_a_pool_the_config_sizes():
    """No mapped per-account step runs unbounded: each names an Airflow pool, and the config's
    operations.concurrency has the size of every pool a phase uses."""
    from groundwork.config.loader import load_config
    from groundwork.phases.spec import SPECS
    from groundwork.pools import pools

    configured = pools(load_config())
    for dag_id in SPECS:
        dag = build_phase_dag(dag_id)
        mapped = [t for t in dag.tasks if type(t).__name__.endswith("MappedOperator")]
        assert mapped, dag_id
        for task in mapped:
            assert task.pool in configured, (dag_id, task.task_id, task.pool)
