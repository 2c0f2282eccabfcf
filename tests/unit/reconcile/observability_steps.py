"""Phase 1 done, then phase 4's apply steps in the order the DAG runs them (moto-backed tests)."""

from groundwork.phases import foundation, observability

from tests.unit.reconcile.foundation_steps import apply_all as apply_foundation


def foundation_done(ctx, config):
    apply_foundation(ctx, config, {c.id for c in foundation.plan(ctx, config).pending})


def apply_all(ctx, config, approved):
    done = observability.apply_log_archive(ctx, config, approved)
    done += observability.apply_trail(ctx, config, approved)
    done += observability.apply_delegation(ctx, config, approved)
    for name in observability.account_names(config):
        done += observability.apply_account(ctx, config, name, approved)
    return done + observability.apply_organization(ctx, config, approved)


def ids(plan):
    return {c.id for c in plan.pending}
