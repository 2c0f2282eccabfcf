"""What the guardrail SCPs of config/foundation.yaml actually do, proven over the rendered documents.

moto stores SCPs but never enforces them. Here each request is evaluated against the documents
attached to one OU (rendered by `render_scp`, plus FullAWSAccess) with groundwork's evaluator.
The same table is then run against deliberately broken documents: each break must flip at least
one row, so a guardrail that stopped working could not pass unnoticed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from types import SimpleNamespace

import pytest

from groundwork.config.loader import load_config
from groundwork.policy.documents import policy_problems
from groundwork.policy.evaluate import FULL_AWS_ACCESS, is_allowed, is_denied
from groundwork.policy.guardrails import protect_log_archive, render_scp

from tests.conftest import ROOT

DEVELOPER = "arn:aws:iam::222222222222:role/DeveloperRole"
ACCESS_ROLE = "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole"
LOG_ARCHIVE_ROOT = "arn:aws:iam::111111111111:root"
LOG_ARCHIVE_ACCESS_ROLE = "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole"
BREAK_GLASS = "arn:aws:iam::111111111111:role/BreakGlassRole"
LOG_OBJECT = "arn:aws:s3:::wingu-log-archive-111111111111-us-east-1/AWSLogs/x"
LOG_BUCKET = "arn:aws:s3:::wingu-log-archive-111111111111-us-east-1"
OTHER_OBJECT = "arn:aws:s3:::wingu-app-assets-111111111111/x"
LOG_ARCHIVE_ADMIN = "arn:aws:iam::111111111111:role/AdminRole"
LOG_ARCHIVE_SSO_ADMIN = (
    "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdminAccess_0123456789abcdef"
)
OTHER_ROLE = "arn:aws:iam::111111111111:role/AppRole"
WORKLOAD_BREAK_GLASS = "arn:aws:iam::222222222222:role/BreakGlassRole"

Row = tuple[str, str, str, str, str, dict, str | None]
# (OU, action, resource, principal, region, extra context, Sid of the denying statement or None = allowed)
ROWS: list[Row] = [
    ("Workloads", "cloudtrail:StopLogging", "*", DEVELOPER, "us-east-1", {}, "DenyCloudTrailTampering"),
    ("Workloads", "cloudtrail:DeleteTrail", "*", DEVELOPER, "us-east-1", {}, "DenyCloudTrailTampering"),
    ("Security", "CloudTrail:stoplogging", "*", LOG_ARCHIVE_ROOT, "us-east-1", {}, "DenyCloudTrailTampering"),
    ("Workloads", "cloudtrail:LookupEvents", "*", DEVELOPER, "us-east-1", {}, None),
    ("Workloads", "ec2:RunInstances", "*", DEVELOPER, "eu-west-1", {}, "DenyOutsideAllowedRegions"),
    ("Workloads", "ec2:RunInstances", "*", DEVELOPER, "us-east-1", {}, None),
    ("Workloads", "ec2:RunInstances", "*", DEVELOPER, "us-west-2", {}, None),
    ("Workloads", "iam:CreateRole", "*", DEVELOPER, "eu-west-1", {}, None),  # global service exemption
    ("Workloads", "organizations:LeaveOrganization", "*", DEVELOPER, "us-east-1", {}, "DenyLeaveOrganization"),
    ("Sandbox", "organizations:LeaveOrganization", "*", ACCESS_ROLE, "us-east-1", {}, "DenyLeaveOrganization"),
    ("Workloads", "s3:PutBucketPublicAccessBlock", "*", DEVELOPER, "us-east-1", {}, "DenyPublicAccessBlockChanges"),
    ("Workloads", "s3:PutBucketPublicAccessBlock", "*", ACCESS_ROLE, "us-east-1", {}, None),
    ("Workloads", "s3:PutBucketAcl", "*", DEVELOPER, "us-east-1", {"s3:x-amz-acl": "public-read"}, "DenyPublicAcls"),
    ("Workloads", "s3:PutBucketAcl", "*", DEVELOPER, "us-east-1", {"s3:x-amz-acl": "private"}, None),
    ("Workloads", "s3:PutBucketAcl", "*", DEVELOPER, "us-east-1", {}, None),
    ("Security", "s3:DeleteObject", LOG_OBJECT, LOG_ARCHIVE_ROOT, "us-east-1", {}, "ProtectLogArchive"),
    ("Security", "s3:DeleteObject", LOG_OBJECT, LOG_ARCHIVE_ACCESS_ROLE, "us-east-1", {}, "ProtectLogArchive"),
    ("Security", "s3:DeleteBucket", LOG_BUCKET, LOG_ARCHIVE_ROOT, "us-east-1", {}, "ProtectLogArchive"),
    ("Security", "s3:DeleteObject", LOG_OBJECT, BREAK_GLASS, "us-east-1", {}, None),
    ("Security", "s3:DeleteObject", OTHER_OBJECT, LOG_ARCHIVE_ROOT, "us-east-1", {}, None),
    # the break-glass role is exempt from ProtectLogArchive, so nobody else may rewrite, delete or recreate it
    ("Security", "iam:UpdateAssumeRolePolicy", BREAK_GLASS, LOG_ARCHIVE_ADMIN, "us-east-1", {},
     "ProtectLogArchiveRoles"),
    ("Security", "iam:PutRolePolicy", BREAK_GLASS, LOG_ARCHIVE_ADMIN, "us-east-1", {}, "ProtectLogArchiveRoles"),
    ("Security", "iam:AttachRolePolicy", BREAK_GLASS, LOG_ARCHIVE_ADMIN, "us-east-1", {}, "ProtectLogArchiveRoles"),
    ("Security", "iam:DeleteRole", BREAK_GLASS, LOG_ARCHIVE_ADMIN, "us-east-1", {}, "ProtectLogArchiveRoles"),
    ("Security", "iam:CreateRole", BREAK_GLASS, LOG_ARCHIVE_ADMIN, "us-east-1", {}, "ProtectLogArchiveRoles"),
    ("Security", "iam:UpdateAssumeRolePolicy", BREAK_GLASS, LOG_ARCHIVE_SSO_ADMIN, "us-east-1", {},
     "ProtectLogArchiveRoles"),
    ("Security", "iam:PutRolePolicy", BREAK_GLASS, LOG_ARCHIVE_SSO_ADMIN, "us-east-1", {}, "ProtectLogArchiveRoles"),
    ("Security", "iam:DeleteRole", BREAK_GLASS, LOG_ARCHIVE_SSO_ADMIN, "us-east-1", {}, "ProtectLogArchiveRoles"),
    ("Security", "iam:UpdateAssumeRolePolicy", BREAK_GLASS, LOG_ARCHIVE_ROOT, "us-east-1", {},
     "ProtectLogArchiveRoles"),
    # ... nor the access role, whose trust would otherwise be the same bypass one step removed
    ("Security", "iam:UpdateAssumeRolePolicy", LOG_ARCHIVE_ACCESS_ROLE, LOG_ARCHIVE_ADMIN, "us-east-1", {},
     "ProtectLogArchiveRoles"),
    ("Security", "iam:AttachRolePolicy", LOG_ARCHIVE_ACCESS_ROLE, LOG_ARCHIVE_SSO_ADMIN, "us-east-1", {},
     "ProtectLogArchiveRoles"),
    ("Security", "iam:UpdateAssumeRolePolicy", BREAK_GLASS, BREAK_GLASS, "us-east-1", {}, None),
    ("Security", "iam:PutRolePolicy", BREAK_GLASS, BREAK_GLASS, "us-east-1", {}, None),
    ("Security", "iam:DeleteRole", BREAK_GLASS, BREAK_GLASS, "us-east-1", {}, None),
    ("Security", "iam:CreateRole", BREAK_GLASS, LOG_ARCHIVE_ACCESS_ROLE, "us-east-1", {}, None),  # phase 4 creates
    ("Security", "iam:UpdateAssumeRolePolicy", BREAK_GLASS, LOG_ARCHIVE_ACCESS_ROLE, "us-east-1", {}, None),
    ("Security", "iam:PutRolePolicy", BREAK_GLASS, LOG_ARCHIVE_ACCESS_ROLE, "us-east-1", {}, None),
    ("Security", "iam:DeleteRole", BREAK_GLASS, LOG_ARCHIVE_ACCESS_ROLE, "us-east-1", {}, None),
    ("Security", "iam:UpdateAssumeRolePolicy", OTHER_ROLE, LOG_ARCHIVE_ADMIN, "us-east-1", {}, None),
    ("Security", "iam:PutRolePolicy", OTHER_ROLE, LOG_ARCHIVE_ADMIN, "us-east-1", {}, None),
    ("Security", "iam:DeleteRole", OTHER_ROLE, LOG_ARCHIVE_SSO_ADMIN, "us-east-1", {}, None),
    ("Security", "iam:GetRole", BREAK_GLASS, LOG_ARCHIVE_ADMIN, "us-east-1", {}, None),  # reading is no change
    ("Workloads", "iam:UpdateAssumeRolePolicy", WORKLOAD_BREAK_GLASS, DEVELOPER, "us-east-1", {}, None),
]


@pytest.fixture(scope="module")
def rendered() -> dict[str, dict]:
    """Each configured SCP's document by name; FullAWSAccess as AWS attaches it everywhere."""
    config = load_config(ROOT / "config" / "foundation.yaml")
    return {scp.name: render_scp(scp, config) for scp in config.organization.service_control_policies}


