"""The management account's organization trail as member accounts see it: listed (with its ARN and
home Region) in every Region when multi-Region, readable by ARN, never changeable from a member.
Changes through another Region's shadow answer InvalidHomeRegionException. moto 5.2.5 showed members
nothing and let DeleteTrail of any name succeed silently."""

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from groundwork_standin.extensions import install_all

from tests.standin.test_ec2_transit_gateway import _member_session


@pytest.fixture
def org():
    install_all([".cloudtrail_cross_account_bucket", ".cloudtrail_organization_trail"])
    with mock_aws():
        orgs = boto3.client("organizations", region_name="us-east-1")
        orgs.create_organization(FeatureSet="ALL")
        ids = {n: orgs.create_account(AccountName=n, Email=f"{n}@example.com")["CreateAccountStatus"]["AccountId"]
               for n in ("logs", "workload")}
        _member_session(ids["logs"]).client("s3").create_bucket(Bucket="org-trail-logs")
        yield ids


def _trail(region="us-east-1", **kwargs):
    client = boto3.client("cloudtrail", region_name=region)
    arn = client.create_trail(Name=kwargs.pop("Name", "org-trail"), S3BucketName="org-trail-logs", **kwargs)["TrailARN"]
    client.start_logging(Name=arn)
    return client, arn


def _member(account_id, region="us-east-1"):
    return _member_session(account_id).client("cloudtrail", region_name=region)


def _code(exc):
    return exc.value.response["Error"]["Code"]


def test_members_see_the_multi_region_organization_trail_everywhere(org):
    _, arn = _trail(IsMultiRegionTrail=True, IsOrganizationTrail=True)
    for region in ("us-east-1", "eu-west-1"):
        member = _member(org["workload"], region)
        [shown] = member.describe_trails()["trailList"]
        assert (shown["Name"], shown["TrailARN"], shown["HomeRegion"], shown["IsOrganizationTrail"],
                shown["IsMultiRegionTrail"], shown["S3BucketName"]) == (
            "org-trail", arn, "us-east-1", True, True, "org-trail-logs")
        assert member.list_trails()["Trails"] == [{"TrailARN": arn, "Name": "org-trail", "HomeRegion": "us-east-1"}]
        assert member.get_trail(Name=arn)["Trail"]["TrailARN"] == arn
        assert member.get_trail_status(Name=arn)["IsLogging"] is True
        assert member.get_event_selectors(TrailName=arn)["TrailARN"] == arn
        assert member.describe_trails(includeShadowTrails=False)["trailList"] == []
        assert [t["TrailARN"] for t in member.describe_trails(trailNameList=[arn])["trailList"]] == [arn]
        assert member.describe_trails(trailNameList=["org-trail"])["trailList"] == []  # names: own trails only
        with pytest.raises(ClientError) as exc:
            member.get_trail_status(Name="org-trail")
        assert _code(exc) == "TrailNotFoundException"


def test_a_single_region_organization_trail_and_an_account_trail_stay_where_they_are(org):
    _trail(Name="home-only", IsOrganizationTrail=True)
    _trail(Name="account-only", IsMultiRegionTrail=True)
    assert [t["Name"] for t in _member(org["workload"]).describe_trails()["trailList"]] == ["home-only"]
    assert _member(org["workload"], "eu-west-1").describe_trails()["trailList"] == []


def test_members_cannot_change_stop_or_delete_it(org):
    management, arn = _trail(IsMultiRegionTrail=True, IsOrganizationTrail=True)
    member = _member(org["logs"])
    attempts = (lambda: member.stop_logging(Name=arn), lambda: member.start_logging(Name=arn),
                lambda: member.delete_trail(Name=arn),
                lambda: member.update_trail(Name=arn, S3BucketName="org-trail-logs"),
                lambda: member.put_event_selectors(TrailName=arn, EventSelectors=[{"ReadWriteType": "WriteOnly"}]))
    for attempt in attempts:
        with pytest.raises(ClientError) as exc:
            attempt()
        assert exc.value.response["Error"] == {
            "Code": "TrailNotFoundException", "Message": f"Unknown trail: {arn} for the user: {org['logs']}"}
    assert management.get_trail_status(Name="org-trail")["IsLogging"] is True
    assert management.get_event_selectors(TrailName="org-trail")["EventSelectors"] == []
    assert [t["TrailARN"] for t in member.describe_trails()["trailList"]] == [arn]


def test_changes_only_in_the_home_region_and_delete_by_arn(org):
    management, arn = _trail(IsMultiRegionTrail=True, IsOrganizationTrail=True)
    west = boto3.client("cloudtrail", region_name="us-west-2")
    assert west.get_trail(Name=arn)["Trail"]["TrailARN"] == arn  # readable by ARN from a shadow Region
    for attempt in (lambda: west.stop_logging(Name=arn), lambda: west.delete_trail(Name="org-trail"),
                    lambda: west.update_trail(Name="org-trail", S3BucketName="org-trail-logs")):
        with pytest.raises(ClientError) as exc:
            attempt()
        assert _code(exc) == "InvalidHomeRegionException"
    with pytest.raises(ClientError) as exc:
        management.delete_trail(Name="no-such-trail")
    assert _code(exc) == "TrailNotFoundException"
    management.delete_trail(Name=arn)
    assert management.describe_trails()["trailList"] == []
    assert _member(org["workload"]).describe_trails()["trailList"] == []
