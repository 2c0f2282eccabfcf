"""Identity Center as AWS behaves: provisioning per account with an outdated state after a change,
DescribePermissionSetProvisioningStatus, tags, and asynchronous, de-duplicated assignments."""

import time

import boto3
import pytest
from moto import mock_aws

from groundwork_standin.extensions import install_all, sso_admin_provisioning

OUTDATED = "LATEST_PERMISSION_SET_NOT_PROVISIONED"
LATEST = "LATEST_PERMISSION_SET_PROVISIONED"


@pytest.fixture
def sso():
    install_all([".sso_admin_provisioning"])
    with mock_aws():
        client = boto3.client("sso-admin", region_name="us-east-1")
        arn = client.list_instances()["Instances"][0]["InstanceArn"]
        ps = client.create_permission_set(InstanceArn=arn, Name="ReadOnly", SessionDuration="PT4H",
                                          Tags=[{"Key": "managed-by", "Value": "groundwork"}])["PermissionSet"]["PermissionSetArn"]
        yield client, arn, ps


def assign(client, arn, ps, account, principal="g-1"):
    return client.create_account_assignment(InstanceArn=arn, TargetId=account, TargetType="AWS_ACCOUNT",
                                            PermissionSetArn=ps, PrincipalType="GROUP",
                                            PrincipalId=principal)["AccountAssignmentCreationStatus"]


def accounts(client, arn, ps, status=None):
    kwargs = {"ProvisioningStatus": status} if status else {}
    return sorted(client.list_accounts_for_provisioned_permission_set(InstanceArn=arn, PermissionSetArn=ps, **kwargs)["AccountIds"])


def test_an_assignment_provisions_its_account_and_a_change_makes_it_outdated(sso):
    client, arn, ps = sso
    assign(client, arn, ps, "111111111111")
    assign(client, arn, ps, "222222222222")
    assert accounts(client, arn, ps) == accounts(client, arn, ps, LATEST) == ["111111111111", "222222222222"]
    client.update_permission_set(InstanceArn=arn, PermissionSetArn=ps, SessionDuration="PT2H")
    assert accounts(client, arn, ps, OUTDATED) == ["111111111111", "222222222222"]
    listed = client.list_permission_sets_provisioned_to_account(InstanceArn=arn, AccountId="111111111111",
                                                               ProvisioningStatus=OUTDATED)["PermissionSets"]
    assert listed == [ps]
    assert client.list_permission_sets_provisioned_to_account(InstanceArn=arn, AccountId="333333333333")["PermissionSets"] == []
    status = client.provision_permission_set(InstanceArn=arn, PermissionSetArn=ps, TargetType="AWS_ACCOUNT",
                                             TargetId="111111111111")["PermissionSetProvisioningStatus"]
    assert accounts(client, arn, ps, OUTDATED) == ["222222222222"]
    described = client.describe_permission_set_provisioning_status(
        InstanceArn=arn, ProvisionPermissionSetRequestId=status["RequestId"])["PermissionSetProvisioningStatus"]
    assert described["Status"] == "SUCCEEDED" and described["AccountId"] == "111111111111"
    client.provision_permission_set(InstanceArn=arn, PermissionSetArn=ps, TargetType="ALL_PROVISIONED_ACCOUNTS")
    assert accounts(client, arn, ps, OUTDATED) == []


@pytest.mark.parametrize("change", ["inline", "managed", "customer_managed"])
def test_policy_changes_make_provisioned_accounts_outdated(sso, change):
    client, arn, ps = sso
    assign(client, arn, ps, "111111111111")
    if change == "inline":
        client.put_inline_policy_to_permission_set(InstanceArn=arn, PermissionSetArn=ps, InlinePolicy="{}")
    elif change == "managed":
        client.attach_managed_policy_to_permission_set(InstanceArn=arn, PermissionSetArn=ps,
                                                       ManagedPolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    else:
        client.attach_customer_managed_policy_reference_to_permission_set(
            InstanceArn=arn, PermissionSetArn=ps, CustomerManagedPolicyReference={"Name": "x", "Path": "/"})
    assert accounts(client, arn, ps, OUTDATED) == ["111111111111"]


def test_tags_are_listed(sso):
    client, arn, ps = sso
    assert client.list_tags_for_resource(InstanceArn=arn, ResourceArn=ps)["Tags"] == [{"Key": "managed-by", "Value": "groundwork"}]


def test_assignments_are_in_progress_then_listed_and_never_duplicated(sso, monkeypatch):
    client, arn, ps = sso
    monkeypatch.setitem(sso_admin_provisioning.SETTINGS, "assignment_seconds", 0.5)
    first = assign(client, arn, ps, "111111111111")
    assert first["Status"] == "IN_PROGRESS"
    assert client.list_account_assignments(InstanceArn=arn, AccountId="111111111111", PermissionSetArn=ps)["AccountAssignments"] == []
    again = assign(client, arn, ps, "111111111111")
    assert again["RequestId"] == first["RequestId"]
    time.sleep(0.6)
    status = client.describe_account_assignment_creation_status(
        InstanceArn=arn, AccountAssignmentCreationRequestId=first["RequestId"])["AccountAssignmentCreationStatus"]
    assert status["Status"] == "SUCCEEDED"
    listed = client.list_account_assignments(InstanceArn=arn, AccountId="111111111111", PermissionSetArn=ps)["AccountAssignments"]
    assert [a["PrincipalId"] for a in listed] == ["g-1"]


def test_instant_when_no_delay_is_set(sso):
    client, arn, ps = sso
    assert assign(client, arn, ps, "111111111111")["Status"] == "SUCCEEDED"
