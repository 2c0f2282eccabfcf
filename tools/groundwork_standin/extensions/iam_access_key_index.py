"""Which account a request's access key belongs to, in constant time (speed only: same answers).

moto 5.2.5 answers every request by first finding the caller's account: `get_account_id_from` walks
every account's IAM backend in every partition until one holds the access key. With 1,000 accounts
that walk is ~10 ms of one core per request, before the request is served, and it grows with every
account made, so a rollout of 1,000 accounts became quadratic in the stand-in (phase 3 at 1,008
accounts: ~5.5 s per account and task slot, the stand-in at a full core).

Here the first walk for a key is remembered (key -> account). A remembered answer is checked
before it is used (that account still holds the key; one dictionary look-up per partition), so a
deleted key, or a reset, falls back to moto's own walk and gives moto's own answer: the index only
skips a walk whose result is known. Keys are random per account and never move between accounts.
"""

from __future__ import annotations

from typing import Any

import moto.iam.models as iam_models
from moto.iam.models import PARTITION_NAMES, iam_backends

_original: dict[str, Any] = {}
_account_of: dict[str, str] = {}


def _holds(account_id: str, access_key: str) -> bool:
    """Whether the account's IAM holds the key, reading only (moto's `[]` would create backends)."""
    account = dict.get(iam_backends, account_id)
    if account is None:
        return False
    for partition in PARTITION_NAMES:
        backend = dict.get(account, partition)
        if backend is not None and access_key in backend.access_keys:
            return True
    return False


def get_account_id_from(access_key: str) -> str:
    known = _account_of.get(access_key)
    if known is not None and _holds(known, access_key):
        return known
    found = _original["get_account_id_from"](access_key)
    if found != iam_models.DEFAULT_ACCOUNT_ID or _holds(found, access_key):
        _account_of[access_key] = found
    else:
        _account_of.pop(access_key, None)  # unknown key: moto's default, never remembered
    return found


def install() -> None:
    if _original:
        return
    _original["get_account_id_from"] = iam_models.get_account_id_from
    iam_models.get_account_id_from = get_account_id_from
