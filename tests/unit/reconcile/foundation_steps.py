"""Drive phase 1's apply steps in the order the DAG runs them (for moto-backed tests)."""

from groundwork.phases import foundation
from groundwork.reconcile.accounts import raise_if_failed


def apply_all(ctx, config, approved):
    foundation.apply_structure(ctx, config, approved)
    known = foundation.plan_with_ids(ctx, config)[1]
    for account in config.organization.accounts:
        progress = foundation.start_account(ctx, config, account.name, approved, known.get(account.name))
        raise_if_failed(progress)
        foundation.place_account(ctx, config, account.name, progress.account_id, approved)
    foundation.apply_policies(ctx, config, approved)
    foundation.apply_budgets(ctx, config, approved)
