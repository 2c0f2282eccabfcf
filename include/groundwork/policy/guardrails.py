"""The built-in guardrail SCPs (blueprint: 'Apply SCPs at the OU level ... from day one')."""

from __future__ import annotations

import json

_PUBLIC_ACLS = ["public-read", "public-read-write", "authenticated-read"]


def _role_arns(*names: str) -> list[str]:
    return [f"arn:aws:iam::*:role/{name}" for name in names]


def deny_cloudtrail_tampering(config) -> list[dict]:
    return [{
        "Sid": "DenyCloudTrailTampering",
        "Effect": "Deny",
        "Action": [
            "cloudtrail:DeleteTrail", "cloudtrail:StopLogging", "cloudtrail:UpdateTrail",
            "cloudtrail:PutEventSelectors", "cloudtrail:PutInsightSelectors",
        ],
        "Resource": "*",
    }]


def deny_regions_outside_allowed(config) -> list[dict]:
    return [{
        "Sid": "DenyOutsideAllowedRegions",
        "Effect": "Deny",
        "NotAction": sorted(set(config.organization.global_services)),
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": list(config.aws.allowed_regions)}},
    }]


def deny_leave_organization(config) -> list[dict]:
    return [{
        "Sid": "DenyLeaveOrganization",
        "Effect": "Deny",
        "Action": ["organizations:LeaveOrganization"],
        "Resource": "*",
    }]


def deny_public_s3_changes(config) -> list[dict]:
    automation = _role_arns(config.aws.access_role_name)
    return [
        {
            "Sid": "DenyPublicAccessBlockChanges",
            "Effect": "Deny",
            # Deleting a public access block is authorized by the same Put* actions (AWS: the
            # DeletePublicAccessBlock operations need s3:PutAccountPublicAccessBlock /
            # s3:PutBucketPublicAccessBlock; there are no Delete* IAM actions).
            "Action": ["s3:PutAccountPublicAccessBlock", "s3:PutBucketPublicAccessBlock"],
            "Resource": "*",
            "Condition": {"ArnNotLike": {"aws:PrincipalArn": automation}},
        },
        {
            "Sid": "DenyPublicAcls",
            "Effect": "Deny",
            "Action": ["s3:PutBucketAcl", "s3:PutObjectAcl", "s3:CreateBucket", "s3:PutObject"],
            "Resource": "*",
            "Condition": {"StringEquals": {"s3:x-amz-acl": _PUBLIC_ACLS}},
        },
    ]


# Every IAM action that creates, deletes or changes a role's trust, permissions, boundary, settings or tags.
_ROLE_CHANGES = [
    "iam:CreateRole", "iam:DeleteRole", "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary",
    "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:TagRole", "iam:UntagRole",
]


def protect_log_archive(config) -> list[dict]:
    """The log buckets, and the break-glass role that alone may change them.

    Exempting break-glass from the bucket statement would be a bypass if anyone in the account
    could rewrite that role (its trust, its permissions) and then assume it, or delete and recreate
    it. So the role itself is closed to all but break-glass and the access role, which only the
    management account can assume and through which phase 4 creates and converges the role. The
    access role is closed the same way: rewriting its trust would be the same bypass, one step
    removed (groundwork never changes it; Organizations creates it with the account).
    """
    prefix = config.observability.log_bucket_prefix
    break_glass = config.observability.break_glass_role_name
    return [
        {
            "Sid": "ProtectLogArchive",
            "Effect": "Deny",
            "Action": [
                "s3:DeleteBucket", "s3:DeleteObject", "s3:DeleteObjectVersion",
                "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketObjectLockConfiguration",
                "s3:PutLifecycleConfiguration", "s3:PutReplicationConfiguration",
                "s3:PutBucketVersioning", "s3:BypassGovernanceRetention", "s3:PutEncryptionConfiguration",
            ],
            "Resource": [f"arn:aws:s3:::{prefix}-*", f"arn:aws:s3:::{prefix}-*/*"],
            "Condition": {"ArnNotLike": {"aws:PrincipalArn": _role_arns(break_glass)}},
        },
        {
            "Sid": "ProtectLogArchiveRoles",
            "Effect": "Deny",
            "Action": list(_ROLE_CHANGES),
            "Resource": _role_arns(break_glass, config.aws.access_role_name),
            "Condition": {"ArnNotLike": {"aws:PrincipalArn": _role_arns(break_glass, config.aws.access_role_name)}},
        },
    ]


