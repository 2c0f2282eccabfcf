import json

import pytest

from groundwork.phases import foundation
from groundwork.plan.model import StalePlan

from tests.unit.reconcile.foundation_steps import apply_all


def approved_ids(plan):
    return {c.id for c in plan.pending}


def test_first_run_builds_everything_and_second_run_plans_and_mutates_nothing(ctx, foundation_config):
    first = foundation.plan(ctx, foundation_config)
    kinds = {(c.action, c.kind) for c in first.pending}
    assert ("create", "organization") in kinds and ("create", "account") in kinds
    assert len([c for c in first.pending if c.kind == "account"]) == 8

    apply_all(ctx, foundation_config, approved_ids(first))
    ids = foundation.verify(ctx, foundation_config)
    assert set(ids) == {a.name for a in foundation_config.organization.accounts}

    ctx.calls.clear()
    second = foundation.plan(ctx, foundation_config)
    assert second.is_empty(), [c.summary() for c in second.pending]
    apply_all(ctx, foundation_config, approved=set())
    assert ctx.mutating_calls() == []
    assert ctx.calls, "the rerun must still read AWS"


def test_state_matches_config(ctx, foundation_config):
    apply_all(ctx, foundation_config, approved_ids(foundation.plan(ctx, foundation_config)))
    orgs = ctx.client("organizations")
    assert orgs.describe_organization()["Organization"]["FeatureSet"] == "ALL"
    root = orgs.list_roots()["Roots"][0]
    ous = {ou["Name"]: ou["Id"] for ou in orgs.list_organizational_units_for_parent(ParentId=root["Id"])["OrganizationalUnits"]}
    assert set(ous) == {"Security", "Workloads", "Shared Services", "Sandbox"}
    in_workloads = {a["Name"] for a in orgs.list_accounts_for_parent(ParentId=ous["Workloads"])["Accounts"]}
    assert in_workloads == {"Production", "Staging", "Development"}
    emails = [a["Email"] for a in orgs.list_accounts()["Accounts"]]
    assert len(emails) == len(set(emails)) == 9  # 8 members + management
    policies = {p["Name"]: p["Id"] for p in orgs.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]}
    targets = {t["Name"] for t in orgs.list_targets_for_policy(PolicyId=policies["groundwork-log-archive-protection"])["Targets"]}
    assert targets == {"Security"}
    content = json.loads(orgs.describe_policy(PolicyId=policies["groundwork-region-guardrail"])["Policy"]["Content"])
    assert content["Statement"][0]["Condition"]["StringNotEquals"]["aws:RequestedRegion"] == ["us-east-1", "us-west-2"]


def test_apply_refuses_changes_missing_from_the_approved_plan(ctx, foundation_config):
    with pytest.raises(StalePlan):
        foundation.apply_structure(ctx, foundation_config, approved=set())
    assert ctx.mutating_calls() == []


def test_rerun_after_a_half_done_apply_stays_within_the_approved_plan(ctx, foundation_config):
    plan = foundation.plan(ctx, foundation_config)
    foundation.apply_structure(ctx, foundation_config, approved_ids(plan))
    # a fresh plan now has fewer changes, all of them already approved
    assert approved_ids(foundation.plan(ctx, foundation_config)) <= approved_ids(plan)
    apply_all(ctx, foundation_config, approved_ids(plan))
    assert foundation.plan(ctx, foundation_config).is_empty()


def test_a_removed_scp_is_planned_as_delete_and_deleted(ctx, foundation_config):
    apply_all(ctx, foundation_config, approved_ids(foundation.plan(ctx, foundation_config)))
    org = foundation_config.organization
    trimmed = foundation_config.model_copy(
        update={"organization": org.model_copy(update={"service_control_policies": org.service_control_policies[:2]})}
    )
    plan = foundation.plan(ctx, trimmed)
    assert [(c.action, c.key) for c in plan.pending] == [("delete", "groundwork-log-archive-protection")]
    apply_all(ctx, trimmed, approved_ids(plan))
    names = {p["Name"] for p in ctx.client("organizations").list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]}
    assert "groundwork-log-archive-protection" not in names
    assert foundation.plan(ctx, trimmed).is_empty()


def test_account_ids_are_read_with_one_paged_list_and_name_what_is_missing(ctx, foundation_config):
    with pytest.raises(foundation.NotConverged, match="do not exist yet; run phase1_foundation first"):
        foundation.account_ids(ctx, foundation_config)  # no organization at all
    apply_all(ctx, foundation_config, approved_ids(foundation.plan(ctx, foundation_config)))
    listed = {a["Email"]: a["Id"] for a in ctx.client("organizations").list_accounts()["Accounts"]}
    ctx.calls.clear()
    ids = foundation.account_ids(ctx, foundation_config)
    assert ids == {a.name: listed[a.email] for a in foundation_config.organization.accounts}
    assert {c.operation for c in ctx.calls} == {"ListAccounts"}  # no walk of the OU tree

    first, *rest = foundation_config.organization.accounts
    unknown = first.model_copy(update={"email": "nobody-yet@wingu.example"})
    organization = foundation_config.organization.model_copy(update={"accounts": [unknown, *rest]})
    with pytest.raises(foundation.NotConverged, match=first.name):
        foundation.account_ids(ctx, foundation_config.model_copy(update={"organization": organization}))


def test_the_structure_step_forgets_the_root_and_ou_ids_the_account_step_remembered(ctx, foundation_config):
    """place_account remembers the root's and each OU path's id for its batch; the structure step,
    which makes and removes OUs, drops them, so a context kept across runs reads them again."""
    apply_all(ctx, foundation_config, approved_ids(foundation.plan(ctx, foundation_config)))
    assert (foundation.ROOT,) in ctx.memo and any(key[0] == foundation.OU for key in ctx.memo)
    foundation.apply_structure(ctx, foundation_config, approved=set())
    assert not [key for key in ctx.memo if key[0] in (foundation.ROOT, foundation.OU)]
