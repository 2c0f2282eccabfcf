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
    FREE_KINDS, PRICED_KINDS, PRICES, REQUIRED, MissingPrice, approval_lines, estimate_config, estimate_plan,
    load_prices, table_problems,
)
from groundwork.plan.model import Change, Plan
from groundwork.reconcile import (
    account_baseline, budgets, log_archive, network_dns, network_vpc, policies, security_services,
)

from tests.conftest import ROOT

HOURS = 730
DAYS = HOURS / 24  # a month of budget-days
MONTHS_KEPT = 365 / DAYS  # the blueprint's retention in months (12)


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
        {**entry, "usd": -1}, {**entry, "usd": "0.05"}, {**entry, "free": -62}, {**entry, "free": "62"},
        {**entry, "checked": "probably"},
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
            "inter-region-transfer", "organizations", "identity-center", "vended-logs-s3", "budgets",
            "budget-actions", "securityhub-aggregator", "iam-password-policy", "s3-block-public-access"}
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
        "trail_log_gb_per_account_day", "config_log_gb_per_account_day", "trail_log_files_per_account_region",
        "flow_log_gb_per_vpc", "flow_log_files_per_vpc"}
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
    vpcs = 9 * 2 + 8  # a default VPC in each account and region, groundwork's in each member's home region
    flow_logs = vpcs * (0.2 * usd(table, "vended-logs-s3")  # delivered, stored a year in 2 regions, replicated
                        + 2 * 0.2 * MONTHS_KEPT * usd(table, "s3-standard-storage")
                        + 0.2 * usd(table, "inter-region-transfer") + 2 * 2920 / 1000 * usd(table, "s3-put-requests"))
    observability = 2 * usd(table, "kms-key") + 9 * 2 * per_account_region + logs + flow_logs
    foundation = 1 * DAYS * usd(table, "budgets", "global")  # Sandbox's budget; its action within the free two
    assert estimate.by_phase() == pytest.approx(
        {1: foundation, 2: 0, 3: network, 4: observability, 5: 4 * usd(table, "kms-key")})
    assert flow_logs == pytest.approx(5.03, abs=0.005)
    assert estimate.total == pytest.approx(583.19, abs=0.005)  # the number docs/cost.md explains


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
    assert stored(full) == pytest.approx((2 * 0.012 * 9 * 365 + 2 * 26 * 0.2 * 365 / DAYS)
                                         * usd(table, "s3-standard-storage"))  # trail + Config logs, flow logs


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


def with_spend_limits(config, names, **cost):
    accounts = [a.model_copy(update={"spend_limit_usd": 100}) if a.name in names else a
                for a in config.organization.accounts]
    return replaced(config, organization={"accounts": accounts}, **({"cost": cost} if cost else {}))


def test_budgets_are_free_and_their_actions_cost_beyond_the_first_two(foundation_config, table):
    blueprint = estimate_config(foundation_config)
    [budget] = lines_of(blueprint, "budgets")
    assert (budget.phase, budget.account, budget.count, budget.monthly) == (1, "Management", 1, 0)  # Sandbox's
    assert not lines_of(blueprint, "budget-actions")  # one action-enabled budget: inside the free 62 budget-days
    assert table.price("budget-actions", "global").free == 62
    five = ["Sandbox", "Development", "Staging", "Audit", "Network"]
    estimate = estimate_config(with_spend_limits(foundation_config, five))
    [actions] = lines_of(estimate, "budget-actions")
    assert actions.account == "Management" and actions.phase == 1
    assert actions.monthly == pytest.approx((5 * DAYS - 62) * usd(table, "budget-actions", "global"))
    assert actions.monthly == pytest.approx(9.01, abs=0.005)
    assert estimate.total - blueprint.total == pytest.approx(actions.monthly)  # the budgets themselves: $0
    notify_only = estimate_config(with_spend_limits(foundation_config, five, stop_spending_at_limit=False))
    assert not lines_of(notify_only, "budget-actions") and lines_of(notify_only, "budgets")[0].count == 5
    retired = [a.model_copy(update={"lifecycle": "retired"}) if a.name in five[1:] else a
               for a in with_spend_limits(foundation_config, five).organization.accounts]
    only_active = estimate_config(replaced(foundation_config, organization={"accounts": retired}))
    assert lines_of(only_active, "budgets")[0].count == 1 and not lines_of(only_active, "budget-actions")


