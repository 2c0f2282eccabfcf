"""AWS refuses a second account with the same email (the request FAILS with EMAIL_ALREADY_EXISTS)
and a second OU of the same name under one parent; moto accepted both."""

import boto3
import pytest
from moto import mock_aws

from groundwork_standin.extensions import install_all


@pytest.fixture
def orgs():
    install_all([".organizations_pagination", ".organizations_uniqueness"])
    with mock_aws():
        client = boto3.client("organizations", region_name="us-east-1")
        client.create_organization(FeatureSet="ALL")
        yield client


def test_a_second_account_with_the_same_email_fails_and_makes_no_account(orgs):
    first = orgs.create_account(AccountName="Prod", Email="prod@example.com")["CreateAccountStatus"]
    again = orgs.create_account(AccountName="Prod", Email="PROD@example.com")["CreateAccountStatus"]
    assert again["State"] == "IN_PROGRESS" and again["Id"] != first["Id"]  # accepted, as AWS does
    status = orgs.describe_create_account_status(CreateAccountRequestId=again["Id"])["CreateAccountStatus"]
    assert status["State"] == "FAILED" and status["FailureReason"] == "EMAIL_ALREADY_EXISTS"
    failed = orgs.list_create_account_status(States=["FAILED"])["CreateAccountStatuses"]
    assert [s["Id"] for s in failed] == [again["Id"]]
    assert not orgs.list_create_account_status(States=["IN_PROGRESS"])["CreateAccountStatuses"]
    emails = [a["Email"] for a in orgs.list_accounts()["Accounts"]]
    assert emails.count("prod@example.com") == 1


def test_a_second_ou_of_the_same_name_under_one_parent_is_refused(orgs):
    root = orgs.list_roots()["Roots"][0]["Id"]
    ou = orgs.create_organizational_unit(ParentId=root, Name="Workloads")["OrganizationalUnit"]
    with pytest.raises(orgs.exceptions.DuplicateOrganizationalUnitException):
        orgs.create_organizational_unit(ParentId=root, Name="Workloads")
    orgs.create_organizational_unit(ParentId=ou["Id"], Name="Workloads")  # another parent: allowed
    names = [o["Name"] for o in orgs.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]]
    assert names == ["Workloads"]
