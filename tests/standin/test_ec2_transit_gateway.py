"""The Transit Gateway as in AWS: shared by RAM to the organization, a member attaches its own VPC
and routes to it; no default route table when default association/propagation are off; one
association per attachment; propagation makes routes; attachments pending for a while."""

import time

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from groundwork_standin.extensions import ec2_transit_gateway, install_all

OPTIONS = {"DefaultRouteTableAssociation": "disable", "DefaultRouteTablePropagation": "disable",
           "AutoAcceptSharedAttachments": "enable"}


def _member_session(account_id):
    creds = boto3.client("sts", region_name="us-east-1").assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole", RoleSessionName="test")["Credentials"]
    return boto3.session.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                                 aws_session_token=creds["SessionToken"], region_name="us-east-1")


@pytest.fixture
def org():
    """An organization with a network account and a spoke account, clients for both."""
    install_all([".ec2_transit_gateway", ".ram_organization_sharing"])
    with mock_aws():
        orgs = boto3.client("organizations", region_name="us-east-1")
        arn = orgs.create_organization(FeatureSet="ALL")["Organization"]["Arn"]
        ids = [orgs.create_account(AccountName=n, Email=f"{n}@example.com")["CreateAccountStatus"]["AccountId"]
               for n in ("network", "spoke")]
        yield arn, _member_session(ids[0]), _member_session(ids[1])


def _hub(network):
    ec2 = network.client("ec2")
    tgw = ec2.create_transit_gateway(Options=OPTIONS)["TransitGateway"]
    return ec2, tgw


def _share(network, org_arn, tgw):
    network.client("ram").create_resource_share(name="tgw", resourceArns=[tgw["TransitGatewayArn"]],
                                                principals=[org_arn], allowExternalPrincipals=False)


def _spoke_vpc(ec2, cidr="10.1.0.0/16"):
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr.replace("0.0/16", "0.0/20"), AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    return vpc, subnet


def test_no_default_route_table_when_defaults_are_off(org):
    _, network, _ = org
    ec2, tgw = _hub(network)
    assert "AssociationDefaultRouteTableId" not in tgw["Options"]
    assert ec2.describe_transit_gateway_route_tables()["TransitGatewayRouteTables"] == []


def test_a_member_cannot_see_an_unshared_gateway(org):
    _, network, spoke = org
    _, tgw = _hub(network)
    sec2 = spoke.client("ec2")
    vpc, subnet = _spoke_vpc(sec2)
    assert sec2.describe_transit_gateways()["TransitGateways"] == []
    with pytest.raises(ClientError, match="InvalidTransitGatewayID"):
        sec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw["TransitGatewayId"], VpcId=vpc, SubnetIds=[subnet])


def test_a_member_attaches_to_the_shared_gateway_and_the_owner_routes_it(org):
    org_arn, network, spoke = org
    ec2, tgw = _hub(network)
    _share(network, org_arn, tgw)
    sec2 = spoke.client("ec2")
    assert [t["TransitGatewayId"] for t in sec2.describe_transit_gateways()["TransitGateways"]] == [tgw["TransitGatewayId"]]
    vpc, subnet = _spoke_vpc(sec2)
    attachment = sec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw["TransitGatewayId"], VpcId=vpc, SubnetIds=[subnet])["TransitGatewayVpcAttachment"]
    att_id = attachment["TransitGatewayAttachmentId"]
    # the owner sees it, unassociated
    seen = ec2.describe_transit_gateway_attachments(TransitGatewayAttachmentIds=[att_id])["TransitGatewayAttachments"][0]
    assert "Association" not in seen
    # the member routes to the shared gateway
    table = sec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    sec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", TransitGatewayId=tgw["TransitGatewayId"])
    routes = sec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
    assert {r.get("TransitGatewayId") for r in routes if r.get("DestinationCidrBlock") == "0.0.0.0/0"} == {tgw["TransitGatewayId"]}
    # the owner associates once; a second association is refused, as in AWS
    first = ec2.create_transit_gateway_route_table(TransitGatewayId=tgw["TransitGatewayId"])["TransitGatewayRouteTable"]["TransitGatewayRouteTableId"]
    second = ec2.create_transit_gateway_route_table(TransitGatewayId=tgw["TransitGatewayId"])["TransitGatewayRouteTable"]["TransitGatewayRouteTableId"]
    ec2.associate_transit_gateway_route_table(TransitGatewayRouteTableId=first, TransitGatewayAttachmentId=att_id)
    with pytest.raises(ClientError, match="AlreadyAssociated"):
        ec2.associate_transit_gateway_route_table(TransitGatewayRouteTableId=second, TransitGatewayAttachmentId=att_id)
    assert [a["TransitGatewayAttachmentId"] for a in ec2.get_transit_gateway_route_table_associations(
        TransitGatewayRouteTableId=second)["Associations"]] == []
    # propagation makes a route to the VPC's CIDR
    ec2.enable_transit_gateway_route_table_propagation(TransitGatewayRouteTableId=second, TransitGatewayAttachmentId=att_id)
    routes = ec2.search_transit_gateway_routes(TransitGatewayRouteTableId=second,
                                               Filters=[{"Name": "state", "Values": ["active"]}], MaxResults=100)["Routes"]
    assert [(r["DestinationCidrBlock"], r["Type"], r["TransitGatewayAttachments"][0]["TransitGatewayAttachmentId"])
            for r in routes] == [("10.1.0.0/16", "propagated", att_id)]
    ec2.create_transit_gateway_route(TransitGatewayRouteTableId=second, DestinationCidrBlock="0.0.0.0/0",
                                     TransitGatewayAttachmentId=att_id)
    static = ec2.search_transit_gateway_routes(TransitGatewayRouteTableId=second,
                                               Filters=[{"Name": "type", "Values": ["static"]}])["Routes"]
    assert [(r["DestinationCidrBlock"], r["TransitGatewayAttachments"][0]["TransitGatewayAttachmentId"]) for r in static] == [
        ("0.0.0.0/0", att_id)]


def test_attachments_are_pending_for_a_while(org):
    org_arn, network, spoke = org
    _, tgw = _hub(network)
    _share(network, org_arn, tgw)
    sec2 = spoke.client("ec2")
    vpc, subnet = _spoke_vpc(sec2)
    ec2_transit_gateway.SETTINGS["attachment_seconds"] = 0.5
    try:
        att = sec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw["TransitGatewayId"], VpcId=vpc,
                                                         SubnetIds=[subnet])["TransitGatewayVpcAttachment"]
        assert att["State"] == "pending"
        time.sleep(0.6)
        found = sec2.describe_transit_gateway_vpc_attachments(TransitGatewayAttachmentIds=[att["TransitGatewayAttachmentId"]])
        assert found["TransitGatewayVpcAttachments"][0]["State"] == "available"
    finally:
        ec2_transit_gateway.SETTINGS["attachment_seconds"] = 0.0


def test_enabling_ram_sharing_turns_on_trusted_access(org):
    _ = org
    boto3.client("ram", region_name="us-east-1").enable_sharing_with_aws_organization()
    services = boto3.client("organizations", region_name="us-east-1").list_aws_service_access_for_organization()
    assert "ram.amazonaws.com" in [s["ServicePrincipal"] for s in services["EnabledServicePrincipals"]]
