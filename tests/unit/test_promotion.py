"""Promotion against in-process moto: verify the digest, deploy the same bytes through the role
chain into each environment's account (re-encrypted with its key), record what runs; a rerun changes
nothing. Two production accounts: tests/unit/reconcile/test_cicd_layout.py."""

import hashlib
import json

import pytest

from groundwork import promotion
from groundwork.phases import cicd

from tests.unit.reconcile.cicd_steps import EXTERNAL_ID, apply_all, foundation_done, ids

BODY = b"release 1.4.2 build 881\n"
DIGEST = "sha256:" + hashlib.sha256(BODY).hexdigest()


@pytest.fixture
def env(ctx, foundation_config):
    foundation_done(ctx, foundation_config)
    apply_all(ctx, foundation_config, ids(cicd.plan(ctx, foundation_config, EXTERNAL_ID)))
    t = cicd.topology(ctx, foundation_config)
    pipeline = promotion.pipeline_context(ctx, t)
    pipeline.client("s3").put_object(Bucket=t.artifact_bucket, Key="app/app-1.4.2.tar.gz", Body=BODY,
                                     Metadata={"sha256": DIGEST})
    return ctx, t, pipeline


def test_verified_artifact_is_pinned_to_its_version(env):
    _, t, pipeline = env
    artifact = promotion.resolve_artifact(pipeline, t, "app/app-1.4.2.tar.gz")
    assert artifact.digest == DIGEST and artifact.size == len(BODY) and artifact.version_id
    assert promotion.resolve_artifact(pipeline, t, "app/app-1.4.2.tar.gz", DIGEST.removeprefix("sha256:")) == artifact


def test_a_wrong_or_missing_digest_or_artifact_is_refused(env):
    _, t, pipeline = env
    with pytest.raises(promotion.ArtifactError, match="does not match"):
        promotion.resolve_artifact(pipeline, t, "app/app-1.4.2.tar.gz", "sha256:" + "0" * 64)
    with pytest.raises(promotion.ArtifactError, match="no artifact"):
        promotion.resolve_artifact(pipeline, t, "app/missing.tar.gz")
    pipeline.client("s3").put_object(Bucket=t.artifact_bucket, Key="app/unsigned", Body=b"x")
    with pytest.raises(promotion.ArtifactError, match="no recorded digest"):
        promotion.resolve_artifact(pipeline, t, "app/unsigned")
    with pytest.raises(promotion.ArtifactError, match="not a sha256 digest"):
        promotion.resolve_artifact(pipeline, t, "app/unsigned", "md5:abc")


def test_promotion_deploys_the_same_digest_everywhere_and_a_rerun_changes_nothing(env):
    ctx, t, pipeline = env
    artifact = promotion.resolve_artifact(pipeline, t, "app/app-1.4.2.tar.gz")
    for name, account in t.targets:
        deployment = promotion.deployment_context(pipeline, t, name, account, EXTERNAL_ID)
        result = promotion.deploy(deployment, t, name, account, artifact, run_id="run-1")
        assert result["changed"] and result["record"]["digest"] == DIGEST
        s3 = ctx.client("s3", account_id=account)
        head = s3.head_object(Bucket=t.deployment_bucket(name, account), Key=promotion.deployed_key(artifact))
        assert head["ServerSideEncryption"] == "aws:kms"
        assert head["SSEKMSKeyId"].endswith(f"{account}:alias/groundwork-deploy-{name}")
        record = json.loads(ctx.client("ssm", account_id=account).get_parameter(
            Name="/groundwork/deployment/current")["Parameter"]["Value"])
        assert record["digest"] == DIGEST and record["environment"] == name
        assert record["account"] == t.name_of(account)
    status = promotion.status(pipeline, t, EXTERNAL_ID)
    assert {r["digest"] for accounts in status.values() for r in accounts.values()} == {DIGEST}
    assert promotion.behind(status, DIGEST) == []

    ctx.calls.clear()
    for name, account in t.targets:
        deployment = promotion.deployment_context(pipeline, t, name, account, EXTERNAL_ID)
        assert promotion.deploy(deployment, t, name, account, artifact, run_id="run-2")["changed"] is False
    assert ctx.mutating_calls() == []


def test_deploying_to_one_environment_leaves_the_others_untouched(env):
    _, t, pipeline = env
    artifact = promotion.resolve_artifact(pipeline, t, "app/app-1.4.2.tar.gz")
    account = t.account_id("Development")
    dev = promotion.deployment_context(pipeline, t, "development", account, EXTERNAL_ID)
    promotion.deploy(dev, t, "development", account, artifact)
    status = promotion.status(pipeline, t, EXTERNAL_ID)
    assert status == {"development": {"Development": status["development"]["Development"]},
                      "staging": {"Staging": None}, "production": {"Production": None}}
    assert status["development"]["Development"]["digest"] == DIGEST
    assert promotion.behind(status, DIGEST) == ["staging/Staging", "production/Production"]
    assert promotion.status(pipeline, t, EXTERNAL_ID, envs=["staging"]) == {"staging": {"Staging": None}}


def test_the_approval_shows_artifact_digest_and_what_runs_in_production(env):
    _, t, pipeline = env
    artifact = promotion.resolve_artifact(pipeline, t, "app/app-1.4.2.tar.gz")
    text = promotion.approval_markdown(artifact, "production", {
        "development": {"Development": {"digest": DIGEST, "artifact": artifact.source, "deployed_at": "t1"}},
        "production": {"Production": None},
    })
    assert DIGEST in text and artifact.source in text
    assert "**About to deploy to production** (Production)" in text
    assert "| production | Production | nothing yet | |" in text and "(this artifact)" in text


def test_a_wrong_external_id_cannot_reach_a_deployment_role(env):
    """Enforced by the stand-in (extension iam_policy_conditions) as AWS does; moto alone would not."""
    from botocore.exceptions import ClientError

    _, t, pipeline = env
    with pytest.raises(ClientError, match="AccessDenied"):
        promotion.deployment_context(pipeline, t, "production", t.account_id("Production"), "not-the-external-id")
