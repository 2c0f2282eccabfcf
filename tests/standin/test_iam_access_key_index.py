"""The stand-in finds a request's account from its access key without walking every account, and
gives exactly moto's answer: for a member account's assumed-role key, for a key since deleted, for a
key nobody issued (walked for once, and again only after moto issues a new key)."""

from __future__ import annotations

import boto3
import moto.iam.models as iam_models
import pytest
from moto import mock_aws

from groundwork_standin.extensions import iam_access_key_index as index

MEMBERS = [f"1111111111{i:02d}" for i in range(12)]


@pytest.fixture
def members():
    index.install()
    with mock_aws():
        sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id="mgmt", aws_secret_access_key="mgmt")
        keys = {}
        for account_id in MEMBERS:
            creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
                                    RoleSessionName="tests")["Credentials"]
            keys[account_id] = creds
        yield keys


def caller_account(creds) -> str:
    return boto3.client("sts", region_name="us-east-1", aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds["SessionToken"]).get_caller_identity()["Account"]


def test_installed_in_place_of_motos_walk():
    index.install()
    assert iam_models.get_account_id_from is index.get_account_id_from


def test_each_key_answers_its_own_account_as_moto_does(members):
    walk = index._original["get_account_id_from"]
    for account_id, creds in members.items():
        assert index.get_account_id_from(creds["AccessKeyId"]) == walk(creds["AccessKeyId"]) == account_id
        assert caller_account(creds) == account_id  # through a real request


def test_a_known_key_is_not_walked_for_again(members, monkeypatch):
    key = members[MEMBERS[-1]]["AccessKeyId"]
    index.get_account_id_from(key)
    walks = []
    original = index._original["get_account_id_from"]
    monkeypatch.setitem(index._original, "get_account_id_from", lambda k: walks.append(k) or original(k))
    for _ in range(5):
        assert index.get_account_id_from(key) == MEMBERS[-1]
    assert walks == []


def test_a_deleted_key_and_an_unknown_key_get_motos_default_account(members):
    account_id = MEMBERS[3]
    key = members[account_id]["AccessKeyId"]
    assert index.get_account_id_from(key) == account_id  # remembered
    del iam_models.iam_backends[account_id]["aws"].access_keys[key]
    assert index.get_account_id_from(key) == index._original["get_account_id_from"](key) == iam_models.DEFAULT_ACCOUNT_ID
    assert index.get_account_id_from("AKIANOBODYISSUEDTHIS") == iam_models.DEFAULT_ACCOUNT_ID
    assert "AKIANOBODYISSUEDTHIS" not in index._account_of and "AKIANOBODYISSUEDTHIS" in index._unknown


def test_a_key_nobody_issued_is_walked_for_once_and_again_after_a_new_key(members, monkeypatch):
    walks = []
    original = index._original["get_account_id_from"]
    monkeypatch.setitem(index._original, "get_account_id_from", lambda k: walks.append(k) or original(k))
    for _ in range(3):  # the management account's key: in no account's IAM, moto's default answer
        assert index.get_account_id_from("AKIAMANAGEMENTKEY001") == iam_models.DEFAULT_ACCOUNT_ID
    assert walks == ["AKIAMANAGEMENTKEY001"]
    sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id="mgmt", aws_secret_access_key="mgmt")
    sts.assume_role(RoleArn=f"arn:aws:iam::{MEMBERS[0]}:role/OrganizationAccountAccessRole", RoleSessionName="tests")
    walks.clear()
    assert index.get_account_id_from("AKIAMANAGEMENTKEY001") == iam_models.DEFAULT_ACCOUNT_ID
    assert walks == ["AKIAMANAGEMENTKEY001"]  # a new key was issued: walked for again
