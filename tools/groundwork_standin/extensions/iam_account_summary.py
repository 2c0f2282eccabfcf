"""GetAccountSummary's root-user values as the stand-in's state says.

AWS (IAM API reference, GetAccountSummary): SummaryMap AccountMFAEnabled is 1 when the root user has
an MFA device, AccountAccessKeysPresent is 1 when the root user has access keys. moto 5.2.5 answers
AccountMFAEnabled 0 and AccountAccessKeysPresent 0 for every account, and nothing can change them
(root MFA and root keys are managed only by signing in as root, never through the API). So every
moto account looks like one whose root has no MFA.

Here an account starts hygienic -- root MFA enabled (1), no root access keys (0) -- which is what
the product expects of a management account it is pointed at, and a test makes an account
unhygienic through an admin route (not an AWS API):

    POST /groundwork-standin/iam/root-state  {"account_id": "123456789012", "mfa_enabled": false,
         "access_keys_present": true}  -> 200 {"account_id", "mfa_enabled", "access_keys_present"};
         either flag may be left out (kept as it is); 400 bad input
    GET  /groundwork-standin/iam/root-state?account_id=123456789012  -> 200 the same shape

The values live on moto's per-account IAM backend (its AccountSummary), so POST /moto-api/reset
brings every account back to the hygienic default.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from groundwork_standin.admin_route import AdminRoute
from moto.iam.models import AccountSummary, iam_backends

ADMIN_PATH = "/groundwork-standin/iam/root-state"
PARTITION = "aws"

_original: dict[str, Any] = {}


def _init(self: AccountSummary, iam_backend: Any) -> None:
    _original["init"](self, iam_backend)
    self._account_mfa_enabled = 1  # hygienic: the root user has MFA
    self._account_access_keys_present = 0  # and no access keys


def install() -> None:
    if _original:
        return
    _original["init"] = AccountSummary.__init__
    AccountSummary.__init__ = _init


def root_state(account_id: str) -> dict[str, Any]:
    summary = iam_backends[account_id][PARTITION].account_summary
    return {"account_id": account_id, "mfa_enabled": bool(summary._account_mfa_enabled),
            "access_keys_present": bool(summary._account_access_keys_present)}


def set_root_state(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    account_id = str(body.get("account_id", ""))
    if not re.fullmatch(r"\d{12}", account_id):
        return "400 Bad Request", {"error": "account_id must be 12 digits"}
    flags = {k: body[k] for k in ("mfa_enabled", "access_keys_present") if k in body}
    if any(not isinstance(v, bool) for v in flags.values()):
        return "400 Bad Request", {"error": "mfa_enabled and access_keys_present must be true or false"}
    unknown = sorted(set(body) - {"account_id", "mfa_enabled", "access_keys_present"})
    if unknown:
        return "400 Bad Request", {"error": f"unknown keys {unknown}"}
    summary = iam_backends[account_id][PARTITION].account_summary
    if "mfa_enabled" in flags:
        summary._account_mfa_enabled = int(flags["mfa_enabled"])
    if "access_keys_present" in flags:
        summary._account_access_keys_present = int(flags["access_keys_present"])
    return "200 OK", root_state(account_id)


def _root_state_query(query: dict) -> tuple[str, Any]:
    account_id = query.get("account_id", "")
    if re.fullmatch(r"\d{12}", account_id):
        return "200 OK", root_state(account_id)
    return "400 Bad Request", {"error": "give ?account_id= (12 digits)"}


def wrap_wsgi(app: Callable) -> AdminRoute:
    return AdminRoute(app, ADMIN_PATH, post=set_root_state, get=_root_state_query)
