"""The operator's day in a real browser (chromium through Playwright) against the real stack.

`approver` has SimpleAuthManager's role "user", which may trigger and clear DAG runs (write on
DAGs), so one browser, logged in as `approver`, does everything: trigger `phase1_foundation` from
the DAG page's trigger form, open the approval from Browse -> Required Actions, read the plan in
it, Approve, and watch the run succeed; then, with one account's CreateAccount failing in AWS,
clear the failed mapped task from its page (Clear -> downstream + only failed) and watch the run
converge. REST (as admin) only waits and checks; every operator action is a click.

Each test starts from an empty AWS (the session shares the stand-in). Screenshots of every step:
test-artifacts/ui/. The only skip: Debian's chromium is not installed (scripts/setup.sh installs
it when it runs as root)."""

from __future__ import annotations

import re
import time

import pytest

from groundwork.config.loader import load_config
from groundwork_standin.faults import FaultClient
from tests.e2e.ui_helpers import AirflowUI, Screens, chromium_missing_reason, open_browser

DAG = "phase1_foundation"
CONFIG = load_config()
ACCOUNTS = [a.name for a in CONFIG.organization.accounts]
pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(chromium_missing_reason() is not None, reason=str(chromium_missing_reason()))]


@pytest.fixture(scope="module")
def screens():
    return Screens()


@pytest.fixture(scope="module")
def ui(stack, screens):
    """One browser logged in as the approver (a fresh profile)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = open_browser(playwright)
        page = context.new_page()
        airflow = AirflowUI(page, stack.airflow_url)
        started = time.monotonic()
        page.goto(stack.airflow_url)
        screens.shot(page, "login_form")
        airflow.login("approver", stack.passwords["approver"])
        screens.shot(page, "logged_in_as_approver")
        print(f"\nlogin: {time.monotonic() - started:.1f}s")
        yield airflow
        context.close()


@pytest.fixture
def empty_aws(stack, completed_phases):
    """Empty AWS, no fault rules, and no unfinished phase 1 run left over (one active run at a time)."""
    admin = stack.client("admin")
    for run in admin.runs(DAG):
        if run["state"] not in ("success", "failed"):
            admin.request("PATCH", f"/dags/{DAG}/dagRuns/{admin._run(run['dag_run_id'])}", json={"state": "failed"})
    stack.reset_aws()
    completed_phases.clear()
    faults = FaultClient(stack.standin_url)
    faults.clear()
    yield faults
    faults.clear()


def trigger_from_ui(ui: AirflowUI, screens: Screens, label: str) -> str:
    run_id = f"ui_{label}_{time.strftime('%Y%m%dT%H%M%S')}"
    dialog = ui.open_trigger_form(DAG)
    ui.fill_trigger_form(dialog, DAG, run_id)
    screens.shot(ui.page, f"{label}_trigger_form")
    ui.submit_trigger_form(dialog, DAG, run_id)
    return run_id


def approve_from_ui(ui: AirflowUI, screens: Screens, stack, run_id: str, label: str) -> None:
    """Required Actions -> the run's approval: the plan is in its body; Approve as soon as the UI offers it."""
    from playwright.sync_api import expect

    admin = stack.client("admin")
    admin.wait_for_approval(DAG, run_id, "approve", timeout=300)
    # the UI offers Approve / Reject once the approval waits deferred (about 15 s after it asks)
    admin.wait_for_task_state(DAG, run_id, "approve", {"deferred"}, timeout=120)
    page = ui.page
    ui.open_required_action(DAG, run_id)
    expect(page.get_by_text(re.compile(r"\b\d+ to create, \d+ to update, \d+ to delete")).first).to_be_visible()
    for resource in ("groundwork-region-guardrail", ACCOUNTS[0], "Sandbox"):
        expect(page.get_by_role("cell", name=resource, exact=True).first).to_be_visible()
    expect(page.get_by_role("cell", name="Production (production)", exact=True)).to_be_visible()
    screens.shot(page, f"{label}_approval_shows_the_plan")

    approve = page.get_by_role("button", name="Approve", exact=True)
    approve.scroll_into_view_if_needed()
    screens.shot(page, f"{label}_before_approve")
    approve.click()
    expect(page.get_by_text(re.compile("response successful", re.I)).first).to_be_visible()
    screens.shot(page, f"{label}_approved")
    state = admin.wait_for_task_state(DAG, run_id, "approve", {"success", "failed"}, timeout=120)
    assert state == "success", admin.task_states(DAG, run_id)
    detail = admin.request("GET", f"/dags/{DAG}/dagRuns/{admin._run(run_id)}/hitlDetails").json()["hitl_details"]
    assert [(d["chosen_options"], d["responded_by_user"]["name"]) for d in detail] == [(["Approve"], "approver")]


def test_the_approver_triggers_reads_the_plan_approves_and_sees_success(stack, ui, screens, empty_aws,
                                                                        completed_phases):
    from playwright.sync_api import expect

    admin = stack.client("admin")
    admin.wait_for_dag(DAG)
    started = time.monotonic()
    run_id = trigger_from_ui(ui, screens, "rollout")
    screens.shot(ui.page, "rollout_run_started")
    run = admin.run(DAG, run_id)
    assert run["run_type"] == "manual" and run["triggering_user_name"] == "approver"
    assert admin.wait_for_dag(DAG)["is_paused"] is False  # the form's "unpause on trigger"

    approve_from_ui(ui, screens, stack, run_id, "rollout")
    approved = time.monotonic()

    ui.wait_for_run_state(DAG, run_id, "Success", timeout_s=600)
    expect(ui.page.get_by_text("approver", exact=True).first).to_be_visible()  # triggering user
    screens.shot(ui.page, "rollout_run_success")
    print(f"\nUI rollout: trigger->approved {approved - started:.1f}s, approved->success in UI "
          f"{time.monotonic() - approved:.1f}s")
    states = admin.task_states(DAG, run_id)
    assert states.pop("approve_close_accounts") == "skipped", states  # nothing to close: not asked
    assert all(s == "success" for s in states.values()), states
    emails = [a["Email"] for a in stack.aws("organizations").list_accounts()["Accounts"]]
    assert all(emails.count(a.email) == 1 for a in CONFIG.organization.accounts), emails
    completed_phases[DAG] = run_id


