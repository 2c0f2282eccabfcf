"""What the network should look like, from the config and the CIDR plan (pure, no AWS).

Segments separate traffic on the Transit Gateway: each has its own TGW route table. An account's
attachment is associated with its segment's table and propagates its CIDR into the tables of the
segments allowed to reach it: production and non-production never see each other, shared services
are reachable from both, sandboxes only reach shared services (for egress).
"""

from __future__ import annotations

from dataclasses import dataclass

from groundwork.reconcile.cidr import subnet_blocks

SEGMENT_OF_ENVIRONMENT = {
    "production": "production",
    "staging": "nonproduction",
    "development": "nonproduction",
    "sandbox": "sandbox",
    "shared": "shared",
    None: "shared",  # security accounts (log archive, audit) sit with shared services
}
# segment of an attachment -> route tables it propagates into (who can reach it)
PROPAGATES_INTO = {
    "production": ("production", "shared"),
    "nonproduction": ("nonproduction", "shared"),
    "sandbox": ("shared",),
    "shared": ("production", "nonproduction", "shared"),
}
DEFAULT_ROUTE = "0.0.0.0/0"
TGW, IGW = "transit_gateway", "internet_gateway"
SHARE_NAME = "groundwork-transit-gateway"
TAG_ACCOUNT, TAG_NAME, TAG_ROLE, TAG_SEGMENT = "groundwork:account", "groundwork:name", "groundwork:role", "groundwork:segment"


def nat(index: int) -> str:
    return f"nat_gateway:{index}"


@dataclass(frozen=True)
class AccountLayout:
    """One account's VPC: subnets by name -> (cidr, zone), route tables by name -> (subnets, routes)."""

    name: str
    cidr: str
    segment: str
    production: bool
    hub: bool
    egress: bool  # the hub's VPC when centralized egress is on: public subnets, IGW, NAT per AZ
    subnets: dict[str, tuple[str, str]]
    route_tables: dict[str, tuple[tuple[str, ...], dict[str, str]]]
    gateway_endpoints: tuple[str, ...]
    interface_endpoints: tuple[str, ...]

    @property
    def private_subnets(self) -> list[str]:
        return [s for s in self.subnets if s.startswith("private-")]

    @property
    def private_route_tables(self) -> list[str]:
        return [r for r in self.route_tables if r.startswith("private")]


def segment_of(account) -> str:
    return SEGMENT_OF_ENVIRONMENT[account.environment]


def account_layout(config, account, cidr: str, zones: list[str]) -> AccountLayout:
    network = config.network
    count = network.availability_zones
    if len(zones) < count:
        raise ValueError(f"account {account.name!r} has {len(zones)} availability zones, the config asks for {count}")
    zones = zones[:count]
    hub = account.name == network.transit_gateway_account
    egress = hub and network.centralized_egress
    blocks = subnet_blocks(cidr, 2 * count)
    subnets = {f"private-{i + 1}": (blocks[i], zones[i]) for i in range(count)}
    to_hub = {DEFAULT_ROUTE: TGW} if network.centralized_egress else {network.supernet: TGW}
    if egress:
        subnets.update({f"public-{i + 1}": (blocks[count + i], zones[i]) for i in range(count)})
        tables = {"public": (tuple(f"public-{i + 1}" for i in range(count)), {DEFAULT_ROUTE: IGW, network.supernet: TGW})}
        tables.update({
            f"private-{i + 1}": ((f"private-{i + 1}",), {DEFAULT_ROUTE: nat(i + 1), network.supernet: TGW})
            for i in range(count)
        })
    else:
        tables = {"private": (tuple(subnets), to_hub)}
    interface = tuple(dict.fromkeys(["kms", *network.interface_endpoints]))
    return AccountLayout(
        name=account.name, cidr=cidr, segment=segment_of(account), production=account.is_production,
        hub=hub, egress=egress, subnets=subnets, route_tables=tables,
        gateway_endpoints=tuple(network.gateway_endpoints), interface_endpoints=interface,
    )


def segments(config) -> list[str]:
    """The segments in use (each gets a TGW route table), in a fixed order."""
    used = {segment_of(a) for a in config.active_accounts}
    return [s for s in ("production", "nonproduction", "shared", "sandbox") if s in used]


def propagation_targets(config, account) -> list[str]:
    used = set(segments(config))
    return [s for s in PROPAGATES_INTO[segment_of(account)] if s in used]


def network_accounts(config) -> list:
    """Every active member account gets one VPC (blueprint: one VPC per account, never shared);
    a retired account's VPC stays, cut off from the Transit Gateway (`network_retired`)."""
    return list(config.active_accounts)


def service_name(region: str, service: str) -> str:
    return f"com.amazonaws.{region}.{service}"