@pytest.fixture(scope="module")
def targets() -> dict[str, list[str]]:
    config = load_config(ROOT / "config" / "foundation.yaml")
    return {scp.name: scp.targets for scp in config.organization.service_control_policies}


def attached(rendered: dict[str, dict], targets: dict[str, list[str]], ou: str) -> list[dict]:
    return [FULL_AWS_ACCESS] + [doc for name, doc in rendered.items() if ou in targets[name]]


def outcome(documents: list[dict], row: Row) -> str | None:
    """The denying Sid, None when allowed; 'implicit deny' when nothing allows it."""
    _, action, resource, principal, region, extra, _ = row
    context = {"aws:PrincipalArn": principal, "aws:RequestedRegion": region, **extra}
    denied, sid = is_denied(documents, action, resource, context)
    if denied:
        assert not is_allowed(documents, action, resource, context)
        return sid
    return None if is_allowed(documents, action, resource, context) else "implicit deny"


def wrong_rows(rendered, targets) -> list[Row]:
    return [row for row in ROWS if outcome(attached(rendered, targets, row[0]), row) != row[-1]]


def test_the_rendered_documents_are_valid_scps(rendered):
    for name, document in rendered.items():
        assert policy_problems(document) == [], name


@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"{row[0]}:{row[1]}:{row[3].rsplit(':', 1)[-1]}:{row[4]}")
def test_guardrail_effect(row, rendered, targets):
    assert outcome(attached(rendered, targets, row[0]), row) == row[-1]


