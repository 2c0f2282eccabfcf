"""GetAccountSummary's root values against a real stand-in: hygienic by default, made unhygienic per
account through the admin route, back to hygienic on reset."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from tests.standin.conftest import client

ADMIN = "/groundwork-standin/iam/root-state"
MANAGEMENT, MEMBER = "123456789012", "111111111111"


def _http(endpoint: str, method: str, body: dict | str | None = None, query: str = "") -> tuple[int, dict]:
    data = None if body is None else (body if isinstance(body, str) else json.dumps(body)).encode()
    req = urllib.request.Request(endpoint + ADMIN + query, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _root(endpoint: str, account_id: str = MANAGEMENT) -> tuple[int, int]:
    creds = None
    if account_id != MANAGEMENT:
        creds = client(endpoint, "sts").assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/any",
                                                    RoleSessionName="summary")["Credentials"]
    summary = client(endpoint, "iam", creds).get_account_summary()["SummaryMap"]
    return summary["AccountMFAEnabled"], summary["AccountAccessKeysPresent"]


def test_accounts_start_hygienic_and_the_admin_route_changes_one_account(standin):
    _, endpoint, _ = standin
    assert _root(endpoint) == (1, 0)  # moto alone answers AccountMFAEnabled 0
    assert _root(endpoint, MEMBER) == (1, 0)

    status, body = _http(endpoint, "POST", {"account_id": MANAGEMENT, "mfa_enabled": False, "access_keys_present": True})
    assert (status, body) == (200, {"account_id": MANAGEMENT, "mfa_enabled": False, "access_keys_present": True})
    assert _root(endpoint) == (0, 1)
    assert _root(endpoint, MEMBER) == (1, 0)
    assert _http(endpoint, "GET", query=f"?account_id={MANAGEMENT}") == (200, body)

    status, body = _http(endpoint, "POST", {"account_id": MANAGEMENT, "mfa_enabled": True})  # keys left as they are
    assert (status, body["mfa_enabled"], body["access_keys_present"]) == (200, True, True)
    assert _root(endpoint) == (1, 1)

    urllib.request.urlopen(urllib.request.Request(endpoint + "/moto-api/reset", data=b"", method="POST"), timeout=10)
    assert _root(endpoint) == (1, 0)


def test_the_admin_route_refuses_bad_input(standin):
    _, endpoint, _ = standin
    for body in [{"account_id": "123", "mfa_enabled": False},
                 {"account_id": MANAGEMENT, "mfa_enabled": "no"},
                 {"account_id": MANAGEMENT, "mfa": False},
                 "not json", "[1, 2]"]:
        assert _http(endpoint, "POST", body)[0] == 400, body
    assert _http(endpoint, "GET")[0] == 400
    assert _http(endpoint, "DELETE")[0] == 405
    assert _root(endpoint) == (1, 0)
