"""Monthly cost of what the config builds, and of what a plan would create or remove.

Prices are data (`prices.yaml`: one entry per item and region, with the AWS page that rules, the
date the price was taken and how it was checked); a usage-based price is multiplied by a usage the
table states as an assumption. Quantities come from the config the way the phases build:

  phase 1, 2   Organizations, SCPs, tag policies, Identity Center: free (listed at $0). A cost budget
               per active account with `spend_limit_usd`, in the management account: free; with its
               budget action (`cost.stop_spending_at_limit`) an action-enabled budget, of which the
               management account's first 62 budget-days a month (two budgets) are free.
  phase 3      home region only: every active account's VPC has a Transit Gateway attachment, an
               interface endpoint per configured service (kms always) in every AZ, the gateway
               endpoints (free); the hub account has one NAT gateway and Elastic IP per AZ when
               egress is centralized, and the private hosted zone. A retired account's VPC stays
               (cut off): its endpoints keep costing; its attachment is gone.
  phase 4      the log keys in the home and replica regions (Log Archive); the organization trail
               (first copy of management events: free); in every allowed region of every account
               (management included) a Config recorder, a GuardDuty detector, Security Hub; the
               log buckets: trail and Config logs of every account kept `object_lock_retention_days`
               in the home region and again in the replica region, the replication transfer, the
               trail's file writes. Retired accounts keep their recorders, detectors and hubs.
               VPC flow logs on every VPC of every allowed region of those accounts (the default VPC,
               plus groundwork's own in the home region of every account phase 3 gives one): their
               delivery in the VPC's account and region, their storage in the home trail bucket and
               its replica, the replication, the file writes. The Security Hub finding aggregator,
               the password policy and S3 Block Public Access: free.
  phase 5      a KMS key per deployment environment (its account) and the artifact key (Shared
               Services); the buckets and the registry start empty.

`estimate_plan` prices a plan's changes: + for a create, - for a delete, nothing for an update or
a no-op; budgets are priced as the plan's action-enabled budgets after less before (the free
budget-days are shared). A kind in FREE_KINDS is priced from the table (today at $0) and so not
listed; any other kind costs nothing and is not listed. Amounts are list prices in USD for a
730-hour month; an estimate, never a bill.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import yaml

from groundwork.reconcile import (
    account_baseline, budgets, config_recorders, kms_keys, log_archive, network_retired, policies, security_services,
    trail)

PRICES = Path(__file__).with_name("prices.yaml")
GLOBAL = "global"
REQUIRED = ("id", "service", "what", "region", "usd", "unit", "source", "taken", "checked")
OPTIONAL = ("seen_on", "note", "free")
CHECKED = ("aws page", "other page", "not re-checked here")
USAGE_REQUIRED = ("id", "value", "unit", "why")
PHASE_NAMES = {1: "foundation", 2: "identity", 3: "network", 4: "observability", 5: "cicd"}

# Change kinds of the reconcile modules that have a price (the others cost nothing).
KIND_ATTACHMENT = network_retired.KIND_ATTACHMENT  # "tgw_attachment", network_vpc plans it too
KIND_NAT = "nat_gateway"  # network_vpc.plan_vpc
KIND_ENDPOINT = "vpc_endpoint"  # network_vpc.plan_vpc; after/before {"type": "Interface" | "Gateway"}
KIND_ZONE = "private_zone"  # network_dns.plan_dns
PRICED_KINDS = (KIND_ATTACHMENT, KIND_NAT, KIND_ENDPOINT, KIND_ZONE, kms_keys.KIND, trail.KIND,
                config_recorders.RECORDER_KIND, security_services.GD_DETECTOR, security_services.SH_HUB,
                log_archive.KIND, budgets.KIND, account_baseline.FLOW_LOG_KIND)
# Change kinds known to cost nothing: priced from the table (at $0 today), so a price put there counts.
FREE_KINDS = {
    account_baseline.PASSWORD_KIND: "iam-password-policy",
    log_archive.ACCOUNT_BLOCK_KIND: "s3-block-public-access",
    security_services.SH_AGGREGATOR: "securityhub-aggregator",
    **{kind: "organizations" for kind in policies.KIND.values()},  # SCPs and tag policies
}


class MissingPrice(Exception):
    """The table has no price for an item in a region the config uses."""


# --------------------------------------------------------------------------- the price table
@dataclass(frozen=True)
class Price:
    id: str
    service: str
    what: str
    region: str
    usd: float
    unit: str
    source: str
    taken: str
    checked: str
    seen_on: tuple[str, ...] = ()
    note: str = ""
    free: float = 0.0  # units a month that cost nothing, per account (where the estimate applies it)


@dataclass(frozen=True)
class Assumption:
    id: str
    value: float
    unit: str
    why: str
    overridden: bool = False


@dataclass(frozen=True)
class PriceTable:
    hours_per_month: float
    prices: dict = field(hash=False)  # (item id, region) -> Price
    usage: dict = field(hash=False)  # assumption id -> Assumption

    def price(self, item: str, region: str) -> Price:
        found = self.prices.get((item, region)) or self.prices.get((item, GLOBAL))
        if found is None:
            raise MissingPrice(f"no price for {item} in {region} in {PRICES.name}; add one, with its source page")
        return found

    def use(self, name: str) -> float:
        return self.usage[name].value

    def assuming(self, overrides: dict[str, float] | None) -> PriceTable:
        """The same prices with some usage assumptions replaced (unknown names: ValueError)."""
        if not overrides:
            return self
        unknown = sorted(set(overrides) - set(self.usage))
        if unknown:
            raise ValueError(f"unknown usage assumption(s) {unknown}; known: {', '.join(sorted(self.usage))}")
        usage = {k: replace(a, value=float(overrides[k]), overridden=True) if k in overrides else a
                 for k, a in self.usage.items()}
        return replace(self, usage=usage)

    @property
    def taken(self) -> str:
        return max(p.taken for p in self.prices.values())


def table_problems(document: dict) -> list[str]:
    """Every problem of a price table document (empty: usable). A price without its region, unit,
    amount, source page, date or check is a problem; so is an "other page" price without the
    page it was read on."""
    problems: list[str] = []
    if not isinstance(document.get("hours_per_month"), (int, float)) or document["hours_per_month"] <= 0:
        problems.append("hours_per_month must be a positive number")
    seen = set()
    for i, entry in enumerate(document.get("prices") or []):
        name = f"prices[{i}] ({entry.get('id', '?')}, {entry.get('region', '?')})"
        unknown = sorted(set(entry) - set(REQUIRED) - set(OPTIONAL), key=str)
        if unknown:
            problems.append(f"{name}: unknown field(s) {unknown} (a comma in an unquoted value?)")
        for key in REQUIRED:
            if entry.get(key) in (None, ""):
                problems.append(f"{name}: no {key}")
        for number in ("usd", "free"):
            value = entry.get(number)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
                problems.append(f"{name}: {number} must be a number >= 0, not {value!r}")
        if entry.get("checked") not in (None, "") and entry["checked"] not in CHECKED:
            problems.append(f"{name}: checked must be one of {CHECKED}, not {entry['checked']!r}")
        if entry.get("checked") == "other page" and not entry.get("seen_on"):
            problems.append(f"{name}: checked on another page, but seen_on does not name it")
        for url in [entry.get("source") or "", *(entry.get("seen_on") or [])]:
            if url and not url.startswith(("https://", "http://")):
                problems.append(f"{name}: {url!r} is not a web address")
        if entry.get("source") and not str(entry["source"]).startswith("https://aws.amazon.com/"):
            problems.append(f"{name}: the source must be AWS's pricing page (https://aws.amazon.com/...)")
        taken = entry.get("taken")
        if taken not in (None, "") and not isinstance(taken, datetime.date):
            try:
                datetime.date.fromisoformat(str(taken))
            except ValueError:
                problems.append(f"{name}: taken must be a date (YYYY-MM-DD), not {taken!r}")
        key = (entry.get("id"), entry.get("region"))
        if key in seen:
            problems.append(f"{name}: a second entry for the same item and region")
        seen.add(key)
    for i, entry in enumerate(document.get("usage") or []):
        unknown = sorted(set(entry) - set(USAGE_REQUIRED), key=str)
        if unknown:
            problems.append(f"usage[{i}] ({entry.get('id', '?')}): unknown field(s) {unknown}")
        for key in USAGE_REQUIRED:
            if entry.get(key) in (None, ""):
                problems.append(f"usage[{i}] ({entry.get('id', '?')}): no {key}")
        value = entry.get("value")
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
            problems.append(f"usage[{i}] ({entry.get('id', '?')}): value must be a number >= 0")
    return problems


def load_prices(path: str | Path | None = None) -> PriceTable:
    """The price table (default: prices.yaml next to this module); ValueError lists its problems."""
    if path is None:
        return _default_table()
    return _load(Path(path))


@functools.lru_cache(maxsize=1)
def _default_table() -> PriceTable:
    return _load(PRICES)


def _load(path: Path) -> PriceTable:
    document = yaml.safe_load(path.read_text()) or {}
    problems = table_problems(document)
    if problems:
        raise ValueError(f"{path} has {len(problems)} problem(s):\n" + "\n".join(f"  - {p}" for p in problems))
    prices = {}
    for entry in document["prices"]:
        values = {k: entry.get(k) for k in Price.__dataclass_fields__ if k in entry}
        values.update(usd=float(entry["usd"]), taken=str(entry["taken"]), seen_on=tuple(entry.get("seen_on") or ()),
                      free=float(entry.get("free") or 0))
        prices[(entry["id"], entry["region"])] = Price(**values)
    usage = {u["id"]: Assumption(u["id"], float(u["value"]), u["unit"], u["why"]) for u in document.get("usage") or []}
    return PriceTable(float(document["hours_per_month"]), prices, usage)


# --------------------------------------------------------------------------- the estimate
@dataclass(frozen=True)
class Line:
    """`count` resources (negative: removed) in one account and region, each `per` units a month."""

    phase: int
    account: str
    region: str
    item: str
    what: str
    count: float
    per: float
    unit: str
    unit_price: float
    how: str = ""  # how `per` was worked out, when it is not plain
    note: str = ""

    @property
    def quantity(self) -> float:
        return self.count * self.per

    @property
    def monthly(self) -> float:
        return self.quantity * self.unit_price

    def basis(self) -> str:
        per = f"{_num(self.per)} {self.unit}" + (f" ({self.how})" if self.how else "")
        return f"{_num(self.count)} × {per} × {_price(self.unit_price)}/{self.unit}"

    def to_dict(self) -> dict:
        return {**asdict(self), "quantity": self.quantity, "monthly_usd": round(self.monthly, 4)}


@dataclass(frozen=True)
class Estimate:
    title: str
    lines: tuple[Line, ...]
    assumptions: tuple[Assumption, ...] = ()  # the usage the lines rest on
    hours_per_month: float = 730
    prices_taken: str = ""
    delta: bool = False  # a plan's change (signed) rather than a standing cost

    @property
    def total(self) -> float:
        return sum(line.monthly for line in self.lines)

    def by_phase(self) -> dict[int, float]:
        out = {n: 0.0 for n in sorted({line.phase for line in self.lines} | (set() if self.delta else set(PHASE_NAMES)))}
        for line in self.lines:
            out[line.phase] += line.monthly
        return out

    def by_account(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for line in sorted(self.lines, key=lambda l: l.account):
            out[line.account] = out.get(line.account, 0.0) + line.monthly
        return out

    def by_item(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for line in self.lines:
            out[line.what] = out.get(line.what, 0.0) + line.monthly
        return out

    def headline(self) -> str:
        amount = _signed(self.total) if self.delta else _usd(self.total)
        return f"{self.title}: {amount}/month"

    def text(self) -> str:
        lines = [self.headline(), self._basis_line()]
        for phase, amount in self.by_phase().items():
            lines.append(f"Phase {phase} {PHASE_NAMES[phase]}: {_signed(amount) if self.delta else _usd(amount)}")
            for line in self._sorted(phase):
                where = f"{line.account} {line.region}"
                note = f" [{line.note}]" if line.note else ""
                amount = _signed(line.monthly) if self.delta else _usd(line.monthly)
                lines.append(f"  {where:<28} {line.what}: {line.basis()} = {amount}{note}")
        if len(self.by_account()) > 1:
            lines.append("By account:")
            lines += [f"  {name}: {_signed(amount) if self.delta else _usd(amount)}"
                      for name, amount in self.by_account().items()]
        lines += self._assumption_lines("Assumed usage:", "  ")
        return "\n".join(lines)

    def markdown_lines(self) -> list[str]:
        amount = _signed(self.total) if self.delta else _usd(self.total)
        lines = [f"**{self.title}: {amount}/month** ({self._basis_line()[1:-1]})", ""]
        if not self.lines:
            return lines[:1]
        lines += ["| phase | account | region | item | quantity × unit price | USD/month |", "|---|---|---|---|---|---:|"]
        for phase in self.by_phase():
            for line in self._sorted(phase):
                note = f" ({line.note})" if line.note else ""
                amount = _signed(line.monthly) if self.delta else _usd(line.monthly)
                lines.append(f"| {phase} {PHASE_NAMES[phase]} | {line.account} | {line.region} | {line.what}{note} | "
                             f"{line.basis()} | {amount} |")
        assumed = self._assumption_lines("", "- ")
        return lines + ([""] + assumed[1:] if assumed else [])

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "total_usd": round(self.total, 2),
            "delta": self.delta,
            "by_phase": {str(k): round(v, 2) for k, v in self.by_phase().items()},
            "by_account": {k: round(v, 2) for k, v in self.by_account().items()},
            "lines": [line.to_dict() for line in self.lines],
            "assumptions": [asdict(a) for a in self.assumptions],
            "hours_per_month": self.hours_per_month,
            "prices_taken": self.prices_taken,
        }

    def _sorted(self, phase: int) -> list[Line]:
        return sorted((l for l in self.lines if l.phase == phase), key=lambda l: (l.account, l.region, l.item))

    def _basis_line(self) -> str:
        return (f"(list prices in USD, {_num(self.hours_per_month)} h a month, taken {self.prices_taken}: "
                f"include/groundwork/cost/prices.yaml; usage as assumed there)")

    def _assumption_lines(self, heading: str, indent: str) -> list[str]:
        if not self.assumptions:
            return []
        return [heading] + [f"{indent}{a.id} = {_num(a.value)} {a.unit}" + (" (overridden)" if a.overridden else "")
                            for a in self.assumptions]


# --------------------------------------------------------------------------- quantities
def _num(value: float) -> str:
    return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"


def _usd(value: float) -> str:
    text = f"${abs(value):,.2f}" if abs(value) >= 0.01 or value == 0 else f"${abs(value):.4g}"
    return ("-" if value < 0 else "") + text


def _price(value: float) -> str:
    """A unit price with the digits it has: $0.045, $0.005, $1.00."""
    text = f"{value:.6f}".rstrip("0")
    whole, _, cents = text.partition(".")
    return f"${whole}.{cents.ljust(2, '0')}"


def _signed(value: float) -> str:
    return ("+" if value > 0 else "") + _usd(value)


class _Lines:
    """Lines keyed by phase, account, region, item (and per / note), counts summed."""

    def __init__(self, table: PriceTable):
        self.table = table
        self.lines: dict[tuple, Line] = {}
        self.used: set[str] = set()

    def add(self, phase: int, account: str, region: str, item: str, count: float, per: float, how: str = "",
            note: str = "", uses: tuple[str, ...] = ()) -> None:
        if count == 0 or per == 0:  # nothing there, or a usage assumed to be 0: not listed
            return
        price = self.table.price(item, region)
        region = price.region if price.region == GLOBAL else region
        key = (phase, account, region, item, per, how, note)
        found = self.lines.get(key)
        self.lines[key] = Line(phase, account, region, item, price.what, (found.count if found else 0) + count, per,
                               price.unit, price.usd, how, note)
        self.used.update(uses)

    def estimate(self, title: str, delta: bool = False) -> Estimate:
        lines = tuple(l for l in self.lines.values() if l.count != 0)
        assumptions = tuple(a for k, a in sorted(self.table.usage.items()) if k in self.used)
        return Estimate(title, lines, assumptions, self.table.hours_per_month, self.table.taken, delta)


def _resource(kind: str, table: PriceTable, config) -> list[tuple[str, float, tuple[str, ...], str]]:
    """(price item, units per resource a month, usage assumptions used, how) of one resource."""
    hours, use = table.hours_per_month, table.use

    def assumed(item: str, name: str, scale: float = 1.0):
        return item, use(name) * scale, (name,), ""

    if kind == "tgw_attachment":
        return [("transit-gateway-attachment", hours, (), ""),
                assumed("transit-gateway-data", "transit_gateway_gb_per_attachment")]
    if kind == "nat_gateway":
        return [("nat-gateway", hours, (), ""), ("public-ipv4-address", hours, (), ""),
                assumed("nat-gateway-data", "nat_gateway_gb_per_gateway")]
    if kind == "interface_endpoint":
        azs = config.network.availability_zones
        return [("interface-endpoint", hours * azs, (), f"{azs} AZ × {_num(hours)} h"),
                assumed("interface-endpoint-data", "interface_endpoint_gb_per_endpoint")]
    if kind in FIXED:
        return [(FIXED[kind], 1, (), "")]
    if kind == "config_recorder":
        return [assumed("config-item", "config_items_per_account_region")]
    if kind == "guardduty_detector":
        return [assumed("guardduty-events", "guardduty_events_per_account_region", 1e-6),
                assumed("guardduty-logs", "guardduty_logs_gb_per_account_region")]
    if kind == "securityhub_hub":
        return [assumed("securityhub-check", "securityhub_checks_per_account_region")]
    raise KeyError(kind)


FIXED = {"gateway_endpoint": "gateway-endpoint", "private_zone": "route53-hosted-zone", "kms_key": "kms-key",
         "trail": "cloudtrail-trail"}  # one unit a month per resource


def _add(lines: _Lines, phase: int, account: str, region: str, kind: str, config, count: float = 1,
         note: str = "") -> None:
    for item, per, uses, how in _resource(kind, lines.table, config):
        lines.add(phase, account, region, item, count, per, how=how, note=note, uses=uses)


def _logging_accounts(config) -> int:
    """Accounts whose trail and Config logs reach the Log Archive: the management account and every
    member not closed (the organization trail covers retired accounts too)."""
    return 1 + sum(1 for a in config.organization.accounts if a.lifecycle != "closed")


def _add_log_bucket(lines: _Lines, config, region: str, trail_logs: bool, source: bool, count: float = 1) -> None:
    """One log bucket at its steady state: the logs of every account kept for the retention, the
    replication transfer (source buckets), the trail's file writes (trail buckets)."""
    obs, use = config.observability, lines.table.use
    accounts, days = _logging_accounts(config), obs.object_lock_retention_days
    daily_name = "trail_log_gb_per_account_day" if trail_logs else "config_log_gb_per_account_day"
    daily = use(daily_name)
    kind = "trail logs" if trail_logs else "Config logs"
    la = obs.log_archive_account
    lines.add(4, la, region, "s3-standard-storage", count, daily * accounts * days,
              how=f"{kind}: {_num(daily)} GB/day × {accounts} accounts × {days} days", uses=(daily_name,))
    if source:
        month_days = lines.table.hours_per_month / 24
        lines.add(4, la, region, "inter-region-transfer", count, daily * accounts * month_days,
                  how=f"{kind}: {_num(daily)} GB/day × {accounts} accounts × {_num(round(month_days, 2))} days",
                  uses=(daily_name,))
    if trail_logs:
        files, regions = use("trail_log_files_per_account_region"), len(config.aws.allowed_regions)
        lines.add(4, la, region, "s3-put-requests", count, files * accounts * regions / 1000,
                  how=f"{_num(files)} files × {accounts} accounts × {regions} regions / 1,000",
                  uses=("trail_log_files_per_account_region",))


