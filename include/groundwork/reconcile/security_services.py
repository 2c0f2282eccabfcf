"""GuardDuty and Security Hub: the Audit account as delegated administrator (per region, from the
management account), a detector / hub in every account and region (Security Hub with the
configured standards, AWS's defaults off), and the organization configuration in the Audit account
(auto-enable for new accounts, every existing account a member)."""

from __future__ import annotations

from groundwork.aws import guardduty, securityhub
from groundwork.plan.model import Change, check_approved

GD_ADMIN = "guardduty_admin"
GD_DETECTOR = "guardduty_detector"
GD_ORG = "guardduty_organization"
SH_ADMIN = "securityhub_admin"
SH_HUB = "securityhub_hub"
SH_ORG = "securityhub_organization"


def _change(kind: str, key: str, before, after) -> Change:
    return Change.between(kind, key, before, after)


def _pending(change: Change, approved: set[str]) -> bool:
    if change.action == "noop":
        return False
    check_approved(change, approved)
    return True


# --------------------------------------------------------------------------- delegated administrators
def plan_admins(gd, sh, region: str, admin: str, admin_name: str) -> list[Change]:
    after = {"administrator": admin_name}
    return [
        _change(GD_ADMIN, region, {"administrator": admin_name} if admin in guardduty.admin_accounts(gd) else None, after),
        _change(SH_ADMIN, region, {"administrator": admin_name} if admin in securityhub.admin_accounts(sh) else None,
                after),
    ]


def apply_admins(gd, sh, region: str, admin: str, admin_name: str, approved: set[str]) -> list[Change]:
    gd_change, sh_change = plan_admins(gd, sh, region, admin, admin_name)
    if _pending(gd_change, approved):
        guardduty.enable_admin_account(gd, admin)
    if _pending(sh_change, approved):
        securityhub.enable_admin_account(sh, admin)
    return [c for c in (gd_change, sh_change) if c.action != "noop"]


# --------------------------------------------------------------------------- per account and region
def plan_detector(gd, key: str) -> Change:
    detector = guardduty.detector_id(gd)
    before = None if detector is None else {"enabled": guardduty.detector_enabled(gd, detector)}
    return _change(GD_DETECTOR, key, before, {"enabled": True})


def apply_detector(gd, key: str, approved: set[str]) -> Change | None:
    change = plan_detector(gd, key)
    if not _pending(change, approved):
        return None
    if change.before is None:
        guardduty.create_detector(gd)
    else:
        guardduty.enable_detector(gd, guardduty.detector_id(gd))
    return change


def plan_hub(sh, key: str, standards: list[str]) -> Change:
    before = None
    if securityhub.hub(sh) is not None:
        before = {"enabled": True, "standards": sorted(securityhub.enabled_standards(sh))}
    return _change(SH_HUB, key, before, {"enabled": True, "standards": sorted(standards)})


def apply_hub(sh, key: str, standards: list[str], approved: set[str]) -> Change | None:
    change = plan_hub(sh, key, standards)
    if not _pending(change, approved):
        return None
    if change.before is None:
        securityhub.enable(sh)
    enabled = set((change.before or {}).get("standards", []))
    missing = sorted(set(standards) - enabled)
    if missing:
        securityhub.enable_standards(sh, missing)
    extra = enabled - set(standards)
    if extra:
        subscriptions = securityhub.subscription_arns(sh)
        securityhub.disable_standards(sh, [subscriptions[a] for a in extra if a in subscriptions])
    return change


# --------------------------------------------------------------------------- organization configuration
def plan_organization(gd, sh, key: str, members: dict[str, str], names: dict[str, str]) -> list[Change]:
    """members: id -> email of every account but the administrator; names: id -> account name."""
    wanted = sorted(names.get(a, a) for a in members)
    detector = guardduty.detector_id(gd)
    gd_before = None
    if detector is not None:
        gd_before = {"auto_enable": guardduty.auto_enable(gd, detector),
                     "members": sorted(names.get(a, a) for a in guardduty.members(gd, detector) if a in members)}
    sh_before = None
    if securityhub.hub(sh) is not None:
        sh_before = {"auto_enable": securityhub.auto_enable(sh),
                     "members": sorted(names.get(a, a) for a in securityhub.members(sh) if a in members)}
    return [_change(GD_ORG, key, gd_before, {"auto_enable": "ALL", "members": wanted}),
            _change(SH_ORG, key, sh_before, {"auto_enable": True, "members": wanted})]


def apply_organization(gd, sh, key: str, members: dict[str, str], names: dict[str, str],
                       approved: set[str]) -> list[Change]:
    gd_change, sh_change = plan_organization(gd, sh, key, members, names)
    if _pending(gd_change, approved):
        detector = guardduty.detector_id(gd)
        if detector is None:
            raise RuntimeError(f"GuardDuty has no detector in the administrator account ({key}); "
                               "the per-account step must run first")
        if (gd_change.before or {}).get("auto_enable") != "ALL":
            guardduty.auto_enable_all(gd, detector)
        existing = guardduty.members(gd, detector)
        missing = {a: e for a, e in members.items() if a not in existing}
        if missing:
            guardduty.create_members(gd, detector, missing)
    if _pending(sh_change, approved):
        if not (sh_change.before or {}).get("auto_enable"):
            securityhub.auto_enable_new_accounts(sh)
        existing = securityhub.members(sh)
        missing = [a for a in members if a not in existing]
        if missing:
            securityhub.create_members(sh, missing)
    return [c for c in (gd_change, sh_change) if c.action != "noop"]


# --------------------------------------------------------------------------- cross-region aggregation
SH_AGGREGATOR = "securityhub_aggregator"


def plan_aggregator(sh, key: str, linked_regions: list[str]) -> Change:
    """Security Hub findings of the other allowed regions aggregated into the home region of the
    Audit account (one pane of glass). `sh`: the Audit account's client in the home region."""
    found = securityhub.finding_aggregator(sh)
    before = None if found is None else {"mode": found.get("RegionLinkingMode"),
                                          "regions": sorted(found.get("Regions") or [])}
    return _change(SH_AGGREGATOR, key, before, {"mode": "SPECIFIED_REGIONS", "regions": sorted(linked_regions)})


def apply_aggregator(sh, key: str, linked_regions: list[str], approved: set[str]) -> Change | None:
    change = plan_aggregator(sh, key, linked_regions)
    if not _pending(change, approved):
        return None
    if change.action == "create":
        securityhub.create_finding_aggregator(sh, sorted(linked_regions))
    else:
        arn = securityhub.finding_aggregator(sh)["FindingAggregatorArn"]
        securityhub.update_finding_aggregator(sh, arn, sorted(linked_regions))
    return change
