"""Typed model of the foundation config (one YAML file, one section per domain).

Field-level rules live here (types, formats, ranges). Rules that span sections (references,
duplicates, CIDR overlaps, approvers for production) live in `checks.py`, which runs on the
raw document so that every problem is reported together.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from groundwork.config.durations import parse_iso8601_duration
from groundwork.config.regions import AWS_REGIONS
from groundwork.policy.cicd import DEFAULT_STACK_ACTIONS
from groundwork.policy.guardrails import BUILTINS

MAX_SESSION_SECONDS = 12 * 3600


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _region(value: str) -> str:
    if value not in AWS_REGIONS:
        raise ValueError(f"unknown AWS region {value!r}")
    return value


# RFC 1918 ranges as [first, end) integers: checked once per CIDR, 10,000 times in a big config.
_RFC1918 = [(int(n.network_address), int(n.network_address) + n.num_addresses)
            for n in map(ipaddress.IPv4Network, ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))]


_PLAIN_CIDR = re.compile(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})/(\d{1,2})$")


def _network(value: str) -> tuple[int, int, str]:
    """(first address, prefix length, canonical text) of an IPv4 network. The common case is
    parsed by hand (10,000 accounts each carry one); anything else goes through ipaddress, whose
    error message is the one reported."""
    match = _PLAIN_CIDR.match(value)
    if match:
        *octets, prefix = (int(g) for g in match.groups())
        if all(o <= 255 for o in octets) and prefix <= 32 and all(g == str(int(g)) for g in match.groups()):
            first = (octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]
            if first & ((1 << (32 - prefix)) - 1) == 0:
                return first, prefix, value
    try:
        net = ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"malformed CIDR {value!r}: {exc}") from None
    return int(net.network_address), net.prefixlen, str(net)


def _cidr(value: str) -> str:
    first, prefix, canonical = _network(value)
    end = first + (1 << (32 - prefix))
    if not any(low <= first and end <= high for low, high in _RFC1918):
        raise ValueError(f"CIDR {value} is public address space; use RFC 1918 ranges")
    return canonical


def _session_duration(value: str) -> str:
    seconds = parse_iso8601_duration(value)
    if seconds > MAX_SESSION_SECONDS:
        raise ValueError(f"session duration {value} is over the 12 hour maximum (PT12H)")
    if seconds < 900:
        raise ValueError(f"session duration {value} is under the 15 minute minimum (PT15M)")
    return value


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an email address")
    if len(value) > 64:
        raise ValueError(f"{value!r} is {len(value)} characters; AWS account emails have at most 64")
    return value.lower()


def _vpc_cidr(value: str) -> str:
    prefix = int(value.rsplit("/", 1)[1])
    if not 16 <= prefix <= 28:
        raise ValueError(f"{value}: a VPC CIDR must be between /16 and /28 (AWS)")
    return value


def _matching(pattern: str, rule: str) -> AfterValidator:
    """A string rule as a validator whose error names the value and the rule."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise ValueError(f"{value!r}: {rule}")
        return value

    return AfterValidator(check)


Region = Annotated[str, AfterValidator(_region)]
Cidr = Annotated[str, AfterValidator(_cidr)]
Email = Annotated[str, AfterValidator(_email)]
IsoDuration = Annotated[str, AfterValidator(_session_duration)]
VpcCidr = Annotated[str, AfterValidator(_cidr), AfterValidator(_vpc_cidr)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._\-]{0,49}$")]
def _tag_key(value: str) -> str:
    if value.lower().startswith("aws:"):
        raise ValueError("tag keys starting with 'aws:' are reserved by AWS")
    return value


TagKey = Annotated[str, Field(pattern=r"^[A-Za-z0-9_ .:/=+\-@]{1,128}$"), AfterValidator(_tag_key)]
TagValue = Annotated[str, Field(pattern=r"^[A-Za-z0-9_ .:/=+\-@]{0,256}$")]
ResourceName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-+=,@]{0,63}$")]
AirflowUser = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\s]+$")]
PermissionSetName = Annotated[str, _matching(
    r"^[\w+=,.@-]{1,32}$", "a permission set name has 1-32 letters, digits or + = , . @ _ - (AWS)")]
TrailName = Annotated[str, _matching(
    r"^(?!.*[._-]{2})[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$",
    "a trail name has 3-128 letters, digits, . _ -, starts and ends with a letter or digit, with no two "
    "separators together (AWS)")]
