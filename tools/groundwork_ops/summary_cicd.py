"""Summary, phase 5: the pipeline role, and per account of each environment the deployment role (does
its trust policy require an sts:ExternalId? The value itself is never read out) and the account's key."""

from __future__ import annotations

import json
from urllib.parse import unquote

from groundwork.aws import iam, kms
from groundwork.aws.context import AwsContext
from groundwork.policy.cicd import EXTERNAL_ID_KEY, CicdTopology
from groundwork_ops.summary_accounts import Accounts


def requires_condition_key(document: dict | str, key: str = EXTERNAL_ID_KEY) -> bool:
    """Whether any Allow statement of a policy document has a condition on `key` (any operator)."""
    if isinstance(document, str):
        document = json.loads(unquote(document))
    statements = document.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    return any(k.lower() == key.lower()
               for s in statements if s.get("Effect") == "Allow"
               for block in (s.get("Condition") or {}).values() for k in block)


def _role_line(ctx, accounts: Accounts, account: str, role_name: str) -> tuple[bool, str]:
    role = iam.get_role(accounts.client(ctx, account, "iam"), role_name)
    if role is None:
        return False, f"no role {role_name}"
    condition = "yes" if requires_condition_key(role["AssumeRolePolicyDocument"]) else "no"
    return True, f"role {role['RoleName']}, ExternalId condition: {condition}"


def _key_line(ctx, accounts: Accounts, account: str, alias: str) -> tuple[bool, str]:
    client = accounts.client(ctx, account, "kms")
    key_id = kms.key_id_for_alias(client, alias)
    if key_id is None:
        return False, f"no key alias {alias}"
    meta = kms.describe_key(client, key_id) or {}
    return True, f"key  {alias} -> {key_id} ({meta.get('KeyState', 'unknown')})"


def section(ctx: AwsContext, config, accounts: Accounts) -> list[str]:
    cicd = config.cicd
    if cicd is None:
        return ["CI/CD: not in the config"]
    found, lines = [], []
    shared = cicd.shared_services_account
    if shared in accounts.ids:
        role = iam.get_role(accounts.client(ctx, shared, "iam"), cicd.pipeline_role_name)
        found.append(role is not None)
        lines.append(f"  Pipeline role {role['RoleName']} in {accounts.label(shared)}" if role
                     else f"  Pipeline role {cicd.pipeline_role_name}: missing")
    for env, account in ((e, a) for e in cicd.environments for a in e.accounts):
        if account not in accounts.ids:
            lines.append(f"  {env.name:<12} {account}: the account does not exist")
            continue
        has_role, role_line = _role_line(ctx, accounts, account, cicd.deployment_role_name)
        has_key, key_line = _key_line(ctx, accounts, account, CicdTopology.environment_key_alias(env.name))
        found += [has_role, has_key]
        lines += [f"  {env.name:<12} {accounts.label(account)}", f"    {role_line}", f"    {key_line}"]
    if not any(found):
        return ["CI/CD: none yet"]
    return [f"CI/CD ({ctx.region}):", *lines]
