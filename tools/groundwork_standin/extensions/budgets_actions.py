"""AWS Budgets calls moto 5.2.5 lacks or gets wrong, as the Budgets API reference (botocore's
budgets 2016-10-20 model) describes them.

moto 5.2.5 has CreateBudget, DescribeBudget(s), DeleteBudget, CreateNotification,
DeleteNotification and DescribeNotificationsForBudget. Everything else answers HTTP 500
(UpdateBudget, the subscriber calls, UpdateNotification, every budget-action call), and what it has
is lenient where AWS is strict:

* DescribeNotificationsForBudget on an unknown budget: a KeyError (HTTP 500), here NotFoundException;
* CreateNotification: a second identical notification is accepted, here DuplicateRecordException;
  more than 10 notifications per budget, here CreationLimitExceededException;
* DeleteNotification of a notification the budget does not have: silently "succeeds", here
  NotFoundException. Notifications are matched on NotificationType, ComparisonOperator, Threshold
  and ThresholdType (PERCENTAGE when omitted), not on the exact dict sent;
* the limit amount comes back as sent; AWS answers it as a decimal ("200.0" for "200"; the Terraform
  AWS provider suppresses the difference with `suppressEquivalentBudgetLimitAmount`). Modelled, so
  a reconcile that compares strings sees drift here as it would against AWS.

Added:
* UpdateBudget (NotFoundException for an unknown budget; the name, notifications and actions stay);
* CreateSubscriber, DeleteSubscriber, UpdateSubscriber, DescribeSubscribersForNotification, and
  UpdateNotification. A notification has 1 to 11 subscribers, at most one SNS and 10 EMAIL
  (CreationLimitExceededException past that on CreateSubscriber, InvalidParameterException for a
  list that breaks it); a subscriber already there is a DuplicateRecordException;
* budget actions: CreateBudgetAction, DescribeBudgetAction, DescribeBudgetActionsForBudget,
  DescribeBudgetActionsForAccount, UpdateBudgetAction, DeleteBudgetAction, with the reference's
  shapes (`Action`: ActionId, BudgetName, NotificationType, ActionType, ActionThreshold,
  Definition, ExecutionRoleArn, ApprovalModel, Status, Subscribers; UpdateBudgetAction answers
  OldAction and NewAction; DeleteBudgetAction the deleted Action). Checked as the reference
  documents: the budget exists (NotFoundException), the Definition matches the ActionType
  (ScpActionDefinition for APPLY_SCP_POLICY, IamActionDefinition for APPLY_IAM_POLICY,
  SsmActionDefinition for RUN_SSM_DOCUMENTS), policy id, target ids and role ARN have the
  documented patterns, "Roles and actions must be in the same account" (the role ARN's account is
  the AccountId), 1-11 subscribers (InvalidParameterException). The reference lists
  DuplicateRecordException for CreateBudgetAction without saying when; here it is an action of the
  same type, notification type, threshold and definition on the same budget. The list calls page
  with MaxResults (1-100) and NextToken.
  Status: STANDBY when created or updated, then PENDING (armed, threshold not reached) after
  GROUNDWORK_STANDIN_BUDGET_ACTION_SECONDS (default 1; read when the action is created or updated):
  the Terraform AWS provider waits for a new action to leave STANDBY for PENDING. Worked out when
  read, no thread. DeleteBudget takes the budget's actions with it.

Not modelled: spend (CalculatedSpend stays 0, so no notification is ever sent and no action ever
runs: ExecuteBudgetAction, DescribeBudgetActionHistories, ResourceLockedException for an action
in progress), whether the execution role and the policy exist, budget-name content checks, tags.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from moto.budgets.exceptions import DuplicateRecordException, NotFoundException
from moto.budgets.models import Budget, BudgetsBackend, Notification
from moto.budgets.responses import BudgetsResponse
from moto.core.exceptions import JsonRESTError

ENV = "GROUNDWORK_STANDIN_BUDGET_ACTION_SECONDS"
DEFAULT_SECONDS = 1.0
MAX_NOTIFICATIONS = 10
MAX_EMAIL, MAX_SNS = 10, 1
MAX_ACTION_SUBSCRIBERS = 11
DEFINITION_FOR = {
    "APPLY_SCP_POLICY": "ScpActionDefinition",
    "APPLY_IAM_POLICY": "IamActionDefinition",
    "RUN_SSM_DOCUMENTS": "SsmActionDefinition",
}
POLICY_ID = re.compile(r"^p-[0-9a-zA-Z_]{8,128}$")
TARGET_ID = re.compile(r"^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$)|(\d{12})")
ROLE_ARN = re.compile(r"^arn:aws(-eusc|-cn|-us-gov|-iso|-iso-[a-z]{1})?:iam::(\d{12}):role(/[!-\x7f]+/|/)[\w+=,.@-]+$")
ACTION_ID = re.compile(r"^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$")

_installed: list[bool] = []


class InvalidParameterException(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("InvalidParameterException", message)


class CreationLimitExceededException(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("CreationLimitExceededException", message)


class InvalidNextTokenException(JsonRESTError):
    code = 400

    def __init__(self) -> None:
        super().__init__("InvalidNextTokenException", "The pagination token is invalid.")


# ---------------------------------------------------------------- budgets and notifications

def decimal_amount(amount: Any) -> str:
    """"200" -> "200.0", "200.50" -> "200.5": the amount as AWS answers it."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise InvalidParameterException(f"Unable to create/update budget - invalid amount: {amount}")
    text = format(value.normalize(), "f")
    return text if "." in text else text + ".0"