DomainName = Annotated[str, _matching(
    r"(?i)^(?=.{1,254}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]\.?$",
    "not a domain name (labels of letters, digits and -, separated by dots)")]
PolicyPath = Annotated[str, _matching(
    r"^(?=.{1,512}$)(?!.*//)/(?:[\x21-\x7e]+/)?$", "an IAM policy path is '/' or '/a/b/' (starts and ends with /)")]
# S3 bucket names are built from these (checks.py bounds the whole name's length).
BucketPrefix = Annotated[str, _matching(
    r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$",
    "S3 bucket names take lowercase letters, digits and hyphens, starting and ending with a letter or digit")]


class SecretRef(Model):
    """Where a secret lives. The value itself is never written in the config."""

    airflow_connection: str | None = Field(
        None, min_length=1, description="Airflow connection id; the secret is its password field."
    )
    airflow_variable: str | None = Field(
        None, min_length=1,
        description="Airflow variable key holding the secret.",
    )

    @model_validator(mode="before")
    @classmethod
    def _refuse_inline(cls, data):
        if isinstance(data, str):
            raise ValueError(
                "a secret is written inline; reference it instead, e.g. "
                "{airflow_connection: groundwork_external_id}"
            )
        return data

    @model_validator(mode="after")
    def _exactly_one(self):
        if (self.airflow_connection is None) == (self.airflow_variable is None):
            raise ValueError("give exactly one of airflow_connection or airflow_variable")
        return self


# --------------------------------------------------------------------------- aws / approvals
class AwsSettings(Model):
    connection_id: str = Field("aws_default", description="Airflow AWS connection of the management account.")
    access_role_name: ResourceName = Field(
        "OrganizationAccountAccessRole", description="Role assumed in member accounts."
    )
    orchestrator_role_name: ResourceName = Field(
        "groundwork-orchestrator",
        description="IAM role in the management account that Airflow's AWS connection acts as (its "
        "role_arn). The only principal trusted by the pipeline role, and the only one that may assume "
        "the Log Archive break-glass role without MFA.",
    )
    allowed_regions: list[Region] = Field(["us-east-1"], min_length=1, description="Regions workloads may use.")
    home_region: Region = Field(
        "us-east-1", validate_default=True, description="Region of the organization-level resources."
    )

    @field_validator("home_region")
    @classmethod
    def _home_allowed(cls, value, info):
        allowed = info.data.get("allowed_regions")  # absent when allowed_regions itself is invalid
        if allowed is not None and value not in allowed:
            raise ValueError(f"home_region {value} is not in allowed_regions {allowed}")
        return value


def _gate_wait(value: str) -> str:
    seconds = parse_iso8601_duration(value)
    if not 60 <= seconds <= 7 * 86400:
        raise ValueError(f"{value} is outside 1 minute to 7 days")
    return value


_CRON_PRESETS = ("@hourly", "@daily", "@weekly", "@monthly")
_CRON_FIELD = r"[0-9*,/\-]+"


def _drift_schedule(value: str) -> str:
    import re

    fields = value.split()
    if value in _CRON_PRESETS or (len(fields) == 5 and all(re.fullmatch(_CRON_FIELD, f) for f in fields)):
        return value
    raise ValueError(f"{value!r} is neither one of {', '.join(_CRON_PRESETS)} nor a five-field cron expression")


def _slots(default: int, description: str):
    return Field(default, ge=1, le=100, description=description)


class Concurrency(Model):
    """How much of one kind of AWS work runs at once, across all runs: each is an Airflow pool
    (`groundwork_<name>`, see `python -m groundwork pools`) of this many slots. Size it to the
    quota or API rate your organization has; the mapped per-account steps queue for a slot."""

    account_creation: int = _slots(
        5, "Accounts being created at once (phase 1 `ensure_account`, pool `groundwork_account_creation`). A "
        "creation waiting deferred still holds its slot: the CreateAccount request is still in progress, and "
        "Organizations refuses requests beyond its concurrency quota.")
    identity_center: int = _slots(
        4, "Accounts whose Identity Center assignments are applied at once (phase 2 `ensure_assignments`, pool "
        "`groundwork_identity_center`): the account-assignment API's request rate.")
    ec2: int = _slots(
        4, "Accounts whose VPC, subnets, endpoints and attachment are applied at once (phase 3 `ensure_vpc`, "
        "pool `groundwork_ec2`): EC2's request rate in the network account's region.")
    security_services: int = _slots(
        4, "Accounts whose Config, GuardDuty and Security Hub are applied at once (phase 4 `apply_account`, "
        "pool `groundwork_security_services`).")
    iam: int = _slots(
        3, "Environment accounts whose deployment roles, key and bucket are applied at once (phase 5 "
        "`apply_environment`, pool `groundwork_iam`): IAM's write rate.")


