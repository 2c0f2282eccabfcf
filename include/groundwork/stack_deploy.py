"""A real deploy: the promoted artifact is a CloudFormation bundle, and deploying it creates or
updates one stack in each target account.

The bundle (a zip file, the artifact's bytes):
- `template.yaml`, `template.yml` or `template.json`: exactly one CloudFormation template;
- `template-config.json` (optional): CodePipeline's template configuration file,
  `{"Parameters": {name: value}, "Tags": {key: value}}`;
- `template-config.<environment>.json` (optional): the same, for one environment; its Parameters
  and Tags override the base file's there. Differences between environments are config, not code.
If the template declares a parameter `Environment` or `ArtifactDigest` and the configuration does
not set it, groundwork passes the environment's name / the artifact's digest.

Everything runs as the target account's DeploymentRole (reached through PipelineExecutionRole with
the ExternalId): the bundle is read from the artifact store and checked against the promoted
digest, its bytes are kept in the account's deployment bucket under the environment's key, and the
stack (`cicd.stack_name`) is created or updated with `RoleARN` = the account's CloudFormation
service role, so CloudFormation acts with that role's permissions, not the deployment role's.
Tags on the stack say which artifact it runs (`groundwork:digest`, `groundwork:artifact`).

`advance` is one step of a small state machine over the stack's status, safe to call again at any
point (a rerun, a cleared task, a killed worker): it starts at most one operation and says whether
to wait for it. A failed create or update is rolled back by CloudFormation; `advance` then reports
the stack and its failing resource events. On success the SSM record (`cicd.record_parameter`) of
the account says what runs there, with what ran before (`previous`), which is what `rollback_target`
returns to.

No Airflow import here: the promotion DAG's deploy operator calls `advance` and waits (deferred) on
the probe `stack_settled` between calls.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone

from groundwork.aws import cloudformation as cfn
from groundwork.aws import s3, ssm
from groundwork.aws.common import MANAGED
from groundwork.aws.context import AwsContext
from groundwork.policy.cicd import CicdTopology
from groundwork.promotion import Artifact, ArtifactError, current, deployed_key, digest_of

TEMPLATE_NAMES = ("template.yaml", "template.yml", "template.json")
CONFIG_NAME = "template-config.json"
DIGEST_TAG, ARTIFACT_TAG = "groundwork:digest", "groundwork:artifact"
TEMPLATE_BODY_LIMIT = 51_200  # bytes AWS accepts as TemplateBody
CONTEXT_PARAMETERS = ("Environment", "ArtifactDigest")


class BundleError(ArtifactError):
    """The artifact is not a deployable bundle."""


class DeployFailed(Exception):
    """CloudFormation could not deploy (and rolled back), or the stack needs a person."""


# --------------------------------------------------------------------------- the bundle
@dataclass(frozen=True)
class Bundle:
    template: str
    parameters: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


def _configuration(archive: zipfile.ZipFile, name: str) -> tuple[dict, dict]:
    if name not in archive.namelist():
        return {}, {}
    try:
        data = json.loads(archive.read(name))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BundleError(f"{name} is not JSON: {exc}") from None
    if not isinstance(data, dict) or set(data) - {"Parameters", "Tags", "StackPolicy"}:
        raise BundleError(f"{name} must be an object with Parameters and/or Tags (CodePipeline's template "
                          f"configuration file), not {sorted(data) if isinstance(data, dict) else type(data).__name__}")
    out = []
    for section in ("Parameters", "Tags"):
        values = data.get(section) or {}
        if not isinstance(values, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in values.items()):
            raise BundleError(f"{name}: {section} must map names to string values")
        out.append(dict(values))
    return out[0], out[1]


def read_bundle(body: bytes, environment: str) -> Bundle:
    """The template, parameters and tags of a bundle for one environment (BundleError says what is wrong)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
    except zipfile.BadZipFile:
        raise BundleError("the artifact is not a zip file: a deployable artifact is a zip holding template.yaml "
                          "(or .yml/.json) and optionally template-config.json") from None
    with archive:
        templates = [n for n in archive.namelist() if n in TEMPLATE_NAMES]
        if len(templates) != 1:
            raise BundleError(f"the bundle must hold exactly one of {', '.join(TEMPLATE_NAMES)} at its top level; "
                              f"it holds {sorted(archive.namelist())}")
        try:
            template = archive.read(templates[0]).decode("utf-8")
        except UnicodeDecodeError:
            raise BundleError(f"{templates[0]} is not UTF-8 text") from None
        parameters, tags = _configuration(archive, CONFIG_NAME)
        env_parameters, env_tags = _configuration(archive, f"template-config.{environment}.json")
    if len(template.encode()) > TEMPLATE_BODY_LIMIT:
        raise BundleError(f"{templates[0]} is {len(template.encode())} bytes; CloudFormation takes at most "
                          f"{TEMPLATE_BODY_LIMIT} bytes inline (larger templates are not supported yet)")
    return Bundle(template, {**parameters, **env_parameters}, {**tags, **env_tags})


