"""Service control policies: rendered from config, created, updated, attached at OU level.

Policies groundwork created carry the tag managed-by=groundwork; one that is no longer in the
config is detached and deleted (shown in the plan first). Others are never touched.
"""

from __future__ import annotations

from groundwork.aws.common import is_managed
from groundwork.aws import organizations as orgs
from groundwork.plan.model import Change, approved_pending
from groundwork.policy.documents import canonical
from groundwork.policy.guardrails import SUSPENDED_SCP, deny_all_in_suspended_accounts, render_scp
from groundwork.reconcile.organization import OrgSnapshot


def desired_policies(config) -> dict[str, dict]:
    """The configured SCPs, and the suspended OU's deny-all SCP when the config names that OU."""
    wanted = {
        scp.name: {
            "description": scp.description,
            "document": canonical(render_scp(scp, config)),
            "targets": sorted(set(scp.targets)),
        }
        for scp in config.organization.service_control_policies
    }
    if config.organization.suspended_ou:
        wanted[SUSPENDED_SCP] = {
            "description": "Retired accounts: everything denied but the access and break-glass roles.",
            "document": canonical(deny_all_in_suspended_accounts(config)),
            "targets": [config.organization.suspended_ou],
        }
    return wanted


def read_policies(client, snap: OrgSnapshot, wanted: set[str]) -> dict[str, dict]:
    """Current SCPs that the config names, or that groundwork manages: id, document, targets."""
    found = {}
    for summary in orgs.policies(client):
        if summary.get("AwsManaged"):
            continue
        name = summary["Name"]
        if name not in wanted and not is_managed(orgs.tags(client, summary["Id"])):
            continue
        targets = sorted(snap.path_of(t["TargetId"]) for t in orgs.policy_targets(client, summary["Id"]))
        found[name] = {
            "id": summary["Id"],
            "description": summary.get("Description", ""),
            "document": canonical(orgs.policy_content(client, summary["Id"])),
            "targets": targets,
        }
    return found


def plan_policies(config, snap: OrgSnapshot, actual: dict[str, dict]) -> list[Change]:
    changes = []
    wanted = desired_policies(config)
    for name, after in wanted.items():
        current = actual.get(name)
        before = None if current is None else {k: current[k] for k in after}
        changes.append(Change.between("scp", name, before, after))
    for name, current in actual.items():
        if name not in wanted:
            before = {k: current[k] for k in ("description", "document", "targets")}
            changes.append(Change("delete", "scp", name, before, None, note="removed from the config"))
    return changes


def apply_policies(client, config, snap: OrgSnapshot, approved: set[str]) -> list[Change]:
    wanted = desired_policies(config)
    actual = read_policies(client, snap, set(wanted))
    done = []
    for change in approved_pending(plan_policies(config, snap, actual), approved):
        current = actual.get(change.key)
        if change.action == "delete":
            for path in current["targets"]:
                orgs.detach_policy(client, current["id"], snap.ou_ids.get(path, path))
            orgs.delete_policy(client, current["id"])
        else:
            after = change.after
            if current is None:
                policy_id = orgs.create_policy(client, change.key, after["description"], after["document"])["Id"]
                attached: list[str] = []
            else:
                policy_id, attached = current["id"], current["targets"]
                if (current["document"], current["description"]) != (after["document"], after["description"]):
                    orgs.update_policy(client, policy_id, after["description"], after["document"])
            for path in sorted(set(after["targets"]) - set(attached)):
                orgs.attach_policy(client, policy_id, snap.ou_ids[path])
            for path in sorted(set(attached) - set(after["targets"])):
                orgs.detach_policy(client, policy_id, snap.ou_ids.get(path, path))
        done.append(change)
    return done