def test_log_archive_protection_is_attached_to_the_security_ou_only(rendered, targets):
    row = ("Workloads", "s3:DeleteObject", LOG_OBJECT, LOG_ARCHIVE_ROOT, "us-east-1", {}, None)
    assert outcome(attached(rendered, targets, "Workloads"), row) is None
    assert outcome(attached(rendered, targets, "Security"), row) == "ProtectLogArchive"


def _statement(rendered: dict, sid: str) -> dict:
    for document in rendered.values():
        for statement in document["Statement"]:
            if statement.get("Sid") == sid:
                return statement
    raise KeyError(sid)


def _exempt_ec2_from_regions(rendered):
    _statement(rendered, "DenyOutsideAllowedRegions")["NotAction"].append("ec2:*")


def _forget_stop_logging(rendered):
    _statement(rendered, "DenyCloudTrailTampering")["Action"].remove("cloudtrail:StopLogging")


def _exempt_every_role_from_public_access_block(rendered):
    _statement(rendered, "DenyPublicAccessBlockChanges")["Condition"]["ArnNotLike"]["aws:PrincipalArn"] = [
        "arn:aws:iam::*:role/*"
    ]


def _invert_break_glass_condition(rendered):
    condition = _statement(rendered, "ProtectLogArchive")["Condition"]
    condition["ArnLike"] = condition.pop("ArnNotLike")


def _misspell_log_bucket(rendered):
    _statement(rendered, "ProtectLogArchive")["Resource"] = ["arn:aws:s3:::wingu-logs-archive-*/*"]


def _check_private_acls_instead(rendered):
    condition = _statement(rendered, "DenyPublicAcls")["Condition"]
    condition["StringNotEquals"] = condition.pop("StringEquals")


def _drop_leave_organization(rendered):
    for document in rendered.values():
        document["Statement"] = [s for s in document["Statement"] if s.get("Sid") != "DenyLeaveOrganization"]


