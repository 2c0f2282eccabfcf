"""VPC flow logs to an S3 bucket given with a folder (arn:aws:s3:::bucket/prefix/), the bucket in the
Log Archive account: created and shown with the full destination. moto 5.2.5 took "bucket/prefix/"
for the bucket name and reported every such flow log Unsuccessful."""

import json

import boto3
import pytest
from moto import mock_aws

from groundwork_standin.extensions import install_all

from tests.standin.test_ec2_transit_gateway import _member_session

POLICY = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "delivery.logs.amazonaws.com"}, "Action": "s3:PutObject",
    "Resource": "arn:aws:s3:::central-flow-logs/vpc-flow-logs/*"}]}


@pytest.fixture
def accounts():
    install_all([".ec2_flow_logs_s3_prefix"])
    with mock_aws():
        orgs = boto3.client("organizations", region_name="us-east-1")
        orgs.create_organization(FeatureSet="ALL")
        logs, workload = (_member_session(orgs.create_account(AccountName=n, Email=f"{n}@example.com")
                                          ["CreateAccountStatus"]["AccountId"]) for n in ("logs", "workload"))
        s3 = logs.client("s3")
        s3.create_bucket(Bucket="central-flow-logs")
        s3.put_bucket_policy(Bucket="central-flow-logs", Policy=json.dumps(POLICY))
        ec2 = workload.client("ec2")
        yield ec2, ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]


def _create(ec2, vpc, destination, traffic="ALL"):
    return ec2.create_flow_logs(ResourceIds=[vpc], ResourceType="VPC", TrafficType=traffic,
                                LogDestinationType="s3", LogDestination=destination)


def test_a_flow_log_to_another_accounts_bucket_with_a_prefix(accounts):
    ec2, vpc = accounts
    made = _create(ec2, vpc, "arn:aws:s3:::central-flow-logs/vpc-flow-logs/")
    assert made["Unsuccessful"] == [] and len(made["FlowLogIds"]) == 1
    [shown] = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc]}])["FlowLogs"]
    assert (shown["FlowLogId"], shown["LogDestinationType"], shown["LogDestination"], shown["TrafficType"],
            shown["FlowLogStatus"]) == (made["FlowLogIds"][0], "s3", "arn:aws:s3:::central-flow-logs/vpc-flow-logs/",
                                        "ALL", "ACTIVE")


def test_duplicates_other_prefixes_and_missing_buckets(accounts):
    ec2, vpc = accounts
    _create(ec2, vpc, "arn:aws:s3:::central-flow-logs/vpc-flow-logs/")
    with pytest.raises(ec2.exceptions.ClientError) as exc:
        _create(ec2, vpc, "arn:aws:s3:::central-flow-logs/vpc-flow-logs/")
    assert exc.value.response["Error"]["Code"] == "FlowLogAlreadyExists"
    assert _create(ec2, vpc, "arn:aws:s3:::central-flow-logs/elsewhere/")["Unsuccessful"] == []
    missing = _create(ec2, vpc, "arn:aws:s3:::no-such-bucket/vpc-flow-logs/")
    assert missing["FlowLogIds"] == [] and [u["ResourceId"] for u in missing["Unsuccessful"]] == [vpc]
    destinations = sorted(f["LogDestination"] for f in ec2.describe_flow_logs()["FlowLogs"])
    assert destinations == ["arn:aws:s3:::central-flow-logs/elsewhere/",
                            "arn:aws:s3:::central-flow-logs/vpc-flow-logs/"]