def _add_flow_logs(lines: _Lines, config, phase: int, account: str, region: str, vpcs: float,
                   note: str = "") -> None:
    """The flow logs of `vpcs` VPCs in one account and region at their steady state: the delivery
    (vended logs, charged there), their storage for the retention in the home trail bucket and its
    replica, the replication transfer, the file writes in both buckets (in the Log Archive)."""
    obs, table = config.observability, lines.table
    gb, files = table.use("flow_log_gb_per_vpc"), table.use("flow_log_files_per_vpc")
    lines.add(phase, account, region, "vended-logs-s3", vpcs, gb, note=note, uses=("flow_log_gb_per_vpc",))
    home, la, days = config.aws.home_region, obs.log_archive_account, obs.object_lock_retention_days
    months = days / (table.hours_per_month / 24)
    for bucket in dict.fromkeys([home, obs.replica_region]):
        lines.add(phase, la, bucket, "s3-standard-storage", vpcs, gb * months,
                  how=f"flow logs: {_num(gb)} GB/VPC-month × {_num(round(months, 2))} months ({days} days)",
                  uses=("flow_log_gb_per_vpc",))
        lines.add(phase, la, bucket, "s3-put-requests", vpcs, files / 1000,
                  how=f"flow logs: {_num(files)} files/VPC / 1,000", uses=("flow_log_files_per_vpc",))
    if obs.replica_region != home:
        lines.add(phase, la, home, "inter-region-transfer", vpcs, gb, how=f"flow logs: {_num(gb)} GB/VPC",
                  uses=("flow_log_gb_per_vpc",))


