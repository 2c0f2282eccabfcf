"""Identity store calls (the directory behind IAM Identity Center): groups, one small function each."""

from __future__ import annotations


def group_id(client, store_id: str, display_name: str) -> str | None:
    """The group's id by its display name, or None."""
    try:
        return client.get_group_id(
            IdentityStoreId=store_id,
            AlternateIdentifier={"UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": display_name}},
        )["GroupId"]
    except client.exceptions.ResourceNotFoundException:
        return None


def create_group(client, store_id: str, display_name: str, description: str) -> str:
    kwargs = {"IdentityStoreId": store_id, "DisplayName": display_name}
    if description:
        kwargs["Description"] = description
    try:
        return client.create_group(**kwargs)["GroupId"]
    except client.exceptions.ConflictException:  # made meanwhile (a rerun racing a retry): use it
        return group_id(client, store_id, display_name)


def group_description(client, store_id: str, group_id: str) -> str:
    return client.describe_group(IdentityStoreId=store_id, GroupId=group_id).get("Description") or ""


def update_group_description(client, store_id: str, group_id: str, description: str) -> None:
    client.update_group(IdentityStoreId=store_id, GroupId=group_id,
                        Operations=[{"AttributePath": "description", "AttributeValue": description}])
