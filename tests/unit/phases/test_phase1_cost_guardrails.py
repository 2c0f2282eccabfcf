"""Phase 1's cost and IAM guardrails through its spec, on in-process moto plus the stand-in's
extensions: the spend-limit budget (notifications, the spend-stop action), the cost-attribution
tags on every account and the tag policy, planned once (before the accounts exist), applied
with the ids of that one approval, then a replan with nothing left."""

from __future__ import annotations

import json

from groundwork.phases import foundation
from groundwork.phases.spec import FOUNDATION
from groundwork.policy.evaluate import is_denied
from groundwork.policy.guardrails import SPEND_STOP_SCP, deny_iam_users, deny_new_spend
from tests.unit.reconcile.foundation_steps import apply_all

MANAGEMENT = "123456789012"


def roll_out(ctx, config) -> set[str]:
    """Every phase-1 step in DAG order with the ids of the first plan (made before anything exists);
    `apply_budgets` raises StalePlan if its changes differ from that plan's."""
    approved = {c.id for c in FOUNDATION.planned(ctx, config).plan.pending}
    apply_all(ctx, config, approved)
    return approved


def test_budget_planned_before_the_account_exists_is_applied_with_that_approval(ctx, foundation_config):
    planned = FOUNDATION.planned(ctx, foundation_config)
    budget = next(c for c in planned.plan.pending if c.kind == "budget")
    assert budget.key == "groundwork-sandbox" and budget.action == "create"
    assert budget.after["cost_filters"] == {"LinkedAccount": ["Sandbox"]}  # names, not ids not known yet
    assert budget.after["actions"][0]["policy"] == SPEND_STOP_SCP
    roll_out(ctx, foundation_config)

    assert FOUNDATION.planned(ctx, foundation_config).plan.is_empty()
    client = ctx.client("budgets", region="us-east-1")
    ids = foundation.account_ids(ctx, foundation_config)
    found = client.describe_budget(AccountId=MANAGEMENT, BudgetName="groundwork-sandbox")["Budget"]
    assert float(found["BudgetLimit"]["Amount"]) == 200.0
    assert found["CostFilters"] == {"LinkedAccount": [ids["Sandbox"]]}
    thresholds = sorted(n["Threshold"] for n in client.describe_notifications_for_budget(
        AccountId=MANAGEMENT, BudgetName="groundwork-sandbox")["Notifications"])
    assert thresholds == [80.0, 100.0]
    (action,) = client.describe_budget_actions_for_budget(AccountId=MANAGEMENT,
                                                          BudgetName="groundwork-sandbox")["Actions"]
    scp = action["Definition"]["ScpActionDefinition"]
    orgs = ctx.client("organizations")
    policy = orgs.describe_policy(PolicyId=scp["PolicyId"])["Policy"]["PolicySummary"]
    assert policy["Name"] == SPEND_STOP_SCP and scp["TargetIds"] == [ids["Sandbox"]]
    assert action["ApprovalModel"] == "AUTOMATIC" and action["ActionThreshold"]["ActionThresholdValue"] == 100.0
    assert orgs.list_targets_for_policy(PolicyId=scp["PolicyId"])["Targets"] == []  # only the action attaches it


def test_every_account_carries_its_cost_tags_and_the_root_a_tag_policy(ctx, foundation_config):
    roll_out(ctx, foundation_config)
    orgs = ctx.client("organizations")
    for name, account_id in foundation.account_ids(ctx, foundation_config).items():
        tags = {t["Key"]: t["Value"] for t in orgs.list_tags_for_resource(ResourceId=account_id)["Tags"]}
        assert tags["cost-center"] == foundation_config.account(name).tags["cost-center"], name
    root = orgs.list_roots()["Roots"][0]["Id"]
    (policy,) = orgs.list_policies_for_target(TargetId=root, Filter="TAG_POLICY")["Policies"]
    content = json.loads(orgs.describe_policy(PolicyId=policy["Id"])["Policy"]["Content"])
    assert content == {"tags": {"cost-center": {"tag_key": {"@@assign": "cost-center"}}}}

    # a tag changed by hand is drift that phase 1 puts back
    sandbox = foundation.account_ids(ctx, foundation_config)["Sandbox"]
    orgs.tag_resource(ResourceId=sandbox, Tags=[{"Key": "cost-center", "Value": "someone-else"}])
    (drift,) = FOUNDATION.planned(ctx, foundation_config).plan.pending
    assert (drift.kind, drift.key, drift.before["tags"]) == ("account", "Sandbox", {"cost-center": "someone-else"})
    foundation.place_account(ctx, foundation_config, "Sandbox", sandbox, {drift.id})
    assert FOUNDATION.planned(ctx, foundation_config).plan.is_empty()


def test_iam_users_are_denied_but_to_the_automation_and_break_glass_roles(foundation_config):
    documents = [{"Version": "2012-10-17", "Statement": deny_iam_users(foundation_config)}]
    developer = {"aws:PrincipalArn": "arn:aws:iam::210987654321:role/AWSReservedSSO_DeveloperAccess_0123"}
    automation = {"aws:PrincipalArn": "arn:aws:iam::210987654321:role/OrganizationAccountAccessRole"}
    for action in ("iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile"):
        assert is_denied(documents, action, context=developer)[0], action
        assert not is_denied(documents, action, context=automation)[0], action
    assert not is_denied(documents, "iam:CreateRole", context=developer)[0]


def test_the_spend_stop_scp_stops_new_spending_not_cleaning_up(foundation_config):
    documents = [deny_new_spend(foundation_config)]
    developer = {"aws:PrincipalArn": "arn:aws:iam::210987654321:role/AWSReservedSSO_DeveloperAccess_0123"}
    assert is_denied(documents, "ec2:RunInstances", context=developer)[0]
    assert is_denied(documents, "rds:CreateDBInstance", context=developer)[0]
    assert not is_denied(documents, "ec2:TerminateInstances", context=developer)[0]
    assert not is_denied(documents, "ec2:StopInstances", context=developer)[0]
    break_glass = {"aws:PrincipalArn": "arn:aws:iam::210987654321:role/BreakGlassRole"}
    assert not is_denied(documents, "ec2:RunInstances", context=break_glass)[0]


def test_without_spend_limits_the_budget_its_scp_and_its_role_go(ctx, foundation_config):
    roll_out(ctx, foundation_config)
    sandbox = foundation_config.account("Sandbox")
    accounts = [a if a.name != "Sandbox" else sandbox.model_copy(update={"spend_limit_usd": None})
                for a in foundation_config.organization.accounts]
    config = foundation_config.model_copy(update={"organization": foundation_config.organization.model_copy(
        update={"accounts": accounts})})
    plan = FOUNDATION.planned(ctx, config).plan
    assert {(c.action, c.kind, c.key) for c in plan.pending} == {
        ("delete", "budget", "groundwork-sandbox"), ("delete", "scp", SPEND_STOP_SCP),
        ("delete", "iam_role", "Management/groundwork-budget-actions")}
    approved = {c.id for c in plan.pending}
    foundation.apply_policies(ctx, config, approved)
    foundation.apply_budgets(ctx, config, approved)
    assert FOUNDATION.planned(ctx, config).plan.is_empty()
    iam = ctx.client("iam")
    assert "groundwork-budget-actions" not in [r["RoleName"] for r in iam.list_roles()["Roles"]]
