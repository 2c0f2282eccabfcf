"""Phase 1, Foundation: the organization, OUs, baseline accounts and guardrail SCPs.

Plan once over everything; apply in steps that each re-read AWS and do only approved changes:
structure (organization, SCP policy type, OUs) -> each account (create/resume, place, reachable)
-> policies (SCPs attached at OU level) -> verify (a fresh plan must be empty).
"""

from __future__ import annotations

from dataclasses import replace

from groundwork.aws import budgets as aws_budgets
from groundwork.aws import iam
from groundwork.aws import organizations as orgs
from groundwork.aws.common import is_managed
from groundwork.aws.context import AwsContext
from groundwork.aws.parallel import read_all
from groundwork.phases.spec import Planned
from groundwork.plan.model import Change, NotConverged, Plan, approved_pending
from groundwork.policy import budgets as budget_docs
from groundwork.policy.guardrails import SPEND_STOP_SCP
from groundwork.reconcile import accounts, budgets, iam_roles, organization, policies

PHASE = "phase1_foundation"


def _orgs(ctx: AwsContext):
    return ctx.client("organizations")


def plan(ctx: AwsContext, config) -> Plan:
    return plan_with_ids(ctx, config)[0]


def plan_with_ids(ctx: AwsContext, config) -> tuple[Plan, dict[str, str]]:
    """The plan, and the ids of configured accounts that already exist (by email) for the
    per-account steps, read in the same pass."""
    client = _orgs(ctx)
    snap = organization.read_organization(client)
    found = {a.name: snap.account_by_email(a.email) for a in config.organization.accounts}
    ids = {name: account["Id"] for name, account in found.items() if account}
    changes = organization.plan_structure(config, snap)
    existing = [a.name for a in config.organization.accounts if a.name in ids]
    tags = dict(zip(existing, read_all(lambda name: orgs.tags(client, ids[name]), existing)))
    for account in config.organization.accounts:
        change = accounts.plan_account(config, account, snap, tags.get(account.name))
        if change is not None:
            changes.append(change)
    policy_ids = {}
    for policy_type in organization.policy_types(config):
        wanted = set(policies.desired(config, policy_type))
        actual = policies.read_policies(client, snap, wanted, policy_type) if snap.organization else {}
        changes += policies.plan_policies(config, snap, actual, policy_type)
        if policy_type == orgs.SCP:
            policy_ids = {name: found["id"] for name, found in actual.items()}
    changes += plan_budgets(ctx, config, snap, policy_ids)
    return Plan(PHASE, tuple(changes), tuple(accounts.unmanaged(config, snap))), ids


ROOT, OU = "organizations.root", "organizations.ou"  # what place_account remembers


def apply_structure(ctx: AwsContext, config, approved: set[str]):
    ctx.forget(ROOT, OU)
    return organization.apply_structure(_orgs(ctx), config, approved)


def start_account(ctx: AwsContext, config, name: str, approved: set[str],
                  known_id: str | None = None, existing: accounts.Existing | None = None) -> accounts.AccountProgress:
    return accounts.start_account(_orgs(ctx), config, config.account(name), approved, ctx.access_role_name, known_id,
                                  existing)


def existing_accounts(ctx: AwsContext) -> accounts.Existing:
    """The organization's accounts and creation requests, read once for a batch of new accounts."""
    return accounts.read_existing(_orgs(ctx))


def place_account(ctx: AwsContext, config, name: str, account_id: str, approved: set[str]):
    """Into its OU. The root's and each OU path's id are read once per context (a batch of accounts
    shares them; the structure step made the OUs before this step)."""
    client, account = _orgs(ctx), config.account(name)
    root_id = ctx.remembered((ROOT,), lambda: orgs.root(client)["Id"])
    path = config.ou_of(account)
    target = ctx.remembered((OU, path), lambda: accounts.ou_id_for_path(client, path, root_id))
    return accounts.place_account(client, config, account, account_id, approved, root_id=root_id, target_id=target)


