"""The cost estimate: the price table is complete data, the blueprint organization's estimate is
what its resources cost at the table's prices, and a plan's change is priced with its sign."""

from __future__ import annotations

import copy
import inspect
import json

import pytest
import yaml

from groundwork.cost import estimate as cost
from groundwork.cost.estimate import (
    PRICES, REQUIRED, MissingPrice, approval_lines, estimate_config, estimate_plan, load_prices, table_problems,
)
from groundwork.plan.model import Change, Plan
from groundwork.reconcile import network_dns, network_vpc

from tests.conftest import ROOT

HOURS = 730


@pytest.fixture(scope="module")
def table():
    return load_prices()


def usd(table, item, region="us-east-1"):
    return table.price(item, region).usd


def lines_of(estimate, item, **where):
    return [l for l in estimate.lines if l.item == item and all(getattr(l, k) == v for k, v in where.items())]


def replaced(config, **sections):
    """The config with some fields of its sections replaced, e.g. network={"centralized_egress": False}."""
    return config.model_copy(update={name: getattr(config, name).model_copy(update=fields)
                                     for name, fields in sections.items()})


# --------------------------------------------------------------------------- the price table
def test_the_price_table_has_no_problem_and_every_entry_its_fields():
    document = yaml.safe_load(PRICES.read_text())
    assert table_problems(document) == []
    for entry in document["prices"]:
        assert all(entry.get(key) not in (None, "") for key in REQUIRED), entry
        assert entry["source"].startswith("https://aws.amazon.com/")


@pytest.mark.parametrize("field", REQUIRED)
def test_a_price_without_one_of_its_fields_is_a_problem(field, tmp_path):
    document = yaml.safe_load(PRICES.read_text())
    broken = copy.deepcopy(document)
    del broken["prices"][3][field]
    problems = table_problems(broken)
    assert len(problems) >= 1 and any(f"no {field}" in p for p in problems), problems
    path = tmp_path / "prices.yaml"
    path.write_text(yaml.safe_dump(broken))
    with pytest.raises(ValueError, match=f"no {field}"):
        load_prices(path)


def test_bad_values_in_the_table_are_problems():
    document = yaml.safe_load(PRICES.read_text())
    entry = document["prices"][0]
    bad = [
        {**entry, "usd": -1}, {**entry, "usd": "0.05"}, {**entry, "checked": "probably"},
        {**entry, "checked": "other page", "seen_on": []}, {**entry, "taken": "last week"},
        {**entry, "source": "https://example.com/pricing"}, {**entry, "OUs": None},  # a comma left unquoted
    ]
    for wrong in bad:
        assert table_problems({**document, "prices": [wrong]}), wrong
    assert table_problems({**document, "prices": [entry, entry]})  # the same item and region twice
    assert table_problems({**document, "usage": [{"id": "x", "value": 1, "unit": "GB"}]})  # no why


def test_every_item_the_estimate_uses_has_a_price_in_the_regions_groundwork_allows(table):
    document = yaml.safe_load(PRICES.read_text())
    items = {e["id"] for e in document["prices"]}
    used = {"transit-gateway-attachment", "transit-gateway-data", "nat-gateway", "nat-gateway-data",
            "public-ipv4-address", "interface-endpoint", "interface-endpoint-data", "gateway-endpoint",
            "route53-hosted-zone", "kms-key", "cloudtrail-trail", "config-item", "guardduty-events",
            "guardduty-logs", "securityhub-check", "s3-standard-storage", "s3-put-requests",
            "inter-region-transfer", "organizations", "identity-center"}
    assert used <= items
    source = inspect.getsource(cost)
    assert all(f'"{item}"' in source for item in used)
    for item in used:
        for region in ("us-east-1", "us-west-2"):
            assert table.price(item, region).usd >= 0


