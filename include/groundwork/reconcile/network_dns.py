"""DNS: one private hosted zone in the Network account, associated with every account's VPC.

The zone is created with the Network account's own VPC. Another account's VPC is associated the
way AWS requires across accounts: the zone owner authorizes it, the VPC owner associates it, and
the authorization is then deleted (it only gates the association)."""

from __future__ import annotations

from groundwork.aws import route53
from groundwork.plan.model import Change, approved_pending


def read_zone(hub_r53, zone_name: str) -> tuple[dict | None, set[str]]:
    zone = route53.private_zone(hub_r53, zone_name)
    return zone, (route53.zone_vpcs(hub_r53, zone["Id"]) if zone else set())


def plan_dns(config, zone: dict | None, associated: set[str], vpc_ids: dict[str, str | None]) -> list[Change]:
    """`vpc_ids`: account name -> its VPC id (None while it has none)."""
    name = config.network.private_zone
    if not name:
        return []
    hub = config.network.transit_gateway_account
    after = {"owner": hub}
    changes = [Change("noop" if zone else "create", "private_zone", name, after if zone else None, after)]
    for account in config.active_accounts:
        vpc = vpc_ids.get(account.name)
        ok = {"zone": name}
        before = ok if vpc and vpc in associated else None
        changes.append(Change("noop" if before else "create", "zone_association", account.name, before, ok,
                              production=account.is_production))
    return changes


def apply_dns(ctx, config, account_ids: dict[str, str], vpc_ids: dict[str, str], approved: set[str]) -> list[Change]:
    name = config.network.private_zone
    if not name:
        return []
    hub = config.network.transit_gateway_account
    region = ctx.region
    hub_r53 = ctx.client("route53", account_id=account_ids[hub])
    zone, associated = read_zone(hub_r53, name)
    done = []
    for change in approved_pending(plan_dns(config, zone, associated, vpc_ids), approved):
        if change.kind == "private_zone":
            zone = route53.create_private_zone(hub_r53, name, vpc_ids[hub], region)
            associated = {vpc_ids[hub]}
            done.append(change)
            continue
        vpc = vpc_ids[change.key]
        if vpc in associated:  # the zone was just created with it
            continue
        if change.key == hub:
            route53.associate_vpc(hub_r53, zone["Id"], vpc, region)
        else:
            owner = ctx.client("route53", account_id=account_ids[change.key])
            route53.authorize_vpc(hub_r53, zone["Id"], vpc, region)
            route53.associate_vpc(owner, zone["Id"], vpc, region)
            route53.revoke_vpc_authorization(hub_r53, zone["Id"], vpc, region)
        done.append(change)
    return done
