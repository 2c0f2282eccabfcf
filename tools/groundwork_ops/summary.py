"""What exists in AWS now, read back (not from the config): accounts by OU, SCPs and targets, then
what the later phases built (network, observability, CI/CD). The config only says where to look
(which account is which, the regions, the names); every id, CIDR and state shown is AWS's answer."""

from __future__ import annotations

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from groundwork.aws import organizations as orgs
from groundwork.aws.context import AwsContext
from groundwork.reconcile.organization import OrgSnapshot, read_organization
from groundwork_ops import summary_cicd, summary_network, summary_observability
from groundwork_ops.summary_accounts import Accounts

SECTIONS = (("Network", summary_network.section), ("Observability", summary_observability.section),
            ("CI/CD", summary_cicd.section))


def _organization_lines(client, snap: OrgSnapshot) -> list[str]:
    lines = [f"Organization {snap.organization['Id']} (feature set {snap.organization['FeatureSet']})"]
    for path in sorted(snap.ou_ids):
        members = [a for a in snap.accounts if a["ParentPath"] == path]
        lines.append(f"  {path}/ ({snap.ou_ids[path]})")
        lines += [f"    {a['Name']:<18} {a['Id']}  {a['Email']}" for a in sorted(members, key=lambda a: a["Name"])]
    lines.append("Service control policies:")
    for policy in orgs.policies(client):
        targets = sorted(snap.path_of(t["TargetId"]) for t in orgs.policy_targets(client, policy["Id"]))
        lines.append(f"  {policy['Name']:<36} -> {', '.join(targets) or '(not attached)'}")
    return lines


def rollout_summary(ctx: AwsContext, config) -> str:
    """The organization, then one section per later phase ("none yet" until it has been applied).
    A section that cannot be read says why; the others are still shown."""
    client = ctx.client("organizations")
    snap = read_organization(client)
    if snap.organization is None:
        return "no organization yet"
    accounts = Accounts.read(snap, config)
    lines = _organization_lines(client, snap)
    for title, section in SECTIONS:
        try:
            lines += ["", *section(ctx, config, accounts)]
        except (BotoCoreError, ClientError) as exc:
            lines += ["", f"{title}: could not be read ({exc})"]
    return "\n".join(lines)


def from_environment(region: str = "us-east-1", access_role_name: str | None = None) -> AwsContext:
    """A context from the environment (AWS_ENDPOINT_URL etc. honoured by boto3 itself)."""
    ctx = AwsContext(session=boto3.session.Session(region_name=region), region=region)
    if access_role_name:
        ctx.access_role_name = access_role_name
    return ctx
