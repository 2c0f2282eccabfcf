"""CloudFormation deploys through the role chain, against in-process moto with the stand-in's
CloudFormation extensions (stacks settle when read, fail and roll back as AWS documents): a bundle
creates the stack in each target with the account's CloudFormation role, a rerun changes nothing, a
failing version is rolled back by CloudFormation and reported with its failing resource, a stack a
failed create left behind is replaced on retry, and an account returns to the version before."""

from __future__ import annotations

import hashlib
import json

import pytest

from groundwork import promotion, stack_deploy
from groundwork.aws import cloudformation as cfn
from groundwork.phases import cicd

from tests.unit.reconcile.cicd_steps import (APP_TEMPLATE, EXTERNAL_ID, apply_all, deploy_until_done,
                                             foundation_done, ids)

TEMPLATE = APP_TEMPLATE
# Version 2 adds a parameter AWS refuses to create (names under /aws are reserved): the update fails.
FAILING = TEMPLATE.replace("Outputs:", """\
  Reserved:
    Type: AWS::SSM::Parameter
    Properties: {Name: /aws/reserved/app, Type: String, Value: x}
Outputs:""")


@pytest.fixture
def env(ctx, foundation_config, monkeypatch):
    monkeypatch.setenv("GROUNDWORK_STANDIN_STACK_SECONDS", "0")
    foundation_done(ctx, foundation_config)
    apply_all(ctx, foundation_config, ids(cicd.plan(ctx, foundation_config, EXTERNAL_ID)))
    t = cicd.topology(ctx, foundation_config)
    return ctx, t, promotion.pipeline_context(ctx, t)


def upload(pipeline, t, key: str, body: bytes) -> promotion.Artifact:
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    pipeline.client("s3").put_object(Bucket=t.artifact_bucket, Key=key, Body=body, Metadata={"sha256": digest})
    return promotion.resolve_artifact(pipeline, t, key)


def release(version: str, template: str = TEMPLATE) -> bytes:
    return stack_deploy.make_bundle(template, {"Version": version})


drive = deploy_until_done


def stack(ctx, t, account):
    return cfn.describe_stack(ctx.client("cloudformation", account_id=account), t.stack_name)


# --------------------------------------------------------------------------- the bundle
def test_a_bundle_is_a_zip_with_one_template_and_per_environment_configuration():
    body = stack_deploy.make_bundle(TEMPLATE, {"Version": "1"}, {"production": {"Version": "1-prod"}},
                                    tags={"team": "app"})
    assert stack_deploy.read_bundle(body, "staging").parameters == {"Version": "1"}
    production = stack_deploy.read_bundle(body, "production")
    assert production.parameters == {"Version": "1-prod"} and production.tags == {"team": "app"}
    assert production.template == TEMPLATE


@pytest.mark.parametrize(("files", "message"), [
    (None, "not a zip file"),
    ({"readme.txt": "x"}, "exactly one of template.yaml"),
    ({"template.yaml": TEMPLATE, "template.json": "{}"}, "exactly one of template.yaml"),
    ({"template.yaml": TEMPLATE, "template-config.json": "{"}, "template-config.json is not JSON"),
    ({"template.yaml": TEMPLATE, "template-config.json": '{"Parameters": {"Version": 2}}'}, "string values"),
    ({"template.yaml": TEMPLATE, "template-config.json": '{"Params": {}}'}, "CodePipeline's template configuration"),
    ({"template.yaml": "x" * 60_000}, "at most 51200 bytes"),
])
def test_what_is_not_a_deployable_bundle_is_refused_with_the_reason(files, message):
    import io
    import zipfile

    if files is None:
        body = b"plain bytes"
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, text in files.items():
                archive.writestr(name, text)
        body = buffer.getvalue()
    with pytest.raises(stack_deploy.BundleError, match=message):
        stack_deploy.read_bundle(body, "production")


# --------------------------------------------------------------------------- deploys
def test_each_target_gets_the_stack_through_its_cloudformation_role_and_a_rerun_changes_nothing(env):
    ctx, t, pipeline = env
    artifact = upload(pipeline, t, "app/1.zip", release("1"))
    for env_name, account in t.targets:
        step = drive(ctx, pipeline, t, env_name, account, artifact)
        assert step.changed and step.record["digest"] == artifact.digest
        assert step.record["stack"]["outputs"] == {"ReleaseParameter": f"/app/{env_name}/version", "Version": "1"}
        live = stack(ctx, t, account)
        assert live["StackStatus"] == "CREATE_COMPLETE"
        assert live["RoleARN"] == t.cloudformation_role_arn(env_name, account)
        assert cfn.tags_of(live)[stack_deploy.DIGEST_TAG] == artifact.digest
        head = ctx.client("s3", account_id=account).head_object(  # the bundle, under the environment's key
            Bucket=t.deployment_bucket(env_name, account), Key=promotion.deployed_key(artifact))
        assert head["SSEKMSKeyId"].endswith(f"{account}:alias/groundwork-deploy-{env_name}")
        value = ctx.client("ssm", account_id=account).get_parameter(Name=f"/app/{env_name}/version")["Parameter"]["Value"]
        assert value == "1"
        record = json.loads(ctx.client("ssm", account_id=account).get_parameter(Name=t.record_parameter)["Parameter"]["Value"])
        assert record["stack"]["id"] == live["StackId"] and "previous" not in record

    ctx.calls.clear()
    for env_name, account in t.targets:
        assert drive(ctx, pipeline, t, env_name, account, artifact, run_id="run-2").changed is False
    assert ctx.mutating_calls() == []


