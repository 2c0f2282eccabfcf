"""Amazon EC2 calls for the network phase (VPCs, subnets, routes, gateways, endpoints, Transit
Gateway), one small function each, fully paginated. Resources groundwork makes carry tags; lookups
go by tag, and "not found" is None."""

from __future__ import annotations

from groundwork.aws.common import MANAGED, all_items


def tag_spec(resource_type: str, tags: dict[str, str]) -> list[dict]:
    return [{"ResourceType": resource_type, "Tags": [{"Key": k, "Value": v} for k, v in {**MANAGED, **tags}.items()]}]


def tags_of(resource: dict) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in resource.get("Tags") or []}


_all = all_items


def _tag_filters(tags: dict[str, str]) -> list[dict]:
    return [{"Name": f"tag:{k}", "Values": [v]} for k, v in tags.items()]


def zone_names(client) -> list[str]:
    zones = client.describe_availability_zones(Filters=[{"Name": "state", "Values": ["available"]}])
    return sorted(z["ZoneName"] for z in zones["AvailabilityZones"] if z.get("ZoneType", "availability-zone") == "availability-zone")


# --------------------------------------------------------------------------- VPCs and subnets
def vpcs(client, **tags: str) -> list[dict]:
    kwargs = {"Filters": _tag_filters(tags)} if tags else {}
    return _all(client, "describe_vpcs", "Vpcs", **kwargs)


def create_vpc(client, cidr: str, tags: dict[str, str]) -> dict:
    vpc = client.create_vpc(CidrBlock=cidr, TagSpecifications=tag_spec("vpc", tags))["Vpc"]
    client.modify_vpc_attribute(VpcId=vpc["VpcId"], EnableDnsSupport={"Value": True})
    client.modify_vpc_attribute(VpcId=vpc["VpcId"], EnableDnsHostnames={"Value": True})
    return vpc


def subnets(client, vpc_id: str) -> list[dict]:
    return _all(client, "describe_subnets", "Subnets", Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])


def create_subnet(client, vpc_id: str, cidr: str, zone: str, tags: dict[str, str]) -> dict:
    return client.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone,
                                TagSpecifications=tag_spec("subnet", tags))["Subnet"]


# --------------------------------------------------------------------------- route tables
def route_tables(client, vpc_id: str) -> list[dict]:
    return _all(client, "describe_route_tables", "RouteTables", Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])


def create_route_table(client, vpc_id: str, tags: dict[str, str]) -> dict:
    return client.create_route_table(VpcId=vpc_id, TagSpecifications=tag_spec("route-table", tags))["RouteTable"]


def associate_route_table(client, route_table_id: str, subnet_id: str) -> None:
    client.associate_route_table(RouteTableId=route_table_id, SubnetId=subnet_id)


TARGET_PARAMS = {"transit_gateway": "TransitGatewayId", "internet_gateway": "GatewayId", "nat_gateway": "NatGatewayId"}


def create_route(client, route_table_id: str, destination: str, target_kind: str, target_id: str) -> None:
    client.create_route(RouteTableId=route_table_id, DestinationCidrBlock=destination, **{TARGET_PARAMS[target_kind]: target_id})


def replace_route(client, route_table_id: str, destination: str, target_kind: str, target_id: str) -> None:
    client.replace_route(RouteTableId=route_table_id, DestinationCidrBlock=destination, **{TARGET_PARAMS[target_kind]: target_id})


def delete_route(client, route_table_id: str, destination: str) -> None:
    client.delete_route(RouteTableId=route_table_id, DestinationCidrBlock=destination)


# --------------------------------------------------------------------------- internet egress
def internet_gateways(client, vpc_id: str) -> list[dict]:
    return _all(client, "describe_internet_gateways", "InternetGateways",
                Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])


def create_internet_gateway(client, vpc_id: str, tags: dict[str, str]) -> dict:
    igw = client.create_internet_gateway(TagSpecifications=tag_spec("internet-gateway", tags))["InternetGateway"]
    client.attach_internet_gateway(InternetGatewayId=igw["InternetGatewayId"], VpcId=vpc_id)
    return igw


def nat_gateways(client, vpc_id: str) -> list[dict]:
    found = _all(client, "describe_nat_gateways", "NatGateways", Filter=[{"Name": "vpc-id", "Values": [vpc_id]}])
    return [n for n in found if n["State"] not in ("deleted", "deleting", "failed")]


