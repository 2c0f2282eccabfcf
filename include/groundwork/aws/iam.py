"""IAM role calls, one small function each; 'not found' is None."""

from __future__ import annotations

from groundwork.aws.common import MANAGED_TAG

from groundwork.policy.documents import canonical


def get_role(client, name: str) -> dict | None:
    try:
        return client.get_role(RoleName=name)["Role"]
    except client.exceptions.NoSuchEntityException:
        return None


def role_policy(client, role: str, policy_name: str) -> dict | None:
    try:
        return client.get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"]
    except client.exceptions.NoSuchEntityException:
        return None


def create_role(client, name: str, trust: dict | str, description: str) -> dict:
    return client.create_role(
        RoleName=name, AssumeRolePolicyDocument=canonical(trust), Description=description,
        MaxSessionDuration=3600, Tags=[MANAGED_TAG],
    )["Role"]


def update_trust(client, name: str, trust: dict | str) -> None:
    client.update_assume_role_policy(RoleName=name, PolicyDocument=canonical(trust))


def put_role_policy(client, role: str, policy_name: str, document: dict | str) -> None:
    client.put_role_policy(RoleName=role, PolicyName=policy_name, PolicyDocument=canonical(document))


def role_tags(client, name: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in client.list_role_tags(RoleName=name).get("Tags", [])}


def delete_role(client, name: str) -> None:
    """Its inline policies first (IAM refuses to delete a role that has any); gone already is fine."""
    try:
        for policy in client.list_role_policies(RoleName=name)["PolicyNames"]:
            client.delete_role_policy(RoleName=name, PolicyName=policy)
        client.delete_role(RoleName=name)
    except client.exceptions.NoSuchEntityException:
        pass
