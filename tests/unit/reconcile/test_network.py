"""Phase 3 against in-process moto with the stand-in extensions: the first run builds the hub,
a VPC per account, routing and DNS; a second run plans nothing and makes no mutating call; config
changes and removals show in the plan (production ones flagged) and converge."""

import boto3
import pytest

from groundwork.phases import foundation, network
from groundwork.plan.model import NotConverged, StalePlan, render_text
from groundwork.reconcile.cidr import CidrConflict

from tests.unit.reconcile.foundation_steps import apply_all
from tests.unit.reconcile.network_steps import apply_network


SMALL = ("Log Archive", "Production", "Staging", "Network", "Sandbox")  # every segment, one allocated CIDR


@pytest.fixture
def foundation_config(foundation_config):
    """The blueprint's organization cut to five accounts (moto is slow with eight full VPCs)."""
    org_cfg = foundation_config.organization
    accounts = [a for a in org_cfg.accounts if a.name in SMALL]
    return foundation_config.model_copy(update={"organization": org_cfg.model_copy(update={"accounts": accounts})})


def ids_of(plan):
    return {c.id for c in plan.pending}


def with_network(config, **changes):
    return config.model_copy(update={"network": config.network.model_copy(update=changes)})


@pytest.fixture
def org(ctx, foundation_config):
    apply_all(ctx, foundation_config, ids_of(foundation.plan(ctx, foundation_config)))
    return foundation.account_ids(ctx, foundation_config)


@pytest.fixture
def built(ctx, foundation_config, org):
    apply_network(ctx, foundation_config, ids_of(network.plan(ctx, foundation_config)))
    return org


def ec2(ctx, ids, name):
    return ctx.client("ec2", account_id=ids[name])


def test_first_run_builds_everything_and_second_run_plans_and_mutates_nothing(ctx, foundation_config, org):
    first = network.plan(ctx, foundation_config)
    kinds = {c.kind for c in first.pending}
    assert kinds == {"ram_organization_sharing", "transit_gateway", "tgw_route_table", "resource_share", "vpc", "subnet",
                     "internet_gateway", "nat_gateway", "route_table", "vpc_endpoint", "tgw_attachment",
                     "tgw_association", "tgw_propagation", "tgw_route", "private_zone", "zone_association"}
    assert "CIDR capacity in 10.0.0.0/8: 5 of 256 /16 blocks used, 251 free" in render_text(first)
    assert {c.key for c in first.pending if c.production and c.kind == "vpc"} == {"Production"}
    assert any(c.production and c.kind == "tgw_route_table" and c.key == "production" for c in first.pending)

    apply_network(ctx, foundation_config, ids_of(first))
    result = network.verify(ctx, foundation_config)
    assert set(result["accounts"]) == {a.name for a in foundation_config.organization.accounts}

    ctx.calls.clear()
    assert network.plan(ctx, foundation_config).is_empty()
    apply_network(ctx, foundation_config, approved=set())
    assert ctx.mutating_calls() == []
    assert ctx.calls


def test_vpcs_cidrs_and_subnets(ctx, foundation_config, built):
    for account in foundation_config.organization.accounts:
        vpcs = [v for v in ec2(ctx, built, account.name).describe_vpcs()["Vpcs"] if not v["IsDefault"]]
        assert len(vpcs) == 1, account.name  # one VPC per account
        expected = account.cidr or {"Log Archive": "10.2.0.0/16"}[account.name]
        assert vpcs[0]["CidrBlock"] == expected
        subnets = ec2(ctx, built, account.name).describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpcs[0]["VpcId"]]}])["Subnets"]
        zones = {s["AvailabilityZone"] for s in subnets}
        assert len(zones) == foundation_config.network.availability_zones
    hub = ec2(ctx, built, "Network")
    assert len(hub.describe_nat_gateways()["NatGateways"]) == 2  # one per AZ
    assert len(hub.describe_internet_gateways()["InternetGateways"]) == 1