class Operations(Model):
    concurrency: Concurrency = Field(
        default_factory=Concurrency,
        description="Airflow pools bounding each kind of concurrent AWS work (sizes of your AWS quotas).")
    max_tasks_per_step: int = Field(
        32, ge=1, le=1024,
        description="A step mapped over accounts runs at most this many Airflow tasks: up to this many accounts, "
        "one task per account; past it, each task takes a batch of consecutive accounts, one after another "
        "(a task costs seconds of scheduling and start-up; the step's pool still bounds the AWS work at once).")
    drift_schedule: Annotated[str, AfterValidator(_drift_schedule)] | None = Field(
        "@daily",
        description="When `foundation_drift` compares AWS with the config of every deployed phase (read only): "
        "@hourly, @daily, @weekly, @monthly or a five-field cron expression; null: only when triggered.",
    )
    drift_topic_arn: str | None = Field(
        None,
        pattern=r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$",
        description="SNS topic told when drift is found (Airflow's SNS notifier, through `aws.connection_id`); "
        "null: the report is only in the task log, XCom and the `groundwork_drift` Asset event.",
    )
    gate_wait_timeout: Annotated[str, AfterValidator(_gate_wait)] = Field(
        "PT12H",
        description="How long a phase's gate waits (deferred, no worker held) while the phase before it is "
        "still running, for example waiting for its approval, before it fails (ISO 8601, PT1M to P7D).",
    )


class Approvals(Model):
    approvers: list[AirflowUser] = Field(
        default_factory=list,
        description="Airflow users who answer every phase's approval; at least one is required."
    )


# --------------------------------------------------------------------------- organization
class OrganizationalUnit(Model):
    name: Name = Field(description="OU name; paths are names joined with / from the root.")
    children: list[OrganizationalUnit] = Field(default_factory=list, description="Nested OUs.")


Lifecycle = Literal["active", "retired", "closed"]
AccountId = Annotated[str, Field(pattern=r"^\d{12}$")]
AccountKind = Literal["log_archive", "audit", "network", "shared_services", "workload", "sandbox"]
Environment = Literal["production", "staging", "development", "sandbox", "shared"]


class ManagementAccount(Model):
    name: Name = Field("Management", description="Name of the management (payer) account.")
    email: Email = Field(description="Root email of the management account.")
    workloads: list[str] = Field(
        default_factory=list,
        description="Must stay empty: the management account runs no workloads.",
    )

    @field_validator("workloads")
    @classmethod
    def _no_workloads(cls, value):
        if value:
            raise ValueError("the management account must run no workloads (blueprint: 'no workloads, ever')")
        return value


class Account(Model):
    name: Name = Field(description="Account name in AWS Organizations; other sections refer to the account by it.")
    email: Email = Field(
        description="Root email of the account; unique across AWS (an account is found by it, never created twice).",
    )
    ou: str = Field(description="OU path from the root, e.g. 'Workloads' or 'Workloads/Prod'.")
    kind: AccountKind = Field(
        description="What the account is for; log_archive and audit name the accounts phase 4 builds on.",
    )
    environment: Environment | None = Field(
        None,
        description="production makes changes to the account need approval; others are informational.",
    )
    cidr: VpcCidr | None = Field(None, description="The account's VPC CIDR (/16-/28); allocated when omitted.")
    spend_limit_usd: int | None = Field(
        None, gt=0,
        description="Monthly cost budget (USD) for the account, in the management account: notifications at 80% "
                    "and 100% to `cost.budget_emails` / `cost.budget_sns_topic_arn`; at 100% a budget action "
                    "attaches the `groundwork-spend-stop` SCP to the account (unless `cost.stop_spending_at_limit` "
                    "is false).")
    tags: dict[TagKey, TagValue] = Field(
        default_factory=dict,
        description="Tags on the account in AWS Organizations (cost attribution); every key in "
                    "`cost.required_tags` is required.")
    lifecycle: Lifecycle = Field(
        "active",
        description="active; retired: moved to the suspended OU (deny-all SCP), its Identity Center assignments "
                    "and Transit Gateway attachment removed; closed: retired, then closed with CloseAccount "
                    "(its own approval; final after 90 days).",
    )
    invite_account_id: AccountId | None = Field(
        None,
        description="Id of an existing account outside the organization: invited (a handshake its owner accepts) "
                    "instead of created. An account already in the organization is adopted by email without it.",
    )

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def is_active(self) -> bool:
        return self.lifecycle == "active"


