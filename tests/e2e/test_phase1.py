"""Phase 1 through a real Airflow on the stand-in, over the REST API, as an operator would:
trigger, read the plan in the approval, approve as the approver (a non-approver is refused),
check AWS against the config, then rerun and see nothing change."""

from __future__ import annotations

import pytest

from groundwork.config.loader import load_config
from tests.e2e.conftest import converged_rerun, trigger_until_approval

DAG = "phase1_foundation"
CONFIG = load_config()
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def first_run(stack):
    return trigger_until_approval(stack, DAG)


def test_the_approval_shows_the_plan_to_its_approver(stack, first_run):
    pending = stack.client("approver").pending_approvals(DAG, first_run)
    assert len(pending) == 1
    body = pending[0]["body"]
    assert "to create" in body and "Production **(production)**" in body
    assert "groundwork-region-guardrail" in body
    assert [u["id"] for u in pending[0]["assigned_users"]] == list(CONFIG.approvals.approvers)


def test_a_user_who_is_not_an_approver_is_refused(stack, first_run):
    response = stack.client("viewer").answer(DAG, first_run, "approve", "Approve", expect=(401, 403))
    assert response.status_code == 403


def test_the_approved_run_succeeds_and_aws_matches_the_config(stack, first_run, completed_phases):
    admin, approver = stack.client("admin"), stack.client("approver")
    approver.answer(DAG, first_run, "approve", "Approve")
    assert admin.wait_for_run(DAG, first_run, timeout=600) == "success", admin.task_states(DAG, first_run)

    orgs = stack.aws("organizations")
    assert orgs.describe_organization()["Organization"]["FeatureSet"] == "ALL"
    root = orgs.list_roots()["Roots"][0]
    ous = {ou["Name"]: ou["Id"] for ou in orgs.list_organizational_units_for_parent(ParentId=root["Id"])["OrganizationalUnits"]}
    assert set(ous) == set(CONFIG.ou_paths())
    for account in CONFIG.organization.accounts:
        members = orgs.list_accounts_for_parent(ParentId=ous[account.ou])["Accounts"]
        assert [a["Email"] for a in members].count(account.email) == 1, account.name
    emails = [a["Email"] for a in orgs.list_accounts()["Accounts"]]
    assert len(emails) == len(set(emails)) == len(CONFIG.organization.accounts) + 1
    policies = {p["Name"]: p["Id"] for p in orgs.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]}
    for scp in CONFIG.organization.service_control_policies:
        targets = orgs.list_targets_for_policy(PolicyId=policies[scp.name])["Targets"]
        assert sorted(t["Name"] for t in targets) == sorted(scp.targets)

    # the stand-in keeps CreateAccount IN_PROGRESS for a while, as AWS does: the wait was deferred
    log = admin.task_log(DAG, first_run, "ensure_account", map_index=0)
    assert "waiting on create_account (deferred" in log

    published = admin.xcom(DAG, first_run, "publish")
    assert set(published["accounts"]) == {a.name for a in CONFIG.organization.accounts}
    completed_phases[DAG] = first_run


def test_a_second_run_asks_nothing_and_makes_no_mutating_call(stack, first_run):
    assert stack.client("admin").run(DAG, first_run)["state"] == "success"
    _, calls = converged_rerun(stack, DAG)
    assert [c for c in calls if c.mutating] == []
    assert any(c.operation == "ListAccountsForParent" for c in calls)
