"""CI/CD policy documents: who may assume which role, who may use which key and read which store,
what the deployment role may do with the account's CloudFormation stack and what CloudFormation may
do for it.

Pure functions of the resolved account ids (`CicdTopology`) and the config. The blueprint's
deployment-role trust policy is rendered with the ExternalId passed in by the caller (from the
Airflow connection or variable the config names); plans only ever see `redact_external_id`'s copy.

moto enforces none of these documents; `tests/unit/policy/test_cicd_effect.py` proves what they do
with `groundwork.policy.evaluate`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

VERSION = "2012-10-17"
EXTERNAL_ID_KEY = "sts:ExternalId"
KEY_ADMIN_ACTIONS = [
    "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
    "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource",
    "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
]
KEY_USE_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
IMAGE_PULL_ACTIONS = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:DescribeImages",
                      "ecr:GetDownloadUrlForLayer"]
IMAGE_PUSH_ACTIONS = IMAGE_PULL_ACTIONS + ["ecr:CompleteLayerUpload", "ecr:InitiateLayerUpload", "ecr:PutImage",
                                           "ecr:UploadLayerPart"]
# What the deploy calls on its own stack (DeleteStack: only to clear a first create left in ROLLBACK_COMPLETE).
DEPLOY_STACK_ACTIONS = ["cloudformation:CreateStack", "cloudformation:DeleteStack",
                        "cloudformation:DescribeStackEvents", "cloudformation:DescribeStacks",
                        "cloudformation:GetTemplate", "cloudformation:UpdateStack"]
# No resource-level permissions when called with a template rather than a stack (Service Authorization
# Reference: ValidateTemplate has no resource type; GetTemplateSummary's stack/stackset types are optional and
# apply only to a call naming one): Resource "*".
TEMPLATE_CHECK_ACTIONS = ["cloudformation:GetTemplateSummary", "cloudformation:ValidateTemplate"]
CLOUDFORMATION_SERVICE = "cloudformation.amazonaws.com"
# What the CloudFormation service role may do by default (`cicd.stack_actions`): what application stacks are
# made of, and no IAM (the config refuses any `iam:` action and '*'; the role's policy denies iam:* as well).
DEFAULT_STACK_ACTIONS = (
    "application-autoscaling:*", "cloudwatch:*", "dynamodb:*", "ec2:Describe*", "ecs:*", "elasticloadbalancing:*",
    "events:*", "lambda:*", "logs:*", "s3:*", "sns:*", "sqs:*", "ssm:*",
)


@dataclass(frozen=True)
class CicdTopology:
    """Account ids and names of everything phase 5 creates, resolved once per run.

    A deployment target is (environment, account id): each account of each environment has its own
    deployment role, key and bucket. An account is in one environment (the validator refuses
    otherwise), so the account id alone names them; the environment is asked for too, and checked."""

    region: str
    orchestrator_account: str  # where Airflow's AWS connection lives (the management account)
    shared_account: str
    environments: dict[str, tuple[str, ...]]  # environment name -> its account ids; environments in promotion order
    access_role_name: str = "OrganizationAccountAccessRole"
    orchestrator_role_name: str = "groundwork-orchestrator"
    pipeline_role_name: str = "PipelineExecutionRole"
    deployment_role_name: str = "DeploymentRole"
    artifact_bucket_prefix: str = "groundwork-artifacts"
    deployment_bucket_prefix: str = "groundwork-deployments"
    repository_name: str = "groundwork/app"
    record_parameter: str = "/groundwork/deployment/current"
    stack_name: str = "groundwork-app"
    cloudformation_role_name: str = "groundwork-cloudformation"
    stack_actions: tuple[str, ...] = DEFAULT_STACK_ACTIONS
    account_names: dict[str, str] = field(default_factory=dict)  # account id -> configured name

    @classmethod
    def from_config(cls, config, region: str, orchestrator_account: str, ids: dict[str, str]) -> CicdTopology:
        cicd = config.cicd
        named = [cicd.shared_services_account, *(a for e in cicd.environments for a in e.accounts)]
        return cls(
            region=region,
            orchestrator_account=orchestrator_account,
            shared_account=ids[cicd.shared_services_account],
            environments={env.name: tuple(ids[a] for a in env.accounts) for env in cicd.environments},
            access_role_name=config.aws.access_role_name,
            orchestrator_role_name=config.aws.orchestrator_role_name,
            pipeline_role_name=cicd.pipeline_role_name,
            deployment_role_name=cicd.deployment_role_name,
            artifact_bucket_prefix=cicd.artifact_bucket_prefix,
            deployment_bucket_prefix=cicd.deployment_bucket_prefix,
            repository_name=cicd.repository_name,
            record_parameter=cicd.record_parameter,
            stack_name=cicd.stack_name,
            cloudformation_role_name=cicd.cloudformation_role_name,
            stack_actions=tuple(cicd.stack_actions),
            account_names={ids[name]: name for name in named},
        )

    # ------------------------------------------------------------------ deployment targets
    @property
    def targets(self) -> list[tuple[str, str]]:
        """(environment, account id) of every deployment target: environments in promotion order,
        each one's accounts in config order."""
        return [(env, account) for env, accounts in self.environments.items() for account in accounts]

    def accounts_of(self, env: str) -> tuple[str, ...]:
        return self.environments[env]

    def target(self, env: str, account: str) -> str:
        """The account id of a target, refused unless the account is one of `env`'s."""
        if account not in self.environments[env]:
            raise KeyError(f"account {self.name_of(account)} is not in environment {env}")
        return account

    def account_id(self, name: str) -> str:
        """The id of a configured account, by name (shared services or an environment's)."""
        for account, known in self.account_names.items():
            if known == name:
                return account
        raise KeyError(f"no CI/CD account named {name!r}")

    def label(self, env: str, account: str) -> str:
        """'<environment>/<account name>': how plans, tasks and reports name a target."""
        return f"{env}/{self.name_of(account)}"

    # ------------------------------------------------------------------ names and ARNs
    def role_arn(self, account: str, name: str) -> str:
        return f"arn:aws:iam::{account}:role/{name}"

    @property
    def pipeline_role_arn(self) -> str:
        return self.role_arn(self.shared_account, self.pipeline_role_name)

    def deployment_role_arn(self, env: str, account: str) -> str:
        return self.role_arn(self.target(env, account), self.deployment_role_name)

    @property
    def deployment_role_arns(self) -> list[str]:
        """Every deployment role, in promotion order (the artifact store's policies name them all)."""
        return [self.deployment_role_arn(env, account) for env, account in self.targets]

    def cloudformation_role_arn(self, env: str, account: str) -> str:
        """The service role CloudFormation acts as for the stack of one target."""
        return self.role_arn(self.target(env, account), self.cloudformation_role_name)

    def stack_arn(self, env: str, account: str) -> str:
        """The deployed stack of one target, any stack id (a stack re-created after a failed create gets a new one)."""
        return f"arn:aws:cloudformation:{self.region}:{self.target(env, account)}:stack/{self.stack_name}/*"

    def access_role_arn(self, account: str) -> str:
        return self.role_arn(account, self.access_role_name)

    @property
    def artifact_bucket(self) -> str:
        return f"{self.artifact_bucket_prefix}-{self.shared_account}-{self.region}"

    def deployment_bucket(self, env: str, account: str) -> str:
        return f"{self.deployment_bucket_prefix}-{self.target(env, account)}-{self.region}"

    ARTIFACT_KEY_ALIAS = "alias/groundwork-artifacts"

    @staticmethod
    def environment_key_alias(env: str) -> str:
        """The alias of the key in each of `env`'s accounts (one key per account, the same alias)."""
        return f"alias/groundwork-deploy-{env}"

    def environment_key_arn(self, env: str, account: str) -> str:
        """The alias ARN of the key of one target: what its bucket accepts and its deploys encrypt with."""
        return self.alias_arn(self.target(env, account), self.environment_key_alias(env))

    def alias_arn(self, account: str, alias: str) -> str:
        return f"arn:aws:kms:{self.region}:{account}:{alias}"

    def keys_arn(self, account: str) -> str:
        """Every key of one account: IAM grants are scoped to the account, key policies name the principal."""
        return f"arn:aws:kms:{self.region}:{account}:key/*"

    @property
    def repository_arn(self) -> str:
        return f"arn:aws:ecr:{self.region}:{self.shared_account}:repository/{self.repository_name}"

    @property
    def repository_uri(self) -> str:
        return f"{self.shared_account}.dkr.ecr.{self.region}.amazonaws.com/{self.repository_name}"

    def record_parameter_arn(self, env: str, account: str) -> str:
        return f"arn:aws:ssm:{self.region}:{self.target(env, account)}:parameter{self.record_parameter}"

    def name_of(self, account: str) -> str:
        return self.account_names.get(account, account)


