"""Spend-limit budgets (issue 11) against in-process moto with the stand-in's budgets extension:
planned as data, applied only as approved, converged (create, update in place, delete what the
config no longer wants), and a converged rerun plans only no-ops and makes no write call."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from groundwork.aws import budgets as aws_budgets
from groundwork.plan.model import StalePlan
from groundwork.policy import budgets as docs
from groundwork.policy.evaluate import is_allowed
from groundwork.reconcile.budgets import (
    BudgetSpec, apply_budgets, budget_specs, desired, execution_role_spec, plan_budgets,
)
from groundwork_standin.extensions import budgets_actions

MANAGEMENT = "123456789012"
SANDBOX, DEV = "111111111111", "222222222222"
POLICY = "p-spendstop1"
ROLE = docs.execution_role_arn(MANAGEMENT)
SNS = f"arn:aws:sns:us-east-1:{MANAGEMENT}:budget-alerts"
N80 = {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 80.0,
       "ThresholdType": "PERCENTAGE"}
N100 = {**N80, "Threshold": 100.0}


def spec(account_name="Sandbox", account_id=SANDBOX, limit=200, emails=("finops@wingu.example",), sns=None,
         policy=POLICY) -> BudgetSpec:
    return BudgetSpec(account_name=account_name, account_id=account_id, management_account_id=MANAGEMENT,
                      limit_usd=limit, emails=tuple(emails), sns_topic_arn=sns, spend_stop_policy_id=policy,
                      execution_role_arn=ROLE)


@pytest.fixture
def budgets(ctx):
    budgets_actions.install()  # already in install_all(); named here because these tests need it
    return aws_budgets.client(ctx)


def _writes(ctx) -> list[str]:
    return [c.operation for c in ctx.mutating_calls() if c.service == "budgets"]


def _converge(client, specs, account_id=None):
    changes = plan_budgets(client, specs, account_id)
    apply_budgets(client, specs, {c.id for c in changes}, account_id)
    return changes


def _subscribers(client, name, notification):
    return sorted((s["SubscriptionType"], s["Address"]) for s in client.describe_subscribers_for_notification(
        AccountId=MANAGEMENT, BudgetName=name, Notification=notification)["Subscribers"])


def _actions(client, name):
    return client.describe_budget_actions_for_budget(AccountId=MANAGEMENT, BudgetName=name)["Actions"]


def test_plan_from_empty_creates_then_apply_builds_budget_notifications_and_action(ctx, budgets):
    specs = [spec(), spec("Dev Team", DEV, limit=50)]
    changes = plan_budgets(budgets, specs)
    assert [(c.action, c.kind, c.key) for c in changes] == [
        ("create", "budget", "groundwork-dev-team"), ("create", "budget", "groundwork-sandbox")]
    assert _writes(ctx) == []  # planning only reads
    sandbox = changes[1]
    assert sandbox.after["limit"] == "200 USD" and sandbox.after["cost_filters"] == {"LinkedAccount": [SANDBOX]}
    assert sorted(sandbox.after["notifications"]) == ["ACTUAL GREATER_THAN 100%", "ACTUAL GREATER_THAN 80%"]
    assert "attaches SCP p-spendstop1" in sandbox.note and "no approval" in sandbox.note

    done = apply_budgets(budgets, specs, {c.id for c in changes})
    assert [c.key for c in done] == ["groundwork-dev-team", "groundwork-sandbox"]
    budget = budgets.describe_budget(AccountId=MANAGEMENT, BudgetName="groundwork-sandbox")["Budget"]
    assert (budget["BudgetType"], budget["TimeUnit"]) == ("COST", "MONTHLY")
    assert budget["BudgetLimit"]["Amount"] in ("200", "200.0") and budget["BudgetLimit"]["Unit"] == "USD"
    assert budget["CostFilters"] == {"LinkedAccount": [SANDBOX]}
    notifications = budgets.describe_notifications_for_budget(
        AccountId=MANAGEMENT, BudgetName="groundwork-sandbox")["Notifications"]
    assert sorted((n["NotificationType"], n["ComparisonOperator"], n["Threshold"], n["ThresholdType"])
                  for n in notifications) == [("ACTUAL", "GREATER_THAN", 80.0, "PERCENTAGE"),
                                              ("ACTUAL", "GREATER_THAN", 100.0, "PERCENTAGE")]
    for n in (N80, N100):
        assert _subscribers(budgets, "groundwork-sandbox", n) == [("EMAIL", "finops@wingu.example")]
    [action] = _actions(budgets, "groundwork-sandbox")
    assert action["ActionType"] == "APPLY_SCP_POLICY" and action["ApprovalModel"] == "AUTOMATIC"
    assert action["NotificationType"] == "ACTUAL"
    assert action["ActionThreshold"] == {"ActionThresholdValue": 100.0, "ActionThresholdType": "PERCENTAGE"}
    assert action["Definition"] == {"ScpActionDefinition": {"PolicyId": POLICY, "TargetIds": [SANDBOX]}}
    assert action["ExecutionRoleArn"] == f"arn:aws:iam::{MANAGEMENT}:role/groundwork-budget-actions"
    assert action["Subscribers"] == [{"SubscriptionType": "EMAIL", "Address": "finops@wingu.example"}]
    [dev_action] = _actions(budgets, "groundwork-dev-team")
    assert dev_action["Definition"]["ScpActionDefinition"]["TargetIds"] == [DEV]


def test_a_converged_rerun_plans_only_noops_and_writes_nothing(ctx, budgets):
    specs = [spec(sns=SNS)]
    _converge(budgets, specs)
    before = len(ctx.calls)
    ctx.calls.clear()
    again = plan_budgets(budgets, specs)
    assert [c.action for c in again] == ["noop"]
    assert apply_budgets(budgets, specs, set()) == []  # nothing pending: no approval needed
    assert before > 0 and ctx.calls and _writes(ctx) == []
    assert len(budgets.describe_budgets(AccountId=MANAGEMENT)["Budgets"]) == 1
    assert len(_actions(budgets, "groundwork-sandbox")) == 1


def test_a_changed_limit_is_an_update_in_place(ctx, budgets):
    _converge(budgets, [spec()])
    [action_id] = [a["ActionId"] for a in _actions(budgets, "groundwork-sandbox")]
    raised = [spec(limit=350)]
    [change] = plan_budgets(budgets, raised)
    assert change.action == "update" and "(limit)" in change.summary()
    assert (change.before["limit"], change.after["limit"]) == ("200 USD", "350 USD")
    ctx.calls.clear()
    apply_budgets(budgets, raised, {change.id})
    assert _writes(ctx) == ["UpdateBudget"]
    amount = budgets.describe_budget(AccountId=MANAGEMENT, BudgetName="groundwork-sandbox")["Budget"]["BudgetLimit"]
    assert float(amount["Amount"]) == 350
    assert [a["ActionId"] for a in _actions(budgets, "groundwork-sandbox")] == [action_id]
    assert [c.action for c in plan_budgets(budgets, raised)] == ["noop"]


def test_a_removed_spend_limit_deletes_only_groundworks_budget(ctx, budgets):
    _converge(budgets, [spec(), spec("Dev Team", DEV, limit=50)])
    budgets.create_budget(AccountId=MANAGEMENT, Budget={  # made by hand: never touched
        "BudgetName": "team-budget", "BudgetType": "COST", "TimeUnit": "MONTHLY",
        "BudgetLimit": {"Amount": "10", "Unit": "USD"}})
    remaining = [spec()]
    changes = plan_budgets(budgets, remaining)
    assert [(c.action, c.key) for c in changes] == [("noop", "groundwork-sandbox"), ("delete", "groundwork-dev-team")]
    assert "no spend limit in the config" in changes[1].note
    apply_budgets(budgets, remaining, {c.id for c in changes})
    names = sorted(b["BudgetName"] for b in budgets.describe_budgets(AccountId=MANAGEMENT)["Budgets"])
    assert names == ["groundwork-sandbox", "team-budget"]
    assert budgets.describe_budget_actions_for_account(AccountId=MANAGEMENT)["Actions"][0]["BudgetName"] == \
        "groundwork-sandbox"

    # the last spend limit gone too: the management account is named, as no spec carries it
    with pytest.raises(ValueError, match="management account"):
        plan_budgets(budgets, [])
    last = plan_budgets(budgets, [], account_id=MANAGEMENT)
    assert [(c.action, c.key) for c in last] == [("delete", "groundwork-sandbox")]
    apply_budgets(budgets, [], {c.id for c in last}, account_id=MANAGEMENT)
    assert [b["BudgetName"] for b in budgets.describe_budgets(AccountId=MANAGEMENT)["Budgets"]] == ["team-budget"]
    assert plan_budgets(budgets, [], account_id=MANAGEMENT) == []


def test_email_and_sns_subscribers_on_every_notification_and_the_action(ctx, budgets):
    both = [spec(emails=("finops@wingu.example", "cto@wingu.example"), sns=SNS)]
    _converge(budgets, both)
    expected = [("EMAIL", "cto@wingu.example"), ("EMAIL", "finops@wingu.example"), ("SNS", SNS)]
    for n in (N80, N100):
        assert _subscribers(budgets, "groundwork-sandbox", n) == expected
    [action] = _actions(budgets, "groundwork-sandbox")
    assert sorted((s["SubscriptionType"], s["Address"]) for s in action["Subscribers"]) == expected

    sns_only = [spec(emails=(), sns=SNS)]  # the e-mails dropped from the config
    [change] = plan_budgets(budgets, sns_only)
    assert change.action == "update" and "(actions, notifications)" in change.summary()
    apply_budgets(budgets, sns_only, {change.id})
    for n in (N80, N100):
        assert _subscribers(budgets, "groundwork-sandbox", n) == [("SNS", SNS)]
    assert [s["SubscriptionType"] for s in _actions(budgets, "groundwork-sandbox")[0]["Subscribers"]] == ["SNS"]
    assert [c.action for c in plan_budgets(budgets, sns_only)] == ["noop"]

    swapped = [spec(emails=("new@wingu.example",), sns=None)]  # no subscriber in common: never left with none
    _converge(budgets, swapped)
    for n in (N80, N100):
        assert _subscribers(budgets, "groundwork-sandbox", n) == [("EMAIL", "new@wingu.example")]
    assert [c.action for c in plan_budgets(budgets, swapped)] == ["noop"]


def test_subscribers_are_replaced_within_aws_limits_and_never_left_empty(ctx, budgets):
    """AWS allows 1 SNS and 10 e-mail subscribers per notification (the stand-in refuses more), so
    a new topic or a new set of 10 e-mails replaces the old in place (UpdateSubscriber)."""
    name = "groundwork-sandbox"
    steps = [
        [spec(emails=(), sns=SNS)],
        [spec(emails=(), sns=SNS + "-new")],  # the one SNS subscriber swapped for another
        [spec(emails=[f"a{n}@wingu.example" for n in range(10)], sns=None)],
        [spec(emails=[f"b{n}@wingu.example" for n in range(10)], sns=None)],  # 10 for 10
    ]
    _converge(budgets, steps[0])
    for wanted in steps[1:]:
        ctx.calls.clear()
        _converge(budgets, wanted)
        expected = sorted((s["SubscriptionType"], s["Address"]) for s in wanted[0].subscribers())
        for n in (N80, N100):
            assert _subscribers(budgets, name, n) == expected
        assert [c.action for c in plan_budgets(budgets, wanted)] == ["noop"]
    assert _writes(ctx).count("UpdateSubscriber") == 20 and "CreateSubscriber" not in _writes(ctx)


def test_hand_edits_to_notifications_and_action_are_drift_and_reverted_in_place(ctx, budgets):
    specs = [spec()]
    _converge(budgets, specs)
    name = "groundwork-sandbox"
    [action] = _actions(budgets, name)
    budgets.delete_notification(AccountId=MANAGEMENT, BudgetName=name, Notification=N80)
    budgets.create_notification(AccountId=MANAGEMENT, BudgetName=name, Notification={**N80, "Threshold": 50.0},
                                Subscribers=[{"SubscriptionType": "EMAIL", "Address": "someone@else.example"}])
    budgets.create_subscriber(AccountId=MANAGEMENT, BudgetName=name, Notification=N100,
                              Subscriber={"SubscriptionType": "EMAIL", "Address": "someone@else.example"})
    budgets.update_budget_action(AccountId=MANAGEMENT, BudgetName=name, ActionId=action["ActionId"],
                                 ApprovalModel="MANUAL")
    [change] = plan_budgets(budgets, specs)
    assert change.action == "update"
    assert "ACTUAL GREATER_THAN 50%" in change.before["notifications"]
    assert change.before["actions"][0]["approval"] == "MANUAL"
    apply_budgets(budgets, specs, {change.id})
    assert [c.action for c in plan_budgets(budgets, specs)] == ["noop"]
    assert [a["ActionId"] for a in _actions(budgets, name)] == [action["ActionId"]]  # updated, not replaced
    assert _subscribers(budgets, name, N100) == [("EMAIL", "finops@wingu.example")]

    budgets.create_budget_action(  # a second action beside groundwork's: removed
        AccountId=MANAGEMENT, BudgetName=name, NotificationType="ACTUAL", ActionType="APPLY_SCP_POLICY",
        ActionThreshold={"ActionThresholdValue": 90.0, "ActionThresholdType": "PERCENTAGE"},
        Definition={"ScpActionDefinition": {"PolicyId": "p-otherpol1", "TargetIds": [SANDBOX]}},
        ExecutionRoleArn=ROLE, ApprovalModel="MANUAL",
        Subscribers=[{"SubscriptionType": "EMAIL", "Address": "finops@wingu.example"}])
    _converge(budgets, specs)
    assert [a["ActionId"] for a in _actions(budgets, name)] == [action["ActionId"]]


def test_an_unapproved_change_is_refused_before_anything_is_done(ctx, budgets):
    _converge(budgets, [spec()])
    changed = [spec(limit=999), spec("Dev Team", DEV)]
    plan = plan_budgets(budgets, changed)
    only_create = {c.id for c in plan if c.action == "create"}
    ctx.calls.clear()
    with pytest.raises(StalePlan):
        apply_budgets(budgets, changed, only_create)
    assert _writes(ctx) == []
    # the approved plan was for 200 USD: a config changed since then is refused as well
    with pytest.raises(StalePlan):
        apply_budgets(budgets, [spec(limit=300)], {c.id for c in plan})


def test_without_stop_spending_there_is_no_action_and_an_existing_one_is_removed(ctx, budgets):
    _converge(budgets, [spec()])
    notify_only = [spec(policy=None)]
    [change] = plan_budgets(budgets, notify_only)
    assert change.action == "update" and change.after["actions"] == [] and len(change.before["actions"]) == 1
    apply_budgets(budgets, notify_only, {change.id})
    assert _actions(budgets, "groundwork-sandbox") == []
    assert len(budgets.describe_notifications_for_budget(
        AccountId=MANAGEMENT, BudgetName="groundwork-sandbox")["Notifications"]) == 2
    assert [c.action for c in plan_budgets(budgets, notify_only)] == ["noop"]


def test_an_action_that_has_run_is_named_in_the_plan(ctx, budgets, monkeypatch):
    """Deleting (or changing) an action that has attached the SCP does not detach it: the plan says so."""
    _converge(budgets, [spec()])
    monkeypatch.setattr(budgets_actions.BudgetAction, "status", property(lambda self: "EXECUTION_SUCCESS"))
    [change] = plan_budgets(budgets, [], account_id=MANAGEMENT)
    assert change.action == "delete"
    assert f"its action has run (EXECUTION_SUCCESS): SCP {POLICY} is attached to {SANDBOX}" in change.note
    assert [c.note for c in plan_budgets(budgets, [spec()])] == [change.note.split("; ", 1)[1]]


# ---------------------------------------------------------------- specs from the config

class _WithCost:
    """The loaded config with a `cost` section of the test's choosing."""

    def __init__(self, config, **cost):
        self._config = config
        self.cost = SimpleNamespace(**{"budget_emails": [], "budget_sns_topic_arn": None,
                                       "stop_spending_at_limit": True, **cost})

    def __getattr__(self, name):
        return getattr(self._config, name)


