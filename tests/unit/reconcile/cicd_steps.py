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


# A stack every unit test of promotion deploys: one SSM parameter and its outputs.
APP_TEMPLATE = """\
Parameters:
  Environment: {Type: String}
  Version: {Type: String}
Resources:
  Release:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub /app/${Environment}/version
      Type: String
      Value: !Ref Version
Outputs:
  ReleaseParameter: {Value: !Ref Release}
  Version: {Value: !Ref Version}
"""


def deploy_until_done(ctx, pipeline, t, env_name, account, artifact, run_id="run-1", started=None,
                      external_id=EXTERNAL_ID):
    """What promote_artifact's deploy task does: advance, wait until the stack settled (the
    stand-in's stacks settle when read with GROUNDWORK_STANDIN_STACK_SECONDS=0), advance again."""
    from groundwork import promotion, stack_deploy

    deployment = promotion.deployment_context(pipeline, t, env_name, account, external_id)
    for _ in range(10):
        step = stack_deploy.advance(deployment, t, env_name, account, artifact, run_id, started=started)
        if step.kind == "done":
            return step
        done, _ = stack_deploy.stack_settled(ctx, account, step.stack)
        assert done
        started = step.action if step.action in ("create", "update") else None
    raise AssertionError("the deploy did not finish")
