"""Every roadmap phase, defined once: its DAG id, domain module, approval rule and ordered steps.

The Airflow side (`groundwork_airflow.phase_dag`) builds any phase from its `PhaseSpec`: order gate,
validate, plan, the approval branch, the steps in order, verify, publish. Adding a capability to a
phase is a domain function plus one `Step` here.

Interface of a phase module (`groundwork.phases.<module>`), all `fn(ctx, config, ...)`:
- `planned(ctx, config, **secrets) -> Planned`: the plan, whether it needs approval (the rule lives
  in the domain module) and what the approver reads;
- each step's function: `fn(ctx, config, approved, **secrets) -> list[Change]`, or for a step
  mapped over items `fn(ctx, config, item, approved, **secrets)`; the item list comes from
  `each(config) -> list[str]` (config only, no AWS call);
- `verified(ctx, config, plan_was_empty=False, **secrets) -> dict`: a fresh plan must be empty; what
  exists (no secrets). With `plan_was_empty` (the run's plan had no change, no step ran) the plan's
  reads may be skipped; the checks beyond the plan still run.
A step with `approval=True` asks an approval of its own, of what its `plan` function returns, right
before it runs (phase 1's account closures: a decision apart from the rest of the plan).
A phase with `preflight` runs that check between validate and plan (phase 1: service quotas and the
management account's hygiene); it refuses with every problem and its fix, before anything is planned.
A step with `wait=True` waits on AWS (account creation, assignment status, VPC attachment, trail
logging): the Airflow side runs it as a deferrable operator that checks a probe, then defers.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field, replace
from types import ModuleType

from groundwork.plan.model import Change, NotConverged, Plan, Refused, render_markdown  # noqa: F401 (Refused: re-exported)


RESOLVED_ACCOUNT_IDS = "resolved_account_ids"  # the plan task's output key of the run's account ids


@dataclass(frozen=True)
class Planned:
    """A phase's plan as a run sees it: the changes, the approval decision, what to show."""

    plan: Plan
    needs_approval: bool
    markdown: str | None = None  # the approval body when it is not the whole plan
    extras: dict = field(default_factory=dict)  # more outputs of the plan task (e.g. account ids)
    lines: tuple[str, ...] = ()  # printed after the changes in the plan task's log


def scoped_markdown(plan: Plan, guarded: list[Change], scope: str) -> str:
    """The approval body when only some changes need approval: those, then what the rest are."""
    others = len(plan.pending) - len(guarded)
    text = render_markdown(Plan(plan.phase, tuple(guarded), plan.notes))
    return text + f"\n\n{scope}; {others} other change(s) in this plan need no approval."


@dataclass(frozen=True)
class Step:
    task_id: str
    function: str  # in the phase module, or "package.module:function" anywhere
    doc: str
    each: str | None = None  # function listing the items to map over (config only)
    plan: str | None = None  # a step that plans its own changes: fn(ctx, config, **secrets) -> list[Change]
    items_task: str = "account_names"  # task id of that list
    wait: bool = False  # waits on AWS: a deferrable operator on the Airflow side
    secrets: tuple[str, ...] = ()  # passed as keyword arguments, read at run time
    pool: str | None = None  # kind of concurrent AWS work (groundwork.pools): the Airflow pool bounding it
    approval: bool = False  # asks its own approval of its own plan (`plan`) right before it runs


