"""Phase 2, Identity: IAM Identity Center groups, permission sets and account assignments.

Plan once over everything; apply in steps that each re-read AWS and do only approved changes:
directory (groups, permission sets; a changed set is re-provisioned to the accounts using it) ->
each account (assignments created / removed; the wait on their status is deferred) -> permission
sets removed from the config -> verify (a fresh plan must be empty).

The organization's Identity Center instance is looked up, never created: without one the plan
fails first, naming the one-time console step. Approval is needed for a change that grants
AdminAccess or touches a production account; the approver sees exactly those changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from groundwork.aws.context import AwsContext
from groundwork.aws.parallel import read_all
from groundwork.phases.foundation import NotConverged, account_ids
from groundwork.phases.spec import Planned
from groundwork.plan.model import SYMBOL, Change, Plan
from groundwork.reconcile import identity_assignments as assignments
from groundwork.reconcile import identity_groups as groups
from groundwork.reconcile import identity_permission_sets as permission_sets
from groundwork.reconcile.identity_instance import IdentityCenterNotEnabled, Instance, find_instance

PHASE = "phase2_identity"
__all__ = ["IdentityCenterNotEnabled", "plan", "verify"]


@dataclass
class IdentityView:
    instance: Instance
    ids: dict[str, str]  # account name -> id
    group_ids: dict[str, str | None]
    sets: dict[str, permission_sets.PermissionSetState]

    def set_arns(self) -> dict[str, str]:
        return {name: s.arn for name, s in self.sets.items()}

    def existing_groups(self) -> dict[str, str]:
        return {name: gid for name, gid in self.group_ids.items() if gid}


def _sso(ctx: AwsContext):
    return ctx.client("sso-admin")


def instance(ctx: AwsContext) -> Instance:
    return find_instance(_sso(ctx), ctx.region)


def admin_sets(config) -> set[str]:
    return {p.name for p in config.identity.permission_sets if permission_sets.is_admin(p)}


def production_sets(config, ids: dict[str, str], sets: dict) -> set[str]:
    """Permission sets that reach a production account: assigned there by the config, or provisioned there."""
    production = {a.name for a in config.organization.accounts if a.is_production}
    out = {w.permission_set for w in assignments.desired_assignments(config) if w.account in production}
    production_ids = {ids[n] for n in production if n in ids}
    return out | {name for name, s in sets.items() if production_ids & set(s.accounts)}


def read(ctx: AwsContext, config, details: bool = True) -> IdentityView:
    found = instance(ctx)  # first: without Identity Center nothing else is read
    ids = account_ids(ctx, config)
    group_ids = groups.read_groups(ctx.client("identitystore"), found.identity_store_id, config)
    names = {p.name for p in config.identity.permission_sets}
    sets = permission_sets.read_permission_sets(_sso(ctx), found.arn, names, details)
    return IdentityView(found, ids, group_ids, sets)


def plan(ctx: AwsContext, config) -> Plan:
    return plan_with_view(ctx, config)[0]


def plan_with_view(ctx: AwsContext, config) -> tuple[Plan, IdentityView]:
    view = read(ctx, config)
    names_by_id = {v: k for k, v in view.ids.items()}
    store = ctx.client("identitystore")
    changes = groups.plan_groups(config, view.group_ids,
                                 groups.read_descriptions(store, view.instance.identity_store_id, config, view.group_ids))
    changes += permission_sets.plan_permission_sets(config, view.sets, production_sets(config, view.ids, view.sets),
                                                    names_by_id)
    existing_groups, set_arns = view.existing_groups(), view.set_arns()
    created = [a.name for a in config.organization.accounts if a.name in view.ids]  # not retired before it existed
    sso = _sso(ctx)
    provisioned = {name: set(s.accounts) for name, s in view.sets.items()}  # read with details: every set's accounts
    actuals = read_all(lambda name: assignments.read_account(sso, view.instance.arn, view.ids[name], set_arns,
                                                             provisioned), created)
    for name, actual in zip(created, actuals):
        changes += assignments.plan_account(config, name, actual, existing_groups, admin_sets(config))
    return Plan(PHASE, tuple(changes)), view


# --------------------------------------------------------------------------- approval
def approval_reason(change: Change) -> str | None:
    """Why a change needs approval, or None: it touches a production account or grants AdminAccess."""
    if change.action == "noop":
        return None
    reasons = []
    if "grants AdminAccess" in change.note:
        reasons.append("grants AdminAccess")
    if change.production:
        reasons.append("production account")
    return " and ".join(reasons) or None


def approval_changes(plan_: Plan) -> list[Change]:
    return [c for c in plan_.pending if approval_reason(c)]


def needs_approval(plan_: Plan) -> bool:
    return bool(approval_changes(plan_))


def _what(change: Change) -> str:
    if change.action == "update":
        before, after = change.before or {}, change.after or {}
        text = "; ".join(f"{k}: {before.get(k)} → {after.get(k)}" for k in sorted(after) if before.get(k) != after.get(k))
    else:
        text = ", ".join(f"{k}: {v}" for k, v in (change.after or change.before or {}).items())
    if change.note and change.note not in (approval_reason(change) or ""):
        text += f" ({change.note})"
    return text.replace("|", "\\|")


def approval_markdown(plan_: Plan) -> str:
    """What the approver reads: exactly the changes that need approval, each with its reason."""
    listed = approval_changes(plan_)
    lines = [
        f"**{plan_.phase}** plan `{plan_.digest}`: {len(listed)} change(s) need approval "
        "(they grant AdminAccess or touch a production account).",
        "",
        "| | kind | resource | why | detail |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {SYMBOL[c.action]} {c.action} | {c.kind} | {c.key} | {approval_reason(c)} | {_what(c)} |" for c in listed]
    others = len(plan_.pending) - len(listed)
    lines += ["", f"{others} other change(s) in this plan need no approval and are not listed."]
    return "\n".join(lines)


# --------------------------------------------------------------------------- apply steps
DIRECTORY = "identity.directory"  # what apply_account remembers; the steps that change it forget it


def apply_directory(ctx: AwsContext, config, approved: set[str]) -> list[Change]:
    """Groups (created, or looked up for an external IdP) and permission sets (created/updated,
    changed ones re-provisioned)."""
    ctx.forget(DIRECTORY)
    found = instance(ctx)
    ids = account_ids(ctx, config)
    done, _ = groups.apply_groups(ctx.client("identitystore"), found.identity_store_id, config, approved)
    sets = permission_sets.read_permission_sets(_sso(ctx), found.arn, {p.name for p in config.identity.permission_sets})
    done += permission_sets.apply_permission_sets(_sso(ctx), found.arn, config, approved,
                                                  production_sets(config, ids, sets), {v: k for k, v in ids.items()})
    return done


def apply_account(ctx: AwsContext, config, name: str, approved: set[str]) -> dict:
    """Start the account's assignment changes; returns {"account", "account_id", "instance_arn",
    "requests", "applied"}: the requests still IN_PROGRESS are what the deferred wait polls."""
    # the account step needs ids, not policies; the directory is the same for every account of a batch
    view = ctx.remembered((DIRECTORY,), lambda: read(ctx, config, details=False))
    if name not in view.ids:  # retired before it was ever created: nothing assigned, nothing to remove
        return {"account": name, "account_id": None, "instance_arn": view.instance.arn, "requests": [], "applied": []}
    if any(gid is None for gid in view.group_ids.values()) or set(view.sets) < {p.name for p in config.identity.permission_sets}:
        raise NotConverged("groups or permission sets are missing; the apply_directory step must run first")
    done, requests = assignments.apply_account(
        _sso(ctx), view.instance.arn, config, name, view.ids[name], view.set_arns(), view.existing_groups(),
        admin_sets(config), approved)
    return {"account": name, "account_id": view.ids[name], "instance_arn": view.instance.arn,
            "requests": requests, "applied": [c.summary() for c in done]}


def assignments_settled(ctx: AwsContext, instance_arn: str, requests: list[dict], **_) -> tuple[bool, dict]:
    """Probe for the deferred wait: done when none of the account's requests is IN_PROGRESS."""
    return assignments.requests_settled(_sso(ctx), instance_arn, requests)


