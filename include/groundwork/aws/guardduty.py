"""GuardDuty calls, one small function each, fully paginated; 'not found' is None."""

from __future__ import annotations

from groundwork.aws.common import MANAGED, all_items


_all = all_items


def detector_id(client) -> str | None:
    found = _all(client, "list_detectors", "DetectorIds")
    return found[0] if found else None


def detector_enabled(client, detector: str) -> bool:
    return client.get_detector(DetectorId=detector).get("Status") == "ENABLED"


def create_detector(client) -> str:
    return client.create_detector(Enable=True, FindingPublishingFrequency="FIFTEEN_MINUTES",
                                  Tags=MANAGED)["DetectorId"]


def enable_detector(client, detector: str) -> None:
    client.update_detector(DetectorId=detector, Enable=True)


def admin_accounts(client) -> list[str]:
    return [a["AdminAccountId"] for a in _all(client, "list_organization_admin_accounts", "AdminAccounts")
            if a.get("AdminStatus") == "ENABLED"]


def enable_admin_account(client, account_id: str) -> None:
    client.enable_organization_admin_account(AdminAccountId=account_id)


def auto_enable(client, detector: str) -> str | None:
    """AutoEnableOrganizationMembers of the organization configuration (ALL / NEW / NONE)."""
    return client.describe_organization_configuration(DetectorId=detector).get("AutoEnableOrganizationMembers")


def auto_enable_all(client, detector: str) -> None:
    client.update_organization_configuration(DetectorId=detector, AutoEnableOrganizationMembers="ALL")


def members(client, detector: str) -> dict[str, str]:
    """Member account id -> relationship status, as the administrator sees them."""
    return {m["AccountId"]: m.get("RelationshipStatus", "")
            for m in _all(client, "list_members", "Members", DetectorId=detector, OnlyAssociated="false")}


def create_members(client, detector: str, accounts: dict[str, str]) -> None:
    """accounts: id -> email. Organization accounts become members without an invitation."""
    details = [{"AccountId": a, "Email": e} for a, e in sorted(accounts.items())]
    for start in range(0, len(details), 50):
        client.create_members(DetectorId=detector, AccountDetails=details[start:start + 50])
