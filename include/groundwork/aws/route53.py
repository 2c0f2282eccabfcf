"""Amazon Route 53 calls for private hosted zones shared across accounts, one small function each.

Cross-account association is two calls, as AWS requires: the zone owner authorizes the VPC
(CreateVPCAssociationAuthorization), then the VPC owner associates it (AssociateVPCWithHostedZone);
the authorization is deleted afterwards (it is only needed for the association itself)."""

from __future__ import annotations

import uuid


def private_zone(client, name: str) -> dict | None:
    """The private hosted zone of that name owned by this account, or None."""
    dns = name.rstrip(".") + "."
    marker: dict = {}
    while True:
        page = client.list_hosted_zones_by_name(DNSName=dns, **marker)
        for zone in page["HostedZones"]:
            if zone["Name"] == dns and zone.get("Config", {}).get("PrivateZone"):
                return zone
            if zone["Name"] != dns:
                return None
        if not page.get("IsTruncated"):
            return None
        marker = {"DNSName": page["NextDNSName"], "HostedZoneId": page["NextHostedZoneId"]}


def zone_vpcs(client, zone_id: str) -> set[str]:
    return {v["VPCId"] for v in client.get_hosted_zone(Id=zone_id).get("VPCs", [])}


def create_private_zone(client, name: str, vpc_id: str, region: str) -> dict:
    return client.create_hosted_zone(
        Name=name, CallerReference=f"groundwork-{uuid.uuid4()}",
        HostedZoneConfig={"PrivateZone": True, "Comment": "groundwork private zone"},
        VPC={"VPCRegion": region, "VPCId": vpc_id},
    )["HostedZone"]


def authorize_vpc(client, zone_id: str, vpc_id: str, region: str) -> None:
    client.create_vpc_association_authorization(HostedZoneId=zone_id, VPC={"VPCRegion": region, "VPCId": vpc_id})


def revoke_vpc_authorization(client, zone_id: str, vpc_id: str, region: str) -> None:
    try:
        client.delete_vpc_association_authorization(HostedZoneId=zone_id, VPC={"VPCRegion": region, "VPCId": vpc_id})
    except client.exceptions.VPCAssociationAuthorizationNotFound:
        pass


def associate_vpc(client, zone_id: str, vpc_id: str, region: str) -> None:
    try:
        client.associate_vpc_with_hosted_zone(HostedZoneId=zone_id, VPC={"VPCRegion": region, "VPCId": vpc_id})
    except client.exceptions.ConflictingDomainExists:
        pass
