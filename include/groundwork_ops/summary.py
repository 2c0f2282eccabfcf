"""What exists in AWS now, read back (not from the config): accounts by OU, SCPs and targets."""

from __future__ import annotations

import boto3

from groundwork.aws.context import AwsContext
from groundwork.reconcile.organization import read_organization
from groundwork.aws import organizations as orgs


def foundation_summary(ctx: AwsContext) -> str:
    client = ctx.client("organizations")
    snap = read_organization(client)
    if snap.organization is None:
        return "no organization yet"
    lines = [f"Organization {snap.organization['Id']} (feature set {snap.organization['FeatureSet']})"]
    for path in sorted(snap.ou_ids):
        members = [a for a in snap.accounts if a["ParentPath"] == path]
        lines.append(f"  {path}/ ({snap.ou_ids[path]})")
        lines += [f"    {a['Name']:<18} {a['Id']}  {a['Email']}" for a in sorted(members, key=lambda a: a["Name"])]
    lines.append("Service control policies:")
    for policy in orgs.policies(client):
        targets = sorted(snap.path_of(t["TargetId"]) for t in orgs.policy_targets(client, policy["Id"]))
        lines.append(f"  {policy['Name']:<36} -> {', '.join(targets) or '(not attached)'}")
    return "\n".join(lines)


def from_environment(region: str = "us-east-1") -> AwsContext:
    """A context from the environment (AWS_ENDPOINT_URL etc. honoured by boto3 itself)."""
    return AwsContext(session=boto3.session.Session(region_name=region), region=region)
