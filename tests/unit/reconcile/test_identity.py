"""Phase 2 against in-process moto with the stand-in extensions: the first run creates groups,
permission sets and assignments; a second run plans nothing and makes no mutating call; a changed
permission set is updated and re-provisioned; removals show in the plan as deletes and are removed;
no Identity Center instance and missing SCIM groups fail first and clearly."""

import boto3
import pytest
from moto.ssoadmin.models import ssoadmin_backends

from groundwork.config.models import Assignment, CustomerManagedPolicyRef, Group
from groundwork.phases import foundation, identity
from groundwork.plan.model import StalePlan
from groundwork.reconcile.identity_groups import MissingGroups
from groundwork.reconcile.identity_instance import IdentityCenterNotEnabled
from groundwork_standin.extensions import sso_admin_provisioning

from tests.unit.reconcile.foundation_steps import apply_all
from tests.unit.reconcile.identity_steps import apply_identity

ACCOUNT = "123456789012"  # moto's management account


def ids_of(plan):
    return {c.id for c in plan.pending}


def with_identity(config, **changes):
    return config.model_copy(update={"identity": config.identity.model_copy(update=changes)})


def with_permission_set(config, name, **changes):
    sets = [p.model_copy(update=changes) if p.name == name else p for p in config.identity.permission_sets]
    return with_identity(config, permission_sets=sets)


@pytest.fixture
def org(ctx, foundation_config):
    apply_all(ctx, foundation_config, ids_of(foundation.plan(ctx, foundation_config)))
    return foundation.account_ids(ctx, foundation_config)


@pytest.fixture
def built(ctx, foundation_config, org):
    apply_identity(ctx, foundation_config, ids_of(identity.plan(ctx, foundation_config)))
    return org


def sso(ctx):
    return ctx.client("sso-admin")


def instance(ctx):
    return sso(ctx).list_instances()["Instances"][0]


def sets_by_name(ctx):
    arn = instance(ctx)["InstanceArn"]
    out = {}
    for ps in sso(ctx).list_permission_sets(InstanceArn=arn)["PermissionSets"]:
        out[sso(ctx).describe_permission_set(InstanceArn=arn, PermissionSetArn=ps)["PermissionSet"]["Name"]] = ps
    return out


def group_names(ctx):
    store = instance(ctx)["IdentityStoreId"]
    return {g["GroupId"]: g["DisplayName"] for g in ctx.client("identitystore").list_groups(IdentityStoreId=store)["Groups"]}


def assignments_in(ctx, account_id):
    arn, groups = instance(ctx)["InstanceArn"], group_names(ctx)
    out = set()
    for name, ps in sets_by_name(ctx).items():
        for a in sso(ctx).list_account_assignments(InstanceArn=arn, AccountId=account_id, PermissionSetArn=ps)["AccountAssignments"]:
            out.add((groups.get(a["PrincipalId"], a["PrincipalId"]), name))
    return out


def outdated(ctx, name):
    arn = instance(ctx)["InstanceArn"]
    return sso(ctx).list_accounts_for_provisioned_permission_set(
        InstanceArn=arn, PermissionSetArn=sets_by_name(ctx)[name],
        ProvisioningStatus="LATEST_PERMISSION_SET_NOT_PROVISIONED")["AccountIds"]


# --------------------------------------------------------------------------- create, converge
def test_first_run_creates_everything_and_second_run_plans_and_mutates_nothing(ctx, foundation_config, org):
    first = identity.plan(ctx, foundation_config)
    assert {c.kind for c in first.pending} == {"group", "permission_set", "account_assignment"}
    assert all(c.action == "create" for c in first.pending)
    apply_identity(ctx, foundation_config, ids_of(first))
    result = identity.verify(ctx, foundation_config)
    assert set(result["permission_sets"]) == {"ReadOnly", "DeveloperAccess", "AdminAccess"}

    ctx.calls.clear()
    assert identity.plan(ctx, foundation_config).is_empty()
    apply_identity(ctx, foundation_config, approved=set())
    assert ctx.mutating_calls() == []
    assert {c.operation for c in ctx.calls} >= {"ListInstances", "ListAccountAssignments", "GetGroupId"}