def _normalize_budget(budget: dict[str, Any]) -> None:
    for key in ("BudgetLimit",):
        if key in budget and "Amount" in budget[key]:
            budget[key] = {**budget[key], "Amount": decimal_amount(budget[key]["Amount"])}
    for month, spend in (budget.get("PlannedBudgetLimits") or {}).items():
        budget["PlannedBudgetLimits"][month] = {**spend, "Amount": decimal_amount(spend["Amount"])}


def notification_key(notification: dict[str, Any]) -> tuple:
    return (notification.get("NotificationType"), notification.get("ComparisonOperator"),
            float(notification.get("Threshold", 0)), notification.get("ThresholdType") or "PERCENTAGE")


def _as_stored(notification: dict[str, Any]) -> dict[str, Any]:
    return {"NotificationType": notification["NotificationType"],
            "ComparisonOperator": notification["ComparisonOperator"],
            "Threshold": float(notification["Threshold"]),
            "ThresholdType": notification.get("ThresholdType") or "PERCENTAGE",
            "NotificationState": "OK"}


def _check_subscribers(subscribers: list[dict[str, Any]], where: str) -> None:
    if not subscribers or len(subscribers) > MAX_EMAIL + MAX_SNS:
        raise InvalidParameterException(f"{where}: a notification needs 1 to {MAX_EMAIL + MAX_SNS} subscribers")
    kinds = [s.get("SubscriptionType") for s in subscribers]
    if kinds.count("SNS") > MAX_SNS or kinds.count("EMAIL") > MAX_EMAIL:
        raise InvalidParameterException(
            f"{where}: a notification can have {MAX_SNS} SNS subscriber and up to {MAX_EMAIL} email subscribers")
    addresses = [(s.get("SubscriptionType"), s.get("Address")) for s in subscribers]
    if len(set(addresses)) != len(addresses):
        raise InvalidParameterException(f"{where}: duplicate subscribers")


def _budget(backend: BudgetsBackend, account_id: str, name: str, doing: str) -> Budget:
    budget = backend.budgets[account_id].get(name)
    if budget is None:
        raise NotFoundException(f"Unable to {doing} - the budget doesn't exist.")
    return budget


def _notification(budget: Budget, notification: dict[str, Any], doing: str) -> Notification:
    key = notification_key(notification)
    for existing in budget.notifications:
        if notification_key(existing.details) == key:
            return existing
    raise NotFoundException(f"Unable to {doing} - the notification doesn't exist.")


def create_budget(self: BudgetsBackend, account_id: str, budget: dict[str, Any],
                  notifications: list[dict[str, Any]]) -> None:
    if len(notifications) > MAX_NOTIFICATIONS:
        raise CreationLimitExceededException(f"A budget can have at most {MAX_NOTIFICATIONS} notifications.")
    keys = [notification_key(n["Notification"]) for n in notifications]
    if len(set(keys)) != len(keys):
        raise InvalidParameterException("Unable to create budget - duplicate notifications.")
    for n in notifications:
        _check_subscribers(n.get("Subscribers") or [], "Unable to create budget")
    _normalize_budget(budget)
    _original_create_budget(self, account_id, budget, [
        {"Notification": _as_stored(n["Notification"]), "Subscribers": list(n["Subscribers"])} for n in notifications])


