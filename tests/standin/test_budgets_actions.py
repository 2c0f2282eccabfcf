"""AWS Budgets on a real stand-in: the budget-action calls moto 5.2.5 lacks (shapes and errors of the
Budgets API reference), the notification and subscriber calls it lacks or gets wrong, and
groundwork's spend-limit reconcile converging over HTTP."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from groundwork.reconcile.budgets import BudgetSpec, apply_budgets, plan_budgets
from tests.standin.conftest import client as standin_client

ACCOUNT = "123456789012"
LINKED = "111111111111"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/groundwork-budget-actions"
N80 = {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 80.0,
       "ThresholdType": "PERCENTAGE"}
EMAIL = {"SubscriptionType": "EMAIL", "Address": "finops@wingu.example"}
SNS = {"SubscriptionType": "SNS", "Address": f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts"}
ARMED_AFTER = 0.5


@pytest.fixture
def budgets(monkeypatch, request):
    """The stand-in with actions armed (STANDBY -> PENDING) after ARMED_AFTER seconds."""
    monkeypatch.setenv("GROUNDWORK_STANDIN_BUDGET_ACTION_SECONDS", str(ARMED_AFTER))
    _, endpoint, _ = request.getfixturevalue("standin")
    return standin_client(endpoint, "budgets")


def _budget(client, name="spend", amount="200"):
    client.create_budget(AccountId=ACCOUNT, Budget={
        "BudgetName": name, "BudgetType": "COST", "TimeUnit": "MONTHLY",
        "BudgetLimit": {"Amount": amount, "Unit": "USD"}, "CostFilters": {"LinkedAccount": [LINKED]}},
        NotificationsWithSubscribers=[{"Notification": N80, "Subscribers": [EMAIL]}])


def _action(**overrides):
    return {"AccountId": ACCOUNT, "BudgetName": "spend", "NotificationType": "ACTUAL",
            "ActionType": "APPLY_SCP_POLICY",
            "ActionThreshold": {"ActionThresholdValue": 100.0, "ActionThresholdType": "PERCENTAGE"},
            "Definition": {"ScpActionDefinition": {"PolicyId": "p-spendstop1", "TargetIds": [LINKED]}},
            "ExecutionRoleArn": ROLE, "ApprovalModel": "AUTOMATIC", "Subscribers": [EMAIL], **overrides}


def _code(call, **kwargs) -> str:
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return err.value.response["Error"]["Code"]


def test_budget_actions_lifecycle_shapes_and_errors(budgets):
    _budget(budgets)
    created = budgets.create_budget_action(**_action())
    assert set(created) - {"ResponseMetadata"} == {"AccountId", "BudgetName", "ActionId"}
    action_id = created["ActionId"]
    assert len(action_id) == 36 and created["BudgetName"] == "spend"

    described = budgets.describe_budget_action(AccountId=ACCOUNT, BudgetName="spend", ActionId=action_id)
    action = described["Action"]
    assert action["Status"] == "STANDBY"
    assert {k: action[k] for k in ("ActionId", "BudgetName", "ActionType", "ApprovalModel", "ExecutionRoleArn")} == {
        "ActionId": action_id, "BudgetName": "spend", "ActionType": "APPLY_SCP_POLICY", "ApprovalModel": "AUTOMATIC",
        "ExecutionRoleArn": ROLE}
    assert action["Definition"] == {"ScpActionDefinition": {"PolicyId": "p-spendstop1", "TargetIds": [LINKED]}}
    time.sleep(ARMED_AFTER + 0.2)
    assert budgets.describe_budget_action(AccountId=ACCOUNT, BudgetName="spend",
                                          ActionId=action_id)["Action"]["Status"] == "PENDING"
    assert [a["ActionId"] for a in budgets.describe_budget_actions_for_budget(
        AccountId=ACCOUNT, BudgetName="spend")["Actions"]] == [action_id]
    assert [a["ActionId"] for a in budgets.describe_budget_actions_for_account(AccountId=ACCOUNT)["Actions"]] == [
        action_id]

    # errors the reference documents
    assert _code(budgets.create_budget_action, **_action()) == "DuplicateRecordException"
    assert _code(budgets.create_budget_action, **_action(BudgetName="nope")) == "NotFoundException"
    assert _code(budgets.create_budget_action, **_action(
        Definition={"IamActionDefinition": {"PolicyArn": "arn:aws:iam::aws:policy/AWSDenyAll", "Roles": ["x"]}})
    ) == "InvalidParameterException"
    assert _code(budgets.create_budget_action, **_action(
        ExecutionRoleArn="arn:aws:iam::999999999999:role/elsewhere")) == "InvalidParameterException"
    assert _code(budgets.create_budget_action, **_action(Subscribers=[EMAIL] * 12)) == "InvalidParameterException"
    assert _code(budgets.describe_budget_action, AccountId=ACCOUNT, BudgetName="spend",
                 ActionId="00000000-0000-0000-0000-000000000000") == "NotFoundException"
    assert _code(budgets.describe_budget_actions_for_budget, AccountId=ACCOUNT,
                 BudgetName="nope") == "NotFoundException"

    updated = budgets.update_budget_action(AccountId=ACCOUNT, BudgetName="spend", ActionId=action_id,
                                           ApprovalModel="MANUAL", Subscribers=[EMAIL, SNS])
    assert updated["OldAction"]["ApprovalModel"] == "AUTOMATIC" and updated["NewAction"]["ApprovalModel"] == "MANUAL"
    assert updated["NewAction"]["Status"] == "STANDBY" and len(updated["NewAction"]["Subscribers"]) == 2
    assert updated["NewAction"]["ActionType"] == "APPLY_SCP_POLICY"

    deleted = budgets.delete_budget_action(AccountId=ACCOUNT, BudgetName="spend", ActionId=action_id)
    assert deleted["Action"]["ActionId"] == action_id and deleted["Action"]["ApprovalModel"] == "MANUAL"
    assert budgets.describe_budget_actions_for_budget(AccountId=ACCOUNT, BudgetName="spend")["Actions"] == []
    assert _code(budgets.delete_budget_action, AccountId=ACCOUNT, BudgetName="spend",
                 ActionId=action_id) == "NotFoundException"

    # pages of MaxResults, and DeleteBudget takes the budget's actions with it
    for value in (90.0, 100.0, 110.0):
        budgets.create_budget_action(**_action(ActionThreshold={"ActionThresholdValue": value,
                                                                "ActionThresholdType": "PERCENTAGE"}))
    pages = list(budgets.get_paginator("describe_budget_actions_for_budget").paginate(
        AccountId=ACCOUNT, BudgetName="spend", PaginationConfig={"PageSize": 2}))
    assert [len(p["Actions"]) for p in pages] == [2, 1]
    budgets.delete_budget(AccountId=ACCOUNT, BudgetName="spend")
    assert budgets.describe_budget_actions_for_account(AccountId=ACCOUNT)["Actions"] == []


def test_notifications_subscribers_and_update_budget(budgets):
    _budget(budgets)
    assert budgets.describe_budget(AccountId=ACCOUNT, BudgetName="spend")["Budget"]["BudgetLimit"] == {
        "Amount": "200.0", "Unit": "USD"}  # as AWS answers it
    budgets.update_budget(AccountId=ACCOUNT, NewBudget={
        "BudgetName": "spend", "BudgetType": "COST", "TimeUnit": "MONTHLY",
        "BudgetLimit": {"Amount": "350", "Unit": "USD"}, "CostFilters": {"LinkedAccount": [LINKED]}})
    budget = budgets.describe_budget(AccountId=ACCOUNT, BudgetName="spend")["Budget"]
    assert budget["BudgetLimit"]["Amount"] == "350.0" and budget["CostFilters"] == {"LinkedAccount": [LINKED]}
    assert _code(budgets.update_budget, AccountId=ACCOUNT, NewBudget={
        "BudgetName": "nope", "BudgetType": "COST", "TimeUnit": "MONTHLY",
        "BudgetLimit": {"Amount": "1", "Unit": "USD"}}) == "NotFoundException"

    [notification] = budgets.describe_notifications_for_budget(AccountId=ACCOUNT, BudgetName="spend")["Notifications"]
    assert notification["Threshold"] == 80.0  # kept after UpdateBudget
    assert _code(budgets.describe_notifications_for_budget, AccountId=ACCOUNT,
                 BudgetName="nope") == "NotFoundException"  # moto: HTTP 500
    assert _code(budgets.create_notification, AccountId=ACCOUNT, BudgetName="spend", Notification=N80,
                 Subscribers=[EMAIL]) == "DuplicateRecordException"
    assert _code(budgets.delete_notification, AccountId=ACCOUNT, BudgetName="spend",
                 Notification={**N80, "Threshold": 55.0}) == "NotFoundException"

    assert budgets.describe_subscribers_for_notification(
        AccountId=ACCOUNT, BudgetName="spend", Notification=N80)["Subscribers"] == [EMAIL]
    budgets.create_subscriber(AccountId=ACCOUNT, BudgetName="spend", Notification=N80, Subscriber=SNS)
    assert _code(budgets.create_subscriber, AccountId=ACCOUNT, BudgetName="spend", Notification=N80,
                 Subscriber=SNS) == "DuplicateRecordException"
    assert _code(budgets.create_subscriber, AccountId=ACCOUNT, BudgetName="spend", Notification=N80, Subscriber={
        "SubscriptionType": "SNS", "Address": f"arn:aws:sns:us-east-1:{ACCOUNT}:other"}
    ) == "CreationLimitExceededException"  # one SNS subscriber per notification
    budgets.delete_subscriber(AccountId=ACCOUNT, BudgetName="spend", Notification=N80, Subscriber=EMAIL)
    assert budgets.describe_subscribers_for_notification(
        AccountId=ACCOUNT, BudgetName="spend", Notification=N80)["Subscribers"] == [SNS]
    assert _code(budgets.delete_subscriber, AccountId=ACCOUNT, BudgetName="spend", Notification=N80,
                 Subscriber=EMAIL) == "NotFoundException"
    assert _code(budgets.describe_subscribers_for_notification, AccountId=ACCOUNT, BudgetName="spend",
                 Notification={**N80, "Threshold": 99.0}) == "NotFoundException"

    for threshold in range(1, 10):  # 9 more: 10 in all
        budgets.create_notification(AccountId=ACCOUNT, BudgetName="spend",
                                    Notification={**N80, "Threshold": float(threshold)}, Subscribers=[EMAIL])
    assert _code(budgets.create_notification, AccountId=ACCOUNT, BudgetName="spend",
                 Notification={**N80, "Threshold": 99.0}, Subscribers=[EMAIL]) == "CreationLimitExceededException"
    budgets.delete_notification(AccountId=ACCOUNT, BudgetName="spend", Notification=N80)
    assert len(budgets.describe_notifications_for_budget(
        AccountId=ACCOUNT, BudgetName="spend")["Notifications"]) == 9


def test_the_spend_limit_reconcile_converges_over_http(budgets):
    specs = [BudgetSpec(account_name="Sandbox", account_id=LINKED, management_account_id=ACCOUNT, limit_usd=200,
                        emails=("finops@wingu.example",), sns_topic_arn=SNS["Address"],
                        spend_stop_policy_id="p-spendstop1", execution_role_arn=ROLE)]
    changes = plan_budgets(budgets, specs)
    assert [c.action for c in changes] == ["create"]
    apply_budgets(budgets, specs, {c.id for c in changes})
    assert [c.action for c in plan_budgets(budgets, specs)] == ["noop"]  # "200.0" from AWS is 200
    [action] = budgets.describe_budget_actions_for_budget(AccountId=ACCOUNT, BudgetName="groundwork-sandbox")[
        "Actions"]
    assert action["Definition"]["ScpActionDefinition"]["TargetIds"] == [LINKED]
    gone = plan_budgets(budgets, [], account_id=ACCOUNT)
    apply_budgets(budgets, [], {c.id for c in gone}, account_id=ACCOUNT)
    assert budgets.describe_budgets(AccountId=ACCOUNT).get("Budgets", []) == []