def test_usage_based_prices_state_their_usage(table):
    assert {a for a in table.usage} == {
        "transit_gateway_gb_per_attachment", "nat_gateway_gb_per_gateway", "interface_endpoint_gb_per_endpoint",
        "config_items_per_account_region", "guardduty_events_per_account_region",
        "guardduty_logs_gb_per_account_region", "securityhub_checks_per_account_region",
        "trail_log_gb_per_account_day", "config_log_gb_per_account_day", "trail_log_files_per_account_region"}
    assert all(a.why and a.unit for a in table.usage.values())
    assert table.use("transit_gateway_gb_per_attachment") == table.use("nat_gateway_gb_per_gateway") == 0


# --------------------------------------------------------------------------- the whole config
def test_the_blueprint_organization_costs_what_its_resources_cost_at_the_table_prices(foundation_config, table):
    estimate = estimate_config(foundation_config)
    network = (8 * usd(table, "transit-gateway-attachment") * HOURS  # 8 active accounts, one VPC each
               + 2 * (usd(table, "nat-gateway") + usd(table, "public-ipv4-address")) * HOURS  # a NAT per AZ
               + 8 * 2 * usd(table, "interface-endpoint") * HOURS  # kms in 8 VPCs x 2 AZs
               + usd(table, "route53-hosted-zone", "global"))
    per_account_region = (500 * usd(table, "config-item") + 0.2 * usd(table, "guardduty-events")
                          + 0.5 * usd(table, "guardduty-logs") + 2000 * usd(table, "securityhub-check"))
    logs = (2 * (0.012 * 9 * 365) * usd(table, "s3-standard-storage")  # trail + Config logs, home and replica
            + 0.012 * 9 * HOURS / 24 * usd(table, "inter-region-transfer")
            + 2 * 8760 * 9 * 2 / 1000 * usd(table, "s3-put-requests"))
    observability = 2 * usd(table, "kms-key") + 9 * 2 * per_account_region + logs
    assert estimate.by_phase() == pytest.approx({1: 0, 2: 0, 3: network, 4: observability, 5: 4 * usd(table, "kms-key")})
    assert estimate.total == pytest.approx(578.16, abs=0.005)  # the number docs/cost.md explains


def test_the_per_phase_and_per_account_split_sums_to_the_total(foundation_config, minimal_config):
    for config in (foundation_config, minimal_config):
        estimate = estimate_config(config)
        assert sum(estimate.by_phase().values()) == pytest.approx(estimate.total)
        assert sum(estimate.by_account().values()) == pytest.approx(estimate.total)
        assert sum(line.monthly for line in estimate.lines) == pytest.approx(estimate.total)
        assert set(estimate.by_phase()) == {1, 2, 3, 4, 5}


def test_quantities_follow_what_the_phases_build(foundation_config):
    estimate = estimate_config(foundation_config)
    attachments = lines_of(estimate, "transit-gateway-attachment")
    assert sorted(l.account for l in attachments) == sorted(a.name for a in foundation_config.active_accounts)
    assert {l.region for l in attachments} == {"us-east-1"}  # the network phase works in the home region only
    assert [(l.account, l.count) for l in lines_of(estimate, "nat-gateway")] == [("Network", 2)]
    assert sum(l.count * l.per for l in lines_of(estimate, "interface-endpoint")) == 8 * 2 * HOURS
    assert {(l.account, l.region) for l in lines_of(estimate, "kms-key", phase=4)} == {
        ("Log Archive", "us-east-1"), ("Log Archive", "us-west-2")}
    assert sorted(l.account for l in lines_of(estimate, "kms-key", phase=5)) == [
        "Development", "Production", "Shared Services", "Staging"]
    hubs = lines_of(estimate, "securityhub-check")
    assert len(hubs) == 9 * 2 and {l.region for l in hubs} == {"us-east-1", "us-west-2"}
    assert "Management" in {l.account for l in hubs}  # phase 4 covers the management account too
    assert [l.monthly for l in lines_of(estimate, "cloudtrail-trail")] == [0]  # first copy: free


