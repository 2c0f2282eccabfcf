"""Inviting an existing account, against a real stand-in: the management account invites, the invited
account (credentials from sts.assume_role into it) accepts or declines, and the errors AWS documents."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest

from botocore.exceptions import ClientError

from tests.standin.conftest import client

ADMIN = "/groundwork-standin/organizations/standalone-accounts"
LEGACY = {"Id": "222222222222", "Email": "legacy@example.com", "Name": "Legacy"}
OTHER = {"Id": "444444444444", "Email": "other@example.com", "Name": "Other"}




def _as(endpoint: str, account_id: str):
    """An Organizations client acting as `account_id`: moto maps assumed-role credentials to the
    account in the role ARN."""
    sts = client(endpoint, "sts")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/invited", RoleSessionName="handshake-test")["Credentials"]
    assert client(endpoint, "sts", creds).get_caller_identity()["Account"] == account_id
    return client(endpoint, "organizations", creds)


def _http(endpoint: str, method: str, body: dict | None = None, path: str = ADMIN) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
    req = urllib.request.Request(endpoint + path, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
            return resp.status, json.loads(raw) if raw else {}
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _error(exc: pytest.ExceptionInfo) -> tuple[str, str | None]:
    return exc.value.response["Error"]["Code"], exc.value.response.get("Reason")


@pytest.fixture
def org(standin):
    _, endpoint, _ = standin
    mgmt = client(endpoint, "organizations")
    mgmt.create_organization(FeatureSet="ALL")
    for account in (LEGACY, OTHER):
        assert _http(endpoint, "POST", account) == (201, account)
    return endpoint, mgmt


def test_an_invited_account_accepts_and_is_a_member_like_any_other(org):
    endpoint, mgmt = org
    organization = mgmt.describe_organization()["Organization"]
    root = mgmt.list_roots()["Roots"][0]["Id"]
    h = mgmt.invite_account_to_organization(Target={"Id": LEGACY["Id"], "Type": "ACCOUNT"}, Notes="please join",
                                            Tags=[{"Key": "owner", "Value": "platform"}])["Handshake"]
    assert re.fullmatch(r"h-[a-z0-9]{8,32}", h["Id"])
    assert h["Arn"] == f"arn:aws:organizations::{organization['MasterAccountId']}:handshake/{organization['Id']}/invite/{h['Id']}"
    assert (h["State"], h["Action"]) == ("OPEN", "INVITE")
    assert h["Parties"] == [{"Id": organization["Id"], "Type": "ORGANIZATION"}, {"Id": LEGACY["Id"], "Type": "ACCOUNT"}]
    assert (h["ExpirationTimestamp"] - h["RequestedTimestamp"]).days == 15
    org_resource, target_resource, notes = h["Resources"]
    assert (org_resource["Type"], org_resource["Value"]) == ("ORGANIZATION", organization["Id"])
    assert {"Type": "MASTER_EMAIL", "Value": organization["MasterAccountEmail"]} in org_resource["Resources"]
    assert target_resource == {"Type": "ACCOUNT", "Value": LEGACY["Id"]}
    assert notes == {"Type": "NOTES", "Value": "please join"}
    assert LEGACY["Id"] not in [a["Id"] for a in mgmt.list_accounts()["Accounts"]]  # not before it accepts

    invited = _as(endpoint, LEGACY["Id"])
    assert [x["Id"] for x in invited.list_handshakes_for_account()["Handshakes"]] == [h["Id"]]
    assert invited.describe_handshake(HandshakeId=h["Id"])["Handshake"]["State"] == "OPEN"
    accepted = invited.accept_handshake(HandshakeId=h["Id"])["Handshake"]
    assert accepted["State"] == "ACCEPTED" and accepted["Id"] == h["Id"]

    account = mgmt.describe_account(AccountId=LEGACY["Id"])["Account"]
    assert (account["Email"], account["Name"], account["Status"], account["JoinedMethod"]) == (
        LEGACY["Email"], LEGACY["Name"], "ACTIVE", "INVITED")
    assert LEGACY["Id"] in [a["Id"] for a in mgmt.list_accounts()["Accounts"]]
    assert LEGACY["Id"] in [a["Id"] for a in mgmt.list_accounts_for_parent(ParentId=root)["Accounts"]]
    assert invited.describe_organization()["Organization"]["Id"] == organization["Id"]
    assert mgmt.list_handshakes_for_organization()["Handshakes"][0]["State"] == "ACCEPTED"
    # a member now: it moves and takes tags like a created account
    ou = mgmt.create_organizational_unit(ParentId=root, Name="Legacy")["OrganizationalUnit"]["Id"]
    mgmt.move_account(AccountId=LEGACY["Id"], SourceParentId=root, DestinationParentId=ou)
    assert [a["Id"] for a in mgmt.list_accounts_for_parent(ParentId=ou)["Accounts"]] == [LEGACY["Id"]]
    mgmt.tag_resource(ResourceId=LEGACY["Id"], Tags=[{"Key": "tier", "Value": "legacy"}])
    tags = {t["Key"]: t["Value"] for t in mgmt.list_tags_for_resource(ResourceId=LEGACY["Id"])["Tags"]}
    assert tags == {"owner": "platform", "tier": "legacy"}  # the invitation's tags came along
    # it was invited, not created: no CreateAccount request for it
    assert LEGACY["Id"] not in [s.get("AccountId") for s in mgmt.list_create_account_status()["CreateAccountStatuses"]]

    with pytest.raises(ClientError) as again:
        invited.accept_handshake(HandshakeId=h["Id"])
    assert _error(again)[0] == "HandshakeAlreadyInStateException"
    with pytest.raises(ClientError) as cancel:
        mgmt.cancel_handshake(HandshakeId=h["Id"])
    assert _error(cancel)[0] == "InvalidHandshakeTransitionException"
    with pytest.raises(ClientError) as member_invites:  # only the management account invites
        invited.invite_account_to_organization(Target={"Id": OTHER["Id"], "Type": "ACCOUNT"})
    assert _error(member_invites)[0] == "AccessDeniedException"
    with pytest.raises(ClientError) as member_lists:
        invited.list_handshakes_for_organization()
    assert _error(member_lists)[0] == "AccessDeniedException"


def test_inviting_a_member_or_inviting_twice_is_refused(org):
    endpoint, mgmt = org
    master = mgmt.describe_organization()["Organization"]["MasterAccountId"]
    for target in ({"Id": master, "Type": "ACCOUNT"}, {"Id": "MASTER@example.com", "Type": "EMAIL"}):
        with pytest.raises(ClientError) as member:
            mgmt.invite_account_to_organization(Target=target)
        assert _error(member) == ("HandshakeConstraintViolationException", "ALREADY_IN_AN_ORGANIZATION")

    first = mgmt.invite_account_to_organization(Target={"Id": LEGACY["Id"], "Type": "ACCOUNT"})["Handshake"]
    for target in ({"Id": LEGACY["Id"], "Type": "ACCOUNT"}, {"Id": LEGACY["Email"].upper(), "Type": "EMAIL"}):
        with pytest.raises(ClientError) as twice:
            mgmt.invite_account_to_organization(Target=target)
        assert _error(twice)[0] == "DuplicateHandshakeException"
    assert mgmt.cancel_handshake(HandshakeId=first["Id"])["Handshake"]["State"] == "CANCELED"
    second = mgmt.invite_account_to_organization(Target={"Id": LEGACY["Id"], "Type": "ACCOUNT"})["Handshake"]
    assert second["Id"] != first["Id"] and second["State"] == "OPEN"  # a canceled one is no duplicate

    _as(endpoint, LEGACY["Id"]).accept_handshake(HandshakeId=second["Id"])
    with pytest.raises(ClientError) as joined:
        mgmt.invite_account_to_organization(Target={"Id": LEGACY["Id"], "Type": "ACCOUNT"})
    assert _error(joined) == ("HandshakeConstraintViolationException", "ALREADY_IN_AN_ORGANIZATION")

    bad = [({"Id": "o-abcdefghij", "Type": "ORGANIZATION"}, "INVALID_PARTY_TYPE_TARGET"),
           ({"Id": "12345", "Type": "ACCOUNT"}, "INVALID_PATTERN"),
           ({"Id": "not-an-email", "Type": "EMAIL"}, "INVALID_EMAIL_ADDRESS_TARGET")]
    for target, reason in bad:
        with pytest.raises(ClientError) as invalid:
            mgmt.invite_account_to_organization(Target=target)
        assert _error(invalid) == ("InvalidInputException", reason)
    with pytest.raises(ClientError) as outside:  # a standalone account has no organization
        _as(endpoint, OTHER["Id"]).list_handshakes_for_organization()
    assert _error(outside)[0] == "AWSOrganizationsNotInUseException"


def test_only_the_invited_account_answers_and_a_decline_is_final(org):
    endpoint, mgmt = org
    h = mgmt.invite_account_to_organization(Target={"Id": LEGACY["Id"], "Type": "ACCOUNT"})["Handshake"]
    other, invited = _as(endpoint, OTHER["Id"]), _as(endpoint, LEGACY["Id"])
    for call in (other.accept_handshake, other.decline_handshake, other.describe_handshake,
                 mgmt.accept_handshake, mgmt.decline_handshake, invited.cancel_handshake):
        with pytest.raises(ClientError) as denied:
            call(HandshakeId=h["Id"])
        assert _error(denied)[0] == "AccessDeniedException", call
    assert other.list_handshakes_for_account()["Handshakes"] == []
    with pytest.raises(ClientError) as missing:
        invited.accept_handshake(HandshakeId="h-doesnotexist0")
    assert _error(missing)[0] == "HandshakeNotFoundException"

    assert invited.decline_handshake(HandshakeId=h["Id"])["Handshake"]["State"] == "DECLINED"
    assert mgmt.describe_handshake(HandshakeId=h["Id"])["Handshake"]["State"] == "DECLINED"
    for call, code in ((invited.decline_handshake, "HandshakeAlreadyInStateException"),
                       (invited.accept_handshake, "InvalidHandshakeTransitionException"),
                       (mgmt.cancel_handshake, "InvalidHandshakeTransitionException")):
        with pytest.raises(ClientError) as refused:
            call(HandshakeId=h["Id"])
        assert _error(refused)[0] == code
    assert LEGACY["Id"] not in [a["Id"] for a in mgmt.list_accounts()["Accounts"]]


def test_a_canceled_invitation_cannot_be_accepted(org):
    endpoint, mgmt = org
    h = mgmt.invite_account_to_organization(Target={"Id": LEGACY["Id"], "Type": "ACCOUNT"})["Handshake"]
    assert mgmt.cancel_handshake(HandshakeId=h["Id"])["Handshake"]["State"] == "CANCELED"
    with pytest.raises(ClientError) as twice:
        mgmt.cancel_handshake(HandshakeId=h["Id"])
    assert _error(twice)[0] == "HandshakeAlreadyInStateException"
    invited = _as(endpoint, LEGACY["Id"])
    assert [x["State"] for x in invited.list_handshakes_for_account()["Handshakes"]] == ["CANCELED"]
    with pytest.raises(ClientError) as late:
        invited.accept_handshake(HandshakeId=h["Id"])
    assert _error(late)[0] == "InvalidHandshakeTransitionException"
    assert LEGACY["Id"] not in [a["Id"] for a in mgmt.list_accounts()["Accounts"]]


def test_an_invitation_by_email_reaches_the_account_with_that_email(org):
    endpoint, mgmt = org
    h = mgmt.invite_account_to_organization(Target={"Id": "Legacy@Example.com", "Type": "EMAIL"})["Handshake"]
    assert h["Parties"][1] == {"Id": "Legacy@Example.com", "Type": "EMAIL"}
    assert {"Type": "EMAIL", "Value": "Legacy@Example.com"} in h["Resources"]
    assert _as(endpoint, OTHER["Id"]).list_handshakes_for_account()["Handshakes"] == []
    invited = _as(endpoint, LEGACY["Id"])
    assert [x["Id"] for x in invited.list_handshakes_for_account()["Handshakes"]] == [h["Id"]]
    invited.accept_handshake(HandshakeId=h["Id"])
    assert mgmt.describe_account(AccountId=LEGACY["Id"])["Account"]["JoinedMethod"] == "INVITED"


def test_an_unknown_account_gets_an_invitation_nobody_can_accept(org):
    endpoint, mgmt = org
    h = mgmt.invite_account_to_organization(Target={"Id": "999999999999", "Type": "ACCOUNT"})["Handshake"]
    assert h["State"] == "OPEN"  # AWS documents no not-found error here: it only emails the owner
    with pytest.raises(ClientError) as unknown:
        _as(endpoint, "999999999999").accept_handshake(HandshakeId=h["Id"])
    assert _error(unknown)[0] == "AccessDeniedException"
    assert mgmt.describe_handshake(HandshakeId=h["Id"])["Handshake"]["State"] == "OPEN"
    assert "999999999999" not in [a["Id"] for a in mgmt.list_accounts()["Accounts"]]


def test_an_account_in_another_organization_cannot_accept(org):
    endpoint, mgmt = org
    other_mgmt = _as(endpoint, "333333333333")
    other_mgmt.create_organization(FeatureSet="ALL")
    ours = mgmt.invite_account_to_organization(Target={"Id": LEGACY["Id"], "Type": "ACCOUNT"})["Handshake"]
    theirs = other_mgmt.invite_account_to_organization(Target={"Id": LEGACY["Id"], "Type": "ACCOUNT"})["Handshake"]
    invited = _as(endpoint, LEGACY["Id"])
    assert {x["Id"] for x in invited.list_handshakes_for_account()["Handshakes"]} == {ours["Id"], theirs["Id"]}
    assert [x["Id"] for x in mgmt.list_handshakes_for_organization()["Handshakes"]] == [ours["Id"]]
    invited.accept_handshake(HandshakeId=theirs["Id"])
    with pytest.raises(ClientError) as taken:
        invited.accept_handshake(HandshakeId=ours["Id"])
    assert _error(taken) == ("HandshakeConstraintViolationException", "ALREADY_IN_AN_ORGANIZATION")
    assert mgmt.describe_handshake(HandshakeId=ours["Id"])["Handshake"]["State"] == "OPEN"
    assert LEGACY["Id"] not in [a["Id"] for a in mgmt.list_accounts()["Accounts"]]
    assert LEGACY["Id"] in [a["Id"] for a in other_mgmt.list_accounts()["Accounts"]]


def test_handshakes_page_and_filter_like_aws(org):
    endpoint, mgmt = org
    ids = []
    for n in range(5):
        account = {"Id": f"55555555555{n}", "Email": f"acct{n}@example.com", "Name": f"Acct {n}"}
        assert _http(endpoint, "POST", account)[0] == 201
        ids.append(mgmt.invite_account_to_organization(Target={"Id": account["Id"], "Type": "ACCOUNT"})["Handshake"]["Id"])
    first = mgmt.list_handshakes_for_organization(MaxResults=2)
    assert len(first["Handshakes"]) == 2 and first["NextToken"]
    pages = mgmt.get_paginator("list_handshakes_for_organization").paginate(PaginationConfig={"PageSize": 2})
    assert [h["Id"] for page in pages for h in page["Handshakes"]] == ids
    assert len(mgmt.list_handshakes_for_organization(Filter={"ActionType": "INVITE"})["Handshakes"]) == 5
    assert mgmt.list_handshakes_for_organization(Filter={"ActionType": "ENABLE_ALL_FEATURES"})["Handshakes"] == []
    assert mgmt.list_handshakes_for_organization(Filter={"ParentHandshakeId": ids[0]})["Handshakes"] == []
    for kwargs, reason in (({"Filter": {"ActionType": "INVITE", "ParentHandshakeId": ids[0]}}, "MAX_LIMIT_EXCEEDED_FILTER"),
                           ({"MaxResults": 21}, "MAX_VALUE_EXCEEDED"),
                           ({"NextToken": "garbage"}, "INVALID_NEXT_TOKEN")):
        with pytest.raises(ClientError) as invalid:
            mgmt.list_handshakes_for_organization(**kwargs)
        assert _error(invalid) == ("InvalidInputException", reason)


def test_the_admin_route_validates_and_reset_clears_it(org):
    endpoint, mgmt = org
    master = mgmt.describe_organization()["Organization"]["MasterAccountId"]
    for body in ({"Id": "12", "Email": "a@example.com", "Name": "A"}, {"Id": "777777777777", "Email": "nope", "Name": "A"},
                 {"Id": "777777777777", "Email": "a@example.com", "Name": ""}):
        assert _http(endpoint, "POST", body)[0] == 400
    assert _http(endpoint, "POST", {"Id": master, "Email": "m@example.com", "Name": "M"})[0] == 409
    assert _http(endpoint, "GET") == (200, {"Accounts": [LEGACY, OTHER]})

    h = mgmt.invite_account_to_organization(Target={"Id": LEGACY["Id"], "Type": "ACCOUNT"})["Handshake"]
    _as(endpoint, LEGACY["Id"]).accept_handshake(HandshakeId=h["Id"])
    assert _http(endpoint, "POST", LEGACY)[0] == 409  # a member now

    assert _http(endpoint, "POST", path="/moto-api/reset")[0] == 200
    assert _http(endpoint, "GET") == (200, {"Accounts": []})
    assert _http(endpoint, "POST", LEGACY) == (201, LEGACY)  # moto's member map was cleared too
    mgmt.create_organization(FeatureSet="ALL")
    assert mgmt.list_handshakes_for_organization()["Handshakes"] == []
    assert _as(endpoint, LEGACY["Id"]).list_handshakes_for_account()["Handshakes"] == []