def test_permission_sets_groups_and_assignments_match_the_config(ctx, foundation_config, built):
    arn = instance(ctx)["InstanceArn"]
    for spec in foundation_config.identity.permission_sets:
        ps = sets_by_name(ctx)[spec.name]
        described = sso(ctx).describe_permission_set(InstanceArn=arn, PermissionSetArn=ps)["PermissionSet"]
        assert described["SessionDuration"] == spec.session_duration
        attached = sso(ctx).list_managed_policies_in_permission_set(InstanceArn=arn, PermissionSetArn=ps)
        assert [p["Arn"] for p in attached["AttachedManagedPolicies"]] == spec.managed_policies
        tags = sso(ctx).list_tags_for_resource(InstanceArn=arn, ResourceArn=ps)["Tags"]
        assert {"Key": "managed-by", "Value": "groundwork"} in tags
    assert {spec.session_duration for spec in foundation_config.identity.permission_sets} == {"PT4H", "PT1H"}
    assert set(group_names(ctx).values()) == {"Developers", "Platform", "Auditors", "BreakGlass"}
    assert assignments_in(ctx, built["Log Archive"]) == {("BreakGlass", "AdminAccess")}
    assert assignments_in(ctx, built["Production"]) == {("Developers", "ReadOnly"), ("Auditors", "ReadOnly")}
    assert assignments_in(ctx, built["Development"]) == {("Developers", "DeveloperAccess"), ("Auditors", "ReadOnly")}
    # by OU: Platform is admin in every account of the Shared Services OU
    assert assignments_in(ctx, built["Network"]) == {("Platform", "AdminAccess")}
    assert assignments_in(ctx, built["Shared Services"]) == {("Platform", "AdminAccess")}


def test_approval_covers_admin_grants_and_production_only(ctx, foundation_config, org):
    plan = identity.plan(ctx, foundation_config)
    listed = {c.key: identity.approval_reason(c) for c in identity.approval_changes(plan)}
    assert listed == {
        "Log Archive/BreakGlass/AdminAccess": "grants AdminAccess",
        "Network/Platform/AdminAccess": "grants AdminAccess",
        "Shared Services/Platform/AdminAccess": "grants AdminAccess",
        "Production/Developers/ReadOnly": "production account",
        "Production/Auditors/ReadOnly": "production account",
    }
    body = identity.approval_markdown(plan)
    assert all(key in body for key in listed)
    assert "Staging" not in body and "13 other change(s)" in body
    assert identity.needs_approval(plan)


def test_a_non_production_non_admin_change_needs_no_approval(ctx, foundation_config, built):
    changed = with_identity(foundation_config, assignments=[
        *foundation_config.identity.assignments,
        Assignment(group="Auditors", permission_set="ReadOnly", accounts=["Sandbox"])])
    plan = identity.plan(ctx, changed)
    assert [(c.action, c.key) for c in plan.pending] == [("create", "Sandbox/Auditors/ReadOnly")]
    assert not identity.needs_approval(plan)


def test_a_changed_group_description_is_planned_and_applied(ctx, foundation_config, built):
    groups = [g.model_copy(update={"description": "Runs the platform (on call)"}) if g.name == "Platform" else g
              for g in foundation_config.identity.groups]
    changed = with_identity(foundation_config, groups=groups)
    plan = identity.plan(ctx, changed)
    assert [(c.action, c.kind, c.key) for c in plan.pending] == [("update", "group", "Platform")]
    assert plan.pending[0].after["description"] == "Runs the platform (on call)"
    identity.apply_directory(ctx, changed, ids_of(plan))
    store = ctx.client("identitystore")
    store_id = identity.instance(ctx).identity_store_id
    group_id = next(g["GroupId"] for g in store.list_groups(IdentityStoreId=store_id)["Groups"]
                    if g["DisplayName"] == "Platform")
    assert store.describe_group(IdentityStoreId=store_id, GroupId=group_id)["Description"] == "Runs the platform (on call)"
    assert identity.plan(ctx, changed).is_empty()


