"""Two places where moto 5.2.5's policy handling differs from AWS in a way phase 5 meets:

* Bucket policies: moto evaluates them without any request context, and then treats every
  condition as holding (a missing key or an unknown operator counts as a match). So
  `Deny s3:* when aws:SecureTransport is false` refuses every upload, although AWS only refuses
  plain-HTTP requests. Here a conditional statement is not applied when moto has no context to
  evaluate it against (NEUTRAL); what such statements do is proven by `groundwork.policy.evaluate`.
* AssumeRole: moto never checks a trust policy. Here, when the target role's trust policy requires
  `sts:ExternalId` (StringEquals), the call must carry one of those values, else AccessDenied, as AWS
  does. Only such roles are affected (groundwork's deployment roles); the caller's principal is still
  not checked (`groundwork.policy.evaluate` proves that part over the rendered trust policy).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from moto.iam.access_control import IAMPolicyStatement, PermissionResult
from moto.iam.models import iam_backends
from moto.sts.exceptions import STSClientError
from moto.sts.models import STSBackend
from moto.utilities.utils import get_partition


class AccessDenied(STSClientError):
    code = "AccessDenied"

    def __init__(self, role_arn: str):
        super().__init__("AccessDenied", f"Not authorized to perform: sts:AssumeRole on resource: {role_arn}")


def required_external_ids(trust: dict) -> list[str] | None:
    """The ExternalIds a trust policy accepts (None when it does not ask for one)."""
    statements = trust.get("Statement", [])
    wanted: list[str] | None = None
    for statement in [statements] if isinstance(statements, dict) else statements:
        if statement.get("Effect") != "Allow":
            continue
        for operator, block in (statement.get("Condition") or {}).items():
            for key, values in block.items():
                if key.lower() == "sts:externalid" and operator == "StringEquals":
                    wanted = (wanted or []) + (values if isinstance(values, list) else [values])
    return wanted


def _trust_of(role_arn: str, region_name: str) -> dict | None:
    parts = role_arn.split(":", 5)
    if len(parts) != 6 or not parts[5].startswith("role/"):
        return None
    account = parts[4]
    try:
        backend = iam_backends[account][get_partition(region_name)]
        role = backend.get_role(parts[5].split("/")[-1])
    except Exception:  # noqa: BLE001 - unknown account or role: moto's own behaviour applies
        return None
    document = role.assume_role_policy_document
    return json.loads(unquote(document)) if isinstance(document, str) else document


def install() -> None:
    if getattr(IAMPolicyStatement, "_groundwork_patched", False):
        return
    original_permitted = IAMPolicyStatement.is_action_permitted

    def is_action_permitted(self, action: str, resource: str = "*", principal: str | None = None,
                            incoming_condition_values: dict | None = None) -> Any:
        if self._statement.get("Condition") and not incoming_condition_values:
            return PermissionResult.NEUTRAL  # no request context to evaluate it against
        return original_permitted(self, action, resource, principal, incoming_condition_values)

    original_assume = STSBackend.assume_role

    def assume_role(self, region_name: str, role_session_name: str, role_arn: str, policy: str,
                    duration: int, external_id: str) -> Any:
        trust = _trust_of(role_arn, region_name)
        wanted = required_external_ids(trust) if trust else None
        if wanted is not None and external_id not in wanted:
            raise AccessDenied(role_arn)
        return original_assume(self, region_name, role_session_name, role_arn, policy, duration, external_id)

    IAMPolicyStatement.is_action_permitted = is_action_permitted
    STSBackend.assume_role = assume_role
    IAMPolicyStatement._groundwork_patched = True
