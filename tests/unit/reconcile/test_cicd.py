"""Phase 5 against in-process moto: what the first run builds, that a converged rerun mutates
nothing, that each resource kind's drift is planned and repaired, that every deployment target gets
the CloudFormation service role its stack is deployed through (and loses it with the target), and
that the ExternalId never appears in a plan."""

import json

import pytest

from groundwork.phases import cicd
from groundwork.plan.model import StalePlan
from groundwork.policy.cicd import CicdTopology

from tests.unit.reconcile.cicd_steps import EXTERNAL_ID, apply_all, foundation_done, ids


@pytest.fixture
def config(foundation_config):
    return foundation_config


@pytest.fixture
def ready(ctx, config):
    """Phase 1 applied (the accounts exist), nothing of phase 5 yet."""
    foundation_done(ctx, config)
    ctx.calls.clear()
    return ctx


@pytest.fixture
def built(ready, config):
    apply_all(ready, config, ids(cicd.plan(ready, config, EXTERNAL_ID)))
    ready.calls.clear()
    return ready


def topo(ctx, config) -> CicdTopology:
    return cicd.topology(ctx, config)


def member(ctx, service, account):
    return ctx.client(service, account_id=account)


def test_first_run_builds_everything_and_a_rerun_plans_and_mutates_nothing(ready, config):
    plan = cicd.plan(ready, config, EXTERNAL_ID)
    kinds = sorted((c.kind, c.key) for c in plan.pending)
    assert [c.action for c in plan.pending] == ["create"] * 16  # pipeline role, 3 x (2 roles, key, bucket), store
    assert {k for k, _ in kinds} == {"iam_role", "kms_key", "s3_bucket", "ecr_repository"}
    assert ("iam_role", "Shared Services/PipelineExecutionRole") in kinds
    assert {key for kind, key in kinds if kind == "iam_role"} == {
        "Shared Services/PipelineExecutionRole", "Development/DeploymentRole", "Staging/DeploymentRole",
        "Production/DeploymentRole", "Development/groundwork-cloudformation", "Staging/groundwork-cloudformation",
        "Production/groundwork-cloudformation"}
    keys = [c.key for c in plan.pending]  # each target's CloudFormation role comes before its deployment role
    for name in ("Development", "Staging", "Production"):
        assert keys.index(f"{name}/groundwork-cloudformation") + 1 == keys.index(f"{name}/DeploymentRole")
    assert cicd.needs_approval(plan)

    apply_all(ready, config, ids(plan))
    result = cicd.verify(ready, config, EXTERNAL_ID)
    assert set(result["deployment_roles"]) == {"development/Development", "staging/Staging", "production/Production"}
    assert result["external_id"] == "ExternalId: from connection groundwork_external_id"

    ready.calls.clear()
    again = cicd.plan(ready, config, EXTERNAL_ID)
    assert again.is_empty(), [c.summary() for c in again.pending]
    apply_all(ready, config, approved=set())
    assert ready.mutating_calls() == []
    assert ready.calls, "the rerun must still read AWS"


def test_the_external_id_is_in_the_trust_policy_but_never_in_a_plan_or_result(ready, config):
    plan = cicd.plan(ready, config, EXTERNAL_ID)
    text = json.dumps(plan.to_dict())
    assert EXTERNAL_ID not in text
    assert "ExternalId: from connection groundwork_external_id" in text
    apply_all(ready, config, ids(plan))
    assert EXTERNAL_ID not in json.dumps(cicd.verify(ready, config, EXTERNAL_ID))
    t = topo(ready, config)
    trust = member(ready, "iam", t.account_id("Production")).get_role(RoleName="DeploymentRole")["Role"][
        "AssumeRolePolicyDocument"]
    statement = trust["Statement"][0]
    assert statement["Principal"] == {"AWS": t.pipeline_role_arn}
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}


def test_a_rotated_external_id_is_an_update_of_the_deployment_roles_only(built, config):
    plan = cicd.plan(built, config, "rotated-external-id-77")
    assert sorted(c.key for c in plan.pending) == [
        "Development/DeploymentRole", "Production/DeploymentRole", "Staging/DeploymentRole"]
    change = plan.pending[0]
    assert "(a different ExternalId)" in change.before["trusted"]
    assert "from connection groundwork_external_id" in change.after["trusted"]
    assert EXTERNAL_ID not in json.dumps(plan.to_dict()) and "rotated-external-id-77" not in json.dumps(plan.to_dict())
    apply_all(built, config, ids(plan), external_id="rotated-external-id-77")
    assert cicd.plan(built, config, "rotated-external-id-77").is_empty()