def _statement(sid: str, actions: list[str], resources: list[str] | str, **extra) -> dict:
    return {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": resources, **extra}


# --------------------------------------------------------------------------- trust policies
def pipeline_trust(t: CicdTopology) -> dict:
    """The pipeline role is assumed by the orchestrator role only (the role Airflow's connection
    acts as, named in the config), never by any principal of the management account."""
    return {"Version": VERSION, "Statement": [{
        "Sid": "OrchestratorAssumesPipelineRole", "Effect": "Allow",
        "Principal": {"AWS": t.role_arn(t.orchestrator_account, t.orchestrator_role_name)}, "Action": "sts:AssumeRole",
    }]}


def deployment_trust(t: CicdTopology, external_id: str) -> dict:
    """The blueprint's trust policy: only the pipeline role, only with the ExternalId."""
    if not external_id:
        raise ValueError("the deployment role trust policy needs an ExternalId")
    return {"Version": VERSION, "Statement": [{
        "Sid": "PipelineAssumesDeploymentRole", "Effect": "Allow",
        "Principal": {"AWS": t.pipeline_role_arn}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {EXTERNAL_ID_KEY: external_id}},
    }]}


def cloudformation_trust(t: CicdTopology, env: str, account: str) -> dict:
    """Only CloudFormation may act as the service role, and only for this account's own stacks
    (aws:SourceAccount: no other account can have CloudFormation use it, the confused deputy)."""
    return {"Version": VERSION, "Statement": [{
        "Sid": "CloudFormationAssumesRole", "Effect": "Allow",
        "Principal": {"Service": CLOUDFORMATION_SERVICE}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": t.target(env, account)}},
    }]}


