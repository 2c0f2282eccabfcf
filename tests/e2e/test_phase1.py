"""Phase 1 through a real Airflow on the stand-in, over the REST API, as an operator would:
trigger, read the plan in the approval, approve as the approver (a non-approver is refused),
check AWS against the config, then rerun and see nothing change."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import converged_rerun, main_config, trigger_until_approval

DAG = "phase1_foundation"
CONFIG = main_config()
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


def test_the_cost_guardrails_are_applied(stack, first_run):
    """The approval showed the budget and the cost estimate; AWS has the budget with its spend-stop
    action, every account its cost-attribution tags, the root the tag policy; preflight passed."""
    admin = stack.client("admin")
    assert admin.task_states(DAG, first_run)["preflight"] == "success"
    body = admin.xcom(DAG, first_run, "plan", key="markdown")
    assert "groundwork-sandbox" in body and "Estimated monthly cost change" in body
    orgs = stack.aws("organizations")
    management = orgs.describe_organization()["Organization"]["MasterAccountId"]
    ids = {a["Name"]: a["Id"] for a in orgs.list_accounts()["Accounts"]}
    budgets = stack.aws("budgets")
    budget = budgets.describe_budget(AccountId=management, BudgetName="groundwork-sandbox")["Budget"]
    assert float(budget["BudgetLimit"]["Amount"]) == CONFIG.account("Sandbox").spend_limit_usd
    assert budget["CostFilters"] == {"LinkedAccount": [ids["Sandbox"]]}
    (action,) = budgets.describe_budget_actions_for_budget(AccountId=management,
                                                           BudgetName="groundwork-sandbox")["Actions"]
    policy = orgs.describe_policy(PolicyId=action["Definition"]["ScpActionDefinition"]["PolicyId"])["Policy"]
    assert policy["PolicySummary"]["Name"] == "groundwork-spend-stop"
    for account in CONFIG.organization.accounts:
        tags = {t["Key"]: t["Value"] for t in orgs.list_tags_for_resource(ResourceId=ids[account.name])["Tags"]}
        assert tags["cost-center"] == account.tags["cost-center"], account.name
    root = orgs.list_roots()["Roots"][0]["Id"]
    assert [p["Name"] for p in orgs.list_policies_for_target(TargetId=root, Filter="TAG_POLICY")["Policies"]] == [
        "groundwork-cost-tags"]


def test_a_second_run_asks_nothing_and_makes_no_mutating_call(stack, first_run):
    assert stack.client("admin").run(DAG, first_run)["state"] == "success"
    _, calls = converged_rerun(stack, DAG)
    assert [c for c in calls if c.mutating] == []
    assert any(c.operation == "ListAccountsForParent" for c in calls)
