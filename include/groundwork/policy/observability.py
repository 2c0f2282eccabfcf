"""Phase 4 policy documents: the log archive's key, bucket and role policies.

Pure functions of the resolved ids (`ObservabilityTopology`) and the config. moto enforces none of
them; `tests/unit/policy/test_observability_effect.py` proves what they do with
`groundwork.policy.evaluate` (who may write, read, decrypt; TLS only; the break-glass exemption of
the phase-1 `protect_log_archive` SCP).

Bucket layout (one family per delivering service, both named `<prefix>-...` so the phase-1 SCP
covers them):
  * `<prefix>-<log archive id>-<region>`: CloudTrail, Object Lock COMPLIANCE with default
    retention, replicated to the same name in the replica region;
  * `<prefix>-config-<log archive id>-<region>`: AWS Config, whose delivery channel does not
    support a bucket with Object Lock enabled (AWS::Config::DeliveryChannel / PutDeliveryChannel
    documentation: "AWS Config does not support the delivery channel to an Amazon S3 bucket where
    object lock is enabled"); versioned, same key, SCP and replication, no Object Lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

VERSION = "2012-10-17"
CLOUDTRAIL = "cloudtrail.amazonaws.com"
CONFIG = "config.amazonaws.com"
S3 = "s3.amazonaws.com"
LOG_DELIVERY = "delivery.logs.amazonaws.com"
FLOW_LOG_PREFIX = "vpc-flow-logs"
LOG_KEY_ALIAS = "alias/groundwork-log-archive"
REPLICATION_ROLE = "groundwork-log-replication"
AGGREGATOR_ROLE = "groundwork-config-aggregator"
KEY_ADMIN_ACTIONS = [
    "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
    "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource",
    "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
]


@dataclass(frozen=True)
class ObservabilityTopology:
    """Account ids, regions and names of everything phase 4 builds, resolved once per run."""

    region: str  # home region: trail, primary buckets, aggregator
    replica_region: str
    regions: tuple[str, ...]  # allowed regions: Config, GuardDuty, Security Hub everywhere
    management_account: str
    organization_id: str
    log_archive: str
    audit: str
    accounts: dict[str, str] = field(default_factory=dict)  # name -> id, every account incl. management
    emails: dict[str, str] = field(default_factory=dict)  # id -> email
    prefix: str = "groundwork-log-archive"
    retention_days: int = 365
    trail_name: str = "organization-trail"
    break_glass_role_name: str = "BreakGlassRole"
    log_reader_role_name: str = "LogReader"
    access_role_name: str = "OrganizationAccountAccessRole"
    orchestrator_role_name: str = "groundwork-orchestrator"
    aggregator_name: str = "organization-aggregator"
    standards: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config, management: str, organization_id: str, ids: dict[str, str],
                    emails: dict[str, str]) -> ObservabilityTopology:
        obs = config.observability
        management_name = config.organization.management_account.name
        return cls(
            region=config.aws.home_region, replica_region=obs.replica_region,
            regions=tuple(config.aws.allowed_regions), management_account=management,
            organization_id=organization_id, log_archive=ids[obs.log_archive_account], audit=ids[obs.audit_account],
            accounts={management_name: management, **ids}, emails=emails, prefix=obs.log_bucket_prefix,
            retention_days=obs.object_lock_retention_days, trail_name=obs.trail_name,
            break_glass_role_name=obs.break_glass_role_name, log_reader_role_name=obs.log_reader_role_name,
            access_role_name=config.aws.access_role_name, orchestrator_role_name=config.aws.orchestrator_role_name,
            aggregator_name=obs.config_aggregator_name,
            standards=tuple(obs.securityhub_standards),
        )

    # ------------------------------------------------------------------ names and ARNs
    def name_of(self, account: str) -> str:
        return next((n for n, i in self.accounts.items() if i == account), account)

    def trail_bucket(self, region: str) -> str:
        return f"{self.prefix}-{self.log_archive}-{region}"

    def config_bucket(self, region: str) -> str:
        return f"{self.prefix}-config-{self.log_archive}-{region}"

    def bucket_arns(self) -> list[str]:
        names = [f(r) for f in (self.trail_bucket, self.config_bucket) for r in (self.region, self.replica_region)]
        return [f"arn:aws:s3:::{n}" for n in names]

    def key_alias_arn(self, region: str) -> str:
        return f"arn:aws:kms:{region}:{self.log_archive}:{LOG_KEY_ALIAS}"

    def keys_arn(self, region: str) -> str:
        return f"arn:aws:kms:{region}:{self.log_archive}:key/*"

    @property
    def trail_arn(self) -> str:
        return f"arn:aws:cloudtrail:{self.region}:{self.management_account}:trail/{self.trail_name}"

    def role_arn(self, account: str, name: str) -> str:
        return f"arn:aws:iam::{account}:role/{name}"

    @property
    def break_glass_arn(self) -> str:
        return self.role_arn(self.log_archive, self.break_glass_role_name)

    @property
    def replication_role_arn(self) -> str:
        return self.role_arn(self.log_archive, REPLICATION_ROLE)

    @property
    def reader_arn(self) -> str:
        return self.role_arn(self.audit, self.log_reader_role_name)

    @property
    def aggregator_role_arn(self) -> str:
        return self.role_arn(self.audit, AGGREGATOR_ROLE)

    def config_role_arn(self, account: str) -> str:
        return f"arn:aws:iam::{account}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"

    def standards_arn(self, standard: str, region: str) -> str:
        if standard.startswith("arn:"):
            return standard
        if standard.startswith("ruleset/"):
            return f"arn:aws:securityhub:::{standard}"
        return f"arn:aws:securityhub:{region}::standards/{standard}"


def _deny_insecure_transport(bucket: str) -> dict:
    return {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def _readers(t: ObservabilityTopology, bucket: str) -> dict:
    return {"Sid": "SecurityReadersRead", "Effect": "Allow", "Principal": {"AWS": t.reader_arn},
            "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"],
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}


# --------------------------------------------------------------------------- key
def log_key_policy(t: ObservabilityTopology) -> dict:
    """Only the writers (the organization trail, AWS Config of this organization, replication) and
    the security readers may use the key; only the break-glass role may administer it. No
    account-root delegation: no IAM policy in the Log Archive account can grant it to anyone else."""
    return {"Version": VERSION, "Statement": [
        {"Sid": "BreakGlassAdministers", "Effect": "Allow", "Principal": {"AWS": t.break_glass_arn},
         "Action": KEY_ADMIN_ACTIONS, "Resource": "*"},
        {"Sid": "OrganizationTrailEncrypts", "Effect": "Allow", "Principal": {"Service": CLOUDTRAIL},
         "Action": ["kms:DescribeKey", "kms:GenerateDataKey*"], "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceArn": t.trail_arn}}},
        {"Sid": "ConfigEncrypts", "Effect": "Allow", "Principal": {"Service": CONFIG},
         "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceOrgID": t.organization_id}}},
        {"Sid": "FlowLogsEncrypt", "Effect": "Allow", "Principal": {"Service": LOG_DELIVERY},
         "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
         "Resource": "*", "Condition": {"StringEquals": {"aws:SourceOrgID": t.organization_id}}},
        {"Sid": "ReplicationReEncrypts", "Effect": "Allow", "Principal": {"AWS": t.replication_role_arn},
         "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], "Resource": "*"},
        {"Sid": "SecurityReadersDecrypt", "Effect": "Allow", "Principal": {"AWS": t.reader_arn},
         "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*"},
    ]}


# --------------------------------------------------------------------------- buckets
def trail_bucket_policy(t: ObservabilityTopology, region: str) -> dict:
    bucket = t.trail_bucket(region)
    statements = [_deny_insecure_transport(bucket)]
    if region == t.region:
        source = {"aws:SourceArn": t.trail_arn}
        statements += [
            {"Sid": "OrganizationTrailAclCheck", "Effect": "Allow", "Principal": {"Service": CLOUDTRAIL},
             "Action": "s3:GetBucketAcl", "Resource": f"arn:aws:s3:::{bucket}",
             "Condition": {"StringEquals": source}},
            {"Sid": "OrganizationTrailWrites", "Effect": "Allow", "Principal": {"Service": CLOUDTRAIL},
             "Action": "s3:PutObject",
             "Resource": [f"arn:aws:s3:::{bucket}/AWSLogs/{t.management_account}/*",
                          f"arn:aws:s3:::{bucket}/AWSLogs/{t.organization_id}/*"],
             "Condition": {"StringEquals": {**source, "s3:x-amz-acl": "bucket-owner-full-control"}}},
        ]
        org = {"aws:SourceOrgID": t.organization_id}
        statements += [  # VPC flow logs of every account (AWS: "Amazon S3 bucket permissions for flow logs")
            {"Sid": "FlowLogsAclCheck", "Effect": "Allow", "Principal": {"Service": LOG_DELIVERY},
             "Action": ["s3:GetBucketAcl", "s3:ListBucket"], "Resource": f"arn:aws:s3:::{bucket}",
             "Condition": {"StringEquals": org}},
            {"Sid": "FlowLogsWrite", "Effect": "Allow", "Principal": {"Service": LOG_DELIVERY},
             "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/{FLOW_LOG_PREFIX}/AWSLogs/*",
             "Condition": {"StringEquals": {**org, "s3:x-amz-acl": "bucket-owner-full-control"}}},
        ]
    return {"Version": VERSION, "Statement": statements + [_readers(t, bucket)]}


def flow_log_destination(t: ObservabilityTopology) -> str:
    """Where every account's VPC flow logs go: the home region's trail bucket, under its own prefix."""
    return f"arn:aws:s3:::{t.trail_bucket(t.region)}/{FLOW_LOG_PREFIX}/"


def config_bucket_policy(t: ObservabilityTopology, region: str) -> dict:
    bucket = t.config_bucket(region)
    statements = [_deny_insecure_transport(bucket)]
    if region == t.region:
        org = {"aws:SourceOrgID": t.organization_id}
        statements += [
            {"Sid": "ConfigBucketChecks", "Effect": "Allow", "Principal": {"Service": CONFIG},
             "Action": ["s3:GetBucketAcl", "s3:ListBucket"], "Resource": f"arn:aws:s3:::{bucket}",
             "Condition": {"StringEquals": org}},
            {"Sid": "ConfigDelivers", "Effect": "Allow", "Principal": {"Service": CONFIG},
             "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/*/Config/*",
             "Condition": {"StringEquals": {**org, "s3:x-amz-acl": "bucket-owner-full-control"}}},
        ]
    return {"Version": VERSION, "Statement": statements + [_readers(t, bucket)]}


# --------------------------------------------------------------------------- roles
def break_glass_trust(t: ObservabilityTopology) -> dict:
    """Assumed from the management account only: by the orchestrator role (which applies the
    protected settings), or by a person there signed in with MFA in an emergency. Member accounts'
    principals, the Log Archive's own access role included, cannot."""
    return {"Version": VERSION, "Statement": [
        {"Sid": "OrchestratorAssumes", "Effect": "Allow",
         "Principal": {"AWS": f"arn:aws:iam::{t.management_account}:role/{t.orchestrator_role_name}"},
         "Action": "sts:AssumeRole"},
        {"Sid": "PeopleWithMfaAssume", "Effect": "Allow",
         "Principal": {"AWS": f"arn:aws:iam::{t.management_account}:root"}, "Action": "sts:AssumeRole",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
    ]}


def break_glass_permissions(t: ObservabilityTopology) -> dict:
    """The log buckets, and on KMS exactly what the log key policy grants it (administration of
    the log keys, in both regions), plus creating those keys and their alias."""
    regions = (t.region, t.replica_region)
    return {"Version": VERSION, "Statement": [
        {"Sid": "LogArchiveBuckets", "Effect": "Allow", "Action": "s3:*",
         "Resource": [a for arn in t.bucket_arns() for a in (arn, f"{arn}/*")]},
        {"Sid": "LogArchiveKeys", "Effect": "Allow", "Action": KEY_ADMIN_ACTIONS,
         "Resource": [t.keys_arn(r) for r in regions]},
        {"Sid": "LogArchiveKeyAlias", "Effect": "Allow", "Action": ["kms:CreateAlias", "kms:UpdateAlias"],
         "Resource": [t.key_alias_arn(r) for r in regions]},
        {"Sid": "CreateLogArchiveKeys", "Effect": "Allow", "Action": ["kms:CreateKey", "kms:ListAliases"],
         "Resource": "*"},
        {"Sid": "PassReplicationRole", "Effect": "Allow", "Action": "iam:PassRole", "Resource": t.replication_role_arn},
    ]}


def service_trust(service: str, source_account: str) -> dict:
    """A service role's trust: only that service, acting for this account (no confused deputy:
    another account's use of the service cannot make it assume the role)."""
    return {"Version": VERSION, "Statement": [{
        "Sid": "ServiceAssumes", "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": source_account}}}]}


