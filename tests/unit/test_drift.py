"""Drift is a phase's plan against AWS now: read only, and it names exactly what a person changed."""

from groundwork import drift
from groundwork.phases import foundation

from tests.unit.reconcile.foundation_steps import apply_all


def _roll_out_phase1(ctx, config):
    plan = foundation.plan(ctx, config)
    apply_all(ctx, config, {c.id for c in plan.pending})


def test_a_converged_phase_has_no_drift_and_detecting_only_reads(ctx, foundation_config):
    _roll_out_phase1(ctx, foundation_config)
    ctx.calls.clear()
    found = drift.detect(ctx, foundation_config, "phase1_foundation")
    assert found.changes == () and found.counts == {"create": 0, "update": 0, "delete": 0}
    assert ctx.calls and ctx.mutating_calls() == []


def test_a_detached_scp_is_reported_as_drift_needing_approval(ctx, foundation_config):
    _roll_out_phase1(ctx, foundation_config)
    orgs = ctx.client("organizations")
    policy = next(p for p in orgs.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
                  if p["Name"] == "groundwork-region-guardrail")
    target = next(t for t in orgs.list_targets_for_policy(PolicyId=policy["Id"])["Targets"] if t["Name"] == "Sandbox")
    orgs.detach_policy(PolicyId=policy["Id"], TargetId=target["TargetId"])

    ctx.calls.clear()
    found = drift.detect(ctx, foundation_config, "phase1_foundation")
    assert ctx.mutating_calls() == []
    assert len(found.changes) == 1 and found.needs_approval
    [line] = found.lines()
    assert line.startswith("phase1_foundation: ") and "groundwork-region-guardrail" in line

    summary = drift.report([found.to_dict(), drift.PhaseDrift("phase2_identity", (), False).to_dict()])
    assert summary["total"] == 1 and summary["per_phase"] == {"phase1_foundation": 1, "phase2_identity": 0}
    assert summary["repair"] == ["phase1_foundation"] and summary["lines"] == [line]
    assert summary["headline"] == "drift: 1 difference(s) from the config in phase1_foundation"
    text = drift.message(summary)
    assert line in text and "Repair: run phase1_foundation" in text


def test_no_drift_reads_as_such():
    summary = drift.report([drift.PhaseDrift("phase2_identity", (), False).to_dict()])
    assert summary["total"] == 0 and summary["headline"] == "no drift: AWS matches the config of phase2_identity"


def test_an_account_the_config_does_not_name_is_listed_as_unmanaged_not_as_drift(ctx, foundation_config):
    _roll_out_phase1(ctx, foundation_config)
    made = ctx.client("organizations").create_account(AccountName="Side Project", Email="side@wingu.example")
    found = drift.detect(ctx, foundation_config, "phase1_foundation")
    assert found.changes == ()
    [line] = found.unmanaged
    assert line.startswith("unmanaged: account 'Side Project' (") and made["CreateAccountStatus"]["AccountId"] in line
    summary = drift.report([found.to_dict()])
    assert summary["total"] == 0 and summary["unmanaged"] == [line] and line in drift.message(summary)
