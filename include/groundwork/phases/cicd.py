"""Phase 5, CI/CD: cross-account deployment roles, per-account keys, artifact store and registry.

Plan once over everything; apply in steps that each re-read AWS and do only approved changes:
pipeline role (Shared Services) -> each account of each environment, one mapped item
"<environment>/<account>" (CloudFormation service role, deployment role, key, deployment bucket) ->
artifact store (key, bucket, ECR repository; their policies name the deployment roles, which must
exist first) -> verify (a fresh plan is empty and the role chain with the ExternalId works).

The ExternalId is passed in by the caller (Airflow resolves the connection or variable the config
names); without it, `external_id_from_environment` reads Airflow's own environment variables
(AIRFLOW_CONN_<ID> / AIRFLOW_VAR_<KEY>), so `python -m groundwork plan --phase 5` works in a shell
set up by `scripts/stack.sh env`. The value only ever reaches the trust policy sent to IAM and the
AssumeRole call; plans, results and errors name where it comes from, never what it is.
"""

from __future__ import annotations

import json
import os
from urllib.parse import unquote, urlsplit

from groundwork.aws.context import AwsContext
from groundwork.aws.parallel import read_all
from groundwork.phases.foundation import NotConverged, account_ids
from groundwork.phases.spec import Planned
from groundwork.plan.model import Change, Plan
from groundwork.policy import cicd as docs
from groundwork.policy.cicd import CicdTopology
from groundwork.reconcile import cicd_registry, cicd_removed, iam_roles, kms_keys, s3_buckets

PHASE = "phase5_cicd"


class MissingExternalId(Exception):
    pass


# --------------------------------------------------------------------------- the secret
def external_id_source(config) -> str:
    ref = config.cicd.external_id
    return f"connection {ref.airflow_connection}" if ref.airflow_connection else f"variable {ref.airflow_variable}"


def external_id_label(config) -> str:
    return f"ExternalId: from {external_id_source(config)}"


def external_id_from_environment(config, environ=None) -> str:
    """The ExternalId from Airflow's environment variables (outside Airflow: the CLI)."""
    environ = os.environ if environ is None else environ
    ref = config.cicd.external_id
    if ref.airflow_variable:
        value = environ.get(f"AIRFLOW_VAR_{ref.airflow_variable.upper()}")
    else:
        raw = environ.get(f"AIRFLOW_CONN_{ref.airflow_connection.upper()}")
        value = None
        if raw:
            if raw.lstrip().startswith("{"):
                value = json.loads(raw).get("password")
            else:
                password = urlsplit(raw).password
                value = unquote(password) if password else None
    if not value:
        raise MissingExternalId(f"the ExternalId is not available: set the Airflow {external_id_source(config)}")
    return value


# --------------------------------------------------------------------------- what to build
def topology(ctx: AwsContext, config) -> CicdTopology:
    if config.cicd is None:
        raise NotConverged("the config has no cicd section")
    ids = account_ids(ctx, config)
    orchestrator = ctx.client("sts").get_caller_identity()["Account"]
    return CicdTopology.from_config(config, ctx.region, orchestrator, ids)


def needs_approval_to_deploy(config, env) -> bool:
    """An environment is guarded (one approval before a deployment to its accounts, production-grade
    resources) when the config says so or any of its accounts is a production account."""
    return bool(env.requires_approval) or any(config.account(name).is_production for name in env.accounts)


def promotion_order(config) -> list[tuple[str, bool]]:
    """(environment, needs approval before deploying) in the config's promotion order."""
    return [(e.name, needs_approval_to_deploy(config, e)) for e in config.cicd.environments]


def promotion_layout(config) -> list[tuple[str, bool, list[str]]]:
    """(environment, needs approval, its account names) in promotion order: the promotion DAG's shape."""
    return [(e.name, needs_approval_to_deploy(config, e), list(e.accounts)) for e in config.cicd.environments]


def _production_envs(config) -> set[str]:
    return {name for name, guarded in promotion_order(config) if guarded}


# --------------------------------------------------------------------------- mapped items
def environment_names(config) -> list[str]:
    """The environments, in promotion order."""
    return [e.name for e in config.cicd.environments]


def target_item(env: str, account_name: str) -> str:
    return f"{env}/{account_name}"


def split_target(item: str) -> tuple[str, str]:
    """'<environment>/<account name>' -> both (environment names are slugs, account names have no '/')."""
    env, sep, account = item.partition("/")
    if not sep or not env or not account:
        raise ValueError(f"{item!r} is not '<environment>/<account name>'")
    return env, account


