"""The SCP evaluator on its own: matching, conditions, missing keys, explicit allow."""

from __future__ import annotations

import pytest

from groundwork.policy.evaluate import (
    FULL_AWS_ACCESS, UnsupportedPolicy, applies, arn_like, is_allowed, is_denied, like,
)


def deny(**statement) -> dict:
    return {"Version": "2012-10-17", "Statement": [{"Sid": "Test", "Effect": "Deny", **statement}]}


@pytest.mark.parametrize(
    "pattern, value, ignore_case, expected",
    [
        ("*", "", False, True),
        ("s3:*", "s3:GetObject", False, True),
        ("s3:Get*", "s3:PutObject", False, False),
        ("s3:Get?bject", "s3:GetObject", False, True),
        ("s3:Get?bject", "s3:GetObbject", False, False),
        ("s3:getobject", "s3:GetObject", False, False),
        ("s3:getobject", "s3:GetObject", True, True),
        ("a.b", "axb", False, False),  # regex characters are literal
        ("a[1]", "a[1]", False, True),
    ],
)
def test_wildcards(pattern, value, ignore_case, expected):
    assert like(pattern, value, ignore_case) is expected


@pytest.mark.parametrize(
    "pattern, arn, expected",
    [
        ("arn:aws:iam::*:role/Admin", "arn:aws:iam::123456789012:role/Admin", True),
        ("arn:aws:iam::*:role/Admin", "arn:aws:iam::123456789012:role/Admin2", False),
        ("arn:aws:iam::*:role/*", "arn:aws:iam::123456789012:root", False),
        ("arn:aws:s3:::logs-*", "arn:aws:s3:::logs-1/AWSLogs/a:b", True),  # the last segment may hold / and :
        ("arn:aws:iam::*", "arn:aws:iam::123456789012:role/Admin", False),  # not six segments
        ("arn:aws:iam::*:role/admin", "arn:aws:iam::123456789012:role/Admin", False),  # case-sensitive
    ],
)
def test_arn_like_matches_segment_by_segment(pattern, arn, expected):
    assert arn_like(pattern, arn) is expected


def test_actions_are_case_insensitive_and_resources_are_not():
    document = deny(Action="S3:DeleteObject", Resource="arn:aws:s3:::Bucket/*")
    assert is_denied([document], "s3:deleteobject", "arn:aws:s3:::Bucket/key") == (True, "Test")
    assert is_denied([document], "s3:DeleteObject", "arn:aws:s3:::bucket/key") == (False, None)


def test_not_action_denies_everything_else():
    document = deny(NotAction=["iam:*", "sts:AssumeRole"], Resource="*")
    assert is_denied([document], "ec2:RunInstances")[0]
    assert not is_denied([document], "iam:CreateRole")[0]
    assert not is_denied([document], "sts:AssumeRole")[0]
    assert is_denied([document], "sts:GetCallerIdentity")[0]


def test_not_resource_exempts_resources():
    document = deny(Action="s3:*", NotResource=["arn:aws:s3:::public-*", "arn:aws:s3:::public-*/*"])
    assert not is_denied([document], "s3:GetObject", "arn:aws:s3:::public-site/index.html")[0]
    assert is_denied([document], "s3:GetObject", "arn:aws:s3:::private/key")[0]