def update_budget(self: BudgetsBackend, account_id: str, new_budget: dict[str, Any]) -> None:
    name = new_budget["BudgetName"]
    budget = self.budgets[account_id].get(name)
    if budget is None:
        raise NotFoundException(f"Unable to update budget: {name} - the budget doesn't exist.")
    if "BudgetLimit" not in new_budget and "PlannedBudgetLimits" not in new_budget:
        raise InvalidParameterException(
            "Unable to create/update budget - please provide one of the followings: Budget Limit/ Planned Budget "
            "Limit/ Auto Adjust Data")
    updated = {k: v for k, v in new_budget.items() if k not in ("CalculatedSpend", "LastUpdatedTime")}
    _normalize_budget(updated)
    updated.setdefault("TimePeriod", budget.budget.get("TimePeriod"))
    updated["LastUpdatedTime"] = time.time()
    budget.budget = updated


def create_notification(self: BudgetsBackend, account_id: str, budget_name: str, notification: dict[str, Any],
                        subscribers: list[dict[str, Any]]) -> None:
    budget = _budget(self, account_id, budget_name, "create notification")
    if any(notification_key(n.details) == notification_key(notification) for n in budget.notifications):
        raise DuplicateRecordException(record_type="notification", record_name=budget_name)
    if len(budget.notifications) >= MAX_NOTIFICATIONS:
        raise CreationLimitExceededException(f"A budget can have at most {MAX_NOTIFICATIONS} notifications.")
    _check_subscribers(subscribers or [], "Unable to create notification")
    budget.add_notification(details=_as_stored(notification), subscribers=list(subscribers))


def delete_notification(self: BudgetsBackend, account_id: str, budget_name: str,
                        notification: dict[str, Any]) -> None:
    budget = _budget(self, account_id, budget_name, "delete notification")
    found = _notification(budget, notification, "delete notification")
    budget.notifications = [n for n in budget.notifications if n is not found]


def describe_notifications_for_budget(self: BudgetsBackend, account_id: str, budget_name: str) -> list[dict[str, Any]]:
    budget = _budget(self, account_id, budget_name, "describe notifications")
    return [dict(n.details) for n in budget.notifications]


def update_notification(self: BudgetsBackend, account_id: str, budget_name: str, old: dict[str, Any],
                        new: dict[str, Any]) -> None:
    budget = _budget(self, account_id, budget_name, "update notification")
    found = _notification(budget, old, "update notification")
    if notification_key(old) != notification_key(new) and any(
            notification_key(n.details) == notification_key(new) for n in budget.notifications):
        raise DuplicateRecordException(record_type="notification", record_name=budget_name)
    found.details = _as_stored(new)


def subscribers_for(self: BudgetsBackend, account_id: str, budget_name: str,
                    notification: dict[str, Any]) -> list[dict[str, Any]]:
    budget = _budget(self, account_id, budget_name, "describe subscribers")
    return [dict(s) for s in _notification(budget, notification, "describe subscribers").subscribers]


def create_subscriber(self: BudgetsBackend, account_id: str, budget_name: str, notification: dict[str, Any],
                      subscriber: dict[str, Any]) -> None:
    budget = _budget(self, account_id, budget_name, "create subscriber")
    found = _notification(budget, notification, "create subscriber")
    current = found.subscribers
    if any((s["SubscriptionType"], s["Address"]) == (subscriber["SubscriptionType"], subscriber["Address"])
           for s in current):
        raise DuplicateRecordException(record_type="subscriber", record_name=subscriber["Address"])
    kind = subscriber["SubscriptionType"]
    limit = MAX_SNS if kind == "SNS" else MAX_EMAIL
    if sum(1 for s in current if s["SubscriptionType"] == kind) >= limit:
        raise CreationLimitExceededException(
            f"A notification can have {MAX_SNS} SNS subscriber and up to {MAX_EMAIL} email subscribers.")
    found.subscribers = [*current, {"SubscriptionType": kind, "Address": subscriber["Address"]}]


