"""AWS Budgets calls, one small function each, fully paginated; 'not found' is None or nothing.

Budgets is a global service (one endpoint, signed for us-east-1). groundwork's budgets live in the
management account: every call names it as `AccountId`.
"""

from __future__ import annotations

from groundwork.aws.common import all_items

REGION = "us-east-1"


def client(ctx):
    """The management account's Budgets client."""
    return ctx.client("budgets", region=REGION)


def budgets(client, account_id: str) -> list[dict]:
    return all_items(client, "describe_budgets", "Budgets", AccountId=account_id)


def budget(client, account_id: str, name: str) -> dict | None:
    try:
        return client.describe_budget(AccountId=account_id, BudgetName=name)["Budget"]
    except client.exceptions.NotFoundException:
        return None


def notifications(client, account_id: str, name: str) -> list[dict]:
    try:
        return all_items(client, "describe_notifications_for_budget", "Notifications", AccountId=account_id,
                         BudgetName=name)
    except client.exceptions.NotFoundException:
        return []


def subscribers(client, account_id: str, name: str, notification: dict) -> list[dict]:
    try:
        return all_items(client, "describe_subscribers_for_notification", "Subscribers", AccountId=account_id,
                         BudgetName=name, Notification=notification)
    except client.exceptions.NotFoundException:
        return []


def actions(client, account_id: str, name: str) -> list[dict]:
    try:
        return all_items(client, "describe_budget_actions_for_budget", "Actions", AccountId=account_id,
                         BudgetName=name)
    except client.exceptions.NotFoundException:
        return []


def create_budget(client, account_id: str, budget: dict, notifications_with_subscribers: list[dict]) -> None:
    """The budget with its notifications and their subscribers, in one call."""
    client.create_budget(AccountId=account_id, Budget=budget,
                         NotificationsWithSubscribers=notifications_with_subscribers)


def update_budget(client, account_id: str, budget: dict) -> None:
    client.update_budget(AccountId=account_id, NewBudget=budget)


def delete_budget(client, account_id: str, name: str) -> None:
    """Gone already is fine."""
    try:
        client.delete_budget(AccountId=account_id, BudgetName=name)
    except client.exceptions.NotFoundException:
        pass


def create_notification(client, account_id: str, name: str, notification: dict, subscribers: list[dict]) -> None:
    client.create_notification(AccountId=account_id, BudgetName=name, Notification=notification,
                               Subscribers=subscribers)


def delete_notification(client, account_id: str, name: str, notification: dict) -> None:
    try:
        client.delete_notification(AccountId=account_id, BudgetName=name, Notification=notification)
    except client.exceptions.NotFoundException:
        pass


def create_subscriber(client, account_id: str, name: str, notification: dict, subscriber: dict) -> None:
    client.create_subscriber(AccountId=account_id, BudgetName=name, Notification=notification,
                             Subscriber=subscriber)


def update_subscriber(client, account_id: str, name: str, notification: dict, old: dict, new: dict) -> None:
    client.update_subscriber(AccountId=account_id, BudgetName=name, Notification=notification, OldSubscriber=old,
                             NewSubscriber=new)


def delete_subscriber(client, account_id: str, name: str, notification: dict, subscriber: dict) -> None:
    try:
        client.delete_subscriber(AccountId=account_id, BudgetName=name, Notification=notification,
                                 Subscriber=subscriber)
    except client.exceptions.NotFoundException:
        pass


def create_action(client, account_id: str, name: str, action: dict) -> str:
    """`action`: the CreateBudgetAction fields (ActionType, NotificationType, ActionThreshold,
    Definition, ExecutionRoleArn, ApprovalModel, Subscribers). Returns the new action's id."""
    return client.create_budget_action(AccountId=account_id, BudgetName=name, **action)["ActionId"]


def update_action(client, account_id: str, name: str, action_id: str, action: dict) -> None:
    """Every field but ActionType (which an action cannot change)."""
    fields = {k: v for k, v in action.items() if k != "ActionType"}
    client.update_budget_action(AccountId=account_id, BudgetName=name, ActionId=action_id, **fields)


def delete_action(client, account_id: str, name: str, action_id: str) -> None:
    try:
        client.delete_budget_action(AccountId=account_id, BudgetName=name, ActionId=action_id)
    except client.exceptions.NotFoundException:
        pass
