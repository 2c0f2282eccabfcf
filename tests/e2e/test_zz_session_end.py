"""Last in the session, over every run the suite made: the scheduler never failed a resumed task
because of Airflow 3.3.2's stale executor report (a deferral resumed too soon, an approval answered
in its first seconds; every approval in this suite is answered as soon as it shows), and no secret
reached a log, an XCom, a rendered field or an API answer."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e

STALE_REPORT = "but the task instance's state attribute is"


def stale_reports(log: str) -> list[str]:
    """Scheduler lines reporting a stale executor event, except for task processes that were killed
    (the rerun tests SIGKILL a worker on purpose; Airflow logs the same line for those)."""
    killed = set(re.findall(r"Workload finished .*exit_code=<Negsignal\.\w+: -\d+>.*workload_id=([0-9a-f-]+)", log))
    lines = [line for line in log.splitlines() if STALE_REPORT in line]
    return [line for line in lines if not any(f"ti_id={ti_id}>" in line for ti_id in killed)]


def test_no_task_was_failed_by_a_stale_executor_report(stack):
    log = stack.scheduler_log()
    assert "Received executor event" in log  # the log this reads is the one the scheduler writes
    stale = stale_reports(log)
    print(f"\nscheduler lines with a stale executor report this session (killed workers excluded): {len(stale)}")
    assert stale == []


def test_no_secret_reached_logs_xcom_rendered_fields_or_api_answers(stack):
    """After every run of the session: the ExternalId, the user passwords and the stack's keys
    appear in no task log, component log, XCom, rendered field, approval request or API answer."""
    from groundwork.phases import PHASES

    from tests.e2e.secrets_scan import scan_api, scan_files, stack_secrets

    secrets = stack_secrets(stack.state_dir)
    assert "external_id" in secrets and "password of viewer" in secrets
    task_logs, in_task_logs = scan_files(stack.state_dir / "airflow" / "logs", secrets)
    component_logs, in_component_logs = scan_files(stack.state_dir / "logs", secrets)
    answers, in_api = scan_api(stack.client("admin"), [*PHASES, "promote_artifact"], secrets)
    print(f"\nsecrets scan: {len(secrets)} secrets over {task_logs} task log files, {component_logs} component "
          f"logs, {answers} API answers (task instances with rendered fields, approvals, XCom)")
    assert task_logs > 0 and answers > 0
    assert in_task_logs + in_component_logs + in_api == []


def test_every_approval_request_of_the_session_was_assigned_to_named_approvers(stack):
    """An approval assigned to nobody could be answered by any user: none was, in any run."""
    from groundwork.config.loader import load_config

    details = stack.client("admin").request("GET", "/dags/~/dagRuns/~/hitlDetails", params={"limit": 1000}).json()
    requests = details["hitl_details"]
    assert requests, "the suite asked for approvals"
    approvers = list(load_config().approvals.approvers)
    assert {tuple(u["id"] for u in d["assigned_users"]) for d in requests} == {tuple(approvers)}
