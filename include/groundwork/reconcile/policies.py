"""Service control policies: rendered from config, created, updated, attached at OU level.

Policies groundwork created carry the tag managed-by=groundwork; one that is no longer in the
config is detached and deleted (shown in the plan first). Others are never touched.
"""

from __future__ import annotations

from groundwork.aws.common import is_managed
from groundwork.aws import organizations as orgs
from groundwork.plan.model import Change, approved_pending
from groundwork.policy.documents import canonical
from groundwork.policy.guardrails import (
    SPEND_STOP_SCP, SUSPENDED_SCP, deny_all_in_suspended_accounts, deny_new_spend, render_scp)
from groundwork.reconcile.organization import OrgSnapshot


TAG_POLICY_NAME = "groundwork-cost-tags"
KIND = {orgs.SCP: "scp", orgs.TAG_POLICY: "tag_policy"}


def desired_tag_policies(config) -> dict[str, dict]:
    """The tag policy on the root that standardises the cost-attribution tags (their exact keys)."""
    if not config.cost.required_tags:
        return {}
    document = {"tags": {key.lower(): {"tag_key": {"@@assign": key}} for key in config.cost.required_tags}}
    return {TAG_POLICY_NAME: {"description": "Cost-attribution tags every account carries (cost.required_tags).",
                              "document": canonical(document), "targets": ["Root"]}}


def desired(config, policy_type: str = orgs.SCP) -> dict[str, dict]:
    return desired_policies(config) if policy_type == orgs.SCP else desired_tag_policies(config)


def desired_policies(config) -> dict[str, dict]:
    """The configured SCPs, the suspended OU's deny-all SCP when the config names that OU, and the
    spend-stop SCP when a spend limit stops spending (no `targets`: its budget action attaches it)."""
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
    if spend_stop_wanted(config):
        wanted[SPEND_STOP_SCP] = {
            "description": "Attached by a budget action at an account's spend limit: no new spending.",
            "document": canonical(deny_new_spend(config)),
        }
    return wanted


def spend_stop_wanted(config) -> bool:
    return config.cost.stop_spending_at_limit and any(a.spend_limit_usd for a in config.active_accounts)


def read_policies(client, snap: OrgSnapshot, wanted: set[str], policy_type: str = orgs.SCP) -> dict[str, dict]:
    """Current policies of a type that the config names, or that groundwork manages: id, document, targets."""
    found = {}
    for summary in orgs.policies(client, policy_type):
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


def plan_policies(config, snap: OrgSnapshot, actual: dict[str, dict], policy_type: str = orgs.SCP) -> list[Change]:
    changes = []
    kind = KIND[policy_type]
    wanted = desired(config, policy_type)
    for name, after in wanted.items():
        current = actual.get(name)
        before = None if current is None else {k: current[k] for k in after}
        changes.append(Change.between(kind, name, before, after))
    for name, current in actual.items():
        if name not in wanted:
            before = {k: current[k] for k in ("description", "document", "targets")}
            changes.append(Change("delete", kind, name, before, None, note="removed from the config"))
    return changes


def apply_policies(client, config, snap: OrgSnapshot, approved: set[str], policy_type: str = orgs.SCP) -> list[Change]:
    wanted = desired(config, policy_type)
    actual = read_policies(client, snap, set(wanted), policy_type)
    done = []
    for change in approved_pending(plan_policies(config, snap, actual, policy_type), approved):
        current = actual.get(change.key)
        if change.action == "delete":
            for path in current["targets"]:
                orgs.detach_policy(client, current["id"], snap.ou_ids.get(path, path))
            orgs.delete_policy(client, current["id"])
        else:
            after = change.after
            if current is None:
                policy_id = orgs.create_policy(client, change.key, after["description"], after["document"],
                                               policy_type)["Id"]
                attached: list[str] = []
            else:
                policy_id, attached = current["id"], current["targets"]
                if (current["document"], current["description"]) != (after["document"], after["description"]):
                    orgs.update_policy(client, policy_id, after["description"], after["document"])
            targets = after.get("targets", attached)  # no targets: attachments are not phase 1's
            for path in sorted(set(targets) - set(attached)):
                orgs.attach_policy(client, policy_id, snap.ou_ids[path])
            for path in sorted(set(attached) - set(targets)):
                orgs.detach_policy(client, policy_id, snap.ou_ids.get(path, path))
        done.append(change)
    return done

