"""The rollout summary against in-process moto: it reads back what each applied phase built (every
id, CIDR and state asserted here is read from moto, not from the config), says "none yet" for the
phases not applied, and never shows the ExternalId."""

import json
import secrets
from urllib.parse import quote

import pytest
from botocore.exceptions import ClientError

from groundwork.phases import cicd, foundation, identity, network, observability
from groundwork.phases.foundation import account_ids
from groundwork_ops import summary
from groundwork_ops.summary import rollout_summary
from groundwork_ops.summary_cicd import requires_condition_key

from tests.unit.reconcile.cicd_steps import apply_all as apply_cicd
from tests.unit.reconcile.foundation_steps import apply_all as apply_foundation
from tests.unit.reconcile.identity_steps import apply_identity
from tests.unit.reconcile.network_steps import apply_network
from tests.unit.reconcile.observability_steps import apply_all as apply_observability

EXTERNAL_ID = f"summary-test-{secrets.token_hex(8)}"  # fresh per run: it can only leak from AWS


def pending(plan):
    return {c.id for c in plan.pending}


def line_with(text: str, needle: str) -> str:
    found = [line for line in text.splitlines() if needle in line]
    assert len(found) == 1, (needle, text)
    return found[0]


def detector_states(text: str, name: str) -> list[str]:
    """The account's row of the GuardDuty table: one state per region."""
    table = text.split("  GuardDuty detectors", 1)[1]
    return line_with(table.split("  Security Hub enabled", 1)[0], f"    {name:<17}  ").split()[len(name.split()):]


# fresh AWS per test (function-scoped moto) first; the module-scoped `built` state after them
def test_before_phase1_there_is_no_organization(ctx, foundation_config):
    assert rollout_summary(ctx, foundation_config) == "no organization yet"


def test_after_phase1_the_accounts_and_no_later_phase(ctx, foundation_config):
    apply_foundation(ctx, foundation_config, pending(foundation.plan(ctx, foundation_config)))
    text = rollout_summary(ctx, foundation_config)
    orgs = ctx.client("organizations")
    for account in orgs.list_accounts()["Accounts"]:
        assert f"{account['Id']}  {account['Email']}" in text
    for policy in orgs.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]:
        assert policy["Name"] in text
    assert "Network (us-east-1): none yet" in text
    assert "Observability: none yet" in text
    assert "CI/CD: none yet" in text


@pytest.fixture(scope="module")
def built():
    """Phases 1-5 applied once (about 15 s with the full foundation config)."""
    from groundwork.config.loader import load_config

    from tests.conftest import ROOT
    from tests.unit.conftest import in_process_aws

    with in_process_aws() as ctx:
        config = load_config(ROOT / "config" / "foundation.yaml")
        apply_foundation(ctx, config, pending(foundation.plan(ctx, config)))
        apply_identity(ctx, config, pending(identity.plan(ctx, config)))
        apply_network(ctx, config, pending(network.plan(ctx, config)))
        apply_observability(ctx, config, pending(observability.plan(ctx, config)))
        apply_cicd(ctx, config, pending(cicd.plan(ctx, config, EXTERNAL_ID)), EXTERNAL_ID)
        yield ctx, config, account_ids(ctx, config)


@pytest.fixture(scope="module")
def text(built):
    ctx, config, _ = built
    return rollout_summary(ctx, config)