def delete_subscriber(self: BudgetsBackend, account_id: str, budget_name: str, notification: dict[str, Any],
                      subscriber: dict[str, Any]) -> None:
    budget = _budget(self, account_id, budget_name, "delete subscriber")
    found = _notification(budget, notification, "delete subscriber")
    wanted = (subscriber["SubscriptionType"], subscriber["Address"])
    kept = [s for s in found.subscribers if (s["SubscriptionType"], s["Address"]) != wanted]
    if len(kept) == len(found.subscribers):
        raise NotFoundException("Unable to delete subscriber - the subscriber doesn't exist.")
    found.subscribers = kept


def update_subscriber(self: BudgetsBackend, account_id: str, budget_name: str, notification: dict[str, Any],
                      old: dict[str, Any], new: dict[str, Any]) -> None:
    budget = _budget(self, account_id, budget_name, "update subscriber")
    found = _notification(budget, notification, "update subscriber")
    wanted = (old["SubscriptionType"], old["Address"])
    index = next((i for i, s in enumerate(found.subscribers) if (s["SubscriptionType"], s["Address"]) == wanted), None)
    if index is None:
        raise NotFoundException("Unable to update subscriber - the subscriber doesn't exist.")
    updated = [*found.subscribers]
    updated[index] = {"SubscriptionType": new["SubscriptionType"], "Address": new["Address"]}
    _check_subscribers(updated, "Unable to update subscriber")
    found.subscribers = updated


# ---------------------------------------------------------------- budget actions

class BudgetAction:
    def __init__(self, budget_name: str, fields: dict[str, Any]):
        self.action_id = str(uuid.uuid4())
        self.budget_name = budget_name
        self.fields = fields
        self.armed_at = 0.0
        self.rearm()

    def rearm(self) -> None:
        self.armed_at = time.time() + float(os.environ.get(ENV, DEFAULT_SECONDS))

    @property
    def status(self) -> str:
        return "PENDING" if time.time() >= self.armed_at else "STANDBY"

    def to_dict(self) -> dict[str, Any]:
        return {"ActionId": self.action_id, "BudgetName": self.budget_name, **json.loads(json.dumps(self.fields)),
                "Status": self.status}

    def same_as(self, fields: dict[str, Any]) -> bool:
        keys = ("ActionType", "NotificationType", "ActionThreshold", "Definition")
        return all(self.fields.get(k) == fields.get(k) for k in keys)


def _actions(budget: Budget) -> dict[str, BudgetAction]:
    if not hasattr(budget, "actions"):
        budget.actions = {}  # action id -> BudgetAction
    return budget.actions