@dataclass(frozen=True)
class PhaseSpec:
    dag_id: str
    module: str
    description: str
    doc: str
    steps: tuple[Step, ...]
    secrets: tuple[str, ...] = ()  # what plan and verify need
    owns: tuple[str, ...] = ()  # config sections this phase applies (the gate of the next phase checks them)
    preflight: str | None = None  # "package.module:function"(ctx, config): reads AWS before the plan, raises
    # Refused with every problem and its fix (a quota too low, an unhygienic management account)
    # The accounts exist before the phase runs (phases 2-5): the plan resolves their ids once and every
    # task of the run gets them (`Planned.extras["resolved_account_ids"]` -> `ctx.account_ids`) instead
    # of paging through the organization per account. Phase 1 creates accounts: its tasks read AWS.
    accounts_exist: bool = True

    def domain(self) -> ModuleType:
        return importlib.import_module(f"groundwork.phases.{self.module}")

    def step(self, task_id: str) -> Step:
        return next(s for s in self.steps if s.task_id == task_id)

    def function(self, name: str):
        """A function the spec names: in the phase module, or "package.module:function"."""
        if ":" in name:
            module, _, attribute = name.partition(":")
            return getattr(importlib.import_module(module), attribute)
        return getattr(self.domain(), name)

    def planned(self, ctx, config, **secrets) -> Planned:
        """The phase module's plan, plus the changes of steps that plan their own (`Step.plan`).
        Those need approval when they touch production, as everywhere else."""
        if self.accounts_exist:
            from groundwork.phases.foundation import account_ids

            ctx.account_ids = account_ids(ctx, config)
        base = self.domain().planned(ctx, config, **secrets)
        if self.accounts_exist:
            base = replace(base, extras={**base.extras, RESOLVED_ACCOUNT_IDS: ctx.account_ids})
        extra = [c for step in self.steps if step.plan
                 for c in self.function(step.plan)(ctx, config, **{k: secrets[k] for k in step.secrets})]
        if not extra:
            return base
        plan = Plan(base.plan.phase, base.plan.changes + tuple(extra), base.plan.notes)
        guarded = any(c.production and c.action != "noop" for c in extra)
        return replace(base, plan=plan, needs_approval=base.needs_approval or guarded)

    def verified(self, ctx, config, plan_was_empty: bool = False, **secrets) -> dict:
        """The phase module's verify, and no step's own plan may still have a pending change.
        `plan_was_empty`: this run's plan (the steps' own plans included) had no change, so no step ran
        and nothing was applied: what the plan read is not read again, only what verify checks
        beyond it (accounts reachable, the trail logging, the deployment chain, attachments)."""
        result = self.domain().verified(ctx, config, plan_was_empty=plan_was_empty, **secrets)
        if plan_was_empty:
            return result
        pending = [c for step in self.steps if step.plan
                   for c in self.function(step.plan)(ctx, config, **{k: secrets[k] for k in step.secrets})
                   if c.action != "noop"]
        if pending:
            listing = "\n".join(f"  {c.summary()}" for c in pending)
            raise NotConverged(f"{self.dag_id} did not converge; still pending:\n{listing}")
        return result


