"""promote_artifact parses, without AWS, into the environments of the config in order: each one's deploy
task mapped over its accounts, after one approval where the environment requires it."""

import copy

import pytest

from tests.conftest import ROOT
from tests.dags.parse import parse_refusing_aws

MULTI = ROOT / "config" / "examples" / "multi_account_production.yaml"


@pytest.fixture(scope="module")
def dag():
    return parse_refusing_aws(ROOT / "dags" / "promote_artifact.py").dags["promote_artifact"]


@pytest.fixture(scope="module")
def multi_dag():
    """Built from config/examples/multi_account_production.yaml: dev, test, staging, production (two accounts)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FOUNDATION_CONFIG", str(MULTI))
        return parse_refusing_aws(ROOT / "dags" / "promote_artifact.py").dags["promote_artifact"]


def mapped_over(task) -> list[str]:
    assert type(task).__name__ == "MappedOperator" and task.operator_class.__name__ == "StackReleaseOperator", task
    return task.expand_input.value["account_name"]


def assert_chain(dag, order):
    for upstream, downstream in zip(order, order[1:]):
        assert downstream in dag.get_task(upstream).downstream_task_ids, (upstream, downstream)


def test_promotion_order(dag):
    order = ["ready", "targets", "verify_artifact", "deploy_development", "deploy_staging", "status_production",
             "approve_production", "deploy_production", "report"]
    assert_chain(dag, order)
    assert set(dag.task_ids) == set(order) | {"rollback_production"}
    # after production's deploys, whatever their outcome: return the updated accounts if one failed
    rollback = dag.get_task("rollback_production")
    assert rollback.upstream_task_ids == {"deploy_production"} and rollback.trigger_rule == "all_done_min_one_success"
    assert mapped_over(rollback) == ["Production"] and rollback.partial_kwargs["mode"] == "rollback"
    assert "rollback_production" not in dag.get_task("report").upstream_task_ids
    # production is deployed only after the approval, and the same verified artifact feeds every deployment
    assert {"approve_production", "verify_artifact"} <= dag.get_task("deploy_production").upstream_task_ids
    for env in ("development", "staging", "production"):
        assert "verify_artifact" in dag.get_task(f"deploy_{env}").upstream_task_ids
        assert mapped_over(dag.get_task(f"deploy_{env}")) == [env.capitalize()]
    assert not any(t.task_id.startswith("approve_") for t in dag.get_task("deploy_staging").upstream_list)


def test_a_two_account_production_is_deployed_together_after_one_approval(multi_dag):
    dag = multi_dag
    order = ["ready", "targets", "verify_artifact", "deploy_dev", "deploy_test", "status_staging", "approve_staging",
             "deploy_staging", "status_production", "approve_production", "deploy_production", "report"]
    assert_chain(dag, order)
    # one deploy task per environment, never one per account; a rollback after each guarded one
    assert set(dag.task_ids) == set(order) | {"rollback_staging", "rollback_production"}
    assert mapped_over(dag.get_task("deploy_production")) == ["Production A", "Production B"]
    assert mapped_over(dag.get_task("deploy_test")) == ["Test"]
    deploy = dag.get_task("deploy_production")
    assert deploy.upstream_task_ids == {"approve_production", "verify_artifact"}
    assert deploy.max_active_tis_per_dagrun is None  # the accounts together, not one after the other
    assert "{{ task.account_name }}" == deploy.partial_kwargs["map_index_template"]
    # staging requires an approval (requires_approval: true); dev and test need none
    assert [t for t in dag.task_ids if t.startswith("approve_")] == ["approve_staging", "approve_production"]


def test_not_a_phase_tags_and_settings(dag):
    assert dag.schedule is None or str(dag.timetable.summary) in ("None", "")
    assert set(dag.tags) == {"groundwork", "promotion"}
    assert dag.catchup is False and dag.max_active_runs == 1
    # retrying cannot change their answer; a failed stack operation is a person's call (clear to retry)
    once = {"ready", "targets", "verify_artifact", "approve_production", "deploy_development", "deploy_staging",
            "deploy_production", "rollback_production"}
    for task in dag.tasks:  # other AWS work (status, report) is retried
        assert task.retries == (0 if task.task_id in once else 2), task.task_id


def test_the_approval_is_assigned_shows_the_artifact_and_fails_on_reject(dag):
    approve = dag.get_task("approve_production")
    assert approve.start_from_trigger and approve.OPTIONS == ["Approve", "Reject"]  # approvers: at run time
    assert approve.retries == 0
    assert "status_production" in approve.body and "markdown" in approve.body
    assert "every account of production" in approve.body


def test_trigger_form_params(dag):
    params = dag.params
    assert params.get_param("artifact_key").schema["type"] == ["null", "string"]  # see test_integrity
    assert params.get_param("artifact_key").schema["minLength"] == 1
    assert params["expected_digest"] == ""
    assert params.validate() == {"artifact_key": None, "expected_digest": ""}


def validated(dag, conf: dict) -> dict:
    """The DAG's Params with a trigger's conf, validated as Airflow does when a run is created."""
    params = copy.deepcopy(dag.params)
    for key, value in conf.items():
        params[key] = value
    return params.validate()


GOOD_DIGEST = "sha256:" + "0123456789abcdef" * 4


@pytest.mark.parametrize("conf", [
    {"artifact_key": "app/app-1.4.2.tar.gz"},
    {"artifact_key": "app-1.4.2.tar.gz", "expected_digest": GOOD_DIGEST},
    {"artifact_key": "builds/2026/12/03/app_(x86)+1.tar.gz", "expected_digest": ""},
])
def test_the_trigger_form_accepts_an_s3_key_and_a_sha256_digest(dag, conf):
    assert validated(dag, conf)["artifact_key"] == conf["artifact_key"]


@pytest.mark.parametrize("conf", [
    {"artifact_key": ""},
    {"artifact_key": "/app/app.tar.gz"},
    {"artifact_key": "app/"},
    {"artifact_key": "app//app.tar.gz"},
    {"artifact_key": "app/app 1.tar.gz"},
    {"artifact_key": "a" * 1025},
    {"artifact_key": "app/app.tar.gz", "expected_digest": "0123456789abcdef" * 4},  # no sha256: prefix
    {"artifact_key": "app/app.tar.gz", "expected_digest": "sha256:" + "0123456789ABCDEF" * 4},
    {"artifact_key": "app/app.tar.gz", "expected_digest": "sha256:abc"},
    {"artifact_key": "app/app.tar.gz", "expected_digest": "md5:" + "0" * 32},
])
def test_the_trigger_form_refuses_a_malformed_key_or_digest(dag, conf):
    from airflow.sdk.definitions.param import ParamValidationError

    with pytest.raises(ParamValidationError):
        validated(dag, conf)