def test_every_target_has_its_cloudformation_role_trusting_only_cloudformation_for_its_account(built, config):
    t = topo(built, config)
    assert len(t.targets) == 3
    for env, account in t.targets:
        iam = member(built, "iam", account)
        role = iam.get_role(RoleName="groundwork-cloudformation")["Role"]
        assert role["Arn"] == t.cloudformation_role_arn(env, account)
        assert role["AssumeRolePolicyDocument"]["Statement"] == [{
            "Sid": "CloudFormationAssumesRole", "Effect": "Allow",
            "Principal": {"Service": "cloudformation.amazonaws.com"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": account}}}]
        assert {"Key": "managed-by", "Value": "groundwork"} in iam.list_role_tags(RoleName="groundwork-cloudformation")[
            "Tags"]
        permissions = iam.get_role_policy(RoleName="groundwork-cloudformation",
                                          PolicyName="groundwork-permissions")["PolicyDocument"]
        by_sid = {s["Sid"]: s for s in permissions["Statement"]}
        assert by_sid["StackResources"]["Action"] == sorted(config.cicd.stack_actions)
        assert by_sid["AccountKeys"]["Resource"] == t.keys_arn(account)
        assert (by_sid["DenyIam"]["Effect"], by_sid["DenyIam"]["Action"]) == ("Deny", "iam:*")
        others = {a for _, a in t.targets} - {account}
        assert not any(other in json.dumps(permissions) for other in others)
        # the deployment role of the same target deploys its stack through exactly this role
        deploy = {s["Sid"]: s for s in iam.get_role_policy(RoleName="DeploymentRole",
                                                           PolicyName="groundwork-permissions")["PolicyDocument"][
            "Statement"]}
        assert deploy["DeployStack"]["Resource"] == t.stack_arn(env, account)
        assert deploy["PassCloudFormationRole"]["Resource"] == role["Arn"]
        assert deploy["PassCloudFormationRole"]["Condition"] == {
            "StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}}


def test_a_cloudformation_role_drifted_or_deleted_is_planned_and_repaired(built, config):
    t = topo(built, config)
    dev = member(built, "iam", t.account_id("Development"))
    dev.put_role_policy(RoleName="groundwork-cloudformation", PolicyName="groundwork-permissions",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                            {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}))
    prod = member(built, "iam", t.account_id("Production"))
    prod.delete_role_policy(RoleName="groundwork-cloudformation", PolicyName="groundwork-permissions")
    prod.delete_role(RoleName="groundwork-cloudformation")
    plan = cicd.plan(built, config, EXTERNAL_ID)
    assert sorted((c.action, c.key, c.production) for c in plan.pending) == [
        ("create", "Production/groundwork-cloudformation", True),
        ("update", "Development/groundwork-cloudformation", False)]
    apply_all(built, config, ids(plan))
    assert cicd.plan(built, config, EXTERNAL_ID).is_empty()


def test_an_account_leaving_the_environments_loses_both_roles_and_keeps_its_key(built, config):
    from groundwork.config.loader import parse_config

    from tests.conftest import ROOT

    text = (ROOT / "config" / "foundation.yaml").read_text()
    line = "    - {name: staging,     account: Staging}\n"
    assert text.count(line) == 1
    smaller = parse_config(text.replace(line, ""))
    t = topo(built, config)
    staging = member(built, "iam", t.account_id("Staging"))
    staging.create_role(RoleName="TeamCloudFormation", AssumeRolePolicyDocument="{}")  # not groundwork's
    removed = cicd.plan_removed_environments(built, smaller)
    assert [(c.action, c.key) for c in removed] == [
        ("delete", "Staging/DeploymentRole"), ("delete", "Staging/groundwork-cloudformation")]
    assert all("nothing can deploy" in c.note for c in removed)

    plan = cicd.plan(built, smaller, EXTERNAL_ID)  # the artifact store stops naming the staging role
    apply_all(built, smaller, ids(plan) | {c.id for c in removed})
    for name in ("DeploymentRole", "groundwork-cloudformation"):
        with pytest.raises(staging.exceptions.NoSuchEntityException):
            staging.get_role(RoleName=name)
    assert staging.get_role(RoleName="TeamCloudFormation")
    aliases = {a["AliasName"] for a in member(built, "kms", t.account_id("Staging")).list_aliases()["Aliases"]}
    assert "alias/groundwork-deploy-staging" in aliases
    assert cicd.plan_removed_environments(built, smaller) == []
    assert cicd.plan(built, smaller, EXTERNAL_ID).is_empty()
    for name in ("Development", "Production"):  # the targets that stay keep theirs
        assert member(built, "iam", t.account_id(name)).get_role(RoleName="groundwork-cloudformation")


def test_role_drift_is_repaired(built, config):
    t = topo(built, config)
    iam = member(built, "iam", t.account_id("Staging"))
    iam.put_role_policy(RoleName="DeploymentRole", PolicyName="groundwork-permissions",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                            {"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    plan = cicd.plan(built, config, EXTERNAL_ID)
    assert [(c.action, c.key) for c in plan.pending] == [("update", "Staging/DeploymentRole")]
    assert not cicd.needs_approval(plan)  # staging only: no production approval needed
    built.calls.clear()
    apply_all(built, config, ids(plan))
    assert [c.operation for c in built.mutating_calls()] == ["PutRolePolicy"]
    assert cicd.plan(built, config, EXTERNAL_ID).is_empty()


def test_key_policy_drift_is_repaired_and_needs_production_approval(built, config):
    t = topo(built, config)
    kms = member(built, "kms", t.account_id("Production"))
    key_id = next(a["TargetKeyId"] for a in kms.list_aliases()["Aliases"]
                  if a["AliasName"] == "alias/groundwork-deploy-production")
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}]}))
    kms.disable_key_rotation(KeyId=key_id)
    plan = cicd.plan(built, config, EXTERNAL_ID)
    assert [(c.action, c.key) for c in plan.pending] == [("update", "Production/alias/groundwork-deploy-production")]
    assert cicd.needs_approval(plan)
    built.calls.clear()
    apply_all(built, config, ids(plan))
    assert sorted(c.operation for c in built.mutating_calls()) == ["EnableKeyRotation", "PutKeyPolicy"]
    assert cicd.plan(built, config, EXTERNAL_ID).is_empty()


