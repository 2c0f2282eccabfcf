"""Phase 4 through a real Airflow on the stand-in, over the REST API: after phases 1-3, trigger,
approve the Log Archive and trail changes as the approver, check AWS account by account and region
by region, then rerun and see nothing asked and nothing changed."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from tests.e2e.cicd_helpers import client, member
from tests.e2e.conftest import converged_rerun, main_config, trigger_until_approval

DAG = "phase4_observability"
CONFIG = main_config()
OBS = CONFIG.observability
pytestmark = pytest.mark.e2e


def _member(stack, account_id: str | None, service: str, region: str | None = None):
    """A client in a member account (through the access role), or the management account's."""
    region = region or CONFIG.aws.home_region
    if account_id is None:
        return stack.aws(service, region=region)
    return client(stack, member(stack, account_id), service, region)


@pytest.fixture(scope="module")
def first_run(stack, ensure_phase):
    ensure_phase("phase3_network")
    started = time.monotonic()
    return trigger_until_approval(stack, DAG), started


@pytest.fixture(scope="module")
def ids(stack):
    return {a["Name"]: a["Id"] for a in stack.aws("organizations").list_accounts()["Accounts"]}


def test_the_approval_lists_the_log_archive_and_trail_changes(stack, first_run):
    run_id, _ = first_run
    pending = stack.client("approver").pending_approvals(DAG, run_id)
    assert len(pending) == 1
    body = pending[0]["body"]
    assert "log_bucket" in body and "cloudtrail_trail" in body and f"{OBS.log_archive_account}/" in body
    assert "Development/" not in body  # Config / GuardDuty / Security Hub elsewhere need no approval
    assert "Object Lock COMPLIANCE" in body


def test_the_approved_run_succeeds_and_aws_matches_the_config(stack, first_run, ids, completed_phases):
    run_id, started = first_run
    admin, approver = stack.client("admin"), stack.client("approver")
    approver.answer(DAG, run_id, "approve", "Approve")
    assert admin.wait_for_run(DAG, run_id, timeout=900) == "success", admin.task_states(DAG, run_id)
    print(f"\nphase4 first run, trigger to success: {time.monotonic() - started:.1f}s")
    result = admin.xcom(DAG, run_id, "verify")
    log_archive, audit = ids[OBS.log_archive_account], ids[OBS.audit_account]
    home, replica = CONFIG.aws.home_region, OBS.replica_region

    # the log archive: Object Lock COMPLIANCE with the configured retention, in both regions
    for region in (home, replica):
        s3 = _member(stack, log_archive, "s3", region)
        bucket = f"{OBS.log_bucket_prefix}-{log_archive}-{region}"
        retention = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
        assert (retention["Mode"], retention["Days"]) == ("COMPLIANCE", OBS.object_lock_retention_days)
    assert result["trail_bucket"] == bucket.replace(replica, home)
    s3 = _member(stack, log_archive, "s3")
    rule = s3.get_bucket_replication(Bucket=result["trail_bucket"])["ReplicationConfiguration"]["Rules"][0]
    assert rule["Destination"]["Bucket"] == f"arn:aws:s3:::{OBS.log_bucket_prefix}-{log_archive}-{replica}"

    # a locked log object cannot be deleted
    version = s3.put_object(Bucket=result["trail_bucket"], Key=f"AWSLogs/{log_archive}/e2e.json", Body=b"{}")["VersionId"]
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.delete_object(Bucket=result["trail_bucket"], Key=f"AWSLogs/{log_archive}/e2e.json", VersionId=version)

    # the organization trail logs
    trails = stack.aws("cloudtrail")
    trail = trails.get_trail(Name=OBS.trail_name)["Trail"]
    assert trail["IsOrganizationTrail"] and trail["IsMultiRegionTrail"] and trail["LogFileValidationEnabled"]
    assert trails.get_trail_status(Name=OBS.trail_name)["IsLogging"]
    assert "is logging" in admin.task_log(DAG, run_id, "trail_logging")

    # a recorder per account and region, recording
    management = stack.aws("organizations").describe_organization()["Organization"]["MasterAccountId"]
    for name, account_id in ids.items():
        for region in CONFIG.aws.allowed_regions:
            client = _member(stack, None if account_id == management else account_id, "config", region)
            recorders = client.describe_configuration_recorders()["ConfigurationRecorders"]
            assert [r["name"] for r in recorders] == [f"groundwork-{region}"], (name, region)
            assert client.describe_configuration_recorder_status()["ConfigurationRecordersStatus"][0]["recording"]

    # the Audit account is the delegated administrator everywhere
    for region in CONFIG.aws.allowed_regions:
        gd = stack.aws("guardduty", region=region).list_organization_admin_accounts()["AdminAccounts"]
        assert [a["AdminAccountId"] for a in gd] == [audit]
        sh = stack.aws("securityhub", region=region).list_organization_admin_accounts()["AdminAccounts"]
        assert [a["AccountId"] for a in sh] == [audit]
    delegated = stack.aws("organizations").list_delegated_administrators(ServicePrincipal="config.amazonaws.com")
    assert [a["Id"] for a in delegated["DelegatedAdministrators"]] == [audit]
    completed_phases[DAG] = run_id