def test_storage_follows_the_configured_retention(foundation_config, table):
    short = estimate_config(replaced(foundation_config, observability={"object_lock_retention_days": 30}))
    full = estimate_config(foundation_config)
    stored = lambda e: sum(l.monthly for l in lines_of(e, "s3-standard-storage"))  # noqa: E731
    assert stored(full) == pytest.approx(stored(short) * 365 / 30)
    assert stored(full) == pytest.approx(2 * 0.012 * 9 * 365 * usd(table, "s3-standard-storage"))


def test_no_egress_and_no_zone_cost_nothing(foundation_config):
    config = replaced(foundation_config, network={"centralized_egress": False, "private_zone": None})
    estimate = estimate_config(config)
    assert not lines_of(estimate, "nat-gateway") and not lines_of(estimate, "public-ipv4-address")
    assert not lines_of(estimate, "route53-hosted-zone")
    assert estimate_config(foundation_config).total - estimate.total == pytest.approx(65.70 + 7.30 + 0.50)


def test_more_availability_zones_and_endpoints_cost_more(foundation_config, table):
    config = replaced(foundation_config, network={"availability_zones": 3, "interface_endpoints": ["kms", "ssm", "sts"]})
    estimate = estimate_config(config)
    assert sum(l.monthly for l in lines_of(estimate, "interface-endpoint")) == pytest.approx(
        8 * 3 * 3 * HOURS * usd(table, "interface-endpoint"))
    assert sum(l.count for l in lines_of(estimate, "nat-gateway")) == 3


def test_a_retired_account_keeps_its_endpoints_and_services_but_not_its_attachment(foundation_config):
    accounts = [a.model_copy(update={"lifecycle": "retired"}) if a.name == "Sandbox" else a
                for a in foundation_config.organization.accounts]
    config = replaced(foundation_config, organization={"accounts": accounts})
    estimate = estimate_config(config)
    assert "Sandbox" not in {l.account for l in lines_of(estimate, "transit-gateway-attachment")}
    [endpoint] = lines_of(estimate, "interface-endpoint", account="Sandbox")
    assert endpoint.note.startswith("retired")
    assert len(lines_of(estimate, "config-item", account="Sandbox")) == 2
    closed = [a.model_copy(update={"lifecycle": "closed"}) if a.name == "Sandbox" else a for a in accounts]
    gone = estimate_config(replaced(foundation_config, organization={"accounts": closed}))
    assert "Sandbox" not in gone.by_account()


def test_usage_can_be_assumed_otherwise(foundation_config, table):
    estimate = estimate_config(foundation_config, usage={"nat_gateway_gb_per_gateway": 100})
    [data] = lines_of(estimate, "nat-gateway-data")
    assert data.monthly == pytest.approx(2 * 100 * usd(table, "nat-gateway-data"))
    assert [a.overridden for a in estimate.assumptions if a.id == "nat_gateway_gb_per_gateway"] == [True]
    with pytest.raises(ValueError, match="unknown usage assumption"):
        estimate_config(foundation_config, usage={"nat_gb": 1})


def test_a_region_without_prices_is_refused_not_priced_at_zero(foundation_config):
    config = replaced(foundation_config, aws={"allowed_regions": ["us-east-1", "us-west-2", "eu-west-1"]})
    with pytest.raises(MissingPrice, match="in eu-west-1"):
        estimate_config(config)


