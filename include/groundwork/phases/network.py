"""Phase 3, Network: hub and spoke on a Transit Gateway, one VPC per account, CIDR plan,
centralized egress, VPC endpoints and a private DNS zone.

Plan once over everything (reads every account); apply in steps that each re-read AWS and do only
approved changes: hub (RAM sharing, TGW, segment route tables, share) -> each account (VPC,
subnets, egress, route tables, endpoints, attachment made from the account; wait until the
attachment is available; routes to the TGW) -> TGW routing (associations, propagations, default
route to egress) -> DNS (zone, cross-account associations) -> verify (a fresh plan must be empty).
Changes to a production VPC or route table are flagged `production`: only those need approval.
"""

from __future__ import annotations

from dataclasses import dataclass

from groundwork.aws.context import AwsContext
from groundwork.aws.parallel import read_all
from groundwork.phases.foundation import NotConverged, account_ids
from groundwork.phases.spec import Planned, scoped_markdown
from groundwork.plan.model import Plan
from groundwork.reconcile import network_dns, network_hub, network_retired, network_routing, network_vpc
from groundwork.reconcile.cidr import CidrPlan, ForeignVpc, plan_cidrs
from groundwork.reconcile.network_layout import AccountLayout, account_layout, network_accounts

PHASE = "phase3_network"
AVAILABLE = "available"


@dataclass
class NetworkView:
    ids: dict[str, str]
    hub: network_hub.HubState
    vpcs: dict[str, network_vpc.VpcState]
    cidrs: CidrPlan

    def attachments(self) -> dict[str, str]:
        return {n: s.attachment["TransitGatewayAttachmentId"] for n, s in self.vpcs.items() if s.attachment}

    def vpc_ids(self) -> dict[str, str | None]:
        return {n: s.vpc_id for n, s in self.vpcs.items()}


def _hub_clients(ctx: AwsContext, config, ids: dict[str, str]):
    hub_id = ids[config.network.transit_gateway_account]
    return ctx.client("organizations"), ctx.client("ec2", account_id=hub_id), ctx.client("ram", account_id=hub_id)


def cidr_plan(config, vpcs: dict[str, network_vpc.VpcState]) -> CidrPlan:
    existing = {n: s.vpc["CidrBlock"] for n, s in vpcs.items() if s.vpc}
    foreign = [ForeignVpc(n, v["VpcId"], v["CidrBlock"]) for n, s in vpcs.items() for v in s.others]
    accounts = [(a.name, a.cidr) for a in network_accounts(config)]
    return plan_cidrs(accounts, existing, foreign, config.network.supernet, config.network.account_prefix_length)


def read(ctx: AwsContext, config) -> NetworkView:
    ids = account_ids(ctx, config)
    hub = network_hub.read_hub(*_hub_clients(ctx, config, ids))
    names = [a.name for a in network_accounts(config)]
    states = read_all(lambda name: network_vpc.read_vpc(ctx.client("ec2", account_id=ids[name]), name, ctx.region,
                                                        hub.tgw_id), names)
    vpcs = dict(zip(names, states))
    return NetworkView(ids, hub, vpcs, cidr_plan(config, vpcs))


def layout_for(config, name: str, cidr: str, state: network_vpc.VpcState) -> AccountLayout:
    return account_layout(config, config.account(name), cidr, state.zones)


def plan(ctx: AwsContext, config) -> Plan:
    return plan_with_view(ctx, config)[0]


def plan_with_view(ctx: AwsContext, config) -> tuple[Plan, NetworkView]:
    view = read(ctx, config)
    changes = network_hub.plan_hub(config, view.hub)
    for name, state in view.vpcs.items():
        layout = layout_for(config, name, view.cidrs.blocks[name], state)
        changes += network_vpc.plan_vpc(layout, state, ctx.region, view.hub.tgw_id)
    hub_ec2 = _hub_clients(ctx, config, view.ids)[1]
    routing = network_routing.read_routing(hub_ec2, view.hub.route_tables)
    changes += network_routing.plan_routing(config, routing, view.attachments())
    if config.network.private_zone:
        zone, associated = network_dns.read_zone(ctx.client("route53", account_id=view.ids[config.network.transit_gateway_account]),
                                                 config.network.private_zone)
        changes += network_dns.plan_dns(config, zone, associated, view.vpc_ids())
    return Plan(PHASE, tuple(changes), notes=(view.cidrs.capacity_line(),)), view


def production_changes(plan_: Plan) -> list:
    return [c for c in plan_.pending if c.production]


# --------------------------------------------------------------------------- apply steps
HUB_TGW = "network.hub_tgw"  # what apply_account remembers; the hub step forgets it


def apply_hub(ctx: AwsContext, config, approved: set[str]):
    ctx.forget(HUB_TGW)
    ids = account_ids(ctx, config)
    orgs, hub_ec2, hub_ram = _hub_clients(ctx, config, ids)
    return network_hub.apply_hub(orgs, ctx.client("ram"), hub_ec2, hub_ram, config, approved)