def organization_accounts(ctx: AwsContext) -> list[dict]:
    """The organization's accounts (one paged ListAccounts); none when there is no organization yet."""
    client = _orgs(ctx)
    try:
        return orgs.accounts(client)
    except client.exceptions.AWSOrganizationsNotInUseException:
        return []


def closed_account_ids(ctx: AwsContext, listing: list[dict] | None = None) -> set[str]:
    """Ids of the organization's closed (or closing) accounts: one paged ListAccounts (or `listing`,
    already read), for a step that asks about every account (a DescribeAccount each is 1,000
    Organizations calls at 1,000 accounts)."""
    listing = orgs.accounts(_orgs(ctx)) if listing is None else listing
    return {a["Id"] for a in listing if orgs.is_closed(a)}


def is_closed(ctx: AwsContext, account_id: str) -> bool:
    """Closed (or closing) accounts cannot be reached: nothing waits for their access role."""
    return accounts.is_closed(_orgs(ctx), account_id)


def plan_closures(ctx: AwsContext, config) -> list:
    """The closures the config asks for (the `close_accounts` step's own plan and approval)."""
    return accounts.plan_closures(config, organization.read_organization(_orgs(ctx)))


def close_accounts(ctx: AwsContext, config, approved: set[str]):
    return accounts.close_accounts(_orgs(ctx), config, approved)


def apply_policies(ctx: AwsContext, config, approved: set[str]):
    client = _orgs(ctx)
    snap = organization.read_organization(client, with_accounts=False)
    return [change for policy_type in organization.policy_types(config)
            for change in policies.apply_policies(client, config, snap, approved, policy_type)]


def account_ids(ctx: AwsContext, config, listing: list[dict] | None = None) -> dict[str, str]:
    """Ids of the configured accounts, by name, read from Organizations (by email). Later phases
    use this to reach member accounts: `ctx.client(service, account_id=ids[name])`. One paged
    ListAccounts (or `listing`, already read), not a walk of the OU tree. When the run resolved them
    once (`ctx.account_ids`, from its plan), those: a per-account task of 1,000 would otherwise page
    through all 1,000 again."""
    if ctx.account_ids is not None:
        found = {a.name: ctx.account_ids.get(a.name) for a in config.organization.accounts}
    else:
        listing = organization_accounts(ctx) if listing is None else listing
        by_email = {a["Email"].lower(): a["Id"] for a in listing}
        found = {a.name: by_email.get(a.email.lower()) for a in config.organization.accounts}
    missing = sorted(a.name for a in config.active_accounts if found[a.name] is None)
    if missing:
        raise NotConverged(f"accounts {missing} do not exist yet; run phase1_foundation first")
    return {name: account_id for name, account_id in found.items() if account_id is not None}


def verify(ctx: AwsContext, config, plan_was_empty: bool = False) -> dict[str, str]:
    """A fresh plan must be empty and every account reachable; returns account ids by name.
    `plan_was_empty`: the run's plan, read moments before, had no change and nothing was applied
    since (its steps were skipped), so it is not read again; the reachability check still runs."""
    if not plan_was_empty:
        fresh = plan(ctx, config)
        if not fresh.is_empty():
            listing = "\n".join(f"  {c.summary()}" for c in fresh.pending)
            raise NotConverged(f"{PHASE} did not converge; still pending:\n{listing}")
    listing = organization_accounts(ctx)  # one listing for both the ids and the closed accounts
    ids = account_ids(ctx, config, listing)
    names, closed = list(ids), closed_account_ids(ctx, listing)
    reachable = read_all(lambda name: ids[name] in closed or accounts.access_ready(ctx, ids[name])[0], names)
    unreachable = [name for name, ok in zip(names, reachable) if not ok]
    if unreachable:
        raise NotConverged(f"the access role {ctx.access_role_name} cannot be assumed in {unreachable}")
    return ids


# --------------------------------------------------------------------------- phase interface (spec.py)
def planned(ctx: AwsContext, config) -> Planned:
    """Every change to the organization needs approval; the account ids go to the account step."""
    found, ids = plan_with_ids(ctx, config)
    return Planned(found, needs_approval=not found.is_empty(), extras={"account_ids": ids})


def account_names(config) -> list[str]:
    return [a.name for a in config.organization.accounts]


