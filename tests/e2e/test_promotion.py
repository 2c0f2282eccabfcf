"""Promotion through a real Airflow on the stand-in: an artifact uploaded to the artifact store is
verified, deployed to development and staging, shown to the approver with what runs in production,
and deployed to production's account(s) (a task mapped over them) on approval. A rejected promotion
fails the run, says who rejected, and leaves production on the digest it had."""

from __future__ import annotations

import hashlib
import json
import pytest


from tests.e2e.cicd_helpers import account_ids, as_role, client, member

DAG = "promote_artifact"
APPROVE = "approve_production"
pytestmark = pytest.mark.e2e


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


def record(stack, ids, env_account: str) -> dict | None:
    ssm = client(stack, member(stack, ids[env_account]), "ssm")
    try:
        return json.loads(ssm.get_parameter(Name="/groundwork/deployment/current")["Parameter"]["Value"])
    except ssm.exceptions.ParameterNotFound:
        return None


def start(stack, key: str) -> str:
    admin = stack.client("admin")
    run_id = admin.trigger(DAG, conf={"artifact_key": key})
    admin.wait_for_approval(DAG, run_id, APPROVE, timeout=600)
    return run_id


def test_an_approved_promotion_deploys_the_same_digest_everywhere(stack, ids):
    digest = upload(stack, ids, "app/app-1.0.0.tar.gz", b"app 1.0.0\n")
    run_id = start(stack, "app/app-1.0.0.tar.gz")
    assert record(stack, ids, "Development")["digest"] == digest and record(stack, ids, "Staging")["digest"] == digest
    assert record(stack, ids, "Production") is None
    approver, admin = stack.client("approver"), stack.client("admin")
    [pending] = approver.pending_approvals(DAG, run_id)
    assert digest in pending["body"] and "app/app-1.0.0.tar.gz" in pending["body"]
    assert "| production | Production | nothing yet |" in pending["body"]
    approver.answer(DAG, run_id, APPROVE, "Approve")
    assert admin.wait_for_run(DAG, run_id, timeout=600) == "success", admin.task_states(DAG, run_id)
    assert record(stack, ids, "Production")["digest"] == digest
    report = admin.xcom(DAG, run_id, "report")  # {environment: {account: record}}
    assert {env: list(accounts) for env, accounts in report.items()} == {
        "development": ["Development"], "staging": ["Staging"], "production": ["Production"]}
    assert {r["digest"] for accounts in report.values() for r in accounts.values()} == {digest}


def test_a_rejected_promotion_leaves_production_untouched_and_fails(stack, ids):
    before = record(stack, ids, "Production")
    assert before is not None, "runs after the approved promotion"
    digest = upload(stack, ids, "app/app-2.0.0.tar.gz", b"app 2.0.0\n")
    run_id = start(stack, "app/app-2.0.0.tar.gz")
    approver, admin = stack.client("approver"), stack.client("admin")
    [pending] = approver.pending_approvals(DAG, run_id)
    assert before["digest"] in pending["body"]  # what runs in production now
    approver.answer(DAG, run_id, APPROVE, "Reject")
    assert admin.wait_for_run(DAG, run_id, timeout=600) == "failed"
    states = admin.task_states(DAG, run_id)
    deploys = {state for task, state in states.items() if task.split("[")[0] == "deploy_production"}  # mapped
    assert states[APPROVE] == "failed" and deploys <= {"upstream_failed", None}
    assert "rejected by approver" in admin.task_log(DAG, run_id, APPROVE)
    assert record(stack, ids, "Staging")["digest"] == digest
    assert record(stack, ids, "Production") == before