def test_budget_specs_cover_active_accounts_with_a_spend_limit(foundation_config):
    config = _WithCost(foundation_config, budget_emails=["finops@wingu.example"], budget_sns_topic_arn=SNS)
    ids = {a.name: f"{n:012d}" for n, a in enumerate(foundation_config.organization.accounts, start=100)}
    specs = budget_specs(config, ids, MANAGEMENT, POLICY)
    limited = [a for a in foundation_config.active_accounts if a.spend_limit_usd]
    assert limited and [s.account_name for s in specs] == [a.name for a in limited]
    sandbox = next(s for s in specs if s.account_name == "Sandbox")
    assert sandbox.name == "groundwork-sandbox" and sandbox.limit_usd == 200
    assert sandbox.account_id == ids["Sandbox"] and sandbox.execution_role_arn == ROLE
    assert sandbox.subscribers() == [{"SubscriptionType": "EMAIL", "Address": "finops@wingu.example"},
                                     {"SubscriptionType": "SNS", "Address": SNS}]
    assert sandbox.action()["Definition"]["ScpActionDefinition"] == {"PolicyId": POLICY,
                                                                     "TargetIds": [ids["Sandbox"]]}

    off = budget_specs(_WithCost(foundation_config, budget_emails=["a@b.example"], stop_spending_at_limit=False),
                       ids, MANAGEMENT, POLICY)
    assert all(s.action() is None for s in off) and desired(off[0])["actions"] == []

    retired = SimpleNamespace(active_accounts=[], cost=config.cost)
    assert budget_specs(retired, ids, MANAGEMENT, POLICY) == []


