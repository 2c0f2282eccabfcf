"""Security Hub cross-Region aggregation: one finding aggregator per account, created in its home
Region (Security Hub enabled there), readable from any Region, changed and deleted only at home,
never created by a member account. moto 5.2.5 answered all five calls with 404."""

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from groundwork_standin.extensions import install_all

from tests.standin.test_ec2_transit_gateway import _member_session


@pytest.fixture
def org():
    install_all([".securityhub_organization", ".securityhub_finding_aggregator"])
    with mock_aws():
        orgs = boto3.client("organizations", region_name="us-east-1")
        orgs.create_organization(FeatureSet="ALL")
        ids = {n: orgs.create_account(AccountName=n, Email=f"{n}@example.com")["CreateAccountStatus"]["AccountId"]
               for n in ("audit", "workload")}
        yield ids


def _hub(account_id, region="us-east-1"):
    client = _member_session(account_id).client("securityhub", region_name=region)
    client.enable_security_hub(EnableDefaultStandards=False)
    return client


def _code(exc):
    return exc.value.response["Error"]["Code"]


def test_one_aggregator_per_account_read_anywhere_changed_at_home(org):
    home = _member_session(org["audit"]).client("securityhub", region_name="us-east-1")
    with pytest.raises(ClientError) as exc:  # Security Hub not enabled here yet
        home.create_finding_aggregator(RegionLinkingMode="ALL_REGIONS")
    assert _code(exc) == "InvalidAccessException"
    home = _hub(org["audit"])
    created = home.create_finding_aggregator(RegionLinkingMode="ALL_REGIONS_EXCEPT_SPECIFIED", Regions=["eu-west-1"])
    arn = created["FindingAggregatorArn"]
    assert arn.startswith(f"arn:aws:securityhub:us-east-1:{org['audit']}:finding-aggregator/")
    assert (created["FindingAggregationRegion"], created["RegionLinkingMode"], created["Regions"]) == (
        "us-east-1", "ALL_REGIONS_EXCEPT_SPECIFIED", ["eu-west-1"])
    west = _hub(org["audit"], "us-west-2")
    for client in (home, west):
        with pytest.raises(ClientError) as exc:  # a second one, from any Region
            client.create_finding_aggregator(RegionLinkingMode="ALL_REGIONS")
        assert _code(exc) == "InvalidInputException"
        assert client.list_finding_aggregators()["FindingAggregators"] == [{"FindingAggregatorArn": arn}]
        got = client.get_finding_aggregator(FindingAggregatorArn=arn)
        assert got["RegionLinkingMode"] == "ALL_REGIONS_EXCEPT_SPECIFIED"
    with pytest.raises(ClientError) as exc:
        west.update_finding_aggregator(FindingAggregatorArn=arn, RegionLinkingMode="ALL_REGIONS")
    assert _code(exc) == "InvalidInputException"
    with pytest.raises(ClientError) as exc:
        west.delete_finding_aggregator(FindingAggregatorArn=arn)
    assert _code(exc) == "InvalidInputException"
    updated = home.update_finding_aggregator(FindingAggregatorArn=arn, RegionLinkingMode="SPECIFIED_REGIONS",
                                             Regions=["us-west-2", "eu-west-1"])
    assert (updated["RegionLinkingMode"], updated["Regions"]) == ("SPECIFIED_REGIONS", ["us-west-2", "eu-west-1"])
    assert home.get_finding_aggregator(FindingAggregatorArn=arn)["Regions"] == ["us-west-2", "eu-west-1"]
    home.delete_finding_aggregator(FindingAggregatorArn=arn)
    assert west.list_finding_aggregators()["FindingAggregators"] == []
    with pytest.raises(ClientError) as exc:
        home.get_finding_aggregator(FindingAggregatorArn=arn)
    assert _code(exc) == "ResourceNotFoundException"
    again = west.create_finding_aggregator(RegionLinkingMode="ALL_REGIONS")  # a new home Region
    assert again["FindingAggregationRegion"] == "us-west-2" and again["FindingAggregatorArn"] != arn


def test_invalid_settings_and_other_accounts(org):
    home = _hub(org["audit"])
    for mode, regions in (("SOME_REGIONS", []), ("NO_REGIONS", ["eu-west-1"]), ("SPECIFIED_REGIONS", ["mars-1"])):
        with pytest.raises(ClientError) as exc:
            home.create_finding_aggregator(RegionLinkingMode=mode, Regions=regions)
        assert _code(exc) == "InvalidInputException"
    assert home.create_finding_aggregator(RegionLinkingMode="NO_REGIONS")["Regions"] == []
    other = _hub(org["workload"])  # another account: its own aggregator, none of the audit one
    assert other.list_finding_aggregators()["FindingAggregators"] == []
    arn = home.list_finding_aggregators()["FindingAggregators"][0]["FindingAggregatorArn"]
    with pytest.raises(ClientError) as exc:
        other.get_finding_aggregator(FindingAggregatorArn=arn)
    assert _code(exc) == "ResourceNotFoundException"


def test_a_member_account_cannot_create_one(org):
    boto3.client("securityhub", region_name="us-east-1").enable_organization_admin_account(AdminAccountId=org["audit"])
    admin = _hub(org["audit"])
    admin.create_members(AccountDetails=[{"AccountId": org["workload"]}])
    member = _hub(org["workload"])
    with pytest.raises(ClientError) as exc:
        member.create_finding_aggregator(RegionLinkingMode="ALL_REGIONS")
    assert exc.value.response["Error"] == {"Code": "InvalidInputException",
                                           "Message": "A finding aggregator cannot be created by a member account."}
    assert admin.create_finding_aggregator(RegionLinkingMode="ALL_REGIONS")["FindingAggregationRegion"] == "us-east-1"
