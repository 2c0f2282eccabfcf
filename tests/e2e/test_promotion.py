"""Promotion of CloudFormation bundles through a real Airflow on the stand-in, with the main
stack's layout (tests/e2e/conftest.py: dev -> test -> staging -> production of two accounts):

1. version 1 goes dev -> test -> staging -> approval -> both production accounts; every account
   runs the stack, its outputs read back there, created with the account's CloudFormation role;
2. version 2 fails in staging (its staging configuration names a reserved SSM parameter):
   CloudFormation rolls staging back, the deploy task names the stack and the failing resource, and
   nothing after it runs: production still runs version 1;
3. version 3 is rejected at production's approval: production is left as it was;
4. version 4 fails in one production account only (both ask for one S3 bucket name, which only one
   account can have): the account that got it is returned to version 1, so production never runs
   two versions."""

from __future__ import annotations

import hashlib
import json

import pytest

from groundwork.stack_deploy import make_bundle
from tests.e2e.cicd_helpers import account_ids, as_role, client, member
from tests.e2e.conftest import main_config

DAG = "promote_artifact"
APPROVE = "approve_production"
CONFIG = main_config()
TARGETS = [(env.name, name) for env in CONFIG.cicd.environments for name in env.accounts]
PRODUCTION = [name for env, name in TARGETS if env == "production"]
pytestmark = pytest.mark.e2e

TEMPLATE = """\
Parameters:
  Environment: {Type: String}
  Version: {Type: String}
  Prefix: {Type: String, Default: /app}
Resources:
  Release:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub ${Prefix}/${Environment}/version
      Type: String
      Value: !Ref Version
  Work:
    Type: AWS::SQS::Queue
Outputs:
  Version: {Value: !Ref Version}
  Queue: {Value: !GetAtt Work.QueueName}
"""
ASSETS = TEMPLATE.replace("Outputs:", """\
  Assets:
    Type: AWS::S3::Bucket
    Properties: {BucketName: !Sub "groundwork-e2e-assets-${Environment}"}
Outputs:""")


@pytest.fixture(scope="module")
def ids(stack, ensure_phase):
    ensure_phase("phase5_cicd")
    admin = stack.client("admin")
    admin.wait_for_dag(DAG)
    admin.unpause(DAG)
    return account_ids(stack)


def upload(stack, ids, key: str, body: bytes) -> str:
    """A build's output: uploaded by the pipeline role with the digest it recorded."""
    shared = ids["Shared Services"]
    pipeline = as_role(stack, f"arn:aws:iam::{shared}:role/PipelineExecutionRole")
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    client(stack, pipeline, "s3").put_object(Bucket=f"groundwork-artifacts-{shared}-us-east-1", Key=key, Body=body,
                                             Metadata={"sha256": digest})
    return digest


def record(stack, ids, account: str) -> dict | None:
    ssm = client(stack, member(stack, ids[account]), "ssm")
    try:
        return json.loads(ssm.get_parameter(Name=CONFIG.cicd.record_parameter)["Parameter"]["Value"])
    except ssm.exceptions.ParameterNotFound:
        return None


def live_stack(stack, ids, account: str) -> dict:
    cfn = client(stack, member(stack, ids[account]), "cloudformation")
    [found] = cfn.describe_stacks(StackName=CONFIG.cicd.stack_name)["Stacks"]
    return {"status": found["StackStatus"], "role": found.get("RoleARN"),
            "digest": {t["Key"]: t["Value"] for t in found.get("Tags", [])}.get("groundwork:digest"),
            "outputs": {o["OutputKey"]: o["OutputValue"] for o in found.get("Outputs", [])}}


def promote(stack, key: str) -> str:
    return stack.client("admin").trigger(DAG, conf={"artifact_key": key})


def test_version_1_reaches_every_environment_in_order_and_both_production_accounts_after_approval(stack, ids):
    digest = upload(stack, ids, "app/app-1.zip", make_bundle(TEMPLATE, {"Version": "1"}))
    admin, approver = stack.client("admin"), stack.client("approver")
    run_id = promote(stack, "app/app-1.zip")
    admin.wait_for_approval(DAG, run_id, APPROVE, timeout=900)
    for env, name in TARGETS:
        if env != "production":
            assert record(stack, ids, name)["digest"] == digest, name
    assert [record(stack, ids, name) for name in PRODUCTION] == [None, None]
    [pending] = approver.pending_approvals(DAG, run_id)
    assert digest in pending["body"] and "| production | Production EU | nothing yet |" in pending["body"]
    approver.answer(DAG, run_id, APPROVE, "Approve")
    assert admin.wait_for_run(DAG, run_id, timeout=900) == "success", admin.task_states(DAG, run_id)

    for env, name in TARGETS:
        live = live_stack(stack, ids, name)
        assert live["status"] == "CREATE_COMPLETE" and live["digest"] == digest, (name, live)
        assert live["role"] == f"arn:aws:iam::{ids[name]}:role/{CONFIG.cicd.cloudformation_role_name}"
        assert live["outputs"]["Version"] == "1" and live["outputs"]["Queue"], (name, live)
        assert record(stack, ids, name)["stack"]["outputs"] == live["outputs"]
        ssm = client(stack, member(stack, ids[name]), "ssm")
        assert ssm.get_parameter(Name=f"/app/{env}/version")["Parameter"]["Value"] == "1"
    report = admin.xcom(DAG, run_id, "report")  # {environment: {account: record}}
    assert {env: sorted(accounts) for env, accounts in report.items()} == {
        "dev": ["Development"], "test": ["Sandbox"], "staging": ["Staging"], "production": sorted(PRODUCTION)}
    states = admin.task_states(DAG, run_id)
    assert {s for task, s in states.items() if task.startswith("rollback_production")} == {"skipped"}
    log = admin.task_log(DAG, run_id, "deploy_dev", map_index=0)
    assert f"stack {CONFIG.cicd.stack_name} in dev/Development: create started; waiting" in log
    assert "deployed " + digest + " in dev/Development" in log