def test_a_failed_account_task_is_cleared_from_the_ui_and_the_run_succeeds(stack, ui, screens, empty_aws,
                                                                           completed_phases):
    from playwright.sync_api import expect

    faults, admin, page = empty_aws, stack.client("admin"), ui.page
    target = ACCOUNTS[3]
    index = ACCOUNTS.index(target)
    faults.add(service="organizations", operation="CreateAccount", match=target,
               error_code="AccessDeniedException", count=None)  # every try of that one mapped task fails
    run_id = trigger_from_ui(ui, screens, "fault")
    approve_from_ui(ui, screens, stack, run_id, "fault")

    assert admin.wait_for_run(DAG, run_id, timeout=600) == "failed", admin.task_states(DAG, run_id)
    states = admin.task_states(DAG, run_id)
    assert sorted(k for k, v in states.items() if v == "failed") == [f"ensure_account[{index}]"], states
    ui.wait_for_run_state(DAG, run_id, "Failed", timeout_s=60)
    screens.shot(page, "fault_run_failed")

    # the failed task instance, as the operator finds it: its page shows Failed and the AWS error
    ui.goto(ui.run_path(DAG, run_id) + f"/tasks/ensure_account/mapped/{index}")
    expect(page.get_by_text(f"ensure_account [{index}]", exact=True).first).to_be_visible()
    expect(page.get_by_text("AccessDeniedException").first).to_be_visible()
    screens.shot(page, "fault_failed_task_instance")
    tries_before = {(t["task_id"], t["map_index"]): t["try_number"] for t in admin.task_instances(DAG, run_id)}

    faults.clear()  # AWS answers again; now the operator clears the failed task
    page.get_by_role("button", name=re.compile("to clear")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Clear Task Instance: ensure_account")).to_be_visible()
    downstream = dialog.get_by_role("button", name="Downstream", exact=True)
    only_failed = dialog.get_by_role("button", name="Clear only failed tasks", exact=True)
    only_failed.click()
    # Downstream is pre-selected in 3.3.2; a selected toggle carries the same style as it
    expect(only_failed).to_have_class(downstream.get_attribute("class"))
    affected = dialog.get_by_role("row").filter(has=page.get_by_role("cell", name="ensure_account", exact=True))
    expect(affected).to_have_count(1)  # only this map index, not the accounts that succeeded
    expect(affected.get_by_role("cell", name="Failed", exact=True)).to_be_visible()
    expect(affected.get_by_role("cell", name=str(index), exact=True)).to_be_visible()
    # it, apply_policies, apply_budgets, the closure's plan, branch, approval and step, verify, publish
    expect(dialog.get_by_text("Affected Tasks: 9")).to_be_visible()
    screens.shot(page, "fault_clear_dialog")
    cleared_at = time.monotonic()
    dialog.get_by_role("button", name="Confirm").click()
    expect(dialog).to_be_hidden()

    deadline = time.monotonic() + 120
    while admin.run(DAG, run_id)["state"] == "failed":  # the clear resets the run to queued
        assert time.monotonic() < deadline, admin.task_states(DAG, run_id)
        time.sleep(1)
    assert admin.wait_for_run(DAG, run_id, timeout=600) == "success", admin.task_states(DAG, run_id)
    ui.wait_for_run_state(DAG, run_id, "Success", timeout_s=60)
    screens.shot(page, "fault_cleared_run_success")
    print(f"\nUI clear -> run success: {time.monotonic() - cleared_at:.1f}s")
    ui.goto(ui.run_path(DAG, run_id) + f"/tasks/ensure_account/mapped/{index}")
    new_try = tries_before[("ensure_account", index)] + 1
    expect(page.get_by_role("button", name=str(new_try), exact=True)).to_be_visible()  # Task Tries: one more
    expect(page.get_by_text(re.compile(rf"account {re.escape(target)} \(\d{{12}}\) ready")).first).to_be_visible()
    screens.shot(page, "fault_cleared_task_succeeded")

    tries = {(t["task_id"], t["map_index"]): t["try_number"] for t in admin.task_instances(DAG, run_id)}
    rerun = sorted(key for key in tries if tries[key] != tries_before[key])
    # exactly the failed task and its downstream ran again; the approval was not asked again (the
    # closure approval, skipped by its branch again, may or may not count a try)
    ran_again = {("apply_policies", -1), ("apply_budgets", -1), ("ensure_account", index), ("plan_close_accounts", -1),
                 ("needs_close_accounts_approval", -1), ("close_accounts", -1), ("verify", -1), ("publish", -1)}
    assert ran_again <= set(rerun) <= ran_again | {("approve_close_accounts", -1)}, tries
    orgs = stack.aws("organizations")
    emails = [a["Email"] for a in orgs.list_accounts()["Accounts"]]
    requests = [r["AccountName"] for r in orgs.list_create_account_status()["CreateAccountStatuses"]]
    for account in CONFIG.organization.accounts:
        assert emails.count(account.email) == 1 and requests.count(account.name) == 1, account.name
    completed_phases[DAG] = run_id
