"""Retired accounts in the network: their VPC is cut off from the Transit Gateway.

The VPC itself stays (workloads may still be drained or archived from it), but its routes to the
Transit Gateway and its attachment are removed, so nothing in the organization reaches it any more
and it reaches nothing. With the attachment gone, AWS drops its route table association and
propagations (the routes it propagated) as well. A closed account cannot be reached any more: its
attachment is removed by the Transit Gateway's owner, and its VPC is left to AWS (removed when the
closure becomes final).
"""

from __future__ import annotations

from groundwork.aws import ec2
from groundwork.plan.model import Change, approved_pending
from groundwork.reconcile.network_layout import TGW
from groundwork.reconcile.network_vpc import VpcState, actual_routes

KIND_ATTACHMENT, KIND_ROUTE = "tgw_attachment", "route"
NOTE = "retired account: cut off from the Transit Gateway (the VPC stays)"


def plan_account(account, state: VpcState, tgw_id: str) -> list[Change]:
    """The retired account's routes to the Transit Gateway, then its attachment, as deletes."""
    changes = []
    for name, table in sorted(state.route_tables.items()):
        for destination, target in sorted(actual_routes(table, state, tgw_id).items()):
            if target == TGW:
                before = {"route_table": name, "destination": destination, "target": TGW}
                changes.append(Change("delete", KIND_ROUTE, f"{account.name}/{name}/{destination}", before, None,
                                      production=account.is_production, note=NOTE))
    if state.attachment:
        before = {"vpc_id": state.vpc_id, "attachment_id": state.attachment["TransitGatewayAttachmentId"]}
        changes.append(Change("delete", KIND_ATTACHMENT, account.name, before, None,
                              production=account.is_production, note=NOTE))
    return changes


def apply_account(client, account, state: VpcState, tgw_id: str, approved: set[str]) -> list[Change]:
    done = []
    for change in approved_pending(plan_account(account, state, tgw_id), approved):
        if change.kind == KIND_ROUTE:
            table = state.route_tables[change.before["route_table"]]
            ec2.delete_route(client, table["RouteTableId"], change.before["destination"])
        else:
            ec2.delete_tgw_vpc_attachment(client, change.before["attachment_id"])
        done.append(change)
    return done