Builtin = Literal[tuple(BUILTINS)]  # the guardrails the renderer has, one list for both


class ServiceControlPolicy(Model):
    """One SCP: built-in guardrails and/or custom statements, combined into one document.

    AWS allows 5 SCPs per target (FullAWSAccess included), so related guardrails share one policy.
    """

    name: ResourceName = Field(description="SCP name in AWS Organizations.")
    description: str = Field("", description="SCP description in AWS Organizations.")
    targets: list[str] = Field(min_length=1, description="OU paths (or 'Root') the SCP is attached to.")
    builtins: list[Builtin] = Field(default_factory=list, description="Built-in guardrails to include.")
    document: dict | str | None = Field(None, description="Custom policy statements (policy JSON or YAML).")

    @model_validator(mode="after")
    def _has_content(self):
        if not self.builtins and self.document is None:
            raise ValueError("give builtins, a document, or both")
        return self


class Organization(Model):
    management_account: ManagementAccount = Field(description="The management account (runs no workloads).")
    organizational_units: list[OrganizationalUnit] = Field(description="OU tree under the root (at most 5 levels).")
    accounts: list[Account] = Field(description="Member accounts, each in one OU.")
    service_control_policies: list[ServiceControlPolicy] = Field(
        default_factory=list,
        description="SCPs, each attached to OUs (at most 4 per OU besides FullAWSAccess).",
    )
    suspended_ou: Name | None = Field(
        None,
        description="Top-level OU for retired and closed accounts, created by phase 1 with a deny-all SCP (the "
                    "automation and break-glass roles excepted). Required once an account is retired or closed.",
    )
    global_services: list[str] = Field(
        default_factory=lambda: [
            "iam:*", "organizations:*", "sts:*", "support:*", "cloudfront:*", "route53:*",
            "route53domains:*", "budgets:*", "ce:*", "health:*", "waf:*", "sso:*",
            "account:*", "globalaccelerator:*", "trustedadvisor:*", "kms:*", "s3:GetAccountPublic*",
            "s3:ListAllMyBuckets", "pricing:*",
        ],
        description="Actions exempt from the region guardrail (global services).",
    )


# --------------------------------------------------------------------------- identity
class CustomerManagedPolicyRef(Model):
    name: ResourceName = Field(
        description="Name of an IAM policy that exists in every account the permission set is assigned to.",
    )
    path: PolicyPath = Field("/", description="Its IAM path: '/' or '/a/b/'.")


class PermissionSet(Model):
    name: PermissionSetName = Field(description="Permission set name (1-32 characters).")
    description: str = Field("", description="Shown in the access portal.")
    session_duration: IsoDuration = Field("PT1H", description="Session length as ISO 8601 (PT1H to PT12H).")
    managed_policies: list[str] = Field(
        default_factory=list,
        description="AWS managed policies attached (names or ARNs).",
    )
    customer_managed_policies: list[CustomerManagedPolicyRef] = Field(
        default_factory=list,
        description="Customer managed policies attached, by name and path.",
    )
    inline_policy: dict | None = Field(None, description="An inline policy document (JSON text or a mapping).")

    @field_validator("managed_policies")
    @classmethod
    def _arns(cls, value):
        bad = [v for v in value if not v.startswith("arn:aws:iam::aws:policy/")]
        if bad:
            raise ValueError(f"not AWS managed policy ARNs: {bad}")
        return value


class Group(Model):
    name: Name = Field(description="Group display name in the identity store (or as the external IdP provisions it).")
    description: str = Field("", description="Group description in the identity store.")


