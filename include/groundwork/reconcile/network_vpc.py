"""One account's VPC: the VPC, subnets, route tables and their routes, internet egress (hub only),
VPC endpoints and the Transit Gateway attachment made from the account itself.

Read (`read_vpc`) -> diff against the layout (`plan_vpc`) -> apply (`apply_vpc`, then, once the
attachment is available, `apply_vpc_routes`). Routes to the Transit Gateway need the attachment,
so they are a separate step; everything else is done before the wait.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from groundwork.aws.common import is_managed
from groundwork.aws import ec2
from groundwork.plan.model import Change, approved_pending
from groundwork.reconcile.network_layout import (
    IGW, TAG_ACCOUNT, TAG_NAME, TGW, AccountLayout, service_name,
)

GATEWAY, INTERFACE = "Gateway", "Interface"


@dataclass
class VpcState:
    """What AWS holds for one account's groundwork VPC (nothing but the zones when it has none)."""

    account: str
    zones: list[str] = field(default_factory=list)
    vpc: dict | None = None
    others: list[dict] = field(default_factory=list)  # every other VPC in the account
    subnets: dict[str, dict] = field(default_factory=dict)  # by groundwork:name
    route_tables: dict[str, dict] = field(default_factory=dict)  # by groundwork:name
    internet_gateway: dict | None = None
    nat_gateways: dict[str, dict] = field(default_factory=dict)  # by groundwork:name (nat-1 ...)
    endpoints: dict[str, dict] = field(default_factory=dict)  # by service short name
    attachment: dict | None = None

    @property
    def vpc_id(self) -> str | None:
        return self.vpc["VpcId"] if self.vpc else None


def _named(items: list[dict]) -> dict[str, dict]:
    return {ec2.tags_of(i)[TAG_NAME]: i for i in items if TAG_NAME in ec2.tags_of(i)}


def find_vpc(client, account: str) -> dict | None:
    """The account's groundwork VPC (by its tag), or None."""
    return next(iter(ec2.vpcs(client, **{TAG_ACCOUNT: account})), None)


def read_vpc(client, account: str, region: str, tgw_id: str | None = None) -> VpcState:
    state = VpcState(account, zones=ec2.zone_names(client))
    for vpc in ec2.vpcs(client):
        if ec2.tags_of(vpc).get(TAG_ACCOUNT) == account and state.vpc is None:
            state.vpc = vpc
        else:
            state.others.append(vpc)
    if state.vpc is None:
        return state
    vpc_id = state.vpc_id
    state.subnets = _named(ec2.subnets(client, vpc_id))
    state.route_tables = _named(ec2.route_tables(client, vpc_id))
    state.internet_gateway = next(iter(ec2.internet_gateways(client, vpc_id)), None)
    state.nat_gateways = _named(ec2.nat_gateways(client, vpc_id))
    prefix = service_name(region, "")
    state.endpoints = {e["ServiceName"].removeprefix(prefix): e for e in ec2.vpc_endpoints(client, vpc_id)}
    if tgw_id:
        state.attachment = next(iter(ec2.tgw_vpc_attachments(client, vpc_id=vpc_id, transit_gateway_id=tgw_id)), None)
    return state


def _route_target(route: dict, state: VpcState, tgw_id: str | None) -> str:
    if route.get("TransitGatewayId"):
        return TGW if route["TransitGatewayId"] == tgw_id else route["TransitGatewayId"]
    if route.get("NatGatewayId"):
        for name, nat in state.nat_gateways.items():
            if nat["NatGatewayId"] == route["NatGatewayId"]:
                return f"nat_gateway:{name.removeprefix('nat-')}"
        return route["NatGatewayId"]
    gateway = route.get("GatewayId", "")
    if state.internet_gateway and gateway == state.internet_gateway["InternetGatewayId"]:
        return IGW
    return gateway or "other"


def actual_routes(table: dict, state: VpcState, tgw_id: str | None) -> dict[str, str]:
    """Routes groundwork manages: CIDR destinations, not local, not gateway-endpoint prefix lists."""
    return {
        r["DestinationCidrBlock"]: _route_target(r, state, tgw_id)
        for r in table.get("Routes", [])
        if r.get("DestinationCidrBlock") and r.get("GatewayId") != "local" and r.get("Origin") != "CreateRouteTable"
    }