def test_flow_logs_cover_every_vpc_of_every_allowed_region(foundation_config, table):
    estimate = estimate_config(foundation_config)
    delivered = {(l.account, l.region): l.count for l in lines_of(estimate, "vended-logs-s3")}
    names = ["Management"] + [a.name for a in foundation_config.active_accounts]
    assert delivered == {**{(n, "us-west-2"): 1 for n in names},  # the default VPC
                         **{(n, "us-east-1"): 2 for n in names[1:]}, ("Management", "us-east-1"): 1}
    assert {l.phase for l in lines_of(estimate, "vended-logs-s3")} == {4}
    [replication] = [l for l in lines_of(estimate, "inter-region-transfer") if l.how.startswith("flow logs")]
    assert (replication.account, replication.region, replication.count) == ("Log Archive", "us-east-1", 26)
    home_only = estimate_config(replaced(foundation_config, aws={"allowed_regions": ["us-east-1"]},
                                         observability={"replica_region": "us-east-1"}))

    def flow(e):  # delivery, and the Log Archive lines of flow logs
        return sum(l.monthly for l in e.lines if l.item == "vended-logs-s3" or l.how.startswith("flow logs"))

    assert sum(l.count for l in lines_of(home_only, "vended-logs-s3")) == 9 + 8
    assert flow(home_only) == pytest.approx(17 * (0.2 * usd(table, "vended-logs-s3")  # one bucket, no replica
                                                 + 0.2 * MONTHS_KEPT * usd(table, "s3-standard-storage")
                                                 + 2920 / 1000 * usd(table, "s3-put-requests")))
    assert flow(estimate) - flow(home_only) == pytest.approx(
        9 * 0.2 * usd(table, "vended-logs-s3", "us-west-2")  # the west default VPCs
        + 26 * (0.2 * MONTHS_KEPT * usd(table, "s3-standard-storage", "us-west-2")  # the replica, for every VPC
                + 0.2 * usd(table, "inter-region-transfer") + 2920 / 1000 * usd(table, "s3-put-requests", "us-west-2"))
        + 9 * (0.2 * MONTHS_KEPT * usd(table, "s3-standard-storage") + 2920 / 1000 * usd(table, "s3-put-requests")))


def test_a_retired_accounts_vpcs_keep_their_flow_logs(foundation_config):
    accounts = [a.model_copy(update={"lifecycle": "retired"}) if a.name == "Sandbox" else a
                for a in foundation_config.organization.accounts]
    estimate = estimate_config(replaced(foundation_config, organization={"accounts": accounts}))
    assert {(l.region, l.count, l.note) for l in lines_of(estimate, "vended-logs-s3", account="Sandbox")} == {
        ("us-east-1", 2, "retired: kept"), ("us-west-2", 1, "retired: kept")}


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
    assert text.splitlines()[0] == "Estimated monthly cost: $583.19/month"
    assert "Phase 3 network: $482.30" in text
    assert "Network us-east-1            NAT gateway: 2 × 730 hour × $0.045/hour = $65.70" in text
    markdown = estimate.markdown_lines()
    assert markdown[0].startswith("**Estimated monthly cost: $583.19/month**")
    assert "| 3 network | Network | us-east-1 | NAT gateway | 2 × 730 hour × $0.045/hour | $65.70 |" in markdown
    data = json.loads(json.dumps(estimate.to_dict()))
    assert data["total_usd"] == 583.19 and data["by_phase"]["3"] == 482.3 and data["by_phase"]["4"] == 96.89
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


def budget(action, name, with_action=True, before_action=True):
    state = lambda on: {"limit": "100 USD", "actions": [{"type": "APPLY_SCP_POLICY"}] if on else []}  # noqa: E731
    before = None if action == "create" else state(before_action)
    after = None if action == "delete" else state(with_action)
    return Change(action, budgets.KIND, budgets.budget_name(name), before, after)


