"""Preflight against in-process moto with the stand-in's Service Quotas and root-state extensions."""

from __future__ import annotations

import pytest

from groundwork import preflight as pf
from groundwork.config.loader import load_config
from groundwork.phases import foundation
from groundwork.plan.model import Refused
from groundwork_standin.extensions import iam_account_summary, service_quotas

from tests.conftest import ROOT
from tests.unit.conftest import in_process_aws
from tests.unit.reconcile.foundation_steps import apply_all

INCREASE = ("aws service-quotas request-service-quota-increase --service-code organizations --quota-code L-29A0C5DF "
            "--desired-value 20 --region us-east-1")


@pytest.fixture
def ctx():
    # before moto starts, so the accounts it makes already have the stand-in's root state
    service_quotas.install()
    iam_account_summary.install()
    with in_process_aws() as context:
        yield context


@pytest.fixture
def config():
    return load_config(ROOT / "config" / "foundation.yaml")


@pytest.fixture
def ten_accounts(config):
    """The foundation config with two more workload accounts (10 in all)."""
    model = config.account("Development")
    more = [model.model_copy(update={"name": f"Extra {i}", "email": f"aws-extra-{i}@wingu.example", "cidr": None})
            for i in range(10 - len(config.organization.accounts))]
    organization = config.organization.model_copy(update={"accounts": [*config.organization.accounts, *more]})
    return config.model_copy(update={"organization": organization})


def management(ctx) -> str:
    return ctx.client("sts").get_caller_identity()["Account"]


def checks(findings) -> list[str]:
    return [f.check for f in findings]


def test_an_empty_aws_and_a_built_organization_both_pass(ctx, config):
    assert pf.preflight(ctx, config) == []
    apply_all(ctx, config, {c.id for c in foundation.plan(ctx, config).pending})
    ctx.calls.clear()
    findings = pf.preflight(ctx, config)
    assert findings == [], pf.render(findings)
    assert pf.render(findings).startswith("preflight: every check passed")
    pf.raise_if_blocked(findings)
    assert ctx.calls and ctx.mutating_calls() == []  # it reads AWS, and only reads


def test_ten_accounts_and_the_management_account_exceed_the_default_quota(ctx, ten_accounts):
    assert len(ten_accounts.organization.accounts) == 10
    findings = pf.preflight(ctx, ten_accounts)
    assert len(findings) == 1, pf.render(findings)
    finding = findings[0]
    assert finding.check == "accounts per organization (L-29A0C5DF)"
    assert (finding.needed, finding.have) == (11, 10)
    assert finding.fix.startswith(INCREASE)
    with pytest.raises(Refused) as refused:
        pf.raise_if_blocked(findings)
    assert INCREASE in str(refused.value) and "needs 11, has 10" in str(refused.value)


def test_the_granted_increase_unblocks(ctx, ten_accounts):
    assert checks(pf.preflight(ctx, ten_accounts)) == ["accounts per organization (L-29A0C5DF)"]
    granted = ctx.client("service-quotas", region="us-east-1").request_service_quota_increase(
        ServiceCode="organizations", QuotaCode="L-29A0C5DF", DesiredValue=20)["RequestedQuota"]
    assert granted["Status"] == "APPROVED"
    assert pf.preflight(ctx, ten_accounts) == []


def test_accounts_outside_the_config_count_against_the_quota(ctx, config):
    client = ctx.client("organizations")
    client.create_organization(FeatureSet="ALL")
    for i in range(2):  # 8 configured + management + 2 unknown = 11
        client.create_account(AccountName=f"Legacy {i}", Email=f"legacy{i}@elsewhere.example")
    findings = pf.preflight(ctx, config)
    assert [(f.needed, f.have) for f in findings] == [(11, 10)], pf.render(findings)


def test_root_without_mfa_is_blocked(ctx, config):
    iam_account_summary.set_root_state({"account_id": management(ctx), "mfa_enabled": False})
    findings = pf.preflight(ctx, config)
    assert checks(findings) == ["root MFA"]
    assert f"enable MFA on the root user of account {management(ctx)}" in findings[0].fix


def test_root_access_keys_are_blocked(ctx, config):
    iam_account_summary.set_root_state({"account_id": management(ctx), "access_keys_present": True})
    findings = pf.preflight(ctx, config)
    assert checks(findings) == ["root access keys"]
    assert "delete the root user's access keys" in findings[0].fix