def _add_budget_actions(lines: _Lines, phase: int, account: str, before: int, after: int) -> None:
    """The change in the account's action-enabled budgets from `before` to `after`: budget-days
    beyond the free ones (shared by every action-enabled budget of the account) at the table price."""
    price, days = lines.table.price("budget-actions", GLOBAL), lines.table.hours_per_month / 24

    def charged(count: int) -> float:
        return max(0.0, count * days - price.free)

    change = charged(after) - charged(before)
    how = f"{after} action-enabled budgets × {_num(round(days, 2))} days − {_num(price.free)} free" + (
        f"; was {before}" if before else "")
    lines.add(phase, account, GLOBAL, "budget-actions", 1 if change >= 0 else -1, abs(change), how=how)


def _regions(config) -> list[str]:
    return list(config.aws.allowed_regions)


def estimate_config(config, table: PriceTable | None = None, *, usage: dict[str, float] | None = None,
                    title: str = "Estimated monthly cost") -> Estimate:
    """The whole config's monthly cost, by phase, account and region (no AWS read)."""
    table = (table or load_prices()).assuming(usage)
    lines = _Lines(table)
    home, network, obs = config.aws.home_region, config.network, config.observability
    management = config.organization.management_account.name
    active = config.active_accounts
    retired = [a for a in config.organization.accounts if a.lifecycle == "retired"]

    lines.add(1, management, GLOBAL, "organizations", 1, 1)
    limited = [a for a in active if a.spend_limit_usd]  # budgets.budget_specs: one budget each
    lines.add(1, management, GLOBAL, "budgets", len(limited), table.hours_per_month / 24)
    if config.cost.stop_spending_at_limit:
        _add_budget_actions(lines, 1, management, 0, len(limited))
    lines.add(2, management, GLOBAL, "identity-center", 1, 1)

    # phase 3: one VPC per active account (home region), attached; retired VPCs stay, cut off
    interface = list(dict.fromkeys(["kms", *network.interface_endpoints]))
    for account, note in [(a, "") for a in active] + [(a, "retired: VPC kept, detached") for a in retired]:
        if not note:
            _add(lines, 3, account.name, home, "tgw_attachment", config)
        _add(lines, 3, account.name, home, "interface_endpoint", config, count=len(interface), note=note)
        _add(lines, 3, account.name, home, "gateway_endpoint", config, count=len(network.gateway_endpoints), note=note)
    hub_active = any(a.name == network.transit_gateway_account for a in active)
    if network.centralized_egress and hub_active:
        _add(lines, 3, network.transit_gateway_account, home, "nat_gateway", config, count=network.availability_zones)
    if network.private_zone:
        _add(lines, 3, network.transit_gateway_account, GLOBAL, "private_zone", config)

    # phase 4: log keys, trail, per account and region services, log buckets
    for region in dict.fromkeys([home, obs.replica_region]):
        _add(lines, 4, obs.log_archive_account, region, "kms_key", config)
    _add(lines, 4, management, home, "trail", config)
    covered = [(management, "")] + [(a.name, "") for a in active] + [(a.name, "retired: kept") for a in retired]
    with_vpc = {a.name for a in active + retired}  # phase 3's VPCs (network_layout.network_accounts), kept when retired
    for name, note in covered:
        for region in _regions(config):
            for kind in ("config_recorder", "guardduty_detector", "securityhub_hub"):
                _add(lines, 4, name, region, kind, config, note=note)
            vpcs = 1 + int(region == home and name in with_vpc)  # the default VPC, and groundwork's
            _add_flow_logs(lines, config, 4, name, region, vpcs, note=note)
    if len(_regions(config)) > 1:  # the home region aggregates the others' findings
        lines.add(4, obs.audit_account, home, "securityhub-aggregator", 1, 1)
    if obs.replica_region != home:
        for trail_logs in (True, False):
            _add_log_bucket(lines, config, home, trail_logs, source=True)
            _add_log_bucket(lines, config, obs.replica_region, trail_logs, source=False)
    else:
        for trail_logs in (True, False):
            _add_log_bucket(lines, config, home, trail_logs, source=False)

    # phase 5: a key per environment, the artifact key
    if config.cicd is not None:
        for env in config.cicd.environments:
            for account in env.accounts:  # a key per account of each environment
                _add(lines, 5, account, home, "kms_key", config)
        _add(lines, 5, config.cicd.shared_services_account, home, "kms_key", config)
    return lines.estimate(title)


