"""AWS Config: in every account, Config's service-linked role and, per allowed region, a recorder
named `groundwork-<region>` (one recorder per account and region is all AWS allows; the region in
the name keeps names unique across the aggregated view), a delivery channel to the Log Archive's
Config bucket and the recorder started. Global resources (IAM) are recorded in the home region only.
The organization aggregator lives in the Audit account, registered as Config's delegated
administrator."""

from __future__ import annotations

from dataclasses import dataclass

from groundwork.aws import config_service, iam
from groundwork.plan.model import Change, action_for, to_apply

ROLE_KIND = "iam_service_linked_role"
RECORDER_KIND = "config_recorder"
AGGREGATOR_KIND = "config_aggregator"
DELEGATION_KIND = "delegated_administrator"
SERVICE_ROLE = "AWSServiceRoleForConfig"
CONFIG = "config.amazonaws.com"
TRUSTED_SERVICES = (CONFIG, "config-multiaccountsetup.amazonaws.com")


class RecorderConflict(Exception):
    """The account already has a recorder (or channel) of another name; AWS allows one per region."""


def _action(before, after) -> str:
    return action_for(before, after)


# --------------------------------------------------------------------------- service-linked role
def plan_service_role(client, account_name: str) -> Change:
    before = {"service": CONFIG} if iam.get_role(client, SERVICE_ROLE) else None
    after = {"service": CONFIG}
    return Change(_action(before, after), ROLE_KIND, f"{account_name}/{SERVICE_ROLE}", before, after)


def apply_service_role(client, account_name: str, approved: set[str]) -> Change | None:
    change = to_apply(plan_service_role(client, account_name), approved)
    if change is None:
        return None
    client.create_service_linked_role(AWSServiceName=CONFIG, Description="groundwork: AWS Config")
    return change


# --------------------------------------------------------------------------- recorder + channel
@dataclass(frozen=True)
class RecorderSpec:
    account_name: str
    region: str
    role_arn: str
    include_global: bool
    bucket: str
    kms_key: str

    @property
    def name(self) -> str:
        return f"groundwork-{self.region}"

    @property
    def key(self) -> str:
        return f"{self.account_name}/{self.region}/{self.name}"


def desired_recorder(spec: RecorderSpec) -> dict:
    return {"name": spec.name, "role": spec.role_arn, "all_supported": True,
            "global_resources": spec.include_global, "delivery": f"s3://{spec.bucket} ({spec.kms_key})",
            "recording": True}


def read_recorder(client, spec: RecorderSpec) -> dict | None:
    recorders = config_service.recorders(client)
    channels = config_service.delivery_channels(client)
    if not recorders and not channels:
        return None
    recorder = recorders[0] if recorders else {}
    group = recorder.get("recordingGroup", {})
    channel = channels[0] if channels else {}
    return {
        "name": recorder.get("name") if recorder.get("name") == channel.get("name", recorder.get("name")) else
        f"{recorder.get('name')} / channel {channel.get('name')}",
        "role": recorder.get("roleARN"), "all_supported": bool(group.get("allSupported")),
        "global_resources": bool(group.get("includeGlobalResourceTypes")),
        "delivery": f"s3://{channel.get('s3BucketName')} ({channel.get('s3KmsKeyArn')})" if channel else None,
        "recording": config_service.recording(client, recorder["name"]) if recorder else False,
    }


def plan_recorder(client, spec: RecorderSpec) -> Change:
    before, after = read_recorder(client, spec), desired_recorder(spec)
    return Change(_action(before, after), RECORDER_KIND, spec.key, before, after)


def apply_recorder(client, spec: RecorderSpec, approved: set[str]) -> Change | None:
    change = to_apply(plan_recorder(client, spec), approved)
    if change is None:
        return None
    foreign = [r["name"] for r in config_service.recorders(client) if r["name"] != spec.name]
    foreign += [c["name"] for c in config_service.delivery_channels(client) if c["name"] != spec.name]
    if foreign:
        raise RecorderConflict(
            f"{spec.account_name} {spec.region} already has AWS Config recorder/channel {sorted(set(foreign))}; "
            f"AWS allows one per region: remove it (or rename it {spec.name}) and rerun")
    before, after = change.before or {}, change.after
    if any(before.get(k) != after[k] for k in ("role", "all_supported", "global_resources")):
        config_service.put_recorder(client, spec.name, spec.role_arn, spec.include_global)
    if before.get("delivery") != after["delivery"]:
        config_service.put_delivery_channel(client, spec.name, spec.bucket, spec.kms_key)
    if not before.get("recording"):
        config_service.start_recorder(client, spec.name)
    return change


# --------------------------------------------------------------------------- delegation + aggregator
def _trusted(orgs) -> set[str]:
    found: set[str] = set()
    for page in orgs.get_paginator("list_aws_service_access_for_organization").paginate():
        found |= {p["ServicePrincipal"] for p in page["EnabledServicePrincipals"]}
    return found


def _delegated(orgs, service: str) -> set[str]:
    found: set[str] = set()
    for page in orgs.get_paginator("list_delegated_administrators").paginate(ServicePrincipal=service):
        found |= {a["Id"] for a in page["DelegatedAdministrators"]}
    return found


def plan_delegation(orgs, admin: str, admin_name: str) -> Change:
    trusted = _trusted(orgs)
    before = {"trusted_access": sorted(s for s in TRUSTED_SERVICES if s in trusted),
              "administrator": admin_name if admin in _delegated(orgs, CONFIG) else None}
    after = {"trusted_access": sorted(TRUSTED_SERVICES), "administrator": admin_name}
    return Change(_action(before, after), DELEGATION_KIND, CONFIG, before, after)


def apply_delegation(orgs, admin: str, admin_name: str, approved: set[str]) -> Change | None:
    change = to_apply(plan_delegation(orgs, admin, admin_name), approved)
    if change is None:
        return None
    for service in TRUSTED_SERVICES:
        if service not in change.before["trusted_access"]:
            orgs.enable_aws_service_access(ServicePrincipal=service)
    if change.before["administrator"] is None:
        orgs.register_delegated_administrator(AccountId=admin, ServicePrincipal=CONFIG)
    return change


def plan_aggregator(client, account_name: str, name: str, role_arn: str) -> Change:
    found = config_service.aggregator(client, name)
    source = (found or {}).get("OrganizationAggregationSource") or {}
    before = None if found is None else {"role": source.get("RoleArn"), "all_regions": bool(source.get("AllAwsRegions"))}
    after = {"role": role_arn, "all_regions": True}
    return Change(_action(before, after), AGGREGATOR_KIND, f"{account_name}/{name}", before, after)


def apply_aggregator(client, account_name: str, name: str, role_arn: str, approved: set[str]) -> Change | None:
    change = to_apply(plan_aggregator(client, account_name, name, role_arn), approved)
    if change is None:
        return None
    config_service.put_organization_aggregator(client, name, role_arn)
    return change
