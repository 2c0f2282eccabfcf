"""Account lifecycle in phase 1, on in-process moto with the stand-in's extensions (handshakes,
closure): adopt, invite, retire to the suspended OU, close, and unmanaged accounts left alone."""

import json

import boto3
import pytest
import yaml

from groundwork.config.loader import ConfigError, parse_config
from groundwork.phases import foundation
from groundwork.plan.model import StalePlan
from groundwork.policy.guardrails import SPEND_STOP_SCP, SUSPENDED_SCP
from groundwork.reconcile import accounts
from groundwork_standin.extensions import organizations_handshakes

from tests.conftest import ROOT
from tests.unit.reconcile.foundation_steps import apply_all

INVITED_ID = "222222222222"


def variant(edit) -> object:
    raw = yaml.safe_load((ROOT / "config" / "foundation.yaml").read_text())
    edit(raw)
    return parse_config(yaml.safe_dump(raw))


def account_entry(raw, name):
    return next(a for a in raw["organization"]["accounts"] if a["name"] == name)


def retire(raw, name="Sandbox", lifecycle="retired"):
    raw["organization"]["suspended_ou"] = "Suspended"
    account_entry(raw, name)["lifecycle"] = lifecycle
    for assignment in raw["identity"]["assignments"]:
        if name in assignment.get("accounts", []):
            assignment["accounts"].remove(name)


def invited_owner():
    """Organizations as the invited account's owner (moto: credentials assumed into an account act as it)."""
    creds = boto3.client("sts", region_name="us-east-1").assume_role(
        RoleArn=f"arn:aws:iam::{INVITED_ID}:role/owner", RoleSessionName="owner")["Credentials"]
    return boto3.client("organizations", region_name="us-east-1", aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])


def ids_of(plan):
    return {c.id for c in plan.pending}


def rolled_out(ctx, config):
    apply_all(ctx, config, ids_of(foundation.plan(ctx, config)))
    assert foundation.plan(ctx, config).is_empty()


def parents(ctx) -> dict[str, str]:
    """account name -> the name of the OU (or Root) it sits in."""
    orgs = ctx.client("organizations")
    names = {}
    frontier = [(orgs.list_roots()["Roots"][0]["Id"], "Root")]
    while frontier:
        parent, name = frontier.pop()
        for a in orgs.list_accounts_for_parent(ParentId=parent)["Accounts"]:
            names[a["Name"]] = name
        for ou in orgs.list_organizational_units_for_parent(ParentId=parent)["OrganizationalUnits"]:
            frontier.append((ou["Id"], ou["Name"]))
    return names


def test_an_account_made_by_hand_is_adopted_moved_and_tagged_never_created(ctx, foundation_config):
    orgs = ctx.client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    made = orgs.create_account(AccountName="Sandbox", Email="aws-sandbox@wingu.example")["CreateAccountStatus"]
    plan = foundation.plan(ctx, foundation_config)
    sandbox = next(c for c in plan.pending if (c.kind, c.key) == ("account", "Sandbox"))
    assert sandbox.action == "update" and "adopt" in sandbox.note
    assert (sandbox.before["ou"], sandbox.before["managed"]) == ("Root", False)

    apply_all(ctx, foundation_config, ids_of(plan))
    assert [c.operation for c in ctx.mutating_calls()].count("CreateAccount") == 8  # one made by hand + 7 others
    assert parents(ctx)["Sandbox"] == "Sandbox"
    assert {"Key": "managed-by", "Value": "groundwork"} in orgs.list_tags_for_resource(ResourceId=made["AccountId"])["Tags"]
    assert foundation.plan(ctx, foundation_config).is_empty()


def invite_legacy(raw):
    raw["organization"]["accounts"].append({"name": "Legacy", "email": "legacy@wingu.example", "ou": "Workloads",
                                            "kind": "workload", "invite_account_id": INVITED_ID,
                                            "tags": {"cost-center": "workloads"}})