def _hub_tgw(ctx: AwsContext, config, ids: dict[str, str]) -> str:
    _, hub_ec2, _ = _hub_clients(ctx, config, ids)
    found = network_hub.ec2.transit_gateways(hub_ec2, **{network_hub.TAG_ROLE: "hub"})
    if not found:
        raise NotConverged("the Transit Gateway does not exist yet; the hub step must run first")
    return found[0]["TransitGatewayId"]


def _account_layout(ctx, config, name: str, client, tgw_id: str, cidr: str | None) -> AccountLayout:
    state = network_vpc.read_vpc(client, name, ctx.region, tgw_id)
    if state.vpc is not None:
        cidr = state.vpc["CidrBlock"]
    elif cidr is None:  # not given by the plan: work it out again over every account
        cidr = read(ctx, config).cidrs.blocks[name]
    return layout_for(config, name, cidr, state)


def apply_account(ctx: AwsContext, config, name: str, approved: set[str], cidr: str | None = None) -> dict:
    """The account's VPC and its attachment (created from the account itself). Returns the
    attachment's progress: {"account", "attachment_id", "state"}."""
    ids = account_ids(ctx, config)
    tgw_id = ctx.remembered((HUB_TGW,), lambda: _hub_tgw(ctx, config, ids))  # once per batch
    client = ctx.client("ec2", account_id=ids[name])
    layout = _account_layout(ctx, config, name, client, tgw_id, cidr)
    done = network_vpc.apply_vpc(client, layout, ctx.region, tgw_id, approved)
    progress = attachment_progress(ctx, ids[name], name, tgw_id)
    progress["applied"] = [c.summary() for c in done]
    return progress


def attachment_progress(ctx: AwsContext, account_id: str, name: str, tgw_id: str) -> dict:
    client = ctx.client("ec2", account_id=account_id)
    vpc = network_vpc.find_vpc(client, name)
    found = network_vpc.ec2.tgw_vpc_attachments(client, vpc_id=vpc["VpcId"], transit_gateway_id=tgw_id) if vpc else []
    attachment = found[0] if found else {}
    return {"account": name, "account_id": account_id, "transit_gateway_id": tgw_id,
            "attachment_id": attachment.get("TransitGatewayAttachmentId"), "state": attachment.get("State")}


def hub_attachments(ctx: AwsContext, config, ids: dict[str, str], tgw_id: str) -> dict[str, str]:
    """Account name -> id of its VPC attachment, as the Transit Gateway owner sees them (one call)."""
    _, hub_ec2, _ = _hub_clients(ctx, config, ids)
    by_owner = {v: k for k, v in ids.items()}
    return {by_owner[a["VpcOwnerId"]]: a["TransitGatewayAttachmentId"]
            for a in network_vpc.ec2.tgw_vpc_attachments(hub_ec2, transit_gateway_id=tgw_id)
            if a.get("VpcOwnerId") in by_owner}


def attachment_available(ctx: AwsContext, account_id: str, name: str, transit_gateway_id: str, **_) -> tuple[bool, dict]:
    """Probe for the deferred wait: done when the account's attachment is available (or failed)."""
    progress = attachment_progress(ctx, account_id, name, transit_gateway_id)
    return progress["state"] in (AVAILABLE, "failed", "rejected", None), progress


def finish_account(ctx: AwsContext, config, name: str, approved: set[str]) -> list:
    """Routes to the Transit Gateway, once the attachment is available."""
    ids = account_ids(ctx, config)
    tgw_id = _hub_tgw(ctx, config, ids)
    progress = attachment_progress(ctx, ids[name], name, tgw_id)
    if progress["state"] != AVAILABLE:
        raise NotConverged(f"the attachment of {name!r} is {progress['state']}, not available")
    client = ctx.client("ec2", account_id=ids[name])
    layout = _account_layout(ctx, config, name, client, tgw_id, None)
    return network_vpc.apply_vpc_routes(client, layout, ctx.region, tgw_id, approved)


def apply_routing(ctx: AwsContext, config, approved: set[str]):
    ids = account_ids(ctx, config)
    orgs, hub_ec2, hub_ram = _hub_clients(ctx, config, ids)
    hub = network_hub.read_hub(orgs, hub_ec2, hub_ram)
    attachments = hub_attachments(ctx, config, ids, hub.tgw_id)
    missing = sorted({a.name for a in network_accounts(config)} - set(attachments))
    if missing:
        raise NotConverged(f"accounts {missing} have no Transit Gateway attachment yet")
    return network_routing.apply_routing(hub_ec2, config, hub.route_tables, attachments, approved)


def apply_dns(ctx: AwsContext, config, approved: set[str]):
    ids = account_ids(ctx, config)
    vpc_ids = {}
    for account in network_accounts(config):
        vpc = network_vpc.find_vpc(ctx.client("ec2", account_id=ids[account.name]), account.name)
        vpc_ids[account.name] = vpc["VpcId"] if vpc else None
    return network_dns.apply_dns(ctx, config, ids, vpc_ids, approved)