def test_budget_specs_report_every_problem_at_once(foundation_config):
    quiet = _WithCost(foundation_config)  # no e-mail, no topic
    with pytest.raises(ValueError) as problems:
        budget_specs(quiet, {}, MANAGEMENT, POLICY)
    text = str(problems.value)
    assert "no account id yet" in text and "need cost.budget_emails" in text and "issue(s)" in text

    twins = SimpleNamespace(cost=SimpleNamespace(budget_emails=["a@b.example"], budget_sns_topic_arn=None),
                            active_accounts=[SimpleNamespace(name="Dev Team", spend_limit_usd=5),
                                             SimpleNamespace(name="dev-team", spend_limit_usd=5)])
    with pytest.raises(ValueError, match="both make budget 'groundwork-dev-team'"):
        budget_specs(twins, {"Dev Team": DEV, "dev-team": SANDBOX}, MANAGEMENT, POLICY)


# ---------------------------------------------------------------- the execution role

def test_the_execution_role_lets_budgets_attach_only_the_spend_stop_scp_to_limited_accounts():
    role = execution_role_spec(MANAGEMENT, "Management", POLICY, [spec(), spec("Dev Team", DEV, policy=None)])
    assert role.name == "groundwork-budget-actions" and role.account is None
    trust = role.trust
    budgets_here = {"aws:PrincipalServiceName": "budgets.amazonaws.com", "aws:SourceAccount": MANAGEMENT}
    assert is_allowed([trust], "sts:AssumeRole", context=budgets_here)
    assert not is_allowed([trust], "sts:AssumeRole", context={**budgets_here, "aws:SourceAccount": DEV})
    assert not is_allowed([trust], "sts:AssumeRole", context={"aws:PrincipalServiceName": "ec2.amazonaws.com",
                                                              "aws:SourceAccount": MANAGEMENT})
    perms = [role.permissions]
    org = "o-abcd123456"
    policy_arn = f"arn:aws:organizations::{MANAGEMENT}:policy/{org}/service_control_policy/{POLICY}"
    other_policy = f"arn:aws:organizations::{MANAGEMENT}:policy/{org}/service_control_policy/p-fullaccess"
    sandbox = f"arn:aws:organizations::{MANAGEMENT}:account/{org}/{SANDBOX}"
    dev = f"arn:aws:organizations::{MANAGEMENT}:account/{org}/{DEV}"
    for action in ("organizations:AttachPolicy", "organizations:DetachPolicy"):
        assert is_allowed(perms, action, policy_arn) and is_allowed(perms, action, sandbox)
        assert not is_allowed(perms, action, other_policy)
        assert not is_allowed(perms, action, dev)  # no budget action for Dev Team
    assert is_allowed(perms, "organizations:DescribePolicy", policy_arn)
    assert is_allowed(perms, "organizations:ListPolicies", "*")
    assert not is_allowed(perms, "organizations:DeletePolicy", policy_arn)
    assert not is_allowed(perms, "organizations:UpdatePolicy", policy_arn)
