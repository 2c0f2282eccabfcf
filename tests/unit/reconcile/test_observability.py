"""Phase 4 against in-process moto (+ the stand-in's extensions): what the first run builds, that a
converged rerun mutates nothing, that each resource kind's drift is planned and repaired, which
calls go through the break-glass role, and what needs approval."""

import pytest

from groundwork.aws.context import AwsContext
from groundwork.phases import observability
from groundwork.plan.model import NotConverged, StalePlan
from groundwork.policy.observability import LOG_KEY_ALIAS
from groundwork.reconcile.config_recorders import RecorderConflict

from tests.unit.reconcile.observability_steps import apply_all, foundation_done, ids

REGIONS = ("us-east-1", "us-west-2")
AFSBP = "arn:aws:securityhub:{region}::standards/aws-foundational-security-best-practices/v/1.0.0"


@pytest.fixture
def config(foundation_config):
    return foundation_config


@pytest.fixture
def ready(ctx, config):
    """Phase 1 applied (the accounts exist), nothing of phase 4 yet."""
    foundation_done(ctx, config)
    ctx.calls.clear()
    return ctx


@pytest.fixture(scope="module")
def built():
    """One converged phase 4 for the tests that read it or drift it and repair it (each leaves it
    converged again): building it takes seconds, so it is built once per module."""
    from groundwork.config.loader import load_config

    from tests.conftest import ROOT
    from tests.unit.conftest import in_process_aws

    with in_process_aws() as ctx:
        config = load_config(ROOT / "config" / "foundation.yaml")
        foundation_done(ctx, config)
        apply_all(ctx, config, ids(observability.plan(ctx, config)))
        ctx.calls.clear()
        yield ctx


@pytest.fixture
def t(built, config):
    return observability.topology(built, config)


def replan_and_repair(ctx, config, kind):
    plan = observability.plan(ctx, config)
    assert [c.kind for c in plan.pending] == [kind], [c.summary() for c in plan.pending]
    apply_all(ctx, config, ids(plan))
    assert observability.plan(ctx, config).is_empty()
    return plan.pending[0]


# fresh AWS per test (function-scoped moto) first; the module-scoped `built` state after them
def test_first_run_builds_everything_and_a_rerun_plans_and_mutates_nothing(ready, config, monkeypatch):
    made = []
    original = AwsContext._recorder

    def recorder(self, service):
        record_call = original(self, service)

        def record(model, **kwargs):
            record_call(model, **kwargs)
            member = AwsContext.calling_account() != AwsContext.MANAGEMENT
            made.append((self.access_role_name if member else "management", model.name))
        return record

    monkeypatch.setattr(AwsContext, "_recorder", recorder)
    ready._clients.clear()
    plan = observability.plan(ready, config)
    counts = {}
    for change in plan.pending:
        assert change.action in ("create", "update")
        counts[change.kind] = counts.get(change.kind, 0) + 1
    accounts = len(config.organization.accounts) + 1  # the management account too
    assert counts == {
        "iam_role": 4, "kms_key": 2, "s3_account_public_access_block": accounts, "log_bucket": 4,
        "cloudtrail_trail": 1, "password_policy": accounts, "flow_log": 2 * accounts,  # each region's default VPC
        "guardduty_admin": 2, "securityhub_admin": 2, "delegated_administrator": 1, "config_aggregator": 1,
        "iam_service_linked_role": accounts, "config_recorder": 2 * accounts, "guardduty_detector": 2 * accounts,
        "securityhub_hub": 2 * accounts, "guardduty_organization": 2, "securityhub_organization": 2,
        "securityhub_aggregator": 1,  # us-west-2's findings in us-east-1
    }
    assert observability.needs_approval(plan, config)

    apply_all(ready, config, ids(plan))
    result = observability.verify(ready, config)
    assert result["object_lock"] == "COMPLIANCE 365 days" and result["recorders"] == 2 * accounts

    # the protected settings of the log archive are made as break-glass, the rest as the access role
    by_operation = {}
    for role, operation in made:
        by_operation.setdefault(operation, set()).add(role)
    for operation in ("PutObjectLockConfiguration", "PutBucketPolicy", "PutBucketEncryption",
                      "PutBucketReplication", "PutBucketVersioning", "CreateKey", "PutKeyPolicy"):
        assert by_operation[operation] == {"BreakGlassRole"}, operation
    for operation in ("CreateBucket", "CreateRole"):
        assert by_operation[operation] == {"OrganizationAccountAccessRole"}, operation
    assert "BreakGlassRole" not in by_operation["PutPublicAccessBlock"]

    ready.calls.clear()
    again = observability.plan(ready, config)
    assert again.is_empty(), [c.summary() for c in again.pending]
    apply_all(ready, config, approved=set())
    assert ready.mutating_calls() == []
    assert ready.calls, "the rerun must still read AWS"


