"""Phase 5 and promotion with environments as a team has them (config/examples/multi_account_production.yaml):
dev -> test -> staging -> production, production made of two accounts. Every account of every environment
gets its own CloudFormation service role, deployment role, key and bucket; the artifact store names every
deployment role; change keys are stable and a converged rerun plans nothing; both production accounts are
deployed the same digest.

One phase 1 + phase 5 build per module (in-process moto); the tests only read it, or add deployments.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from groundwork import promotion, stack_deploy
from groundwork.config.loader import load_config, parse_config
from groundwork.phases import cicd
from groundwork.phases.foundation import NotConverged

from tests.conftest import ROOT
from tests.unit.conftest import in_process_aws
from tests.unit.reconcile.cicd_steps import (APP_TEMPLATE, EXTERNAL_ID, apply_all, deploy_until_done,
                                             foundation_done, ids)

MULTI = ROOT / "config" / "examples" / "multi_account_production.yaml"
ITEMS = ["dev/Development", "test/Test", "staging/Staging", "production/Production A", "production/Production B"]
GUARDED = {"Staging", "Production A", "Production B"}  # staging: requires_approval; production: production accounts


@pytest.fixture(scope="module")
def config():
    return load_config(MULTI)


@pytest.fixture(scope="module")
def built(config):
    """(context, the first plan) after phase 1 and an approved phase 5."""
    with in_process_aws() as ctx:
        foundation_done(ctx, config)
        first = cicd.plan(ctx, config, EXTERNAL_ID)
        apply_all(ctx, config, ids(first))
        ctx.calls.clear()
        yield ctx, first


def test_items_are_every_account_of_every_environment_in_promotion_order(config):
    assert cicd.environment_accounts(config) == ITEMS
    assert cicd.promotion_layout(config) == [
        ("dev", False, ["Development"]), ("test", False, ["Test"]), ("staging", True, ["Staging"]),
        ("production", True, ["Production A", "Production B"])]


def test_the_first_plan_gives_every_account_its_roles_a_key_and_a_bucket(built, config):
    ctx, first = built
    t = cicd.topology(ctx, config)
    assert [c.action for c in first.pending] == ["create"] * (1 + 4 * len(ITEMS) + 3)
    keys = {c.key: c for c in first.pending}
    for item in ITEMS:
        env, name = item.split("/")
        account = t.account_id(name)
        expected = [f"{name}/groundwork-cloudformation", f"{name}/DeploymentRole",
                    f"{name}/alias/groundwork-deploy-{env}", f"{name}/{t.deployment_bucket(env, account)}"]
        for key in expected:
            assert key in keys, key
            assert keys[key].production == (name in GUARDED), key
    assert cicd.needs_approval(first)


def test_both_production_accounts_have_their_own_role_key_and_bucket(built, config):
    ctx, _ = built
    t = cicd.topology(ctx, config)
    a, b = t.account_id("Production A"), t.account_id("Production B")
    assert t.environments["production"] == (a, b) and a != b
    for account in (a, b):
        role = ctx.client("iam", account_id=account).get_role(RoleName="DeploymentRole")["Role"]
        assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"AWS": t.pipeline_role_arn}
        permissions = json.dumps(ctx.client("iam", account_id=account).get_role_policy(
            RoleName="DeploymentRole", PolicyName="groundwork-permissions")["PolicyDocument"])
        other = b if account == a else a
        assert t.deployment_bucket("production", account) in permissions
        assert other not in permissions  # nothing in the other production account
        kms = ctx.client("kms", account_id=account)
        key_id = next(x["TargetKeyId"] for x in kms.list_aliases()["Aliases"]
                      if x["AliasName"] == "alias/groundwork-deploy-production")
        policy = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
        users = next(s for s in policy["Statement"] if s["Sid"] == "DeploymentRoleUsesKey")["Principal"]["AWS"]
        assert users == t.deployment_role_arn("production", account)
        buckets = {x["Name"] for x in ctx.client("s3", account_id=account).list_buckets()["Buckets"]}
        assert t.deployment_bucket("production", account) in buckets
        iam = ctx.client("iam", account_id=account)
        trust = iam.get_role(RoleName="groundwork-cloudformation")["Role"]["AssumeRolePolicyDocument"]
        assert trust["Statement"][0]["Condition"] == {"StringEquals": {"aws:SourceAccount": account}}
        cfn = json.dumps(iam.get_role_policy(RoleName="groundwork-cloudformation",
                                             PolicyName="groundwork-permissions")["PolicyDocument"])
        assert other not in cfn and t.keys_arn(account) in cfn
        assert t.stack_arn("production", account) in permissions
        assert t.cloudformation_role_arn("production", account) in permissions


def test_the_artifact_store_names_every_deployment_role(built, config):
    ctx, _ = built
    t = cicd.topology(ctx, config)
    roles = [f"arn:aws:iam::{t.account_id(item.split('/')[1])}:role/DeploymentRole" for item in ITEMS]
    assert t.deployment_role_arns == roles
    s3 = ctx.client("s3", account_id=t.shared_account)
    policy = json.loads(s3.get_bucket_policy(Bucket=t.artifact_bucket)["Policy"])
    readers = next(s for s in policy["Statement"] if s["Sid"] == "DeploymentRolesReadArtifacts")["Principal"]["AWS"]
    assert sorted(readers) == sorted(roles)
    pipeline = ctx.client("iam", account_id=t.shared_account).get_role_policy(
        RoleName="PipelineExecutionRole", PolicyName="groundwork-permissions")["PolicyDocument"]
    assume = next(s for s in pipeline["Statement"] if s["Sid"] == "AssumeDeploymentRoles")["Resource"]
    assert sorted(assume) == sorted(roles)


def test_change_keys_are_stable_and_a_converged_rerun_plans_and_mutates_nothing(built, config):
    ctx, first = built
    again = cicd.plan(ctx, config, EXTERNAL_ID)
    assert again.is_empty(), [c.summary() for c in again.pending]
    assert [(c.kind, c.key) for c in again.changes] == [(c.kind, c.key) for c in first.changes]
    apply_all(ctx, config, approved=set())
    assert ctx.mutating_calls() == []
    result = cicd.verify(ctx, config, EXTERNAL_ID)
    assert list(result["deployment_roles"]) == ITEMS
    assert result["deployment_roles"]["production/Production B"].startswith(
        f"arn:aws:sts::{cicd.topology(ctx, config).account_id('Production B')}:assumed-role/DeploymentRole/")


def test_an_item_the_config_does_not_have_is_refused(built, config):
    ctx, _ = built
    for item in ("production/Staging", "prod/Production A"):
        with pytest.raises(NotConverged, match="the config has no account"):
            cicd.apply_environment(ctx, config, item, set(), EXTERNAL_ID)
    with pytest.raises(ValueError, match="is not '<environment>/<account name>'"):
        cicd.apply_environment(ctx, config, "production", set(), EXTERNAL_ID)


def test_an_account_leaving_its_environment_has_its_roles_planned_for_removal(built):
    ctx, _ = built
    smaller = parse_config(MULTI.read_text().replace("accounts: [Production A, Production B]",
                                                     "accounts: [Production A]"))
    removed = cicd.plan_removed_environments(ctx, smaller)
    assert [c.key for c in removed] == ["Production B/DeploymentRole", "Production B/groundwork-cloudformation"]
    assert all(c.production for c in removed)
    pending = cicd.plan(ctx, smaller, EXTERNAL_ID).pending  # the artifact store stops naming it
    assert {c.key for c in pending} == {"Shared Services/PipelineExecutionRole",
                                        "Shared Services/alias/groundwork-artifacts",
                                        f"Shared Services/{cicd.topology(ctx, smaller).artifact_bucket}",
                                        "Shared Services/groundwork/app"}


# --------------------------------------------------------------------------- promotion
BODY = stack_deploy.make_bundle(APP_TEMPLATE, {"Version": "2.0.0"})
DIGEST = "sha256:" + hashlib.sha256(BODY).hexdigest()


def test_a_promotion_reaches_both_production_accounts_with_the_same_digest(built, config, monkeypatch):
    monkeypatch.setenv("GROUNDWORK_STANDIN_STACK_SECONDS", "0")
    ctx, _ = built
    t = cicd.topology(ctx, config)
    pipeline = promotion.pipeline_context(ctx, t)
    pipeline.client("s3").put_object(Bucket=t.artifact_bucket, Key="app/app-2.0.0.tar.gz", Body=BODY,
                                     Metadata={"sha256": DIGEST})
    artifact = promotion.resolve_artifact(pipeline, t, "app/app-2.0.0.tar.gz")
    for env, account in t.targets[:3]:  # dev, test, staging
        deploy_until_done(ctx, pipeline, t, env, account, artifact)
    records = promotion.status(pipeline, t, EXTERNAL_ID)
    assert list(records) == ["dev", "test", "staging", "production"]
    assert records["production"] == {"Production A": None, "Production B": None}
    assert promotion.behind(records, DIGEST) == ["production/Production A", "production/Production B"]
    text = promotion.approval_markdown(artifact, "production", records)
    assert "**About to deploy to production** (Production A, Production B)" in text
    for name in ("Production A", "Production B"):
        assert f"| production | {name} | nothing yet | |" in text
    assert "| staging | Staging | `" + DIGEST in text

    for account in t.accounts_of("production"):  # what the mapped deploy_production does, one account each
        result = deploy_until_done(ctx, pipeline, t, "production", account, artifact)
        assert result.changed and result.record["account"] == t.name_of(account)
        head = ctx.client("s3", account_id=account).head_object(
            Bucket=t.deployment_bucket("production", account), Key=promotion.deployed_key(artifact))
        assert head["SSEKMSKeyId"].endswith(f"{account}:alias/groundwork-deploy-production")
        record = json.loads(ctx.client("ssm", account_id=account).get_parameter(
            Name="/groundwork/deployment/current")["Parameter"]["Value"])
        assert (record["environment"], record["account"], record["digest"]) == (
            "production", t.name_of(account), DIGEST)
    records = promotion.status(pipeline, t, EXTERNAL_ID)
    assert promotion.behind(records, DIGEST) == []

    ctx.calls.clear()
    for env, account in t.targets:
        assert deploy_until_done(ctx, pipeline, t, env, account, artifact, run_id="run-2").changed is False
    assert ctx.mutating_calls() == []


def test_a_deployment_role_of_one_production_account_cannot_be_used_for_the_other(built, config):
    ctx, _ = built
    t = cicd.topology(ctx, config)
    a, b = t.accounts_of("production")
    with pytest.raises(KeyError, match="is not in environment staging"):
        t.deployment_role_arn("staging", a)
    assert t.deployment_role_arn("production", a) != t.deployment_role_arn("production", b)