def replication_permissions(t: ObservabilityTopology) -> dict:
    sources = [f"arn:aws:s3:::{t.trail_bucket(t.region)}", f"arn:aws:s3:::{t.config_bucket(t.region)}"]
    destinations = [f"arn:aws:s3:::{t.trail_bucket(t.replica_region)}",
                    f"arn:aws:s3:::{t.config_bucket(t.replica_region)}"]
    return {"Version": VERSION, "Statement": [
        {"Sid": "ReadSources", "Effect": "Allow", "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
         "Resource": sources},
        {"Sid": "ReadSourceVersions", "Effect": "Allow",
         "Action": ["s3:GetObjectVersionAcl", "s3:GetObjectVersionForReplication", "s3:GetObjectVersionTagging",
                    "s3:GetObjectRetention", "s3:GetObjectLegalHold"],
         "Resource": [f"{s}/*" for s in sources]},
        {"Sid": "WriteReplicas", "Effect": "Allow",
         "Action": ["s3:ReplicateObject", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner"],
         "Resource": [f"{d}/*" for d in destinations]},
        {"Sid": "DecryptSources", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": t.keys_arn(t.region)},
        {"Sid": "EncryptReplicas", "Effect": "Allow", "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
         "Resource": t.keys_arn(t.replica_region)},
    ]}


def reader_trust(t: ObservabilityTopology) -> dict:
    return {"Version": VERSION, "Statement": [{
        "Sid": "AuditAccountAssumes", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{t.audit}:root"},
        "Action": "sts:AssumeRole"}]}


def reader_permissions(t: ObservabilityTopology) -> dict:
    return {"Version": VERSION, "Statement": [
        {"Sid": "ReadLogs", "Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"],
         "Resource": [a for arn in t.bucket_arns() for a in (arn, f"{arn}/*")]},
        {"Sid": "DecryptLogs", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:DescribeKey"],
         "Resource": [t.keys_arn(r) for r in (t.region, t.replica_region)]},
    ]}


def aggregator_permissions() -> dict:
    """What AWS's AWSConfigRoleForOrganizations grants: reading the organization's accounts."""
    return {"Version": VERSION, "Statement": [{
        "Sid": "ReadOrganization", "Effect": "Allow",
        "Action": ["organizations:DescribeOrganization", "organizations:ListAWSServiceAccessForOrganization",
                   "organizations:ListAccounts", "organizations:ListDelegatedAdministrators"],
        "Resource": "*"}]}
