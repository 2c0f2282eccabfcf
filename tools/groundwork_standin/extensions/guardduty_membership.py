"""GuardDuty membership as the member accounts see it (central management by the delegated
administrator), completing ``guardduty_organization`` (which gives the administrator's side).

What AWS does (GuardDuty API reference: GetAdministratorAccount, GetMasterAccount, GetMembers,
CreateMembers, CreateDetector):

* in a member account, GetAdministratorAccount answers ``{"administrator": {"accountId",
  "relationshipStatus": "Enabled", "invitedAt", ...}}`` for the administrator that manages it in
  that Region, ``{}`` when none does; GetMasterAccount (the older name) answers the same under
  ``master``. Both need the caller's own detector (else BadRequestException);
* the administrator's GetMembers returns the named members (``detectorId`` is the member's own
  detector) and lists the other ids under ``unprocessedAccounts``;
* "As a delegated administrator, using CreateMembers will enable GuardDuty in the added member
  accounts": an account of the administrator's organization added without a detector in that
  Region gets one;
* an account has at most one detector per Region: a second CreateDetector answers
  BadRequestException "The request is rejected because a detector already exists for the current
  account."

What moto 5.2.5 does: GetAdministratorAccount answers from the *caller's own* list of admins
registered with EnableOrganizationAdminAccount (so a member that is not the management account
always gets nothing, and the management account would get the administrator even when it is not a
member), and it writes the keys capitalised (``Administrator``, ``AccountId``) where the wire format
is camelCase, so boto3 drops them and every caller sees ``{}``. GetMasterAccount and GetMembers
answer 404; CreateMembers (from ``guardduty_organization``) records members but enables nothing;
CreateDetector makes any number of detectors. This is why a CIS scanner (prowler's
guardduty_centrally_managed, which reads GetAdministratorAccount in each member) found the
management and Log Archive detectors "not centrally managed" although the product had added them.

Modelled here: all of the above, from the member records ``guardduty_organization`` keeps on the
administrator's backend (per Region).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.guardduty import urls
from moto.guardduty.models import GuardDutyBackend, guardduty_backends
from moto.guardduty.responses import GuardDutyResponse
from moto.organizations.models import organizations_backends

from . import guardduty_organization

PATHS = {
    "{0}/detector/(?P<detector_id>[^/]+)/master$": GuardDutyResponse.dispatch,
    "{0}/detector/(?P<detector_id>[^/]+)/member/get$": GuardDutyResponse.dispatch,
}
_original: dict[str, Any] = {}


class BadRequest(JsonRESTError):
    def __init__(self, message: str):
        super().__init__("BadRequestException", message)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _backend(account_id: str, region: str) -> GuardDutyBackend | None:
    regions = dict.get(guardduty_backends, account_id)  # plain get: creates nothing
    return dict.get(regions, region) if regions is not None else None


def _management_of(account_id: str) -> str | None:
    if account_id in organizations_backends.master_accounts:
        return organizations_backends.master_accounts[account_id][0]
    own = dict.get(dict.get(organizations_backends, account_id) or {}, "aws")
    return account_id if own is not None and own.org is not None else None


def _same_organization(admin_id: str, account_id: str) -> bool:
    management = _management_of(admin_id)
    return account_id != admin_id and management is not None and _management_of(account_id) == management


def _administrator(account_id: str, region: str) -> tuple[str, dict[str, Any]] | None:
    """(administrator id, member record) of the administrator that added this account in this Region."""
    for admin_id in list(guardduty_backends.keys()):
        admin = _backend(admin_id, region)
        state = getattr(admin, "organization", None)
        if admin_id != account_id and state and account_id in state["members"]:
            return admin_id, state["members"][account_id]
    return None


def _relationship(response: GuardDutyResponse, key: str) -> str:
    backend = response.guardduty_backend
    backend.get_detector(response.path.split("/")[-2])  # the caller's detector, else BadRequestException
    found = _administrator(backend.account_id, backend.region_name)
    if found is None:
        return "{}"
    admin_id, member = found
    return json.dumps({key: {"accountId": admin_id, "relationshipStatus": member["relationshipStatus"],
                             "invitedAt": member.get("invitedAt", "")}})


def get_administrator_account(self: GuardDutyResponse) -> str:
    return _relationship(self, "administrator")


def get_master_account(self: GuardDutyResponse) -> str:
    return _relationship(self, "master")


def get_members(self: GuardDutyResponse) -> str:
    backend = self.guardduty_backend
    detector = self.path.split("/")[-3]  # .../detector/<id>/member/get
    backend.get_detector(detector)
    if not guardduty_organization._is_admin(backend):
        raise BadRequest("The request is rejected because the current account is not the delegated administrator.")
    members = guardduty_organization._state(backend)["members"]
    found, unprocessed = [], []
    for account_id in self._get_param("accountIds") or []:
        if account_id in members:
            own = _backend(account_id, backend.region_name)
            found.append({**members[account_id], "detectorId": next(iter(own.detectors), "") if own else "",
                          "administratorId": backend.account_id, "masterId": backend.account_id})
        else:
            unprocessed.append({"accountId": account_id,
                                "result": "The request is rejected because the given account ID is not a member "
                                          "of the current account."})
    return json.dumps({"members": found, "unprocessedAccounts": unprocessed})


def create_members(self: GuardDutyResponse) -> str:
    answer = _original["create_members"](self)
    admin = self.guardduty_backend
    members = guardduty_organization._state(admin)["members"]
    for detail in self._get_param("accountDetails") or []:
        member = members.get(detail["accountId"])
        if member is None:
            continue
        member.setdefault("invitedAt", _now())
        member.setdefault("updatedAt", member["invitedAt"])
        if not _same_organization(admin.account_id, detail["accountId"]):
            continue  # an invited outsider enables GuardDuty itself
        target = guardduty_backends[detail["accountId"]][admin.region_name]
        if not target.detectors:  # the administrator enables GuardDuty in the member account
            target.create_detector(True, "SIX_HOURS", {}, {}, [])
    return answer


def create_detector(self: GuardDutyBackend, *args: Any, **kwargs: Any) -> str:
    if self.detectors:
        raise BadRequest("The request is rejected because a detector already exists for the current account.")
    return _original["create_detector"](self, *args, **kwargs)


def install() -> None:
    if _original:
        return
    guardduty_organization.install()  # the administrator's side, which this builds on
    _original["create_members"] = GuardDutyResponse.create_members
    _original["create_detector"] = GuardDutyBackend.create_detector
    GuardDutyResponse.get_administrator_account = get_administrator_account
    GuardDutyResponse.get_master_account = get_master_account
    GuardDutyResponse.get_members = get_members
    GuardDutyResponse.create_members = create_members
    GuardDutyBackend.create_detector = create_detector
    urls.url_paths.update(PATHS)
