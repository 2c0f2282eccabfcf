"""Transit Gateway as AWS behaves, where moto 5.2.5 does not:

* RAM-shared Transit Gateways: a member account the TGW is shared with (RAM share, ACTIVE, whose
  principal is the organization, the account's OU path is not modelled, or the account id) sees it
  in DescribeTransitGateways, can attach its own VPC to it and route to it (CreateRoute /
  ReplaceRoute with TransitGatewayId; moto drops the target). The attachment belongs to the VPC
  owner and is also visible to, and routable by, the TGW owner. moto: InvalidTransitGatewayID.
* With DefaultRouteTableAssociation/Propagation disabled there is no default route table and a new
  attachment is associated nowhere (moto creates one and auto-associates, so an attachment could
  end up in two tables). Associating an attachment that is already associated is refused
  (Resource.AlreadyAssociated), as in AWS.
* SearchTransitGatewayRoutes with MaxResults fails in moto (it slices a dict); it is honoured here.
* Propagation produces routes: SearchTransitGatewayRoutes lists each propagating VPC attachment's
  CIDR as a `propagated` route (moto lists static routes only).
* Attachments are `pending` for a while before `available` (moto: available at once). The delay is
  SETTINGS["attachment_seconds"]: 0 in-process (tests), GROUNDWORK_STANDIN_TGW_ATTACHMENT_SECONDS
  (default 2) in the served stand-in.
"""

from __future__ import annotations

import inspect
import os
import time
from typing import Any

from moto.ec2.exceptions import EC2ClientError, InvalidTransitGatewayID
from moto.ec2.models import ec2_backends
from moto.ec2.models.transit_gateway import TransitGateway, TransitGatewayBackend
from moto.ec2.models.transit_gateway_attachments import (
    TransitGatewayAttachment,
    TransitGatewayAttachmentBackend,
    TransitGatewayVpcAttachment,
)
from moto.ec2.models.route_tables import RouteBackend
from moto.ec2.models.transit_gateway_route_tables import TransitGatewayRouteTableBackend
from moto.organizations.models import organizations_backends
from moto.ram.models import ram_backends

SETTINGS = {"attachment_seconds": 0.0}
_original: dict[str, Any] = {}


class AlreadyAssociated(EC2ClientError):
    def __init__(self, attachment_id: str, table_id: str):
        super().__init__("Resource.AlreadyAssociated",
                         f"Transit Gateway Attachment {attachment_id} is already associated to a route table {table_id}.")


# --------------------------------------------------------------------------- default route table
def _tgw_init(self: TransitGateway, backend: Any, description: str | None, options: dict | None = None) -> None:
    _original["tgw_init"](self, backend, description, options)
    association = self.options.get("DefaultRouteTableAssociation") == "enable"
    propagation = self.options.get("DefaultRouteTablePropagation") == "enable"
    if not (association or propagation):
        backend.transit_gateways_route_tables.pop(self.default_route_table.id, None)
        self.default_route_table = None
        self.options.pop("AssociationDefaultRouteTableId", None)
        self.options.pop("PropagationDefaultRouteTableId", None)
    elif not association:
        self.options.pop("AssociationDefaultRouteTableId", None)


# --------------------------------------------------------------------------- attachment state
def _get_state(self: TransitGatewayAttachment) -> str:
    state = self.__dict__.get("_state", "available")
    if state == "available" and time.time() < self.__dict__.get("ready_at", 0.0):
        return "pending"
    return state


def _set_state(self: TransitGatewayAttachment, value: str) -> None:
    self.__dict__["_state"] = value


def _association(self: TransitGatewayAttachment) -> dict[str, str] | None:
    data = self._association_data
    if data.get("state") == "associated":
        return {"State": "associated", "TransitGatewayRouteTableId": data["transitGatewayRouteTableId"]}
    return None