def _action_fields(account_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """The action's fields from a Create/UpdateBudgetAction request, checked."""
    action_type = params["ActionType"]
    if action_type not in DEFINITION_FOR:
        raise InvalidParameterException(f"Invalid ActionType: {action_type}")
    if params.get("NotificationType") not in ("ACTUAL", "FORECASTED"):
        raise InvalidParameterException(f"Invalid NotificationType: {params.get('NotificationType')}")
    if params.get("ApprovalModel") not in ("AUTOMATIC", "MANUAL"):
        raise InvalidParameterException(f"Invalid ApprovalModel: {params.get('ApprovalModel')}")
    threshold = params.get("ActionThreshold") or {}
    if threshold.get("ActionThresholdType") not in ("PERCENTAGE", "ABSOLUTE_VALUE"):
        raise InvalidParameterException("ActionThreshold needs ActionThresholdType PERCENTAGE or ABSOLUTE_VALUE")
    value = threshold.get("ActionThresholdValue")
    if not isinstance(value, (int, float)) or value < 0:
        raise InvalidParameterException("ActionThreshold needs a non-negative ActionThresholdValue")
    definition = params.get("Definition") or {}
    wanted = DEFINITION_FOR[action_type]
    if set(definition) != {wanted}:
        raise InvalidParameterException(f"ActionType {action_type} needs a Definition with {wanted} only")
    if action_type == "APPLY_SCP_POLICY":
        scp = definition[wanted]
        if not POLICY_ID.match(scp.get("PolicyId", "")):
            raise InvalidParameterException(f"Invalid PolicyId: {scp.get('PolicyId')}")
        targets = scp.get("TargetIds") or []
        if not 1 <= len(targets) <= 100 or not all(TARGET_ID.match(t) for t in targets):
            raise InvalidParameterException(f"Invalid TargetIds: {targets}")
    role = ROLE_ARN.match(params.get("ExecutionRoleArn", ""))
    if role is None:
        raise InvalidParameterException(f"Invalid ExecutionRoleArn: {params.get('ExecutionRoleArn')}")
    if role.group(2) != account_id:
        raise InvalidParameterException("Roles and actions must be in the same account.")
    subscribers = params.get("Subscribers") or []
    if not 1 <= len(subscribers) <= MAX_ACTION_SUBSCRIBERS:
        raise InvalidParameterException(f"An action needs 1 to {MAX_ACTION_SUBSCRIBERS} subscribers")
    return {
        "NotificationType": params["NotificationType"],
        "ActionType": action_type,
        "ActionThreshold": {"ActionThresholdValue": float(value),
                            "ActionThresholdType": threshold["ActionThresholdType"]},
        "Definition": definition,
        "ExecutionRoleArn": params["ExecutionRoleArn"],
        "ApprovalModel": params["ApprovalModel"],
        "Subscribers": [{"SubscriptionType": s["SubscriptionType"], "Address": s["Address"]} for s in subscribers],
    }


def _action(budget: Budget, action_id: str) -> BudgetAction:
    if not ACTION_ID.match(action_id or ""):
        raise InvalidParameterException(f"Invalid ActionId: {action_id}")
    action = _actions(budget).get(action_id)
    if action is None:
        raise NotFoundException(f"Unable to find action {action_id} for budget {budget.budget['BudgetName']}.")
    return action


def _page(items: list[dict[str, Any]], max_results: Any, next_token: str | None) -> tuple[list, str | None]:
    size = 100 if max_results is None else int(max_results)
    if not 1 <= size <= 100:
        raise InvalidParameterException("MaxResults must be between 1 and 100.")
    start = 0
    if next_token:
        try:
            start = int(next_token)
        except ValueError:
            raise InvalidNextTokenException()
        if not 0 <= start <= len(items):
            raise InvalidNextTokenException()
    end = start + size
    return items[start:end], (str(end) if end < len(items) else None)


# ---------------------------------------------------------------- responses

def _params(self: BudgetsResponse) -> dict[str, Any]:
    return json.loads(self.body or "{}")


def _answer(body: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in body.items() if v is not None})


def r_update_budget(self: BudgetsResponse) -> str:
    p = _params(self)
    self.backend.update_budget(p["AccountId"], p["NewBudget"])
    return "{}"


def r_describe_notifications_for_budget(self: BudgetsResponse) -> str:
    p = _params(self)
    items = self.backend.describe_notifications_for_budget(account_id=p["AccountId"], budget_name=p["BudgetName"])
    page, token = _page(items, p.get("MaxResults"), p.get("NextToken"))
    return _answer({"Notifications": page, "NextToken": token})


def r_describe_budgets(self: BudgetsResponse) -> str:
    p = _params(self)
    items = list(self.backend.describe_budgets(account_id=p["AccountId"]))
    page, token = _page(items, p.get("MaxResults"), p.get("NextToken"))
    return _answer({"Budgets": page, "NextToken": token})


def r_update_notification(self: BudgetsResponse) -> str:
    p = _params(self)
    update_notification(self.backend, p["AccountId"], p["BudgetName"], p["OldNotification"], p["NewNotification"])
    return "{}"


def r_describe_subscribers_for_notification(self: BudgetsResponse) -> str:
    p = _params(self)
    items = subscribers_for(self.backend, p["AccountId"], p["BudgetName"], p["Notification"])
    page, token = _page(items, p.get("MaxResults"), p.get("NextToken"))
    return _answer({"Subscribers": page, "NextToken": token})


def r_create_subscriber(self: BudgetsResponse) -> str:
    p = _params(self)
    create_subscriber(self.backend, p["AccountId"], p["BudgetName"], p["Notification"], p["Subscriber"])
    return "{}"


def r_delete_subscriber(self: BudgetsResponse) -> str:
    p = _params(self)
    delete_subscriber(self.backend, p["AccountId"], p["BudgetName"], p["Notification"], p["Subscriber"])
    return "{}"


def r_update_subscriber(self: BudgetsResponse) -> str:
    p = _params(self)
    update_subscriber(self.backend, p["AccountId"], p["BudgetName"], p["Notification"], p["OldSubscriber"],
                      p["NewSubscriber"])
    return "{}"


