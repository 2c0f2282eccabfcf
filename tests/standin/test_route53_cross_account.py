"""Cross-account private zone association as in AWS: authorize in the zone owner's account,
associate from the VPC owner's account; without the authorization it is refused."""

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from groundwork_standin.extensions import install_all

from tests.standin.test_ec2_transit_gateway import _member_session


@pytest.fixture
def accounts():
    install_all([".route53_cross_account"])
    with mock_aws():
        orgs = boto3.client("organizations", region_name="us-east-1")
        orgs.create_organization(FeatureSet="ALL")
        ids = [orgs.create_account(AccountName=n, Email=f"{n}@example.com")["CreateAccountStatus"]["AccountId"]
               for n in ("network", "spoke")]
        yield _member_session(ids[0]), _member_session(ids[1])


def test_authorize_then_associate_from_the_vpc_owner(accounts):
    network, spoke = accounts
    hub_vpc = network.client("ec2").create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    spoke_vpc = spoke.client("ec2").create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    owner = network.client("route53")
    zone = owner.create_hosted_zone(Name="internal.example", CallerReference="z",
                                    HostedZoneConfig={"PrivateZone": True},
                                    VPC={"VPCRegion": "us-east-1", "VPCId": hub_vpc})["HostedZone"]["Id"]
    vpc = {"VPCRegion": "us-east-1", "VPCId": spoke_vpc}
    with pytest.raises(ClientError, match="NotAuthorizedException"):
        spoke.client("route53").associate_vpc_with_hosted_zone(HostedZoneId=zone, VPC=vpc)
    owner.create_vpc_association_authorization(HostedZoneId=zone, VPC=vpc)
    assert owner.list_vpc_association_authorizations(HostedZoneId=zone)["VPCs"] == [vpc]
    spoke.client("route53").associate_vpc_with_hosted_zone(HostedZoneId=zone, VPC=vpc)
    owner.delete_vpc_association_authorization(HostedZoneId=zone, VPC=vpc)
    assert owner.list_vpc_association_authorizations(HostedZoneId=zone)["VPCs"] == []
    assert {v["VPCId"] for v in owner.get_hosted_zone(Id=zone)["VPCs"]} == {hub_vpc, spoke_vpc}
    by_vpc = spoke.client("route53").list_hosted_zones_by_vpc(VPCId=spoke_vpc, VPCRegion="us-east-1")
    assert [z["Name"] for z in by_vpc["HostedZoneSummaries"]] == ["internal.example."]
    with pytest.raises(ClientError, match="VPCAssociationAuthorizationNotFound"):
        owner.delete_vpc_association_authorization(HostedZoneId=zone, VPC=vpc)