def redact_external_id(document: dict | None, external_id: str | None, label: str) -> dict | None:
    """A copy of a trust policy safe to show: the configured ExternalId becomes `label`, any other
    value '(a different ExternalId)'. The value itself never leaves this function."""
    if document is None:
        return None
    out = copy.deepcopy(document)
    statements = out.get("Statement", [])
    for statement in [statements] if isinstance(statements, dict) else statements:
        for block in (statement.get("Condition") or {}).values():
            for key in list(block):
                if key.lower() == EXTERNAL_ID_KEY.lower():
                    values = block[key] if isinstance(block[key], list) else [block[key]]
                    shown = [label if external_id and v == external_id else "(a different ExternalId)" for v in values]
                    block[key] = shown if isinstance(block[key], list) else shown[0]
    return out


# --------------------------------------------------------------------------- permissions
def pipeline_permissions(t: CicdTopology) -> dict:
    bucket = f"arn:aws:s3:::{t.artifact_bucket}"
    return {"Version": VERSION, "Statement": [
        _statement("AssumeDeploymentRoles", ["sts:AssumeRole"], t.deployment_role_arns),
        _statement("ArtifactObjects", ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"], f"{bucket}/*"),
        _statement("ArtifactBucket", ["s3:GetBucketVersioning", "s3:ListBucket"], bucket),
        _statement("ArtifactKey", ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
                   t.keys_arn(t.shared_account)),
        _statement("Images", IMAGE_PUSH_ACTIONS, t.repository_arn),
        _statement("RegistryLogin", ["ecr:GetAuthorizationToken"], "*"),
    ]}


def deployment_permissions(t: CicdTopology, env: str, account: str) -> dict:
    """Least privilege for one account of one environment: read the artifact store, write its own
    bucket with its own key, create or update its own stack through its own CloudFormation role,
    record what runs. Nothing in any other account, not even another account of the same environment."""
    bucket = f"arn:aws:s3:::{t.deployment_bucket(env, account)}"
    return {"Version": VERSION, "Statement": [
        _statement("ReadArtifacts", ["s3:GetObject", "s3:GetObjectVersion"], f"arn:aws:s3:::{t.artifact_bucket}/*"),
        _statement("DecryptArtifacts", ["kms:Decrypt", "kms:DescribeKey"], t.keys_arn(t.shared_account)),
        _statement("PullImages", IMAGE_PULL_ACTIONS, t.repository_arn),
        _statement("RegistryLogin", ["ecr:GetAuthorizationToken"], "*"),
        _statement("DeployObjects", ["s3:GetObject", "s3:PutObject"], f"{bucket}/*"),
        _statement("DeployBucket", ["s3:ListBucket"], bucket),
        _statement("EnvironmentKey", ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
                   t.keys_arn(t.target(env, account))),
        _statement("RecordDeployment", ["ssm:GetParameter", "ssm:PutParameter"], t.record_parameter_arn(env, account)),
        _statement("DeployStack", DEPLOY_STACK_ACTIONS, t.stack_arn(env, account)),
        _statement("ValidateTemplates", TEMPLATE_CHECK_ACTIONS, "*"),
        _statement("PassCloudFormationRole", ["iam:PassRole"], t.cloudformation_role_arn(env, account),
                   Condition={"StringEquals": {"iam:PassedToService": CLOUDFORMATION_SERVICE}}),
    ]}


def cloudformation_permissions(t: CicdTopology, env: str, account: str) -> dict:
    """What the stack's templates may create: the configured `stack_actions`, plus use of this account's
    keys (a key policy must still admit the role; the environment key's does not, so the role can neither
    read nor write the deployment bucket's objects). Two Denies no Allow can lift, whatever `stack_actions`
    becomes: no IAM at all (a template must not create or change roles and policies through the deploy;
    that includes iam:PassRole, so a resource that needs a role passed to it, e.g. a Lambda function's
    execution role, is out of reach until a scoped grant is added here), and no SSM action on the parameter
    that records what runs in the account (only the deployment role writes it)."""
    account = t.target(env, account)
    return {"Version": VERSION, "Statement": [
        _statement("StackResources", list(t.stack_actions), "*"),
        _statement("AccountKeys", ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*"],
                   t.keys_arn(account)),
        {"Sid": "DenyIam", "Effect": "Deny", "Action": "iam:*", "Resource": "*"},
        {"Sid": "DenyDeploymentRecord", "Effect": "Deny", "Action": "ssm:*",
         "Resource": t.record_parameter_arn(env, account)},
    ]}


# --------------------------------------------------------------------------- key policies
def _admin(t: CicdTopology, account: str) -> dict:
    return {"Sid": "KeyAdministration", "Effect": "Allow", "Principal": {"AWS": t.access_role_arn(account)},
            "Action": KEY_ADMIN_ACTIONS, "Resource": "*"}


def environment_key_policy(t: CicdTopology, env: str, account: str) -> dict:
    """Only this account's deployment role may use its key (no account-root delegation, so no
    principal of another account, of this environment or another, can ever be granted it by IAM)."""
    return {"Version": VERSION, "Statement": [
        _admin(t, t.target(env, account)),
        {"Sid": "DeploymentRoleUsesKey", "Effect": "Allow", "Principal": {"AWS": t.deployment_role_arn(env, account)},
         "Action": KEY_USE_ACTIONS, "Resource": "*"},
    ]}


def artifact_key_policy(t: CicdTopology) -> dict:
    return {"Version": VERSION, "Statement": [
        _admin(t, t.shared_account),
        {"Sid": "PipelineUsesKey", "Effect": "Allow", "Principal": {"AWS": t.pipeline_role_arn},
         "Action": KEY_USE_ACTIONS, "Resource": "*"},
        {"Sid": "DeploymentRolesDecrypt", "Effect": "Allow",
         "Principal": {"AWS": t.deployment_role_arns},
         "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*"},
    ]}


# --------------------------------------------------------------------------- resource policies
def _deny_insecure_transport(bucket: str) -> dict:
    return {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def artifact_bucket_policy(t: CicdTopology) -> dict:
    return {"Version": VERSION, "Statement": [
        _deny_insecure_transport(t.artifact_bucket),
        {"Sid": "DeploymentRolesReadArtifacts", "Effect": "Allow",
         "Principal": {"AWS": t.deployment_role_arns},
         "Action": ["s3:GetObject", "s3:GetObjectVersion"], "Resource": f"arn:aws:s3:::{t.artifact_bucket}/*"},
    ]}


def deployment_bucket_policy(t: CicdTopology, env: str, account: str) -> dict:
    bucket = t.deployment_bucket(env, account)
    return {"Version": VERSION, "Statement": [
        _deny_insecure_transport(bucket),
        {"Sid": "DenyOtherKeys", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
         "Resource": f"arn:aws:s3:::{bucket}/*",
         "Condition": {"StringNotEqualsIfExists": {
             "s3:x-amz-server-side-encryption-aws-kms-key-id": t.environment_key_arn(env, account)}}},
    ]}


def repository_policy(t: CicdTopology) -> dict:
    return {"Version": VERSION, "Statement": [
        {"Sid": "DeploymentRolesPull", "Effect": "Allow",
         "Principal": {"AWS": t.deployment_role_arns}, "Action": IMAGE_PULL_ACTIONS},
    ]}