def test_each_account_vpc_cidr_and_attachment_as_aws_reports_them(built, text):
    ctx, config, ids = built
    hub = ctx.client("ec2", account_id=ids[config.network.transit_gateway_account])
    tgw = hub.describe_transit_gateways()["TransitGateways"][0]["TransitGatewayId"]
    assert f"Transit Gateway {tgw} in Network ({ids['Network']}): available" in text
    segment_of = {}
    for table in hub.describe_transit_gateway_route_tables()["TransitGatewayRouteTables"]:
        table_id = table["TransitGatewayRouteTableId"]
        segment = {t["Key"]: t["Value"] for t in table["Tags"]}["groundwork:segment"]
        assert f"route table {segment:<14} {table_id}" in text
        for association in hub.get_transit_gateway_route_table_associations(
                TransitGatewayRouteTableId=table_id)["Associations"]:
            segment_of[association["TransitGatewayAttachmentId"]] = segment
    for name, account in ids.items():
        client = ctx.client("ec2", account_id=account)
        vpc = next(v for v in client.describe_vpcs()["Vpcs"] if not v["IsDefault"])
        (attachment,) = client.describe_transit_gateway_vpc_attachments(
            Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["TransitGatewayVpcAttachments"]
        row = line_with(text, vpc["VpcId"])
        assert row.split()[:len(name.split())] == name.split()
        assert vpc["CidrBlock"] in row
        attachment_id = attachment["TransitGatewayAttachmentId"]
        assert f"{attachment_id} available -> {segment_of[attachment_id]}" in row
    assert f"default VPCs (left as AWS made them): 172.31.0.0/16 in {len(ids)} account(s)" in text


def test_trail_administrators_detectors_and_recorders(built, text):
    ctx, config, ids = built
    client = ctx.client("cloudtrail")
    trail = client.get_trail(Name=config.observability.trail_name)["Trail"]
    assert client.get_trail_status(Name=trail["Name"])["IsLogging"]
    assert (f"Trail {trail['Name']} -> s3://{trail['S3BucketName']}: logging, multi-region, organization trail"
            in text)
    regions = config.aws.allowed_regions
    for service, key in (("guardduty", "AdminAccountId"), ("securityhub", "AccountId")):
        admins = {a[key] for r in regions
                  for a in ctx.client(service, region=r).list_organization_admin_accounts()["AdminAccounts"]}
        assert admins == {ids["Audit"]}
        label = {"guardduty": "GuardDuty", "securityhub": "Security Hub"}[service]
        assert f"{label} delegated administrator: Audit ({ids['Audit']}) in {', '.join(regions)}" in text
    everyone = {config.organization.management_account.name: None, **ids}
    for name, account in everyone.items():
        states = []
        for region in regions:
            gd = ctx.client("guardduty", account_id=account, region=region)
            (detector,) = gd.list_detectors()["DetectorIds"]
            states.append(gd.get_detector(DetectorId=detector)["Status"].lower())
        assert detector_states(text, name) == states
    count = len(everyone) * len(regions)
    assert f"Config recording in {count}/{count} account-regions" in text
    assert f"Security Hub enabled in {count}/{count} account-regions" in text
    assert "missing:" not in text


def test_deployment_roles_require_an_external_id_which_never_shows(built, text):
    ctx, config, ids = built
    for env, account in ((e, a) for e in config.cicd.environments for a in e.accounts):
        iam = ctx.client("iam", account_id=ids[account])
        role = iam.get_role(RoleName=config.cicd.deployment_role_name)["Role"]
        assert EXTERNAL_ID in json.dumps(role["AssumeRolePolicyDocument"])  # it is there, in AWS
        block = text.split(f"  {env.name:<12} {account} ({ids[account]})\n", 1)[1].splitlines()[:2]
        assert block[0].strip() == f"role {role['RoleName']}, ExternalId condition: yes"
        alias = f"alias/groundwork-deploy-{env.name}"
        aliases = ctx.client("kms", account_id=ids[account]).list_aliases()["Aliases"]
        target = next(a["TargetKeyId"] for a in aliases if a["AliasName"] == alias)
        assert block[1].strip() == f"key  {alias} -> {target} (Enabled)"
    assert f"Pipeline role {config.cicd.pipeline_role_name} in Shared Services ({ids['Shared Services']})" in text
    assert EXTERNAL_ID not in text


def test_drift_shows_up_as_aws_has_it(built):
    """A disabled detector, a stopped recorder and a trust policy without the condition are reported
    as such (then put back: the module's state is shared)."""
    ctx, config, ids = built
    gd = ctx.client("guardduty", account_id=ids["Sandbox"], region="us-west-2")
    detector = gd.list_detectors()["DetectorIds"][0]
    recorder_client = ctx.client("config", account_id=ids["Staging"], region="us-west-2")
    recorder = recorder_client.describe_configuration_recorders()["ConfigurationRecorders"][0]["name"]
    iam = ctx.client("iam", account_id=ids["Staging"])
    role = config.cicd.deployment_role_name
    trust = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    loose = {**trust, "Statement": [{k: v for k, v in s.items() if k != "Condition"} for s in trust["Statement"]]}
    gd.update_detector(DetectorId=detector, Enable=False)
    recorder_client.stop_configuration_recorder(ConfigurationRecorderName=recorder)
    iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(loose))
    try:
        text = rollout_summary(ctx, config)
    finally:
        gd.update_detector(DetectorId=detector, Enable=True)
        recorder_client.start_configuration_recorder(ConfigurationRecorderName=recorder)
        iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(trust))
    assert detector_states(text, "Sandbox") == ["enabled", "disabled"]
    total = (len(ids) + 1) * len(config.aws.allowed_regions)
    assert f"Config recording in {total - 1}/{total} account-regions" in text
    assert "missing: Staging/us-west-2 (not recording)" in text
    staging = text.split(f"  staging      Staging ({ids['Staging']})\n", 1)[1].splitlines()[0]
    assert staging.strip() == f"role {role}, ExternalId condition: no"
    assert rollout_summary(ctx, config).count("ExternalId condition: yes") == sum(
        len(e.accounts) for e in config.cicd.environments)


def test_a_section_that_cannot_be_read_says_so_and_the_others_still_show(built, monkeypatch):
    ctx, config, _ = built

    def denied(*_):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "DescribeVpcs")

    monkeypatch.setattr(summary, "SECTIONS", (("Network", denied),) + summary.SECTIONS[1:])
    text = rollout_summary(ctx, config)
    assert "Network: could not be read (An error occurred (AccessDenied)" in text
    assert "Observability:\n  Trail" in text and "CI/CD (us-east-1):" in text


def test_only_an_allow_condition_on_the_external_id_counts():
    allow = {"Effect": "Allow", "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"STS:ExternalId": "x"}}}
    assert requires_condition_key({"Statement": [allow]})
    assert requires_condition_key(quote(json.dumps({"Statement": [allow]})))  # IAM's URL-encoded form
    assert not requires_condition_key({"Statement": [{**allow, "Effect": "Deny"}]})
    other = {"Effect": "Allow", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    assert not requires_condition_key({"Statement": other})
