"""IAM policy documents: canonical form, size, and structural checks for SCPs."""

from __future__ import annotations

import json

SCP_MAX_CHARS = 5120
_STATEMENT_KEYS = {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"}


def canonical(document: dict | str) -> str:
    """Minified JSON with sorted keys: what we send, and what we compare (AWS echoes whitespace)."""
    if isinstance(document, str):
        document = json.loads(document)
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def policy_problems(document, max_chars: int = SCP_MAX_CHARS, kind: str = "SCP") -> list[str]:
    """Why a document is not a valid SCP, or other identity policy (empty list when it is)."""
    if not isinstance(document, dict):
        return ["a policy document must be a JSON object"]
    problems = []
    if document.get("Version") != "2012-10-17":
        problems.append('policy Version must be "2012-10-17"')
    unknown = set(document) - {"Version", "Id", "Statement"}
    if unknown:
        problems.append(f"unknown policy keys {sorted(unknown)}")
    statements = document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        problems.append("policy needs a non-empty Statement list")
        statements = []
    for i, statement in enumerate(statements):
        if not isinstance(statement, dict):
            problems.append(f"Statement[{i}] must be an object")
            continue
        where = f"Statement[{i}]"
        if statement.get("Effect") not in ("Allow", "Deny"):
            problems.append(f"{where}.Effect must be Allow or Deny")
        if ("Action" in statement) == ("NotAction" in statement):
            problems.append(f"{where} needs exactly one of Action or NotAction")
        if "Principal" in statement or "NotPrincipal" in statement:
            problems.append(f"{where}: {kind}s do not support Principal/NotPrincipal")
        elif set(statement) - _STATEMENT_KEYS:
            problems.append(f"{where}: unknown keys {sorted(set(statement) - _STATEMENT_KEYS)}")
    if not problems:
        size = len(canonical(document))
        if size > max_chars:
            problems.append(f"policy is {size} characters minified, over the {kind} quota of {max_chars}")
    return problems
