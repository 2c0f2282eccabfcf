"""phase5_cicd parses, without AWS, into the shape every phase has."""

import pytest

from tests.conftest import ROOT
from tests.dags.parse import parse_refusing_aws


@pytest.fixture(scope="module")
def dag():
    return parse_refusing_aws(ROOT / "dags" / "phase5_cicd.py").dags["phase5_cicd"]


def test_scheduled_on_phase4_and_tagged(dag):
    assert dag.schedule.name == "groundwork_phase4_observability"
    assert set(dag.tags) == {"groundwork", "phase5"}
    assert dag.catchup is False and dag.max_active_runs == 1


def test_approval_and_publication(dag):
    approve = dag.get_task("approve")
    assert approve.start_from_trigger and approve.OPTIONS == ["Approve", "Reject"]  # approvers: at run time
    assert approve.retries == 0
    assert [o.name for o in dag.get_task("publish").outlets] == ["groundwork_phase5_cicd"]
    assert "MappedOperator" in type(dag.get_task("apply_environment")).__name__


def test_each_account_of_each_environment_is_one_mapped_item(dag):
    """apply_environment maps over '<environment>/<account>' items listed from the config at run time
    (groundwork.phases.cicd.environment_accounts), so a two-account production is two instances."""
    items = dag.get_task("environment_accounts")
    apply = dag.get_task("apply_environment")
    assert "environment_accounts" in apply.upstream_task_ids and "apply_pipeline" in items.upstream_task_ids
    assert apply.op_kwargs_expand_input.value["item"].operator is items
    assert apply.pool == "groundwork_iam"  # sized by operations.concurrency.iam (an Airflow pool)
