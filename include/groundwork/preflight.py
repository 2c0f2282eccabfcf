"""Preflight: what AWS must allow before phase 1 plans anything, each problem with its exact fix.

Reads AWS only (no change) and reports two kinds of problem:

* a Service Quota the config needs is below what it needs: accounts per organization (the management
  account's, in us-east-1), transit gateways per account and attachments per transit gateway (in the
  Transit Gateway account), VPCs per Region and interface endpoints per VPC (in every existing member
  account, home region; the AWS default for accounts still to be made); and SCPs per target counted
  with the SCPs others already attached in AWS (AWS allows 5, FullAWSAccess included);
* the management account is not hygienic: root without MFA, root access keys, IAM users with a
  console password or access keys, workloads (non-default VPCs, instances) in any allowed region.

What the config alone decides is not repeated here: the validator (groundwork.config.checks) already
refuses OUs nested deeper than 5 levels and more than 4 groundwork SCPs on one target.

`preflight(ctx, config)` returns the findings; `raise_if_blocked(findings)` raises Refused with one
message listing all of them; `render(findings)` is that message (or the all-clear line).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from botocore.exceptions import ClientError

from groundwork.aws import ec2, iam
from groundwork.aws import organizations as orgs
from groundwork.aws import service_quotas as sq
from groundwork.aws.common import is_managed
from groundwork.aws.context import AwsContext
from groundwork.aws.parallel import read_all
from groundwork.plan.model import Refused
from groundwork.reconcile import policies
from groundwork.reconcile.network_layout import TAG_ACCOUNT, TAG_ROLE, network_accounts
from groundwork.reconcile.organization import read_organization

SCPS_PER_TARGET = 5  # AWS Organizations: attached SCPs per root, OU or account, FullAWSAccess included


@dataclass(frozen=True)
class Quota:
    service_code: str
    code: str
    name: str
    default: int  # the AWS default, used when Service Quotas answers nothing


ACCOUNTS = Quota("organizations", "L-29A0C5DF", "accounts per organization", 10)
TRANSIT_GATEWAYS = Quota("ec2", "L-A2478D36", "transit gateways per account", 5)
TGW_ATTACHMENTS = Quota("ec2", "L-E0233F82", "attachments per transit gateway", 5000)
VPCS = Quota("vpc", "L-F678F1CE", "VPCs per Region", 5)
INTERFACE_ENDPOINTS = Quota("vpc", "L-29B6F2EB", "interface endpoints per VPC", 50)


@dataclass(frozen=True)
class Finding:
    check: str  # what is checked, e.g. "accounts per organization (L-29A0C5DF)", "root MFA"
    subject: str  # where, e.g. "account Production (222222222222), us-east-1"
    needed: int | str
    have: int | str
    fix: str  # the exact fix: a command to run, or where to click

    def describe(self) -> str:
        return f"{self.check}: {self.subject}: needs {self.needed}, has {self.have}"


# --------------------------------------------------------------------------- the check
def preflight(ctx: AwsContext, config) -> list[Finding]:
    caller = ctx.client("sts").get_caller_identity()
    management_id = caller["Account"]
    client = ctx.client("organizations")
    try:
        existing = orgs.accounts(client)
    except client.exceptions.AWSOrganizationsNotInUseException:
        existing = []
    findings = _accounts_quota(ctx, config, existing, management_id)
    if existing:
        findings += _scps_per_target(client, config)
    by_email = {a["Email"].lower(): a for a in existing}
    ids = {a.name: by_email[a.email.lower()]["Id"] for a in config.active_accounts
           if a.email.lower() in by_email and by_email[a.email.lower()].get("Status", "ACTIVE") == "ACTIVE"}
    findings += _network_quotas(ctx, config, ids)
    findings += _hygiene(ctx, config, management_id, caller["Arn"])
    return findings


def raise_if_blocked(findings: list[Finding]) -> None:
    if findings:
        raise Refused(render(findings))


def render(findings: list[Finding]) -> str:
    if not findings:
        return "preflight: every check passed (service quotas, management account hygiene)"
    lines = [f"preflight: {len(findings)} problem(s) block the plan; fix each, then run again:"]
    for i, finding in enumerate(findings, 1):
        lines.append(f"  {i}. {finding.describe()}")
        lines.append(f"     fix: {finding.fix}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- quotas
def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _value(client, quota: Quota) -> int | float:
    found = sq.applied_value(client, quota.service_code, quota.code)
    return quota.default if found is None else _number(found)


def _default(client, quota: Quota) -> int | float:
    found = sq.default_value(client, quota.service_code, quota.code)
    return quota.default if found is None else _number(found)


def desired_value(needed: int) -> int:
    """What to ask for: the need rounded up to a multiple of 10 (some headroom, one request)."""
    return max(10, math.ceil(needed / 10) * 10)


def increase_command(quota: Quota, needed: int, region: str) -> str:
    return (f"aws service-quotas request-service-quota-increase --service-code {quota.service_code} "
            f"--quota-code {quota.code} --desired-value {desired_value(needed)} --region {region}")


def _quota_finding(quota: Quota, subject: str, needed: int, have: int | float, region: str, whose: str) -> Finding:
    return Finding(f"{quota.name} ({quota.code})", subject, needed, have,
                   f"{increase_command(quota, needed, region)}  (with {whose} credentials)")


def _accounts_quota(ctx: AwsContext, config, existing: list[dict], management_id: str) -> list[Finding]:
    """Configured accounts (a closed one only while AWS still lists it), the management account and
    accounts in the organization the config does not name: all count against the quota."""
    listed = {a["Email"].lower() for a in existing}
    configured = {a.email.lower() for a in config.organization.accounts}
    needed = 1 + sum(1 for a in config.organization.accounts if a.lifecycle != "closed" or a.email.lower() in listed)
    needed += sum(1 for a in existing if a["Email"].lower() not in configured and a["Id"] != management_id)
    have = _value(ctx.client("service-quotas", region=sq.GLOBAL_QUOTA_REGION), ACCOUNTS)
    if needed <= have:
        return []
    subject = f"organization of management account {management_id}"
    return [_quota_finding(ACCOUNTS, subject, needed, have, sq.GLOBAL_QUOTA_REGION, "the management account's")]


def _scps_per_target(client, config) -> list[Finding]:
    """Groundwork's SCPs per target plus those others attached there in AWS (FullAWSAccess among them).
    A groundwork SCP no longer in the config is not counted: the plan detaches it."""
    wanted = policies.desired_policies(config)
    ours: dict[str, int] = defaultdict(int)
    for policy in wanted.values():
        for target in policy.get("targets", ()):  # the spend-stop SCP has none: a budget action attaches it
            ours[target] += 1
    snap = read_organization(client, with_accounts=False)
    targets = {snap.ou_ids[path]: path for path in ours if path in snap.ou_ids}
    others: dict[str, list[dict]] = defaultdict(list)
    for summary in orgs.policies(client):
        if summary["Name"] in wanted or (not summary.get("AwsManaged") and is_managed(orgs.tags(client, summary["Id"]))):
            continue
        for target in orgs.policy_targets(client, summary["Id"]):
            if target["TargetId"] in targets:
                others[targets[target["TargetId"]]].append(summary)
    findings = []
    for target_id, path in targets.items():
        needed = ours[path] + len(others[path])
        if needed <= SCPS_PER_TARGET:
            continue
        extra = needed - SCPS_PER_TARGET
        detachable = [p for p in others[path] if p["Name"] != "FullAWSAccess"] or others[path]
        commands = "; ".join(f"aws organizations detach-policy --policy-id {p['Id']} --target-id {target_id}  # {p['Name']}"
                             for p in detachable)
        findings.append(Finding(
            "SCPs per target (AWS allows 5, FullAWSAccess included)", f"{path} ({target_id})", needed, SCPS_PER_TARGET,
            f"detach {extra} of the SCPs others attached to {path}, or combine them into one: {commands}",
        ))
    return findings


def _network_quotas(ctx: AwsContext, config, ids: dict[str, str]) -> list[Finding]:
    region = ctx.region
    findings: list[Finding] = []
    endpoints = len(config.network.interface_endpoints)
    defaults = ctx.client("service-quotas")
    new_accounts = [a.name for a in network_accounts(config) if a.name not in ids]
    if new_accounts:  # accounts still to be made start with the AWS defaults
        have = _default(defaults, INTERFACE_ENDPOINTS)
        if endpoints > have:
            findings.append(Finding(
                f"{INTERFACE_ENDPOINTS.name} ({INTERFACE_ENDPOINTS.code})", f"new accounts {new_accounts}, {region}",
                endpoints, have, f"list at most {_number(have)} services under network.interface_endpoints "
                                  "(a new account starts with the AWS default; raise it once the account exists)"))
    def account_findings(name: str) -> list[Finding]:
        try:
            return _account_network(ctx, name, ids[name], region, endpoints)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("AccessDenied", "AccessDeniedException"):
                raise
            return []  # not reachable yet (an invited account without the access role): phase 1 deals with it

    existing = [a.name for a in network_accounts(config) if a.name in ids]
    for found in read_all(account_findings, existing):  # each account's own reads, at once (in order)
        findings += found
    findings += _transit_gateway(ctx, config, ids, region)
    return findings


def _account_network(ctx: AwsContext, name: str, account_id: str, region: str, endpoints: int) -> list[Finding]:
    quotas = ctx.client("service-quotas", account_id=account_id)
    vpcs = ec2.vpcs(ctx.client("ec2", account_id=account_id))
    has_ours = any(ec2.tags_of(v).get(TAG_ACCOUNT) == name for v in vpcs)
    needed = len(vpcs) + (0 if has_ours else 1)  # the default VPC counts too
    subject = f"account {name} ({account_id}), {region}"
    whose = f"account {name}'s"
    findings = []
    have = _value(quotas, VPCS)
    if needed > have:
        findings.append(_quota_finding(VPCS, subject, needed, have, region, whose))
    have = _value(quotas, INTERFACE_ENDPOINTS)
    if endpoints > have:
        findings.append(_quota_finding(INTERFACE_ENDPOINTS, subject, endpoints, have, region, whose))
    return findings


def _transit_gateway(ctx: AwsContext, config, ids: dict[str, str], region: str) -> list[Finding]:
    """One attachment per VPC (every active account has one) on the hub; and room for the hub itself."""
    name = config.network.transit_gateway_account
    hub_id = ids.get(name)
    attachments = len(network_accounts(config))
    if hub_id is None:
        have = _default(ctx.client("service-quotas"), TGW_ATTACHMENTS)
        if attachments > have:
            return [Finding(f"{TGW_ATTACHMENTS.name} ({TGW_ATTACHMENTS.code})", f"new account {name}, {region}",
                            attachments, have, f"create account {name} first, then: "
                            + increase_command(TGW_ATTACHMENTS, attachments, region))]
        return []
    quotas = ctx.client("service-quotas", account_id=hub_id)
    subject, whose = f"account {name} ({hub_id}), {region}", f"account {name}'s"
    findings = []
    have = _value(quotas, TGW_ATTACHMENTS)
    if attachments > have:
        findings.append(_quota_finding(TGW_ATTACHMENTS, subject, attachments, have, region, whose))
    tgws = ec2.transit_gateways(ctx.client("ec2", account_id=hub_id))
    if not any(ec2.tags_of(t).get(TAG_ROLE) == "hub" for t in tgws):
        needed, have = len(tgws) + 1, _value(quotas, TRANSIT_GATEWAYS)
        if needed > have:
            findings.append(_quota_finding(TRANSIT_GATEWAYS, subject, needed, have, region, whose))
    return findings


# --------------------------------------------------------------------------- management account hygiene
def _hygiene(ctx: AwsContext, config, management_id: str, caller_arn: str) -> list[Finding]:
    where = f"management account {management_id}"
    client = ctx.client("iam")
    summary = iam.account_summary(client)
    findings = []
    if summary.get("AccountMFAEnabled") != 1:
        findings.append(Finding(
            "root MFA", where, "MFA on the root user", "none",
            f"enable MFA on the root user of account {management_id}: sign in as the root user, IAM console > "
            "Security credentials > Multi-factor authentication (MFA) > Assign MFA device"))
    if summary.get("AccountAccessKeysPresent"):
        findings.append(Finding(
            "root access keys", where, "no root access keys", "root access keys present",
            f"delete the root user's access keys of account {management_id}: sign in as the root user, IAM console > "
            "Security credentials > Access keys > Actions > Delete (automation uses roles, never root keys)"))
    findings += _iam_users(client, where, caller_arn)
    for region in config.aws.allowed_regions:
        findings += _workloads(ctx.client("ec2", region=region), where, region)
    return findings


def _iam_users(client, where: str, caller_arn: str) -> list[Finding]:
    findings = []
    for user in iam.users(client):
        name = user["UserName"]
        profile = iam.login_profile(client, name)
        keys = iam.access_keys(client, name)
        if profile is None and not keys:
            continue
        have = ", ".join(filter(None, ["a console password" if profile else "",
                                       f"{len(keys)} access key(s)" if keys else ""]))
        commands = ([f"aws iam delete-login-profile --user-name {name}"] if profile else []) + [
            f"aws iam delete-access-key --user-name {name} --access-key-id {k['AccessKeyId']}" for k in keys]
        first = ("groundwork runs as this user: point its AWS connection at a role first, then "
                 if user.get("Arn") == caller_arn else "people sign in through IAM Identity Center, not IAM users: ")
        findings.append(Finding("IAM user with credentials", f"user {name} in {where}", "no password, no access keys",
                                have, first + "; ".join(commands)))
    return findings


def _workloads(client, where: str, region: str) -> list[Finding]:
    findings = []
    for vpc in ec2.non_default_vpcs(client):
        findings.append(Finding(
            "workload in the management account", f"VPC {vpc['VpcId']} ({vpc.get('CidrBlock')}) in {where}, {region}",
            "no workloads", "a non-default VPC",
            f"move what runs in it to a member account, delete its subnets, gateways and endpoints, then: "
            f"aws ec2 delete-vpc --vpc-id {vpc['VpcId']} --region {region}"))
    running = ec2.instances(client)
    if running:
        ids = " ".join(i["InstanceId"] for i in running)
        findings.append(Finding(
            "workload in the management account", f"{len(running)} instance(s) in {where}, {region}", "no workloads",
            f"{len(running)} instance(s)",
            f"move them to a member account, then: aws ec2 terminate-instances --instance-ids {ids} --region {region}"))
    return findings


def check(ctx: AwsContext, config) -> dict:
    """Phase 1's preflight task: every finding with its fix in one refusal, or what was checked."""
    findings = preflight(ctx, config)
    raise_if_blocked(findings)
    return {"preflight": "passed", "accounts_needed": len(config.organization.accounts) + 1}
