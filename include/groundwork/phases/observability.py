"""Phase 4, Observability: the Log Archive, the organization trail, AWS Config, GuardDuty and
Security Hub.

Plan once over everything; apply in steps that each re-read AWS and do only approved changes:
log archive (roles, keys, account public access block, buckets: replicas first) -> organization
trail (logging started; a sensor waits until it logs) -> delegation (GuardDuty / Security Hub /
Config administrators = Audit, the Config aggregator) -> each account (Config, a GuardDuty
detector, a Security Hub hub with the configured standards, in every allowed region) ->
organization configuration in the Audit account (auto-enable, members) -> verify.

Every change in the Log Archive account and to the trail needs a person's approval. The protected
settings of the log buckets and the log key are set as the break-glass role: the phase-1
`protect_log_archive` SCP exempts only that role (see `groundwork.reconcile.log_archive`).
"""

from __future__ import annotations

import dataclasses
import threading

from groundwork.aws import kms
from groundwork.aws.context import AwsContext
from groundwork.aws.parallel import read_all
from groundwork.aws import iam
from groundwork.phases.foundation import NotConverged, account_ids
from groundwork.phases.spec import Planned, scoped_markdown
from groundwork.plan.model import Change, Plan
from groundwork.policy import observability as docs
from groundwork.policy.observability import ObservabilityTopology
from groundwork.reconcile import (
    account_baseline, config_recorders, iam_roles, kms_keys, log_archive, security_services, trail)

PHASE = "phase4_observability"


# --------------------------------------------------------------------------- what to build
def topology(ctx: AwsContext, config) -> ObservabilityTopology:
    active = {a.name for a in config.active_accounts}  # retired accounts keep what they have, untouched
    ids = {name: i for name, i in account_ids(ctx, config).items() if name in active}
    org = ctx.client("organizations").describe_organization()["Organization"]
    emails = {ids[a.name]: a.email for a in config.active_accounts}
    emails[org["MasterAccountId"]] = config.organization.management_account.email
    return ObservabilityTopology.from_config(config, org["MasterAccountId"], org["Id"], ids, emails)


def as_role(ctx: AwsContext, role_name: str | None = None, region: str | None = None) -> AwsContext:
    """The same credentials and call log, reaching member accounts through another role / region."""
    return dataclasses.replace(ctx, access_role_name=role_name or ctx.access_role_name, region=region or ctx.region,
                               calls=ctx.calls, _clients={}, _credentials={}, _lock=threading.RLock())


def _client(ctx: AwsContext, t: ObservabilityTopology, service: str, account: str, region: str | None = None):
    return ctx.client(service, account_id=None if account == t.management_account else account, region=region)


def _la(t: ObservabilityTopology) -> str:
    return t.name_of(t.log_archive)


def role_specs(t: ObservabilityTopology) -> list[iam_roles.RoleSpec]:
    la, audit = _la(t), t.name_of(t.audit)
    return [
        iam_roles.RoleSpec(account=t.log_archive, account_name=la, name=t.break_glass_role_name,
                            description="groundwork: break glass for the log archive (management account only)",
                            trust=docs.break_glass_trust(t), permissions=docs.break_glass_permissions(t)),
        iam_roles.RoleSpec(account=t.log_archive, account_name=la, name=docs.REPLICATION_ROLE,
                            description="groundwork: replicates the log archive to the replica region",
                            trust=docs.service_trust(docs.S3, t.log_archive), permissions=docs.replication_permissions(t)),
        iam_roles.RoleSpec(account=t.audit, account_name=audit, name=t.log_reader_role_name,
                            description="groundwork: security readers of the log archive",
                            trust=docs.reader_trust(t), permissions=docs.reader_permissions(t)),
        iam_roles.RoleSpec(account=t.audit, account_name=audit, name=docs.AGGREGATOR_ROLE,
                            description="groundwork: AWS Config organization aggregator",
                            trust=docs.service_trust(docs.CONFIG, t.audit), permissions=docs.aggregator_permissions()),
    ]


def key_specs(t: ObservabilityTopology) -> dict[str, kms_keys.KeySpec]:
    return {region: kms_keys.KeySpec(account=t.log_archive, account_name=f"{_la(t)}/{region}",
                                      alias=docs.LOG_KEY_ALIAS, description=f"groundwork: log archive ({region})",
                                      policy=docs.log_key_policy(t))
            for region in (t.region, t.replica_region)}


