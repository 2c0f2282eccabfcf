"""CreateAccount is asynchronous in AWS: the request stays IN_PROGRESS for a while (minutes), the
account is not listed nor describable until it SUCCEEDED. moto 5.2.5 finishes it instantly, which
leaves the product's deferred wait untested. With a delay set, this extension makes a created
account IN_PROGRESS for that many seconds (ListCreateAccountStatus / DescribeCreateAccountStatus
say so, without an AccountId), hidden from ListAccounts, ListAccountsForParent and DescribeAccount,
then SUCCEEDED and visible, its CompletedTimestamp the time it ended (moto's is its
RequestedTimestamp). Delay 0 (the default in-process) keeps moto's instant behaviour; the
stand-in server sets it from `serve --create-account-seconds` (default 2)."""

from __future__ import annotations

import time
from typing import Any

from moto.organizations.exceptions import AccountNotFoundException
from moto.organizations.models import FakeAccount, OrganizationsBackend

SETTINGS = {"create_account_seconds": 0.0}

_original = {}


def _pending(account: FakeAccount) -> bool:
    return time.time() < getattr(account, "ready_at", 0.0)


def _status(self: FakeAccount) -> dict[str, Any]:
    status = _original["status"].fget(self)
    if _pending(self):
        inner = {k: v for k, v in status["CreateAccountStatus"].items() if k not in ("AccountId", "CompletedTimestamp")}
        return {"CreateAccountStatus": {**inner, "State": "IN_PROGRESS"}}
    if getattr(self, "ready_at", None) is not None:  # AWS: when the creation ended (moto: when it began)
        status["CreateAccountStatus"]["CompletedTimestamp"] = self.ready_at
    return status


def create_account(self: OrganizationsBackend, **kwargs: Any) -> dict[str, Any]:
    response = _original["create_account"](self, **kwargs)
    delay = float(SETTINGS["create_account_seconds"])
    if delay > 0:
        account = self.accounts[-1]
        account.ready_at = time.time() + delay
        return account.create_account_status
    return response


def _visible_ids(self: OrganizationsBackend) -> set[str]:
    return {a.id for a in self.accounts if not _pending(a)}


def _filtered(method_name: str):
    original = getattr(OrganizationsBackend, method_name)
    _original[method_name] = original

    def method(self: OrganizationsBackend, *args: Any, **kwargs: Any):
        result = original(self, *args, **kwargs)
        visible = _visible_ids(self)

        def keep(items):  # dicts from list_accounts, FakeAccounts from list_accounts_for_parent
            return [a for a in items if (a["Id"] if isinstance(a, dict) else a.id) in visible]

        if isinstance(result, tuple):  # moto's @paginate: (items, next_token)
            return keep(result[0]), result[1]
        return keep(result)

    return method


def get_account_by_id(self: OrganizationsBackend, account_id: str) -> FakeAccount:
    account = _original["get_account_by_id"](self, account_id)
    if _pending(account):
        raise AccountNotFoundException
    return account


def install() -> None:
    if _original:
        return
    _original["status"] = FakeAccount.create_account_status
    _original["create_account"] = OrganizationsBackend.create_account
    _original["get_account_by_id"] = OrganizationsBackend.get_account_by_id
    FakeAccount.create_account_status = property(_status)
    OrganizationsBackend.create_account = create_account
    OrganizationsBackend.get_account_by_id = get_account_by_id
    for name in ("list_accounts", "list_accounts_for_parent"):
        setattr(OrganizationsBackend, name, _filtered(name))