def environment_accounts(config) -> list[str]:
    """What `apply_environment` maps over: '<environment>/<account name>' for every account of every
    environment, in promotion order (config only, no AWS call)."""
    return [target_item(e.name, name) for e in config.cicd.environments for name in e.accounts]


# --------------------------------------------------------------------------- specs
def pipeline_spec(t: CicdTopology, config) -> iam_roles.RoleSpec:
    return iam_roles.RoleSpec(
        account=t.shared_account, account_name=t.name_of(t.shared_account), name=t.pipeline_role_name,
        description="groundwork: the deployment pipeline; assumes each environment's deployment role",
        trust=docs.pipeline_trust(t), permissions=docs.pipeline_permissions(t),
        production=bool(_production_envs(config)),
    )


def environment_specs(t: CicdTopology, config, env: str, account: str, external_id: str) -> list:
    """One account of one environment (`account`: its id): the CloudFormation service role the stack is
    deployed through (first: the deployment role may pass it), deployment role, key, deployment bucket."""
    account = t.target(env, account)
    name = t.name_of(account)
    production = env in _production_envs(config)
    return [
        iam_roles.RoleSpec(
            account=account, account_name=name, name=t.cloudformation_role_name,
            description=f"groundwork: CloudFormation deploys the {t.stack_name} stack to {env} as this role; "
                        "only the deployment role may pass it",
            trust=docs.cloudformation_trust(t, env, account),
            permissions=docs.cloudformation_permissions(t, env, account), production=production,
        ),
        iam_roles.RoleSpec(
            account=account, account_name=name, name=t.deployment_role_name,
            description=f"groundwork: deploys to {env}; trusts only the pipeline role, with the ExternalId",
            trust=docs.deployment_trust(t, external_id), permissions=docs.deployment_permissions(t, env, account),
            production=production, external_id=external_id, external_id_label=external_id_label(config),
        ),
        kms_keys.KeySpec(
            account=account, account_name=name, alias=t.environment_key_alias(env),
            description=f"groundwork: artifacts deployed to {env}", policy=docs.environment_key_policy(t, env, account),
            production=production,
        ),
        s3_buckets.BucketSpec(
            account=account, account_name=name, bucket=t.deployment_bucket(env, account),
            kms_key=t.environment_key_arn(env, account),
            policy=docs.deployment_bucket_policy(t, env, account), region=t.region, production=production,
        ),
    ]


def artifact_store_specs(t: CicdTopology, config) -> list:
    shared, name = t.shared_account, t.name_of(t.shared_account)
    production = bool(_production_envs(config))  # their policies grant the production deployment roles
    return [
        kms_keys.KeySpec(account=shared, account_name=name, alias=t.ARTIFACT_KEY_ALIAS,
                          description="groundwork: the artifact store", policy=docs.artifact_key_policy(t),
                          production=production),
        s3_buckets.BucketSpec(account=shared, account_name=name, bucket=t.artifact_bucket,
                                kms_key=t.alias_arn(shared, t.ARTIFACT_KEY_ALIAS),
                                policy=docs.artifact_bucket_policy(t), region=t.region, production=production),
        cicd_registry.RepositorySpec(account=shared, account_name=name, name=t.repository_name,
                                     policy=docs.repository_policy(t), production=production),
    ]


_PLAN = {iam_roles.RoleSpec: iam_roles.plan_role, kms_keys.KeySpec: kms_keys.plan_key,
         s3_buckets.BucketSpec: s3_buckets.plan_bucket, cicd_registry.RepositorySpec: cicd_registry.plan_repository}
_APPLY = {iam_roles.RoleSpec: iam_roles.apply_role, kms_keys.KeySpec: kms_keys.apply_key,
          s3_buckets.BucketSpec: s3_buckets.apply_bucket,
          cicd_registry.RepositorySpec: cicd_registry.apply_repository}


def all_specs(t: CicdTopology, config, external_id: str) -> list:
    specs = [pipeline_spec(t, config)]
    for env, account in t.targets:
        specs += environment_specs(t, config, env, account, external_id)
    return specs + artifact_store_specs(t, config)


# --------------------------------------------------------------------------- plan / apply / verify
def plan(ctx: AwsContext, config, external_id: str | None = None) -> Plan:
    external_id = external_id or external_id_from_environment(config)
    t = topology(ctx, config)
    return Plan(PHASE, tuple(read_all(lambda spec: _PLAN[type(spec)](ctx, spec), all_specs(t, config, external_id))))


