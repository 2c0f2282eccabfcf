"""A stack's RoleARN (CloudFormation service role) checked as AWS checks it; moto 5.2.5 checks nothing.

What AWS does (CreateStack / UpdateStack / DeleteStack, parameter RoleARN): CloudFormation assumes
the role and makes every call of the stack operation with its credentials. "If you don't specify a
value, CloudFormation uses the role that was previously associated with the stack" (UpdateStack,
DeleteStack). When the role cannot be used the call itself fails with ValidationError
"Role arn:aws:iam::<account>:role/<name> is invalid or cannot be assumed" -- seen for a role that
does not exist (also on DeleteStack of a stack whose role was deleted since), for a trust policy that
does not let cloudformation.amazonaws.com assume it, and for a role of another account (a role
can only be passed within its own account). A RoleARN that is not a role ARN at all:
"<value> is not a valid RoleARN".

What moto did (probed in server mode): stored any RoleARN -- an ARN of a role that does not exist
gave CREATE_COMPLETE -- and UpdateStack without RoleARN dropped the stored one.

Modelled here, through cloudformation_stack_lifecycle.PRE_OPERATION_CHECKS (after the template and
stack-status checks, before anything changes): on CreateStack, UpdateStack (given role, else the
stack's) and DeleteStack (given role, else the stack's; DeleteStack's RoleARN is read from the
request, which moto ignored) the role must be in the stack's account, exist, and have a trust policy
with an Allow statement for sts:AssumeRole (or sts:*, *) whose Principal names the service
cloudformation.amazonaws.com (or is "*"), and no Deny statement for it. Trust-policy Conditions are
not evaluated (taken as met). Not modelled: what the role's permission policies allow (every
resource call succeeds whatever the role may do) and the caller's iam:PassRole on the role.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import EmptyResult
from moto.iam.models import iam_backends
from moto.utilities.utils import get_partition

from . import cloudformation_stack_lifecycle as lifecycle

SERVICE = "cloudformation.amazonaws.com"
ROLE_ARN = re.compile(r"^arn:(aws[a-zA-Z-]*):iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)$")

_installed: list[bool] = []


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _action_matches(statement: dict[str, Any]) -> bool:
    if "Action" not in statement:  # NotAction: allowed unless it lists the action
        return not any(a.lower() in ("sts:assumerole", "sts:*", "*") for a in _as_list(statement.get("NotAction", [])))
    return any(a.lower() in ("sts:assumerole", "sts:*", "*") for a in _as_list(statement["Action"]))


def _principal_matches(statement: dict[str, Any]) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    return SERVICE in _as_list(principal.get("Service", [])) or "*" in _as_list(principal.get("AWS", []))


def trusts_cloudformation(trust: dict[str, Any]) -> bool:
    """Does this trust policy let CloudFormation assume the role? (Conditions taken as met.)"""
    statements = [s for s in _as_list(trust.get("Statement", [])) if isinstance(s, dict)]
    relevant = [s for s in statements if _action_matches(s) and _principal_matches(s)]
    if any(s.get("Effect") == "Deny" for s in relevant):
        return False
    return any(s.get("Effect") == "Allow" for s in relevant)


def check_role(backend: CloudFormationBackend, stack: Stack | None, role_arn: str | None, operation: str) -> None:
    if not role_arn:
        return
    match = ROLE_ARN.match(role_arn)
    if not match:
        raise ValidationError(message=f"{role_arn} is not a valid RoleARN")
    refused = ValidationError(message=f"Role {role_arn} is invalid or cannot be assumed")
    if match.group(2) != backend.account_id:
        raise refused
    try:
        role = iam_backends[backend.account_id][get_partition(backend.region_name)].get_role_by_arn(role_arn)
    except Exception:  # noqa: BLE001 - NotFoundException: no such role
        raise refused from None
    document = role.assume_role_policy_document
    try:
        trust = json.loads(unquote(document)) if isinstance(document, str) else dict(document or {})
    except ValueError:
        raise refused from None
    if not trusts_cloudformation(trust):
        raise refused


def _response_delete_stack(self: CloudFormationResponse) -> EmptyResult:
    """DeleteStack with its RoleARN honoured (moto ignored it)."""
    name_or_id = self._get_param("StackName")
    role_arn = self._get_param("RoleARN")
    backend = self.cloudformation_backend
    if role_arn:
        lifecycle._sweep(backend)
        stack = backend.stacks.get(name_or_id) or next((s for s in backend.stacks.values() if s.name == name_or_id), None)
        if stack is not None and stack.status not in ("DELETE_IN_PROGRESS", "DELETE_COMPLETE", *lifecycle.NOT_DELETABLE):
            check_role(backend, stack, role_arn, "delete")
            stack.role_arn = role_arn
    backend.delete_stack(name_or_id)
    return EmptyResult()


def install() -> None:
    if _installed:
        return
    _installed.append(True)
    lifecycle.install()
    lifecycle.PRE_OPERATION_CHECKS.append(check_role)
    CloudFormationResponse.delete_stack = _response_delete_stack
