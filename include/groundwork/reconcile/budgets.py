"""Spend limits: one AWS Budgets monthly cost budget per account with `spend_limit_usd`, in the
management account (a management-account budget can filter on a linked account and can run an
APPLY_SCP_POLICY action).

Each budget, `groundwork-<account slug>`, filters on the account (CostFilters LinkedAccount), has
two notifications (ACTUAL, GREATER_THAN 80% and 100%) to the config's e-mails and SNS topic, and
one budget action: at 100% of actual spend AWS Budgets attaches the spend-stop SCP to the account
by itself (ApprovalModel AUTOMATIC), running as the `groundwork-budget-actions` role.

A plan is data: one `budget` change per budget, whose `after` holds the budget, its notifications
with their subscribers and its actions, so a hand edit to any of them is an update. Apply makes
only approved changes, each converging the whole budget (create, update in place, remove what is
not wanted) and never making a second budget, notification, subscriber or action; a rerun after
convergence plans only no-ops. Budgets named `groundwork-...` that the config no longer wants (the
spend limit removed, the account retired) are deleted with their actions; other budgets are never
touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from groundwork.aws import budgets as aws
from groundwork.plan.model import Change, check_approved
from groundwork.policy import budgets as docs
from groundwork.reconcile import iam_roles

KIND = "budget"
PREFIX = "groundwork-"
NOTIFY_AT = (80, 100)  # percent of the limit, actual spend
STOP_AT = 100  # percent: the budget action
MAX_EMAILS, MAX_SNS = 10, 1  # subscribers per notification (AWS)
RAN = ("EXECUTION_SUCCESS", "REVERSE_FAILURE")  # the action has attached the SCP, and it is still attached


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def budget_name(account_name: str) -> str:
    return PREFIX + slug(account_name)


@dataclass(frozen=True)
class BudgetSpec:
    account_name: str
    account_id: str  # the linked account the budget tracks
    management_account_id: str  # where the budget lives
    limit_usd: int
    emails: tuple[str, ...] = ()
    sns_topic_arn: str | None = None
    spend_stop_policy_id: str | None = None  # None: no budget action (notifications only)
    execution_role_arn: str = ""
    production: bool = False
    names: tuple[tuple[str, str], ...] = ()  # (id, name) pairs: plans show names, so a plan made before the
    # account or the spend-stop SCP existed has the same change ids as one made after (see `renamed`)

    @property
    def name(self) -> str:
        return budget_name(self.account_name)

    @property
    def key(self) -> str:
        return self.name

    def subscribers(self) -> list[dict]:
        subs = [{"SubscriptionType": "EMAIL", "Address": e} for e in self.emails]
        if self.sns_topic_arn:
            subs.append({"SubscriptionType": "SNS", "Address": self.sns_topic_arn})
        return subs

    def budget(self) -> dict:
        """The Budget as CreateBudget / UpdateBudget take it."""
        return {
            "BudgetName": self.name,
            "BudgetType": "COST",
            "TimeUnit": "MONTHLY",
            "BudgetLimit": {"Amount": str(self.limit_usd), "Unit": "USD"},
            "CostFilters": {"LinkedAccount": [self.account_id]},
        }

    def notifications(self) -> list[dict]:
        return [{"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": float(t),
                 "ThresholdType": "PERCENTAGE"} for t in NOTIFY_AT]

    def action(self) -> dict | None:
        """The CreateBudgetAction fields, or None without a spend-stop policy."""
        if not self.spend_stop_policy_id:
            return None
        return {
            "ActionType": "APPLY_SCP_POLICY",
            "NotificationType": "ACTUAL",
            "ActionThreshold": {"ActionThresholdValue": float(STOP_AT), "ActionThresholdType": "PERCENTAGE"},
            "Definition": {"ScpActionDefinition": {"PolicyId": self.spend_stop_policy_id,
                                                   "TargetIds": [self.account_id]}},
            "ExecutionRoleArn": self.execution_role_arn,
            "ApprovalModel": "AUTOMATIC",
            "Subscribers": self.subscribers(),
        }


def budget_specs(config, account_ids: dict[str, str], management_account_id: str,
                 spend_stop_policy_id: str | None) -> list[BudgetSpec]:
    """A spec per active account with a spend limit. `account_ids`: account name -> id. No budget
    action when `cost.stop_spending_at_limit` is false or there is no policy id. ValueError names
    every problem (an account without an id, no subscriber, too many e-mails, two names with one slug)."""
    cost = config.cost
    emails = tuple(cost.budget_emails)
    sns = cost.budget_sns_topic_arn
    stop = getattr(cost, "stop_spending_at_limit", True)
    limited = [a for a in config.active_accounts if a.spend_limit_usd]
    problems = [f"account {a.name!r} has a spend limit but no account id yet" for a in limited
                if a.name not in account_ids]
    if limited and not (emails or sns):
        problems.append("spend limits need cost.budget_emails or cost.budget_sns_topic_arn (AWS requires a "
                        "subscriber for every budget notification and action)")
    if len(emails) > MAX_EMAILS:
        problems.append(f"cost.budget_emails has {len(emails)} addresses; AWS allows {MAX_EMAILS} per notification")
    names: dict[str, str] = {}
    for a in limited:
        if budget_name(a.name) in names:
            problems.append(f"accounts {names[budget_name(a.name)]!r} and {a.name!r} both make budget "
                            f"{budget_name(a.name)!r}")
        names.setdefault(budget_name(a.name), a.name)
    if problems:
        raise ValueError(f"spend limits have {len(problems)} issue(s): " + "; ".join(problems))
    policy = spend_stop_policy_id if stop else None
    return [BudgetSpec(
        account_name=a.name, account_id=account_ids[a.name], management_account_id=management_account_id,
        limit_usd=a.spend_limit_usd, emails=emails, sns_topic_arn=sns, spend_stop_policy_id=policy,
        execution_role_arn=docs.execution_role_arn(management_account_id),
        production=getattr(a, "is_production", False),
    ) for a in limited]


def execution_role_spec(management_account_id: str, management_name: str, spend_stop_policy_id: str,
                        specs: list[BudgetSpec]) -> iam_roles.RoleSpec:
    """The role the budget actions run as (reconcile it with `iam_roles` before the budgets: AWS
    checks the role when the action is made)."""
    return iam_roles.RoleSpec(
        account=None, account_name=management_name, name=docs.EXECUTION_ROLE,
        description="groundwork: AWS Budgets attaches the spend-stop SCP to an account at its spend limit",
        trust=docs.execution_trust(management_account_id),
        permissions=docs.execution_permissions(management_account_id, spend_stop_policy_id,
                                               [s.account_id for s in specs if s.spend_stop_policy_id]),
    )


# ---------------------------------------------------------------- what AWS has, as plain data

def _num(value) -> str:
    """80, 80.0, "80.0" -> "80"; "200.50" -> "200.5": numbers compared as numbers."""
    return format(Decimal(str(value)).normalize(), "f")


def _when(kind: str, operator: str, threshold, threshold_type: str) -> str:
    unit = "%" if threshold_type == "PERCENTAGE" else " (absolute)"
    return f"{kind} {operator} {_num(threshold)}{unit}"


def _nkey(notification: dict) -> str:
    return _when(notification["NotificationType"], notification["ComparisonOperator"], notification["Threshold"],
                 notification.get("ThresholdType") or "PERCENTAGE")


def _subs(subscribers: list[dict]) -> list[str]:
    return sorted(f"{s['SubscriptionType']} {s['Address']}" for s in subscribers)


def _budget_shown(budget: dict) -> dict:
    limit = budget.get("BudgetLimit") or {}
    return {
        "budget_type": budget.get("BudgetType"),
        "time_unit": budget.get("TimeUnit"),
        "limit": f"{_num(limit['Amount'])} {limit.get('Unit')}" if limit.get("Amount") is not None else None,
        "cost_filters": {k: sorted(v) for k, v in sorted((budget.get("CostFilters") or {}).items())},
    }


def _action_shown(action: dict) -> dict:
    threshold = action.get("ActionThreshold") or {}
    definition = action.get("Definition") or {}
    scp = definition.get("ScpActionDefinition")
    shown = {
        "type": action.get("ActionType"),
        "when": _when(action.get("NotificationType"), "GREATER_THAN", threshold.get("ActionThresholdValue", 0),
                      threshold.get("ActionThresholdType")),
        "approval": action.get("ApprovalModel"),
        "role": action.get("ExecutionRoleArn"),
        "subscribers": _subs(action.get("Subscribers") or []),
    }
    if scp is not None:
        shown.update(policy=scp.get("PolicyId"), targets=sorted(scp.get("TargetIds") or []))
    else:
        shown["definition"] = definition
    return shown


@dataclass
class Actual:
    budget: dict
    notifications: list[tuple[dict, list[dict]]]  # (notification, its subscribers)
    actions: list[dict]

    def shown(self) -> dict:
        return {
            **_budget_shown(self.budget),
            "notifications": {_nkey(n): _subs(s) for n, s in self.notifications},
            "actions": sorted((_action_shown(a) for a in self.actions), key=repr),
        }


def renamed(value, names: dict[str, str]):
    """`value` with every string that is a known id replaced by its name."""
    if isinstance(value, dict):
        return {k: renamed(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [renamed(v, names) for v in value]
    return names.get(value, value) if isinstance(value, str) else value


def desired(spec: BudgetSpec) -> dict:
    return renamed(_desired(spec), dict(spec.names))


def _desired(spec: BudgetSpec) -> dict:
    action = spec.action()
    return {
        **_budget_shown(spec.budget()),
        "notifications": {_nkey(n): _subs(spec.subscribers()) for n in spec.notifications()},
        "actions": [_action_shown(action)] if action else [],
    }


def _ref(notification: dict) -> dict:
    """A notification as the calls that name one take it."""
    return {k: notification[k] for k in ("NotificationType", "ComparisonOperator", "Threshold", "ThresholdType")
            if k in notification}


def read(client, account_id: str, name: str, budget: dict | None = None) -> Actual | None:
    """The budget, its notifications with subscribers, and its actions (None: no such budget).
    `budget`: the budget as DescribeBudgets gave it, to spare a DescribeBudget."""
    budget = budget or aws.budget(client, account_id, name)
    if budget is None:
        return None
    notifications = [(n, aws.subscribers(client, account_id, name, _ref(n)))
                     for n in aws.notifications(client, account_id, name)]
    return Actual(budget, notifications, aws.actions(client, account_id, name))


# ---------------------------------------------------------------- plan

def _note_create(spec: BudgetSpec) -> str:
    who = ", ".join(_subs(spec.subscribers()))
    at = " and ".join(f"{t}%" for t in NOTIFY_AT)
    text = f"monthly {spec.limit_usd} USD for {spec.account_name}; at {at} notify {who}"
    if spec.spend_stop_policy_id:
        policy = dict(spec.names).get(spec.spend_stop_policy_id, spec.spend_stop_policy_id)
        text += f"; at {STOP_AT}% AWS Budgets attaches SCP {policy} to the account by itself (no approval)"
    return text


def _ran(actual: Actual | None) -> list[dict]:
    return [a for a in (actual.actions if actual else []) if a.get("Status") in RAN]


def _note(spec: BudgetSpec | None, actual: Actual | None) -> str:
    notes = []
    if spec is not None and actual is None:
        notes.append(_note_create(spec))
    if spec is None:
        notes.append("no spend limit in the config for this account any more: the budget, its notifications "
                     "and its actions are deleted")
    for action in _ran(actual):
        scp = (action.get("Definition") or {}).get("ScpActionDefinition") or {}
        notes.append(f"its action has run ({action['Status']}): SCP {scp.get('PolicyId')} is attached to "
                     f"{', '.join(scp.get('TargetIds') or [])}; changing or deleting the action does not detach it")
    return "; ".join(notes)


def _account(specs: list[BudgetSpec], account_id: str | None) -> str:
    ids = {s.management_account_id for s in specs} | ({account_id} if account_id else set())
    if len(ids) != 1:
        raise ValueError("give the management account id (account_id=...) when there is no spec, and only one"
                         if not ids else f"budget specs name several management accounts: {sorted(ids)}")
    return ids.pop()


def _changes(client, specs: list[BudgetSpec], account_id: str | None) -> list[tuple[Change, BudgetSpec | None,
                                                                                      Actual | None]]:
    account = _account(specs, account_id)
    existing = {b["BudgetName"]: b for b in aws.budgets(client, account)}
    out = []
    for spec in sorted(specs, key=lambda s: s.name):
        actual = read(client, account, spec.name, existing.get(spec.name))
        before = renamed(actual.shown(), dict(spec.names)) if actual else None
        change = Change.between(KIND, spec.key, before, desired(spec), production=spec.production,
                                note=_note(spec, actual))
        out.append((change, spec, actual))
    wanted = {s.name for s in specs}
    for name in sorted(n for n in existing if n.startswith(PREFIX) and n not in wanted):
        actual = read(client, account, name, existing[name])
        out.append((Change.between(KIND, name, actual.shown(), None, note=_note(None, actual)), None, actual))
    return out


def plan_budgets(budgets_client, specs: list[BudgetSpec], account_id: str | None = None) -> list[Change]:
    """One change per wanted budget (create / update / noop) and per groundwork budget no longer
    wanted (delete). `account_id`: the management account, needed only when `specs` is empty."""
    return [change for change, _, _ in _changes(budgets_client, specs, account_id)]


# ---------------------------------------------------------------- apply

def as_subscriber(subscriber: dict) -> dict:
    return {"SubscriptionType": subscriber["SubscriptionType"], "Address": subscriber["Address"]}


def _converge_subscribers(client, account: str, name: str, notification: dict, have: list[dict],
                          want: list[dict]) -> None:
    """Make the notification's subscribers `want`, within AWS's limits (1 SNS and 10 e-mail
    subscribers) and never with none: an unwanted subscriber is first changed in place
    (UpdateSubscriber) into a missing one of the same type; after that no type has both missing and
    unwanted subscribers, so adding the rest before removing the rest stays within the limits."""
    as_key = lambda s: (s["SubscriptionType"], s["Address"])  # noqa: E731
    wanted = {as_key(s) for s in want}
    present = {as_key(s) for s in have}
    extra = [as_subscriber(s) for s in have if as_key(s) not in wanted]
    missing = [as_subscriber(s) for s in want if as_key(s) not in present]
    for old in list(extra):
        new = next((s for s in missing if s["SubscriptionType"] == old["SubscriptionType"]), None)
        if new is not None:
            aws.update_subscriber(client, account, name, notification, old, new)
            extra.remove(old)
            missing.remove(new)
    for subscriber in missing:
        aws.create_subscriber(client, account, name, notification, subscriber)
    for subscriber in extra:
        aws.delete_subscriber(client, account, name, notification, subscriber)


def _converge_notifications(client, account: str, spec: BudgetSpec, actual: Actual) -> None:
    want = {_nkey(n): n for n in spec.notifications()}
    for notification, subscribers in actual.notifications:
        key = _nkey(notification)
        if key not in want:
            aws.delete_notification(client, account, spec.name, _ref(notification))
        elif _subs(subscribers) != _subs(spec.subscribers()):
            _converge_subscribers(client, account, spec.name, _ref(notification), subscribers, spec.subscribers())
    have = {_nkey(n) for n, _ in actual.notifications}
    for key, notification in want.items():
        if key not in have:
            aws.create_notification(client, account, spec.name, notification, spec.subscribers())


def _converge_actions(client, account: str, name: str, want: dict | None, have: list[dict]) -> None:
    """Keep one action as wanted: an equal one is kept, else one of the same type is updated, else
    one is created; every other action on the budget is deleted (first, so nothing collides)."""
    keep = None
    if want is not None:
        keep = next((a for a in have if _action_shown(a) == _action_shown(want)), None) or next(
            (a for a in have if a.get("ActionType") == want["ActionType"]), None)
    for action in have:
        if action is not keep:
            aws.delete_action(client, account, name, action["ActionId"])
    if want is None:
        return
    if keep is None:
        aws.create_action(client, account, name, want)
    elif _action_shown(keep) != _action_shown(want):
        aws.update_action(client, account, name, keep["ActionId"], want)


def _apply_one(client, account: str, spec: BudgetSpec, actual: Actual | None) -> None:
    if actual is None:
        aws.create_budget(client, account, spec.budget(),
                          [{"Notification": n, "Subscribers": spec.subscribers()} for n in spec.notifications()])
        _converge_actions(client, account, spec.name, spec.action(), [])
        return
    if _budget_shown(actual.budget) != _budget_shown(spec.budget()):
        aws.update_budget(client, account, spec.budget())
    _converge_notifications(client, account, spec, actual)
    _converge_actions(client, account, spec.name, spec.action(), actual.actions)


def apply_budgets(budgets_client, specs: list[BudgetSpec], approved: set[str],
                  account_id: str | None = None) -> list[Change]:
    """Make the approved changes (every pending change is checked first: one the approver did not
    see raises StalePlan before anything is done). Returns the changes made."""
    account = _account(specs, account_id)
    pending = [(c, s, a) for c, s, a in _changes(budgets_client, specs, account_id) if c.action != "noop"]
    for change, _, _ in pending:
        check_approved(change, approved)
    for change, spec, actual in pending:
        if spec is None:  # no longer wanted: its actions, then the budget (with its notifications)
            for action in actual.actions:
                aws.delete_action(budgets_client, account, change.key, action["ActionId"])
            aws.delete_budget(budgets_client, account, change.key)
        else:
            _apply_one(budgets_client, account, spec, actual)
    return [change for change, _, _ in pending]
