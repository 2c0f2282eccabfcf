"""The stand-in's phase-4 extensions (in-process moto): GuardDuty organization configuration and
members, Security Hub delegated admins and standards, a trail delivering to another account's bucket,
delegated administrators for Config / Security Hub, and AWS's name for Config's service-linked role."""

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from groundwork_standin.extensions import install_all

from tests.standin.test_ec2_transit_gateway import _member_session

EXTENSIONS = [".guardduty_organization", ".securityhub_organization", ".cloudtrail_cross_account_bucket",
              ".organizations_delegated_services", ".iam_service_linked_role_names"]
AFSBP = "arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0"


@pytest.fixture
def org():
    install_all(EXTENSIONS)
    with mock_aws():
        orgs = boto3.client("organizations", region_name="us-east-1")
        orgs.create_organization(FeatureSet="ALL")
        ids = [orgs.create_account(AccountName=n, Email=f"{n}@example.com")["CreateAccountStatus"]["AccountId"]
               for n in ("audit", "logs", "workload")]
        yield orgs, dict(zip(("audit", "logs", "workload"), ids))


def test_guardduty_organization_configuration_and_members_for_the_administrator_only(org):
    _, ids = org
    audit = _member_session(ids["audit"]).client("guardduty", region_name="us-east-1")
    detector = audit.create_detector(Enable=True)["DetectorId"]
    with pytest.raises(ClientError, match="BadRequestException"):
        audit.describe_organization_configuration(DetectorId=detector)
    boto3.client("guardduty", region_name="us-east-1").enable_organization_admin_account(AdminAccountId=ids["audit"])
    assert audit.describe_organization_configuration(DetectorId=detector)["AutoEnableOrganizationMembers"] == "NONE"
    audit.update_organization_configuration(DetectorId=detector, AutoEnableOrganizationMembers="ALL")
    assert audit.describe_organization_configuration(DetectorId=detector)["AutoEnableOrganizationMembers"] == "ALL"
    details = [{"AccountId": ids["workload"], "Email": "workload@example.com"}]
    audit.create_members(DetectorId=detector, AccountDetails=details)
    audit.create_members(DetectorId=detector, AccountDetails=details)  # twice: still one member
    members = audit.list_members(DetectorId=detector)["Members"]
    assert [(m["AccountId"], m["RelationshipStatus"]) for m in members] == [(ids["workload"], "Enabled")]
    other_region = _member_session(ids["audit"]).client("guardduty", region_name="us-west-2")
    other = other_region.create_detector(Enable=True)["DetectorId"]
    with pytest.raises(ClientError, match="BadRequestException"):  # delegated per region
        other_region.list_members(DetectorId=other)


def test_securityhub_admin_listed_and_standards_per_account_and_region(org):
    _, ids = org
    management = boto3.client("securityhub", region_name="us-east-1")
    assert management.list_organization_admin_accounts()["AdminAccounts"] == []
    management.enable_organization_admin_account(AdminAccountId=ids["audit"])
    assert management.list_organization_admin_accounts()["AdminAccounts"] == [
        {"AccountId": ids["audit"], "Status": "ENABLED"}]
    hub = _member_session(ids["workload"]).client("securityhub", region_name="us-east-1")
    with pytest.raises(ClientError, match="InvalidAccessException"):
        hub.batch_enable_standards(StandardsSubscriptionRequests=[{"StandardsArn": AFSBP}])
    hub.enable_security_hub(EnableDefaultStandards=False)
    assert hub.get_enabled_standards()["StandardsSubscriptions"] == []
    with pytest.raises(ClientError, match="InvalidInputException"):
        hub.batch_enable_standards(StandardsSubscriptionRequests=[{"StandardsArn": AFSBP.replace("us-east-1", "eu-west-1")}])
    for _ in range(2):
        hub.batch_enable_standards(StandardsSubscriptionRequests=[{"StandardsArn": AFSBP}])
    subscriptions = hub.get_enabled_standards()["StandardsSubscriptions"]
    assert [(s["StandardsArn"], s["StandardsStatus"]) for s in subscriptions] == [(AFSBP, "READY")]
    assert subscriptions[0]["StandardsSubscriptionArn"].startswith(f"arn:aws:securityhub:us-east-1:{ids['workload']}:")
    west = _member_session(ids["workload"]).client("securityhub", region_name="us-west-2")
    west.enable_security_hub(EnableDefaultStandards=False)
    assert west.get_enabled_standards()["StandardsSubscriptions"] == []
    hub.batch_disable_standards(StandardsSubscriptionArns=[subscriptions[0]["StandardsSubscriptionArn"]])
    assert hub.get_enabled_standards()["StandardsSubscriptions"] == []


def test_an_organization_trail_delivers_to_a_bucket_of_another_account(org):
    _, ids = org
    _member_session(ids["logs"]).client("s3", region_name="us-east-1").create_bucket(Bucket="central-logs")
    trails = boto3.client("cloudtrail", region_name="us-east-1")
    trails.create_trail(Name="org", S3BucketName="central-logs", IsOrganizationTrail=True, IsMultiRegionTrail=True)
    assert trails.get_trail(Name="org")["Trail"]["S3BucketName"] == "central-logs"
    with pytest.raises(ClientError, match="S3BucketDoesNotExistException"):
        trails.create_trail(Name="other", S3BucketName="no-such-bucket")


def test_config_and_securityhub_can_be_delegated(org):
    orgs, ids = org
    for service in ("config.amazonaws.com", "securityhub.amazonaws.com"):
        orgs.register_delegated_administrator(AccountId=ids["audit"], ServicePrincipal=service)
        admins = orgs.list_delegated_administrators(ServicePrincipal=service)["DelegatedAdministrators"]
        assert [a["Id"] for a in admins] == [ids["audit"]]


def test_config_service_linked_role_has_aws_name(org):
    role = boto3.client("iam").create_service_linked_role(AWSServiceName="config.amazonaws.com")["Role"]
    assert role["RoleName"] == "AWSServiceRoleForConfig"
    assert role["Arn"].endswith("role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig")