def test_transit_gateway_segments_and_routes(ctx, foundation_config, built):
    hub = ec2(ctx, built, "Network")
    tgw = hub.describe_transit_gateways()["TransitGateways"][0]
    assert tgw["Options"]["DefaultRouteTableAssociation"] == "disable"
    assert tgw["Options"]["DefaultRouteTablePropagation"] == "disable"
    tables = {next(t["Value"] for t in rt["Tags"] if t["Key"] == "groundwork:segment"): rt["TransitGatewayRouteTableId"]
              for rt in hub.describe_transit_gateway_route_tables()["TransitGatewayRouteTables"]}
    assert set(tables) == {"production", "nonproduction", "shared", "sandbox"}
    vpc_cidr = {a.name: a.cidr or {"Log Archive": "10.2.0.0/16"}[a.name]
                for a in foundation_config.organization.accounts}
    attachments = {}
    for account in foundation_config.organization.accounts:
        found = [a for a in ec2(ctx, built, account.name).describe_transit_gateway_vpc_attachments()["TransitGatewayVpcAttachments"]
                 if a["VpcOwnerId"] == built[account.name]]
        assert len(found) == 1 and found[0]["State"] == "available"
        attachments[found[0]["TransitGatewayAttachmentId"]] = account.name
    associated = {}
    for segment, table in tables.items():
        for a in hub.get_transit_gateway_route_table_associations(TransitGatewayRouteTableId=table)["Associations"]:
            assert a["TransitGatewayAttachmentId"] not in associated, "associated twice"
            associated[a["TransitGatewayAttachmentId"]] = segment
    assert {attachments[a]: s for a, s in associated.items()} == {
        "Production": "production", "Staging": "nonproduction", "Sandbox": "sandbox", "Network": "shared",
        "Log Archive": "shared"}

    def reachable(segment):
        routes = hub.search_transit_gateway_routes(TransitGatewayRouteTableId=tables[segment],
                                                   Filters=[{"Name": "state", "Values": ["active"]}])["Routes"]
        return {r["DestinationCidrBlock"] for r in routes}

    shared = {vpc_cidr[n] for n in ("Network", "Log Archive")}
    assert reachable("production") == {vpc_cidr["Production"], "0.0.0.0/0"} | shared
    assert reachable("nonproduction") == {vpc_cidr["Staging"], "0.0.0.0/0"} | shared
    assert vpc_cidr["Production"] not in reachable("nonproduction")
    assert reachable("sandbox") == {"0.0.0.0/0"}
    assert set(vpc_cidr.values()) <= reachable("shared")
    # spokes send everything to the hub (centralized egress)
    spoke = ec2(ctx, built, "Staging")
    routes = [r for rt in spoke.describe_route_tables()["RouteTables"] for r in rt["Routes"]]
    assert {r.get("TransitGatewayId") for r in routes if r.get("DestinationCidrBlock") == "0.0.0.0/0"} == {tgw["TransitGatewayId"]}


def test_shared_with_the_organization(ctx, foundation_config, built):
    ram = ctx.client("ram", account_id=built["Network"])
    share = ram.get_resource_shares(resourceOwner="SELF")["resourceShares"]
    assert [s["name"] for s in share] == ["groundwork-transit-gateway"]
    principals = ram.get_resource_share_associations(associationType="PRINCIPAL")["resourceShareAssociations"]
    assert [p["associatedEntity"] for p in principals] == [ctx.client("organizations").describe_organization()["Organization"]["Arn"]]


def test_endpoints_and_private_zone(ctx, foundation_config, built):
    vpc_ids = set()
    for account in foundation_config.organization.accounts:
        client = ec2(ctx, built, account.name)
        endpoints = {e["ServiceName"].rsplit(".", 1)[1]: e["VpcEndpointType"] for e in client.describe_vpc_endpoints()["VpcEndpoints"]
                     if e["State"].lower() == "available"}
        assert endpoints == {"s3": "Gateway", "dynamodb": "Gateway", "kms": "Interface"}
        vpc_ids |= {v["VpcId"] for v in client.describe_vpcs()["Vpcs"] if not v["IsDefault"]}
    r53 = ctx.client("route53", account_id=built["Network"])
    zone = r53.list_hosted_zones_by_name(DNSName="internal.wingu.example.")["HostedZones"][0]
    assert zone["Config"]["PrivateZone"]
    assert {v["VPCId"] for v in r53.get_hosted_zone(Id=zone["Id"])["VPCs"]} == vpc_ids


def test_an_added_interface_endpoint_is_planned_and_flagged_for_production(ctx, foundation_config, built):
    changed = with_network(foundation_config, interface_endpoints=["kms", "ssm"])
    plan = network.plan(ctx, changed)
    assert {(c.action, c.kind, c.key) for c in plan.pending} == {
        ("create", "vpc_endpoint", f"{a.name}/ssm") for a in changed.organization.accounts}
    assert [c.key for c in network.production_changes(plan)] == ["Production/ssm"]
    apply_network(ctx, changed, ids_of(plan))
    assert network.plan(ctx, changed).is_empty()


def test_a_removed_gateway_endpoint_is_planned_as_delete_and_deleted(ctx, foundation_config, built):
    trimmed = with_network(foundation_config, gateway_endpoints=["s3"])
    plan = network.plan(ctx, trimmed)
    assert {(c.action, c.key) for c in plan.pending} == {("delete", f"{a.name}/dynamodb") for a in trimmed.organization.accounts}
    apply_network(ctx, trimmed, ids_of(plan))
    services = [e["ServiceName"] for e in ec2(ctx, built, "Staging").describe_vpc_endpoints()["VpcEndpoints"]
                if e["State"].lower() not in ("deleted", "deleting")]
    assert not any(s.endswith("dynamodb") for s in services)
    assert network.plan(ctx, trimmed).is_empty()


