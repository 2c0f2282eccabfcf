"""Cross-account private hosted zone association, as in AWS (moto 5.2.5 has neither the
authorization calls nor a way to associate another account's VPC):

* CreateVPCAssociationAuthorization / DeleteVPCAssociationAuthorization /
  ListVPCAssociationAuthorizations in the zone owner's account;
* AssociateVPCWithHostedZone from the VPC owner's account on a zone of another account succeeds
  only while that VPC is authorized (else NotAuthorizedException), and GetHostedZone in the owner's
  account then lists the VPC. ListHostedZonesByVPC in the VPC's account shows the zone.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.route53 import urls
from moto.route53.exceptions import NoSuchHostedZone, Route53ClientError
from moto.route53.models import Route53Backend, route53_backends
from moto.route53.responses import Route53

PATHS = {
    r"{0}/(?P<api_version>[\d_-]+)/hostedzone/(?P<zone_id>[^/]+)/authorizevpcassociation$": Route53.dispatch,
    r"{0}/(?P<api_version>[\d_-]+)/hostedzone/(?P<zone_id>[^/]+)/deauthorizevpcassociation$": Route53.dispatch,
}
_original: dict[str, Any] = {}


class NotAuthorized(Route53ClientError):
    def __init__(self, message: str):
        super().__init__("NotAuthorizedException", message)


class AuthorizationNotFound(Route53ClientError):
    def __init__(self, message: str):
        super().__init__("VPCAssociationAuthorizationNotFound", message)


def _authorizations(backend: Route53Backend) -> dict[str, set[tuple[str, str]]]:
    if not hasattr(backend, "vpc_authorizations"):
        backend.vpc_authorizations = {}  # zone id -> {(vpc id, region)}
    return backend.vpc_authorizations


def _zone_owner(backend: Route53Backend, zone_id: str) -> Route53Backend | None:
    for account_id in list(route53_backends.keys()):
        other = route53_backends[account_id][backend.partition]
        if other is not backend and zone_id in other.zones:
            return other
    return None


def associate_vpc_with_hosted_zone(self: Route53Backend, zone_id: str, vpcid: str, vpcregion: str):
    key = zone_id.replace("/hostedzone/", "")
    if key in self.zones:
        return _original["associate"](self, zone_id, vpcid, vpcregion)
    owner = _zone_owner(self, key)
    if owner is None:
        raise NoSuchHostedZone(zone_id)
    if vpcid not in {vpc for vpc, _ in _authorizations(owner).get(key, set())}:
        raise NotAuthorized(f"The VPC {vpcid} has not been authorized to associate with your hosted zone.")
    return _original["associate"](owner, zone_id, vpcid, vpcregion)


def list_hosted_zones_by_vpc(self: Route53Backend, vpc_id: str) -> list[dict[str, Any]]:
    found = _original["by_vpc"](self, vpc_id)
    for account_id in list(route53_backends.keys()):
        other = route53_backends[account_id][self.partition]
        if other is not self:
            found += [z for z in _original["by_vpc"](other, vpc_id)]
    return found


# --------------------------------------------------------------------------- responses
def _zone_and_vpc(response: Route53) -> tuple[str, str, str]:
    zone_id = response._get_param("HostedZoneId")
    return zone_id.replace("/hostedzone/", ""), response._get_param("VPC.VPCId"), response._get_param("VPC.VPCRegion")


def create_vpc_association_authorization(self: Route53) -> ActionResult:
    zone_id, vpc_id, region = _zone_and_vpc(self)
    self.backend.get_hosted_zone(zone_id)
    _authorizations(self.backend).setdefault(zone_id, set()).add((vpc_id, region))
    return ActionResult({"HostedZoneId": zone_id, "VPC": {"VPCId": vpc_id, "VPCRegion": region}})


def delete_vpc_association_authorization(self: Route53) -> ActionResult:
    zone_id, vpc_id, region = _zone_and_vpc(self)
    self.backend.get_hosted_zone(zone_id)
    allowed = _authorizations(self.backend).get(zone_id, set())
    if (vpc_id, region) not in allowed:
        raise AuthorizationNotFound(f"The VPC {vpc_id} is not authorized to associate with hosted zone {zone_id}.")
    allowed.discard((vpc_id, region))
    return EmptyResult()


def list_vpc_association_authorizations(self: Route53) -> ActionResult:
    zone_id = self._get_param("HostedZoneId").replace("/hostedzone/", "")
    self.backend.get_hosted_zone(zone_id)
    vpcs = [{"VPCId": v, "VPCRegion": r} for v, r in sorted(_authorizations(self.backend).get(zone_id, set()))]
    return ActionResult({"HostedZoneId": zone_id, "VPCs": vpcs})


def install() -> None:
    if _original:
        return
    _original["associate"] = Route53Backend.associate_vpc_with_hosted_zone
    _original["by_vpc"] = Route53Backend.list_hosted_zones_by_vpc
    Route53Backend.associate_vpc_with_hosted_zone = associate_vpc_with_hosted_zone
    Route53Backend.list_hosted_zones_by_vpc = list_hosted_zones_by_vpc
    Route53.create_vpc_association_authorization = create_vpc_association_authorization
    Route53.delete_vpc_association_authorization = delete_vpc_association_authorization
    Route53.list_vpc_association_authorizations = list_vpc_association_authorizations
    urls.url_paths.update(PATHS)  # ListVPCAssociationAuthorizations shares the authorize path (GET)
