"""CIDR plan: one block per account inside the supernet, explicit or allocated, never moved.

Order of precedence for an account's block:
1. its VPC already in AWS (found by the tag groundwork:account=<name>) keeps its CIDR: a VPC's
   primary CIDR cannot change, so a different explicit `cidr` in the config is an error;
2. an explicit `cidr` in the config;
3. otherwise the first free block of `account_prefix_length` in the supernet, in config order,
   that overlaps nothing in the config or in AWS.
Because existing VPCs keep their blocks and explicit ones are placed before allocation, adding an
account never moves another. Anything in AWS that overlaps a planned block is an error, raised
before any change is made.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

Net = ipaddress.IPv4Network


class CidrConflict(Exception):
    """The config's CIDR plan collides with itself or with what already exists in AWS."""


@dataclass(frozen=True)
class ForeignVpc:
    """A VPC in AWS that is not an account's groundwork VPC (any account we can see)."""

    account: str
    vpc_id: str
    cidr: str


@dataclass(frozen=True)
class CidrPlan:
    supernet: str
    prefix: int
    blocks: dict[str, str] = field(default_factory=dict)  # account -> CIDR
    sources: dict[str, str] = field(default_factory=dict)  # account -> aws | config | allocated
    foreign: tuple[str, ...] = ()  # CIDRs in AWS outside groundwork's VPCs, overlapping the supernet

    def capacity(self) -> tuple[int, int, int]:
        """(used, free, total) blocks of `prefix` in the supernet."""
        supernet = Net(self.supernet)
        total = 2 ** (self.prefix - supernet.prefixlen)
        used = set()
        for cidr in [*self.blocks.values(), *self.foreign]:
            net = Net(cidr)
            if not net.overlaps(supernet):
                continue
            if net.prefixlen <= self.prefix:
                span = net if net.subnet_of(supernet) else supernet
                used.update(str(b) for b in span.subnets(new_prefix=self.prefix))
            else:
                used.add(str(net.supernet(new_prefix=self.prefix)))
        return len(used), total - len(used), total

    def capacity_line(self) -> str:
        used, free, total = self.capacity()
        return (f"CIDR capacity in {self.supernet}: {used} of {total} /{self.prefix} blocks used, "
                f"{free} free")


def plan_cidrs(accounts: list[tuple[str, str | None]], existing: dict[str, str], foreign: list[ForeignVpc],
               supernet: str = "10.0.0.0/8", prefix: int = 16) -> CidrPlan:
    """`accounts`: (name, explicit cidr or None) in config order; `existing`: account -> CIDR of
    its groundwork VPC in AWS; `foreign`: every other VPC seen in AWS."""
    space = Net(supernet)
    blocks: dict[str, str] = {}
    sources: dict[str, str] = {}
    problems: list[str] = []
    for name, explicit in accounts:
        if name in existing:
            if explicit and Net(explicit) != Net(existing[name]):
                problems.append(
                    f"account {name!r}: config says {explicit} but its VPC in AWS is {existing[name]} "
                    "(a VPC's CIDR cannot change; fix the config or replace the VPC by hand)"
                )
            blocks[name], sources[name] = existing[name], "aws"
        elif explicit:
            blocks[name], sources[name] = explicit, "config"
    placed = [(Net(c), n) for n, c in blocks.items()]
    for i, (net, name) in enumerate(placed):
        for other, other_name in placed[i + 1:]:
            if net.overlaps(other):
                problems.append(f"account {name!r} {net} overlaps account {other_name!r} {other}")
    for vpc in foreign:
        for net, name in placed:
            if net.overlaps(Net(vpc.cidr)):
                problems.append(
                    f"account {name!r} {net} overlaps {vpc.vpc_id} ({vpc.cidr}) in account {vpc.account} "
                    "already in AWS"
                )
    if problems:
        raise CidrConflict("CIDR plan conflicts:\n  " + "\n  ".join(problems))
    taken = [net for net, _ in placed] + [Net(v.cidr) for v in foreign]
    candidates = space.subnets(new_prefix=prefix)
    for name, _ in accounts:
        if name in blocks:
            continue
        for block in candidates:
            if not any(block.overlaps(t) for t in taken):
                blocks[name], sources[name] = str(block), "allocated"
                taken.append(block)
                break
        else:
            raise CidrConflict(f"no free /{prefix} left in {supernet} for account {name!r}")
    ordered = {name: blocks[name] for name, _ in accounts}
    return CidrPlan(supernet, prefix, ordered, {n: sources[n] for n in ordered},
                    tuple(v.cidr for v in foreign if Net(v.cidr).overlaps(space)))


def subnet_blocks(account_cidr: str, count: int) -> list[str]:
    """The account block cut into equal subnets (16 of them, or fewer for small blocks): the first
    `count` are returned, in order. Subnet i of a tier lives in availability zone i."""
    net = Net(account_cidr)
    new_prefix = min(net.prefixlen + 4, 28)
    return [str(s) for s, _ in zip(net.subnets(new_prefix=new_prefix), range(count))]
