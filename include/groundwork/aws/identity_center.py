"""IAM Identity Center (sso-admin) calls, one small function each, fully paginated.

Permission sets, their policies, provisioning to accounts, and account assignments. Asynchronous
operations (assignment creation/deletion, provisioning) return their status dict; callers poll it
by request id. 'Not found' is a value, not an exception leaking upward.
"""

from __future__ import annotations

import json

from groundwork.aws.common import MANAGED_TAG, all_items
from groundwork.aws.errors import error_code

LATEST = "LATEST_PERMISSION_SET_PROVISIONED"
OUTDATED = "LATEST_PERMISSION_SET_NOT_PROVISIONED"
IN_PROGRESS = "IN_PROGRESS"


_all = all_items


def instances(client) -> list[dict]:
    return _all(client, "list_instances", "Instances")


# --------------------------------------------------------------------------- permission sets
def permission_set_arns(client, instance_arn: str) -> list[str]:
    return _all(client, "list_permission_sets", "PermissionSets", InstanceArn=instance_arn)


def describe_permission_set(client, instance_arn: str, arn: str) -> dict:
    return client.describe_permission_set(InstanceArn=instance_arn, PermissionSetArn=arn)["PermissionSet"]


def permission_set_tags(client, instance_arn: str, arn: str) -> dict[str, str]:
    items = _all(client, "list_tags_for_resource", "Tags", InstanceArn=instance_arn, ResourceArn=arn)
    return {t["Key"]: t["Value"] for t in items}


def managed_policies(client, instance_arn: str, arn: str) -> list[str]:
    items = _all(client, "list_managed_policies_in_permission_set", "AttachedManagedPolicies",
                 InstanceArn=instance_arn, PermissionSetArn=arn)
    return [p["Arn"] for p in items]


def customer_managed_policies(client, instance_arn: str, arn: str) -> list[dict]:
    return _all(client, "list_customer_managed_policy_references_in_permission_set",
                "CustomerManagedPolicyReferences", InstanceArn=instance_arn, PermissionSetArn=arn)


def inline_policy(client, instance_arn: str, arn: str) -> dict | None:
    text = client.get_inline_policy_for_permission_set(InstanceArn=instance_arn, PermissionSetArn=arn).get("InlinePolicy")
    return json.loads(text) if text else None


def create_permission_set(client, instance_arn: str, name: str, description: str, session_duration: str) -> str:
    kwargs = {"InstanceArn": instance_arn, "Name": name, "SessionDuration": session_duration, "Tags": [MANAGED_TAG]}
    if description:
        kwargs["Description"] = description
    return client.create_permission_set(**kwargs)["PermissionSet"]["PermissionSetArn"]


def update_permission_set(client, instance_arn: str, arn: str, description: str, session_duration: str) -> None:
    kwargs = {"InstanceArn": instance_arn, "PermissionSetArn": arn, "SessionDuration": session_duration}
    if description:
        kwargs["Description"] = description
    client.update_permission_set(**kwargs)


def delete_permission_set(client, instance_arn: str, arn: str) -> None:
    try:
        client.delete_permission_set(InstanceArn=instance_arn, PermissionSetArn=arn)
    except client.exceptions.ResourceNotFoundException:
        pass


def attach_managed_policy(client, instance_arn: str, arn: str, policy_arn: str) -> None:
    try:
        client.attach_managed_policy_to_permission_set(InstanceArn=instance_arn, PermissionSetArn=arn,
                                                       ManagedPolicyArn=policy_arn)
    except client.exceptions.ConflictException:
        pass  # already attached


def detach_managed_policy(client, instance_arn: str, arn: str, policy_arn: str) -> None:
    try:
        client.detach_managed_policy_from_permission_set(InstanceArn=instance_arn, PermissionSetArn=arn,
                                                         ManagedPolicyArn=policy_arn)
    except client.exceptions.ResourceNotFoundException:
        pass