def needs_approval(plan_: Plan) -> bool:
    """Approval before any change that touches production (or grants access into it)."""
    return any(c.production for c in plan_.pending)


def _apply(ctx, specs, approved) -> list[Change]:
    return [done for spec in specs if (done := _APPLY[type(spec)](ctx, spec, approved)) is not None]


def apply_pipeline(ctx: AwsContext, config, approved: set[str]) -> list[Change]:
    return _apply(ctx, [pipeline_spec(topology(ctx, config), config)], approved)


def apply_environment(ctx: AwsContext, config, item: str, approved: set[str], external_id: str) -> list[Change]:
    """One mapped item, '<environment>/<account name>': that account's CloudFormation and deployment roles,
    key and bucket."""
    env, name = split_target(item)
    if item not in environment_accounts(config):
        raise NotConverged(f"{item}: the config has no account {name!r} in an environment {env!r} (did it change "
                           "since the run listed its items?)")
    t = ctx.remembered(("cicd.topology",), lambda: topology(ctx, config))  # once per batch
    return _apply(ctx, environment_specs(t, config, env, t.account_id(name), external_id), approved)


def apply_artifact_store(ctx: AwsContext, config, approved: set[str]) -> list[Change]:
    return _apply(ctx, artifact_store_specs(topology(ctx, config), config), approved)


def _no_longer_deployed_to(ctx: AwsContext, config):
    """(account, its IAM client when called) of each reachable account no configured environment deploys to
    (the client assumes the account's role: made where it is used, so reads of many accounts do it at once)."""
    from groundwork.phases.foundation import closed_account_ids

    ids = account_ids(ctx, config)
    targets = {name for e in config.cicd.environments for name in e.accounts}
    closed = closed_account_ids(ctx)
    return [(a, lambda account_id=ids[a.name]: ctx.client("iam", account_id=account_id))
            for a in config.organization.accounts if a.name in ids and a.name not in targets and ids[a.name] not in closed]


def plan_removed_environments(ctx: AwsContext, config, **_) -> list[Change]:
    """Deployment and CloudFormation roles groundwork made in accounts that no environment deploys to any more."""
    names = cicd_removed.role_names(config.cicd)

    def plan_account(target):
        account, client = target[0], target[1]()
        return [c for name in names for c in cicd_removed.plan_account(account, name, *cicd_removed.read_account(client, name))]

    return [c for changes in read_all(plan_account, _no_longer_deployed_to(ctx, config)) for c in changes]


def remove_environments(ctx: AwsContext, config, approved: set[str], **_) -> list[Change]:
    names = cicd_removed.role_names(config.cicd)
    return [c for account, client in _no_longer_deployed_to(ctx, config) for name in names
            for c in cicd_removed.apply_account(client(), account, name, approved)]


def verify(ctx: AwsContext, config, external_id: str, plan_was_empty: bool = False) -> dict:
    """A fresh plan must be empty and the deployment chain must work: the pipeline role, then every
    deployment role with the ExternalId. Returns what later steps and the promotion DAG use."""
    from groundwork import promotion

    if not plan_was_empty:  # the run's plan had no change and nothing was applied since: not read again
        fresh = plan(ctx, config, external_id)
        if not fresh.is_empty():
            listing = "\n".join(f"  {c.summary()}" for c in fresh.pending)
            raise NotConverged(f"{PHASE} did not converge; still pending:\n{listing}")
    t = topology(ctx, config)
    pipeline = promotion.pipeline_context(ctx, t)
    arns = read_all(lambda target: promotion.deployment_context(pipeline, t, *target, external_id)
                    .client("sts").get_caller_identity()["Arn"], t.targets)
    reached = {t.label(env, account): arn for (env, account), arn in zip(t.targets, arns)}
    return {
        "phase": PHASE,
        "pipeline_role": t.pipeline_role_arn,
        "deployment_roles": reached,
        "artifact_bucket": t.artifact_bucket,
        "repository": t.repository_uri,
        "external_id": external_id_label(config),
    }


# --------------------------------------------------------------------------- phase interface (spec.py)
def planned(ctx: AwsContext, config, external_id: str) -> Planned:
    """Changes to production environments need approval; the ExternalId is named by source only."""
    found = plan(ctx, config, external_id)
    return Planned(found, needs_approval=needs_approval(found), lines=(external_id_label(config),))


verified = verify