# --------------------------------------------------------------------------- a plan's change
def _phase_number(phase: str) -> int:
    from groundwork.phases import PHASES

    if phase in PHASES:
        return PHASES.index(phase) + 1
    return int(phase.removeprefix("phase")[:1])


def _split_region(config, rest: str) -> tuple[str, str]:
    """("us-west-2", "alias/x") from "us-west-2/alias/x"; the home region when no region leads."""
    head, _, tail = rest.partition("/")
    from groundwork.config.regions import AWS_REGIONS

    return (head, tail) if head in AWS_REGIONS else (config.aws.home_region, rest)


def _bucket_region(config, bucket: str) -> str:
    from groundwork.config.regions import AWS_REGIONS

    return next((r for r in AWS_REGIONS if bucket.endswith(f"-{r}")), config.aws.home_region)


def _add_change(lines: _Lines, phase: int, change, config, sign: int) -> None:
    kind, key, home = change.kind, change.key, config.aws.home_region
    state = (change.after if sign > 0 else change.before) or {}
    account, _, rest = key.partition("/")
    if kind == KIND_ATTACHMENT:
        _add(lines, phase, key, home, "tgw_attachment", config, sign)
    elif kind == KIND_NAT:
        _add(lines, phase, account, home, "nat_gateway", config, sign)
    elif kind == KIND_ENDPOINT:
        if state.get("type") == "Interface":
            _add(lines, phase, account, home, "interface_endpoint", config, sign)
    elif kind == KIND_ZONE:
        _add(lines, phase, config.network.transit_gateway_account, GLOBAL, "private_zone", config, sign)
    elif kind == kms_keys.KIND:
        _add(lines, phase, account, _split_region(config, rest)[0], "kms_key", config, sign)
    elif kind == trail.KIND:
        _add(lines, phase, account, home, "trail", config, sign)
    elif kind in (config_recorders.RECORDER_KIND, security_services.GD_DETECTOR, security_services.SH_HUB):
        region = rest.partition("/")[0]
        name = {config_recorders.RECORDER_KIND: "config_recorder", security_services.GD_DETECTOR: "guardduty_detector",
                security_services.SH_HUB: "securityhub_hub"}[kind]
        _add(lines, phase, account, region, name, config, sign)
    elif kind == log_archive.KIND:
        bucket = rest
        trail_logs = not bucket.startswith(f"{config.observability.log_bucket_prefix}-config-")
        _add_log_bucket(lines, config, _bucket_region(config, bucket), trail_logs,
                        source=bool(state.get("replication")), count=sign)
    elif kind == account_baseline.FLOW_LOG_KIND:  # key: account/region/vpc id
        _add_flow_logs(lines, config, phase, account, rest.partition("/")[0], sign)
    elif kind in FREE_KINDS:
        owner = config.organization.management_account.name if kind in policies.KIND.values() else account
        lines.add(phase, owner, GLOBAL, FREE_KINDS[kind], sign, 1)


