"""Transit Gateway routing in the Network account: each attachment associated with its segment's
route table and propagated into the tables of the segments that may reach it; with centralized
egress, a static default route to the egress VPC's attachment in every segment's table."""

from __future__ import annotations

from dataclasses import dataclass, field

from groundwork.aws import ec2
from groundwork.plan.model import Change, approved_pending
from groundwork.reconcile.network_layout import DEFAULT_ROUTE, propagation_targets, segment_of, segments


@dataclass
class RoutingState:
    associations: dict[str, str] = field(default_factory=dict)  # attachment id -> segment
    propagations: dict[str, set[str]] = field(default_factory=dict)  # attachment id -> segments
    static_routes: dict[str, dict[str, str]] = field(default_factory=dict)  # segment -> {cidr: attachment id}


def read_routing(hub_ec2, route_tables: dict[str, dict]) -> RoutingState:
    state = RoutingState()
    for segment, table in route_tables.items():
        table_id = table["TransitGatewayRouteTableId"]
        for a in ec2.tgw_associations(hub_ec2, table_id):
            if a.get("State", "associated") in ("associated", "associating"):
                state.associations[a["TransitGatewayAttachmentId"]] = segment
        for p in ec2.tgw_propagations(hub_ec2, table_id):
            if p.get("State", "enabled") in ("enabled", "enabling"):
                state.propagations.setdefault(p["TransitGatewayAttachmentId"], set()).add(segment)
        state.static_routes[segment] = {
            r["DestinationCidrBlock"]: (r.get("TransitGatewayAttachments") or [{}])[0].get("TransitGatewayAttachmentId", "blackhole")
            for r in ec2.tgw_routes(hub_ec2, table_id, "static") if r.get("DestinationCidrBlock")
        }
    return state


def plan_routing(config, state: RoutingState, attachments: dict[str, str]) -> list[Change]:
    """`attachments`: account name -> its attachment id (accounts without one yet are planned as
    if it existed: the association and propagation are created once it does)."""
    changes: list[Change] = []
    by_id = {v: k for k, v in attachments.items()}
    used = segments(config)
    for account in config.active_accounts:
        attachment = attachments.get(account.name)
        segment = segment_of(account)
        current = state.associations.get(attachment) if attachment else None
        after = {"route_table": segment}
        before = {"route_table": current} if current else None
        prod = account.is_production or "production" in (segment, current)
        changes.append(Change.between("tgw_association", account.name, before, after, production=prod))
        wanted = sorted(propagation_targets(config, account))
        have = sorted(state.propagations.get(attachment, set())) if attachment else []
        prop_after = {"route_tables": wanted}
        prop_before = {"route_tables": have} if have else None
        prod = account.is_production or "production" in set(wanted) | set(have)
        changes.append(Change.between("tgw_propagation", account.name, prop_before, prop_after, production=prod))
    hub = config.network.transit_gateway_account
    for segment in used:
        key = f"{segment} {DEFAULT_ROUTE}"
        current = state.static_routes.get(segment, {}).get(DEFAULT_ROUTE)
        before = {"attachment": by_id.get(current, current)} if current else None
        prod = segment == "production"
        if config.network.centralized_egress:
            after = {"attachment": hub}
            changes.append(Change.between("tgw_route", key, before, after, production=prod))
        elif before is not None:
            changes.append(Change("delete", "tgw_route", key, before, None, production=prod,
                                  note="centralized egress is off"))
    return changes


def apply_routing(hub_ec2, config, route_tables: dict[str, dict], attachments: dict[str, str],
                  approved: set[str]) -> list[Change]:
    state = read_routing(hub_ec2, route_tables)
    table_id = {segment: t["TransitGatewayRouteTableId"] for segment, t in route_tables.items()}
    hub_attachment = attachments.get(config.network.transit_gateway_account)
    done = []
    for change in approved_pending(plan_routing(config, state, attachments), approved):
        if change.kind == "tgw_association":
            attachment = attachments[change.key]
            if change.before:
                ec2.disassociate_tgw_route_table(hub_ec2, table_id[change.before["route_table"]], attachment)
            ec2.associate_tgw_route_table(hub_ec2, table_id[change.after["route_table"]], attachment)
        elif change.kind == "tgw_propagation":
            attachment = attachments[change.key]
            have = set((change.before or {}).get("route_tables", []))
            for segment in sorted(set(change.after["route_tables"]) - have):
                ec2.enable_tgw_propagation(hub_ec2, table_id[segment], attachment)
            for segment in sorted(have - set(change.after["route_tables"])):
                ec2.disable_tgw_propagation(hub_ec2, table_id[segment], attachment)
        elif change.kind == "tgw_route":
            segment, _, destination = change.key.partition(" ")
            if change.after is None:
                ec2.delete_tgw_route(hub_ec2, table_id[segment], destination)
            elif change.before is None:
                ec2.create_tgw_route(hub_ec2, table_id[segment], destination, hub_attachment)
            else:
                ec2.replace_tgw_route(hub_ec2, table_id[segment], destination, hub_attachment)
        done.append(change)
    return done