def test_a_planned_budget_costs_its_budget_days_beyond_the_free_ones(foundation_config, table):
    price = usd(table, "budget-actions", "global")
    kept = [budget("noop", n) for n in ("Audit", "Staging", "Development")]
    one_more = estimate_plan(plan("phase1_foundation", *kept, budget("create", "Sandbox")), foundation_config)
    [line] = one_more.lines
    assert (line.item, line.account, line.region, line.phase) == ("budget-actions", "Management", "global", 1)
    assert one_more.total == pytest.approx(DAYS * price) == pytest.approx(3.04, abs=0.005)  # 4 budgets, was 3
    first = estimate_plan(plan("phase1_foundation", budget("create", "Sandbox")), foundation_config)
    assert first.lines == () and first.total == 0  # within the first two: free
    third = estimate_plan(plan("phase1_foundation", *kept[:2], budget("create", "Sandbox")), foundation_config)
    assert third.total == pytest.approx((3 * DAYS - 62) * price)  # the free 62 budget-days are shared
    removed = estimate_plan(plan("phase1_foundation", *kept, budget("delete", "Sandbox")), foundation_config)
    assert removed.total == pytest.approx(-DAYS * price) and removed.lines[0].count == -1
    stopped = estimate_plan(plan("phase1_foundation", *kept, budget("update", "Sandbox", with_action=False)),
                            foundation_config)
    assert stopped.total == pytest.approx(-DAYS * price)  # an update that drops the action saves its budget-days
    notify_only = estimate_plan(plan("phase1_foundation", *kept, budget("create", "Sandbox", with_action=False)),
                                foundation_config)
    assert notify_only.total == 0


def test_a_planned_flow_log_is_delivered_in_its_account_and_stored_in_the_log_archive(foundation_config, table):
    created = Change("create", account_baseline.FLOW_LOG_KIND, "Audit/us-west-2/vpc-0123456789abcdef0", None,
                     {"destination": "arn:aws:s3:::wingu-log-archive-111111111111-us-east-1/vpc-flow-logs/",
                      "traffic": "ALL"})
    estimate = estimate_plan(plan("phase4_observability", created), foundation_config)
    assert {(l.item, l.account, l.region) for l in estimate.lines} == {
        ("vended-logs-s3", "Audit", "us-west-2"), ("s3-standard-storage", "Log Archive", "us-east-1"),
        ("s3-standard-storage", "Log Archive", "us-west-2"), ("s3-put-requests", "Log Archive", "us-east-1"),
        ("s3-put-requests", "Log Archive", "us-west-2"), ("inter-region-transfer", "Log Archive", "us-east-1")}
    assert estimate.total == pytest.approx(
        0.2 * usd(table, "vended-logs-s3", "us-west-2") + 2 * 0.2 * MONTHS_KEPT * usd(table, "s3-standard-storage")
        + 0.2 * usd(table, "inter-region-transfer") + 2 * 2920 / 1000 * usd(table, "s3-put-requests"))
    assert estimate.total == pytest.approx(0.19, abs=0.005)
    deleted = estimate_plan(plan("phase4_observability", Change("delete", created.kind, created.key, created.after,
                                                                None)), foundation_config)
    assert deleted.total == pytest.approx(-estimate.total)


def test_free_kinds_are_known_and_priced_from_the_table(foundation_config, table, tmp_path):
    assert set(FREE_KINDS) == {account_baseline.PASSWORD_KIND, log_archive.ACCOUNT_BLOCK_KIND,
                               security_services.SH_AGGREGATOR, *policies.KIND.values()}
    assert set(FREE_KINDS) == {"password_policy", "s3_account_public_access_block", "securityhub_aggregator", "scp",
                               "tag_policy"}
    assert not set(FREE_KINDS) & set(PRICED_KINDS)
    assert {budgets.KIND, account_baseline.FLOW_LOG_KIND} <= set(PRICED_KINDS)
    assert all(table.price(item, "global").usd == 0 for item in FREE_KINDS.values())
    changes = (Change("create", "password_policy", "Audit", None, {"MinimumPasswordLength": 14}),
               Change("create", "s3_account_public_access_block", "Audit", None, {"BlockPublicAcls": True}),
               Change("create", "securityhub_aggregator", "Audit/us-east-1", None, {"mode": "SPECIFIED_REGIONS"}),
               Change("create", "tag_policy", "groundwork-cost-tags", None, {}))
    free = estimate_plan(plan("phase4_observability", *changes), foundation_config)
    assert free.lines == () and free.total == 0
    document = yaml.safe_load(PRICES.read_text())
    for entry in document["prices"]:
        if entry["id"] == "iam-password-policy":
            entry["usd"] = 1.0
    path = tmp_path / "prices.yaml"
    path.write_text(yaml.safe_dump(document))
    priced = estimate_plan(plan("phase4_observability", *changes), foundation_config, load_prices(path))
    assert [(l.item, l.account, l.monthly) for l in priced.lines] == [("iam-password-policy", "Audit", 1.0)]
    aggregator = lines_of(estimate_config(foundation_config), "securityhub-aggregator")
    assert [(l.account, l.monthly) for l in aggregator] == [("Audit", 0)]


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
