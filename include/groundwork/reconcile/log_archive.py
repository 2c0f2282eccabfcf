"""The Log Archive account's buckets and account-level public access block.

Who makes which call (the phase-1 `protect_log_archive` SCP on the Security OU denies everyone but
the break-glass role any change to a `<prefix>-*` bucket's policy, lock, lifecycle, replication,
versioning and encryption, and any deletion):
  * the access role (`access`): reads, CreateBucket (with Object Lock), tagging and the public
    access blocks (the `deny_public_s3_changes` guardrail exempts only the access role);
  * the break-glass role (`guarded`): Object Lock retention, versioning, default encryption, bucket
    policy, replication. Every change in this account is approved by a person first.
"""

from __future__ import annotations

from dataclasses import dataclass

from groundwork.aws import s3
from groundwork.plan.model import Change, to_apply
from groundwork.policy.documents import canonical
from groundwork.reconcile.s3_buckets import ALL_BLOCKED, block_text, read_protections

KIND = "log_bucket"
ACCOUNT_BLOCK_KIND = "s3_account_public_access_block"


@dataclass(frozen=True)
class LogBucketSpec:
    account: str
    account_name: str
    bucket: str
    region: str
    kms_key: str  # alias ARN of the key in the bucket's region
    policy: dict
    retention_days: int | None  # Object Lock COMPLIANCE default retention; None: no Object Lock
    replicate_to: str | None = None  # destination bucket
    replica_key: str | None = None  # alias ARN of the destination region's key
    replication_role: str | None = None

    @property
    def key(self) -> str:
        return f"{self.account_name}/{self.bucket}"


def _lock_text(lock: dict | None) -> str:
    if not lock or not lock.get("enabled"):
        return "off"
    return f"{lock.get('mode') or 'no default'} {lock.get('days') or 0} days"


def _replication_text(found: dict | None) -> str | None:
    if not found or found.get("status") != "Enabled":
        return None
    return f"{found['destination']} with {found['replica_key']} as {found['role']}"


def desired(spec: LogBucketSpec) -> dict:
    replication = None
    if spec.replicate_to:
        replication = f"arn:aws:s3:::{spec.replicate_to} with {spec.replica_key} as {spec.replication_role}"
    return {
        "object_lock": f"COMPLIANCE {spec.retention_days} days" if spec.retention_days else "off",
        "versioning": "Enabled",
        "encryption": f"aws:kms {spec.kms_key}",
        "public_access_block": ALL_BLOCKED,
        "replication": replication,
        "document": canonical(spec.policy),
    }


def read(client, spec: LogBucketSpec) -> dict | None:
    found = read_protections(client, spec.bucket)
    if found is None:
        return None
    return {"object_lock": _lock_text(s3.object_lock(client, spec.bucket)), **found,
            "replication": _replication_text(s3.replication(client, spec.bucket))}


def plan_bucket(access, spec: LogBucketSpec) -> Change:
    before = read(access.client("s3", account_id=spec.account, region=spec.region), spec)
    after = desired(spec)
    return Change.between(KIND, spec.key, before, after)


def apply_bucket(access, guarded, spec: LogBucketSpec, approved: set[str]) -> Change | None:
    """Create and block with the access role, then every protected setting as break-glass, Object
    Lock and policy first."""
    change = to_apply(plan_bucket(access, spec), approved)
    if change is None:
        return None
    client = access.client("s3", account_id=spec.account, region=spec.region)
    protected = guarded.client("s3", account_id=spec.account, region=spec.region)
    before, after = change.before or {}, change.after
    if change.action == "create":
        (s3.create_locked_bucket if spec.retention_days else s3.create_bucket)(client, spec.bucket, spec.region)
        before = {"object_lock": "off" if not spec.retention_days else None}
    if before.get("public_access_block") != after["public_access_block"]:
        s3.block_public_access(client, spec.bucket)
    if spec.retention_days and before.get("object_lock") != after["object_lock"]:
        s3.put_compliance_retention(protected, spec.bucket, spec.retention_days)
    if before.get("document") != after["document"]:
        s3.put_bucket_policy(protected, spec.bucket, spec.policy)
    if before.get("versioning") != after["versioning"] and not spec.retention_days:
        s3.enable_versioning(protected, spec.bucket)
    if before.get("encryption") != after["encryption"]:
        s3.put_kms_encryption(protected, spec.bucket, spec.kms_key)
    if spec.replicate_to and before.get("replication") != after["replication"]:
        s3.put_replication(protected, spec.bucket, spec.replication_role, spec.replicate_to, spec.replica_key)
    return change


# --------------------------------------------------------------------------- account-level block
def plan_account_block(access, account: str, account_name: str) -> Change:
    client = s3.control_client(access, account)
    found = s3.account_public_access_block(client, account)
    before = None if found is None else {
        "public_access_block": block_text(found)}
    after = {"public_access_block": ALL_BLOCKED}
    return Change.between(ACCOUNT_BLOCK_KIND, account_name, before, after)


def apply_account_block(access, account: str, account_name: str, approved: set[str]) -> Change | None:
    change = to_apply(plan_account_block(access, account, account_name), approved)
    if change is None:
        return None
    s3.block_account_public_access(s3.control_client(access, account), account)
    return change
