"""The product's clients never repeat a token-less create whose answer was lost (that is how a
second VPC or account gets made), and still retry throttling and reads. Faults come from a real
stand-in process, after moto applied the call, exactly as a lost AWS answer looks to botocore."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from groundwork.aws.context import AwsContext, creates_without_token
from groundwork_standin.faults import FaultClient


@pytest.fixture
def aws(standin):
    _, endpoint, _ = standin
    control = FaultClient(endpoint)
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    ctx = AwsContext(session=session, region="us-east-1", endpoint_for=lambda service: endpoint)
    yield ctx, control
    control.clear()


def own_vpcs(ec2) -> list[dict]:
    return [v for v in ec2.describe_vpcs()["Vpcs"] if not v["IsDefault"]]


def test_a_lost_create_answer_fails_the_call_once_and_makes_one_vpc(aws):
    ctx, control = aws
    ec2 = ctx.client("ec2")
    control.add(service="ec2", operation="CreateVpc", error_code="InternalError", http_status=500, after=True, count=3)
    with pytest.raises(ClientError) as raised:
        ec2.create_vpc(CidrBlock="10.1.0.0/16")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert control.rules()[0]["fired"] == 1  # not retried
    assert len(own_vpcs(ec2)) == 1  # the lost call did make it: the step's rerun finds it


def test_a_throttled_create_is_still_retried(aws):
    ctx, control = aws
    ec2 = ctx.client("ec2")
    control.add(service="ec2", operation="CreateVpc", error_code="RequestLimitExceeded", http_status=400, count=2)
    ec2.create_vpc(CidrBlock="10.2.0.0/16")
    assert control.rules()[0]["fired"] == 2
    assert len(own_vpcs(ec2)) == 1


def test_reads_are_retried_after_a_server_error(aws):
    ctx, control = aws
    ec2 = ctx.client("ec2")
    control.add(service="ec2", operation="DescribeVpcs", error_code="InternalError", http_status=500, count=2)
    assert own_vpcs(ec2) == []
    assert control.rules()[0]["fired"] == 2


def test_which_creates_are_not_retried():
    ec2 = boto3.client("ec2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    orgs = boto3.client("organizations", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    model = ec2.meta.service_model
    assert creates_without_token(model.operation_model("CreateVpc"))
    assert creates_without_token(orgs.meta.service_model.operation_model("CreateAccount"))
    assert not creates_without_token(model.operation_model("CreateNatGateway"))  # ClientToken: AWS dedupes
    assert not creates_without_token(model.operation_model("DescribeVpcs"))
    assert not creates_without_token(model.operation_model("ModifyVpcAttribute"))
    iam = boto3.client("iam", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    assert not creates_without_token(iam.meta.service_model.operation_model("CreateRole"))  # a unique name