# --------------------------------------------------------------------------- RAM sharing
def _shared_with(account_id: str, region: str, tgw: TransitGateway) -> bool:
    owner = tgw.ec2_backend.account_id
    if owner == account_id:
        return True
    backend = ram_backends[owner][region]
    for share in backend.resource_shares:
        if share.status != "ACTIVE" or tgw.arn not in share.resource_arns:
            continue
        for principal in share.principals:
            if principal == account_id:
                return True
            if ":organization/" in principal:
                master = organizations_backends.master_accounts.get(account_id, (account_id, None))[0]
                org = organizations_backends[master][tgw.ec2_backend.partition].org
                if org is not None and org.arn == principal:
                    return True
    return False


def _shared_gateways(self: Any) -> list[TransitGateway]:
    """TGWs of other accounts in this region that are shared with this account."""
    found = []
    for account_id, regions in ec2_backends.items():
        if account_id == self.account_id or self.region_name not in regions:
            continue
        for tgw in list(regions[self.region_name].transit_gateways.values()):
            if _shared_with(self.account_id, self.region_name, tgw):
                found.append(tgw)
    return found


def describe_transit_gateways(self: Any, filters: Any, transit_gateway_ids: list[str] | None) -> list[TransitGateway]:
    own = _original["describe_transit_gateways"](self, filters, transit_gateway_ids)
    shared = _shared_gateways(self)
    if transit_gateway_ids:
        shared = [t for t in shared if t.id in transit_gateway_ids]
    if filters:  # tags of a shared TGW are not visible to the consumer (as in AWS): filter on the rest
        from moto.utilities.utils import filter_resources

        tag_free = {k: v for k, v in filters.items() if not k.startswith("tag")}
        shared = [] if len(tag_free) != len(filters) else filter_resources(
            shared, tag_free, (("transit-gateway-id", "id"), ("state", "state"), ("owner-id", "owner_id")))
    return own + shared


def _find_gateway(self: Any, transit_gateway_id: str) -> TransitGateway | None:
    if transit_gateway_id in self.transit_gateways:
        return self.transit_gateways[transit_gateway_id]
    return next((t for t in _shared_gateways(self) if t.id == transit_gateway_id), None)


def create_transit_gateway_vpc_attachment(self: Any, transit_gateway_id: str, vpc_id: str, subnet_ids: list[str],
                                          tags: dict[str, str] | None = None,
                                          options: dict[str, str] | None = None) -> TransitGatewayVpcAttachment:
    tgw = _find_gateway(self, transit_gateway_id)
    if tgw is None:
        raise InvalidTransitGatewayID(transit_gateway_id,
                                      f"Transit Gateway {transit_gateway_id} was deleted or does not exist.")
    if self.describe_transit_gateway_vpc_attachments(filters={"transit-gateway-id": [transit_gateway_id], "vpc-id": [vpc_id]}):
        from moto.ec2.exceptions import DuplicateTransitGatewayAttachmentError

        raise DuplicateTransitGatewayAttachmentError(transit_gateway_id)
    attachment = TransitGatewayVpcAttachment(self, transit_gateway=tgw, tags=tags, vpc_id=vpc_id,
                                             subnet_ids=subnet_ids, options=options)
    attachment.transit_gateway_route_table = None
    attachment.transit_gateway_owner = tgw.ec2_backend.account_id
    delay = float(SETTINGS["attachment_seconds"])
    if delay > 0:
        attachment.ready_at = time.time() + delay
    self.transit_gateway_attachments[attachment.id] = attachment
    owner = tgw.ec2_backend
    owner.transit_gateway_attachments[attachment.id] = attachment  # the TGW owner sees and routes it
    default = tgw.default_route_table
    if default is not None and tgw.options.get("DefaultRouteTableAssociation") == "enable":
        owner.associate_transit_gateway_route_table(attachment.id, default.id)
    if default is not None and tgw.options.get("DefaultRouteTablePropagation") == "enable":
        owner.enable_transit_gateway_route_table_propagation(attachment.id, default.id)
    return attachment


def _route_with_shared_gateway(name: str):
    signature = inspect.signature(_original[name])

    def method(self: Any, *args: Any, **kwargs: Any):
        route = _original[name](self, *args, **kwargs)
        tgw_id = signature.bind(self, *args, **kwargs).arguments.get("transit_gateway_id")
        if tgw_id and route.transit_gateway is None:
            route.transit_gateway = _find_gateway(self, tgw_id)
        return route

    return method