def test_the_estimate_renders_as_text_markdown_and_json(foundation_config):
    estimate = estimate_config(foundation_config)
    text = estimate.text()
    assert text.splitlines()[0] == "Estimated monthly cost: $578.16/month"
    assert "Phase 3 network: $482.30" in text
    assert "Network us-east-1            NAT gateway: 2 × 730 hour × $0.045/hour = $65.70" in text
    markdown = estimate.markdown_lines()
    assert markdown[0].startswith("**Estimated monthly cost: $578.16/month**")
    assert "| 3 network | Network | us-east-1 | NAT gateway | 2 × 730 hour × $0.045/hour | $65.70 |" in markdown
    data = json.loads(json.dumps(estimate.to_dict()))
    assert data["total_usd"] == 578.16 and data["by_phase"]["3"] == 482.3
    assert {a["id"] for a in data["assumptions"]} >= {"securityhub_checks_per_account_region"}


def test_docs_state_the_current_estimate(foundation_config):
    estimate = estimate_config(foundation_config)
    doc = (ROOT / "docs" / "cost.md").read_text()
    assert f"${estimate.total:,.2f}" in doc
    for phase, amount in estimate.by_phase().items():
        assert f"${amount:,.2f}" in doc, (phase, amount)


# --------------------------------------------------------------------------- a plan's change
def plan(phase, *changes):
    return Plan(phase, tuple(changes))


def test_a_created_nat_gateway_costs_its_hours_and_its_address(foundation_config, table):
    estimate = estimate_plan(plan("phase3_network", Change("create", "nat_gateway", "Network/nat-1", None,
                                                          {"subnet": "public-1"})), foundation_config)
    assert estimate.total == pytest.approx((usd(table, "nat-gateway") + usd(table, "public-ipv4-address")) * HOURS)
    assert estimate.total == pytest.approx(36.50)
    assert {(l.item, l.account, l.region, l.phase) for l in estimate.lines} == {
        ("nat-gateway", "Network", "us-east-1", 3), ("public-ipv4-address", "Network", "us-east-1", 3)}


def test_a_created_interface_endpoint_costs_every_az_and_a_gateway_endpoint_nothing(foundation_config, table):
    estimate = estimate_plan(plan("phase3_network",
                                  Change("create", "vpc_endpoint", "Audit/kms", None, {"type": "Interface"}),
                                  Change("create", "vpc_endpoint", "Audit/s3", None, {"type": "Gateway"})),
                             foundation_config)
    [line] = estimate.lines
    assert (line.item, line.account) == ("interface-endpoint", "Audit")
    assert estimate.total == pytest.approx(2 * HOURS * usd(table, "interface-endpoint")) == pytest.approx(14.60)


def test_a_delete_is_negative_and_updates_and_noops_cost_nothing(foundation_config, table):
    estimate = estimate_plan(plan(
        "phase3_network",
        Change("delete", "tgw_attachment", "Sandbox", {"transit_gateway": "hub"}, None),
        Change("delete", "vpc_endpoint", "Audit/ssm", {"type": "Interface"}, None, note="removed from the config"),
        Change("update", "nat_gateway", "Network/nat-1", {"subnet": "public-2"}, {"subnet": "public-1"}),
        Change("noop", "tgw_attachment", "Audit", {"a": 1}, {"a": 1}),
    ), foundation_config)
    assert estimate.total == pytest.approx(-(usd(table, "transit-gateway-attachment") + 2 * usd(table, "interface-endpoint"))
                                           * HOURS)
    assert estimate.total == pytest.approx(-36.50 - 14.60)
    assert all(l.count < 0 for l in estimate.lines)
    assert estimate.text().splitlines()[0] == "Estimated monthly cost change of phase3_network: -$51.10/month"


def test_unpriced_kinds_are_not_listed(foundation_config):
    estimate = estimate_plan(plan("phase1_foundation", Change("create", "account", "Audit", None, {"ou": "Security"}),
                                  Change("create", "scp", "x", None, {})), foundation_config)
    assert estimate.lines == () and estimate.total == 0
    trail = estimate_plan(plan("phase4_observability",
                               Change("create", "cloudtrail_trail", "Management/organization-trail", None, {})),
                          foundation_config)
    assert trail.lines == ()  # priced, but free: nothing to show