def test_every_account_has_its_security_baseline(stack, first_run, ids):
    """Password policy in every account (management too); flow logs on every VPC, delivered to the
    trail bucket in the Log Archive; the service roles' trust names the account the service acts for;
    Security Hub findings aggregated; GuardDuty centrally managed by the Audit account."""
    from groundwork.reconcile.account_baseline import PASSWORD_POLICY

    assert stack.client("admin").run(DAG, first_run[0])["state"] == "success"
    home = CONFIG.aws.home_region
    destination = f"arn:aws:s3:::{OBS.log_bucket_prefix}-{ids[OBS.log_archive_account]}-{home}/vpc-flow-logs/"
    for name in [None, *(a.name for a in CONFIG.active_accounts)]:
        account = ids[name] if name else None
        policy = _member(stack, account, "iam").get_account_password_policy()["PasswordPolicy"]
        assert policy["MinimumPasswordLength"] == 14 and policy["PasswordReusePrevention"] == 24, name
        # (S3 Block Public Access per account: verify's empty replan covers it; s3control needs the URL rewrite)
        ec2 = _member(stack, account, "ec2")
        for vpc in ec2.describe_vpcs()["Vpcs"]:
            logs = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc["VpcId"]]}])["FlowLogs"]
            assert [f["LogDestination"] for f in logs] == [destination], (name, vpc["VpcId"])
    trust = _member(stack, ids[OBS.log_archive_account], "iam").get_role(
        RoleName="groundwork-log-replication")["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Condition"] == {"StringEquals": {"aws:SourceAccount": ids[OBS.log_archive_account]}}

    # one pane of glass: the other allowed regions' findings aggregated in the Audit account's home region
    hub = _member(stack, ids[OBS.audit_account], "securityhub")
    (aggregator,) = hub.list_finding_aggregators()["FindingAggregators"]
    found = hub.get_finding_aggregator(FindingAggregatorArn=aggregator["FindingAggregatorArn"])
    assert sorted(found["Regions"]) == sorted(r for r in CONFIG.aws.allowed_regions if r != home)
    # GuardDuty centrally managed: the management and Log Archive accounts report Audit as administrator
    for account in (None, ids[OBS.log_archive_account]):
        admin = _member(stack, account, "guardduty").get_administrator_account(
            DetectorId=_member(stack, account, "guardduty").list_detectors()["DetectorIds"][0])["Administrator"]
        assert (admin["AccountId"], admin["RelationshipStatus"]) == (ids[OBS.audit_account], "Enabled"), account


def test_a_second_run_asks_nothing_and_makes_no_mutating_call(stack, first_run):
    assert stack.client("admin").run(DAG, first_run[0])["state"] == "success"
    _, calls = converged_rerun(stack, DAG)
    assert [f"{c.service}:{c.operation}" for c in calls if c.mutating] == []
    assert any(c.operation == "GetObjectLockConfiguration" for c in calls)