def test_an_account_outside_the_organization_is_invited_once_and_placed_when_it_accepts(ctx, foundation_config):
    config = variant(invite_legacy)
    organizations_handshakes.register({"Id": INVITED_ID, "Email": "legacy@wingu.example", "Name": "Legacy"})
    plan = foundation.plan(ctx, config)
    legacy = next(c for c in plan.pending if c.key == "Legacy")
    assert legacy.action == "create" and INVITED_ID in legacy.note
    foundation.apply_structure(ctx, config, ids_of(plan))

    with pytest.raises(StalePlan):
        foundation.start_account(ctx, config, "Legacy", approved=set())
    first = foundation.start_account(ctx, config, "Legacy", ids_of(plan))
    again = foundation.start_account(ctx, config, "Legacy", ids_of(plan))
    assert first.state == "IN_PROGRESS" and first.request_id.startswith("h-") and again.request_id == first.request_id
    assert [c.operation for c in ctx.mutating_calls()].count("InviteAccountToOrganization") == 1
    orgs = ctx.client("organizations")
    assert accounts.creation_progress(orgs, "Legacy", first.request_id).state == "IN_PROGRESS"

    invited_owner().accept_handshake(HandshakeId=first.request_id)

    done = accounts.creation_progress(orgs, "Legacy", first.request_id)
    assert (done.state, done.account_id) == ("SUCCEEDED", INVITED_ID)
    foundation.place_account(ctx, config, "Legacy", INVITED_ID, ids_of(plan))
    assert parents(ctx)["Legacy"] == "Workloads"
    assert foundation.start_account(ctx, config, "Legacy", set()).account_id == INVITED_ID  # found by email now


def test_a_declined_invitation_fails_the_account_naming_why(ctx, foundation_config):
    config = variant(invite_legacy)
    organizations_handshakes.register({"Id": INVITED_ID, "Email": "legacy@wingu.example", "Name": "Legacy"})
    plan = foundation.plan(ctx, config)
    foundation.apply_structure(ctx, config, ids_of(plan))
    started = foundation.start_account(ctx, config, "Legacy", ids_of(plan))
    invited_owner().decline_handshake(HandshakeId=started.request_id)
    progress = accounts.creation_progress(ctx.client("organizations"), "Legacy", started.request_id)
    with pytest.raises(accounts.AccountCreationFailed, match="declined"):
        accounts.raise_if_failed(progress)