# --------------------------------------------------------------------------- changes re-provision
def test_a_changed_session_duration_updates_and_reprovisions(ctx, foundation_config, built):
    changed = with_permission_set(foundation_config, "ReadOnly", session_duration="PT2H")
    plan = identity.plan(ctx, changed)
    (change,) = plan.pending
    assert (change.action, change.kind, change.key) == ("update", "permission_set", "ReadOnly")
    assert change.before["session_duration"] == "PT4H" and change.after["session_duration"] == "PT2H"
    assert change.production and "re-provisioned to" in change.note and "Production" in change.note
    assert identity.needs_approval(plan)  # ReadOnly reaches Production
    ctx.calls.clear()
    apply_identity(ctx, changed, ids_of(plan))
    assert {c.operation for c in ctx.mutating_calls()} == {"UpdatePermissionSet", "ProvisionPermissionSet"}
    arn = instance(ctx)["InstanceArn"]
    described = sso(ctx).describe_permission_set(InstanceArn=arn, PermissionSetArn=sets_by_name(ctx)["ReadOnly"])
    assert described["PermissionSet"]["SessionDuration"] == "PT2H"
    assert outdated(ctx, "ReadOnly") == []
    assert identity.plan(ctx, changed).is_empty()


def test_policy_changes_update_and_reprovision(ctx, foundation_config, built):
    inline = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]}
    changed = with_permission_set(
        foundation_config, "DeveloperAccess",
        managed_policies=["arn:aws:iam::aws:policy/PowerUserAccess", "arn:aws:iam::aws:policy/IAMReadOnlyAccess"],
        customer_managed_policies=[CustomerManagedPolicyRef(name="team-boundary", path="/groundwork/")],
        inline_policy=inline)
    plan = identity.plan(ctx, changed)
    (change,) = plan.pending
    assert change.action == "update" and not change.production  # DeveloperAccess reaches no production account
    assert change.after["customer_managed_policies"] == ["/groundwork/team-boundary"]
    apply_identity(ctx, changed, ids_of(plan))
    assert outdated(ctx, "DeveloperAccess") == []
    assert identity.plan(ctx, changed).is_empty()
    # and back: detached, deleted, re-provisioned
    plan = identity.plan(ctx, foundation_config)
    assert [c.key for c in plan.pending] == ["DeveloperAccess"]
    apply_identity(ctx, foundation_config, ids_of(plan))
    assert identity.plan(ctx, foundation_config).is_empty()


def test_an_update_interrupted_before_reprovisioning_is_finished_by_the_same_approved_change(ctx, foundation_config, built):
    changed = with_permission_set(foundation_config, "ReadOnly", session_duration="PT2H")
    approved = ids_of(identity.plan(ctx, changed))
    arn = instance(ctx)["InstanceArn"]
    sso(ctx).update_permission_set(InstanceArn=arn, PermissionSetArn=sets_by_name(ctx)["ReadOnly"], SessionDuration="PT2H")
    assert outdated(ctx, "ReadOnly")  # the worker died here
    again = identity.plan(ctx, changed)
    assert ids_of(again) == approved
    assert next(iter(again.pending)).before["provisioning"].startswith("outdated in")
    apply_identity(ctx, changed, approved)
    assert outdated(ctx, "ReadOnly") == []


# --------------------------------------------------------------------------- removals
def test_a_removed_assignment_is_planned_as_delete_and_removed(ctx, foundation_config, built):
    trimmed = with_identity(foundation_config, assignments=[
        a for a in foundation_config.identity.assignments if a.group != "Auditors"])
    plan = identity.plan(ctx, trimmed)
    deletes = {c.key for c in plan.pending if c.action == "delete"}
    assert deletes == {f"{n}/Auditors/ReadOnly" for n in ("Audit", "Production", "Staging", "Development")}
    assert len(plan.pending) == 4
    assert identity.approval_changes(plan)[0].key == "Production/Auditors/ReadOnly"
    apply_identity(ctx, trimmed, ids_of(plan))
    assert assignments_in(ctx, built["Production"]) == {("Developers", "ReadOnly")}
    assert assignments_in(ctx, built["Audit"]) == set()
    assert identity.plan(ctx, trimmed).is_empty()


def test_a_context_kept_across_runs_sees_a_group_added_after_it_read_the_directory(ctx, foundation_config, built):
    """apply_account remembers the directory for its batch; the directory step forgets it, so a context
    used for two runs (the CLI, these tests) assigns a group the second run created."""
    identity.apply_account(ctx, foundation_config, "Development", approved=set())  # converged: nothing to do
    assert (identity.DIRECTORY,) in ctx.memo  # ... and remembered the directory
    grown = with_identity(foundation_config,
                          groups=[*foundation_config.identity.groups, Group(name="NetworkAdmins", description="Network team")],
                          assignments=[*foundation_config.identity.assignments,
                                       Assignment(group="NetworkAdmins", permission_set="ReadOnly", accounts=["Development"])])
    apply_identity(ctx, grown, ids_of(identity.plan(ctx, grown)))
    assert ("NetworkAdmins", "ReadOnly") in assignments_in(ctx, built["Development"])
    assert identity.plan(ctx, grown).is_empty()