def estimate_plan(plan, config, table: PriceTable | None = None, *, usage: dict[str, float] | None = None) -> Estimate:
    """The monthly cost change of a plan: + what it creates, - what it removes (updates and no-ops
    change nothing, except a budget's action: the plan's budgets are priced after less before).
    Changes without a price are not listed."""
    table = (table or load_prices()).assuming(usage)
    lines = _Lines(table)
    phase = _phase_number(plan.phase)
    for change in plan.changes:
        sign = {"create": 1, "delete": -1}.get(change.action)
        priced = change.kind in PRICED_KINDS or change.kind in FREE_KINDS
        if sign is not None and priced and change.kind != budgets.KIND:  # budgets: below
            _add_change(lines, phase, change, config, sign)
    spend_limits = [c for c in plan.changes if c.kind == budgets.KIND]
    if spend_limits:  # an update can add or remove a budget's action; the free budget-days are shared
        with_action = lambda state: bool((state or {}).get("actions"))  # noqa: E731
        _add_budget_actions(lines, phase, config.organization.management_account.name,
                            sum(with_action(c.before) for c in spend_limits),
                            sum(with_action(c.after) for c in spend_limits))
    estimate = lines.estimate(f"Estimated monthly cost change of {plan.phase}", delta=True)
    return replace(estimate, lines=tuple(l for l in estimate.lines if l.monthly != 0))


def approval_lines(plan, config) -> list[str]:
    """Markdown for the approval body: the plan's estimated monthly cost change, line by line.
    Never raises for a missing price: the approver is told the estimate is unavailable."""
    try:
        estimate = estimate_plan(plan, config)
    except (MissingPrice, ValueError) as exc:
        return [f"**Estimated monthly cost change: not available** ({exc})"]
    if not estimate.lines:
        return [f"**Estimated monthly cost change: $0.00** (nothing priced is created or removed; "
                f"{estimate._basis_line()[1:-1]})"]
    return estimate.markdown_lines()


def plan_summary(plan, config) -> tuple[str, dict]:
    """(text, JSON) of a plan's estimate for the command line; an unavailable estimate is one line."""
    try:
        estimate = estimate_plan(plan, config)
    except (MissingPrice, ValueError) as exc:
        return f"Estimated monthly cost change: not available ({exc})", {"error": str(exc)}
    if not estimate.lines:
        return "Estimated monthly cost change: $0.00 (nothing priced is created or removed)", estimate.to_dict()
    return estimate.text(), estimate.to_dict()
