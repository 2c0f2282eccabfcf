"""Failures in the middle of phase 1, on the real stack: ~30% of AWS calls fail and one account's
task fails every try, the failed tasks are cleared over the REST API; a task process is SIGKILLed
in the middle of CreateAccount. Either way the phase converges with exactly one account per config
entry and nothing duplicated.

Runs last in the session: it resets the stand-in to an empty AWS first."""

from __future__ import annotations

import os
import signal
import time

import pytest

from groundwork.config.loader import load_config
from tests.e2e.conftest import pause_phases_after
from groundwork_standin.faults import FaultClient

DAG = "phase1_foundation"
CONFIG = load_config()
pytestmark = pytest.mark.e2e


@pytest.fixture
def fresh_phase1(stack, completed_phases):
    """Empty AWS, a phase 1 run triggered and approved; yields (admin, run_id, faults)."""
    stack.reset_aws()
    completed_phases.clear()
    faults = FaultClient(stack.standin_url)
    faults.clear()
    admin, approver = stack.client("admin"), stack.client("approver")
    pause_phases_after(stack, DAG)
    admin.unpause(DAG)
    yield admin, approver, faults
    faults.clear()


def approve(admin, approver, run_id):
    admin.wait_for_approval(DAG, run_id, "approve")
    approver.answer(DAG, run_id, "approve", "Approve")


def assert_one_account_per_entry(stack):
    orgs = stack.aws("organizations")
    emails = [a["Email"] for a in orgs.list_accounts()["Accounts"]]
    requests = [r["AccountName"] for r in orgs.list_create_account_status()["CreateAccountStatuses"]]
    for account in CONFIG.organization.accounts:
        assert emails.count(account.email) == 1, account.name
        assert requests.count(account.name) == 1, f"CreateAccount issued {requests.count(account.name)}x for {account.name}"


def test_a_task_killed_during_create_account_converges_without_a_duplicate(stack, fresh_phase1):
    admin, approver, faults = fresh_phase1
    target = CONFIG.organization.accounts[2].name
    index = [a.name for a in CONFIG.organization.accounts].index(target)
    # moto applies CreateAccount, then the answer is held back: the task is stuck mid-call
    hold = faults.add(service="organizations", operation="CreateAccount", match=target, latency_ms=60_000,
                      after=True, count=1)
    run_id = admin.trigger(DAG)
    approve(admin, approver, run_id)
    deadline = time.monotonic() + 300
    while not any(r["id"] == hold["id"] and r["fired"] for r in faults.rules()):
        assert time.monotonic() < deadline, admin.task_states(DAG, run_id)
        time.sleep(0.5)
    ti = next(t for t in admin.task_instances(DAG, run_id)
              if t["task_id"] == "ensure_account" and t["map_index"] == index)
    assert ti["state"] == "running" and ti["pid"]
    os.kill(ti["pid"], signal.SIGKILL)

    state = admin.wait_for_run(DAG, run_id, timeout=600)
    if state == "failed":  # retries exhausted or not: clearing is the operator's move
        admin.clear(DAG, run_id, ["ensure_account"], only_failed=True)
        state = admin.wait_for_run(DAG, run_id, timeout=600)
    assert state == "success", admin.task_states(DAG, run_id)
    killed = next(t for t in admin.task_instances(DAG, run_id)
                  if t["task_id"] == "ensure_account" and t["map_index"] == index)
    assert killed["try_number"] >= 2  # the killed try did not finish; a later one did
    assert "terminated by signal" in admin.task_log(DAG, run_id, "ensure_account", try_number=1, map_index=index)
    assert_one_account_per_entry(stack)


def test_failed_tasks_under_30_percent_failed_calls_are_cleared_and_the_run_converges_once(stack, fresh_phase1):
    """A small version of bench/fault_soak.py, plus one account whose task fails every try: about 30%
    of every AWS call fails (throttled, 503, or applied with the answer lost), one account's
    CreateAccount is refused three times (all of its tries), so the run fails; the failed tasks are
    cleared over the REST API as an operator would, the approval is not asked again, the run
    succeeds, and every resource exists exactly once."""
    from groundwork_ops.census import census, duplicates

    admin, approver, faults = fresh_phase1
    target = CONFIG.organization.accounts[3].name
    index = [a.name for a in CONFIG.organization.accounts].index(target)
    faults.add(service="organizations", operation="CreateAccount", match=target,
               error_code="AccessDeniedException", count=3)  # before AWS acts: nothing made
    faults.fail_a_share(0.3)
    run_id, cleared = admin.trigger(DAG), []
    try:
        approve(admin, approver, run_id)
        while (state := admin.wait_for_run(DAG, run_id, timeout=900)) == "failed" and len(cleared) < 5:
            failed = sorted({t["task_id"] if t["map_index"] < 0 else f"{t['task_id']}[{t['map_index']}]"
                             for t in admin.task_instances(DAG, run_id) if t["state"] == "failed"})
            cleared.append(failed)
            admin.clear(DAG, run_id, sorted({f.split("[")[0] for f in failed}), only_failed=True)
        fired = sum(r["fired"] for r in faults.rules())
    finally:
        faults.clear()
    assert state == "success", admin.task_states(DAG, run_id)
    assert cleared and f"ensure_account[{index}]" in cleared[0], cleared
    assert admin.task_states(DAG, run_id)["approve"] == "success"  # not asked again
    assert fired > 20  # the random faults did happen
    assert duplicates(census(stack.standin_url, CONFIG)) == []
    assert_one_account_per_entry(stack)