def bucket_specs(t: ObservabilityTopology) -> list[log_archive.LogBucketSpec]:
    """Replicas first: a replication rule needs its destination."""
    la, home, replica = _la(t), t.region, t.replica_region

    def spec(bucket, region, policy, retention, destination=None):
        return log_archive.LogBucketSpec(
            account=t.log_archive, account_name=la, bucket=bucket, region=region, kms_key=t.key_alias_arn(region),
            policy=policy, retention_days=retention, replicate_to=destination,
            replica_key=t.key_alias_arn(replica) if destination else None,
            replication_role=t.replication_role_arn if destination else None)

    return [
        spec(t.trail_bucket(replica), replica, docs.trail_bucket_policy(t, replica), t.retention_days),
        spec(t.config_bucket(replica), replica, docs.config_bucket_policy(t, replica), None),
        spec(t.trail_bucket(home), home, docs.trail_bucket_policy(t, home), t.retention_days, t.trail_bucket(replica)),
        spec(t.config_bucket(home), home, docs.config_bucket_policy(t, home), None, t.config_bucket(replica)),
    ]


def trail_spec(ctx: AwsContext, t: ObservabilityTopology) -> trail.TrailSpec:
    aliases = {}
    if _break_glass_exists(ctx, t):
        client = guarded(ctx, t).client("kms", account_id=t.log_archive, region=t.region)
        key_id = kms.key_id_for_alias(client, docs.LOG_KEY_ALIAS)
        if key_id:
            aliases[f"arn:aws:kms:{t.region}:{t.log_archive}:key/{key_id}"] = t.key_alias_arn(t.region)
    return trail.TrailSpec(name=t.trail_name, account_name=t.name_of(t.management_account),
                           bucket=t.trail_bucket(t.region), kms_key=t.key_alias_arn(t.region), key_aliases=aliases)


def guarded(ctx: AwsContext, t: ObservabilityTopology, region: str | None = None) -> AwsContext:
    """Reaches the Log Archive account as the break-glass role."""
    return as_role(ctx, t.break_glass_role_name, region)


def _break_glass_exists(ctx: AwsContext, t: ObservabilityTopology) -> bool:
    return iam.get_role(ctx.client("iam", account_id=t.log_archive), t.break_glass_role_name) is not None


def member_accounts(t: ObservabilityTopology) -> list[str]:
    """Every account of the organization phase 4 covers, by name (the management account too)."""
    return list(t.accounts)


def standards_arns(t: ObservabilityTopology, region: str) -> list[str]:
    return [t.standards_arn(s, region) for s in t.standards]


def _recorder(t: ObservabilityTopology, name: str, region: str) -> config_recorders.RecorderSpec:
    return config_recorders.RecorderSpec(
        account_name=name, region=region, role_arn=t.config_role_arn(t.accounts[name]),
        include_global=region == t.region, bucket=t.config_bucket(t.region), kms_key=t.key_alias_arn(t.region))


def _members(t: ObservabilityTopology) -> tuple[dict[str, str], dict[str, str]]:
    members = {i: t.emails.get(i, "") for i in t.accounts.values() if i != t.audit}
    return members, {i: n for n, i in t.accounts.items()}


# --------------------------------------------------------------------------- plan
def _plan_log_archive(ctx: AwsContext, t: ObservabilityTopology) -> list[Change]:
    changes = [iam_roles.plan_role(ctx, spec) for spec in role_specs(t)]
    readable = _break_glass_exists(ctx, t)  # the log key admits only break-glass, even for reading it
    for region, spec in key_specs(t).items():
        if readable:
            changes.append(kms_keys.plan_key(guarded(ctx, t, region), spec))
        else:
            changes.append(Change("create", kms_keys.KIND, spec.key, None, kms_keys.desired(spec)))
    changes.append(log_archive.plan_account_block(ctx, t.log_archive, _la(t)))
    changes += [log_archive.plan_bucket(ctx, spec) for spec in bucket_specs(t)]
    return changes


def _plan_delegation(ctx: AwsContext, t: ObservabilityTopology) -> list[Change]:
    audit = t.name_of(t.audit)
    changes = []
    for region in t.regions:
        changes += security_services.plan_admins(ctx.client("guardduty", region=region),
                                                 ctx.client("securityhub", region=region), region, t.audit, audit)
    changes.append(config_recorders.plan_delegation(ctx.client("organizations"), t.audit, audit))
    changes.append(config_recorders.plan_aggregator(_client(ctx, t, "config", t.audit, t.region), audit,
                                                    t.aggregator_name, t.aggregator_role_arn))
    return changes


