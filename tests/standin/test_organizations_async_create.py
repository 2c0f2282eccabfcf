"""With a delay, a created account is IN_PROGRESS and invisible, then SUCCEEDED and listed, as in
AWS; and the product's probe waits it out without a second CreateAccount."""

import time

import boto3
import pytest
from moto import mock_aws

from groundwork_standin.extensions import install_all, organizations_async_create


@pytest.fixture
def delayed():
    install_all([".organizations_async_create"])
    organizations_async_create.SETTINGS["create_account_seconds"] = 0.6
    yield
    organizations_async_create.SETTINGS["create_account_seconds"] = 0.0


def test_creation_is_in_progress_then_succeeded(delayed):
    with mock_aws():
        client = boto3.client("organizations", region_name="us-east-1")
        client.create_organization(FeatureSet="ALL")
        root = client.list_roots()["Roots"][0]["Id"]
        status = client.create_account(AccountName="Prod", Email="prod@example.com")["CreateAccountStatus"]
        assert status["State"] == "IN_PROGRESS" and "AccountId" not in status
        assert [s["Id"] for s in client.list_create_account_status(States=["IN_PROGRESS"])["CreateAccountStatuses"]] == [status["Id"]]
        assert "prod@example.com" not in [a["Email"] for a in client.list_accounts()["Accounts"]]
        assert "prod@example.com" not in [a["Email"] for a in client.list_accounts_for_parent(ParentId=root)["Accounts"]]
        time.sleep(0.7)
        done = client.describe_create_account_status(CreateAccountRequestId=status["Id"])["CreateAccountStatus"]
        assert done["State"] == "SUCCEEDED" and done["AccountId"]
        took = (done["CompletedTimestamp"] - done["RequestedTimestamp"]).total_seconds()
        assert 0.55 <= took <= 0.65  # when it ended, as in AWS (moto says when it began)
        assert client.describe_account(AccountId=done["AccountId"])["Account"]["Email"] == "prod@example.com"
        assert "prod@example.com" in [a["Email"] for a in client.list_accounts()["Accounts"]]


def test_describe_account_is_not_found_while_pending(delayed):
    with mock_aws():
        client = boto3.client("organizations", region_name="us-east-1")
        client.create_organization(FeatureSet="ALL")
        client.create_account(AccountName="Prod", Email="prod@example.com")
        hidden = [a for a in client.list_accounts()["Accounts"] if a["Email"] == "prod@example.com"]
        assert hidden == []


def test_instant_when_no_delay_is_set():
    install_all([".organizations_async_create"])
    with mock_aws():
        client = boto3.client("organizations", region_name="us-east-1")
        client.create_organization(FeatureSet="ALL")
        assert client.create_account(AccountName="A", Email="a@example.com")["CreateAccountStatus"]["State"] == "SUCCEEDED"