SUSPENDED_SCP = "groundwork-suspended-deny-all"


def deny_all_in_suspended_accounts(config) -> dict:
    """The SCP of the suspended OU: retired accounts can do nothing, except through the access role
    (groundwork removes what it built there: assignments, the VPC attachment) and the break-glass
    role. Not a built-in for configured SCPs: phase 1 attaches it to `organization.suspended_ou`."""
    exempt = _role_arns(config.aws.access_role_name, config.observability.break_glass_role_name)
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyAllInRetiredAccounts",
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": exempt}},
    }]}


def deny_iam_users(config) -> list[dict]:
    """Blueprint: no IAM users, people sign in through Identity Center. Only the automation (access)
    role and break-glass may create a user, a console password or an access key."""
    exempt = _role_arns(config.aws.access_role_name, config.observability.break_glass_role_name)
    return [{
        "Sid": "DenyIamUsers",
        "Effect": "Deny",
        "Action": ["iam:CreateUser", "iam:CreateLoginProfile", "iam:UpdateLoginProfile", "iam:CreateAccessKey"],
        "Resource": "*",
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": exempt}},
    }]


SPEND_STOP_SCP = "groundwork-spend-stop"
# What starts new spending: compute, databases, clusters, NAT gateways and addresses. Stopping or
# deleting stays allowed, so a team can still bring its bill down.
_NEW_SPEND = [
    "ec2:RunInstances", "ec2:StartInstances", "ec2:RequestSpotInstances", "ec2:CreateFleet",
    "ec2:CreateNatGateway", "ec2:AllocateAddress", "ec2:CreateVolume",
    "autoscaling:CreateAutoScalingGroup", "autoscaling:UpdateAutoScalingGroup",
    "lambda:CreateFunction", "ecs:CreateService", "ecs:RunTask", "ecs:StartTask",
    "eks:CreateCluster", "eks:CreateNodegroup",
    "rds:CreateDBInstance", "rds:CreateDBCluster", "rds:StartDBInstance", "rds:StartDBCluster",
    "redshift:CreateCluster", "elasticache:CreateCacheCluster", "elasticache:CreateReplicationGroup",
    "sagemaker:CreateNotebookInstance", "sagemaker:CreateTrainingJob", "sagemaker:CreateEndpoint",
]


def deny_new_spend(config) -> dict:
    """The SCP a budget action attaches to an account at 100% of its spend limit (not attached by
    phase 1: the budget action owns its attachments). The automation and break-glass roles keep
    working, so a person can still act on the account."""
    exempt = _role_arns(config.aws.access_role_name, config.observability.break_glass_role_name)
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyNewSpendOverBudget",
        "Effect": "Deny",
        "Action": list(_NEW_SPEND),
        "Resource": "*",
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": exempt}},
    }]}


RESERVED_SCPS = {
    SUSPENDED_SCP: "the suspended OU's deny-all",
    SPEND_STOP_SCP: "attached by a budget action at an account's spend limit",
}

BUILTINS = {
    "deny_cloudtrail_tampering": deny_cloudtrail_tampering,
    "deny_regions_outside_allowed": deny_regions_outside_allowed,
    "deny_leave_organization": deny_leave_organization,
    "deny_public_s3_changes": deny_public_s3_changes,
    "protect_log_archive": protect_log_archive,
    "deny_iam_users": deny_iam_users,
}


def render_scp(scp, config) -> dict:
    """The full policy document of one configured SCP: built-in statements, then custom ones."""
    statements: list[dict] = []
    for name in scp.builtins:
        statements += BUILTINS[name](config)
    custom = scp.document
    if isinstance(custom, str):
        custom = json.loads(custom)
    if isinstance(custom, dict):
        extra = custom.get("Statement", [])
        statements += [extra] if isinstance(extra, dict) else list(extra)
    return {"Version": "2012-10-17", "Statement": statements}