def test_a_failing_update_is_rolled_back_by_cloudformation_and_reported_with_its_resource(env):
    ctx, t, pipeline = env
    env_name, account = t.targets[0]
    v1 = upload(pipeline, t, "app/1.zip", release("1"))
    drive(ctx, pipeline, t, env_name, account, v1)
    v2 = upload(pipeline, t, "app/2.zip", release("2", FAILING))
    with pytest.raises(stack_deploy.DeployFailed) as failed:
        drive(ctx, pipeline, t, env_name, account, v2, run_id="run-2")
    message = str(failed.value)
    assert f"stack {t.stack_name} in {t.label(env_name, account)}" in message
    assert "UPDATE_ROLLBACK_COMPLETE" in message and "Reserved (AWS::SSM::Parameter)" in message
    live = stack(ctx, t, account)
    assert cfn.tags_of(live)[stack_deploy.DIGEST_TAG] == v1.digest and cfn.outputs_of(live)["Version"] == "1"
    deployment = promotion.deployment_context(pipeline, t, env_name, account, EXTERNAL_ID)
    assert promotion.current(deployment, t)["digest"] == v1.digest  # the record still says version 1

    # the fixed version 3 goes over the rolled-back stack
    v3 = upload(pipeline, t, "app/3.zip", release("3"))
    step = drive(ctx, pipeline, t, env_name, account, v3, run_id="run-3")
    assert step.record["stack"]["outputs"]["Version"] == "3" and step.record["previous"]["digest"] == v1.digest


def test_a_failed_first_create_is_reported_and_a_retry_replaces_the_empty_stack(env):
    ctx, t, pipeline = env
    env_name, account = t.targets[0]
    broken = upload(pipeline, t, "app/broken.zip", release("1", FAILING))
    with pytest.raises(stack_deploy.DeployFailed, match="ROLLBACK_COMPLETE"):
        drive(ctx, pipeline, t, env_name, account, broken)
    first = stack(ctx, t, account)["StackId"]
    fixed = upload(pipeline, t, "app/fixed.zip", release("1"))
    step = drive(ctx, pipeline, t, env_name, account, fixed, run_id="run-2")  # a rerun: delete, then create
    assert step.record["stack"]["id"] != first and step.record["stack"]["status"] == "CREATE_COMPLETE"


def test_an_account_returns_to_the_version_before_and_says_why(env):
    ctx, t, pipeline = env
    env_name, account = t.targets[-1]
    deployment = promotion.deployment_context(pipeline, t, env_name, account, EXTERNAL_ID)
    v1 = upload(pipeline, t, "app/1.zip", release("1"))
    assert stack_deploy.rollback_target(deployment, t, v1) is None  # nothing deployed yet
    drive(ctx, pipeline, t, env_name, account, v1)
    assert stack_deploy.rollback_target(deployment, t, v1) is None  # its first version: nothing before it
    v2 = upload(pipeline, t, "app/2.zip", release("2"))
    drive(ctx, pipeline, t, env_name, account, v2, run_id="run-2")
    target = stack_deploy.rollback_target(deployment, t, v2)
    assert (target.digest, target.key, target.version_id) == (v1.digest, v1.key, v1.version_id)
    step = stack_deploy.advance(deployment, t, env_name, account, target, "run-2", note="returned")
    assert step.kind == "wait" and step.action == "update"
    step = stack_deploy.advance(deployment, t, env_name, account, target, "run-2", started="update", note="returned")
    assert step.record["digest"] == v1.digest and step.record["previous"]["digest"] == v2.digest
    assert step.record["note"] == "returned" and step.record["stack"]["outputs"]["Version"] == "1"
    assert stack_deploy.rollback_target(deployment, t, v2) is None  # runs version 1 again


def test_a_configuration_for_one_environment_fails_there_only(env):
    ctx, t, pipeline = env
    template = TEMPLATE.replace("  Version: {Type: String}\n", "  Version: {Type: String}\n  Prefix: {Type: String, Default: /app}\n") \
        .replace("Name: !Sub /app/${Environment}/version", "Name: !Sub ${Prefix}/${Environment}/version")
    (first_env, first), (second_env, second) = t.targets[0], t.targets[1]
    v1 = upload(pipeline, t, "app/1.zip", stack_deploy.make_bundle(template, {"Version": "1"}))
    for env_name, account in (t.targets[0], t.targets[1]):
        drive(ctx, pipeline, t, env_name, account, v1)
    v2 = upload(pipeline, t, "app/2.zip", stack_deploy.make_bundle(template, {"Version": "2"},
                                                                   {second_env: {"Prefix": "/aws/app"}}))
    assert drive(ctx, pipeline, t, first_env, first, v2, run_id="run-2").record["stack"]["outputs"]["Version"] == "2"
    with pytest.raises(stack_deploy.DeployFailed, match=r"UPDATE_ROLLBACK_COMPLETE(.|\n)*Release \(AWS::SSM::Parameter\)"):
        drive(ctx, pipeline, t, second_env, second, v2, run_id="run-2")
    assert cfn.outputs_of(stack(ctx, t, second))["Version"] == "1"