def create_nat_gateway(client, subnet_id: str, tags: dict[str, str]) -> dict:
    """A public NAT gateway with its own Elastic IP (both tagged)."""
    eip = client.allocate_address(Domain="vpc", TagSpecifications=tag_spec("elastic-ip", tags))
    return client.create_nat_gateway(SubnetId=subnet_id, AllocationId=eip["AllocationId"],
                                     TagSpecifications=tag_spec("natgateway", tags))["NatGateway"]


# --------------------------------------------------------------------------- VPC endpoints
def vpc_endpoints(client, vpc_id: str) -> list[dict]:
    found = _all(client, "describe_vpc_endpoints", "VpcEndpoints", Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
    return [e for e in found if e["State"].lower() not in ("deleted", "deleting", "failed", "rejected")]


def create_gateway_endpoint(client, vpc_id: str, service_name: str, route_table_ids: list[str], tags: dict[str, str]) -> dict:
    return client.create_vpc_endpoint(VpcId=vpc_id, ServiceName=service_name, VpcEndpointType="Gateway",
                                      RouteTableIds=route_table_ids,
                                      TagSpecifications=tag_spec("vpc-endpoint", tags))["VpcEndpoint"]


def create_interface_endpoint(client, vpc_id: str, service_name: str, subnet_ids: list[str], tags: dict[str, str]) -> dict:
    return client.create_vpc_endpoint(VpcId=vpc_id, ServiceName=service_name, VpcEndpointType="Interface",
                                      SubnetIds=subnet_ids, PrivateDnsEnabled=True,
                                      TagSpecifications=tag_spec("vpc-endpoint", tags))["VpcEndpoint"]


def delete_vpc_endpoints(client, endpoint_ids: list[str]) -> None:
    client.delete_vpc_endpoints(VpcEndpointIds=endpoint_ids)


# --------------------------------------------------------------------------- Transit Gateway
def transit_gateways(client, **tags: str) -> list[dict]:
    kwargs = {"Filters": _tag_filters(tags)} if tags else {}
    found = _all(client, "describe_transit_gateways", "TransitGateways", **kwargs)
    return [t for t in found if t["State"] not in ("deleted", "deleting")]


def create_transit_gateway(client, asn: int, tags: dict[str, str]) -> dict:
    """Default route table association and propagation off: every attachment is placed explicitly.
    Shared attachments are accepted automatically; an unassociated attachment routes nowhere."""
    return client.create_transit_gateway(
        Description="groundwork hub",
        Options={
            "AmazonSideAsn": asn,
            "AutoAcceptSharedAttachments": "enable",
            "DefaultRouteTableAssociation": "disable",
            "DefaultRouteTablePropagation": "disable",
            "DnsSupport": "enable",
            "VpnEcmpSupport": "enable",
        },
        TagSpecifications=tag_spec("transit-gateway", tags),
    )["TransitGateway"]


def tgw_route_tables(client, tgw_id: str) -> list[dict]:
    found = _all(client, "describe_transit_gateway_route_tables", "TransitGatewayRouteTables",
                 Filters=[{"Name": "transit-gateway-id", "Values": [tgw_id]}])
    return [t for t in found if t["State"] not in ("deleted", "deleting")]


def create_tgw_route_table(client, tgw_id: str, tags: dict[str, str]) -> dict:
    return client.create_transit_gateway_route_table(
        TransitGatewayId=tgw_id, TagSpecifications=tag_spec("transit-gateway-route-table", tags)
    )["TransitGatewayRouteTable"]


def tgw_vpc_attachments(client, **filters: str) -> list[dict]:
    """VPC attachments, filtered by e.g. vpc_id= / transit_gateway_id= (underscores for dashes)."""
    flt = [{"Name": k.replace("_", "-"), "Values": [v]} for k, v in filters.items()]
    found = _all(client, "describe_transit_gateway_vpc_attachments", "TransitGatewayVpcAttachments", Filters=flt)
    return [a for a in found if a["State"] not in ("deleted", "deleting", "failed", "rejected")]


def delete_tgw_vpc_attachment(client, attachment_id: str) -> None:
    client.delete_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=attachment_id)


def tgw_attachment(client, attachment_id: str) -> dict | None:
    found = client.describe_transit_gateway_attachments(TransitGatewayAttachmentIds=[attachment_id])
    return next(iter(found["TransitGatewayAttachments"]), None)


def create_tgw_vpc_attachment(client, tgw_id: str, vpc_id: str, subnet_ids: list[str], tags: dict[str, str]) -> dict:
    return client.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw_id, VpcId=vpc_id, SubnetIds=subnet_ids,
        TagSpecifications=tag_spec("transit-gateway-attachment", tags),
    )["TransitGatewayVpcAttachment"]


