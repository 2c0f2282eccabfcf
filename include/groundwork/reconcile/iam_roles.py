"""IAM roles groundwork owns (phase 4's log archive roles, phase 5's pipeline and deployment roles):
trust policy and one inline permissions policy, compared as canonical JSON.

A trust policy with an ExternalId is only ever shown redacted (`redact_external_id`): the plan says
"ExternalId: from connection <id>" when AWS holds the configured value and "(a different
ExternalId)" when it does not, so a rotated secret shows as an update without printing either value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from groundwork.aws import iam
from groundwork.plan.model import Change, to_apply
from groundwork.policy.cicd import redact_external_id
from groundwork.policy.documents import canonical

KIND = "iam_role"
PERMISSIONS_POLICY = "groundwork-permissions"


@dataclass(frozen=True)
class RoleSpec:
    account: str
    account_name: str
    name: str
    description: str
    trust: dict
    permissions: dict
    production: bool = False
    external_id: str | None = None  # the secret, for comparison only; never part of a Change
    external_id_label: str = ""  # e.g. "ExternalId: from connection groundwork_external_id"

    def __repr__(self) -> str:  # keep the secret out of any accidental log line
        return f"RoleSpec({self.account_name}/{self.name})"

    @property
    def key(self) -> str:
        return f"{self.account_name}/{self.name}"


def _trusted(trust: dict) -> str:
    parts = []
    statements = trust.get("Statement", [])
    for statement in [statements] if isinstance(statements, dict) else statements:
        principal = statement.get("Principal", {})
        aws = principal.get("AWS", principal) if isinstance(principal, dict) else principal
        parts.append(", ".join(aws if isinstance(aws, list) else [str(aws)]))
        for block in (statement.get("Condition") or {}).values():
            for key, value in block.items():
                if key.lower() == "sts:externalid":
                    parts[-1] += f" ({value})"
    return "; ".join(parts)


def _shown(spec: RoleSpec, trust: dict | str, permissions: dict | str | None) -> dict:
    trust = trust if isinstance(trust, dict) else json.loads(trust)
    redacted = redact_external_id(trust, spec.external_id, spec.external_id_label)
    return {
        "trusted": _trusted(redacted),
        "document": {"trust": canonical(redacted), "permissions": canonical(permissions) if permissions else None},
    }


def desired(spec: RoleSpec) -> dict:
    return _shown(spec, spec.trust, spec.permissions)


def read(ctx, spec: RoleSpec) -> dict | None:
    client = ctx.client("iam", account_id=spec.account)
    role = iam.get_role(client, spec.name)
    if role is None:
        return None
    return _shown(spec, role["AssumeRolePolicyDocument"], iam.role_policy(client, spec.name, PERMISSIONS_POLICY))


def plan_role(ctx, spec: RoleSpec) -> Change:
    before, after = read(ctx, spec), desired(spec)
    return Change.between(KIND, spec.key, before, after, production=spec.production)


def apply_role(ctx, spec: RoleSpec, approved: set[str]) -> Change | None:
    change = to_apply(plan_role(ctx, spec), approved)
    if change is None:
        return None
    client = ctx.client("iam", account_id=spec.account)
    before = change.before or {}
    if change.action == "create":
        iam.create_role(client, spec.name, spec.trust, spec.description)
    elif before["document"]["trust"] != change.after["document"]["trust"]:
        iam.update_trust(client, spec.name, spec.trust)
    if before.get("document", {}).get("permissions") != change.after["document"]["permissions"]:
        iam.put_role_policy(client, spec.name, PERMISSIONS_POLICY, spec.permissions)
    return change