def test_an_iam_user_with_an_access_key_or_a_password_is_blocked(ctx, config):
    iam = ctx.client("iam")
    iam.create_user(UserName="deployer")
    key = iam.create_access_key(UserName="deployer")["AccessKey"]["AccessKeyId"]
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="S3cret-enough-1!")
    iam.create_user(UserName="unused")  # neither: fine
    findings = pf.preflight(ctx, config)
    by_subject = {f.subject.split()[1]: f for f in findings}
    assert sorted(by_subject) == ["alice", "deployer"], pf.render(findings)
    assert by_subject["deployer"].fix.endswith(f"aws iam delete-access-key --user-name deployer --access-key-id {key}")
    assert by_subject["alice"].fix.endswith("aws iam delete-login-profile --user-name alice")


def test_a_workload_in_the_management_account_is_blocked(ctx, config):
    west = ctx.client("ec2", region="us-west-2")  # any allowed region, not only the home one
    vpc = west.create_vpc(CidrBlock="10.200.0.0/16")["Vpc"]["VpcId"]
    east = ctx.client("ec2")
    image = east.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = east.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    findings = pf.preflight(ctx, config)
    assert len(findings) == 2, pf.render(findings)
    fixes = " | ".join(f.fix for f in findings)
    assert f"aws ec2 delete-vpc --vpc-id {vpc} --region us-west-2" in fixes
    assert f"aws ec2 terminate-instances --instance-ids {instance} --region us-east-1" in fixes


def test_vpcs_per_region_are_read_in_each_existing_member_account(ctx, config):
    client = ctx.client("organizations")
    client.create_organization(FeatureSet="ALL")
    status = client.create_account(AccountName="Production", Email="aws-production@wingu.example")
    account_id = status["CreateAccountStatus"]["AccountId"]
    member = ctx.client("ec2", account_id=account_id)
    for i in range(4):  # with the default VPC: 5 of 5, and groundwork's would be the 6th
        member.create_vpc(CidrBlock=f"192.168.{i}.0/24")
    findings = pf.preflight(ctx, config)
    assert [(f.check, f.needed, f.have) for f in findings] == [("VPCs per Region (L-F678F1CE)", 6, 5)], pf.render(findings)
    assert f"account Production ({account_id})" in findings[0].subject
    assert "--service-code vpc --quota-code L-F678F1CE --desired-value 10 --region us-east-1" in findings[0].fix
    ctx.client("service-quotas", account_id=account_id).request_service_quota_increase(
        ServiceCode="vpc", QuotaCode="L-F678F1CE", DesiredValue=10)
    assert pf.preflight(ctx, config) == []


def test_scps_others_attached_count_against_the_five_per_target(ctx, config):
    client = ctx.client("organizations")
    client.create_organization(FeatureSet="ALL")
    root = client.list_roots()["Roots"][0]["Id"]
    security = client.create_organizational_unit(ParentId=root, Name="Security")["OrganizationalUnit"]["Id"]
    attached = []
    for name in ("theirs-1", "theirs-2"):  # groundwork's 3 + FullAWSAccess + 2 = 6
        policy = client.create_policy(Name=name, Description="", Type="SERVICE_CONTROL_POLICY",
                                      Content='{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ec2:*","Resource":"*"}]}')
        client.attach_policy(PolicyId=policy["Policy"]["PolicySummary"]["Id"], TargetId=security)
        attached.append(policy["Policy"]["PolicySummary"]["Id"])
    findings = pf.preflight(ctx, config)
    assert [(f.subject, f.needed, f.have) for f in findings] == [(f"Security ({security})", 6, 5)], pf.render(findings)
    assert f"aws organizations detach-policy --policy-id {attached[0]} --target-id {security}" in findings[0].fix
    client.detach_policy(PolicyId=attached[0], TargetId=security)
    assert pf.preflight(ctx, config) == []


def test_the_message_lists_every_finding_with_its_fix(ctx, ten_accounts):
    iam_account_summary.set_root_state({"account_id": management(ctx), "mfa_enabled": False, "access_keys_present": True})
    findings = pf.preflight(ctx, ten_accounts)
    assert len(findings) == 3
    with pytest.raises(Refused) as refused:
        pf.raise_if_blocked(findings)
    message = str(refused.value)
    assert message.startswith("preflight: 3 problem(s) block the plan")
    assert message.count("fix: ") == 3 and all(f.fix in message for f in findings)


def test_password_policy_reads_none_then_round_trips(ctx):
    from groundwork.aws import iam

    client = ctx.client("iam")
    assert iam.password_policy(client) is None
    iam.update_password_policy(client, {"MinimumPasswordLength": 14, "RequireSymbols": True, "PasswordReusePrevention": 24})
    read = iam.password_policy(client)
    assert (read["MinimumPasswordLength"], read["RequireSymbols"], read["PasswordReusePrevention"]) == (14, True, 24)
    iam.update_password_policy(client, read)  # what was read (ExpirePasswords included) can be written back
    assert iam.password_policy(client)["MinimumPasswordLength"] == 14