class Assignment(Model):
    group: str = Field(description="The group given access (a name from identity.groups).")
    permission_set: str = Field(description="What the group may do there (a name from identity.permission_sets).")
    accounts: list[str] = Field(default_factory=list, description="Accounts, by name, the group gets access to.")
    ous: list[str] = Field(
        default_factory=list,
        description="OU paths: every account in them (and below) gets the access.",
    )

    @model_validator(mode="after")
    def _some_target(self):
        if not self.accounts and not self.ous:
            raise ValueError("an assignment needs accounts or ous")
        return self


class Identity(Model):
    identity_source: Literal["identity_center", "okta", "azure_ad", "google_workspace"] = Field(
        "identity_center",
        description="Where people and groups come from; with an external IdP groundwork looks groups "
        "up and never creates them.",
    )
    break_glass_group: str | None = Field(
        None, description="The only group allowed interactive access to the Log Archive account."
    )
    permission_sets: list[PermissionSet] = Field(
        default_factory=list,
        description="Permission sets (what a group may do in an account).",
    )
    groups: list[Group] = Field(default_factory=list, description="Groups that get access.")
    assignments: list[Assignment] = Field(
        default_factory=list,
        description="Which group gets which permission set in which accounts or OUs.",
    )


# --------------------------------------------------------------------------- network
class Network(Model):
    supernet: Cidr = Field(
        "10.0.0.0/8",
        description="Address space every account's VPC is allocated from, without overlaps.",
    )
    account_prefix_length: int = Field(
        16, ge=16, le=28,
        description="Size of each account's VPC when its cidr is not given (/16 = 65,536 addresses).",
    )
    availability_zones: int = Field(
        2, ge=1, le=6,
        description="Availability zones per VPC (one private and one public subnet in each).",
    )
    transit_gateway_account: str = Field(
        "Network",
        description="Account that owns the Transit Gateway hub, shared with the organization.",
    )
    amazon_side_asn: int = Field(64512, ge=64512, le=4294967294, description="BGP ASN of the Transit Gateway.")
    centralized_egress: bool = Field(
        True,
        description="Workload VPCs reach the internet through the hub account's NAT gateways only.",
    )
    gateway_endpoints: list[Literal["s3", "dynamodb"]] = Field(
        default_factory=lambda: ["s3", "dynamodb"],
        description="Gateway VPC endpoints in every VPC (free).",
    )
    interface_endpoints: list[str] = Field(
        default_factory=lambda: ["kms"],
        description="Interface VPC endpoints in every VPC (services AWS has in the home region).",
    )
    private_zone: DomainName | None = Field(
        "internal.example.com",
        description="Private hosted zone shared by every VPC; none when empty.",
    )


# --------------------------------------------------------------------------- observability
class Observability(Model):
    log_archive_account: str = Field(
        "Log Archive",
        description="Account that keeps the logs (trail and Config buckets, log keys).",
    )
    audit_account: str = Field(
        "Audit",
        description="Account delegated to run GuardDuty, Security Hub and the Config aggregator.",
    )
    trail_name: TrailName = Field("organization-trail", description="Name of the organization trail.")
    log_bucket_prefix: BucketPrefix = Field(
        "groundwork-log-archive", description="Log buckets are named <prefix>-<account id>-<region>."
    )
    object_lock_retention_days: int = Field(
        365, ge=1, le=36500,
        description="Object Lock retention, compliance mode, on the log buckets.",
    )
    replica_region: Region = Field(
        "us-west-2",
        description="Region the log buckets replicate to (must be an allowed region).",
    )
    break_glass_role_name: ResourceName = Field(
        "BreakGlassRole",
        description="Role in the Log Archive account that alone may change the protected buckets and keys.",
    )
    log_reader_role_name: ResourceName = Field(
        "LogReader", description="Role in the Audit account that may read (decrypt) the log archive."
    )
    config_aggregator_name: ResourceName = Field(
        "organization-aggregator",
        description="Name of the organization Config aggregator in the Audit account.",
    )
    securityhub_standards: list[str] = Field(
        default_factory=lambda: ["aws-foundational-security-best-practices/v/1.0.0"],
        description="Security Hub standards enabled in every account and region.",
    )


