"""KMS keys groundwork owns (phase 4's log keys, phase 5's artifact and per-environment keys),
found by alias: key policy, rotation, description. A create cut short between CreateKey and CreateAlias is
resumed with the tagged key, not repeated."""

from __future__ import annotations

from dataclasses import dataclass

from groundwork.aws import kms
from groundwork.plan.model import Change, action_for, check_approved
from groundwork.policy.documents import canonical

KIND = "kms_key"


@dataclass(frozen=True)
class KeySpec:
    account: str
    account_name: str
    alias: str
    description: str
    policy: dict
    production: bool = False

    @property
    def key(self) -> str:
        return f"{self.account_name}/{self.alias}"


def desired(spec: KeySpec) -> dict:
    return {"alias": spec.alias, "description": spec.description, "rotation": True,
            "document": canonical(spec.policy)}


def _read(client, spec: KeySpec) -> tuple[str | None, dict | None]:
    key_id = kms.key_id_for_alias(client, spec.alias)
    meta = kms.describe_key(client, key_id) if key_id else None
    if meta is None or meta.get("KeyState") in ("PendingDeletion", "PendingReplicaDeletion"):
        return None, None
    return key_id, {
        "alias": spec.alias,
        "description": meta.get("Description", ""),
        "rotation": kms.rotation_enabled(client, key_id),
        "document": canonical(kms.key_policy(client, key_id)),
    }


def plan_key(ctx, spec: KeySpec) -> Change:
    _, before = _read(ctx.client("kms", account_id=spec.account), spec)
    after = desired(spec)
    action = action_for(before, after)
    return Change(action, KIND, spec.key, before, after, production=spec.production)


def apply_key(ctx, spec: KeySpec, approved: set[str]) -> Change | None:
    client = ctx.client("kms", account_id=spec.account)
    key_id, before = _read(client, spec)
    after = desired(spec)
    action = action_for(before, after)
    change = Change(action, KIND, spec.key, before, after, production=spec.production)
    if action == "noop":
        return None
    check_approved(change, approved)
    if before is None:
        key_id = kms.orphan_key_for_alias(client, spec.alias) or kms.create_key(
            client, spec.alias, spec.description, spec.policy)
        kms.create_alias(client, spec.alias, key_id)
        before = {"description": spec.description, "rotation": False, "document": None}
    if before["document"] != after["document"]:
        kms.put_key_policy(client, key_id, spec.policy)
    if before["description"] != after["description"]:
        kms.update_description(client, key_id, spec.description)
    if not before["rotation"]:
        kms.enable_rotation(client, key_id)
    return change