def test_missing_context_key_fails_positive_and_passes_negated_operators():
    positive = deny(Action="*", Resource="*", Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}})
    negated = deny(Action="*", Resource="*", Condition={"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}})
    if_exists = deny(Action="*", Resource="*", Condition={"StringEqualsIfExists": {"aws:RequestedRegion": "eu-west-1"}})
    for operator in ("StringLike", "ArnLike"):
        document = deny(Action="*", Resource="*", Condition={operator: {"aws:PrincipalArn": "*"}})
        assert not is_denied([document], "ec2:RunInstances", context={})[0], operator
    for operator in ("StringNotLike", "ArnNotLike"):
        document = deny(Action="*", Resource="*", Condition={operator: {"aws:PrincipalArn": "*"}})
        assert is_denied([document], "ec2:RunInstances", context={})[0], operator
    assert not is_denied([positive], "ec2:RunInstances", context={})[0]
    assert is_denied([negated], "ec2:RunInstances", context={})[0]
    assert is_denied([if_exists], "ec2:RunInstances", context={})[0]
    assert not is_denied([if_exists], "ec2:RunInstances", context={"aws:RequestedRegion": "us-east-1"})[0]


def test_several_values_are_or_for_positive_and_nor_for_negated_operators():
    allowed = ["us-east-1", "us-west-2"]
    negated = deny(Action="*", Resource="*", Condition={"StringNotEquals": {"aws:RequestedRegion": allowed}})
    positive = deny(Action="*", Resource="*", Condition={"StringEquals": {"aws:RequestedRegion": allowed}})
    for region, inside in (("us-east-1", True), ("us-west-2", True), ("eu-west-1", False)):
        context = {"aws:RequestedRegion": region}
        assert is_denied([negated], "ec2:RunInstances", context=context)[0] is not inside
        assert is_denied([positive], "ec2:RunInstances", context=context)[0] is inside


def test_condition_operators_and_keys_are_all_required():
    document = deny(
        Action="*", Resource="*",
        Condition={"StringEquals": {"s3:x-amz-acl": "public-read", "aws:RequestedRegion": "us-east-1"},
                   "ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Admin"}},
    )
    context = {
        "s3:x-amz-acl": "public-read", "aws:RequestedRegion": "us-east-1", "aws:PrincipalArn": "arn:aws:iam::1:role/Dev"
    }
    admin = {**context, "aws:PrincipalArn": "arn:aws:iam::1:role/Admin"}
    assert is_denied([document], "s3:PutBucketAcl", context=context)[0]
    assert not is_denied([document], "s3:PutBucketAcl", context={**context, "aws:RequestedRegion": "us-west-2"})[0]
    assert not is_denied([document], "s3:PutBucketAcl", context=admin)[0]


def test_condition_keys_are_case_insensitive_and_values_are_not():
    document = deny(Action="*", Resource="*", Condition={"StringEquals": {"AWS:RequestedRegion": "eu-west-1"}})
    assert is_denied([document], "ec2:RunInstances", context={"aws:requestedregion": "eu-west-1"})[0]
    assert not is_denied([document], "ec2:RunInstances", context={"aws:RequestedRegion": "EU-WEST-1"})[0]


def test_a_list_valued_context_key_matches_when_any_value_does():
    document = deny(Action="*", Resource="*", Condition={"StringLike": {"aws:TagKeys": "secret-*"}})
    assert is_denied([document], "ec2:CreateTags", context={"aws:TagKeys": ["team", "secret-x"]})[0]
    assert not is_denied([document], "ec2:CreateTags", context={"aws:TagKeys": ["team"]})[0]


def test_unsupported_operators_and_keys_raise_instead_of_being_ignored():
    with pytest.raises(UnsupportedPolicy, match="NumericLessThan"):
        numeric = deny(Action="*", Resource="*", Condition={"NumericLessThan": {"s3:max-keys": "10"}})
        is_denied([numeric], "s3:ListBucket")
    with pytest.raises(UnsupportedPolicy, match="NotPrincipal"):
        is_denied([deny(Action="*", Resource="*", NotPrincipal="*")], "s3:ListBucket")
    with pytest.raises(UnsupportedPolicy, match="neither Action nor NotAction"):
        applies({"Effect": "Deny", "Resource": "*"}, "s3:ListBucket", "*", {})


def test_allow_needs_an_explicit_allow_and_no_deny():
    leave = deny(Action="organizations:LeaveOrganization", Resource="*")
    assert not is_allowed([], "s3:GetObject")  # implicit deny
    assert not is_allowed([leave], "s3:GetObject")
    assert is_allowed([leave, FULL_AWS_ACCESS], "s3:GetObject")
    assert not is_allowed([leave, FULL_AWS_ACCESS], "organizations:LeaveOrganization")
    narrow = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}
    assert is_allowed([narrow], "s3:GetObject")
    assert not is_allowed([narrow], "ec2:RunInstances")


def test_is_denied_names_the_first_matching_deny():
    first = deny(Action="s3:*", Resource="*")
    second = deny(Action="*", Resource="*")
    second["Statement"][0]["Sid"] = "Second"
    assert is_denied([FULL_AWS_ACCESS, first, second], "s3:GetObject") == (True, "Test")
    assert is_denied([FULL_AWS_ACCESS, first, second], "ec2:RunInstances") == (True, "Second")