def test_phase_4_and_5_changes_are_priced_per_account_and_region(foundation_config, table):
    estimate = estimate_plan(plan(
        "phase4_observability",
        Change("create", "kms_key", "Log Archive/us-west-2/alias/groundwork-log-archive", None, {}),
        Change("create", "config_recorder", "Audit/us-west-2/groundwork-us-west-2", None, {}),
        Change("create", "guardduty_detector", "Audit/us-west-2", None, {"enabled": True}),
        Change("create", "securityhub_hub", "Audit/us-west-2", None, {"enabled": True}),
    ), foundation_config)
    assert {(l.item, l.account, l.region) for l in estimate.lines} == {
        ("kms-key", "Log Archive", "us-west-2"), ("config-item", "Audit", "us-west-2"),
        ("guardduty-events", "Audit", "us-west-2"), ("guardduty-logs", "Audit", "us-west-2"),
        ("securityhub-check", "Audit", "us-west-2")}
    assert estimate.total == pytest.approx(1.00 + 1.50 + 0.80 + 0.50 + 2.00)
    key = estimate_plan(plan("phase5_cicd", Change("create", "kms_key", "Staging/alias/groundwork-deploy-staging",
                                                   None, {})), foundation_config)
    assert [(l.account, l.region, l.monthly) for l in key.lines] == [("Staging", "us-east-1", usd(table, "kms-key"))]


def test_log_buckets_are_priced_at_their_steady_state(foundation_config):
    source = Change("create", "log_bucket", "Log Archive/wingu-log-archive-111111111111-us-east-1", None,
                    {"object_lock": "COMPLIANCE 365 days", "replication": "arn:aws:s3:::x with k as r"})
    replica = Change("create", "log_bucket", "Log Archive/wingu-log-archive-config-111111111111-us-west-2", None,
                     {"object_lock": "off", "replication": None})
    estimate = estimate_plan(plan("phase4_observability", source, replica), foundation_config)
    assert {(l.item, l.region) for l in estimate.lines} == {
        ("s3-standard-storage", "us-east-1"), ("inter-region-transfer", "us-east-1"), ("s3-put-requests", "us-east-1"),
        ("s3-standard-storage", "us-west-2")}
    [config_logs] = lines_of(estimate, "s3-standard-storage", region="us-west-2")
    assert config_logs.per == pytest.approx(0.002 * 9 * 365)


def test_the_priced_kinds_are_the_ones_the_reconcile_modules_plan():
    assert '"nat_gateway"' in inspect.getsource(network_vpc.plan_vpc)
    assert '"vpc_endpoint"' in inspect.getsource(network_vpc.plan_vpc)
    assert network_vpc.INTERFACE == "Interface"
    assert '"private_zone"' in inspect.getsource(network_dns.plan_dns)
    assert '"tgw_attachment"' in inspect.getsource(network_vpc.plan_vpc)


def test_approval_lines_are_markdown_and_never_raise(foundation_config):
    created = plan("phase3_network", Change("create", "nat_gateway", "Network/nat-1", None, {"subnet": "public-1"}))
    lines = approval_lines(created, foundation_config)
    assert lines[0].startswith("**Estimated monthly cost change of phase3_network: +$36.50/month**")
    assert "| 3 network | Network | us-east-1 | NAT gateway | 1 × 730 hour × $0.045/hour | +$32.85 |" in lines
    nothing = approval_lines(plan("phase1_foundation", Change("create", "ou", "Security", None, {})), foundation_config)
    assert len(nothing) == 1 and nothing[0].startswith("**Estimated monthly cost change: $0.00**")
    elsewhere = replaced(foundation_config, aws={"home_region": "eu-west-1", "allowed_regions": ["eu-west-1"]})
    unavailable = approval_lines(created, elsewhere)
    assert unavailable == [unavailable[0]] and "not available" in unavailable[0] and "eu-west-1" in unavailable[0]
