"""Promotion against in-process moto: verify the digest, reach the deployment roles through the role
chain, read what runs where for the approver. The deploys themselves (CloudFormation stacks):
tests/unit/test_stack_deploy.py; two production accounts: tests/unit/reconcile/test_cicd_layout.py."""

import hashlib
import json

import pytest

from groundwork import promotion, stack_deploy
from groundwork.phases import cicd

from tests.unit.reconcile.cicd_steps import (APP_TEMPLATE, EXTERNAL_ID, apply_all, deploy_until_done,
                                             foundation_done, ids)

BODY = stack_deploy.make_bundle(APP_TEMPLATE, {"Version": "1.4.2"})
DIGEST = "sha256:" + hashlib.sha256(BODY).hexdigest()


@pytest.fixture
def env(ctx, foundation_config, monkeypatch):
    monkeypatch.setenv("GROUNDWORK_STANDIN_STACK_SECONDS", "0")
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


def test_deploying_to_one_environment_leaves_the_others_untouched(env):
    ctx, t, pipeline = env
    artifact = promotion.resolve_artifact(pipeline, t, "app/app-1.4.2.tar.gz")
    deploy_until_done(ctx, pipeline, t, "development", t.account_id("Development"), artifact)
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