def test_a_retired_account_moves_to_the_suspended_ou_under_a_deny_all_scp(ctx, foundation_config):
    rolled_out(ctx, foundation_config)
    config = variant(retire)
    plan = foundation.plan(ctx, config)
    pending = {(c.action, c.kind, c.key) for c in plan.pending}
    assert pending == {("create", "ou", "Suspended"), ("update", "account", "Sandbox"),
                       ("create", "scp", SUSPENDED_SCP),
                       ("delete", "scp", SPEND_STOP_SCP),  # no active account has a spend limit now
                       ("delete", "budget", "groundwork-sandbox"),
                       ("delete", "iam_role", "Management/groundwork-budget-actions")}, pending
    assert "retire" in next(c for c in plan.pending if c.kind == "account").note

    apply_all(ctx, config, ids_of(plan))
    assert parents(ctx)["Sandbox"] == "Suspended"
    orgs = ctx.client("organizations")
    policy = next(p for p in orgs.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"] if p["Name"] == SUSPENDED_SCP)
    assert [t["Name"] for t in orgs.list_targets_for_policy(PolicyId=policy["Id"])["Targets"]] == ["Suspended"]
    statement = json.loads(orgs.describe_policy(PolicyId=policy["Id"])["Policy"]["Content"])["Statement"][0]
    assert (statement["Effect"], statement["Action"]) == ("Deny", "*")
    ctx.calls.clear()
    assert foundation.plan(ctx, config).is_empty()
    assert foundation.verify(ctx, config)["Sandbox"]
    assert ctx.mutating_calls() == []


def test_accounts_the_config_does_not_name_are_listed_as_unmanaged_and_never_touched(ctx, foundation_config):
    orgs = ctx.client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    other = orgs.create_account(AccountName="Team Experiment", Email="team-x@wingu.example")["CreateAccountStatus"]
    plan = foundation.plan(ctx, foundation_config)
    assert [n for n in plan.notes if n.startswith("unmanaged:")] == [
        f"unmanaged: account 'Team Experiment' ({other['AccountId']}, team-x@wingu.example) in Root: not in the "
        "config, never touched"]
    assert all("Team Experiment" not in c.key for c in plan.changes)
    apply_all(ctx, foundation_config, ids_of(plan))
    assert parents(ctx)["Team Experiment"] == "Root"
    assert orgs.list_tags_for_resource(ResourceId=other["AccountId"])["Tags"] == []


def test_closing_needs_its_own_approval_and_happens_once(ctx, foundation_config):
    rolled_out(ctx, foundation_config)
    config = variant(lambda raw: retire(raw, lifecycle="closed"))
    apply_all(ctx, config, ids_of(foundation.plan(ctx, config)))
    closures = foundation.plan_closures(ctx, config)
    assert [(c.action, c.kind, c.key, c.production) for c in closures] == [("delete", "account_closure", "Sandbox", True)]
    assert "90 days" in closures[0].note

    with pytest.raises(StalePlan):
        foundation.close_accounts(ctx, config, approved=set())  # the rest of phase 1's approval is not enough
    assert foundation.close_accounts(ctx, config, {closures[0].id}) == [closures[0]]
    sandbox = foundation.account_ids(ctx, config)["Sandbox"]
    assert ctx.client("organizations").describe_account(AccountId=sandbox)["Account"]["Status"] in accounts.orgs.CLOSED_STATUSES
    assert [c.action for c in foundation.plan_closures(ctx, config)] == ["noop"]
    assert foundation.close_accounts(ctx, config, {closures[0].id}) == []
    assert foundation.plan(ctx, config).is_empty()
    foundation.verify(ctx, config)  # a closed account's access role is not expected to answer


@pytest.mark.parametrize("members,quota", [(9, 250), (1250, 250), (2000, 400), (10000, 1000)])
def test_the_closure_quota_is_aws_s(members, quota):
    assert accounts.closure_quota(members) == quota


def test_closing_more_than_aws_allows_is_refused_before_any_approval():
    from types import SimpleNamespace

    from groundwork.reconcile.organization import OrgSnapshot

    listed = [SimpleNamespace(name=f"a{i}", email=f"a{i}@x.example", lifecycle="closed") for i in range(251)]
    config = SimpleNamespace(organization=SimpleNamespace(accounts=listed))
    snap = OrgSnapshot(organization={"MasterAccountId": "1"},
                       accounts=[{"Id": str(i + 2), "Email": f"a{i}@x.example", "Status": "ACTIVE"} for i in range(251)])
    with pytest.raises(accounts.ClosureQuotaExceeded, match="closes 251 account"):
        accounts.plan_closures(config, snap)
    assert len(accounts.plan_closures(config, OrgSnapshot(organization=snap.organization, accounts=snap.accounts[:250]))) == 250


def test_lifecycle_mistakes_are_validation_errors_listed_together():
    def wrong(raw):
        account_entry(raw, "Sandbox")["lifecycle"] = "retired"           # no suspended OU
        account_entry(raw, "Log Archive")["lifecycle"] = "closed"         # phase 4 builds on it
        account_entry(raw, "Staging")["invite_account_id"] = INVITED_ID
        account_entry(raw, "Development")["invite_account_id"] = INVITED_ID  # one account, two names
    with pytest.raises(ConfigError) as error:
        variant(wrong)
    text = str(error.value)
    assert "organization.suspended_ou is not set" in text
    assert "'Log Archive' is closed: this needs an active account" in text
    assert "'Sandbox' is retired: its assignments are removed" in text
    assert f"account id {INVITED_ID} is already invited as 'Staging'" in text


# --------------------------------------------------------------------------- later phases
def test_a_retired_account_loses_its_identity_center_assignments(ctx, foundation_config):
    from groundwork.phases import identity
    from tests.unit.reconcile.identity_steps import apply_identity

    rolled_out(ctx, foundation_config)
    apply_identity(ctx, foundation_config, ids_of(identity.plan(ctx, foundation_config)))
    config = variant(retire)
    rolled_out(ctx, config)
    plan = identity.plan(ctx, config)
    assert [(c.action, c.key) for c in plan.pending] == [("delete", "Sandbox/Developers/DeveloperAccess")]
    apply_identity(ctx, config, ids_of(plan))
    assert identity.plan(ctx, config).is_empty()
    sso = ctx.client("sso-admin")
    instance = sso.list_instances()["Instances"][0]["InstanceArn"]
    sandbox = foundation.account_ids(ctx, config)["Sandbox"]
    sets = sso.list_permission_sets(InstanceArn=instance)["PermissionSets"]
    assert all(sso.list_account_assignments(InstanceArn=instance, AccountId=sandbox, PermissionSetArn=arn)
               ["AccountAssignments"] == [] for arn in sets)


@pytest.mark.parametrize("lifecycle", ["retired", "closed"])
def test_a_retired_account_is_cut_off_from_the_transit_gateway_and_its_vpc_stays(ctx, foundation_config, lifecycle):
    """Retired: from inside the account (routes, attachment). Closed: the account cannot be reached,
    so the Transit Gateway's owner removes the attachment; the VPC is AWS's to remove."""
    from groundwork.phases import network
    from groundwork.phases.spec import SPECS
    from tests.unit.reconcile.network_steps import apply_network

    small = {"Network", "Shared Services", "Production", "Sandbox", "Log Archive", "Audit"}

    def cut(raw):
        raw["organization"]["accounts"] = [a for a in raw["organization"]["accounts"] if a["name"] in small]
        for assignment in raw["identity"]["assignments"]:
            assignment["accounts"] = [n for n in assignment.get("accounts", []) if n in small]
        raw["identity"]["assignments"] = [a for a in raw["identity"]["assignments"] if a["accounts"] or a.get("ous")]
        raw.pop("cicd", None)
    before = variant(cut)
    rolled_out(ctx, before)
    apply_network(ctx, before, ids_of(network.plan(ctx, before)))
    config = variant(lambda raw: (retire(raw, lifecycle=lifecycle), cut(raw)))
    rolled_out(ctx, config)
    sandbox = foundation.account_ids(ctx, config)["Sandbox"]
    ec2 = ctx.client("ec2", account_id=sandbox)
    attachment = ec2.describe_transit_gateway_vpc_attachments()["TransitGatewayVpcAttachments"][0]
    if lifecycle == "closed":
        foundation.close_accounts(ctx, config, {c.id for c in foundation.plan_closures(ctx, config)})

    planned = SPECS["phase3_network"].planned(ctx, config).plan
    retired = [(c.action, c.kind) for c in planned.pending]
    assert ("delete", "tgw_attachment") in retired
    assert (("delete", "route") in retired) == (lifecycle == "retired")
    assert all(c.key.startswith("Sandbox") for c in planned.pending), [c.summary() for c in planned.pending]

    apply_network(ctx, config, ids_of(planned))
    network.detach_retired(ctx, config, ids_of(planned))
    state = ec2.describe_transit_gateway_vpc_attachments(
        TransitGatewayAttachmentIds=[attachment["TransitGatewayAttachmentId"]])["TransitGatewayVpcAttachments"]
    assert [a["State"] for a in state] in ([], ["deleted"], ["deleting"])
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [attachment["VpcId"]]}])["RouteTables"]
    if lifecycle == "retired":
        assert not [r for t in tables for r in t["Routes"] if r.get("TransitGatewayId")]
    assert ec2.describe_vpcs(VpcIds=[attachment["VpcId"]])["Vpcs"]  # the VPC stays
    assert SPECS["phase3_network"].planned(ctx, config).plan.is_empty()
    network.verify(ctx, config)