def _table_subnets(table: dict, state: VpcState) -> list[str]:
    by_id = {s["SubnetId"]: name for name, s in state.subnets.items()}
    return sorted(by_id.get(a.get("SubnetId"), a.get("SubnetId")) for a in table.get("Associations", []) if a.get("SubnetId"))


def plan_vpc(layout: AccountLayout, state: VpcState, region: str, tgw_id: str | None = None) -> list[Change]:
    """The account's VPC changes. `tgw_id`: the hub's Transit Gateway, when it exists."""
    name, prod = layout.name, layout.production
    changes: list[Change] = []

    def add(kind: str, key: str, before: dict | None, after: dict | None, note: str = ""):
        changes.append(Change.between(kind, key, before, after, production=prod, note=note))

    vpc_before = {"cidr": state.vpc["CidrBlock"]} if state.vpc else None
    add("vpc", name, vpc_before, {"cidr": layout.cidr})
    for sub, (cidr, zone) in layout.subnets.items():
        found = state.subnets.get(sub)
        add("subnet", f"{name}/{sub}", {"cidr": found["CidrBlock"], "zone": found["AvailabilityZone"]} if found else None,
            {"cidr": cidr, "zone": zone})
    if layout.egress:
        add("internet_gateway", name, {"vpc": name} if state.internet_gateway else None, {"vpc": name})
        for i, _ in enumerate(layout.private_subnets, start=1):
            found = state.nat_gateways.get(f"nat-{i}")
            add("nat_gateway", f"{name}/nat-{i}", {"subnet": f"public-{i}"} if found else None, {"subnet": f"public-{i}"})
    for table, (subnets, routes) in layout.route_tables.items():
        found = state.route_tables.get(table)
        before = None
        if found:
            before = {"subnets": _table_subnets(found, state), "routes": actual_routes(found, state, tgw_id)}
        add("route_table", f"{name}/{table}", before, {"subnets": sorted(subnets), "routes": dict(sorted(routes.items()))})
    wanted = {**{s: GATEWAY for s in layout.gateway_endpoints}, **{s: INTERFACE for s in layout.interface_endpoints}}
    for service, kind in wanted.items():
        found = state.endpoints.get(service)
        add("vpc_endpoint", f"{name}/{service}", {"type": found["VpcEndpointType"]} if found else None, {"type": kind})
    for service, found in state.endpoints.items():
        if service not in wanted and is_managed(ec2.tags_of(found)):
            add("vpc_endpoint", f"{name}/{service}", {"type": found["VpcEndpointType"]}, None, note="removed from the config")
    attachment = {"transit_gateway": "hub", "subnets": sorted(layout.private_subnets)}
    att_before = None
    if state.attachment:
        by_id = {s["SubnetId"]: n for n, s in state.subnets.items()}
        att_before = {"transit_gateway": "hub", "subnets": sorted(by_id.get(s, s) for s in state.attachment["SubnetIds"])}
    add("tgw_attachment", name, att_before, attachment)
    return changes


def _tags(layout: AccountLayout, name: str) -> dict[str, str]:
    return {TAG_ACCOUNT: layout.name, TAG_NAME: name, "Name": f"groundwork-{layout.name}-{name}".replace(" ", "-").lower()}


def apply_vpc(client, layout: AccountLayout, region: str, tgw_id: str, approved: set[str]) -> list[Change]:
    """Everything but the routes to the Transit Gateway: VPC, subnets, IGW and NAT (hub with egress),
    route tables (subnet associations, IGW/NAT routes), endpoints, and the attachment."""
    state = read_vpc(client, layout.name, region, tgw_id)
    done = []
    for change in approved_pending(plan_vpc(layout, state, region, tgw_id), approved):
        _apply_one(client, layout, region, tgw_id, state, change, with_tgw_routes=False)
        done.append(change)
    return done


def apply_vpc_routes(client, layout: AccountLayout, region: str, tgw_id: str, approved: set[str]) -> list[Change]:
    """Routes to the Transit Gateway, once the attachment is available."""
    state = read_vpc(client, layout.name, region, tgw_id)
    done = []
    for change in approved_pending(plan_vpc(layout, state, region, tgw_id), approved):
        if change.kind != "route_table":
            raise RuntimeError(f"{change.summary()} is still pending after the VPC step")
        _apply_routes(client, state, state.route_tables[change.key.rpartition("/")[2]], change.after["routes"], tgw_id,
                      with_tgw_routes=True)
        done.append(change)
    return done