def baseline_spec(t: ObservabilityTopology, name: str) -> account_baseline.BaselineSpec:
    """Password policy, S3 Block Public Access (the Log Archive's is set with its buckets) and flow logs."""
    return account_baseline.BaselineSpec(
        account=t.accounts[name], account_name=name, regions=tuple(t.regions),
        flow_log_destination=docs.flow_log_destination(t), public_access_block=t.accounts[name] != t.log_archive)


def _baseline_clients(ctx: AwsContext, t: ObservabilityTopology, name: str):
    return lambda service, region: _client(ctx, t, service, t.accounts[name], region)


def _plan_account(ctx: AwsContext, t: ObservabilityTopology, name: str) -> list[Change]:
    account = t.accounts[name]
    changes = [config_recorders.plan_service_role(_client(ctx, t, "iam", account), name)]
    changes += account_baseline.plan_baseline(ctx, baseline_spec(t, name), _baseline_clients(ctx, t, name))
    for region in t.regions:
        changes.append(config_recorders.plan_recorder(_client(ctx, t, "config", account, region),
                                                      _recorder(t, name, region)))
        changes.append(security_services.plan_detector(_client(ctx, t, "guardduty", account, region), f"{name}/{region}"))
        changes.append(security_services.plan_hub(_client(ctx, t, "securityhub", account, region), f"{name}/{region}",
                                                  standards_arns(t, region)))
    return changes


def _plan_organization(ctx: AwsContext, t: ObservabilityTopology) -> list[Change]:
    members, names = _members(t)
    changes = []
    for region in t.regions:
        changes += security_services.plan_organization(
            _client(ctx, t, "guardduty", t.audit, region), _client(ctx, t, "securityhub", t.audit, region),
            f"{t.name_of(t.audit)}/{region}", members, names)
    if linked := _linked_regions(t):
        changes.append(security_services.plan_aggregator(_client(ctx, t, "securityhub", t.audit, t.region),
                                                          f"{t.name_of(t.audit)}/{t.region}", linked))
    return changes


def _linked_regions(t: ObservabilityTopology) -> list[str]:
    """The allowed regions whose Security Hub findings the home region aggregates."""
    return [r for r in t.regions if r != t.region]


def plan(ctx: AwsContext, config) -> Plan:
    t = topology(ctx, config)
    changes = _plan_log_archive(ctx, t)
    changes.append(trail.plan_trail(ctx.client("cloudtrail"), trail_spec(ctx, t)))
    changes += _plan_delegation(ctx, t)
    for account_changes in read_all(lambda name: _plan_account(ctx, t, name), member_accounts(t)):
        changes += account_changes
    changes += _plan_organization(ctx, t)
    notes = (f"Log Archive ({t.log_archive}): trail bucket {t.trail_bucket(t.region)} (Object Lock COMPLIANCE "
             f"{t.retention_days} days), Config bucket {t.config_bucket(t.region)}, both replicated to "
             f"{t.replica_region}; protected settings are applied as {t.break_glass_role_name}.",)
    return Plan(PHASE, tuple(changes), notes)


def needs_approval(plan_: Plan, config) -> bool:
    """A person approves every change to the Log Archive account and to the organization trail."""
    return bool(approval_changes(plan_, config))


def approval_changes(plan_: Plan, config) -> list[Change]:
    la = config.observability.log_archive_account
    return [c for c in plan_.pending
            if c.kind == trail.KIND or c.key == la or c.key.startswith(f"{la}/")]


# --------------------------------------------------------------------------- apply steps
def apply_log_archive(ctx: AwsContext, config, approved: set[str]) -> list[Change]:
    t = topology(ctx, config)
    done = [c for spec in role_specs(t) if (c := iam_roles.apply_role(ctx, spec, approved))]
    for region, spec in key_specs(t).items():
        if change := kms_keys.apply_key(guarded(ctx, t, region), spec, approved):
            done.append(change)
    if change := log_archive.apply_account_block(ctx, t.log_archive, _la(t), approved):
        done.append(change)
    protected = guarded(ctx, t)
    done += [c for spec in bucket_specs(t) if (c := log_archive.apply_bucket(ctx, protected, spec, approved))]
    return done


def apply_trail(ctx: AwsContext, config, approved: set[str]) -> list[Change]:
    t = topology(ctx, config)
    change = trail.apply_trail(ctx.client("cloudtrail"), ctx.client("organizations"), trail_spec(ctx, t), approved)
    return [change] if change else []


