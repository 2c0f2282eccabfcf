"""promote_artifact parses, without AWS, into dev -> staging -> approval -> prod, from the config."""

import pytest

from tests.conftest import ROOT
from tests.dags.parse import parse_refusing_aws


@pytest.fixture(scope="module")
def dag():
    return parse_refusing_aws(ROOT / "dags" / "promote_artifact.py").dags["promote_artifact"]


def test_promotion_order(dag):
    order = ["ready", "verify_artifact", "deploy_development", "deploy_staging", "status_production",
             "approve_production", "deploy_production", "report"]
    for upstream, downstream in zip(order, order[1:]):
        assert downstream in dag.get_task(upstream).downstream_task_ids, (upstream, downstream)
    # production is deployed only after the approval, and the same verified artifact feeds every deployment
    assert {"approve_production", "verify_artifact"} <= dag.get_task("deploy_production").upstream_task_ids
    for env in ("development", "staging", "production"):
        assert "verify_artifact" in dag.get_task(f"deploy_{env}").upstream_task_ids
    assert not any(t.task_id.startswith("approve_") for t in dag.get_task("deploy_staging").upstream_list)


def test_not_a_phase_tags_and_settings(dag):
    assert dag.schedule is None or str(dag.timetable.summary) in ("None", "")
    assert set(dag.tags) == {"groundwork", "promotion"}
    assert dag.catchup is False and dag.max_active_runs == 1
    once = {"ready", "verify_artifact", "approve_production"}  # retrying cannot change their answer
    for task in dag.tasks:  # AWS work (deploy, status, report) is retried
        assert task.retries == (0 if task.task_id in once else 2), task.task_id


def test_the_approval_is_assigned_shows_the_artifact_and_fails_on_reject(dag):
    approve = dag.get_task("approve_production")
    assert approve.start_from_trigger and approve.OPTIONS == ["Approve", "Reject"]  # approvers: at run time
    assert approve.retries == 0
    assert "status_production" in approve.body and "markdown" in approve.body


def test_trigger_form_params(dag):
    params = dag.params
    assert params.get_param("artifact_key").schema["type"] == ["null", "string"]  # see test_integrity
    assert params.get_param("artifact_key").schema["minLength"] == 1
    assert params["expected_digest"] == ""
    assert "pattern" in params.get_param("expected_digest").schema