def test_a_removed_permission_set_is_planned_as_delete_and_removed_after_its_assignments(ctx, foundation_config, built):
    trimmed = with_identity(
        foundation_config,
        permission_sets=[p for p in foundation_config.identity.permission_sets if p.name != "DeveloperAccess"],
        assignments=[a for a in foundation_config.identity.assignments if a.permission_set != "DeveloperAccess"])
    plan = identity.plan(ctx, trimmed)
    assert {(c.action, c.kind, c.key) for c in plan.pending} == {
        ("delete", "permission_set", "DeveloperAccess"),
        *{("delete", "account_assignment", f"{n}/Developers/DeveloperAccess") for n in ("Development", "Staging", "Sandbox")}}
    apply_identity(ctx, trimmed, ids_of(plan))
    assert "DeveloperAccess" not in sets_by_name(ctx)
    assert identity.plan(ctx, trimmed).is_empty()


def test_a_hand_made_user_assignment_on_a_managed_set_is_removed(ctx, foundation_config, built):
    arn = instance(ctx)["InstanceArn"]
    sso(ctx).create_account_assignment(InstanceArn=arn, TargetId=built["Production"], TargetType="AWS_ACCOUNT",
                                       PermissionSetArn=sets_by_name(ctx)["AdminAccess"], PrincipalType="USER",
                                       PrincipalId="user-1")
    plan = identity.plan(ctx, foundation_config)
    (change,) = plan.pending
    assert (change.action, change.key, change.production) == ("delete", "Production/user:user-1/AdminAccess", True)
    apply_identity(ctx, foundation_config, ids_of(plan))
    assert identity.plan(ctx, foundation_config).is_empty()


def test_sets_groundwork_did_not_create_are_left_alone(ctx, foundation_config, built):
    arn = instance(ctx)["InstanceArn"]
    sso(ctx).create_permission_set(InstanceArn=arn, Name="SomeoneElses", SessionDuration="PT1H")
    assert identity.plan(ctx, foundation_config).is_empty()


def test_apply_refuses_changes_missing_from_the_approved_plan(ctx, foundation_config, org):
    ctx.calls.clear()
    with pytest.raises(StalePlan):
        identity.apply_directory(ctx, foundation_config, approved=set())
    assert ctx.mutating_calls() == []


# --------------------------------------------------------------------------- deferred wait
def test_assignment_creation_is_waited_for_by_request_id(ctx, foundation_config, org, monkeypatch):
    monkeypatch.setitem(sso_admin_provisioning.SETTINGS, "assignment_seconds", 60)
    approved = ids_of(identity.plan(ctx, foundation_config))
    identity.apply_directory(ctx, foundation_config, approved)
    progress = identity.apply_account(ctx, foundation_config, "Production", approved)
    assert {r["key"] for r in progress["requests"]} == {"Production/Developers/ReadOnly", "Production/Auditors/ReadOnly"}
    done, result = identity.assignments_settled(ctx, progress["instance_arn"], progress["requests"])
    assert not done and {v["status"] for v in result["requests"].values()} == {"IN_PROGRESS"}
    # a rerun while they are under way starts nothing new (the same requests answer)
    again = identity.apply_account(ctx, foundation_config, "Production", approved)
    assert {r["request_id"] for r in again["requests"]} == {r["request_id"] for r in progress["requests"]}
    monkeypatch.setitem(sso_admin_provisioning.SETTINGS, "assignment_seconds", 0)
    for assignment in ssoadmin_backends[ACCOUNT]["us-east-1"].account_assignments:
        assignment.gw_ready_at = 0
    done, result = identity.assignments_settled(ctx, progress["instance_arn"], progress["requests"])
    assert done
    identity.check_settled(result)


def test_a_failed_assignment_request_fails_the_step():
    with pytest.raises(Exception, match="did not succeed"):
        identity.check_settled({"requests": {"Production/Developers/ReadOnly": {"status": "FAILED", "reason": "x"}}})


