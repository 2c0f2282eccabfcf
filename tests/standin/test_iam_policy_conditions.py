"""The stand-in applies a conditional bucket-policy statement only when its condition holds, and
refuses AssumeRole on a role whose trust policy requires an ExternalId that the call lacks."""

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from groundwork_standin.extensions import install_all

ROLE_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole",
    "Condition": {"StringEquals": {"sts:ExternalId": "the-right-one"}}}]}


@pytest.fixture
def aws():
    install_all([".iam_policy_conditions"])
    with mock_aws():
        yield


def test_a_deny_whose_condition_does_not_hold_does_not_deny(aws):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="policy-test")
    s3.put_bucket_policy(Bucket="policy-test", Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": ["arn:aws:s3:::policy-test", "arn:aws:s3:::policy-test/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))
    s3.put_object(Bucket="policy-test", Key="k", Body=b"x")
    assert s3.get_object(Bucket="policy-test", Key="k")["Body"].read() == b"x"


def test_an_unconditional_deny_still_denies(aws):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="policy-test")
    s3.put_bucket_policy(Bucket="policy-test", Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::policy-test/*"}]}))
    with pytest.raises(ClientError):
        s3.put_object(Bucket="policy-test", Key="k", Body=b"x")


@pytest.mark.parametrize("extra, allowed", [
    ({"ExternalId": "the-right-one"}, True),
    ({"ExternalId": "a-wrong-one"}, False),
    ({}, False),
])
def test_assume_role_checks_the_external_id_the_trust_policy_requires(aws, extra, allowed):
    boto3.client("iam").create_role(RoleName="DeploymentRole", AssumeRolePolicyDocument=json.dumps(ROLE_TRUST))
    sts = boto3.client("sts", region_name="us-east-1")
    call = lambda: sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/DeploymentRole",  # noqa: E731
                                   RoleSessionName="test", **extra)
    if allowed:
        assert call()["Credentials"]["AccessKeyId"]
    else:
        with pytest.raises(ClientError) as denied:
            call()
        assert denied.value.response["Error"]["Code"] == "AccessDenied"


def test_roles_without_an_external_id_condition_are_assumed_as_before(aws):
    sts = boto3.client("sts", region_name="us-east-1")
    assert sts.assume_role(RoleArn="arn:aws:iam::111111111111:role/OrganizationAccountAccessRole",
                           RoleSessionName="test")["Credentials"]