def test_apply_refuses_what_was_not_approved(ready, config):
    with pytest.raises(StalePlan):
        observability.apply_log_archive(ready, config, approved=set())


def test_a_foreign_recorder_is_refused_with_a_clear_message(ctx):
    from groundwork.reconcile import config_recorders

    client = ctx.client("config")
    client.put_configuration_recorder(ConfigurationRecorder={"name": "default", "roleARN": "arn:aws:iam::1:role/x"})
    spec = config_recorders.RecorderSpec("Sandbox", "us-east-1", "arn:aws:iam::1:role/y", True, "logs", "arn:k")
    change = config_recorders.plan_recorder(client, spec)
    assert change.action == "update" and change.before["name"] == "default"
    with pytest.raises(RecorderConflict, match="'default'"):
        config_recorders.apply_recorder(client, spec, {change.id})


# --------------------------------------------------------------------------- log archive
def test_log_bucket_is_locked_in_compliance_mode_encrypted_and_replicated(built, t):
    s3 = built.client("s3", account_id=t.log_archive)
    bucket = t.trail_bucket(t.region)
    lock = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    assert lock["ObjectLockEnabled"] == "Enabled"
    assert lock["Rule"]["DefaultRetention"]["Mode"] == "COMPLIANCE"
    assert lock["Rule"]["DefaultRetention"]["Days"] == 365
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms",
                                                          "KMSMasterKeyID": t.key_alias_arn(t.region)}
    replication = s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]
    assert replication["Role"] == t.replication_role_arn
    assert replication["Rules"][0]["Destination"]["Bucket"] == f"arn:aws:s3:::{t.trail_bucket(t.replica_region)}"
    replica = built.client("s3", account_id=t.log_archive, region=t.replica_region)
    lock = replica.get_object_lock_configuration(Bucket=t.trail_bucket(t.replica_region))["ObjectLockConfiguration"]
    assert lock["Rule"]["DefaultRetention"] == {"Mode": "COMPLIANCE", "Days": 365, "Years": 0}
    control = built.client("s3control", account_id=t.log_archive)
    assert all(control.get_public_access_block(AccountId=t.log_archive)["PublicAccessBlockConfiguration"].values())


def test_config_bucket_has_no_object_lock_default_retention(built, t):
    """AWS Config does not deliver to a bucket with Object Lock default retention."""
    s3 = built.client("s3", account_id=t.log_archive)
    bucket = t.config_bucket(t.region)
    with pytest.raises(s3.exceptions.ClientError, match="ObjectLockConfigurationNotFound"):
        s3.get_object_lock_configuration(Bucket=bucket)
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    channel = built.client("config", account_id=t.accounts["Production"]).describe_delivery_channels()
    assert channel["DeliveryChannels"][0]["s3BucketName"] == bucket


def test_a_locked_log_object_cannot_be_deleted(built, t):
    s3 = built.client("s3", account_id=t.log_archive)
    bucket = t.trail_bucket(t.region)
    version = s3.put_object(Bucket=bucket, Key="AWSLogs/o-x/digest.json.gz", Body=b"log")["VersionId"]
    with pytest.raises(s3.exceptions.ClientError, match="AccessDenied"):
        s3.delete_object(Bucket=bucket, Key="AWSLogs/o-x/digest.json.gz", VersionId=version)


def test_bucket_policy_drift_is_planned_for_approval_and_repaired(built, config, t):
    s3 = built.client("s3", account_id=t.log_archive)
    s3.put_bucket_policy(Bucket=t.trail_bucket(t.region), Policy='{"Version":"2012-10-17","Statement":[]}')
    change = replan_and_repair(built, config, "log_bucket")
    assert change.action == "update" and change.key.startswith("Log Archive/")
    assert observability.needs_approval(observability.Plan("x", (change,)), config)


def test_key_policy_drift_is_repaired(built, config, t):
    kms = observability.guarded(built, t).client("kms", account_id=t.log_archive)
    key_id = next(a["TargetKeyId"] for a in kms.list_aliases()["Aliases"] if a["AliasName"] == LOG_KEY_ALIAS)
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy='{"Version":"2012-10-17","Statement":[]}')
    assert replan_and_repair(built, config, "kms_key").key == f"Log Archive/{t.region}/{LOG_KEY_ALIAS}"


# --------------------------------------------------------------------------- trail
def test_organization_trail_settings_and_logging(built, t):
    client = built.client("cloudtrail")
    trail = client.get_trail(Name=t.trail_name)["Trail"]
    assert trail["IsOrganizationTrail"] and trail["IsMultiRegionTrail"] and trail["LogFileValidationEnabled"]
    assert trail["S3BucketName"] == t.trail_bucket(t.region)
    assert trail["KmsKeyId"] == t.key_alias_arn(t.region)
    selectors = client.get_event_selectors(TrailName=t.trail_name)["EventSelectors"]
    assert [(s["ReadWriteType"], s["IncludeManagementEvents"]) for s in selectors] == [("All", True)]
    assert client.get_trail_status(Name=t.trail_name)["IsLogging"]
    assert observability.trail_logging(built, t.trail_name)[0]


