"""The organization trail, made from the management account: multi-region, log file validation,
KMS with the Log Archive's key, management events selected explicitly, logging started.

AWS answers GetTrail with the key's ARN where it was given the alias ARN; `key_aliases` (key ARN ->
alias ARN, read in the Log Archive account) lets the two compare equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from groundwork.aws import cloudtrail
from groundwork.plan.model import Change, to_apply

KIND = "cloudtrail_trail"
SERVICE = "cloudtrail.amazonaws.com"


@dataclass(frozen=True)
class TrailSpec:
    name: str
    account_name: str  # the management account's name
    bucket: str
    kms_key: str  # alias ARN
    key_aliases: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.account_name}/{self.name}"


def desired(spec: TrailSpec) -> dict:
    return {"bucket": spec.bucket, "kms_key": spec.kms_key, "organization": True, "multi_region": True,
            "log_file_validation": True, "global_service_events": True,
            "event_selectors": cloudtrail.MANAGEMENT_EVENTS, "logging": True}


def read(client, spec: TrailSpec) -> dict | None:
    found = cloudtrail.trail(client, spec.name)
    if found is None:
        return None
    key = found.get("KmsKeyId")
    return {
        "bucket": found.get("S3BucketName"),
        "kms_key": spec.key_aliases.get(key, key),
        "organization": bool(found.get("IsOrganizationTrail")),
        "multi_region": bool(found.get("IsMultiRegionTrail")),
        "log_file_validation": bool(found.get("LogFileValidationEnabled")),
        "global_service_events": bool(found.get("IncludeGlobalServiceEvents")),
        "event_selectors": cloudtrail.event_selectors(client, spec.name),
        "logging": cloudtrail.is_logging(client, spec.name),
    }


def plan_trail(client, spec: TrailSpec) -> Change:
    before, after = read(client, spec), desired(spec)
    return Change.between(KIND, spec.key, before, after)


def _service_access_on(orgs) -> bool:
    for page in orgs.get_paginator("list_aws_service_access_for_organization").paginate():
        if any(p["ServicePrincipal"] == SERVICE for p in page["EnabledServicePrincipals"]):
            return True
    return False


def apply_trail(client, orgs, spec: TrailSpec, approved: set[str]) -> Change | None:
    change = to_apply(plan_trail(client, spec), approved)
    if change is None:
        return None
    before, after = change.before or {}, change.after
    if not _service_access_on(orgs):  # an organization trail needs CloudTrail's trusted access
        orgs.enable_aws_service_access(ServicePrincipal=SERVICE)
    if change.action == "create":
        cloudtrail.create_trail(client, spec.name, spec.bucket, spec.kms_key)
        before = {"logging": False}
    elif any(before.get(k) != after[k] for k in ("bucket", "kms_key", "organization", "multi_region",
                                                   "log_file_validation", "global_service_events")):
        cloudtrail.update_trail(client, spec.name, spec.bucket, spec.kms_key)
    if before.get("event_selectors") != after["event_selectors"]:
        cloudtrail.select_management_events(client, spec.name)
    if not before.get("logging"):
        cloudtrail.start_logging(client, spec.name)
    return change
