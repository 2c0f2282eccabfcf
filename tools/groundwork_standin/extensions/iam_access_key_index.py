"""Which account a request's access key belongs to, in constant time (speed only: same answers).

moto 5.2.5 answers every request by first finding the caller's account: `get_account_id_from` walks
every account's IAM backend in every partition until one holds the access key, creating the
backends it has not met yet as it goes. With 1,000 accounts that walk is ~10 ms of one core per
request, before the request is served, and it grows with every account made, so a rollout of 1,000
accounts became quadratic in the stand-in (phase 3 at 1,008 accounts: ~5.5 s per account and task
slot, the stand-in at a full core). A key nobody issued (the management account's, whose calls are
served as moto's default account) walked every account on every request.

Here the walk's answer is remembered per key. A key found in an account is checked before the
answer is used (that account still holds it; one dictionary look-up per partition), so a deleted
key or a reset falls back to moto's own walk. A key found nowhere stays unknown until moto issues
any new key (every AccessKey moto creates forgets the unknown ones), so it is walked for again only
then. Either way the answer is moto's own; the index only skips a walk whose result is known.
"""

from __future__ import annotations

from typing import Any

import moto.iam.models as iam_models
from moto.iam.models import PARTITION_NAMES, AccessKey, iam_backends

_original: dict[str, Any] = {}
_account_of: dict[str, str] = {}
_unknown: set[str] = set()  # keys the last walk found in no account (moto answers its default)


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
    if access_key in _unknown:
        return iam_models.DEFAULT_ACCOUNT_ID
    found = _original["get_account_id_from"](access_key)
    if _holds(found, access_key):
        _account_of[access_key] = found
    else:
        _account_of.pop(access_key, None)
        _unknown.add(access_key)
    return found


def _access_key_init(self: AccessKey, *args: Any, **kwargs: Any) -> None:
    _original["access_key_init"](self, *args, **kwargs)
    _unknown.clear()  # a new key may be one we took for unknown: walk for those again


def install() -> None:
    if _original:
        return
    _original["get_account_id_from"] = iam_models.get_account_id_from
    _original["access_key_init"] = AccessKey.__init__
    iam_models.get_account_id_from = get_account_id_from
    AccessKey.__init__ = _access_key_init