def test_stopped_trail_is_an_approval_change_and_restarted(built, config, t):
    built.client("cloudtrail").stop_logging(Name=t.trail_name)
    assert not observability.trail_logging(built, t.trail_name)[0]
    plan = observability.plan(built, config)
    assert observability.needs_approval(plan, config)
    change = replan_and_repair(built, config, "cloudtrail_trail")
    assert change.before["logging"] is False and change.after["logging"] is True


# --------------------------------------------------------------------------- config
def test_config_recorders_in_every_account_and_region(built, t):
    for name, account in t.accounts.items():
        for region in REGIONS:
            client = built.client("config", account_id=None if account == t.management_account else account,
                                  region=region)
            recorder = client.describe_configuration_recorders()["ConfigurationRecorders"]
            assert [r["name"] for r in recorder] == [f"groundwork-{region}"], (name, region)
            assert recorder[0]["recordingGroup"]["includeGlobalResourceTypes"] is (region == t.region)
            status = client.describe_configuration_recorder_status()["ConfigurationRecordersStatus"]
            assert status[0]["recording"], (name, region)
    aggregator = built.client("config", account_id=t.audit).describe_configuration_aggregators()
    source = aggregator["ConfigurationAggregators"][0]["OrganizationAggregationSource"]
    assert source["AllAwsRegions"] and source["RoleArn"] == t.aggregator_role_arn


def test_stopped_recorder_in_a_workload_account_needs_no_approval(built, config, t):
    client = built.client("config", account_id=t.accounts["Development"], region="us-west-2")
    client.stop_configuration_recorder(ConfigurationRecorderName="groundwork-us-west-2")
    plan = observability.plan(built, config)
    assert not observability.needs_approval(plan, config)
    assert replan_and_repair(built, config, "config_recorder").key == "Development/us-west-2/groundwork-us-west-2"


# --------------------------------------------------------------------------- guardduty / security hub
def test_audit_is_the_delegated_administrator_with_auto_enable_and_members(built, t):
    for region in REGIONS:
        gd = built.client("guardduty", region=region)
        assert [a["AdminAccountId"] for a in gd.list_organization_admin_accounts()["AdminAccounts"]] == [t.audit]
        sh = built.client("securityhub", region=region)
        assert [a["AccountId"] for a in sh.list_organization_admin_accounts()["AdminAccounts"]] == [t.audit]
        admin_gd = built.client("guardduty", account_id=t.audit, region=region)
        detector = admin_gd.list_detectors()["DetectorIds"][0]
        assert admin_gd.describe_organization_configuration(DetectorId=detector)["AutoEnableOrganizationMembers"] == "ALL"
        members = {m["AccountId"] for m in admin_gd.list_members(DetectorId=detector)["Members"]}
        assert members == set(t.accounts.values()) - {t.audit}
        admin_sh = built.client("securityhub", account_id=t.audit, region=region)
        assert admin_sh.describe_organization_configuration()["AutoEnable"] is True
        assert {m["AccountId"] for m in admin_sh.list_members()["Members"]} == members


def test_detectors_and_hubs_with_configured_standards_everywhere(built, t):
    for account in t.accounts.values():
        account_id = None if account == t.management_account else account
        for region in REGIONS:
            assert built.client("guardduty", account_id=account_id, region=region).list_detectors()["DetectorIds"]
            sh = built.client("securityhub", account_id=account_id, region=region)
            standards = [s["StandardsArn"] for s in sh.get_enabled_standards()["StandardsSubscriptions"]]
            assert standards == [AFSBP.format(region=region)]


def test_a_disabled_standard_is_enabled_again(built, config, t):
    sh = built.client("securityhub", account_id=t.accounts["Staging"])
    subscription = sh.get_enabled_standards()["StandardsSubscriptions"][0]["StandardsSubscriptionArn"]
    sh.batch_disable_standards(StandardsSubscriptionArns=[subscription])
    assert replan_and_repair(built, config, "securityhub_hub").key == "Staging/us-east-1"


def test_verify_after_a_plan_with_no_change_still_checks_the_trail_logs(built, config, t):
    built.calls.clear()
    assert observability.verify(built, config, plan_was_empty=True)["trail"]
    assert not any(c.service == "config" for c in built.calls)  # no account read again
    built.client("cloudtrail").stop_logging(Name=t.trail_name)
    try:
        with pytest.raises(NotConverged, match="not logging"):
            observability.verify(built, config, plan_was_empty=True)
    finally:
        built.client("cloudtrail").start_logging(Name=t.trail_name)
