"""KMS keys groundwork owns (phase 4's log keys, phase 5's artifact and per-environment keys),
found by alias: state, key policy, rotation, description. A create cut short between CreateKey and
CreateAlias is resumed with the tagged key, not repeated. A key disabled or scheduled for deletion
by hand is brought back (CancelKeyDeletion, EnableKey), never replaced: what it encrypted stays
readable."""

from __future__ import annotations

from dataclasses import dataclass

from groundwork.aws import kms
from groundwork.plan.model import Change, to_apply
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


RESTORABLE = ("Disabled", "PendingDeletion")


def desired(spec: KeySpec) -> dict:
    return {"alias": spec.alias, "state": "Enabled", "description": spec.description, "rotation": True,
            "document": canonical(spec.policy)}


def _read(client, spec: KeySpec) -> tuple[str | None, dict | None]:
    key_id = kms.key_id_for_alias(client, spec.alias)
    meta = kms.describe_key(client, key_id) if key_id else None
    if meta is None or meta.get("KeyState") not in ("Enabled", *RESTORABLE):
        return None, None
    state = meta["KeyState"]
    if state != "Enabled":  # rotation and policy are read again once the key is back
        return key_id, {"alias": spec.alias, "state": state, "description": meta.get("Description", ""),
                        "rotation": None, "document": None}
    return key_id, {
        "alias": spec.alias,
        "state": state,
        "description": meta.get("Description", ""),
        "rotation": kms.rotation_enabled(client, key_id),
        "document": canonical(kms.key_policy(client, key_id)),
    }


def _note(before: dict | None) -> str:
    if before and before["state"] in RESTORABLE:
        return (f"the key is {before['state']}: it is brought back (the same key), then its policy and "
                "rotation are checked")
    return ""


def plan_key(ctx, spec: KeySpec) -> Change:
    _, before = _read(ctx.client("kms", account_id=spec.account), spec)
    after = desired(spec)
    return Change.between(KIND, spec.key, before, after, production=spec.production, note=_note(before))


def apply_key(ctx, spec: KeySpec, approved: set[str]) -> Change | None:
    client = ctx.client("kms", account_id=spec.account)
    key_id, before = _read(client, spec)
    after = desired(spec)
    change = to_apply(Change.between(KIND, spec.key, before, after, production=spec.production, note=_note(before)),
                      approved)
    if change is None:
        return None
    if before is None:
        key_id = kms.orphan_key_for_alias(client, spec.alias) or kms.create_key(
            client, spec.alias, spec.description, spec.policy)
        kms.create_alias(client, spec.alias, key_id)
        before = {"description": spec.description, "rotation": False, "document": None}
    elif before["state"] in RESTORABLE:
        if before["state"] == "PendingDeletion":
            kms.cancel_key_deletion(client, key_id)
        kms.enable_key(client, key_id)
        _, before = _read(client, spec)
    if before["document"] != after["document"]:
        kms.put_key_policy(client, key_id, spec.policy)
    if before["description"] != after["description"]:
        kms.update_description(client, key_id, spec.description)
    if not before["rotation"]:
        kms.enable_rotation(client, key_id)
    return change