def tgw_associations(client, route_table_id: str) -> list[dict]:
    return _all(client, "get_transit_gateway_route_table_associations", "Associations",
                TransitGatewayRouteTableId=route_table_id)


def tgw_propagations(client, route_table_id: str) -> list[dict]:
    return _all(client, "get_transit_gateway_route_table_propagations", "TransitGatewayRouteTablePropagations",
                TransitGatewayRouteTableId=route_table_id)


def associate_tgw_route_table(client, route_table_id: str, attachment_id: str) -> None:
    client.associate_transit_gateway_route_table(TransitGatewayRouteTableId=route_table_id,
                                                 TransitGatewayAttachmentId=attachment_id)


def disassociate_tgw_route_table(client, route_table_id: str, attachment_id: str) -> None:
    client.disassociate_transit_gateway_route_table(TransitGatewayRouteTableId=route_table_id,
                                                    TransitGatewayAttachmentId=attachment_id)


def enable_tgw_propagation(client, route_table_id: str, attachment_id: str) -> None:
    client.enable_transit_gateway_route_table_propagation(TransitGatewayRouteTableId=route_table_id,
                                                          TransitGatewayAttachmentId=attachment_id)


def disable_tgw_propagation(client, route_table_id: str, attachment_id: str) -> None:
    client.disable_transit_gateway_route_table_propagation(TransitGatewayRouteTableId=route_table_id,
                                                           TransitGatewayAttachmentId=attachment_id)


def tgw_routes(client, route_table_id: str, route_type: str | None = None) -> list[dict]:
    """Active routes of a TGW route table (SearchTransitGatewayRoutes has no paginator; 1000 max)."""
    filters = [{"Name": "state", "Values": ["active", "blackhole"]}]
    if route_type:
        filters.append({"Name": "type", "Values": [route_type]})
    return client.search_transit_gateway_routes(TransitGatewayRouteTableId=route_table_id, Filters=filters,
                                                MaxResults=1000)["Routes"]


def create_tgw_route(client, route_table_id: str, destination: str, attachment_id: str) -> None:
    client.create_transit_gateway_route(TransitGatewayRouteTableId=route_table_id, DestinationCidrBlock=destination,
                                        TransitGatewayAttachmentId=attachment_id)


def replace_tgw_route(client, route_table_id: str, destination: str, attachment_id: str) -> None:
    client.replace_transit_gateway_route(TransitGatewayRouteTableId=route_table_id, DestinationCidrBlock=destination,
                                         TransitGatewayAttachmentId=attachment_id)


def delete_tgw_route(client, route_table_id: str, destination: str) -> None:
    client.delete_transit_gateway_route(TransitGatewayRouteTableId=route_table_id, DestinationCidrBlock=destination)


# --------------------------------------------------------------------------- workloads (preflight)
def non_default_vpcs(client) -> list[dict]:
    """Every VPC but the region's default one."""
    return _all(client, "describe_vpcs", "Vpcs", Filters=[{"Name": "is-default", "Values": ["false"]}])


LIVE_INSTANCE_STATES = ["pending", "running", "shutting-down", "stopping", "stopped"]


def instances(client) -> list[dict]:
    """Every instance that is not terminated (a stopped one is still a workload)."""
    found = _all(client, "describe_instances", "Reservations",
                 Filters=[{"Name": "instance-state-name", "Values": LIVE_INSTANCE_STATES}])
    return [instance for reservation in found for instance in reservation["Instances"]]


# --------------------------------------------------------------------------- flow logs (phase 4)
def flow_logs(client, vpc_id: str) -> list[dict]:
    return _all(client, "describe_flow_logs", "FlowLogs", Filters=[{"Name": "resource-id", "Values": [vpc_id]}])


def create_s3_flow_log(client, vpc_id: str, destination: str) -> None:
    """All traffic of the VPC, delivered to an S3 bucket (ARN with prefix) in another account."""
    result = client.create_flow_logs(
        ResourceIds=[vpc_id], ResourceType="VPC", TrafficType="ALL", LogDestinationType="s3",
        LogDestination=destination, MaxAggregationInterval=600,
        TagSpecifications=tag_spec("vpc-flow-log", {}))
    if result.get("Unsuccessful"):
        raise RuntimeError(f"flow log for {vpc_id} refused: {result['Unsuccessful']}")


def delete_flow_logs(client, flow_log_ids: list[str]) -> None:
    if flow_log_ids:
        client.delete_flow_logs(FlowLogIds=flow_log_ids)
