"""S3 bucket and object calls, one small function each; 'not found' is None."""

from __future__ import annotations

from groundwork.aws.errors import error_code
from groundwork.policy.documents import canonical

MANAGED_TAG = {"Key": "managed-by", "Value": "groundwork"}
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
