"""S3 buckets groundwork owns (phase 5's artifact store and deployment buckets; phase 4's log
buckets add Object Lock and replication in log_archive.py): versioning, default SSE-KMS with the right key (by alias ARN), public access blocked,
bucket policy."""

from __future__ import annotations

from dataclasses import dataclass

from groundwork.aws import s3
from groundwork.plan.model import Change, to_apply
from groundwork.policy.documents import canonical

KIND = "s3_bucket"
ALL_BLOCKED = "all blocked"


@dataclass(frozen=True)
class BucketSpec:
    account: str
    account_name: str
    bucket: str
    kms_key: str  # alias ARN of the bucket's key
    policy: dict
    region: str
    production: bool = False

    @property
    def key(self) -> str:
        return f"{self.account_name}/{self.bucket}"


def desired(spec: BucketSpec) -> dict:
    return {"versioning": "Enabled", "encryption": f"aws:kms {spec.kms_key}",
            "public_access_block": ALL_BLOCKED, "document": canonical(spec.policy)}


def block_text(block: dict | None) -> str:
    return ALL_BLOCKED if block and all(block.get(k) for k in s3.BLOCK_ALL) else "not all blocked"


def read_protections(client, bucket: str) -> dict | None:
    """Versioning, default encryption, public access block and policy of a bucket (None: absent);
    the log archive's buckets add their lock and replication to this."""
    if not s3.bucket_exists(client, bucket):
        return None
    encryption = s3.default_encryption(client, bucket)
    policy = s3.bucket_policy(client, bucket)
    return {
        "versioning": s3.versioning(client, bucket),
        "encryption": f"{encryption['algorithm']} {encryption['key']}" if encryption else "none",
        "public_access_block": block_text(s3.public_access_block(client, bucket)),
        "document": canonical(policy) if policy else None,
    }


def read(ctx, spec: BucketSpec) -> dict | None:
    return read_protections(ctx.client("s3", account_id=spec.account), spec.bucket)


def plan_bucket(ctx, spec: BucketSpec) -> Change:
    before, after = read(ctx, spec), desired(spec)
    return Change.between(KIND, spec.key, before, after, production=spec.production)


def apply_bucket(ctx, spec: BucketSpec, approved: set[str]) -> Change | None:
    change = to_apply(plan_bucket(ctx, spec), approved)
    if change is None:
        return None
    client = ctx.client("s3", account_id=spec.account)
    before, after = change.before or {}, change.after
    if change.action == "create":
        s3.create_bucket(client, spec.bucket, spec.region)
    if before.get("public_access_block") != after["public_access_block"]:
        s3.block_public_access(client, spec.bucket)
    if before.get("versioning") != after["versioning"]:
        s3.enable_versioning(client, spec.bucket)
    if before.get("encryption") != after["encryption"]:
        s3.put_kms_encryption(client, spec.bucket, spec.kms_key)
    if before.get("document") != after["document"]:
        s3.put_bucket_policy(client, spec.bucket, spec.policy)
    return change
