"""The hub in the Network account: the Transit Gateway (default association and propagation
off), one TGW route table per segment, and the RAM share of the Transit Gateway with the
organization (RAM sharing with the organization is enabled once, from the management account)."""

from __future__ import annotations

from dataclasses import dataclass, field

from groundwork.aws import ec2, ram
from groundwork.plan.model import Change, approved_pending
from groundwork.reconcile.network_layout import SHARE_NAME, TAG_ROLE, TAG_SEGMENT, segments

RAM_PRINCIPAL = "ram.amazonaws.com"


@dataclass
class HubState:
    org_sharing: bool = False
    organization_arn: str | None = None
    transit_gateway: dict | None = None
    route_tables: dict[str, dict] = field(default_factory=dict)  # segment -> TGW route table
    share: dict | None = None
    shared_resources: set[str] = field(default_factory=set)
    shared_principals: set[str] = field(default_factory=set)

    @property
    def tgw_id(self) -> str | None:
        return self.transit_gateway["TransitGatewayId"] if self.transit_gateway else None


def read_hub(orgs_client, hub_ec2, hub_ram) -> HubState:
    state = HubState()
    state.organization_arn = orgs_client.describe_organization()["Organization"]["Arn"]
    services = []
    for page in orgs_client.get_paginator("list_aws_service_access_for_organization").paginate():
        services += [s["ServicePrincipal"] for s in page["EnabledServicePrincipals"]]
    state.org_sharing = RAM_PRINCIPAL in services
    state.transit_gateway = next(iter(ec2.transit_gateways(hub_ec2, **{TAG_ROLE: "hub"})), None)
    if state.transit_gateway:
        for table in ec2.tgw_route_tables(hub_ec2, state.tgw_id):
            segment = ec2.tags_of(table).get(TAG_SEGMENT)
            if segment:
                state.route_tables.setdefault(segment, table)
    state.share = ram.share_by_name(hub_ram, SHARE_NAME)
    if state.share:
        state.shared_resources = ram.associated(hub_ram, state.share["resourceShareArn"], "RESOURCE")
        state.shared_principals = ram.associated(hub_ram, state.share["resourceShareArn"], "PRINCIPAL")
    return state


def tgw_desired(config) -> dict:
    return {"amazon_side_asn": config.network.amazon_side_asn, "default_association": "disable",
            "default_propagation": "disable", "auto_accept_shared_attachments": "enable"}


def tgw_actual(tgw: dict) -> dict:
    options = tgw.get("Options", {})
    return {"amazon_side_asn": int(options.get("AmazonSideAsn", 0)),
            "default_association": options.get("DefaultRouteTableAssociation"),
            "default_propagation": options.get("DefaultRouteTablePropagation"),
            "auto_accept_shared_attachments": options.get("AutoAcceptSharedAttachments")}


def plan_hub(config, state: HubState) -> list[Change]:
    hub = config.network.transit_gateway_account
    changes: list[Change] = []

    def add(kind, key, before, after, production=False, note=""):
        changes.append(Change.between(kind, key, before, after, production=production, note=note))

    on = {"enabled": True}
    add("ram_organization_sharing", "organization", on if state.org_sharing else None, on)
    add("transit_gateway", hub, tgw_actual(state.transit_gateway) if state.transit_gateway else None, tgw_desired(config),
        note="" if not state.transit_gateway else "the ASN and default route table options are fixed at creation")
    for segment in segments(config):
        after = {"segment": segment}
        add("tgw_route_table", segment, after if segment in state.route_tables else None, after,
            production=segment == "production")
    share_after = {"resources": ["transit_gateway"], "principals": ["organization"]}
    share_before = None
    if state.share:
        tgw_arn = state.transit_gateway["TransitGatewayArn"] if state.transit_gateway else None
        share_before = {"resources": ["transit_gateway"] if tgw_arn in state.shared_resources else [],
                        "principals": ["organization"] if state.organization_arn in state.shared_principals else []}
    add("resource_share", SHARE_NAME, share_before, share_after)
    return changes


class HubNotUpdatable(Exception):
    pass


def apply_hub(orgs_client, mgmt_ram, hub_ec2, hub_ram, config, approved: set[str]) -> list[Change]:
    state = read_hub(orgs_client, hub_ec2, hub_ram)
    done = []
    for change in approved_pending(plan_hub(config, state), approved):
        if change.kind == "ram_organization_sharing":
            ram.enable_sharing_with_organization(mgmt_ram)
        elif change.kind == "transit_gateway":
            if change.action == "update":
                raise HubNotUpdatable(f"{change.summary()}: {change.note}; replace the Transit Gateway by hand")
            state.transit_gateway = ec2.create_transit_gateway(
                hub_ec2, config.network.amazon_side_asn, {TAG_ROLE: "hub", "Name": "groundwork-hub"})
        elif change.kind == "tgw_route_table":
            state.route_tables[change.key] = ec2.create_tgw_route_table(
                hub_ec2, state.tgw_id, {TAG_SEGMENT: change.key, "Name": f"groundwork-{change.key}"})
        elif change.kind == "resource_share":
            tgw_arn = state.transit_gateway["TransitGatewayArn"]
            if state.share is None:
                state.share = ram.create_share(hub_ram, SHARE_NAME, [tgw_arn], [state.organization_arn])
            else:
                ram.associate(hub_ram, state.share["resourceShareArn"],
                              [] if tgw_arn in state.shared_resources else [tgw_arn],
                              [] if state.organization_arn in state.shared_principals else [state.organization_arn])
        done.append(change)
    return done