def attach_customer_managed_policy(client, instance_arn: str, arn: str, name: str, path: str) -> None:
    try:
        client.attach_customer_managed_policy_reference_to_permission_set(
            InstanceArn=instance_arn, PermissionSetArn=arn, CustomerManagedPolicyReference={"Name": name, "Path": path})
    except client.exceptions.ConflictException:
        pass


def detach_customer_managed_policy(client, instance_arn: str, arn: str, name: str, path: str) -> None:
    try:
        client.detach_customer_managed_policy_reference_from_permission_set(
            InstanceArn=instance_arn, PermissionSetArn=arn, CustomerManagedPolicyReference={"Name": name, "Path": path})
    except client.exceptions.ResourceNotFoundException:
        pass


def put_inline_policy(client, instance_arn: str, arn: str, document: dict) -> None:
    client.put_inline_policy_to_permission_set(InstanceArn=instance_arn, PermissionSetArn=arn,
                                               InlinePolicy=json.dumps(document, sort_keys=True))


def delete_inline_policy(client, instance_arn: str, arn: str) -> None:
    client.delete_inline_policy_from_permission_set(InstanceArn=instance_arn, PermissionSetArn=arn)


# --------------------------------------------------------------------------- provisioning
def accounts_for_permission_set(client, instance_arn: str, arn: str, status: str | None = None) -> list[str]:
    kwargs = {"InstanceArn": instance_arn, "PermissionSetArn": arn}
    if status:
        kwargs["ProvisioningStatus"] = status
    return _all(client, "list_accounts_for_provisioned_permission_set", "AccountIds", **kwargs)


def provision_to_all(client, instance_arn: str, arn: str) -> dict:
    """Re-provision the permission set to every account it is provisioned to (asynchronous)."""
    return client.provision_permission_set(InstanceArn=instance_arn, PermissionSetArn=arn,
                                           TargetType="ALL_PROVISIONED_ACCOUNTS")["PermissionSetProvisioningStatus"]


def provisioning_status(client, instance_arn: str, request_id: str) -> dict:
    return client.describe_permission_set_provisioning_status(
        InstanceArn=instance_arn, ProvisionPermissionSetRequestId=request_id)["PermissionSetProvisioningStatus"]


# --------------------------------------------------------------------------- assignments
def account_assignments(client, instance_arn: str, account_id: str, arn: str) -> list[dict]:
    return _all(client, "list_account_assignments", "AccountAssignments", InstanceArn=instance_arn,
                AccountId=account_id, PermissionSetArn=arn)


def _assignment(instance_arn: str, account_id: str, arn: str, principal_type: str, principal_id: str) -> dict:
    return {"InstanceArn": instance_arn, "TargetId": account_id, "TargetType": "AWS_ACCOUNT",
            "PermissionSetArn": arn, "PrincipalType": principal_type, "PrincipalId": principal_id}


def create_assignment(client, instance_arn: str, account_id: str, arn: str, principal_type: str,
                      principal_id: str) -> dict:
    return client.create_account_assignment(
        **_assignment(instance_arn, account_id, arn, principal_type, principal_id))["AccountAssignmentCreationStatus"]


def delete_assignment(client, instance_arn: str, account_id: str, arn: str, principal_type: str,
                      principal_id: str) -> dict | None:
    try:
        return client.delete_account_assignment(
            **_assignment(instance_arn, account_id, arn, principal_type, principal_id))["AccountAssignmentDeletionStatus"]
    except client.exceptions.ResourceNotFoundException:
        return None


def creation_status(client, instance_arn: str, request_id: str) -> dict:
    return client.describe_account_assignment_creation_status(
        InstanceArn=instance_arn, AccountAssignmentCreationRequestId=request_id)["AccountAssignmentCreationStatus"]


def deletion_status(client, instance_arn: str, request_id: str) -> dict:
    return client.describe_account_assignment_deletion_status(
        InstanceArn=instance_arn, AccountAssignmentDeletionRequestId=request_id)["AccountAssignmentDeletionStatus"]