def test_version_2_failing_in_staging_stops_there_and_production_keeps_version_1(stack, ids):
    v1 = record(stack, ids, "Production")["digest"]
    bundle = make_bundle(TEMPLATE, {"Version": "2"}, {"staging": {"Prefix": "/aws/app"}})  # names under /aws are AWS's
    digest = upload(stack, ids, "app/app-2.zip", bundle)
    admin = stack.client("admin")
    run_id = promote(stack, "app/app-2.zip")
    assert admin.wait_for_run(DAG, run_id, timeout=900) == "failed"
    states = admin.task_states(DAG, run_id)
    assert states["deploy_staging[0]"] == "failed", states
    assert states["deploy_dev[0]"] == states["deploy_test[0]"] == "success"
    assert states.get("approve_production") in ("upstream_failed", None)
    log = admin.task_log(DAG, run_id, "deploy_staging", map_index=0)
    assert f"stack {CONFIG.cicd.stack_name} in staging/Staging" in log and "UPDATE_ROLLBACK_COMPLETE" in log
    assert "Release (AWS::SSM::Parameter)" in log
    assert record(stack, ids, "Development")["digest"] == record(stack, ids, "Sandbox")["digest"] == digest
    staging = live_stack(stack, ids, "Staging")
    assert (staging["status"], staging["digest"], staging["outputs"]["Version"]) == ("UPDATE_ROLLBACK_COMPLETE", v1, "1")
    assert record(stack, ids, "Staging")["digest"] == v1
    for name in PRODUCTION:
        assert (live_stack(stack, ids, name)["digest"], record(stack, ids, name)["digest"]) == (v1, v1)


def test_a_rejected_promotion_leaves_production_as_it_was(stack, ids):
    before = {name: (record(stack, ids, name), live_stack(stack, ids, name)) for name in PRODUCTION}
    digest = upload(stack, ids, "app/app-3.zip", make_bundle(TEMPLATE, {"Version": "3"}))
    admin, approver = stack.client("admin"), stack.client("approver")
    run_id = promote(stack, "app/app-3.zip")
    admin.wait_for_approval(DAG, run_id, APPROVE, timeout=900)
    [pending] = approver.pending_approvals(DAG, run_id)
    assert before["Production"][0]["digest"] in pending["body"]  # what runs in production now
    approver.answer(DAG, run_id, APPROVE, "Reject")
    assert admin.wait_for_run(DAG, run_id, timeout=600) == "failed"
    states = admin.task_states(DAG, run_id)
    assert states[APPROVE] == "failed" and "rejected by approver" in admin.task_log(DAG, run_id, APPROVE)
    assert {s for task, s in states.items() if task.startswith("deploy_production")} <= {"upstream_failed", None}
    assert record(stack, ids, "Staging")["digest"] == digest
    assert {name: (record(stack, ids, name), live_stack(stack, ids, name)) for name in PRODUCTION} == before


def test_version_4_failing_in_one_production_account_returns_the_other_to_version_1(stack, ids):
    v1 = record(stack, ids, "Production")["digest"]
    digest = upload(stack, ids, "app/app-4.zip", make_bundle(ASSETS, {"Version": "4"}))
    admin, approver = stack.client("admin"), stack.client("approver")
    run_id = promote(stack, "app/app-4.zip")
    admin.wait_for_approval(DAG, run_id, APPROVE, timeout=900)
    approver.answer(DAG, run_id, APPROVE, "Approve")
    assert admin.wait_for_run(DAG, run_id, timeout=900) == "failed"
    states = admin.task_states(DAG, run_id)
    deploys = sorted(states[f"deploy_production[{i}]"] for i in range(len(PRODUCTION)))
    assert deploys == ["failed", "success"], states  # one S3 bucket name, two accounts
    assert sorted(states[f"rollback_production[{i}]"] for i in range(len(PRODUCTION))) == ["success", "success"]
    returned = []
    for name in PRODUCTION:
        live, now = live_stack(stack, ids, name), record(stack, ids, name)
        assert (live["digest"], live["outputs"]["Version"], now["digest"]) == (v1, "1", v1), (name, live)
        if now.get("previous", {}).get("digest") == digest:
            returned.append(name)
            assert now["note"].startswith(f"returned to {v1} because production's promotion of {digest}")
    assert len(returned) == 1, "exactly the account that got version 4 was returned"
    assert record(stack, ids, "Staging")["digest"] == digest
