"""Every action and condition key in every document groundwork writes exists in AWS.

The catalogue is policy_sentry's copy of AWS's Service Authorization Reference (actions and
service condition keys per service, refreshed by its maintainers from AWS's pages). Global
condition keys (aws:...) are not per service there; they are listed below from AWS's page "AWS
global condition context keys". An unknown name fails: a Deny that names an action AWS does not
have protects nothing (s3:PutObjectLockConfiguration was such a name)."""

from __future__ import annotations

import fnmatch
from functools import cache

import pytest
from policy_sentry.querying.all import get_all_actions
from policy_sentry.querying.conditions import get_condition_keys_for_service

from groundwork.config.loader import load_config
from groundwork.policy.rendered import documents

from tests.conftest import ROOT

# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
GLOBAL_KEYS = {
    "aws:calledvia", "aws:calledviafirst", "aws:calledvialast", "aws:currenttime", "aws:epochtime",
    "aws:federatedprovider", "aws:multifactorauthage", "aws:multifactorauthpresent", "aws:principalaccount",
    "aws:principalarn", "aws:principalisawsservice", "aws:principalorgid", "aws:principalorgpaths",
    "aws:principalservicename", "aws:principalservicenameslist", "aws:principaltype", "aws:referer",
    "aws:requestedregion", "aws:resourceaccount", "aws:resourceorgid", "aws:resourceorgpaths",
    "aws:securetransport", "aws:sourceaccount", "aws:sourcearn", "aws:sourceidentity", "aws:sourceip",
    "aws:sourceorgid", "aws:sourceorgpaths", "aws:sourcevpc", "aws:sourcevpce", "aws:tagkeys",
    "aws:tokenissuetime", "aws:useragent", "aws:userid", "aws:username", "aws:viaawsservice",
    "aws:vpcsourceip", "aws:ec2instancesourcevpc", "aws:ec2instancesourceprivateipv4", "aws:sourcevpcarn",
}
GLOBAL_PREFIXES = ("aws:principaltag/", "aws:requesttag/", "aws:resourcetag/")
CONFIGS = [ROOT / "config" / "foundation.yaml", *sorted((ROOT / "config" / "examples").glob("*.yaml"))]


@cache
def known_actions() -> frozenset[str]:
    return frozenset(a.lower() for a in get_all_actions())


@cache
def service_keys(service: str) -> frozenset[str]:
    return frozenset(k.lower() for k in get_condition_keys_for_service(service))


def unknown_action(pattern: str) -> bool:
    pattern = pattern.lower()
    if pattern == "*":
        return False
    if "*" in pattern or "?" in pattern:
        return not any(fnmatch.fnmatchcase(a, pattern) for a in known_actions())
    return pattern not in known_actions()


def unknown_condition_key(key: str) -> bool:
    key = key.lower()
    if key.startswith("aws:"):
        return key not in GLOBAL_KEYS and not key.startswith(GLOBAL_PREFIXES)
    service = key.split(":", 1)[0]
    known = service_keys(service)
    templated = {k.split("/", 1)[0] + "/" for k in known if "/" in k}
    return key not in known and not any(key.startswith(t) for t in templated)


def _names(document: dict):
    statements = document.get("Statement", [])
    for statement in [statements] if isinstance(statements, dict) else statements:
        for field in ("Action", "NotAction"):
            value = statement.get(field, [])
            for action in [value] if isinstance(value, str) else value:
                yield "action", action
        for block in (statement.get("Condition") or {}).values():
            for key in block:
                yield "condition key", key


def problems(rendered: dict[str, dict]) -> list[str]:
    found = []
    for label, document in rendered.items():
        for kind, name in _names(document):
            check = unknown_action if kind == "action" else unknown_condition_key
            if check(name):
                found.append(f"{label}: {kind} {name!r} is not in AWS's catalogue")
    return found


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_every_generated_document_names_only_what_aws_has(path):
    rendered = documents(load_config(path))
    assert any(label.startswith("SCP ") for label in rendered)
    assert problems(rendered) == []


def test_phase_5_cloudformation_roles_and_stack_grants_are_in_the_catalogue():
    """The CloudFormation service role of every deployment target, and the deployment role's stack grants
    (the configured `stack_actions` are what a team edits; each one must name actions AWS has)."""
    config = load_config(ROOT / "config" / "foundation.yaml")
    rendered = documents(config)
    for env in config.cicd.environments:
        for name in env.accounts:
            for which in ("trust", "permissions"):
                assert f"role {config.cicd.cloudformation_role_name} ({name}) {which}" in rendered
            sids = {s["Sid"] for s in rendered[f"role {config.cicd.deployment_role_name} ({name}) permissions"][
                "Statement"]}
            assert {"DeployStack", "ValidateTemplates", "PassCloudFormationRole"} <= sids
    assert [unknown_action(a) for a in config.cicd.stack_actions] == [False] * len(config.cicd.stack_actions)


def test_the_check_catches_names_aws_does_not_have():
    bad = {"SCP x": {"Statement": [
        {"Effect": "Deny", "Action": ["s3:PutObjectLockConfiguration", "s3:DeleteBucketPublicAccessBlock",
                                      "s3:PutBucketObjectLockConfiguration", "kms:Create*", "kms:Nope*"],
         "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresnt": "true"},
                                        "StringEquals": {"s3:x-amz-acl": "private", "sts:ExternalID2": "x",
                                                         "aws:PrincipalTag/team": "a"}}}]}}
    assert problems(bad) == [
        "SCP x: action 's3:PutObjectLockConfiguration' is not in AWS's catalogue",
        "SCP x: action 's3:DeleteBucketPublicAccessBlock' is not in AWS's catalogue",
        "SCP x: action 'kms:Nope*' is not in AWS's catalogue",
        "SCP x: condition key 'aws:MultiFactorAuthPresnt' is not in AWS's catalogue",
        "SCP x: condition key 'sts:ExternalID2' is not in AWS's catalogue",
    ]
