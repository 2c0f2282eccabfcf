"""Phase 1 done, then phase 5's apply steps in the order the DAG runs them (moto-backed tests)."""

from groundwork.phases import cicd, foundation

from tests.unit.reconcile.foundation_steps import apply_all as apply_foundation

EXTERNAL_ID = "test-external-id-4f9a2c"  # a test value; the product never holds one in code


def foundation_done(ctx, config):
    apply_foundation(ctx, config, {c.id for c in foundation.plan(ctx, config).pending})


def apply_all(ctx, config, approved, external_id=EXTERNAL_ID):
    done = cicd.apply_pipeline(ctx, config, approved)
    for item in cicd.environment_accounts(config):  # '<environment>/<account>', as the DAG maps them
        done += cicd.apply_environment(ctx, config, item, approved, external_id)
    done += cicd.apply_artifact_store(ctx, config, approved)
    return done + cicd.remove_environments(ctx, config, approved)


def ids(plan):
    return {c.id for c in plan.pending}
