"""GuardDuty's organization calls as the delegated administrator uses them (moto 5.2.5 has none):

* DescribeOrganizationConfiguration / UpdateOrganizationConfiguration on the administrator's
  detector (AutoEnableOrganizationMembers ALL / NEW / NONE; NONE until set);
* CreateMembers / ListMembers: organization accounts become members at once ("Enabled"), without
  an invitation, as AWS does for accounts of the administrator's organization. Creating a member
  that already is one changes nothing.

Only the administrator registered with EnableOrganizationAdminAccount (in any account of the
partition, for the caller's region) may call them; others get BadRequestException, as in AWS.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.guardduty import urls
from moto.guardduty.models import GuardDutyBackend, guardduty_backends
from moto.guardduty.responses import GuardDutyResponse

PATHS = {
    "{0}/detector/(?P<detector_id>[^/]+)/admin$": GuardDutyResponse.dispatch,
    "{0}/detector/(?P<detector_id>[^/]+)/member$": GuardDutyResponse.dispatch,
}
_installed: list[bool] = []


class BadRequest(JsonRESTError):
    def __init__(self, message: str):
        super().__init__("BadRequestException", message)


def _state(backend: GuardDutyBackend) -> dict[str, Any]:
    if not hasattr(backend, "organization"):
        backend.organization = {"auto_enable": "NONE", "members": {}}
    return backend.organization


def _is_admin(backend: GuardDutyBackend) -> bool:
    for account_id in list(guardduty_backends.keys()):
        other = guardduty_backends[account_id].get(backend.region_name)
        if other is not None and backend.account_id in other.admin_account_ids:
            return True
    return False


def _detector_id(response: GuardDutyResponse) -> str:
    return response.path.split("/")[-2]


def _admin_backend(response: GuardDutyResponse) -> GuardDutyBackend:
    backend = response.guardduty_backend
    backend.get_detector(_detector_id(response))  # DetectorNotFoundException when unknown
    if not _is_admin(backend):
        raise BadRequest("The request is rejected because the current account is not the delegated administrator.")
    return backend


def describe_organization_configuration(self: GuardDutyResponse):
    state = _state(_admin_backend(self))
    return json.dumps({"autoEnable": state["auto_enable"] != "NONE", "memberAccountLimitReached": False,
                       "autoEnableOrganizationMembers": state["auto_enable"]})


def update_organization_configuration(self: GuardDutyResponse):
    state = _state(_admin_backend(self))
    value = self._get_param("autoEnableOrganizationMembers")
    if value is None and self._get_param("autoEnable") is not None:
        value = "NEW" if self._get_param("autoEnable") else "NONE"
    if value not in ("ALL", "NEW", "NONE"):
        raise BadRequest(f"Invalid autoEnableOrganizationMembers {value!r}")
    state["auto_enable"] = value
    return "{}"


def create_members(self: GuardDutyResponse):
    state = _state(_admin_backend(self))
    for detail in self._get_param("accountDetails") or []:
        state["members"].setdefault(detail["accountId"], {"accountId": detail["accountId"],
                                                         "email": detail.get("email", ""),
                                                         "relationshipStatus": "Enabled"})
    return json.dumps({"unprocessedAccounts": []})


def list_members(self: GuardDutyResponse):
    state = _state(_admin_backend(self))
    detector = _detector_id(self)
    found = [{**m, "detectorId": detector, "administratorId": self.current_account, "masterId": self.current_account}
             for _, m in sorted(state["members"].items())]
    return json.dumps({"members": found})


def install() -> None:
    if _installed:
        return
    _installed.append(True)
    GuardDutyResponse.describe_organization_configuration = describe_organization_configuration
    GuardDutyResponse.update_organization_configuration = update_organization_configuration
    GuardDutyResponse.create_members = create_members
    GuardDutyResponse.list_members = list_members
    urls.url_paths.update(PATHS)
