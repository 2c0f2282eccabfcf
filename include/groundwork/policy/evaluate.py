"""Evaluate SCP documents for one request, the way AWS does for the parts guardrails use.

moto stores SCPs but never enforces them, so what a guardrail *does* is proven here, over the
documents groundwork renders. `documents` are the SCPs in effect at one target (an OU's attached
policies, FullAWSAccess included); AWS additionally requires an Allow at every level from the root
down, which is out of scope.

A statement applies to a request when all of these hold:
  * Action / NotAction: the action matches one of the patterns / none of them. Patterns use `*`
    and `?`, and actions compare case-insensitively (`s3:getobject` is `s3:GetObject`).
  * Resource / NotResource: likewise, case-sensitively. `*` matches every resource; otherwise an
    ARN pattern is matched segment by segment like ArnLike (wildcards in the last segment also
    match `/` and `:`, so `arn:aws:s3:::logs-*` covers objects in matching buckets). A statement
    with neither element is read as applying to every resource.
  * Condition: every operator, and every key under it, is true (AND). Condition keys are
    case-insensitive. Supported operators, each also with an `IfExists` suffix:
      StringEquals, StringLike, ArnEquals, ArnLike                      (positive)
      StringNotEquals, StringNotLike, ArnNotEquals, ArnNotLike          (negated)
    Several values for one key are OR'ed: a positive operator holds when the request value
    matches any of them, a negated one when it matches none. A list-valued context key matches
    when any of its values does. A key missing from the request context makes a positive operator
    false and a negated operator true (so `StringNotEquals aws:RequestedRegion` denies requests
    that carry no region), and any `...IfExists` operator true.
    Bool compares like StringEquals (`true`/`false`).
    Any other operator raises `UnsupportedPolicy`: a guardrail is never evaluated half-read.
  * Principal (resource-based policies: trust, key, bucket and repository policies): the request's
    `aws:PrincipalArn` must match. `"*"` matches anyone; `arn:aws:iam::ACCOUNT:root` (or the bare
    account id) matches every principal of that account, as AWS delegates to the account's IAM;
    a role ARN matches the role and its sessions (`arn:aws:sts::ACCOUNT:assumed-role/NAME/...`).
    A service principal (`"Service": "cloudtrail.amazonaws.com"`) matches the request's
    `aws:PrincipalServiceName`. Without either key in the context a statement with a Principal
    does not apply.
    NotPrincipal raises `UnsupportedPolicy`.

An action is denied when any Deny statement applies (explicit deny wins); it is allowed only when
some Allow statement applies and no Deny does; otherwise it is implicitly denied.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

Context = dict[str, str | list[str]]

FULL_AWS_ACCESS = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "FullAWSAccess", "Effect": "Allow", "Action": "*", "Resource": "*"}],
}


class UnsupportedPolicy(ValueError):
    """The document uses an element or operator this evaluator does not implement."""


def is_denied(
    documents: Iterable[dict], action: str, resource: str = "*", context: Context | None = None
) -> tuple[bool, str | None]:
    """(True, Sid of the first applying Deny statement) or (False, None)."""
    for statement in _statements(documents):
        if statement.get("Effect") == "Deny" and applies(statement, action, resource, context or {}):
            return True, statement.get("Sid")
    return False, None


def is_allowed(documents: Iterable[dict], action: str, resource: str = "*", context: Context | None = None) -> bool:
    """Explicitly allowed and not denied."""
    documents = list(documents)
    if is_denied(documents, action, resource, context)[0]:
        return False
    return any(
        s.get("Effect") == "Allow" and applies(s, action, resource, context or {}) for s in _statements(documents)
    )


def applies(statement: dict, action: str, resource: str, context: Context) -> bool:
    """Whether one statement matches the request (its Effect aside)."""
    unknown = set(statement) - {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition",
                                "Principal"}
    if unknown:
        raise UnsupportedPolicy(f"statement {statement.get('Sid')!r} has unsupported keys {sorted(unknown)}")
    return (
        ("Principal" not in statement or _principal_matches(statement["Principal"], context))
        and _element(statement, "Action", action, _action_matches)
        and _element(statement, "Resource", resource, _resource_matches, missing=True)
        and _conditions(statement.get("Condition", {}), context)
    )


# --------------------------------------------------------------------------- matching
def _statements(documents: Iterable[dict]) -> list[dict]:
    out: list[dict] = []
    for document in documents:
        statements = document.get("Statement", [])
        out += [statements] if isinstance(statements, dict) else list(statements)
    return out


def _values(value) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [str(v).lower() if isinstance(v, bool) else str(v) for v in items]


def _element(statement: dict, name: str, value: str, matches, missing: bool = False) -> bool:
    """`name` (any pattern matches) or `Not<name>` (no pattern matches); `missing` when neither is given."""
    if name in statement:
        return any(matches(pattern, value) for pattern in _values(statement[name]))
    if f"Not{name}" in statement:
        return not any(matches(pattern, value) for pattern in _values(statement[f"Not{name}"]))
    if missing:
        return True  # no Resource element: read as every resource (groundwork always writes one)
    raise UnsupportedPolicy(f"statement {statement.get('Sid')!r} has neither {name} nor Not{name}")


@lru_cache(maxsize=1024)
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def like(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """`*` matches any run of characters (also none), `?` exactly one."""
    return _wildcard(pattern, ignore_case).fullmatch(value) is not None


def _action_matches(pattern: str, action: str) -> bool:
    return like(pattern, action, ignore_case=True)


def arn_like(pattern: str, arn: str) -> bool:
    """ArnLike: the six colon-separated ARN segments match one by one."""
    pattern_parts, arn_parts = pattern.split(":", 5), arn.split(":", 5)
    if len(pattern_parts) != 6 or len(arn_parts) != 6:
        return False
    return all(like(p, a) for p, a in zip(pattern_parts, arn_parts))


def _resource_matches(pattern: str, resource: str) -> bool:
    return pattern == "*" or arn_like(pattern, resource)


def _principal_matches(principal, context: Context) -> bool:
    """An AWS principal by `aws:PrincipalArn`, a service principal by `aws:PrincipalServiceName`."""
    lowered = {key.lower(): value for key, value in context.items()}
    caller = lowered.get("aws:principalarn")
    service = lowered.get("aws:principalservicename")
    if caller is None and service is None:
        return False
    if principal == "*":
        return True
    if not isinstance(principal, dict) or set(principal) - {"AWS", "Service"}:
        raise UnsupportedPolicy(f"principal {principal!r} is not supported")
    if caller is not None and any(_one_principal(p, str(caller)) for p in _values(principal.get("AWS", []))):
        return True
    return service is not None and str(service) in _values(principal.get("Service", []))


def _one_principal(pattern: str, caller: str) -> bool:
    """'*', an account (id or :root: any principal of it), a role ARN (also its sessions), a user ARN."""
    if pattern == "*":
        return True
    caller_parts = caller.split(":", 5)
    if len(caller_parts) != 6:
        return False
    caller_account, resource = caller_parts[4], caller_parts[5]
    if pattern.isdigit():
        return pattern == caller_account
    parts = pattern.split(":", 5)
    if len(parts) != 6:
        return False
    account, name = parts[4], parts[5]
    if name == "root":
        return account == caller_account
    if caller_parts[2] == "sts" and resource.startswith("assumed-role/"):
        resource = "role/" + resource.split("/")[1]
    return account == caller_account and name == resource


# --------------------------------------------------------------------------- conditions
_POSITIVE = {
    "StringEquals": lambda policy, request: policy == request,
    "StringLike": like,
    "ArnEquals": arn_like,  # AWS treats ArnEquals like ArnLike
    "ArnLike": arn_like,
    "Bool": lambda policy, request: policy.lower() == request.lower(),
}
_NEGATED = {"StringNotEquals": "StringEquals", "StringNotLike": "StringLike", "ArnNotEquals": "ArnEquals",
            "ArnNotLike": "ArnLike"}


def _conditions(block: dict, context: Context) -> bool:
    lowered = {key.lower(): value for key, value in context.items()}
    return all(
        _condition(operator, key, values, lowered)
        for operator, keys in block.items()
        for key, values in keys.items()
    )


def _condition(operator: str, key: str, policy_values, context: Context) -> bool:
    base = operator.removesuffix("IfExists")
    if base not in _POSITIVE and base not in _NEGATED:
        raise UnsupportedPolicy(f"condition operator {operator!r} is not supported")
    present = key.lower() in context
    if not present:
        return operator.endswith("IfExists") or base in _NEGATED
    matches = _POSITIVE[_NEGATED.get(base, base)]
    request_values = _values(context[key.lower()])
    hit = any(matches(p, r) for p in _values(policy_values) for r in request_values)
    return not hit if base in _NEGATED else hit
