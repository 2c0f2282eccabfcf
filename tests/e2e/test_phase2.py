"""Phase 2 through a real Airflow on the stand-in, over the REST API: after phase 1, trigger,
approve the AdminAccess grants and production changes as the approver (the body lists exactly
those), check Identity Center account by account, then rerun and see nothing asked and nothing
changed."""

from __future__ import annotations

import time

import pytest

from groundwork.reconcile.identity_assignments import desired_assignments
from groundwork.reconcile.identity_permission_sets import is_admin
from tests.e2e.conftest import converged_rerun, main_config, trigger_until_approval

DAG = "phase2_identity"
CONFIG = main_config()
pytestmark = pytest.mark.e2e


def _needs_approval(wanted) -> bool:
    admin = {p.name for p in CONFIG.identity.permission_sets if is_admin(p)}
    return CONFIG.account(wanted.account).is_production or wanted.permission_set in admin


@pytest.fixture(scope="module")
def first_run(stack, ensure_phase):
    ensure_phase("phase1_foundation")
    started = time.monotonic()
    return trigger_until_approval(stack, DAG), started


def test_the_approval_lists_exactly_the_admin_grants_and_production_changes(stack, first_run):
    run_id, _ = first_run
    pending = stack.client("approver").pending_approvals(DAG, run_id)
    assert len(pending) == 1
    body = pending[0]["body"]
    rows = [line for line in body.splitlines() if line.startswith("| + create | account_assignment |")]
    listed = {line.split(" | ")[2] for line in rows}
    assert listed == {w.key for w in desired_assignments(CONFIG) if _needs_approval(w)}
    assert "Log Archive/BreakGlass/AdminAccess" in listed and "Production/Developers/ReadOnly" in listed
    assert not [line for line in body.splitlines() if line.startswith(("| + create | group", "| + create | permission_set"))]
    assert "need no approval and are not listed" in body


def test_the_approved_run_succeeds_and_identity_center_matches_the_config(stack, first_run, completed_phases):
    run_id, started = first_run
    admin, approver = stack.client("admin"), stack.client("approver")
    approver.answer(DAG, run_id, "approve", "Approve")
    assert admin.wait_for_run(DAG, run_id, timeout=600) == "success", admin.task_states(DAG, run_id)
    print(f"\nphase2 first run, trigger to success: {time.monotonic() - started:.1f}s")

    sso, store = stack.aws("sso-admin"), stack.aws("identitystore")
    instance = sso.list_instances()["Instances"][0]
    arn, store_id = instance["InstanceArn"], instance["IdentityStoreId"]
    sets = {}
    for ps in sso.list_permission_sets(InstanceArn=arn)["PermissionSets"]:
        described = sso.describe_permission_set(InstanceArn=arn, PermissionSetArn=ps)["PermissionSet"]
        sets[described["Name"]] = (ps, described["SessionDuration"])
    assert set(sets) == {p.name for p in CONFIG.identity.permission_sets}
    for spec in CONFIG.identity.permission_sets:
        ps, duration = sets[spec.name]
        assert duration == spec.session_duration
        attached = sso.list_managed_policies_in_permission_set(InstanceArn=arn, PermissionSetArn=ps)["AttachedManagedPolicies"]
        assert sorted(p["Arn"] for p in attached) == sorted(spec.managed_policies)
    assert {p.name: p.session_duration for p in CONFIG.identity.permission_sets}["AdminAccess"] == "PT1H"
    groups = {g["GroupId"]: g["DisplayName"] for g in store.list_groups(IdentityStoreId=store_id)["Groups"]}
    assert sorted(groups.values()) == sorted(g.name for g in CONFIG.identity.groups)

    ids = {a["Name"]: a["Id"] for a in stack.aws("organizations").list_accounts()["Accounts"]}
    wanted = desired_assignments(CONFIG)
    for account in CONFIG.organization.accounts:
        found = set()
        for name, (ps, _) in sets.items():
            for a in sso.list_account_assignments(InstanceArn=arn, AccountId=ids[account.name],
                                                  PermissionSetArn=ps)["AccountAssignments"]:
                found.add((groups.get(a["PrincipalId"], a["PrincipalId"]), name))
        assert found == {(w.group, w.permission_set) for w in wanted if w.account == account.name}, account.name
        if account.kind == "log_archive":
            assert {g for g, _ in found} == {CONFIG.identity.break_glass_group}
    # the stand-in keeps assignment creation IN_PROGRESS for 2 s, as AWS does for seconds: the worker
    # checks again within its grace period instead of deferring (phase 1's account creation defers)
    log = admin.task_log(DAG, run_id, "ensure_assignments", map_index=0)
    assert "waiting for" in log and "assignment requests settled" in log and "(deferred" not in log
    assert admin.xcom(DAG, run_id, "publish")["phase"] == DAG
    completed_phases[DAG] = run_id


def test_a_second_run_asks_nothing_and_makes_no_mutating_call(stack, first_run):
    assert stack.client("admin").run(DAG, first_run[0])["state"] == "success"
    _, calls = converged_rerun(stack, DAG)
    assert [c for c in calls if c.mutating] == []
    assert any(c.operation == "ListAccountAssignments" for c in calls)
