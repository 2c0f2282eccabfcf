"""Summary, phase 4: the organization trail, the GuardDuty / Security Hub delegated administrator,
GuardDuty detectors per account and region, Security Hub and AWS Config recorders (counted)."""

from __future__ import annotations

from groundwork.aws import cloudtrail, config_service, guardduty, securityhub
from groundwork.aws.context import AwsContext
from groundwork_ops.summary_accounts import Accounts


def _trail_line(ctx: AwsContext, name: str) -> str | None:
    client = ctx.client("cloudtrail")
    found = cloudtrail.trail(client, name)
    if found is None:
        return None
    flags = ["logging" if cloudtrail.is_logging(client, name) else "NOT logging",
             "multi-region" if found.get("IsMultiRegionTrail") else "single-region",
             "organization trail" if found.get("IsOrganizationTrail") else "NOT an organization trail"]
    return f"  Trail {found['Name']} -> s3://{found.get('S3BucketName')}: {', '.join(flags)}"


def _admin_line(service: str, by_region: dict[str, list[str]], accounts: Accounts) -> str:
    """'GuardDuty administrator: Audit (id) in us-east-1, us-west-2' (grouped when regions differ)."""
    groups: dict[tuple, list[str]] = {}
    for region, admins in by_region.items():
        groups.setdefault(tuple(sorted(admins)), []).append(region)
    parts = [f"{', '.join(accounts.label_of(a) for a in admins) or 'none'} in {', '.join(regions)}"
             for admins, regions in groups.items()]
    return f"  {service} delegated administrator: {'; '.join(parts)}"


def _detector(client) -> str:
    found = guardduty.detector_id(client)
    if found is None:
        return "missing"
    return "enabled" if guardduty.detector_enabled(client, found) else "disabled"


def _recorder(client) -> str:
    names = [r["name"] for r in config_service.recorders(client)]
    if not names:
        return "no recorder"
    return "recording" if any(config_service.recording(client, n) for n in names) else "not recording"


def _count_line(what: str, done: str, states: dict[str, str]) -> list[str]:
    ok = sum(1 for s in states.values() if s == done)
    lines = [f"  {what} in {ok}/{len(states)} account-regions"]
    missing = [f"{key} ({state})" for key, state in states.items() if state != done]
    return lines + ([f"    missing: {', '.join(missing)}"] if missing else [])


def section(ctx: AwsContext, config, accounts: Accounts) -> list[str]:
    regions = list(config.aws.allowed_regions)
    trail = _trail_line(ctx, config.observability.trail_name)
    gd_admins = {r: guardduty.admin_accounts(ctx.client("guardduty", region=r)) for r in regions}
    hub_admins = {r: securityhub.admin_accounts(ctx.client("securityhub", region=r)) for r in regions}
    detectors, hubs, recorders = {}, {}, {}
    for name in accounts.ids:
        for region in regions:
            key = f"{name}/{region}"
            detectors[key] = _detector(accounts.client(ctx, name, "guardduty", region))
            hubs[key] = "enabled" if securityhub.hub(accounts.client(ctx, name, "securityhub", region)) else "missing"
            recorders[key] = _recorder(accounts.client(ctx, name, "config", region))
    anything = (trail or any(gd_admins.values()) or any(hub_admins.values())
                or any(s != "missing" for s in [*detectors.values(), *hubs.values()])
                or any(s != "no recorder" for s in recorders.values()))
    if not anything:
        return ["Observability: none yet"]
    lines = ["Observability:", trail or f"  Trail {config.observability.trail_name}: missing",
             _admin_line("GuardDuty", gd_admins, accounts), _admin_line("Security Hub", hub_admins, accounts),
             f"  GuardDuty detectors  {'  '.join(f'{r:<10}' for r in regions)}".rstrip()]
    for name in accounts.ids:
        lines.append(f"    {name:<17}  " + "  ".join(f"{detectors[f'{name}/{r}']:<10}" for r in regions).rstrip())
    lines += _count_line("Security Hub enabled", "enabled", hubs)
    lines += _count_line("Config recording", "recording", recorders)
    return lines