def check_settled(result: dict) -> None:
    failed = {k: v for k, v in result.get("requests", {}).items() if v["status"] != "SUCCEEDED"}
    if failed:
        raise assignments.AssignmentFailed(f"account assignment requests did not succeed: {failed}")


def remove_permission_sets(ctx: AwsContext, config, approved: set[str]) -> list[Change]:
    ctx.forget(DIRECTORY)
    found = instance(ctx)
    ids = account_ids(ctx, config)
    sets = permission_sets.read_permission_sets(_sso(ctx), found.arn, {p.name for p in config.identity.permission_sets})
    return permission_sets.delete_removed(_sso(ctx), found.arn, config, approved, production_sets(config, ids, sets))


def verify(ctx: AwsContext, config, plan_was_empty: bool = False) -> dict:
    """A fresh plan must be empty; returns what exists (ids, no secrets). `plan_was_empty`: the run's
    plan, read moments before, had no change and nothing was applied since: only the directory is
    read (not every account's assignments again)."""
    if plan_was_empty:
        return _what_exists(read(ctx, config, details=False), "unchanged (the run's plan had no change)")
    fresh, view = plan_with_view(ctx, config)
    if not fresh.is_empty():
        listing = "\n".join(f"  {c.summary()}" for c in fresh.pending)
        raise NotConverged(f"{PHASE} did not converge; still pending:\n{listing}")
    return _what_exists(view, len([c for c in fresh.changes if c.kind == assignments.KIND]))


def _what_exists(view: IdentityView, assignment_count: int | str) -> dict:
    return {
        "phase": PHASE,
        "instance_arn": view.instance.arn,
        "identity_store_id": view.instance.identity_store_id,
        "permission_sets": {n: view.sets[n].arn for n in sorted(view.sets)},
        "groups": view.existing_groups(),
        "assignments": assignment_count,
    }


# --------------------------------------------------------------------------- phase interface (spec.py)
def planned(ctx: AwsContext, config) -> Planned:
    """AdminAccess grants and production changes need approval; the approver reads each one's reason."""
    found = plan(ctx, config)
    needed = needs_approval(found)
    lines = tuple(f"  approval for {c.key}: {approval_reason(c)}" for c in found.pending if approval_reason(c))
    return Planned(found, needs_approval=needed, markdown=approval_markdown(found) if needed else None, lines=lines)


def account_names(config) -> list[str]:
    return [a.name for a in config.organization.accounts]


verified = verify
