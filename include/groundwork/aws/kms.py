"""KMS calls, one small function each, fully paginated; 'not found' is None."""

from __future__ import annotations

from groundwork.aws.common import MANAGED_KMS_TAG, all_items

from groundwork.policy.documents import canonical

ALIAS_TAG = "groundwork-alias"


_all = all_items


def key_id_for_alias(client, alias: str) -> str | None:
    return next((a.get("TargetKeyId") for a in _all(client, "list_aliases", "Aliases") if a["AliasName"] == alias), None)


def describe_key(client, key_id: str) -> dict | None:
    try:
        return client.describe_key(KeyId=key_id)["KeyMetadata"]
    except client.exceptions.NotFoundException:
        return None


def key_policy(client, key_id: str) -> str:
    return client.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]


def rotation_enabled(client, key_id: str) -> bool:
    return bool(client.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"])


def orphan_key_for_alias(client, alias: str) -> str | None:
    """A key groundwork created for `alias` whose alias was never made (a create cut short)."""
    for key in _all(client, "list_keys", "Keys"):
        try:
            tags = {t["TagKey"]: t["TagValue"] for t in _all(client, "list_resource_tags", "Tags", KeyId=key["KeyId"])}
        except client.exceptions.ClientError:  # AWS-managed keys refuse ListResourceTags
            continue
        if tags.get(ALIAS_TAG) == alias:
            meta = describe_key(client, key["KeyId"])
            if meta and meta.get("KeyState") == "Enabled":
                return key["KeyId"]
    return None


def create_key(client, alias: str, description: str, policy: dict | str) -> str:
    return client.create_key(
        Policy=canonical(policy), Description=description, KeyUsage="ENCRYPT_DECRYPT",
        KeySpec="SYMMETRIC_DEFAULT",
        Tags=[MANAGED_KMS_TAG, {"TagKey": ALIAS_TAG, "TagValue": alias}],
    )["KeyMetadata"]["KeyId"]


def create_alias(client, alias: str, key_id: str) -> None:
    client.create_alias(AliasName=alias, TargetKeyId=key_id)


def put_key_policy(client, key_id: str, policy: dict | str) -> None:
    client.put_key_policy(KeyId=key_id, PolicyName="default", Policy=canonical(policy))


def enable_rotation(client, key_id: str) -> None:
    client.enable_key_rotation(KeyId=key_id)


def update_description(client, key_id: str, description: str) -> None:
    client.update_key_description(KeyId=key_id, Description=description)


def cancel_key_deletion(client, key_id: str) -> None:
    """Undo ScheduleKeyDeletion (the key comes back Disabled, its data still decryptable)."""
    client.cancel_key_deletion(KeyId=key_id)


def enable_key(client, key_id: str) -> None:
    client.enable_key(KeyId=key_id)