# --------------------------------------------------------------------------- ci/cd
EnvironmentName = Annotated[str, _matching(
    r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$",
    "an environment name is a short slug: 1-32 lowercase letters, digits and hyphens, starting and ending with a "
    "letter or digit (it names the key alias alias/groundwork-deploy-<name> and the promotion's tasks)")]


_STACK_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9*]+$")


def _stack_action(value: str) -> str:
    """An IAM action (pattern) the CloudFormation service role may use: one service, never IAM."""
    if value.strip() == "*":
        raise ValueError("'*' would let a template do anything, IAM included; list the services' actions "
                         "(e.g. 's3:*', 'sqs:*')")
    if value.lower().startswith("iam:"):
        raise ValueError(f"{value!r}: no IAM action is allowed, a template must not be able to create or change "
                         "roles and policies through the deploy (the CloudFormation role denies iam:* anyway)")
    if not _STACK_ACTION.match(value):
        raise ValueError(f"{value!r}: an IAM action is '<service>:<action>', e.g. 's3:*' or 'ec2:Describe*'")
    return value


StackAction = Annotated[str, AfterValidator(_stack_action)]
StackName = Annotated[str, _matching(
    r"^[A-Za-z][A-Za-z0-9-]{0,127}$",
    "a CloudFormation stack name has 1-128 letters, digits and hyphens, starting with a letter (AWS)")]


class DeploymentEnvironment(Model):
    """One deployment environment: a name, the accounts an artifact is deployed to together, and whether a
    person approves first. `account: <name>` is accepted as shorthand for `accounts: [<name>]`.

    Each account gets its own deployment role, KMS key (alias `alias/groundwork-deploy-<name>`) and deployment
    bucket; an account belongs to one environment. `requires_approval` left out means: true when any of the
    accounts is a production account (`environment: production`), false otherwise; an explicit `false` for an
    environment with a production account is a validation error, never silently overridden."""

    name: EnvironmentName = Field(
        description="Environment name, e.g. dev, test, staging, production: a slug of lowercase letters, digits and "
                    "hyphens (1-32), unique in `cicd.environments`.",
    )
    accounts: list[str] = Field(
        min_length=1,
        description="Accounts (by name) the environment deploys to, together (one approval for all of them); an "
                    "account is in at most one environment. `account: <name>` is shorthand for one account.",
    )
    requires_approval: bool | None = Field(
        None,
        description="Ask an approver before deploying here. Left out: true when any of the accounts is a production "
                    "account, else false; `false` with a production account is refused.",
    )

    @model_validator(mode="before")
    @classmethod
    def _one_account_shorthand(cls, data):
        if isinstance(data, dict) and "account" in data:
            if "accounts" in data:
                raise ValueError("give either `accounts: [...]` or the shorthand `account: <name>`, not both")
            data = {**{k: v for k, v in data.items() if k != "account"}, "accounts": [data["account"]]}
        return data

    @property
    def account(self) -> str:
        """The first account: for code written when an environment had exactly one (see `accounts`)."""
        return self.accounts[0]


class CiCd(Model):
    shared_services_account: str = Field(
        "Shared Services",
        description="Account of the pipeline role, the artifact bucket and key, the registry.",
    )
    pipeline_role_name: ResourceName = Field(
        "PipelineExecutionRole",
        description="Role in Shared Services that deploys; trusted only by the orchestrator role.",
    )
    deployment_role_name: ResourceName = Field(
        "DeploymentRole",
        description="Role in each environment account that the pipeline role assumes, with the ExternalId.",
    )
    external_id: SecretRef = Field(
        description="Where the ExternalId of the deployment roles' trust lives (an Airflow connection or variable).",
    )
    environments: list[DeploymentEnvironment] = Field(
        description="Deployment environments in promotion order: an artifact reaches each one only after the one "
                    "before it; names are unique.",
    )
    artifact_bucket_prefix: BucketPrefix = Field(
        "groundwork-artifacts", description="Artifact store in Shared Services: <prefix>-<account id>-<region>."
    )
    deployment_bucket_prefix: BucketPrefix = Field(
        "groundwork-deployments",
        description="Each environment account's deployment bucket: <prefix>-<account id>-<region>."
    )
    repository_name: str = Field(
        "groundwork/app", pattern=r"^[a-z0-9]+(?:[._\-/][a-z0-9]+)*$", max_length=200,
        description="Container registry (ECR repository) in Shared Services.",
    )
    record_parameter: str = Field(
        "/groundwork/deployment/current", pattern=r"^(/[A-Za-z0-9_.\-]+)+$",
        description="SSM parameter in each environment account recording which artifact digest runs there.",
    )
    stack_name: StackName = Field(
        "groundwork-app",
        description="CloudFormation stack every promotion creates or updates in each environment account.",
    )
    cloudformation_role_name: ResourceName = Field(
        "groundwork-cloudformation",
        description="Service role in each environment account that CloudFormation acts as for the stack; only "
                    "the deployment role may pass it, only to CloudFormation.",
    )
    stack_actions: list[StackAction] = Field(
        list(DEFAULT_STACK_ACTIONS), min_length=1,  # pydantic copies a list default for every model
        description="IAM actions the CloudFormation service role is allowed, i.e. what the stack's templates may "
                    "create and change (on any resource of the account, with its KMS keys); `*` and any `iam:` "
                    "action are refused: a template must not be able to create roles through the deploy.",
    )


