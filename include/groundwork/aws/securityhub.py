"""Security Hub calls, one small function each, fully paginated; 'not found' is None."""

from __future__ import annotations

from groundwork.aws.common import MANAGED, all_items

from groundwork.aws.errors import error_code


_all = all_items


def hub(client) -> dict | None:
    try:
        return client.describe_hub()
    except client.exceptions.ClientError as exc:
        if error_code(exc) in ("InvalidAccessException", "ResourceNotFoundException"):
            return None
        raise


def enable(client) -> None:
    """Security Hub without AWS's default standards: the configured ones are enabled explicitly."""
    client.enable_security_hub(EnableDefaultStandards=False, Tags=MANAGED)


def admin_accounts(client) -> list[str]:
    return [a["AccountId"] for a in _all(client, "list_organization_admin_accounts", "AdminAccounts")
            if a.get("Status") == "ENABLED"]


def enable_admin_account(client, account_id: str) -> None:
    client.enable_organization_admin_account(AdminAccountId=account_id)


def auto_enable(client) -> bool:
    return bool(client.describe_organization_configuration().get("AutoEnable"))


def auto_enable_new_accounts(client) -> None:
    client.update_organization_configuration(AutoEnable=True, AutoEnableStandards="NONE")


def members(client) -> set[str]:
    return {m["AccountId"] for m in _all(client, "list_members", "Members", OnlyAssociated=False)}


def create_members(client, account_ids: list[str]) -> None:
    details = [{"AccountId": a} for a in sorted(account_ids)]
    for start in range(0, len(details), 50):
        client.create_members(AccountDetails=details[start:start + 50])


def enabled_standards(client) -> set[str]:
    return {s["StandardsArn"] for s in _all(client, "get_enabled_standards", "StandardsSubscriptions")
            if s.get("StandardsStatus") in ("PENDING", "READY", "INCOMPLETE")}


def subscription_arns(client) -> dict[str, str]:
    return {s["StandardsArn"]: s["StandardsSubscriptionArn"]
            for s in _all(client, "get_enabled_standards", "StandardsSubscriptions")}


def enable_standards(client, arns: list[str]) -> None:
    client.batch_enable_standards(StandardsSubscriptionRequests=[{"StandardsArn": a} for a in sorted(arns)])


def disable_standards(client, subscription_arns_: list[str]) -> None:
    client.batch_disable_standards(StandardsSubscriptionArns=sorted(subscription_arns_))


def finding_aggregator(client) -> dict | None:
    """The account's cross-region finding aggregator (at most one), or None (also before Security Hub
    is enabled there: InvalidAccessException)."""
    try:
        found = _all(client, "list_finding_aggregators", "FindingAggregators")
    except client.exceptions.InvalidAccessException:
        return None
    if not found:
        return None
    return client.get_finding_aggregator(FindingAggregatorArn=found[0]["FindingAggregatorArn"])


def create_finding_aggregator(client, regions: list[str]) -> None:
    client.create_finding_aggregator(RegionLinkingMode="SPECIFIED_REGIONS", Regions=regions)


def update_finding_aggregator(client, arn: str, regions: list[str]) -> None:
    client.update_finding_aggregator(FindingAggregatorArn=arn, RegionLinkingMode="SPECIFIED_REGIONS",
                                     Regions=regions)