def test_an_environment_gone_with_its_retired_account_loses_its_deployment_role(ctx, foundation_config):
    from groundwork.phases import cicd
    from groundwork.phases.spec import SPECS
    from tests.unit.reconcile import cicd_steps

    cicd_steps.foundation_done(ctx, foundation_config)
    cicd_steps.apply_all(ctx, foundation_config, cicd_steps.ids(cicd.plan(ctx, foundation_config, cicd_steps.EXTERNAL_ID)))
    assert cicd.plan_removed_environments(ctx, foundation_config) == []  # every account with a role is a target

    def drop_development(raw):
        retire(raw, "Development")
        raw["cicd"]["environments"] = [e for e in raw["cicd"]["environments"] if e["name"] != "development"]
    config = variant(drop_development)
    rolled_out(ctx, config)
    development = foundation.account_ids(ctx, config)["Development"]
    iam = ctx.client("iam", account_id=development)
    assert iam.get_role(RoleName="DeploymentRole")
    iam.create_role(RoleName="TeamDeployer", AssumeRolePolicyDocument="{}")  # not groundwork's: never touched

    planned = SPECS["phase5_cicd"].planned(ctx, config, external_id=cicd_steps.EXTERNAL_ID).plan
    removed = [c for c in planned.pending if c.kind == "iam_role" and c.action == "delete"]
    assert [c.key for c in removed] == ["Development/DeploymentRole", "Development/groundwork-cloudformation"]
    assert "nothing can deploy" in removed[0].note
    cicd_steps.apply_all(ctx, config, cicd_steps.ids(planned))
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName="DeploymentRole")
    assert iam.get_role(RoleName="TeamDeployer")
    aliases = {a["AliasName"] for a in ctx.client("kms", account_id=development).list_aliases()["Aliases"]}
    assert "alias/groundwork-deploy-development" in aliases  # the key (and bucket) are kept
    assert SPECS["phase5_cicd"].planned(ctx, config, external_id=cicd_steps.EXTERNAL_ID).plan.is_empty()
