"""What a run reads once: phases 2-5 resolve the account ids in their plan and hand them to every task
(phase 1, which creates accounts, reads them from AWS each time); a verify after a plan with no change
does not read the plan's reads again."""

import dataclasses

import pytest

from groundwork.phases import foundation
from groundwork.phases.spec import RESOLVED_ACCOUNT_IDS, SPECS
from groundwork.plan.model import NotConverged

from tests.unit.reconcile.foundation_steps import apply_all


@pytest.fixture
def org(ctx, foundation_config):
    apply_all(ctx, foundation_config, {c.id for c in foundation.plan(ctx, foundation_config).pending})
    return foundation.account_ids(ctx, foundation_config)


def list_accounts_calls(ctx) -> int:
    return sum(c.operation == "ListAccounts" for c in ctx.calls)


def test_only_phase_one_reads_the_ids_in_every_task():
    assert [dag_id for dag_id, spec in SPECS.items() if not spec.accounts_exist] == ["phase1_foundation"]


def test_the_plan_of_phase_two_resolves_them_once_and_hands_them_on(ctx, foundation_config, org):
    fresh = dataclasses.replace(ctx, calls=[], _clients={}, _credentials={})
    planned = SPECS["phase2_identity"].planned(fresh, foundation_config)
    assert planned.extras[RESOLVED_ACCOUNT_IDS] == org
    assert list_accounts_calls(fresh) == 1  # once for the whole plan

    seeded = dataclasses.replace(ctx, calls=[], _clients={}, _credentials={}, account_ids=org)
    for name in foundation_config.organization.accounts[:3]:
        assert foundation.account_ids(seeded, foundation_config)[name.name] == org[name.name]
    assert list_accounts_calls(seeded) == 0  # a task of the run reads none


def test_handed_on_ids_missing_an_account_still_fail_closed(ctx, foundation_config, org):
    partial = {name: i for name, i in org.items() if name != "Audit"}
    seeded = dataclasses.replace(ctx, calls=[], account_ids=partial)
    with pytest.raises(NotConverged, match="Audit"):
        foundation.account_ids(seeded, foundation_config)


def test_verify_after_a_plan_with_no_change_does_not_read_the_plan_again_but_still_checks(ctx, foundation_config, org):
    """A converged rerun skips its steps; its verify then reads only what it checks beyond the plan."""
    spec = SPECS["phase1_foundation"]
    full = dataclasses.replace(ctx, calls=[], _clients={}, _credentials={})
    spec.verified(full, foundation_config)
    reused = dataclasses.replace(ctx, calls=[], _clients={}, _credentials={})
    assert spec.verified(reused, foundation_config, plan_was_empty=True)["accounts"] == org
    operations = {c.operation for c in reused.calls}
    assert "ListTagsForResource" in {c.operation for c in full.calls} and "ListTagsForResource" not in operations
    assert "AssumeRole" in operations  # every account still reachable: checked
    assert list_accounts_calls(reused) == 1  # one listing gives both the ids and the closed accounts
    assert len(reused.calls) < len(full.calls) / 2