def verified(ctx: AwsContext, config, plan_was_empty: bool = False) -> dict:
    return {"phase": PHASE, "accounts": verify(ctx, config, plan_was_empty)}


# --------------------------------------------------------------------------- spend limits (AWS Budgets)
def _budget_targets(ctx: AwsContext, config, snap=None, policy_ids: dict[str, str] | None = None
                    ) -> tuple[str, dict[str, str], str | None]:
    """The management account id, the ids of configured accounts (a placeholder for one not created
    yet) and the spend-stop SCP's id (a placeholder before it exists; None when none is wanted).
    `snap` and `policy_ids` (SCP name -> id): what the phase plan already read, not read again."""
    client = _orgs(ctx)
    org = snap.organization if snap else orgs.describe_organization(client)
    management = org["MasterAccountId"] if org else ctx.client("sts").get_caller_identity()["Account"]
    listed = snap.accounts if snap else (orgs.accounts(client) if org else [])  # one paged call, no tree walk
    by_email = {a["Email"].lower(): a["Id"] for a in listed}
    ids = {a.name: by_email.get(a.email.lower(), f"(account {a.name})") for a in config.organization.accounts}
    policy = None
    if policies.spend_stop_wanted(config):
        if policy_ids is None:
            policy_ids = {p["Name"]: p["Id"] for p in orgs.policies(client)} if org else {}
        policy = policy_ids.get(SPEND_STOP_SCP) or f"({SPEND_STOP_SCP})"
    return management, ids, policy


def _budget_specs(ctx: AwsContext, config, snap=None, policy_ids: dict[str, str] | None = None):
    management, ids, policy = _budget_targets(ctx, config, snap, policy_ids)
    names = {i: name for name, i in ids.items()}
    if policy:
        names[policy] = SPEND_STOP_SCP
    specs = budgets.budget_specs(config, ids, management, policy)
    specs = [replace(s, names=tuple(sorted(names.items()))) for s in specs]
    role = None
    if policy:  # the role may attach the spend-stop SCP (any SCP id: it is not known before phase 1 made it)
        role = budgets.execution_role_spec(management, config.organization.management_account.name, "p-*", specs)
        role = replace(role, permissions=budget_docs.execution_permissions(management, "p-*", ["*"]))
    return management, specs, role


def plan_budgets(ctx: AwsContext, config, snap=None, policy_ids: dict[str, str] | None = None) -> list:
    """The spend-limit budgets (and the role their actions run as), in the phase's plan. Planned
    before the accounts and the spend-stop SCP exist, so the changes show names, not ids."""
    management, specs, role = _budget_specs(ctx, config, snap, policy_ids)
    changes = [iam_roles.plan_role(ctx, role)] if role else _unwanted_budget_role(ctx, config)
    return changes + budgets.plan_budgets(aws_budgets.client(ctx), specs, management)


def _unwanted_budget_role(ctx: AwsContext, config) -> list:
    """The budget actions' role once no spend limit stops spending: deleted (groundwork's own only)."""
    client = ctx.client("iam")
    role = iam.get_role(client, budget_docs.EXECUTION_ROLE)
    if role is None or not is_managed(iam.role_tags(client, budget_docs.EXECUTION_ROLE)):
        return []
    key = f"{config.organization.management_account.name}/{budget_docs.EXECUTION_ROLE}"
    return [Change("delete", iam_roles.KIND, key, {"role": budget_docs.EXECUTION_ROLE, "arn": role["Arn"]}, None,
                   note="no spend limit stops spending any more")]


def apply_budgets(ctx: AwsContext, config, approved: set[str]) -> list:
    management, specs, role = _budget_specs(ctx, config)
    done = []
    if role and (change := iam_roles.apply_role(ctx, role, approved)):
        done.append(change)
    done += budgets.apply_budgets(aws_budgets.client(ctx), specs, approved, management)
    for change in approved_pending(_unwanted_budget_role(ctx, config) if not role else [], approved):
        iam.delete_role(ctx.client("iam"), budget_docs.EXECUTION_ROLE)  # after the actions that named it
        done.append(change)
    return done
