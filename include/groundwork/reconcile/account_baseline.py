"""Every account's security baseline, set by phase 4 in each account (the management account too):

- the IAM password policy (CIS AWS Foundations: at least 14 characters, the last 24 not reused,
  every character class, 90 days at most) -- there are no IAM users, but a policy keeps any
  break-glass user honest and is what scanners look for;
- account-level S3 Block Public Access (all four settings);
- VPC flow logs on every VPC of every allowed region (default VPCs too), all traffic, delivered
  to the organization's trail bucket in the Log Archive under `vpc-flow-logs/` (Object Lock,
  replicated, the log key).

Flow logs groundwork did not make are left as they are; groundwork adds its own next to them.
"""

from __future__ import annotations

from dataclasses import dataclass

from groundwork.aws import ec2, iam
from groundwork.plan.model import Change, to_apply
from groundwork.reconcile import log_archive

PASSWORD_KIND, FLOW_LOG_KIND = "password_policy", "flow_log"
PASSWORD_POLICY = {
    "MinimumPasswordLength": 14,
    "PasswordReusePrevention": 24,
    "RequireSymbols": True,
    "RequireNumbers": True,
    "RequireUppercaseCharacters": True,
    "RequireLowercaseCharacters": True,
    "AllowUsersToChangePassword": True,
    "MaxPasswordAge": 90,
    "HardExpiry": False,
}


@dataclass(frozen=True)
class BaselineSpec:
    account: str  # id
    account_name: str
    regions: tuple[str, ...]
    flow_log_destination: str  # arn:aws:s3:::bucket/prefix/
    public_access_block: bool = True  # False where another step owns it (the Log Archive's)


def plan_password_policy(iam_client, spec: BaselineSpec) -> Change:
    found = iam.password_policy(iam_client)
    before = None if found is None else {k: found.get(k) for k in PASSWORD_POLICY}
    return Change.between(PASSWORD_KIND, spec.account_name, before, dict(PASSWORD_POLICY))


def plan_flow_logs(ec2_client, spec: BaselineSpec, region: str) -> list[Change]:
    after = {"destination": spec.flow_log_destination, "traffic": "ALL"}
    changes = []
    for vpc in sorted(ec2.vpcs(ec2_client), key=lambda v: v["VpcId"]):
        ours = [f for f in ec2.flow_logs(ec2_client, vpc["VpcId"])
                if f.get("LogDestination") == spec.flow_log_destination and f.get("TrafficType") == "ALL"]
        before = after if ours else None
        changes.append(Change.between(FLOW_LOG_KIND, f"{spec.account_name}/{region}/{vpc['VpcId']}", before, after))
    return changes


def plan_baseline(access, spec: BaselineSpec, client_for) -> list[Change]:
    """`client_for(service, region)`: a client in the spec's account."""
    changes = [plan_password_policy(client_for("iam", None), spec)]
    if spec.public_access_block:
        changes.append(log_archive.plan_account_block(access, spec.account, spec.account_name))
    for region in spec.regions:
        changes += plan_flow_logs(client_for("ec2", region), spec, region)
    return changes


def apply_baseline(access, spec: BaselineSpec, client_for, approved: set[str]) -> list[Change]:
    done = []
    if change := to_apply(plan_password_policy(client_for("iam", None), spec), approved):
        iam.update_password_policy(client_for("iam", None), change.after)
        done.append(change)
    if spec.public_access_block and (change := log_archive.apply_account_block(
            access, spec.account, spec.account_name, approved)):
        done.append(change)
    for region in spec.regions:
        client = client_for("ec2", region)
        for change in plan_flow_logs(client, spec, region):
            if to_apply(change, approved):
                ec2.create_s3_flow_log(client, change.key.rsplit("/", 1)[1], spec.flow_log_destination)
                done.append(change)
    return done
