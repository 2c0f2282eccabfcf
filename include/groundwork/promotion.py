"""Artifact promotion: build once, deploy the *same* digest to every environment in order, to all
of an environment's accounts.

The path every deployment takes: the orchestrator's credentials assume PipelineExecutionRole in
Shared Services, which assumes the DeploymentRole of each account of each environment with the
ExternalId. This module pins and verifies artifacts, builds that chain, and reads what runs where
(the SSM record of each account) for approvers and reports; the deploy itself (a CloudFormation
stack) is groundwork.stack_deploy. Accounts are given by id; records and reports name them by their
configured names.

No Airflow import here; the promotion DAG is a thin shell over these functions.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from dataclasses import asdict, dataclass

import boto3

from groundwork.aws import s3, ssm
from groundwork.aws.context import AwsContext
from groundwork.policy.cicd import CicdTopology

SESSION_NAME = "groundwork-promotion"
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


class ArtifactError(Exception):
    """The artifact is missing, or its bytes do not have the digest they should."""


@dataclass(frozen=True)
class Artifact:
    key: str
    version_id: str | None
    digest: str
    size: int
    source: str  # s3://bucket/key

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Artifact:
        return cls(**data)


def digest_of(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def normalize_digest(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().lower()
    value = value if value.startswith("sha256:") else f"sha256:{value}"
    if not DIGEST.match(value):
        raise ArtifactError(f"{value!r} is not a sha256 digest (sha256:<64 hex>)")
    return value


# --------------------------------------------------------------------------- the role chain
def role_context(base: AwsContext, role_arn: str, external_id: str | None = None) -> AwsContext:
    """A context whose default session is `role_arn`, assumed from `base`'s session (calls are
    logged in the same list). The ExternalId goes into the AssumeRole call and nowhere else."""
    extra = {"ExternalId": external_id} if external_id else {}
    creds = base.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=SESSION_NAME, **extra)["Credentials"]
    session = boto3.session.Session(
        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"], region_name=base.region,
    )
    return AwsContext(session=session, region=base.region, access_role_name=base.access_role_name,
                      endpoint_for=base.endpoint_for, calls=base.calls)


def pipeline_context(ctx: AwsContext, t: CicdTopology) -> AwsContext:
    return role_context(ctx, t.pipeline_role_arn)


def deployment_context(pipeline: AwsContext, t: CicdTopology, env: str, account: str, external_id: str) -> AwsContext:
    """The deployment role of one account (`account`: its id) of `env`, assumed from the pipeline role."""
    return role_context(pipeline, t.deployment_role_arn(env, account), external_id)


# --------------------------------------------------------------------------- artifacts
def resolve_artifact(pipeline: AwsContext, t: CicdTopology, key: str, expected_digest: str | None = None) -> Artifact:
    """Pin the current version of `key` in the artifact store and verify its bytes: against
    `expected_digest` when given, else against the digest the build recorded (x-amz-meta-sha256)."""
    client = pipeline.client("s3")
    source = f"s3://{t.artifact_bucket}/{key}"
    head = s3.head_object(client, t.artifact_bucket, key)
    if head is None:
        raise ArtifactError(f"no artifact {source}")
    body, response = s3.read_object(client, t.artifact_bucket, key, head.get("VersionId"))
    actual = digest_of(body)
    expected = normalize_digest(expected_digest) or normalize_digest(head.get("Metadata", {}).get("sha256"))
    if expected is None:
        raise ArtifactError(f"{source} has no recorded digest (x-amz-meta-sha256); give expected_digest")
    if actual != expected:
        raise ArtifactError(f"{source}: digest {actual} does not match the expected {expected}; not deploying")
    return Artifact(key, response.get("VersionId") or head.get("VersionId"), actual, len(body), source)


def deployed_key(artifact: Artifact) -> str:
    return f"releases/{artifact.digest.removeprefix('sha256:')}/{posixpath.basename(artifact.key) or 'artifact'}"


def current(deployment: AwsContext, t: CicdTopology) -> dict | None:
    """What runs in the deployment role's account (its record), or None."""
    value = ssm.get_parameter(deployment.client("ssm"), t.record_parameter)
    return json.loads(value) if value else None


def status(pipeline: AwsContext, t: CicdTopology, external_id: str, envs: list[str] | None = None) -> dict:
    """{environment: {account name: its record or None}}, read through each account's deployment role;
    environments in promotion order."""
    out: dict[str, dict] = {}
    for env, account in t.targets:
        if envs is None or env in envs:
            context = deployment_context(pipeline, t, env, account, external_id)
            out.setdefault(env, {})[t.name_of(account)] = current(context, t)
    return out


def behind(records: dict, digest: str) -> list[str]:
    """'<environment>/<account>' of every target of `records` (as `status` returns) not running `digest`."""
    return [f"{env}/{name}" for env, accounts in records.items() for name, record in accounts.items()
            if not record or record.get("digest") != digest]


def approval_markdown(artifact: Artifact, env: str, records: dict) -> str:
    """What the approver sees: what is about to reach every account of `env`, and what runs
    everywhere now (`records` as `status` returns them)."""
    targets = ", ".join(records.get(env, {})) or "its accounts"
    lines = [
        f"**About to deploy to {env}** ({targets}): `{artifact.source}` (version `{artifact.version_id}`, "
        f"{artifact.size} bytes)",
        "",
        f"**Digest:** `{artifact.digest}` (verified again before each copy)",
        "",
        "| environment | account | runs now | deployed at |",
        "|---|---|---|---|",
    ]
    for name, accounts in records.items():
        for account, record in accounts.items():
            if record:
                same = " (this artifact)" if record.get("digest") == artifact.digest else ""
                lines.append(f"| {name} | {account} | `{record['digest']}` {record.get('artifact', '')}{same} | "
                             f"{record.get('deployed_at', '')} |")
            else:
                lines.append(f"| {name} | {account} | nothing yet | |")
    return "\n".join(lines)