def test_bucket_drift_is_repaired(built, config):
    t = topo(built, config)
    s3 = member(built, "s3", t.shared_account)
    s3.delete_bucket_encryption(Bucket=t.artifact_bucket)
    s3.delete_bucket_policy(Bucket=t.artifact_bucket)
    s3.delete_public_access_block(Bucket=t.artifact_bucket)
    plan = cicd.plan(built, config, EXTERNAL_ID)
    assert [(c.action, c.kind) for c in plan.pending] == [("update", "s3_bucket")]
    built.calls.clear()
    apply_all(built, config, ids(plan))
    assert sorted(c.operation for c in built.mutating_calls()) == [
        "PutBucketEncryption", "PutBucketPolicy", "PutPublicAccessBlock"]
    assert cicd.plan(built, config, EXTERNAL_ID).is_empty()


def test_repository_drift_is_repaired(built, config):
    t = topo(built, config)
    ecr = member(built, "ecr", t.shared_account)
    ecr.put_image_tag_mutability(repositoryName="groundwork/app", imageTagMutability="MUTABLE")
    ecr.delete_repository_policy(repositoryName="groundwork/app")
    plan = cicd.plan(built, config, EXTERNAL_ID)
    assert [(c.action, c.key) for c in plan.pending] == [("update", "Shared Services/groundwork/app")]
    built.calls.clear()
    apply_all(built, config, ids(plan))
    assert sorted(c.operation for c in built.mutating_calls()) == ["PutImageTagMutability", "SetRepositoryPolicy"]
    assert cicd.plan(built, config, EXTERNAL_ID).is_empty()


def test_apply_refuses_changes_missing_from_the_approved_plan(ready, config):
    with pytest.raises(StalePlan):
        cicd.apply_pipeline(ready, config, approved=set())
    assert ready.mutating_calls() == []


def test_a_key_created_without_its_alias_is_resumed_not_repeated(ready, config):
    plan = cicd.plan(ready, config, EXTERNAL_ID)
    cicd.apply_pipeline(ready, config, ids(plan))
    t = topo(ready, config)
    kms = member(ready, "kms", t.account_id("Development"))
    kms.create_key(Description="cut short", Tags=[{"TagKey": "groundwork-alias",
                                                   "TagValue": "alias/groundwork-deploy-development"}])
    before = len(kms.list_keys()["Keys"])
    cicd.apply_environment(ready, config, "development/Development", ids(plan), EXTERNAL_ID)
    assert len(kms.list_keys()["Keys"]) == before


def test_plan_before_phase1_says_so(ctx, config):
    from groundwork.phases.foundation import NotConverged

    with pytest.raises(NotConverged):
        cicd.plan(ctx, config, EXTERNAL_ID)


@pytest.mark.parametrize("environ", [
    {"AIRFLOW_CONN_GROUNDWORK_EXTERNAL_ID": json.dumps({"conn_type": "generic", "password": "s3cr3t-value"})},
    {"AIRFLOW_CONN_GROUNDWORK_EXTERNAL_ID": "generic://:s3cr3t-value@"},
])
def test_external_id_from_airflow_environment_variables(config, environ):
    assert cicd.external_id_from_environment(config, environ) == "s3cr3t-value"


def test_a_missing_external_id_names_where_it_should_come_from(config):
    with pytest.raises(cicd.MissingExternalId, match="connection groundwork_external_id"):
        cicd.external_id_from_environment(config, {})
