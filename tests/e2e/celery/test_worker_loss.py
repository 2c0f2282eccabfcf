"""Phase 1 from an empty AWS on the CeleryExecutor (Redis, PostgreSQL, two celery workers), approved
as the approver, while one worker is killed whole (SIGKILL) in the middle of a task: its
`ensure_account` is inside CreateAccount — AWS has made the account, the answer is held back — when
its worker dies. The task stops heartbeating, the scheduler fails that try, the retry runs on the
other worker, and the phase succeeds (failed tasks are cleared over the REST API as an operator
would if the retries were not enough), with exactly one account per configured account."""

from __future__ import annotations

import json
import time

import pytest

from groundwork.config.loader import load_config
from groundwork_ops import executor, stack as local_stack
from groundwork_ops.airflow_client import AirflowClient
from groundwork_ops.census import census, duplicates
from groundwork_standin.faults import FaultClient
from tests.e2e.celery.conftest import CELERY_STATE_DIR, WORKERS, celery_settings
from tests.e2e.conftest import pause_phases_after

DAG = "phase1_foundation"
pytestmark = pytest.mark.e2e


def assert_one_account_per_entry(stack, config):
    orgs = stack.aws("organizations")
    emails = [a["Email"] for a in orgs.list_accounts()["Accounts"]]
    requests = [r["AccountName"] for r in orgs.list_create_account_status()["CreateAccountStatuses"]]
    for account in config.organization.accounts:
        assert emails.count(account.email) == 1, account.name
        assert requests.count(account.name) == 1, f"CreateAccount issued {requests.count(account.name)}x for {account.name}"


def test_phase1_survives_a_celery_worker_killed_mid_task_without_a_duplicate(stack):
    started = time.monotonic()
    settings = celery_settings()
    assert settings.executor == "CeleryExecutor" and settings.state_dir == CELERY_STATE_DIR
    workers = executor.worker_names(settings)
    assert len(workers) == WORKERS and all(local_stack.running(settings, name) for name in workers)
    config = load_config(CELERY_STATE_DIR / "foundation.yaml")
    accounts = [a.name for a in config.organization.accounts]
    target = accounts[0]  # in the first wave of mapped ensure_account tasks
    index = accounts.index(target)

    # A generous timeout: two busy cores shared with other stacks can hold an answer for a while.
    admin, approver = (AirflowClient(stack.airflow_url, user, stack.passwords[user], timeout=120)
                       for user in ("admin", "approver"))
    faults = FaultClient(stack.standin_url)
    faults.clear()
    pause_phases_after(stack, DAG)
    admin.unpause(DAG)
    # AWS applies the target's CreateAccount, then its answer is held back for a minute: the task
    # is certainly running, inside the call, when its worker is killed.
    hold = faults.add(service="organizations", operation="CreateAccount", match=target, latency_ms=60_000,
                      after=True, count=1)
    run_id = admin.trigger(DAG)
    admin.wait_for_approval(DAG, run_id, "approve")
    approver.answer(DAG, run_id, "approve", "Approve")
    deadline = time.monotonic() + 300
    while not any(r["id"] == hold["id"] and r["fired"] for r in faults.rules()):
        assert time.monotonic() < deadline, admin.task_states(DAG, run_id)
        time.sleep(0.5)
    ti = next(t for t in admin.task_instances(DAG, run_id)
              if t["task_id"] == "ensure_account" and t["map_index"] == index)
    assert ti["state"] == "running" and ti["pid"], ti
    victim = executor.worker_of(settings, ti["pid"])
    assert victim in workers, f"task runner pid {ti['pid']} is in no worker's session"
    on_victim = [f"{t['task_id']}[{t['map_index']}]" for t in admin.task_instances(DAG, run_id)
                 if t["state"] == "running" and t.get("pid") and executor.worker_of(settings, t["pid"]) == victim]
    killed_pids = executor.kill_worker(settings, victim)
    killed_at = time.monotonic()
    survivor = next(name for name in workers if name != victim)
    print(f"\nkilled {victim} ({len(killed_pids)} processes) after {killed_at - started:.0f}s while it ran "
          f"{on_victim}; {survivor} goes on")

    cleared = []
    while (state := admin.wait_for_run(DAG, run_id, timeout=420)) == "failed" and len(cleared) < 2:
        failed = sorted({t["task_id"] for t in admin.task_instances(DAG, run_id) if t["state"] == "failed"})
        cleared.append(failed)  # retries were not enough: clearing is the operator's move
        admin.clear(DAG, run_id, failed, only_failed=True)
    faults.clear()
    killed = next(t for t in admin.task_instances(DAG, run_id)
                  if t["task_id"] == "ensure_account" and t["map_index"] == index)
    retried = sorted(f"{t['task_id']}[{t['map_index']}]" if t["map_index"] >= 0 else t["task_id"]
                     for t in admin.task_instances(DAG, run_id) if (t.get("try_number") or 0) > 1)
    events = admin.request("GET", "/eventLogs", params={"event": "heartbeat timeout", "limit": 50}).json()
    timeouts = sorted(f"{e['task_id']}[{e.get('map_index', -1)}]" for e in events["event_logs"]
                      if e.get("run_id") == run_id)
    print(json.dumps({"run": state, "seconds_after_kill": round(time.monotonic() - killed_at),
                      "seconds_total": round(time.monotonic() - started), "heartbeat_timeouts": timeouts,
                      "retried": retried, "cleared": cleared}))

    assert state == "success", admin.task_states(DAG, run_id)
    assert killed["try_number"] >= 2  # the killed try never finished; a later one, on the survivor, did
    assert f"ensure_account[{index}]" in timeouts  # the scheduler saw the lost task, nobody had to
    assert local_stack.running(settings, victim) is None and local_stack.running(settings, survivor)
    assert_one_account_per_entry(stack, config)
    assert duplicates(census(stack.standin_url, config)) == []
