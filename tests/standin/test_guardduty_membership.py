"""GuardDuty central management seen from the members: after the delegated administrator (Audit)
adds the other accounts, management and Log Archive included, each member's GetAdministratorAccount
and GetMasterAccount name Audit with relationship "Enabled" and Audit's GetMembers shows them.
moto 5.2.5 answered {} to members (its keys were capitalised, so boto3 dropped them) and 404 for
GetMasterAccount and GetMembers; CreateMembers enabled nothing and CreateDetector made any number."""

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from groundwork_standin.extensions import install_all

from tests.standin.test_ec2_transit_gateway import _member_session

MANAGEMENT = "123456789012"


@pytest.fixture
def org():
    install_all([".guardduty_organization", ".guardduty_membership"])
    with mock_aws():
        orgs = boto3.client("organizations", region_name="us-east-1")
        orgs.create_organization(FeatureSet="ALL")
        ids = {n: orgs.create_account(AccountName=n, Email=f"{n}@example.com")["CreateAccountStatus"]["AccountId"]
               for n in ("audit", "logs", "workload")}
        yield {"management": MANAGEMENT, **ids}


def _gd(account_id, region="us-east-1"):
    if account_id == MANAGEMENT:
        return boto3.client("guardduty", region_name=region)
    return _member_session(account_id).client("guardduty", region_name=region)


def _detector(client):
    found = client.list_detectors()["DetectorIds"]
    return found[0] if found else client.create_detector(Enable=True)["DetectorId"]


def _centrally_managed(org):
    """What the product does: detectors, Audit delegated, every other account a member, auto-enable ALL."""
    for name in ("management", "audit", "logs"):  # workload has none yet
        _detector(_gd(org[name]))
    _gd(MANAGEMENT).enable_organization_admin_account(AdminAccountId=org["audit"])
    audit = _gd(org["audit"])
    detector = _detector(audit)
    audit.create_members(DetectorId=detector, AccountDetails=[
        {"AccountId": org[n], "Email": f"{n}@example.com"} for n in ("management", "logs", "workload")])
    audit.update_organization_configuration(DetectorId=detector, AutoEnableOrganizationMembers="ALL")
    return audit, detector


def test_every_member_names_the_audit_account_as_its_administrator(org):
    for name in ("management", "logs"):  # before: no administrator
        client = _gd(org[name])
        assert "Administrator" not in client.get_administrator_account(DetectorId=_detector(client))
    audit, detector = _centrally_managed(org)
    for name in ("management", "logs", "workload"):
        client = _gd(org[name])
        own = _detector(client)
        administrator = client.get_administrator_account(DetectorId=own)["Administrator"]
        assert (administrator["AccountId"], administrator["RelationshipStatus"]) == (org["audit"], "Enabled")
        master = client.get_master_account(DetectorId=own)["Master"]
        assert (master["AccountId"], master["RelationshipStatus"]) == (org["audit"], "Enabled")
    assert "Administrator" not in audit.get_administrator_account(DetectorId=detector)
    listed = {m["AccountId"]: m["RelationshipStatus"] for m in audit.list_members(DetectorId=detector)["Members"]}
    assert listed == {org[n]: "Enabled" for n in ("management", "logs", "workload")}
    got = audit.get_members(DetectorId=detector, AccountIds=[org["management"], org["logs"], "111122223333"])
    assert [(m["AccountId"], m["RelationshipStatus"], m["AdministratorId"]) for m in got["Members"]] == [
        (org["management"], "Enabled", org["audit"]), (org["logs"], "Enabled", org["audit"])]
    assert got["Members"][1]["DetectorId"] == _detector(_gd(org["logs"]))  # the member's own detector
    assert [u["AccountId"] for u in got["UnprocessedAccounts"]] == ["111122223333"]


def test_membership_is_per_region_and_needs_the_callers_detector(org):
    _centrally_managed(org)
    west = _gd(org["logs"], "us-west-2")
    assert "Administrator" not in west.get_administrator_account(DetectorId=_detector(west))
    with pytest.raises(ClientError) as exc:
        _gd(org["logs"]).get_administrator_account(DetectorId="0123456789abcdef0123456789abcdef")
    assert exc.value.response["Error"]["Code"] == "BadRequestException"


def test_create_members_enables_guardduty_in_member_accounts_and_one_detector_per_region(org):
    _centrally_managed(org)
    workload = _gd(org["workload"])
    [detector] = workload.list_detectors()["DetectorIds"]  # enabled by the administrator
    assert workload.get_detector(DetectorId=detector)["Status"] == "ENABLED"
    with pytest.raises(ClientError) as exc:
        workload.create_detector(Enable=True)
    assert exc.value.response["Error"]["Code"] == "BadRequestException"
    assert _gd(org["workload"], "us-west-2").list_detectors()["DetectorIds"] == []


def test_only_the_administrator_reads_members(org):
    _centrally_managed(org)
    logs = _gd(org["logs"])
    with pytest.raises(ClientError) as exc:
        logs.get_members(DetectorId=_detector(logs), AccountIds=[org["workload"]])
    assert exc.value.response["Error"]["Code"] == "BadRequestException"