def _retired_states(ctx: AwsContext, config):
    """(account, ec2 client, VPC state, hub TGW id) of each retired account that still exists;
    nothing before the hub exists. A closed account cannot be reached: its attachment is seen and
    removed from the Transit Gateway's side (the hub's client), its VPC is left to AWS."""
    from groundwork.phases.foundation import is_closed

    retired = [a for a in config.organization.accounts if not a.is_active]
    if not retired:
        return []
    ids = account_ids(ctx, config)
    try:
        tgw_id = _hub_tgw(ctx, config, ids)
    except NotConverged:
        return []
    out, seen_from_hub = [], None
    for account in (a for a in retired if a.name in ids):
        if is_closed(ctx, ids[account.name]):
            _, hub_ec2, _ = _hub_clients(ctx, config, ids)
            if seen_from_hub is None:  # one listing for every closed account
                seen_from_hub = hub_attachments(ctx, config, ids, tgw_id)
            attachment = seen_from_hub.get(account.name)
            state = network_vpc.VpcState(account.name, attachment={"TransitGatewayAttachmentId": attachment}
                                         if attachment else None)
            out.append((account, hub_ec2, state, tgw_id))
        else:
            client = ctx.client("ec2", account_id=ids[account.name])
            out.append((account, client, network_vpc.read_vpc(client, account.name, ctx.region, tgw_id), tgw_id))
    return out


def plan_retired(ctx: AwsContext, config) -> list:
    """Retired accounts: their routes to the Transit Gateway and their attachment, removed."""
    return [c for account, _, state, tgw_id in _retired_states(ctx, config)
            for c in network_retired.plan_account(account, state, tgw_id)]


def detach_retired(ctx: AwsContext, config, approved: set[str]) -> list:
    return [c for account, client, state, tgw_id in _retired_states(ctx, config)
            for c in network_retired.apply_account(client, account, state, tgw_id, approved)]


def verify(ctx: AwsContext, config, plan_was_empty: bool = False) -> dict:
    """A fresh plan must be empty and every attachment available; returns what exists. When the
    run's plan had no change (`plan_was_empty`), only the attachments are read, from the hub."""
    if plan_was_empty:
        return verify_attachments(ctx, config)
    fresh, view = plan_with_view(ctx, config)
    if not fresh.is_empty():
        listing = "\n".join(f"  {c.summary()}" for c in fresh.pending)
        raise NotConverged(f"{PHASE} did not converge; still pending:\n{listing}")
    unavailable = [n for n, s in view.vpcs.items() if (s.attachment or {}).get("State") != AVAILABLE]
    if unavailable:
        raise NotConverged(f"attachments not available: {unavailable}")
    return {
        "phase": PHASE,
        "transit_gateway": view.hub.tgw_id,
        "accounts": {n: {"vpc_id": s.vpc_id, "cidr": s.vpc["CidrBlock"],
                         "attachment_id": s.attachment["TransitGatewayAttachmentId"]} for n, s in view.vpcs.items()},
        "capacity": view.cidrs.capacity_line(),
    }


def verify_attachments(ctx: AwsContext, config) -> dict:
    """Every account's VPC attachment available, as the Transit Gateway's owner sees them: one paged
    read in the hub account instead of every account's VPC again (~20 calls an account). For a run
    whose plan, moments before, read every account and found nothing to change; the CIDRs are in
    that plan's output."""
    ids = account_ids(ctx, config)
    tgw_id = _hub_tgw(ctx, config, ids)
    _, hub_ec2, _ = _hub_clients(ctx, config, ids)
    by_owner = {v: k for k, v in ids.items()}
    seen: dict[str, list[dict]] = {}
    for attachment in network_vpc.ec2.tgw_vpc_attachments(hub_ec2, transit_gateway_id=tgw_id):
        if name := by_owner.get(attachment.get("VpcOwnerId")):
            seen.setdefault(name, []).append(attachment)
    names = network_account_names(config)
    # The hub cannot tell an account's groundwork VPC from another of its VPCs: every attachment of
    # the account must be available (a pending one fails the check, as it does on the full path).
    unavailable = [n for n in names if not seen.get(n) or any(a["State"] != AVAILABLE for a in seen[n])]
    available = {n: seen[n][0] for n in names if n not in unavailable}
    if unavailable:
        raise NotConverged(f"attachments not available: {unavailable}")
    return {
        "phase": PHASE,
        "transit_gateway": tgw_id,
        "accounts": {n: {"vpc_id": available[n]["VpcId"], "attachment_id": available[n]["TransitGatewayAttachmentId"]}
                     for n in names},
    }


# --------------------------------------------------------------------------- phase interface (spec.py)
def planned(ctx: AwsContext, config) -> Planned:
    """Only changes to production VPCs or route tables need approval; the CIDR plan and its capacity
    are shown with it."""
    found, view = plan_with_view(ctx, config)
    production = production_changes(found)
    markdown = scoped_markdown(found, production, "Production changes only") if production else None
    return Planned(found, needs_approval=bool(production), markdown=markdown,
                   extras={"cidrs": view.cidrs.blocks, "capacity": view.cidrs.capacity_line()})


def network_account_names(config) -> list[str]:
    return [a.name for a in network_accounts(config)]


verified = verify