def _apply_one(client, layout, region, tgw_id, state: VpcState, change: Change, with_tgw_routes: bool) -> None:
    local = change.key.rpartition("/")[2]
    if change.kind == "vpc":
        state.vpc = ec2.create_vpc(client, layout.cidr, {**_tags(layout, "vpc"), TAG_ACCOUNT: layout.name})
    elif change.kind == "subnet":
        if change.action != "create":
            raise RuntimeError(f"{change.summary()}: a subnet's CIDR or zone cannot change in place; replace it by hand")
        state.subnets[local] = ec2.create_subnet(client, state.vpc_id, change.after["cidr"], change.after["zone"],
                                                 _tags(layout, local))
    elif change.kind == "internet_gateway":
        state.internet_gateway = ec2.create_internet_gateway(client, state.vpc_id, _tags(layout, "igw"))
    elif change.kind == "nat_gateway":
        subnet = state.subnets[change.after["subnet"]]["SubnetId"]
        state.nat_gateways[local] = ec2.create_nat_gateway(client, subnet, _tags(layout, local))
    elif change.kind == "route_table":
        table = state.route_tables.get(local)
        if table is None:
            table = ec2.create_route_table(client, state.vpc_id, _tags(layout, local))
            table.setdefault("Associations", [])
            state.route_tables[local] = table
        associated = set(_table_subnets(table, state))
        for sub in change.after["subnets"]:
            if sub not in associated:
                ec2.associate_route_table(client, table["RouteTableId"], state.subnets[sub]["SubnetId"])
        _apply_routes(client, state, table, change.after["routes"], tgw_id, with_tgw_routes)
    elif change.kind == "vpc_endpoint":
        _apply_endpoint(client, layout, region, state, local, change)
    elif change.kind == "tgw_attachment":
        if change.action != "create":
            raise RuntimeError(f"{change.summary()}: change the attachment's subnets by hand (ModifyTransitGatewayVpcAttachment)")
        subnet_ids = [state.subnets[s]["SubnetId"] for s in change.after["subnets"]]
        state.attachment = ec2.create_tgw_vpc_attachment(client, tgw_id, state.vpc_id, subnet_ids, _tags(layout, "attachment"))


def _apply_routes(client, state: VpcState, table: dict, wanted: dict[str, str], tgw_id: str, with_tgw_routes: bool) -> None:
    current = actual_routes(table, state, tgw_id)
    for destination, target in wanted.items():
        if current.get(destination) == target or (target == TGW and not with_tgw_routes):
            continue
        kind, target_id = _target_id(state, target, tgw_id)
        if destination in current:
            ec2.replace_route(client, table["RouteTableId"], destination, kind, target_id)
        else:
            ec2.create_route(client, table["RouteTableId"], destination, kind, target_id)
    for destination in set(current) - set(wanted):
        ec2.delete_route(client, table["RouteTableId"], destination)


def _target_id(state: VpcState, target: str, tgw_id: str) -> tuple[str, str]:
    if target == TGW:
        return "transit_gateway", tgw_id
    if target == IGW:
        return "internet_gateway", state.internet_gateway["InternetGatewayId"]
    index = target.partition(":")[2]
    return "nat_gateway", state.nat_gateways[f"nat-{index}"]["NatGatewayId"]


def _apply_endpoint(client, layout, region, state: VpcState, service: str, change: Change) -> None:
    found = state.endpoints.get(service)
    if found is not None:
        ec2.delete_vpc_endpoints(client, [found["VpcEndpointId"]])
    if change.after is None:
        return
    name = service_name(region, service)
    if change.after["type"] == GATEWAY:
        tables = [state.route_tables[t]["RouteTableId"] for t in layout.private_route_tables if t in state.route_tables]
        state.endpoints[service] = ec2.create_gateway_endpoint(client, state.vpc_id, name, tables, _tags(layout, service))
    else:
        subnets = [state.subnets[s]["SubnetId"] for s in layout.private_subnets]
        state.endpoints[service] = ec2.create_interface_endpoint(client, state.vpc_id, name, subnets, _tags(layout, service))
