"""The organization itself, its policy types (SCPs, tag policies) and its OU tree: read, diff, apply."""

from __future__ import annotations

from dataclasses import dataclass, field

from groundwork.aws import organizations as orgs
from groundwork.plan.model import Change, Refused, approved_pending

ROOT = "Root"


@dataclass
class OrgSnapshot:
    """What AWS Organizations holds now, keyed the way the config names things (OU paths, emails)."""

    organization: dict | None = None
    root_id: str | None = None
    policy_types: frozenset[str] = frozenset()  # enabled on the root
    ou_ids: dict[str, str] = field(default_factory=dict)  # "Workloads/Prod" -> ou id; "Root" -> root id
    accounts: list[dict] = field(default_factory=list)  # each with "ParentPath"

    def path_of(self, parent_id: str) -> str:
        for path, ou_id in self.ou_ids.items():
            if ou_id == parent_id:
                return path
        return parent_id

    def account_by_email(self, email: str) -> dict | None:
        for account in self.accounts:
            if account["Email"].lower() == email.lower():
                return account
        return None


def read_organization(client, *, with_accounts: bool = True) -> OrgSnapshot:
    organization = orgs.describe_organization(client)
    if organization is None:
        return OrgSnapshot()
    root = orgs.root(client)
    snap = OrgSnapshot(
        organization=organization,
        root_id=root["Id"],
        policy_types=frozenset(t["Type"] for t in root.get("PolicyTypes", []) if t["Status"] == "ENABLED"),
        ou_ids={ROOT: root["Id"]},
    )
    frontier = [(ROOT, root["Id"])]
    while frontier:
        path, parent = frontier.pop(0)
        if with_accounts:
            snap.accounts += [{**a, "ParentPath": path} for a in orgs.accounts_for_parent(client, parent)]
        for ou in orgs.child_ous(client, parent):
            child = ou["Name"] if path == ROOT else f"{path}/{ou['Name']}"
            snap.ou_ids[child] = ou["Id"]
            frontier.append((child, ou["Id"]))
    return snap


def plan_structure(config, snap: OrgSnapshot) -> list[Change]:
    changes = []
    if snap.organization is None:
        changes.append(Change("create", "organization", "organization", None, {"feature_set": "ALL"}))
    elif snap.organization.get("FeatureSet") != "ALL":
        changes.append(
            Change(
                "update", "organization", "organization",
                {"feature_set": snap.organization.get("FeatureSet")}, {"feature_set": "ALL"},
                note="enable all features (the management account must accept the handshake in the console)",
            )
        )
    else:
        changes.append(Change("noop", "organization", "organization", {"feature_set": "ALL"}, {"feature_set": "ALL"}))
    enabled = {"enabled": True}
    for policy_type in policy_types(config):
        on = policy_type in snap.policy_types
        changes.append(Change("noop" if on else "create", "policy_type", policy_type, enabled if on else None, enabled))
    for path in config.ou_paths():
        after = {"path": path}
        changes.append(Change("noop" if path in snap.ou_ids else "create", "ou", path, after if path in snap.ou_ids else None, after))
    return changes


def policy_types(config) -> list[str]:
    """SCPs always; tag policies when the config requires cost-attribution tags."""
    return [orgs.SCP] + ([orgs.TAG_POLICY] if config.cost.required_tags else [])


class OrganizationNotAllFeatures(Refused):
    pass


def apply_structure(client, config, approved: set[str]) -> list[Change]:
    """Create the organization, enable SCPs and create missing OUs, parents first."""
    snap = read_organization(client, with_accounts=False)
    done = []
    for change in approved_pending(plan_structure(config, snap), approved):
        if change.kind == "organization":
            if change.action == "update":
                raise OrganizationNotAllFeatures(
                    "the organization does not have all features enabled; enable them in the "
                    "AWS Organizations console (a one-time handshake), then rerun"
                )
            orgs.create_organization(client)
            snap = read_organization(client, with_accounts=False)
        elif change.kind == "policy_type":
            orgs.enable_policy_type(client, snap.root_id, change.key)
        elif change.kind == "ou":
            parent_path, _, name = change.key.rpartition("/")
            created = orgs.create_ou(client, snap.ou_ids[parent_path or ROOT], name)
            snap.ou_ids[change.key] = created["Id"]
        done.append(change)
    return done
