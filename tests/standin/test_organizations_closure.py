"""CloseAccount against a real stand-in: PENDING_CLOSURE, then SUSPENDED after
GROUNDWORK_STANDIN_CLOSURE_SECONDS, still a member in its OU; the management account and the
rolling 30-day quota refused as AWS documents."""

from __future__ import annotations

import time

import pytest

from botocore.exceptions import ClientError

from tests.standin.conftest import client as standin_client
from groundwork_standin.extensions.organizations_closure import closure_quota

CLOSURE_SECONDS = 1.0




@pytest.fixture
def orgs(monkeypatch, request):
    """The stand-in started with a 1 s closure delay (the fixture copies os.environ)."""
    monkeypatch.setenv("GROUNDWORK_STANDIN_CLOSURE_SECONDS", str(CLOSURE_SECONDS))
    _, endpoint, _ = request.getfixturevalue("standin")
    client = standin_client(endpoint, "organizations")
    client.create_organization(FeatureSet="ALL")
    return endpoint, client


def _create_accounts(client, count: int) -> list[str]:
    """CreateAccount is asynchronous on the stand-in too: wait until every request SUCCEEDED."""
    requests = [client.create_account(AccountName=f"acct-{n}", Email=f"acct-{n}@example.com")["CreateAccountStatus"]["Id"]
                for n in range(count)]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        last = client.describe_create_account_status(CreateAccountRequestId=requests[-1])["CreateAccountStatus"]
        if last["State"] == "SUCCEEDED":  # the last one made is the last one done
            break
        time.sleep(0.2)
    return [client.describe_create_account_status(CreateAccountRequestId=r)["CreateAccountStatus"]["AccountId"] for r in requests]


def _code(exc: pytest.ExceptionInfo) -> tuple[str, str | None]:
    return exc.value.response["Error"]["Code"], exc.value.response.get("Reason")


def test_a_closed_account_is_pending_then_suspended_and_stays_in_its_ou(orgs):
    endpoint, client = orgs
    root = client.list_roots()["Roots"][0]["Id"]
    ou = client.create_organizational_unit(ParentId=root, Name="Retired")["OrganizationalUnit"]["Id"]
    [account_id] = _create_accounts(client, 1)
    client.move_account(AccountId=account_id, SourceParentId=root, DestinationParentId=ou)

    client.close_account(AccountId=account_id)
    account = client.describe_account(AccountId=account_id)["Account"]
    assert (account["Status"], account["State"]) == ("PENDING_CLOSURE", "PENDING_CLOSURE")
    listed = {a["Id"]: a["Status"] for a in client.list_accounts()["Accounts"]}
    assert listed[account_id] == "PENDING_CLOSURE"
    with pytest.raises(ClientError) as pending:
        client.close_account(AccountId=account_id)
    assert _code(pending)[0] == "AccountAlreadyClosedException"

    deadline = time.monotonic() + CLOSURE_SECONDS + 2  # the default (5 s) would miss it
    while client.describe_account(AccountId=account_id)["Account"]["Status"] != "SUSPENDED":
        assert time.monotonic() < deadline, "never SUSPENDED"
        time.sleep(0.2)
    account = client.describe_account(AccountId=account_id)["Account"]
    assert (account["Status"], account["State"]) == ("SUSPENDED", "SUSPENDED")
    in_ou = {a["Id"]: a["Status"] for a in client.list_accounts_for_parent(ParentId=ou)["Accounts"]}
    assert in_ou == {account_id: "SUSPENDED"}  # still a member, still in its OU
    assert client.list_parents(ChildId=account_id)["Parents"] == [{"Id": ou, "Type": "ORGANIZATIONAL_UNIT"}]
    with pytest.raises(ClientError) as suspended:
        client.close_account(AccountId=account_id)
    assert _code(suspended)[0] == "AccountAlreadyClosedException"


def test_the_management_account_an_unknown_account_and_a_member_caller_are_refused(orgs):
    endpoint, client = orgs
    master = client.describe_organization()["Organization"]["MasterAccountId"]
    with pytest.raises(ClientError) as management:
        client.close_account(AccountId=master)
    assert _code(management) == ("ConstraintViolationException", "CANNOT_CLOSE_MANAGEMENT_ACCOUNT")
    assert client.describe_account(AccountId=master)["Account"]["Status"] == "ACTIVE"
    with pytest.raises(ClientError) as unknown:
        client.close_account(AccountId="999999999999")
    assert _code(unknown)[0] == "AccountNotFoundException"

    [member, other] = _create_accounts(client, 2)
    creds = standin_client(endpoint, "sts").assume_role(RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole",
                                                 RoleSessionName="closure-test")["Credentials"]
    with pytest.raises(ClientError) as from_member:
        standin_client(endpoint, "organizations", creds).close_account(AccountId=other)
    assert _code(from_member)[0] == "AccessDeniedException"
    assert client.describe_account(AccountId=other)["Account"]["Status"] == "ACTIVE"


def test_the_rolling_30_day_quota(orgs):
    endpoint, client = orgs
    # the higher of 250 or 20% of the member accounts, at most 1000
    assert [closure_quota(n) for n in (1, 10, 1250, 1300, 5000, 10000)] == [250, 250, 250, 260, 1000, 1000]
    accounts = _create_accounts(client, 252)
    for account_id in accounts[:250]:
        client.close_account(AccountId=account_id)
    with pytest.raises(ClientError) as quota:
        client.close_account(AccountId=accounts[250])
    assert _code(quota) == ("ConstraintViolationException", "CLOSE_ACCOUNT_QUOTA_EXCEEDED")
    assert client.describe_account(AccountId=accounts[250])["Account"]["Status"] == "ACTIVE"
    statuses = [a["Status"] for page in client.get_paginator("list_accounts").paginate() for a in page["Accounts"]]
    assert len(statuses) == 253 and statuses.count("ACTIVE") == 3  # closed ones still list