# --------------------------------------------------------------------------- preconditions
def test_no_identity_center_instance_fails_first_with_the_console_step(ctx, foundation_config, org):
    sso(ctx).list_instances()  # moto makes its default instance on first use; take it away
    ssoadmin_backends[ACCOUNT]["us-east-1"].instances.clear()
    ctx.calls.clear()
    with pytest.raises(IdentityCenterNotEnabled) as info:
        identity.plan(ctx, foundation_config)
    message = str(info.value)
    assert "not enabled" in message and "one-time" in message and "console" in message
    assert "never creates IAM users" in message
    assert [c.operation for c in ctx.calls] == ["ListInstances"]


def test_external_idp_groups_are_looked_up_not_created(ctx, foundation_config, org):
    okta = with_identity(foundation_config, identity_source="okta")
    store = instance(ctx)["IdentityStoreId"]
    for group in ["Developers", "Platform", "Auditors"]:  # SCIM pushed all but BreakGlass
        ctx.client("identitystore").create_group(IdentityStoreId=store, DisplayName=group)
    ctx.calls.clear()
    with pytest.raises(MissingGroups, match=r"\['BreakGlass'\] are not in .* Okta provisions groups over SCIM"):
        identity.plan(ctx, okta)
    assert ctx.mutating_calls() == []
    ctx.client("identitystore").create_group(IdentityStoreId=store, DisplayName="BreakGlass")
    plan = identity.plan(ctx, okta)
    assert not [c for c in plan.pending if c.kind == "group"]
    ctx.calls.clear()
    apply_identity(ctx, okta, ids_of(plan))
    assert "CreateGroup" not in {c.operation for c in ctx.calls}
    assert identity.plan(ctx, okta).is_empty()


def test_verify_after_a_plan_with_no_change_reads_the_directory_not_every_account(ctx, foundation_config, built):
    ctx.calls.clear()
    found = identity.verify(ctx, foundation_config, plan_was_empty=True)
    assert found["permission_sets"] == identity.verify(ctx, foundation_config)["permission_sets"]
    ctx.calls.clear()
    identity.verify(ctx, foundation_config, plan_was_empty=True)
    assert not any(c.operation == "ListAccountAssignments" for c in ctx.calls)


def test_the_plan_reads_assignments_only_where_a_set_is_provisioned(ctx, foundation_config, built):
    """An assignment provisions its set to its account: a set provisioned nowhere near an account has
    no assignment there, so the plan does not ask. A set provisioned to an account with no assignment
    (provisioned by hand) is still read there."""
    arn, sets = instance(ctx)["InstanceArn"], sets_by_name(ctx)
    provisioned = {(a, name) for name, ps in sets.items()
                   for a in sso(ctx).list_accounts_for_provisioned_permission_set(
                       InstanceArn=arn, PermissionSetArn=ps)["AccountIds"]}
    configured = set(built.values())
    assert len(provisioned) < len(sets) * len(configured)
    ctx.calls.clear()
    assert identity.plan(ctx, foundation_config).is_empty()
    reads = [c for c in ctx.calls if c.operation == "ListAccountAssignments"]
    assert len(reads) == len({(a, n) for a, n in provisioned if a in configured})

    bare = sorted(configured - {a for a, n in provisioned if n == "AdminAccess"})[0]
    sso(ctx).provision_permission_set(InstanceArn=arn, PermissionSetArn=sets["AdminAccess"],
                                      TargetType="AWS_ACCOUNT", TargetId=bare)
    ctx.calls.clear()
    assert identity.plan(ctx, foundation_config).is_empty()
    assert len([c for c in ctx.calls if c.operation == "ListAccountAssignments"]) == len(reads) + 1
    user = sso(ctx).create_account_assignment(InstanceArn=arn, TargetId=bare, TargetType="AWS_ACCOUNT",
                                              PermissionSetArn=sets["AdminAccess"], PrincipalType="USER",
                                              PrincipalId="user-2")
    assert user["AccountAssignmentCreationStatus"]["Status"] in {"SUCCEEDED", "IN_PROGRESS"}
    ctx.calls.clear()
    deletes = [c for c in identity.plan(ctx, foundation_config).pending if c.action == "delete"]
    assert [c.key.split("/")[1:] for c in deletes] == [["user:user-2", "AdminAccess"]]
    assert len([c for c in ctx.calls if c.operation == "ListAccountAssignments"]) == len(reads) + 1
