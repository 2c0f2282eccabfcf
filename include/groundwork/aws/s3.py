"""S3 bucket and object calls, one small function each; 'not found' is None."""

from __future__ import annotations

from groundwork.aws.common import MANAGED_TAG

from groundwork.aws.errors import error_code
from groundwork.policy.documents import canonical

BLOCK_ALL = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
             "RestrictPublicBuckets": True}


def bucket_exists(client, bucket: str) -> bool:
    try:
        client.head_bucket(Bucket=bucket)
        return True
    except client.exceptions.ClientError as exc:
        if error_code(exc) in ("404", "NoSuchBucket", "NotFound"):
            return False
        raise


def create_bucket(client, bucket: str, region: str) -> None:
    kwargs = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    try:
        client.create_bucket(Bucket=bucket, **kwargs)
    except client.exceptions.BucketAlreadyOwnedByYou:
        pass
    client.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [MANAGED_TAG]})


def versioning(client, bucket: str) -> str:
    return client.get_bucket_versioning(Bucket=bucket).get("Status", "Disabled")


def enable_versioning(client, bucket: str) -> None:
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})


def default_encryption(client, bucket: str) -> dict | None:
    """{"algorithm", "key"} of the bucket's default encryption rule."""
    try:
        rules = client.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    except client.exceptions.ClientError as exc:
        if error_code(exc) == "ServerSideEncryptionConfigurationNotFoundError":
            return None
        raise
    default = rules[0].get("ApplyServerSideEncryptionByDefault", {}) if rules else {}
    return {"algorithm": default.get("SSEAlgorithm"), "key": default.get("KMSMasterKeyID")}


def put_kms_encryption(client, bucket: str, key: str) -> None:
    client.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key},
        "BucketKeyEnabled": True,
    }]})


def public_access_block(client, bucket: str) -> dict | None:
    try:
        return client.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    except client.exceptions.ClientError as exc:
        if error_code(exc) == "NoSuchPublicAccessBlockConfiguration":
            return None
        raise


def block_public_access(client, bucket: str) -> None:
    client.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=BLOCK_ALL)


def bucket_policy(client, bucket: str) -> str | None:
    try:
        return client.get_bucket_policy(Bucket=bucket)["Policy"]
    except client.exceptions.ClientError as exc:
        if error_code(exc) == "NoSuchBucketPolicy":
            return None
        raise


def put_bucket_policy(client, bucket: str, document: dict | str) -> None:
    client.put_bucket_policy(Bucket=bucket, Policy=canonical(document))


def head_object(client, bucket: str, key: str, version_id: str | None = None) -> dict | None:
    kwargs = {"VersionId": version_id} if version_id else {}
    try:
        return client.head_object(Bucket=bucket, Key=key, **kwargs)
    except client.exceptions.ClientError as exc:
        if error_code(exc) in ("404", "NoSuchKey", "NotFound", "NoSuchVersion"):
            return None
        raise


def read_object(client, bucket: str, key: str, version_id: str | None = None) -> tuple[bytes, dict]:
    kwargs = {"VersionId": version_id} if version_id else {}
    response = client.get_object(Bucket=bucket, Key=key, **kwargs)
    return response["Body"].read(), response


def put_encrypted_object(client, bucket: str, key: str, body: bytes, kms_key: str, metadata: dict) -> dict:
    return client.put_object(Bucket=bucket, Key=key, Body=body, ServerSideEncryption="aws:kms",
                             SSEKMSKeyId=kms_key, Metadata=metadata)


# --------------------------------------------------------------------------- log archive (phase 4)
def create_locked_bucket(client, bucket: str, region: str) -> None:
    """A bucket with Object Lock enabled (only possible at creation; it also turns versioning on)."""
    kwargs = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    try:
        client.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True, **kwargs)
    except client.exceptions.BucketAlreadyOwnedByYou:
        pass
    client.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [MANAGED_TAG]})


def object_lock(client, bucket: str) -> dict | None:
    """{"enabled", "mode", "days"} of the bucket's Object Lock, or None when it has none."""
    try:
        found = client.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    except client.exceptions.ClientError as exc:
        if error_code(exc) == "ObjectLockConfigurationNotFoundError":
            return None
        raise
    retention = (found.get("Rule") or {}).get("DefaultRetention") or {}
    days = retention.get("Days") or (retention.get("Years") or 0) * 365 or None  # AWS sets one of the two
    return {"enabled": found.get("ObjectLockEnabled") == "Enabled", "mode": retention.get("Mode"), "days": days}


def put_compliance_retention(client, bucket: str, days: int) -> None:
    client.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": days}}})


def replication(client, bucket: str) -> dict | None:
    """{"role", "destination", "replica_key"} of the bucket's first replication rule, or None."""
    try:
        found = client.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]
    except client.exceptions.ClientError as exc:
        if error_code(exc) == "ReplicationConfigurationNotFoundError":
            return None
        raise
    rule = (found.get("Rules") or [{}])[0]
    destination = rule.get("Destination", {})
    return {"role": found.get("Role"), "destination": destination.get("Bucket"), "status": rule.get("Status"),
            "replica_key": (destination.get("EncryptionConfiguration") or {}).get("ReplicaKmsKeyID")}


def put_replication(client, bucket: str, role_arn: str, destination_bucket: str, replica_key: str) -> None:
    """Replicate every object, SSE-KMS ones re-encrypted with the destination region's key."""
    client.put_bucket_replication(Bucket=bucket, ReplicationConfiguration={"Role": role_arn, "Rules": [{
        "ID": "replicate-all", "Priority": 1, "Status": "Enabled", "Filter": {},
        "DeleteMarkerReplication": {"Status": "Disabled"},
        "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
        "Destination": {"Bucket": f"arn:aws:s3:::{destination_bucket}",
                        "EncryptionConfiguration": {"ReplicaKmsKeyID": replica_key}},
    }]})


IP_HOST_LABEL_HOOK = "groundwork-s3-control-ip-host-label"


def _without_ip_host_label(request, **_) -> None:
    """S3 Control puts the account id in front of the endpoint's host (`<account>.<host>`). When the
    configured endpoint is an IP address that name cannot resolve, so connect to the address itself
    (the signed Host header keeps the full name)."""
    scheme, _, rest = request.url.partition("://")
    host, slash, path = rest.partition("/")
    label, _, address = host.partition(".")
    if len(label) == 12 and label.isdigit() and address.split(":")[0].replace(".", "").isdigit():
        request.headers["Host"] = host
        request.url = f"{scheme}://{address}{slash}{path}"


def control_client(ctx, account_id: str | None):
    client = ctx.client("s3control", account_id=account_id)
    # once per botocore client: every account's s3control client is the same one (AwsContext.client)
    client.meta.events.register("before-send.s3-control", _without_ip_host_label, unique_id=IP_HOST_LABEL_HOOK)
    return client


def account_public_access_block(client, account_id: str) -> dict | None:
    try:
        return client.get_public_access_block(AccountId=account_id)["PublicAccessBlockConfiguration"]
    except client.exceptions.ClientError as exc:
        if error_code(exc) == "NoSuchPublicAccessBlockConfiguration":
            return None
        raise


def block_account_public_access(client, account_id: str) -> None:
    client.put_public_access_block(AccountId=account_id, PublicAccessBlockConfiguration=BLOCK_ALL)