def associate_transit_gateway_route_table(self: Any, transit_gateway_attachment_id: str,
                                          transit_gateway_route_table_id: str) -> Any:
    attachment = self.transit_gateway_attachments[transit_gateway_attachment_id]
    current = attachment._association_data.get("transitGatewayRouteTableId")
    if attachment._association_data.get("state") == "associated" and current:
        raise AlreadyAssociated(transit_gateway_attachment_id, current)
    return _original["associate"](self, transit_gateway_attachment_id, transit_gateway_route_table_id)


def _vpc_cidr(attachment: TransitGatewayAttachment) -> str | None:
    vpc = attachment.ec2_backend.vpcs.get(attachment.resource_id)
    return vpc.cidr_block if vpc is not None else None


def search_transit_gateway_routes(self: Any, transit_gateway_route_table_id: str, filters: Any,
                                  max_results: int | None = None) -> list[dict]:
    static = []  # moto renders a route's attachment as a dict where AWS has a list: copy, as a list
    for route in _original["search"](self, transit_gateway_route_table_id, filters, None):  # moto slices a dict
        attachments = route.get("transitGatewayAttachments")
        static.append({**route, "transitGatewayAttachments": [attachments] if isinstance(attachments, dict) else attachments or []})
    table = self.transit_gateways_route_tables.get(transit_gateway_route_table_id)
    if table is None:
        return static
    propagated = []
    for propagation in table.route_table_propagation:
        attachment = self.transit_gateway_attachments.get(propagation.transitGatewayAttachmentId)
        cidr = _vpc_cidr(attachment) if attachment is not None and attachment.resource_type == "vpc" else None
        if cidr is None or cidr in table.routes:  # a static route wins over a propagated one
            continue
        propagated.append({
            "destinationCidrBlock": cidr, "prefixListId": None, "state": "active", "type": "propagated",
            "transitGatewayAttachments": [{"resourceId": attachment.resource_id, "resourceType": "vpc",
                                           "transitGatewayAttachmentId": attachment.id}],
        })
    wanted = {k: v for k, v in (filters or {}).items() if v}
    for key, attr in (("type", "type"), ("state", "state"), ("route-search.exact-match", "destinationCidrBlock")):
        if key in wanted:
            propagated = [r for r in propagated if r[attr] in wanted[key]]
    routes = static + propagated
    return routes[: int(max_results)] if max_results else routes


def install() -> None:
    if _original:
        return
    _original["tgw_init"] = TransitGateway.__init__
    _original["describe_transit_gateways"] = TransitGatewayBackend.describe_transit_gateways
    _original["associate"] = TransitGatewayRouteTableBackend.associate_transit_gateway_route_table
    _original["search"] = TransitGatewayRouteTableBackend.search_transit_gateway_routes
    for name in ("create_route", "replace_route"):
        _original[name] = getattr(RouteBackend, name)
        setattr(RouteBackend, name, _route_with_shared_gateway(name))
    TransitGateway.__init__ = _tgw_init
    TransitGatewayAttachment.state = property(_get_state, _set_state)
    TransitGatewayAttachment.association = property(_association)
    TransitGatewayBackend.describe_transit_gateways = describe_transit_gateways
    TransitGatewayAttachmentBackend.create_transit_gateway_vpc_attachment = create_transit_gateway_vpc_attachment
    TransitGatewayRouteTableBackend.associate_transit_gateway_route_table = associate_transit_gateway_route_table
    TransitGatewayRouteTableBackend.search_transit_gateway_routes = search_transit_gateway_routes


def wrap_wsgi(app: Any) -> Any:
    """Only the served stand-in calls this: there, attachments take a while, as in AWS."""
    SETTINGS["attachment_seconds"] = float(os.environ.get("GROUNDWORK_STANDIN_TGW_ATTACHMENT_SECONDS", "2"))
    return app
