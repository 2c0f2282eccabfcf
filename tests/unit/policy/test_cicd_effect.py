"""What phase 5's trust, key, bucket and repository policies actually do, proven over the rendered
documents with groundwork's evaluator (moto enforces none of them; the stand-in checks only the
ExternalId on AssumeRole). That includes the CloudFormation deploy: the deployment role works on its
own stack only, through its own CloudFormation service role only, and that role can touch no IAM.

Each row is one request: (document, principal, action, resource, extra context, allowed?). The same
rows are then run against deliberately broken documents: each break must flip at least one row, so
a policy that stopped doing its job cannot pass unnoticed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from groundwork.config.loader import load_config
from groundwork.policy import cicd as docs
from groundwork.policy.cicd import CicdTopology
from groundwork.policy.evaluate import is_allowed

from tests.conftest import ROOT

MGMT, SHARED, DEV, STAGING, PROD = "100000000000", "200000000000", "300000000001", "300000000002", "300000000003"
REGION = "us-east-1"
EXTERNAL_ID = "test-only-external-id"


@pytest.fixture(scope="module")
def t() -> CicdTopology:
    config = load_config(ROOT / "config" / "foundation.yaml")
    ids = {"Shared Services": SHARED, "Development": DEV, "Staging": STAGING, "Production": PROD}
    return CicdTopology.from_config(config, REGION, MGMT, ids)


def session(account: str, role: str) -> str:
    return f"arn:aws:sts::{account}:assumed-role/{role}/groundwork-promotion"


def key_arn(account: str) -> str:
    return f"arn:aws:kms:{REGION}:{account}:key/0000aaaa-1111-2222-3333-444455556666"


def stack(account: str, name: str = "groundwork-app") -> str:
    return f"arn:aws:cloudformation:{REGION}:{account}:stack/{name}/5f2c1e10-0000-11ef-8000-0a1b2c3d4e5f"


def role(account: str, name: str) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


CFN = "cloudformation.amazonaws.com"
TO_CFN = {"iam:PassedToService": CFN}


def rendered(t: CicdTopology) -> dict[str, dict]:
    return {
        "prod_trust": docs.deployment_trust(t, EXTERNAL_ID),
        "pipeline_trust": docs.pipeline_trust(t),
        "dev_key": docs.environment_key_policy(t, "development", DEV),
        "prod_key": docs.environment_key_policy(t, "production", PROD),
        "artifact_key": docs.artifact_key_policy(t),
        "dev_permissions": docs.deployment_permissions(t, "development", DEV),
        "prod_permissions": docs.deployment_permissions(t, "production", PROD),
        "pipeline_permissions": docs.pipeline_permissions(t),
        "artifact_bucket": docs.artifact_bucket_policy(t),
        "prod_bucket": docs.deployment_bucket_policy(t, "production", PROD),
        "repository": docs.repository_policy(t),
        "prod_cfn_trust": docs.cloudformation_trust(t, "production", PROD),
        "prod_cfn_permissions": docs.cloudformation_permissions(t, "production", PROD),
    }


def rows(t: CicdTopology) -> list[tuple[str, str, str, str, dict, bool]]:
    pipeline = session(SHARED, "PipelineExecutionRole")
    dev_role, prod_role = session(DEV, "DeploymentRole"), session(PROD, "DeploymentRole")
    prod_cfn = session(PROD, "groundwork-cloudformation")
    artifact_obj = f"arn:aws:s3:::{t.artifact_bucket}/app/app.tar.gz"
    prod_obj = f"arn:aws:s3:::{t.deployment_bucket('production', PROD)}/releases/x/app.tar.gz"
    dev_obj = f"arn:aws:s3:::{t.deployment_bucket('development', DEV)}/releases/x/app.tar.gz"
    prod_alias = t.alias_arn(PROD, t.environment_key_alias("production"))
    right, wrong = {"sts:ExternalId": EXTERNAL_ID}, {"sts:ExternalId": "guessed-external-id"}
    return [
        # the blueprint's trust policy: only the pipeline role, only with the ExternalId
        ("prod_trust", pipeline, "sts:AssumeRole", "*", right, True),
        ("prod_trust", pipeline, "sts:AssumeRole", "*", wrong, False),
        ("prod_trust", pipeline, "sts:AssumeRole", "*", {}, False),
        ("prod_trust", session(SHARED, "SomeOtherRole"), "sts:AssumeRole", "*", right, False),
        ("prod_trust", f"arn:aws:iam::{SHARED}:root", "sts:AssumeRole", "*", right, False),
        ("prod_trust", session(DEV, "PipelineExecutionRole"), "sts:AssumeRole", "*", right, False),
        ("prod_trust", session(MGMT, "OrganizationAccountAccessRole"), "sts:AssumeRole", "*", right, False),
        # the pipeline role is assumed by the orchestrator role only, not by anyone in its account
        ("pipeline_trust", f"arn:aws:iam::{MGMT}:role/groundwork-orchestrator", "sts:AssumeRole", "*", {}, True),
        ("pipeline_trust", session(MGMT, "groundwork-orchestrator"), "sts:AssumeRole", "*", {}, True),
        ("pipeline_trust", f"arn:aws:iam::{MGMT}:user/airflow", "sts:AssumeRole", "*", {}, False),
        ("pipeline_trust", session(MGMT, "OrganizationAccountAccessRole"), "sts:AssumeRole", "*", {}, False),
        ("pipeline_trust", session(DEV, "DeploymentRole"), "sts:AssumeRole", "*", {}, False),
        # per-environment keys: an artifact encrypted for dev is not decryptable by production
        ("dev_key", dev_role, "kms:Decrypt", "*", {}, True),
        ("dev_key", prod_role, "kms:Decrypt", "*", {}, False),
        ("dev_key", session(DEV, "SomeOtherRole"), "kms:Decrypt", "*", {}, False),
        ("dev_key", pipeline, "kms:Decrypt", "*", {}, False),
        ("dev_key", dev_role, "kms:PutKeyPolicy", "*", {}, False),
        ("dev_key", session(DEV, "OrganizationAccountAccessRole"), "kms:PutKeyPolicy", "*", {}, True),
        ("dev_key", session(DEV, "OrganizationAccountAccessRole"), "kms:Decrypt", "*", {}, False),
        ("prod_key", prod_role, "kms:GenerateDataKey", "*", {}, True),
        ("prod_key", dev_role, "kms:Encrypt", "*", {}, False),
        ("prod_permissions", prod_role, "kms:Decrypt", key_arn(DEV), {}, False),  # IAM side too
        ("prod_permissions", prod_role, "kms:Decrypt", key_arn(PROD), {}, True),
        # the artifact key: the pipeline writes, deployment roles only decrypt
        ("artifact_key", pipeline, "kms:GenerateDataKey", "*", {}, True),
        ("artifact_key", prod_role, "kms:Decrypt", "*", {}, True),
        ("artifact_key", prod_role, "kms:Encrypt", "*", {}, False),
        ("artifact_key", session(SHARED, "SomeOtherRole"), "kms:Decrypt", "*", {}, False),
        # least privilege per environment
        ("dev_permissions", dev_role, "s3:PutObject", dev_obj, {}, True),
        ("dev_permissions", dev_role, "s3:PutObject", prod_obj, {}, False),
        ("dev_permissions", dev_role, "ssm:PutParameter",
         f"arn:aws:ssm:{REGION}:{DEV}:parameter/groundwork/deployment/current", {}, True),
        ("dev_permissions", dev_role, "ssm:PutParameter",
         f"arn:aws:ssm:{REGION}:{PROD}:parameter/groundwork/deployment/current", {}, False),
        ("dev_permissions", dev_role, "s3:GetObject", artifact_obj, {}, True),
        ("dev_permissions", dev_role, "s3:PutObject", artifact_obj, {}, False),
        ("dev_permissions", dev_role, "sts:AssumeRole", f"arn:aws:iam::{PROD}:role/DeploymentRole", {}, False),
        ("dev_permissions", dev_role, "iam:CreateRole", "*", {}, False),
        ("pipeline_permissions", pipeline, "sts:AssumeRole", f"arn:aws:iam::{PROD}:role/DeploymentRole", {}, True),
        ("pipeline_permissions", pipeline, "sts:AssumeRole",
         f"arn:aws:iam::{PROD}:role/OrganizationAccountAccessRole", {}, False),
        ("pipeline_permissions", pipeline, "s3:PutObject", artifact_obj, {}, True),
        ("pipeline_permissions", pipeline, "s3:PutObject", prod_obj, {}, False),
        # the artifact store and registry: readable by the deployment roles, nobody else outside
        ("artifact_bucket", prod_role, "s3:GetObject", artifact_obj, {"aws:SecureTransport": "true"}, True),
        ("artifact_bucket", prod_role, "s3:GetObject", artifact_obj, {"aws:SecureTransport": "false"}, False),
        ("artifact_bucket", prod_role, "s3:PutObject", artifact_obj, {"aws:SecureTransport": "true"}, False),
        ("artifact_bucket", session("999999999999", "DeploymentRole"), "s3:GetObject", artifact_obj,
         {"aws:SecureTransport": "true"}, False),
        ("repository", prod_role, "ecr:BatchGetImage", "*", {}, True),
        ("repository", prod_role, "ecr:PutImage", "*", {}, False),
        ("repository", session("999999999999", "DeploymentRole"), "ecr:BatchGetImage", "*", {}, False),
        # the deployment role deploys its own account's stack, of the configured name, and nothing else
        ("prod_permissions", prod_role, "cloudformation:CreateStack", stack(PROD), {}, True),
        ("prod_permissions", prod_role, "cloudformation:UpdateStack", stack(PROD), {}, True),
        ("prod_permissions", prod_role, "cloudformation:DeleteStack", stack(PROD), {}, True),
        ("prod_permissions", prod_role, "cloudformation:DescribeStacks", stack(PROD), {}, True),
        ("prod_permissions", prod_role, "cloudformation:DescribeStackEvents", stack(PROD), {}, True),
        ("prod_permissions", prod_role, "cloudformation:GetTemplate", stack(PROD), {}, True),
        ("prod_permissions", prod_role, "cloudformation:ValidateTemplate", "*", {}, True),
        ("prod_permissions", prod_role, "cloudformation:GetTemplateSummary", "*", {}, True),
        ("prod_permissions", prod_role, "cloudformation:CreateStack", stack(PROD, "another-app"), {}, False),
        ("prod_permissions", prod_role, "cloudformation:UpdateStack", stack(PROD, "groundwork-app-2"), {}, False),
        ("prod_permissions", prod_role, "cloudformation:CreateStack", stack(DEV), {}, False),
        ("prod_permissions", prod_role, "cloudformation:UpdateStack", stack(STAGING), {}, False),
        ("dev_permissions", dev_role, "cloudformation:UpdateStack", stack(PROD), {}, False),
        ("prod_permissions", prod_role, "cloudformation:ExecuteChangeSet", stack(PROD), {}, False),
        ("prod_permissions", prod_role, "cloudformation:CreateStackSet", "*", {}, False),
        ("prod_permissions", prod_role, "cloudformation:SetStackPolicy", stack(PROD), {}, False),
        # ... through its own CloudFormation role, passed to CloudFormation only
        ("prod_permissions", prod_role, "iam:PassRole", role(PROD, "groundwork-cloudformation"), TO_CFN, True),
        ("prod_permissions", prod_role, "iam:PassRole", role(PROD, "groundwork-cloudformation"),
         {"iam:PassedToService": "lambda.amazonaws.com"}, False),
        ("prod_permissions", prod_role, "iam:PassRole", role(PROD, "groundwork-cloudformation"), {}, False),
        ("prod_permissions", prod_role, "iam:PassRole", role(DEV, "groundwork-cloudformation"), TO_CFN, False),
        ("prod_permissions", prod_role, "iam:PassRole", role(PROD, "DeploymentRole"), TO_CFN, False),
        ("prod_permissions", prod_role, "iam:PassRole", role(PROD, "OrganizationAccountAccessRole"), TO_CFN, False),
        ("prod_permissions", prod_role, "iam:PassRole", role(PROD, "groundwork-cloudformation-admin"), TO_CFN, False),
        ("prod_permissions", prod_role, "iam:CreateRole", "*", {}, False),
        # the CloudFormation role: only CloudFormation, acting for this account (the confused deputy)
        ("prod_cfn_trust", CFN, "sts:AssumeRole", "*", {"aws:SourceAccount": PROD}, True),
        ("prod_cfn_trust", CFN, "sts:AssumeRole", "*", {"aws:SourceAccount": DEV}, False),
        ("prod_cfn_trust", CFN, "sts:AssumeRole", "*", {}, False),
        ("prod_cfn_trust", "lambda.amazonaws.com", "sts:AssumeRole", "*", {"aws:SourceAccount": PROD}, False),
        ("prod_cfn_trust", prod_role, "sts:AssumeRole", "*", {"aws:SourceAccount": PROD}, False),
        ("prod_cfn_trust", f"arn:aws:iam::{PROD}:root", "sts:AssumeRole", "*", {"aws:SourceAccount": PROD}, False),
        # ... which may build what the templates need, with this account's keys, and no IAM whatsoever
        ("prod_cfn_permissions", prod_cfn, "s3:CreateBucket", "arn:aws:s3:::orders-archive", {}, True),
        ("prod_cfn_permissions", prod_cfn, "sqs:CreateQueue", f"arn:aws:sqs:{REGION}:{PROD}:orders", {}, True),
        ("prod_cfn_permissions", prod_cfn, "ec2:DescribeVpcs", "*", {}, True),
        ("prod_cfn_permissions", prod_cfn, "ssm:PutParameter",
         f"arn:aws:ssm:{REGION}:{PROD}:parameter/orders/endpoint", {}, True),
        ("prod_cfn_permissions", prod_cfn, "kms:GenerateDataKey", key_arn(PROD), {}, True),
        ("prod_cfn_permissions", prod_cfn, "kms:Decrypt", key_arn(DEV), {}, False),
        ("prod_cfn_permissions", prod_cfn, "kms:PutKeyPolicy", key_arn(PROD), {}, False),
        ("prod_cfn_permissions", prod_cfn, "iam:CreateRole", "*", {}, False),
        ("prod_cfn_permissions", prod_cfn, "iam:CreateRole", role(PROD, "minted"), {}, False),
        ("prod_cfn_permissions", prod_cfn, "iam:PutRolePolicy", role(PROD, "DeploymentRole"), {}, False),
        ("prod_cfn_permissions", prod_cfn, "iam:PassRole", role(PROD, "OrganizationAccountAccessRole"), {}, False),
        ("prod_cfn_permissions", prod_cfn, "ec2:RunInstances", "*", {}, False),
        ("prod_cfn_permissions", prod_cfn, "sts:AssumeRole", role(PROD, "OrganizationAccountAccessRole"), {}, False),
        ("prod_cfn_permissions", prod_cfn, "ssm:PutParameter",
         f"arn:aws:ssm:{REGION}:{PROD}:parameter/groundwork/deployment/current", {}, False),
        ("prod_cfn_permissions", prod_cfn, "ssm:DeleteParameter",
         f"arn:aws:ssm:{REGION}:{PROD}:parameter/groundwork/deployment/current", {}, False),
    ] + [
        # the deployment bucket refuses objects encrypted with any key but the environment's own
        ("prod_bucket+prod_permissions", prod_role, "s3:PutObject", prod_obj,
         {"aws:SecureTransport": "true", "s3:x-amz-server-side-encryption-aws-kms-key-id": prod_alias}, True),
        ("prod_bucket+prod_permissions", prod_role, "s3:PutObject", prod_obj,
         {"aws:SecureTransport": "true",
          "s3:x-amz-server-side-encryption-aws-kms-key-id": t.alias_arn(DEV, t.environment_key_alias("development"))},
         False),
    ]


def evaluate(documents: dict[str, dict], row) -> bool:
    """A principal ending in .amazonaws.com is a service (aws:PrincipalServiceName), any other an ARN."""
    names, principal, action, resource, extra, _ = row
    chosen = [documents[name] for name in names.split("+")]
    who = "aws:PrincipalServiceName" if principal.endswith(".amazonaws.com") else "aws:PrincipalArn"
    return is_allowed(chosen, action, resource, {who: principal, **extra})


def test_rows_hold_for_the_rendered_documents(t):
    documents = rendered(t)
    wrong = [row for row in rows(t) if evaluate(documents, row) != row[5]]
    assert wrong == []


def _statement(doc: dict, sid: str) -> dict:
    return next(s for s in doc["Statement"] if s.get("Sid") == sid)


BREAKS: dict[str, Callable[[dict, CicdTopology], None]] = {
    "trust without the ExternalId condition":
        lambda d, t: _statement(d["prod_trust"], "PipelineAssumesDeploymentRole").pop("Condition"),
    "trust of the whole Shared Services account":
        lambda d, t: _statement(d["prod_trust"], "PipelineAssumesDeploymentRole").update(
            Principal={"AWS": f"arn:aws:iam::{SHARED}:root"}),
    "trust with StringLike *":
        lambda d, t: _statement(d["prod_trust"], "PipelineAssumesDeploymentRole").update(
            Condition={"StringLike": {"sts:ExternalId": "*"}}),
    "dev key delegated to every account":
        lambda d, t: _statement(d["dev_key"], "DeploymentRoleUsesKey").update(Principal={"AWS": "*"}),
    "dev key usable by the production role":
        lambda d, t: _statement(d["dev_key"], "DeploymentRoleUsesKey").update(
            Principal={"AWS": [t.deployment_role_arn("development", DEV), t.deployment_role_arn("production", PROD)]}),
    "deployment role may write any bucket":
        lambda d, t: _statement(d["dev_permissions"], "DeployObjects").update(Resource="*"),
    "deployment role may assume roles":
        lambda d, t: d["dev_permissions"]["Statement"].append(
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}),
    "pipeline may assume any role":
        lambda d, t: _statement(d["pipeline_permissions"], "AssumeDeploymentRoles").update(Resource="*"),
    "artifact bucket readable by anyone":
        lambda d, t: _statement(d["artifact_bucket"], "DeploymentRolesReadArtifacts").update(Principal="*"),
    "artifact bucket without the TLS guard":
        lambda d, t: d["artifact_bucket"]["Statement"].remove(_statement(d["artifact_bucket"], "DenyInsecureTransport")),
    "deployment bucket accepts any key":
        lambda d, t: d["prod_bucket"]["Statement"].remove(_statement(d["prod_bucket"], "DenyOtherKeys")),
    "repository writable by the deployment roles":
        lambda d, t: _statement(d["repository"], "DeploymentRolesPull").update(Action="ecr:*"),
    "artifact key encryptable by deployment roles":
        lambda d, t: _statement(d["artifact_key"], "DeploymentRolesDecrypt").update(Action="kms:*"),
    "deployment role may deploy any stack":
        lambda d, t: _statement(d["prod_permissions"], "DeployStack").update(Resource="*"),
    "deployment role may deploy any stack of its account":
        lambda d, t: _statement(d["prod_permissions"], "DeployStack").update(
            Resource=f"arn:aws:cloudformation:{REGION}:{PROD}:stack/*"),
    "deployment role may use every cloudformation action":
        lambda d, t: _statement(d["prod_permissions"], "DeployStack").update(Action="cloudformation:*"),
    "deployment role may pass any role":
        lambda d, t: _statement(d["prod_permissions"], "PassCloudFormationRole").update(Resource="*"),
    "deployment role may pass its role to any service":
        lambda d, t: _statement(d["prod_permissions"], "PassCloudFormationRole").pop("Condition"),
    "cloudformation trust without aws:SourceAccount":
        lambda d, t: _statement(d["prod_cfn_trust"], "CloudFormationAssumesRole").pop("Condition"),
    "cloudformation role trusted by every service":
        lambda d, t: _statement(d["prod_cfn_trust"], "CloudFormationAssumesRole").update(
            Principal={"Service": [CFN, "lambda.amazonaws.com"]}),
    "cloudformation role trusted by the deployment role's account":
        lambda d, t: _statement(d["prod_cfn_trust"], "CloudFormationAssumesRole").update(
            Principal={"Service": CFN, "AWS": f"arn:aws:iam::{PROD}:root"}),
    "cloudformation role may do anything but IAM":
        lambda d, t: _statement(d["prod_cfn_permissions"], "StackResources").update(Action="*"),
    "cloudformation role may do anything, without the IAM deny":
        lambda d, t: (_statement(d["prod_cfn_permissions"], "StackResources").update(Action="*"),
                      d["prod_cfn_permissions"]["Statement"].remove(_statement(d["prod_cfn_permissions"], "DenyIam"))),
    "cloudformation role may rewrite the deployment record":
        lambda d, t: d["prod_cfn_permissions"]["Statement"].remove(
            _statement(d["prod_cfn_permissions"], "DenyDeploymentRecord")),
    "cloudformation role may use every account's keys":
        lambda d, t: _statement(d["prod_cfn_permissions"], "AccountKeys").update(Resource="*"),
}


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_every_broken_document_fails_at_least_one_row(t, name):
    documents = copy.deepcopy(rendered(t))
    BREAKS[name](documents, t)
    assert any(evaluate(documents, row) != row[5] for row in rows(t)), f"nothing notices: {name}"


def test_the_trust_policy_is_the_blueprints(t):
    assert docs.deployment_trust(t, EXTERNAL_ID) == {"Version": "2012-10-17", "Statement": [{
        "Sid": "PipelineAssumesDeploymentRole", "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{SHARED}:role/PipelineExecutionRole"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}}]}


def test_an_empty_external_id_is_refused(t):
    with pytest.raises(ValueError, match="needs an ExternalId"):
        docs.deployment_trust(t, "")


def test_redaction_names_the_source_and_hides_every_value(t):
    doc = docs.deployment_trust(t, EXTERNAL_ID)
    shown = docs.redact_external_id(doc, EXTERNAL_ID, "ExternalId: from connection x")
    assert _statement(shown, "PipelineAssumesDeploymentRole")["Condition"]["StringEquals"] == {
        "sts:ExternalId": "ExternalId: from connection x"}
    other = docs.redact_external_id(doc, "another-value", "ExternalId: from connection x")
    assert EXTERNAL_ID not in str(other) and "(a different ExternalId)" in str(other)
    assert EXTERNAL_ID in str(doc)  # the original is untouched


# --------------------------------------------------------------------------- two accounts in one environment
PROD_A, PROD_B = "300000000004", "300000000005"


@pytest.fixture(scope="module")
def two() -> CicdTopology:
    """config/examples/multi_account_production.yaml: production is two accounts."""
    config = load_config(ROOT / "config" / "examples" / "multi_account_production.yaml")
    ids = {"Shared Services": SHARED, "Development": DEV, "Test": "300000000006", "Staging": STAGING,
           "Production A": PROD_A, "Production B": PROD_B}
    return CicdTopology.from_config(config, REGION, MGMT, ids)


def test_the_accounts_of_one_environment_are_as_separate_as_two_environments(two):
    t = two
    a_role, b_role = session(PROD_A, "DeploymentRole"), session(PROD_B, "DeploymentRole")
    pipeline = session(SHARED, "PipelineExecutionRole")
    documents = {
        "a_permissions": docs.deployment_permissions(t, "production", PROD_A),
        "b_key": docs.environment_key_policy(t, "production", PROD_B),
        "b_bucket": docs.deployment_bucket_policy(t, "production", PROD_B),
        "b_permissions": docs.deployment_permissions(t, "production", PROD_B),
        "pipeline_permissions": docs.pipeline_permissions(t),
        "artifact_bucket": docs.artifact_bucket_policy(t),
        "artifact_key": docs.artifact_key_policy(t),
        "repository": docs.repository_policy(t),
        "b_cfn_trust": docs.cloudformation_trust(t, "production", PROD_B),
    }
    b_obj = f"arn:aws:s3:::{t.deployment_bucket('production', PROD_B)}/releases/x/app.tar.gz"
    a_obj = f"arn:aws:s3:::{t.deployment_bucket('production', PROD_A)}/releases/x/app.tar.gz"
    artifact_obj = f"arn:aws:s3:::{t.artifact_bucket}/app/app.tar.gz"
    tls = {"aws:SecureTransport": "true"}
    checks = [
        ("a_permissions", a_role, "s3:PutObject", a_obj, {}, True),
        ("a_permissions", a_role, "s3:PutObject", b_obj, {}, False),
        ("a_permissions", a_role, "kms:Decrypt", key_arn(PROD_B), {}, False),
        ("a_permissions", a_role, "ssm:PutParameter",
         f"arn:aws:ssm:{REGION}:{PROD_B}:parameter/groundwork/deployment/current", {}, False),
        ("b_key", b_role, "kms:GenerateDataKey", "*", {}, True),
        ("b_key", a_role, "kms:Decrypt", "*", {}, False),
        ("b_bucket+b_permissions", b_role, "s3:PutObject", b_obj,
         {**tls, "s3:x-amz-server-side-encryption-aws-kms-key-id": t.environment_key_arn("production", PROD_B)}, True),
        ("b_bucket+b_permissions", b_role, "s3:PutObject", b_obj,
         {**tls, "s3:x-amz-server-side-encryption-aws-kms-key-id": t.environment_key_arn("production", PROD_A)}, False),
        ("pipeline_permissions", pipeline, "sts:AssumeRole", f"arn:aws:iam::{PROD_A}:role/DeploymentRole", {}, True),
        ("pipeline_permissions", pipeline, "sts:AssumeRole", f"arn:aws:iam::{PROD_B}:role/DeploymentRole", {}, True),
        ("artifact_bucket", a_role, "s3:GetObject", artifact_obj, tls, True),
        ("artifact_bucket", b_role, "s3:GetObject", artifact_obj, tls, True),
        ("artifact_key", b_role, "kms:Decrypt", "*", {}, True),
        ("repository", b_role, "ecr:BatchGetImage", "*", {}, True),
        ("a_permissions", a_role, "cloudformation:UpdateStack", stack(PROD_A), {}, True),
        ("a_permissions", a_role, "cloudformation:UpdateStack", stack(PROD_B), {}, False),
        ("a_permissions", a_role, "iam:PassRole", role(PROD_A, "groundwork-cloudformation"), TO_CFN, True),
        ("a_permissions", a_role, "iam:PassRole", role(PROD_B, "groundwork-cloudformation"), TO_CFN, False),
        ("b_cfn_trust", CFN, "sts:AssumeRole", "*", {"aws:SourceAccount": PROD_B}, True),
        ("b_cfn_trust", CFN, "sts:AssumeRole", "*", {"aws:SourceAccount": PROD_A}, False),
    ]
    wrong = [row for row in checks if evaluate(documents, row) != row[5]]
    assert wrong == []
    assert len(t.deployment_role_arns) == 5 and t.targets[-2:] == [("production", PROD_A), ("production", PROD_B)]


# --------------------------------------------------------------------------- the CloudFormation deploy
def test_the_stack_and_the_cloudformation_role_are_named_from_the_config(t):
    assert t.stack_arn("production", PROD) == f"arn:aws:cloudformation:{REGION}:{PROD}:stack/groundwork-app/*"
    assert t.cloudformation_role_arn("production", PROD) == role(PROD, "groundwork-cloudformation")
    with pytest.raises(KeyError, match="is not in environment development"):
        t.stack_arn("development", PROD)
    with pytest.raises(KeyError, match="is not in environment development"):
        t.cloudformation_role_arn("development", PROD)


def test_the_cloudformation_role_allows_exactly_the_configured_stack_actions(t):
    config = load_config(ROOT / "config" / "foundation.yaml")
    allowed = _statement(docs.cloudformation_permissions(t, "production", PROD), "StackResources")
    assert allowed["Action"] == sorted(config.cicd.stack_actions) and allowed["Resource"] == "*"
    assert not any(a.lower().startswith("iam:") or a == "*" for a in t.stack_actions)


def test_even_a_stack_action_list_of_everything_cannot_reach_iam(t):
    """The Deny holds whatever the allowed list is: a later, broader list still mints no role."""
    from dataclasses import replace

    broad = replace(t, stack_actions=("*",))
    documents = [docs.cloudformation_permissions(broad, "production", PROD)]
    context = {"aws:PrincipalArn": session(PROD, "groundwork-cloudformation")}
    assert is_allowed(documents, "ec2:RunInstances", "*", context)
    for action in ("iam:CreateRole", "iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:CreateUser",
                   "iam:CreateAccessKey", "iam:PassRole", "iam:UpdateAssumeRolePolicy"):
        assert not is_allowed(documents, action, role(PROD, "anything"), context), action
