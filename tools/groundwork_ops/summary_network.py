"""Summary, phase 3: each account's VPCs with their CIDR, the Transit Gateway(s) of the network
account with their route tables, and each VPC's attachment (id, state, associated route table)."""

from __future__ import annotations

from collections import Counter

from groundwork.aws import ec2
from groundwork.aws.context import AwsContext
from groundwork.reconcile.network_layout import TAG_ACCOUNT, TAG_SEGMENT
from groundwork_ops.summary_accounts import Accounts


def _table_label(table: dict) -> str:
    tags = ec2.tags_of(table)
    return tags.get(TAG_SEGMENT) or tags.get("Name") or table["TransitGatewayRouteTableId"]


def _hub_lines(client, hub_label: str) -> tuple[list[str], dict[str, str]]:
    """Lines for the Transit Gateways, and attachment id -> "<route table> (<state>)" it is associated with."""
    lines, associated = [], {}
    for tgw in ec2.transit_gateways(client):
        asn = tgw.get("Options", {}).get("AmazonSideAsn")
        lines.append(f"  Transit Gateway {tgw['TransitGatewayId']} in {hub_label}: {tgw['State']}, ASN {asn}")
        for table in ec2.tgw_route_tables(client, tgw["TransitGatewayId"]):
            found = ec2.tgw_associations(client, table["TransitGatewayRouteTableId"])
            lines.append(f"    route table {_table_label(table):<14} {table['TransitGatewayRouteTableId']}  "
                         f"{len(found)} attachment(s) associated")
            for association in found:
                state = association.get("State", "")
                suffix = "" if state == "associated" else f" ({state})"
                associated[association["TransitGatewayAttachmentId"]] = _table_label(table) + suffix
    return lines, associated


def _vpc_line(name: str, vpc: dict, attachments: list[dict], associated: dict[str, str]) -> str:
    line = f"  {name:<16} {vpc['VpcId']:<21} {vpc['CidrBlock']:<14}"
    mine = [a for a in attachments if a["VpcId"] == vpc["VpcId"]]
    if not mine:
        return line + " no Transit Gateway attachment"
    parts = [f"{a['TransitGatewayAttachmentId']} {a['State']} -> "
             f"{associated.get(a['TransitGatewayAttachmentId'], 'no route table')}" for a in mine]
    return line + " " + "; ".join(parts)


def section(ctx: AwsContext, config, accounts: Accounts) -> list[str]:
    heading = f"Network ({ctx.region})"
    hub = config.network.transit_gateway_account
    hub_lines, associated = ([], {})
    if hub in accounts.ids:
        hub_lines, associated = _hub_lines(accounts.client(ctx, hub, "ec2"), accounts.label(hub))
    rows, defaults = [], Counter()
    for name in accounts.members:
        client = accounts.client(ctx, name, "ec2")
        vpcs = ec2.vpcs(client)
        for vpc in vpcs:
            if vpc.get("IsDefault"):
                defaults[vpc["CidrBlock"]] += 1
        ours = sorted((v for v in vpcs if not v.get("IsDefault")),
                      key=lambda v: ec2.tags_of(v).get(TAG_ACCOUNT) != name)  # the groundwork VPC first
        if not ours:
            continue
        attachments = ec2.tgw_vpc_attachments(client)
        rows += [_vpc_line(name if i == 0 else "", vpc, attachments, associated) for i, vpc in enumerate(ours)]
    if not hub_lines and not rows:
        return [f"{heading}: none yet"]
    lines = [f"{heading}:", *hub_lines]
    lines.append(f"  {'Account':<16} {'VPC':<21} {'CIDR':<14} Attachment, state -> route table")
    lines += rows or ["  (no VPCs besides the default ones)"]
    if defaults:
        lines.append("  default VPCs (left as AWS made them): "
                     + ", ".join(f"{cidr} in {n} account(s)" for cidr, n in sorted(defaults.items())))
    return lines
