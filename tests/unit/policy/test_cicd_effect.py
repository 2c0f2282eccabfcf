"""What phase 5's trust, key, bucket and repository policies actually do, proven over the rendered
documents with groundwork's evaluator (moto enforces none of them; the stand-in checks only the
ExternalId on AssumeRole).

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
    }


def rows(t: CicdTopology) -> list[tuple[str, str, str, str, dict, bool]]:
    pipeline = session(SHARED, "PipelineExecutionRole")
    dev_role, prod_role = session(DEV, "DeploymentRole"), session(PROD, "DeploymentRole")
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
    names, principal, action, resource, extra, _ = row
    chosen = [documents[name] for name in names.split("+")]
    return is_allowed(chosen, action, resource, {"aws:PrincipalArn": principal, **extra})


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
    ]
    wrong = [row for row in checks if evaluate(documents, row) != row[5]]
    assert wrong == []
    assert len(t.deployment_role_arns) == 5 and t.targets[-2:] == [("production", PROD_A), ("production", PROD_B)]
