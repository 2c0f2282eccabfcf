"""What AWS Organizations refuses as a duplicate and moto 5.2.5 accepts.

- CreateAccount with an email that an account of the organization already has: AWS accepts the
  request (IN_PROGRESS) and fails it (DescribeCreateAccountStatus / ListCreateAccountStatus say
  FAILED, FailureReason EMAIL_ALREADY_EXISTS); no account is made. moto makes a second account with
  the same email, which is how a lost CreateAccount answer, retried, duplicated an account here.
- CreateOrganizationalUnit with a name already used under the same parent: AWS answers
  DuplicateOrganizationalUnitException; moto makes a second OU of that name.
"""

from __future__ import annotations

import time
from typing import Any

from moto.organizations import utils
from moto.organizations.exceptions import DuplicateOrganizationalUnitException
from moto.organizations.models import OrganizationsBackend

_original: dict[str, Any] = {}


def _failed_requests(backend: OrganizationsBackend) -> list[dict[str, Any]]:
    if not hasattr(backend, "failed_create_requests"):
        backend.failed_create_requests = []
    return backend.failed_create_requests


def create_account(self: OrganizationsBackend, **kwargs: Any) -> dict[str, Any]:
    email = kwargs["Email"].lower()
    if self.org is not None and any(a.email.lower() == email for a in self.accounts):
        now = time.time()
        failed = {"Id": utils.make_random_create_account_status_id(), "AccountName": kwargs["AccountName"],
                  "State": "FAILED", "FailureReason": "EMAIL_ALREADY_EXISTS",
                  "RequestedTimestamp": now, "CompletedTimestamp": now}
        _failed_requests(self).append(failed)
        accepted = {k: failed[k] for k in ("Id", "AccountName", "RequestedTimestamp")}
        return {"CreateAccountStatus": {**accepted, "State": "IN_PROGRESS"}}
    return _original["create_account"](self, **kwargs)


def describe_create_account_status(self: OrganizationsBackend, **kwargs: Any) -> dict[str, Any]:
    request_id = kwargs["CreateAccountRequestId"]
    for failed in _failed_requests(self):
        if failed["Id"] == request_id:
            return {"CreateAccountStatus": failed}
    return _original["describe_create_account_status"](self, **kwargs)


def create_organizational_unit(self: OrganizationsBackend, **kwargs: Any) -> dict[str, Any]:
    if any(ou.parent_id == kwargs["ParentId"] and ou.name == kwargs["Name"] for ou in self.ou):
        raise DuplicateOrganizationalUnitException
    return _original["create_organizational_unit"](self, **kwargs)


def install() -> None:
    if _original:
        return
    for name, method in (("create_account", create_account),
                         ("describe_create_account_status", describe_create_account_status),
                         ("create_organizational_unit", create_organizational_unit)):
        _original[name] = getattr(OrganizationsBackend, name)
        setattr(OrganizationsBackend, name, method)
