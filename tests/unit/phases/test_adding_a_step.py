"""Adding a resource kind to a phase is one module and one spec entry: here a toy SSM parameter in
every account, added to phase 1, planned with the phase, applied per account, verified, and
planned as nothing on the next run."""

from dataclasses import replace

import pytest

from groundwork.phases.spec import FOUNDATION, Step
from groundwork.plan.model import NotConverged
from tests.unit.reconcile.foundation_steps import apply_all

TOY = "tests.unit.phases.toy_ssm_parameter"
PARAMETER_STEP = Step("apply_parameter", f"{TOY}:apply", "An SSM parameter with its name in every account.",
                      each="account_names", items_task="parameter_accounts", plan=f"{TOY}:plan", pool="iam")
WITH_PARAMETER = replace(FOUNDATION, steps=FOUNDATION.steps + (PARAMETER_STEP,))


def test_the_new_step_is_planned_applied_per_account_and_verified(ctx, foundation_config):
    config = foundation_config
    first = WITH_PARAMETER.planned(ctx, config)
    toy = [c for c in first.plan.pending if c.kind == "ssm_parameter"]
    assert sorted(c.key for c in toy) == sorted(a.name for a in config.organization.accounts)
    assert first.needs_approval
    approved = {c.id for c in first.plan.pending}

    apply_all(ctx, config, approved)  # phase 1's own steps
    with pytest.raises(NotConverged, match="ssm_parameter"):  # verify sees the step not yet applied
        WITH_PARAMETER.verified(ctx, config)
    apply_parameter = WITH_PARAMETER.function(PARAMETER_STEP.function)
    for name in WITH_PARAMETER.function(PARAMETER_STEP.each)(config):
        assert [c.kind for c in apply_parameter(ctx, config, name, approved)] == ["ssm_parameter"]

    assert WITH_PARAMETER.verified(ctx, config)["phase"] == "phase1_foundation"
    second = WITH_PARAMETER.planned(ctx, config)
    assert second.plan.is_empty() and not second.needs_approval
    assert apply_parameter(ctx, config, config.organization.accounts[0].name, set()) == []  # nothing to do
