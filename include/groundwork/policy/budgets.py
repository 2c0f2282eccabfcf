"""The spend-limit budget actions' execution role, in the management account: its trust and
permission documents.

A budget action runs as a role that AWS Budgets assumes ("Roles and actions must be in the same
account": CreateBudgetAction). AWS documents the permissions an SCP action needs as
organizations:AttachPolicy and organizations:DetachPolicy (Cost Management user guide, "Allow AWS
Budgets to apply IAM policies and SCPs"); its managed policy for the same job,
AWSManagedBudgetsSpendLimitManagementAccess, adds organizations:DescribePolicy on the SCP and
organizations:ListPolicies. Here they are limited to what the action does: attach and detach the
one spend-stop SCP, on the accounts that have a spend limit. AttachPolicy and DetachPolicy are
authorised against both the policy and the target account, so both are named.

The trust lets only budgets.amazonaws.com assume the role, and only on behalf of the management
account (`aws:SourceAccount`: the confused-deputy guard IAM recommends for service roles).
"""

from __future__ import annotations

from collections.abc import Iterable

VERSION = "2012-10-17"
BUDGETS = "budgets.amazonaws.com"
EXECUTION_ROLE = "groundwork-budget-actions"


def execution_role_arn(management_account_id: str, name: str = EXECUTION_ROLE) -> str:
    return f"arn:aws:iam::{management_account_id}:role/{name}"


def scp_arn(management_account_id: str, policy_id: str) -> str:
    """An SCP's ARN with the organization id left open (`o-*`): the id is not known to the caller,
    and the management account already pins the organization."""
    return f"arn:aws:organizations::{management_account_id}:policy/o-*/service_control_policy/{policy_id}"


def account_arn(management_account_id: str, account_id: str) -> str:
    return f"arn:aws:organizations::{management_account_id}:account/o-*/{account_id}"


def execution_trust(management_account_id: str) -> dict:
    return {"Version": VERSION, "Statement": [{
        "Sid": "BudgetsForThisAccountOnly",
        "Effect": "Allow",
        "Principal": {"Service": BUDGETS},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": management_account_id}},
    }]}


def execution_permissions(management_account_id: str, spend_stop_policy_id: str,
                          target_account_ids: Iterable[str]) -> dict:
    """Attach and detach the spend-stop SCP on the given accounts; read it; list policies."""
    policy = scp_arn(management_account_id, spend_stop_policy_id)
    targets = [account_arn(management_account_id, a) for a in sorted(set(target_account_ids))]
    statements = []
    if targets:
        statements.append({
            "Sid": "AttachDetachSpendStop",
            "Effect": "Allow",
            "Action": ["organizations:AttachPolicy", "organizations:DetachPolicy"],
            "Resource": [policy, *targets],
        })
    statements += [
        {"Sid": "ReadSpendStop", "Effect": "Allow", "Action": "organizations:DescribePolicy", "Resource": policy},
        {"Sid": "ListPolicies", "Effect": "Allow", "Action": "organizations:ListPolicies", "Resource": "*"},
    ]
    return {"Version": VERSION, "Statement": statements}
