"""IAM Identity Center (sso-admin) as AWS behaves, where moto 5.2.5 does not:

* Provisioning is per account. CreateAccountAssignment provisions the permission set to its
  account; ProvisionPermissionSet honours TargetType (AWS_ACCOUNT + TargetId, or
  ALL_PROVISIONED_ACCOUNTS) and answers a request id that DescribePermissionSetProvisioningStatus
  knows (moto: ignores the target, provisions to the caller's account, has no Describe).
* Any change to a permission set (UpdatePermissionSet, inline policy, managed or customer-managed
  policy attach/detach) leaves the accounts it is provisioned to on an outdated version until it is
  provisioned again: ListAccountsForProvisionedPermissionSet and
  ListPermissionSetsProvisionedToAccount honour AccountId and ProvisioningStatus
  (LATEST_PERMISSION_SET_PROVISIONED / LATEST_PERMISSION_SET_NOT_PROVISIONED), as in AWS.
* ListTagsForResource answers a permission set's tags (moto: not implemented).
* CreateAccountAssignment is asynchronous: IN_PROGRESS for SETTINGS["assignment_seconds"], not
  listed until SUCCEEDED; creating an assignment that exists (or is under way) answers its status
  instead of adding a duplicate (moto appends a second copy). The delay is 0 in-process (tests) and
  GROUNDWORK_STANDIN_ASSIGNMENT_SECONDS (default 2) in the served stand-in.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any
from uuid import uuid4

from moto.core.utils import unix_time
from moto.ssoadmin.exceptions import ResourceNotFoundException
from moto.ssoadmin.models import AccountAssignment, PermissionSet, SSOAdminBackend
from moto.ssoadmin.responses import SSOAdminResponse

SETTINGS = {"assignment_seconds": 0.0}
LATEST = "LATEST_PERMISSION_SET_PROVISIONED"
OUTDATED = "LATEST_PERMISSION_SET_NOT_PROVISIONED"
_original: dict[str, Any] = {}
MUTATORS = (
    "update_permission_set", "put_inline_policy_to_permission_set", "delete_inline_policy_from_permission_set",
    "attach_managed_policy_to_permission_set", "detach_managed_policy_from_permission_set",
    "attach_customer_managed_policy_reference_to_permission_set",
    "detach_customer_managed_policy_reference_from_permission_set",
)


# --------------------------------------------------------------------------- provisioning state
def _provisioned(backend: SSOAdminBackend) -> dict[str, dict[str, int]]:
    """permission set ARN -> {account id: provisioned version}"""
    if not hasattr(backend, "gw_provisioned"):
        backend.gw_provisioned = {}
        backend.gw_provisioning_requests = {}
    return backend.gw_provisioned


def _version(permission_set: PermissionSet) -> int:
    return getattr(permission_set, "gw_version", 0)


def _bumping(name: str):
    original = getattr(SSOAdminBackend, name)
    _original[name] = original

    def method(self: SSOAdminBackend, *args: Any, **kwargs: Any):
        result = original(self, *args, **kwargs)
        found = self._find_permission_set(kwargs["instance_arn"], kwargs["permission_set_arn"])
        found.gw_version = _version(found) + 1
        return result

    return method


def provision(backend: SSOAdminBackend, instance_arn: str, permission_set_arn: str, target_type: str,
              target_id: str | None) -> dict[str, Any]:
    permission_set = backend._find_permission_set(instance_arn, permission_set_arn)
    accounts = _provisioned(backend).setdefault(permission_set_arn, {})
    targets = list(accounts) if target_type == "ALL_PROVISIONED_ACCOUNTS" else [target_id]
    for account in targets:
        accounts[account] = _version(permission_set)
    status = {"RequestId": str(uuid4()), "Status": "SUCCEEDED", "PermissionSetArn": permission_set_arn,
              "CreatedDate": unix_time()}
    if target_type == "AWS_ACCOUNT":
        status["AccountId"] = target_id
    backend.gw_provisioning_requests[status["RequestId"]] = status
    return status


def _accounts_with_status(backend: SSOAdminBackend, instance_arn: str, permission_set_arn: str,
                          status: str | None) -> list[str]:
    permission_set = backend._find_permission_set(instance_arn, permission_set_arn)
    out = []
    for account, version in _provisioned(backend).get(permission_set_arn, {}).items():
        latest = version == _version(permission_set)
        if status is None or (status == LATEST) == latest:
            out.append(account)
    return out


# --------------------------------------------------------------------------- assignments
def _pending(assignment: AccountAssignment) -> bool:
    return time.time() < getattr(assignment, "gw_ready_at", 0.0)


def _same(a: AccountAssignment, **k: str) -> bool:
    return (a.instance_arn, a.target_id, a.permission_set_arn, a.principal_type, a.principal_id) == (
        k["instance_arn"], k["target_id"], k["permission_set_arn"], k["principal_type"], k["principal_id"])


def create_account_assignment(self: SSOAdminBackend, **kwargs: str) -> dict[str, Any]:
    existing = next((a for a in self.account_assignments if _same(a, **kwargs)), None)
    if existing is None:
        _original["create_account_assignment"](self, **kwargs)
        existing = self.account_assignments[-1]
        delay = float(SETTINGS["assignment_seconds"])
        if delay > 0:
            existing.gw_ready_at = time.time() + delay
        permission_set = self._find_permission_set(kwargs["instance_arn"], kwargs["permission_set_arn"])
        _provisioned(self).setdefault(kwargs["permission_set_arn"], {})[kwargs["target_id"]] = _version(permission_set)
    return existing.to_json(include_creation_date=True, include_request_id=True)


def _status_of(assignment: AccountAssignment) -> dict[str, Any]:
    out = assignment.to_json(include_creation_date=True, include_request_id=True)
    out["Status"] = "IN_PROGRESS" if _pending(assignment) else "SUCCEEDED"
    return out


def _visible(name: str):
    original = getattr(SSOAdminBackend, name)
    _original[name] = original

    def method(self: SSOAdminBackend, *args: Any, **kwargs: Any):
        pending = {(a.target_id, a.permission_set_arn, a.principal_id) for a in self.account_assignments if _pending(a)}
        items, token = original(self, *args, **kwargs)
        keep = [i for i in items if (i["AccountId"], i["PermissionSetArn"], i["PrincipalId"]) not in pending]
        return keep, token

    return method


# --------------------------------------------------------------------------- responses
def _r_create_account_assignment(self: SSOAdminResponse) -> str:
    params = json.loads(self.body)
    self.ssoadmin_backend.create_account_assignment(
        instance_arn=params.get("InstanceArn"), target_id=params.get("TargetId"),
        target_type=params.get("TargetType"), permission_set_arn=params.get("PermissionSetArn"),
        principal_type=params.get("PrincipalType"), principal_id=params.get("PrincipalId"),
    )
    found = next(a for a in self.ssoadmin_backend.account_assignments if _same(
        a, instance_arn=params.get("InstanceArn"), target_id=params.get("TargetId"),
        permission_set_arn=params.get("PermissionSetArn"), principal_type=params.get("PrincipalType"),
        principal_id=params.get("PrincipalId")))
    return json.dumps({"AccountAssignmentCreationStatus": _status_of(found)})


def _r_describe_account_assignment_creation_status(self: SSOAdminResponse) -> str:
    request_id = self._get_param("AccountAssignmentCreationRequestId")
    for assignment in self.ssoadmin_backend.account_assignments:
        if assignment.request_id == request_id:
            return json.dumps({"AccountAssignmentCreationStatus": _status_of(assignment)})
    raise ResourceNotFoundException(message=f"no account assignment creation request {request_id}")


def _r_provision_permission_set(self: SSOAdminResponse) -> str:
    status = provision(self.ssoadmin_backend, self._get_param("InstanceArn"), self._get_param("PermissionSetArn"),
                       self._get_param("TargetType"), self._get_param("TargetId"))
    return json.dumps({"PermissionSetProvisioningStatus": status})


def _r_describe_permission_set_provisioning_status(self: SSOAdminResponse) -> str:
    _provisioned(self.ssoadmin_backend)
    request_id = self._get_param("ProvisionPermissionSetRequestId")
    status = self.ssoadmin_backend.gw_provisioning_requests.get(request_id)
    if status is None:
        raise ResourceNotFoundException(message=f"no provisioning request {request_id}")
    return json.dumps({"PermissionSetProvisioningStatus": status})


def _r_list_accounts_for_provisioned_permission_set(self: SSOAdminResponse) -> str:
    accounts = _accounts_with_status(self.ssoadmin_backend, self._get_param("InstanceArn"),
                                     self._get_param("PermissionSetArn"), self._get_param("ProvisioningStatus"))
    return json.dumps({"AccountIds": accounts})


def _r_list_permission_sets_provisioned_to_account(self: SSOAdminResponse) -> str:
    backend, instance_arn = self.ssoadmin_backend, self._get_param("InstanceArn")
    account, status = self._get_param("AccountId"), self._get_param("ProvisioningStatus")
    arns = [p.permission_set_arn for p in backend.permission_sets if p.instance_arn == instance_arn
            and account in _accounts_with_status(backend, instance_arn, p.permission_set_arn, status)]
    return json.dumps({"PermissionSets": arns})


def _r_list_tags_for_resource(self: SSOAdminResponse) -> str:
    found = self.ssoadmin_backend._find_permission_set(self._get_param("InstanceArn"), self._get_param("ResourceArn"))
    return json.dumps({"Tags": list(found.tags or [])})


RESPONSES = {
    "create_account_assignment": _r_create_account_assignment,
    "describe_account_assignment_creation_status": _r_describe_account_assignment_creation_status,
    "provision_permission_set": _r_provision_permission_set,
    "describe_permission_set_provisioning_status": _r_describe_permission_set_provisioning_status,
    "list_accounts_for_provisioned_permission_set": _r_list_accounts_for_provisioned_permission_set,
    "list_permission_sets_provisioned_to_account": _r_list_permission_sets_provisioned_to_account,
    "list_tags_for_resource": _r_list_tags_for_resource,
}


def install() -> None:
    if _original:
        return
    _original["create_account_assignment"] = SSOAdminBackend.create_account_assignment
    SSOAdminBackend.create_account_assignment = create_account_assignment
    for name in MUTATORS:
        setattr(SSOAdminBackend, name, _bumping(name))
    for name in ("list_account_assignments", "list_account_assignments_for_principal"):
        setattr(SSOAdminBackend, name, _visible(name))
    for name, method in RESPONSES.items():
        setattr(SSOAdminResponse, name, method)


def wrap_wsgi(app: Any) -> Any:
    """Only the served stand-in calls this: there, assignments take a while, as in AWS."""
    SETTINGS["assignment_seconds"] = float(os.environ.get("GROUNDWORK_STANDIN_ASSIGNMENT_SECONDS", "2"))
    return app