def test_turning_egress_off_removes_the_default_routes(ctx, foundation_config, built):
    changed = with_network(foundation_config, centralized_egress=False)
    plan = network.plan(ctx, changed)
    deletes = {c.key for c in plan.pending if c.action == "delete"}
    assert deletes == {f"{s} 0.0.0.0/0" for s in ("production", "nonproduction", "shared", "sandbox")}
    updated = {c.key: c.after for c in plan.pending if c.kind == "route_table"}
    assert updated["Staging/private"]["routes"] == {"10.0.0.0/8": "transit_gateway"}


def test_a_new_account_changes_no_other_account(ctx, foundation_config, built):
    from groundwork.config.models import Account

    org_cfg = foundation_config.organization
    grown = foundation_config.model_copy(update={"organization": org_cfg.model_copy(update={"accounts": [
        *org_cfg.accounts, Account(name="Analytics", email="aws-analytics@wingu.example", ou="Workloads", kind="workload",
                                   environment="development", tags={"cost-center": "analytics"})]})})
    apply_all(ctx, grown, ids_of(foundation.plan(ctx, grown)))
    plan = network.plan(ctx, grown)
    assert {c.key.split("/")[0].split(" ")[0] for c in plan.pending} == {"Analytics"}
    assert next(c for c in plan.pending if c.kind == "vpc").after == {"cidr": "10.3.0.0/16"}


def test_apply_refuses_changes_missing_from_the_approved_plan(ctx, foundation_config, org):
    ctx.calls.clear()
    with pytest.raises(StalePlan):
        network.apply_hub(ctx, foundation_config, approved=set())
    assert ctx.mutating_calls() == []


def test_overlap_with_an_existing_vpc_in_aws_is_an_error(ctx, foundation_config, org):
    ec2(ctx, org, "Sandbox").create_vpc(CidrBlock="10.1.4.0/22")  # someone's VPC, inside Staging's block
    ctx.calls.clear()
    with pytest.raises(CidrConflict, match="'Staging' 10.1.0.0/16 overlaps vpc-"):
        network.plan(ctx, foundation_config)
    assert ctx.mutating_calls() == []


def test_the_hub_step_forgets_the_transit_gateway_its_accounts_remembered(ctx, foundation_config, built):
    """A context kept across runs (the CLI, these tests) must not keep a Transit Gateway id the hub
    step may since have replaced: apply_account remembers it for its batch, apply_hub drops it."""
    name, cidr = next(iter(network.read(ctx, foundation_config).cidrs.blocks.items()))
    network.apply_account(ctx, foundation_config, name, approved=set(), cidr=cidr)
    assert (network.HUB_TGW,) in ctx.memo
    network.apply_hub(ctx, foundation_config, approved=set())
    assert (network.HUB_TGW,) not in ctx.memo


def test_verify_after_a_plan_with_no_change_reads_the_attachments_from_the_hub_only(ctx, foundation_config, built):
    full = network.verify(ctx, foundation_config)
    ctx.calls.clear()
    light = network.verify(ctx, foundation_config, plan_was_empty=True)
    assert light["transit_gateway"] == full["transit_gateway"]
    assert light["accounts"] == {n: {"vpc_id": a["vpc_id"], "attachment_id": a["attachment_id"]}
                                 for n, a in full["accounts"].items()}
    hub = built[foundation_config.network.transit_gateway_account]
    assert {c.account for c in ctx.calls if c.service == "ec2"} == {hub}  # no member account's VPC read again
    assert len(ctx.calls) < 10


def test_verify_after_a_plan_with_no_change_still_fails_on_an_attachment_not_available(ctx, foundation_config, built):
    name = next(n for n in built if n != foundation_config.network.transit_gateway_account and n in SMALL)
    attachment_id = network.verify(ctx, foundation_config)["accounts"][name]["attachment_id"]
    ec2(ctx, built, name).delete_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=attachment_id)
    with pytest.raises(NotConverged, match=name):
        network.verify(ctx, foundation_config, plan_was_empty=True)


def test_verify_after_a_plan_with_no_change_fails_on_an_attachment_still_pending(ctx, foundation_config, built, monkeypatch):
    """An empty plan counts a pending attachment as there; the hub's read must still refuse it."""
    name = next(n for n in built if n != foundation_config.network.transit_gateway_account and n in SMALL)
    original = network.network_vpc.ec2.tgw_vpc_attachments

    def one_pending(client, **filters):
        found = original(client, **filters)
        return [{**a, "State": "pending"} if a.get("VpcOwnerId") == built[name] else a for a in found]

    monkeypatch.setattr(network.network_vpc.ec2, "tgw_vpc_attachments", one_pending)
    with pytest.raises(NotConverged, match=name):
        network.verify(ctx, foundation_config, plan_was_empty=True)