def check_bundle(pipeline: AwsContext, t: CicdTopology, artifact: Artifact) -> str:
    """Read the pinned artifact as the pipeline role and parse it for every environment (BundleError
    before anything is deployed); returns a one-line summary."""
    body, _ = s3.read_object(pipeline.client("s3"), t.artifact_bucket, artifact.key, artifact.version_id)
    if digest_of(body) != artifact.digest:
        raise ArtifactError(f"{artifact.source} changed under us: {digest_of(body)} is not {artifact.digest}")
    bundles = {env: read_bundle(body, env) for env in t.environments}
    sizes = sorted({len(b.template.encode()) for b in bundles.values()})
    return (f"template of {'/'.join(map(str, sizes))} bytes, parameters per environment: "
            + "; ".join(f"{env}: {', '.join(sorted(b.parameters)) or 'none'}" for env, b in bundles.items()))


def make_bundle(template: str, parameters: dict | None = None, per_environment: dict[str, dict] | None = None,
                tags: dict | None = None) -> bytes:
    """A bundle's bytes (what a build produces; tests and the demo use it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("template.yaml", date_time=(2026, 1, 1, 0, 0, 0)), template)
        if parameters or tags:
            archive.writestr(zipfile.ZipInfo(CONFIG_NAME, date_time=(2026, 1, 1, 0, 0, 0)),
                             json.dumps({"Parameters": parameters or {}, "Tags": tags or {}}, sort_keys=True))
        for env, values in (per_environment or {}).items():
            archive.writestr(zipfile.ZipInfo(f"template-config.{env}.json", date_time=(2026, 1, 1, 0, 0, 0)),
                             json.dumps({"Parameters": values}, sort_keys=True))
    return buffer.getvalue()


# --------------------------------------------------------------------------- one step
@dataclass(frozen=True)
class Step:
    """What `advance` did: `wait` (an operation runs: call `advance` again once the stack settled,
    with `started` = `action`), or `done` (the artifact runs there: `record`)."""

    kind: str  # "wait" | "done"
    action: str  # create | update | delete | in-progress | none
    stack: str
    record: dict | None = None
    changed: bool = False

    def to_dict(self) -> dict:
        return {"kind": self.kind, "action": self.action, "stack": self.stack, "record": self.record,
                "changed": self.changed}


def _token(run_id: str, account: str, digest: str, action: str) -> str:
    """ClientRequestToken: a repeat of the same call (a retry) is one operation in AWS."""
    return "groundwork-" + hashlib.sha256(f"{run_id}|{account}|{digest}|{action}".encode()).hexdigest()[:48]


def _label(t: CicdTopology, env: str, account: str) -> str:
    return f"stack {t.stack_name} in {t.label(env, account)} ({account})"


def _failure(client, t: CicdTopology, env: str, account: str, stack: dict) -> DeployFailed:
    events = cfn.failure_events(client, stack["StackId"])
    lines = [f"{_label(t, env, account)} is {stack['StackStatus']}"
             + (f": {stack['StackStatusReason']}" if stack.get("StackStatusReason") else "")]
    for e in events:
        lines.append(f"  {e['LogicalResourceId']} ({e['ResourceType']}) {e['ResourceStatus']}: "
                     f"{e.get('ResourceStatusReason', '')}")
    if not events:
        lines.append("  (no failed resource event in its latest operation)")
    return DeployFailed("\n".join(lines))


def _parameters(client, bundle: Bundle, env: str, artifact: Artifact) -> dict[str, str]:
    declared = set(cfn.template_parameters(client, bundle.template))
    context = {"Environment": env, "ArtifactDigest": artifact.digest}
    return {**{k: v for k, v in context.items() if k in declared}, **bundle.parameters}


def _load(deployment: AwsContext, t: CicdTopology, env: str, account: str, artifact: Artifact) -> Bundle:
    """Read the artifact version as the deployment role, check its digest, parse it, and keep its
    bytes in the account's deployment bucket under the environment's key."""
    client = deployment.client("s3")
    body, _ = s3.read_object(client, t.artifact_bucket, artifact.key, artifact.version_id)
    if digest_of(body) != artifact.digest:
        raise ArtifactError(f"{artifact.source} changed under us: {digest_of(body)} is not {artifact.digest}")
    bundle = read_bundle(body, env)
    bucket, key = t.deployment_bucket(env, account), deployed_key(artifact)
    if not s3.head_object(client, bucket, key):
        s3.put_encrypted_object(client, bucket, key, body, t.environment_key_arn(env, account),
                                {"sha256": artifact.digest, "source": artifact.source})
    return bundle


def _start(deployment, t, env, account, artifact, run_id, action: str, attempt: int, note: str = "") -> Step:
    client = deployment.client("cloudformation")
    bundle = _load(deployment, t, env, account, artifact)
    parameters = _parameters(client, bundle, env, artifact)
    tags = {**bundle.tags, **MANAGED, DIGEST_TAG: artifact.digest, ARTIFACT_TAG: artifact.source[:256]}
    role, token = t.cloudformation_role_arn(env, account), _token(run_id, account, artifact.digest, f"{action}-{attempt}")
    if action == "create":
        cfn.create_stack(client, t.stack_name, bundle.template, parameters, tags, role, token, [])
    elif not cfn.update_stack(client, t.stack_name, bundle.template, parameters, tags, role, token, []):
        return _done(deployment, t, env, account, artifact, run_id, note=note)
    return Step("wait", action, t.stack_name)


def advance(deployment: AwsContext, t: CicdTopology, env: str, account: str, artifact: Artifact, run_id: str,
            started: str | None = None, note: str = "", attempt: int = 1) -> Step:
    """Take `artifact` one step closer to running in one account of `env` (`account`: its id).

    `started` is the action the previous call started and that has since settled (None on a first
    call or a rerun): a create or update that ends rolled back is then this deploy's failure
    (DeployFailed, naming the stack and the failing resource events). Without it, a stack a failed
    create left behind (ROLLBACK_COMPLETE: it holds nothing) is deleted and created again, and a stack
    rolled back to its previous version is updated again: clearing a failed deploy retries it.
    `attempt` (the task's try) goes into the ClientRequestToken of what it starts."""
    client = deployment.client("cloudformation")
    stack = cfn.describe_stack(client, t.stack_name)
    if stack is None:
        return _start(deployment, t, env, account, artifact, run_id, "create", attempt, note)
    status = stack["StackStatus"]
    if cfn.in_progress(status):
        return Step("wait", "in-progress", t.stack_name)
    if status in cfn.STUCK:
        raise _failure(client, t, env, account, stack)
    if status == "ROLLBACK_COMPLETE":
        if started == "create":
            raise _failure(client, t, env, account, stack)
        cfn.delete_stack(client, t.stack_name, t.cloudformation_role_arn(env, account),
                         _token(run_id, account, artifact.digest, f"delete-{attempt}"))
        return Step("wait", "delete", t.stack_name)
    if status == "UPDATE_ROLLBACK_COMPLETE" and started == "update":
        raise _failure(client, t, env, account, stack)
    if status in cfn.SUCCEEDED and cfn.tags_of(stack).get(DIGEST_TAG) == artifact.digest:
        return _done(deployment, t, env, account, artifact, run_id, stack, note)
    return _start(deployment, t, env, account, artifact, run_id, "update", attempt, note)


def _done(deployment, t, env, account, artifact, run_id, stack=None, note: str = "") -> Step:
    """The artifact runs in the account: make its record say so (once)."""
    stack = stack or cfn.describe_stack(deployment.client("cloudformation"), t.stack_name)
    before = current(deployment, t)
    if before and before.get("digest") == artifact.digest and before.get("stack", {}).get("id") == stack["StackId"]:
        return Step("done", "none", t.stack_name, before, changed=False)
    record = {
        "environment": env,
        "account": t.name_of(account),
        "digest": artifact.digest,
        "artifact": artifact.source,
        "key": artifact.key,
        "version_id": artifact.version_id,
        "object": f"s3://{t.deployment_bucket(env, account)}/{deployed_key(artifact)}",
        "kms_key": t.environment_key_arn(env, account),
        "stack": {"name": t.stack_name, "id": stack["StackId"], "status": stack["StackStatus"],
                  "outputs": cfn.outputs_of(stack)},
        "run_id": run_id,
        "deployed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    if note:
        record["note"] = note
    if before and before.get("digest") != artifact.digest:
        record["previous"] = {k: before[k] for k in ("digest", "artifact", "key", "version_id", "run_id", "deployed_at")
                              if k in before}
    elif before and before.get("previous"):
        record["previous"] = before["previous"]
    ssm.put_parameter(deployment.client("ssm"), t.record_parameter, json.dumps(record, sort_keys=True),
                      description="groundwork: the artifact and stack running in this account")
    return Step("done", "none", t.stack_name, record, changed=True)


# --------------------------------------------------------------------------- waiting (the trigger's probe)
def stack_settled(ctx: AwsContext, account_id: str, stack_name: str, region: str | None = None,
                  carry: dict | None = None) -> tuple[bool, dict]:
    """Probe: done when the stack is in no *_IN_PROGRESS state (or gone). Read with the
    orchestrator's access role in the account (read only; the deployment chain's ExternalId is not
    needed in the triggerer). `carry` comes back unchanged in the result (what the wait was for)."""
    stack = cfn.describe_stack(ctx.client("cloudformation", account_id=account_id, region=region), stack_name)
    status = stack["StackStatus"] if stack else cfn.GONE
    return not cfn.in_progress(status), {"account_id": account_id, "stack": stack_name, "status": status,
                                         "carry": carry or {}}


# --------------------------------------------------------------------------- rollback of a partial promotion
def artifact_of(record: dict) -> Artifact:
    """The artifact a record (or its `previous`) names, to deploy it again."""
    key = record.get("key") or record["artifact"].split("/", 3)[3]
    return Artifact(key=key, version_id=record.get("version_id"), digest=record["digest"], size=0,
                    source=record["artifact"])


def rollback_target(deployment: AwsContext, t: CicdTopology, artifact: Artifact) -> Artifact | None:
    """What to return one account to after its environment's promotion of `artifact` failed
    elsewhere: the version that ran before, if the stack runs `artifact` now; None when it does not
    (never updated, or rolled back by CloudFormation) or has no earlier version (its first deploy)."""
    stack = cfn.describe_stack(deployment.client("cloudformation"), t.stack_name)
    if stack is None or cfn.tags_of(stack).get(DIGEST_TAG) != artifact.digest:
        return None
    record = current(deployment, t) or {}
    before = record.get("previous") if record.get("digest") == artifact.digest else record
    return artifact_of(before) if before and before.get("digest") else None

