"""Issue 11's guardrail extensions through a real stand-in process (routes, EXTENSIONS order):
finding aggregator, organization trail in a member, GuardDuty membership seen by a member, flow logs
to another account's bucket prefix, a malformed tag policy refused."""

import json
import time

import pytest
from botocore.exceptions import ClientError

from tests.standin.conftest import client


def _account(orgs, name):
    status = orgs.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]
    while status["State"] == "IN_PROGRESS":
        time.sleep(0.2)
        status = orgs.describe_create_account_status(CreateAccountRequestId=status["Id"])["CreateAccountStatus"]
    return status["AccountId"]


def test_guardrail_calls_answer_as_aws_does(standin):
    _, endpoint, _ = standin
    orgs = client(endpoint, "organizations")
    orgs.create_organization(FeatureSet="ALL")
    audit, logs = _account(orgs, "audit"), _account(orgs, "logs")
    sts = client(endpoint, "sts")

    def member(account_id, service):
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
                                RoleSessionName="guardrails")["Credentials"]
        return client(endpoint, service, creds)

    hub = member(audit, "securityhub")
    hub.enable_security_hub(EnableDefaultStandards=False)
    arn = hub.create_finding_aggregator(RegionLinkingMode="ALL_REGIONS")["FindingAggregatorArn"]
    assert hub.get_finding_aggregator(FindingAggregatorArn=arn)["FindingAggregationRegion"] == "us-east-1"
    hub.delete_finding_aggregator(FindingAggregatorArn=arn)
    assert hub.list_finding_aggregators()["FindingAggregators"] == []

    member(logs, "s3").create_bucket(Bucket="org-logs")
    trails = client(endpoint, "cloudtrail")
    trail = trails.create_trail(Name="org-trail", S3BucketName="org-logs", IsMultiRegionTrail=True,
                                IsOrganizationTrail=True)["TrailARN"]
    seen = member(logs, "cloudtrail")
    assert [t["TrailARN"] for t in seen.describe_trails()["trailList"]] == [trail]
    with pytest.raises(ClientError, match="TrailNotFoundException"):
        seen.stop_logging(Name=trail)

    client(endpoint, "guardduty").enable_organization_admin_account(AdminAccountId=audit)
    admin = member(audit, "guardduty")
    detector = admin.create_detector(Enable=True)["DetectorId"]
    admin.create_members(DetectorId=detector, AccountDetails=[{"AccountId": logs, "Email": "logs@example.com"}])
    assert [m["AccountId"] for m in admin.get_members(DetectorId=detector, AccountIds=[logs])["Members"]] == [logs]
    gd = member(logs, "guardduty")
    own = gd.list_detectors()["DetectorIds"][0]
    assert gd.get_administrator_account(DetectorId=own)["Administrator"]["AccountId"] == audit
    assert gd.get_master_account(DetectorId=own)["Master"]["RelationshipStatus"] == "Enabled"

    ec2 = member(audit, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    made = ec2.create_flow_logs(ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL", LogDestinationType="s3",
                                LogDestination="arn:aws:s3:::org-logs/flow/")
    assert made["Unsuccessful"] == []
    assert ec2.describe_flow_logs()["FlowLogs"][0]["LogDestination"] == "arn:aws:s3:::org-logs/flow/"

    with pytest.raises(ClientError, match="MalformedPolicyDocumentException"):
        orgs.create_policy(Name="tags", Description="d", Type="TAG_POLICY",
                           Content=json.dumps({"Version": "2012-10-17", "Statement": []}))