# --------------------------------------------------------------------------- cost
class Cost(Model):
    budget_emails: list[Email] = Field(
        default_factory=list, max_length=10,
        description="Who the spend-limit budgets notify at 80% and 100% (AWS allows 10 e-mail subscribers).")
    budget_sns_topic_arn: str | None = Field(
        None, pattern=r"^arn:aws[a-z\-]*:sns:[a-z0-9\-]+:\d{12}:[A-Za-z0-9_\-]{1,256}$",
        description="An SNS topic the spend-limit budgets notify as well (its policy must let budgets.amazonaws.com "
                    "publish).")
    stop_spending_at_limit: bool = Field(
        True, description="At 100% of an account's spend limit, a budget action attaches the "
                          "`groundwork-spend-stop` SCP to it (new compute, databases and NAT gateways denied).")
    required_tags: list[TagKey] = Field(
        default_factory=list,
        description="Cost-attribution tag keys every account must carry (`tags`); phase 1 puts them on the accounts "
                    "and a tag policy on the root standardises them.")


# --------------------------------------------------------------------------- root
class FoundationConfig(Model):
    aws: AwsSettings = Field(
        default_factory=AwsSettings,
        description="Where groundwork acts: the AWS connection, roles it uses, regions.",
    )
    approvals: Approvals = Field(
        default_factory=Approvals,
        description="Who answers the approvals of every phase and of promotions.",
    )
    operations: Operations = Field(
        default_factory=Operations,
        description="How the phases run day to day: how long a phase waits for the one before it.",
    )
    organization: Organization = Field(description="Phase 1: the management account, OUs, member accounts and SCPs.")
    identity: Identity = Field(
        default_factory=Identity,
        description="Phase 2: IAM Identity Center groups, permission sets and assignments.",
    )
    network: Network = Field(
        default_factory=Network,
        description="Phase 3: the Transit Gateway hub, per-account VPCs from one CIDR plan, egress, endpoints, DNS.",
    )
    observability: Observability = Field(
        default_factory=Observability,
        description="Phase 4: the log archive, organization trail, Config, GuardDuty and Security Hub.",
    )
    cicd: CiCd | None = Field(
        None,
        description="Phase 5: the pipeline role, deployment environments and the artifact store (optional).",
    )
    cost: Cost = Field(
        default_factory=Cost,
        description="Spend limits' notifications and cost-attribution tags (phase 1).",
    )

    def account(self, name: str) -> Account:
        for account in self.organization.accounts:
            if account.name == name:
                return account
        raise KeyError(name)

    @property
    def active_accounts(self) -> list[Account]:
        """The accounts phases 3-5 build for: every configured account that is not retired or closed."""
        return [a for a in self.organization.accounts if a.is_active]

    def ou_of(self, account: Account) -> str:
        """Where the account belongs: its OU, or the suspended OU once retired or closed."""
        return account.ou if account.is_active else self.organization.suspended_ou

    def ou_paths(self) -> list[str]:
        """Every OU path, parents before children."""
        paths: list[str] = []

        def walk(units, prefix):
            for unit in units:
                path = f"{prefix}/{unit.name}" if prefix else unit.name
                paths.append(path)
                walk(unit.children, path)

        walk(self.organization.organizational_units, "")
        if self.organization.suspended_ou:
            paths.append(self.organization.suspended_ou)
        return paths