def _break_glass_for_root_too(rendered):
    _statement(rendered, "ProtectLogArchive")["Condition"]["ArnNotLike"]["aws:PrincipalArn"].append(
        "arn:aws:iam::*:root"
    )


def _drop_break_glass_role_protection(rendered):
    for document in rendered.values():
        document["Statement"] = [s for s in document["Statement"] if s.get("Sid") != "ProtectLogArchiveRoles"]


def _forget_trust_policy_changes(rendered):
    _statement(rendered, "ProtectLogArchiveRoles")["Action"].remove("iam:UpdateAssumeRolePolicy")


def _forget_inline_policy_changes(rendered):
    _statement(rendered, "ProtectLogArchiveRoles")["Action"].remove("iam:PutRolePolicy")


def _forget_role_deletion(rendered):
    _statement(rendered, "ProtectLogArchiveRoles")["Action"].remove("iam:DeleteRole")


def _protect_every_role(rendered):
    _statement(rendered, "ProtectLogArchiveRoles")["Resource"] = ["arn:aws:iam::*:role/*"]


def _exempt_every_role_from_break_glass_protection(rendered):
    _statement(rendered, "ProtectLogArchiveRoles")["Condition"]["ArnNotLike"]["aws:PrincipalArn"].append(
        "arn:aws:iam::*:role/*"
    )


def _lock_out_the_access_role(rendered):
    exempt = _statement(rendered, "ProtectLogArchiveRoles")["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    exempt.remove("arn:aws:iam::*:role/OrganizationAccountAccessRole")


BREAKS: list[Callable[[dict], None]] = [
    _exempt_ec2_from_regions, _forget_stop_logging, _exempt_every_role_from_public_access_block,
    _invert_break_glass_condition, _misspell_log_bucket, _check_private_acls_instead, _drop_leave_organization,
    _break_glass_for_root_too, _drop_break_glass_role_protection, _forget_trust_policy_changes,
    _forget_inline_policy_changes, _forget_role_deletion, _protect_every_role,
    _exempt_every_role_from_break_glass_protection, _lock_out_the_access_role,
]


def test_the_unbroken_documents_pass_every_row(rendered, targets):
    assert wrong_rows(rendered, targets) == []


@pytest.mark.parametrize("sabotage", BREAKS, ids=lambda f: f.__name__.strip("_"))
def test_a_broken_guardrail_is_caught(sabotage, rendered, targets):
    broken = copy.deepcopy(rendered)
    sabotage(broken)
    assert broken != rendered
    assert wrong_rows(broken, targets), f"no row notices {sabotage.__name__}"


def test_without_full_aws_access_nothing_is_allowed(rendered, targets):
    row = ("Workloads", "cloudtrail:LookupEvents", "*", DEVELOPER, "us-east-1", {}, None)
    documents = [d for d in attached(rendered, targets, "Workloads") if d is not FULL_AWS_ACCESS]
    assert outcome(documents, row) == "implicit deny"


def test_break_glass_role_protection_follows_the_configured_role_names():
    """Renamed roles: the renamed break-glass role is protected, the renamed ones are exempt."""
    config = SimpleNamespace(
        aws=SimpleNamespace(access_role_name="GroundworkAccess"),
        observability=SimpleNamespace(log_bucket_prefix="acme-logs", break_glass_role_name="EmergencyRole"),
    )
    documents = [FULL_AWS_ACCESS, {"Version": "2012-10-17", "Statement": protect_log_archive(config)}]
    emergency = "arn:aws:iam::111111111111:role/EmergencyRole"

    def denied(principal: str, resource: str = emergency) -> str | None:
        return is_denied(documents, "iam:UpdateAssumeRolePolicy", resource, {"aws:PrincipalArn": principal})[1]

    assert denied(LOG_ARCHIVE_ADMIN) == "ProtectLogArchiveRoles"
    assert denied(LOG_ARCHIVE_ACCESS_ROLE) == "ProtectLogArchiveRoles"  # the default name is no longer exempt
    assert denied("arn:aws:iam::111111111111:role/GroundworkAccess") is None
    assert denied(emergency) is None
    assert denied(LOG_ARCHIVE_ADMIN, BREAK_GLASS) is None  # the default name is no longer protected