def trail_logging(ctx: AwsContext, trail_name: str, **_) -> tuple[bool, dict]:
    """Probe: the organization trail exists and is logging."""
    client = ctx.client("cloudtrail")
    found = trail.cloudtrail.trail(client, trail_name)
    logging = bool(found) and trail.cloudtrail.is_logging(client, trail_name)
    return logging, {"trail": trail_name, "arn": (found or {}).get("TrailARN"), "logging": logging}


def apply_delegation(ctx: AwsContext, config, approved: set[str]) -> list[Change]:
    t = topology(ctx, config)
    audit = t.name_of(t.audit)
    done = []
    for region in t.regions:
        done += security_services.apply_admins(ctx.client("guardduty", region=region),
                                               ctx.client("securityhub", region=region), region, t.audit, audit,
                                               approved)
    orgs = ctx.client("organizations")
    if change := config_recorders.apply_delegation(orgs, t.audit, audit, approved):
        done.append(change)
    if change := config_recorders.apply_aggregator(_client(ctx, t, "config", t.audit, t.region), audit,
                                                   t.aggregator_name, t.aggregator_role_arn, approved):
        done.append(change)
    return done


def account_names(config) -> list[str]:
    """The per-account step's map (from the config, no AWS call): every active account, management too."""
    return [config.organization.management_account.name] + [a.name for a in config.active_accounts]


def apply_account(ctx: AwsContext, config, name: str, approved: set[str]) -> list[Change]:
    t = ctx.remembered(("observability.topology",), lambda: topology(ctx, config))  # once per batch
    account = t.accounts[name]
    done = []
    if change := config_recorders.apply_service_role(_client(ctx, t, "iam", account), name, approved):
        done.append(change)
    done += account_baseline.apply_baseline(ctx, baseline_spec(t, name), _baseline_clients(ctx, t, name), approved)
    for region in t.regions:
        key = f"{name}/{region}"
        for change in (
            config_recorders.apply_recorder(_client(ctx, t, "config", account, region), _recorder(t, name, region),
                                            approved),
            security_services.apply_detector(_client(ctx, t, "guardduty", account, region), key, approved),
            security_services.apply_hub(_client(ctx, t, "securityhub", account, region), key,
                                        standards_arns(t, region), approved),
        ):
            if change:
                done.append(change)
    return done


def apply_organization(ctx: AwsContext, config, approved: set[str]) -> list[Change]:
    t = topology(ctx, config)
    members, names = _members(t)
    done = []
    for region in t.regions:
        done += security_services.apply_organization(
            _client(ctx, t, "guardduty", t.audit, region), _client(ctx, t, "securityhub", t.audit, region),
            f"{t.name_of(t.audit)}/{region}", members, names, approved)
    if linked := _linked_regions(t):
        if change := security_services.apply_aggregator(_client(ctx, t, "securityhub", t.audit, t.region),
                                                        f"{t.name_of(t.audit)}/{t.region}", linked, approved):
            done.append(change)
    return done


# --------------------------------------------------------------------------- verify
def verify(ctx: AwsContext, config, plan_was_empty: bool = False) -> dict:
    """A fresh plan must be empty and the trail logging; returns what exists. `plan_was_empty`: the
    run's plan, read moments before, had no change and nothing was applied since: not read again;
    the trail's logging is still checked."""
    if not plan_was_empty:
        fresh = plan(ctx, config)
        if not fresh.is_empty():
            listing = "\n".join(f"  {c.summary()}" for c in fresh.pending)
            raise NotConverged(f"{PHASE} did not converge; still pending:\n{listing}")
    t = topology(ctx, config)
    logging, status = trail_logging(ctx, t.trail_name)
    if not logging:
        raise NotConverged(f"the organization trail {t.trail_name} is not logging")
    return {
        "phase": PHASE,
        "trail": status["arn"],
        "log_archive_account": t.log_archive,
        "trail_bucket": t.trail_bucket(t.region),
        "config_bucket": t.config_bucket(t.region),
        "replica_region": t.replica_region,
        "object_lock": f"COMPLIANCE {t.retention_days} days",
        "delegated_administrator": t.audit,
        "recorders": len(t.accounts) * len(t.regions),
        "regions": list(t.regions),
    }


# --------------------------------------------------------------------------- phase interface (spec.py)
def planned(ctx: AwsContext, config) -> Planned:
    """Changes to the Log Archive account or the organization trail need approval."""
    found = plan(ctx, config)
    guarded = approval_changes(found, config)
    markdown = scoped_markdown(
        found, guarded, "Changes to the Log Archive account and the organization trail only (Config, GuardDuty, "
        "Security Hub in other accounts follow)") if guarded else None
    return Planned(found, needs_approval=bool(guarded), markdown=markdown)


verified = verify