FOUNDATION = PhaseSpec(
    "phase1_foundation", "foundation",
    "Phase 1, Foundation: Organizations, OUs, baseline accounts, SCPs",
    "validate -> plan -> [approve] -> structure -> accounts (mapped) -> SCPs -> verify -> publish.",
    (
        Step("apply_structure", "apply_structure", "The organization (all features), SCP policy type and OUs, parents first."),
        Step("ensure_account", "start_account", "Create the account once (or resume the request under way), move it "
             "to its OU, wait (deferred) until its access role can be assumed.",
             each="account_names", wait=True, pool="account_creation"),
        Step("apply_policies", "apply_policies", "Guardrail SCPs created/updated and attached at OU level; removed "
             "ones detached and deleted; the suspended OU's deny-all SCP."),
        Step("apply_budgets", "apply_budgets", "Spend limits: a monthly AWS Budgets cost budget per account with "
             "`spend_limit_usd`, notified at 80% and 100%, and a budget action that attaches the spend-stop SCP at "
             "100% (run as the groundwork-budget-actions role)."),
        Step("close_accounts", "close_accounts", "CloseAccount for the accounts the config marks closed, after an "
             "approval of its own (closure is final after 90 days); refused beyond AWS's closure quota.",
             plan="plan_closures", approval=True),
    ),
    owns=("aws", "organization", "cost"),
    preflight="groundwork.preflight:check",
    accounts_exist=False,
)
IDENTITY = PhaseSpec(
    "phase2_identity", "identity",
    "Phase 2, Identity: IAM Identity Center groups, permission sets, account assignments",
    "gate -> validate -> plan -> [approve: AdminAccess grants or production changes] -> groups and permission "
    "sets -> each account's assignments (mapped, deferred status wait) -> permission sets removed from the "
    "config -> verify -> publish.",
    (
        Step("apply_directory", "apply_directory", "Groups (created, or looked up when an external IdP provisions "
             "them) and permission sets (created/updated; a changed set is re-provisioned to the accounts that use it)."),
        Step("ensure_assignments", "apply_account", "One account's assignments, then a deferred wait until AWS "
             "reports them settled.", each="account_names", wait=True, pool="identity_center"),
        Step("remove_permission_sets", "remove_permission_sets", "Permission sets groundwork created that the "
             "config no longer has (their assignments are gone)."),
    ),
    owns=("identity",),
)
NETWORK = PhaseSpec(
    "phase3_network", "network",
    "Phase 3, Network: Transit Gateway hub, one VPC per account, CIDR plan, egress, endpoints, DNS",
    "gate -> validate -> plan -> [approve, production changes only] -> hub -> each account's VPC (mapped, "
    "deferred attachment wait) -> TGW routing -> DNS -> verify -> publish.",
    (
        Step("apply_hub", "apply_hub", "RAM sharing with the organization, the Transit Gateway, a route table per "
             "segment, the share."),
        Step("ensure_vpc", "apply_account", "One account's VPC, subnets, endpoints and attachment; a deferred wait "
             "until the attachment is available; then its routes.", each="network_account_names", wait=True,
             pool="ec2"),
        Step("apply_routing", "apply_routing", "Associations, propagations and the default route to egress on the "
             "Transit Gateway."),
        Step("apply_dns", "apply_dns", "The private hosted zone and its association with every account's VPC."),
        Step("detach_retired", "detach_retired", "Retired accounts: their routes to the Transit Gateway and their "
             "attachment removed (the VPC stays, cut off).", plan="plan_retired"),
    ),
    owns=("network",),
)
OBSERVABILITY = PhaseSpec(
    "phase4_observability", "observability",
    "Phase 4, Observability: log archive, organization trail, Config, GuardDuty, Security Hub",
    "gate -> validate -> plan -> [approve: any change to the Log Archive account or the trail] -> log archive "
    "-> organization trail -> trail_logging (deferred until the trail logs) -> delegation -> each account "
    "(mapped: Config, GuardDuty, Security Hub in every allowed region) -> organization configuration -> "
    "verify -> publish.",
    (
        Step("apply_log_archive", "apply_log_archive", "Roles, the log keys, the account's public access block and "
             "the buckets (replicas first); protected bucket and key settings as the break-glass role."),
        Step("apply_trail", "apply_trail", "The organization trail from the management account; logging started."),
        Step("trail_logging", "trail_logging", "Done when the organization trail logs: checked once, then deferred "
             "to the triggerer (no worker slot held) until it does.", wait=True),
        Step("apply_delegation", "apply_delegation", "The Audit account as GuardDuty / Security Hub administrator "
             "per region and as Config's delegated administrator; the organization aggregator."),
        Step("apply_account", "apply_account", "One account, every allowed region: Config recorder + delivery "
             "channel started, a GuardDuty detector, Security Hub with the configured standards.",
             each="account_names", pool="security_services"),
        Step("apply_organization", "apply_organization", "In the Audit account, per region: auto-enable for new "
             "accounts, every account a member."),
    ),
    owns=("observability",),
)
CICD = PhaseSpec(
    "phase5_cicd", "cicd",
    "Phase 5, CI/CD: deployment roles, per-account keys, artifact store, registry",
    "gate -> validate -> plan -> [approve] -> pipeline role -> each account of each environment (mapped) -> "
    "artifact store -> verify -> publish. The ExternalId is read inside the tasks that need it, masked in logs, "
    "never returned.",
    (
        Step("apply_pipeline", "apply_pipeline", "PipelineExecutionRole in Shared Services (the deployment roles' "
             "trust names it, so it comes first)."),
        Step("apply_environment", "apply_environment", "One account of one environment (item "
             "'<environment>/<account>'): its CloudFormation service role (what promoted stacks are made "
             "with), DeploymentRole (trust + least-privilege permissions), KMS key "
             "(alias/groundwork-deploy-<environment>), deployment bucket.", each="environment_accounts",
             items_task="environment_accounts", secrets=("external_id",), pool="iam"),
        Step("apply_artifact_store", "apply_artifact_store", "Artifact key, artifact bucket and ECR repository in "
             "Shared Services, readable by the deployment roles."),
        Step("remove_environments", "remove_environments", "Environments gone from the config: the deployment "
             "and CloudFormation roles in an account no environment deploys to are deleted (its key, bucket and "
             "stack are kept).",
             plan="plan_removed_environments"),
    ),
    secrets=("external_id",),
    owns=("cicd",),
)

SPECS: dict[str, PhaseSpec] = {s.dag_id: s for s in (FOUNDATION, IDENTITY, NETWORK, OBSERVABILITY, CICD)}
