"""Phase 5 through a real Airflow on the stand-in: after phase 4, the plan asks for approval (it
touches production) and names where the ExternalId comes from without showing it; the approved run
builds the roles, keys, buckets and registry; the trust policy holds the stack's ExternalId; a
rerun asks nothing and makes no mutating call."""

from __future__ import annotations

import json
import pytest

from groundwork_standin.recording import Recorder

from tests.e2e.cicd_helpers import account_ids, client, external_id, fingerprint, member
from tests.e2e.conftest import main_config

DAG = "phase5_cicd"
pytestmark = pytest.mark.e2e
CONFIG = main_config()


@pytest.fixture(scope="module")
def first_run(stack, ensure_phase):
    ensure_phase("phase4_observability")
    admin = stack.client("admin")
    admin.wait_for_dag(DAG)
    admin.unpause(DAG)
    run_id = admin.trigger(DAG)
    admin.wait_for_approval(DAG, run_id, "approve")
    return run_id


def test_the_approval_names_the_external_id_source_and_never_its_value(stack, first_run):
    pending = stack.client("approver").pending_approvals(DAG, first_run)
    assert len(pending) == 1
    body = pending[0]["body"]
    assert "DeploymentRole **(production)**" in body and "PipelineExecutionRole" in body
    assert "ExternalId: from connection groundwork_external_id" in body
    assert external_id() not in body
    plan = stack.client("admin").xcom(DAG, first_run, "plan", key="changes")
    assert external_id() not in json.dumps(plan)


def test_the_approved_run_builds_the_deployment_foundation(stack, first_run, completed_phases):
    admin = stack.client("admin")
    stack.client("approver").answer(DAG, first_run, "approve", "Approve")
    assert admin.wait_for_run(DAG, first_run, timeout=600) == "success", admin.task_states(DAG, first_run)
    ids = account_ids(stack)
    shared = ids["Shared Services"]
    targets = {f"{env.name}/{name}": (env.name, name) for env in CONFIG.cicd.environments for name in env.accounts}
    assert len(targets) == 5  # dev, test, staging, and production's two accounts (tests/e2e/conftest.py)
    for env, name in targets.values():
        iam = client(stack, member(stack, ids[name]), "iam")
        trust = iam.get_role(RoleName="DeploymentRole")["Role"]["AssumeRolePolicyDocument"]["Statement"][0]
        assert trust["Principal"] == {"AWS": f"arn:aws:iam::{shared}:role/PipelineExecutionRole"}
        held = trust["Condition"]["StringEquals"]["sts:ExternalId"]
        assert fingerprint(held) == fingerprint(external_id()), "the trust policy holds another ExternalId"
        service_role = iam.get_role(RoleName=CONFIG.cicd.cloudformation_role_name)["Role"]
        [statement] = service_role["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Service": "cloudformation.amazonaws.com"}
        assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == ids[name]
        kms = client(stack, member(stack, ids[name]), "kms")
        assert any(a["AliasName"] == f"alias/groundwork-deploy-{env}" for a in kms.list_aliases()["Aliases"])
    shared_session = member(stack, shared)
    buckets = {b["Name"] for b in client(stack, shared_session, "s3").list_buckets()["Buckets"]}
    assert f"groundwork-artifacts-{shared}-us-east-1" in buckets
    repo = client(stack, shared_session, "ecr").describe_repositories()["repositories"]
    assert [(r["repositoryName"], r["imageTagMutability"]) for r in repo] == [("groundwork/app", "IMMUTABLE")]
    verified = admin.xcom(DAG, first_run, "verify")
    assert set(verified["deployment_roles"]) == set(targets)
    for task_id in ("plan", "apply_environment", "verify"):
        log = admin.task_log(DAG, first_run, task_id, map_index=0 if task_id == "apply_environment" else -1)
        assert external_id() not in log, f"the ExternalId is in the {task_id} log"
    completed_phases[DAG] = first_run


def test_a_second_run_asks_nothing_and_makes_no_mutating_call(stack, first_run):
    admin = stack.client("admin")
    assert admin.run(DAG, first_run)["state"] == "success"
    recorder = Recorder(stack.standin_url)
    recorder.start()
    try:
        run_id = admin.trigger(DAG)
        assert admin.wait_for_run(DAG, run_id, timeout=600) == "success", admin.task_states(DAG, run_id)
        calls = recorder.calls()
    finally:
        recorder.stop()
    assert admin.task_states(DAG, run_id)["approve"] == "skipped"
    targets = sum(len(env.accounts) for env in CONFIG.cicd.environments)
    # the pipeline role; each target's CloudFormation role, deployment role, key, bucket; the artifact store's 3
    assert admin.xcom(DAG, run_id, "plan", key="counts")["noop"] == 1 + 4 * targets + 3
    assert [c for c in calls if c.mutating] == []
    assert any(c.operation == "GetRole" for c in calls)
