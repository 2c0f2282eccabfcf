"""CloseAccount as AWS documents it; moto 5.2.5 suspends the account on the spot.

What AWS does (Organizations API reference, CloseAccount): closing is asynchronous -- the call
succeeds, DescribeAccount/ListAccounts show Status PENDING_CLOSURE while it runs, then SUSPENDED.
A closed account stays a member, in its OU, and still lists (until it is removed, or cleaned up
after 90 days). Errors:
- closing an account that is already closed (PENDING_CLOSURE or SUSPENDED): AccountAlreadyClosedException;
- closing the management account: ConstraintViolationException, Reason CANNOT_CLOSE_MANAGEMENT_ACCOUNT;
- the quota: "Within a rolling 30 day period you can close the higher of either 250 or 20% of the
  member accounts in your organization, up to a maximum of 1,000" (the reference shipped with
  botocore 1.44; older pages said 10%, between 10 and 1000) -- past it: ConstraintViolationException,
  Reason CLOSE_ACCOUNT_QUOTA_EXCEEDED ("You have exceeded close account quota for the past 30 days.");
- an unknown account: AccountNotFoundException; a member account calling: AccessDeniedException.

moto 5.2.5 jumps straight to SUSPENDED (never PENDING_CLOSURE), closes the management account
too, and has no quota.

Here the account is PENDING_CLOSURE (Status and State: moto 5.2.5 accounts carry both) for
GROUNDWORK_STANDIN_CLOSURE_SECONDS (default 5, read when CloseAccount is called), then SUSPENDED.
The change is worked out whenever the account is read -- no thread. Not modelled:
CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED (closures at a time), the all-features requirement, the
90-day clean-up.
"""

from __future__ import annotations

import os
import time
from typing import Any

from moto.organizations.exceptions import (
    AccountAlreadyClosedException,
    AWSOrganizationsNotInUseException,
    OrganizationsClientError,
)
from moto.organizations.models import FakeAccount, OrganizationsBackend, organizations_backends

ENV = "GROUNDWORK_STANDIN_CLOSURE_SECONDS"
DEFAULT_SECONDS = 5.0
WINDOW_SECONDS = 30 * 24 * 3600
QUOTA_FLOOR, QUOTA_PERCENT, QUOTA_CAP = 250, 20, 1000

_installed: list[bool] = []


def _error(code: str, message: str, reason: str) -> OrganizationsClientError:
    exc = OrganizationsClientError(code, message)  # serialized with the Organizations error shapes
    exc.reason = reason  # -> "Reason"
    return exc


def closure_quota(member_accounts: int) -> int:
    return min(QUOTA_CAP, max(QUOTA_FLOOR, member_accounts * QUOTA_PERCENT // 100))


def _lifecycle(name: str) -> property:
    """Status/State of a FakeAccount: PENDING_CLOSURE until the closure is due, then SUSPENDED."""

    def get(self: FakeAccount) -> str:
        due = self.__dict__.get("closure_due")
        if due is not None:
            return "SUSPENDED" if time.time() >= due else "PENDING_CLOSURE"
        return self.__dict__.get("_" + name, "ACTIVE")

    def set_(self: FakeAccount, value: str) -> None:
        self.__dict__["_" + name] = value

    return property(get, set_)


def close_account(self: OrganizationsBackend, **kwargs: Any) -> None:
    if self.org is None:
        if self.account_id in organizations_backends.master_accounts:
            raise OrganizationsClientError("AccessDeniedException", "You can only call this operation from the management account.")
        raise AWSOrganizationsNotInUseException
    if kwargs["AccountId"] == self.org.master_account_id:
        raise _error("ConstraintViolationException", "You attempted to close the management account.",
                     "CANNOT_CLOSE_MANAGEMENT_ACCOUNT")
    account = self.get_account_by_id(kwargs["AccountId"])  # AccountNotFoundException
    if account.status in ("PENDING_CLOSURE", "SUSPENDED"):
        raise AccountAlreadyClosedException
    now = time.time()
    if not hasattr(self, "closure_times"):
        self.closure_times = []
    recent = [t for t in self.closure_times if now - t < WINDOW_SECONDS]
    if len(recent) >= closure_quota(len(self.accounts) - 1):
        raise _error("ConstraintViolationException", "You have exceeded close account quota for the past 30 days.",
                     "CLOSE_ACCOUNT_QUOTA_EXCEEDED")
    self.closure_times = recent + [now]
    account.closure_due = now + float(os.environ.get(ENV, DEFAULT_SECONDS))


def install() -> None:
    if _installed:
        return
    _installed.append(True)
    FakeAccount.status = _lifecycle("status")
    FakeAccount.state = _lifecycle("state")
    OrganizationsBackend.close_account = close_account