def r_create_budget_action(self: BudgetsResponse) -> str:
    p = _params(self)
    budget = _budget(self.backend, p["AccountId"], p["BudgetName"], "create budget action")
    fields = _action_fields(p["AccountId"], p)
    if any(a.same_as(fields) for a in _actions(budget).values()):
        raise DuplicateRecordException(record_type="budget action", record_name=p["BudgetName"])
    action = BudgetAction(p["BudgetName"], fields)
    _actions(budget)[action.action_id] = action
    return _answer({"AccountId": p["AccountId"], "BudgetName": p["BudgetName"], "ActionId": action.action_id})


def r_describe_budget_action(self: BudgetsResponse) -> str:
    p = _params(self)
    budget = _budget(self.backend, p["AccountId"], p["BudgetName"], "describe budget action")
    action = _action(budget, p["ActionId"])
    return _answer({"AccountId": p["AccountId"], "BudgetName": p["BudgetName"], "Action": action.to_dict()})


def r_describe_budget_actions_for_budget(self: BudgetsResponse) -> str:
    p = _params(self)
    budget = _budget(self.backend, p["AccountId"], p["BudgetName"], "describe budget actions")
    items = [a.to_dict() for a in _actions(budget).values()]
    page, token = _page(items, p.get("MaxResults"), p.get("NextToken"))
    return _answer({"Actions": page, "NextToken": token})


def r_describe_budget_actions_for_account(self: BudgetsResponse) -> str:
    p = _params(self)
    items = [a.to_dict() for budget in self.backend.budgets[p["AccountId"]].values()
             for a in _actions(budget).values()]
    page, token = _page(items, p.get("MaxResults"), p.get("NextToken"))
    return _answer({"Actions": page, "NextToken": token})


def r_update_budget_action(self: BudgetsResponse) -> str:
    p = _params(self)
    budget = _budget(self.backend, p["AccountId"], p["BudgetName"], "update budget action")
    action = _action(budget, p["ActionId"])
    old = action.to_dict()
    merged = {**action.fields, **{k: p[k] for k in ("NotificationType", "ActionThreshold", "Definition",
                                                   "ExecutionRoleArn", "ApprovalModel", "Subscribers") if k in p}}
    fields = _action_fields(p["AccountId"], merged)
    if any(a is not action and a.same_as(fields) for a in _actions(budget).values()):
        raise DuplicateRecordException(record_type="budget action", record_name=p["BudgetName"])
    action.fields = fields
    action.rearm()
    return _answer({"AccountId": p["AccountId"], "BudgetName": p["BudgetName"], "OldAction": old,
                    "NewAction": action.to_dict()})


def r_delete_budget_action(self: BudgetsResponse) -> str:
    p = _params(self)
    budget = _budget(self.backend, p["AccountId"], p["BudgetName"], "delete budget action")
    action = _action(budget, p["ActionId"])
    del _actions(budget)[action.action_id]
    return _answer({"AccountId": p["AccountId"], "BudgetName": p["BudgetName"], "Action": action.to_dict()})


_original_create_budget = BudgetsBackend.create_budget

RESPONSES = {
    "update_budget": r_update_budget,
    "describe_budgets": r_describe_budgets,
    "describe_notifications_for_budget": r_describe_notifications_for_budget,
    "update_notification": r_update_notification,
    "describe_subscribers_for_notification": r_describe_subscribers_for_notification,
    "create_subscriber": r_create_subscriber,
    "delete_subscriber": r_delete_subscriber,
    "update_subscriber": r_update_subscriber,
    "create_budget_action": r_create_budget_action,
    "describe_budget_action": r_describe_budget_action,
    "describe_budget_actions_for_budget": r_describe_budget_actions_for_budget,
    "describe_budget_actions_for_account": r_describe_budget_actions_for_account,
    "update_budget_action": r_update_budget_action,
    "delete_budget_action": r_delete_budget_action,
}


def install() -> None:
    if _installed:
        return
    _installed.append(True)
    BudgetsBackend.create_budget = create_budget
    BudgetsBackend.update_budget = update_budget
    BudgetsBackend.create_notification = create_notification
    BudgetsBackend.delete_notification = delete_notification
    BudgetsBackend.describe_notifications_for_budget = describe_notifications_for_budget
    for name, method in RESPONSES.items():
        setattr(BudgetsResponse, name, method)
