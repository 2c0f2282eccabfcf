"""A rejected plan, on the real stack: nothing applied, the phase visibly not completed (run
failed, no Asset event), and the reason names who rejected."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import pause_phases_after

DAG = "phase1_foundation"
pytestmark = pytest.mark.e2e


def test_a_rejected_plan_applies_nothing_and_says_who_rejected(stack):
    admin, approver = stack.client("admin"), stack.client("approver")
    orgs = stack.aws("organizations")
    organization_before = orgs.list_roots()["Roots"] if _has_org(orgs) else None
    admin.wait_for_dag(DAG)
    pause_phases_after(stack, DAG)
    admin.unpause(DAG)
    run_id = admin.trigger(DAG)
    admin.wait_for_approval(DAG, run_id, "approve")
    approver.answer(DAG, run_id, "approve", "Reject")

    assert admin.wait_for_run(DAG, run_id, timeout=300) == "failed"
    states = admin.task_states(DAG, run_id)
    assert states["approve"] == "failed"
    assert states["apply_structure"] == "upstream_failed" and states["publish"] == "upstream_failed"
    assert "plan rejected by approver; nothing was applied" in admin.task_log(DAG, run_id, "approve")
    events = admin.request("GET", "/assets/events", params={"source_dag_id": DAG, "source_run_id": run_id}).json()
    assert events["total_entries"] == 0
    if organization_before is None:
        assert not _has_org(orgs)  # nothing was applied


def _has_org(orgs) -> bool:
    try:
        orgs.describe_organization()
        return True
    except orgs.exceptions.AWSOrganizationsNotInUseException:
        return False


def test_a_config_without_approvers_fails_before_any_approval_or_aws_change(stack):
    """The config is read when the run runs: with no approver named, phase 1 fails at validate
    (one error naming the field), no approval request exists for anyone to answer, nothing applied."""
    admin = stack.client("admin")
    path = stack.state_dir / "foundation.yaml"  # what the stack reads
    original = path.read_text()
    assert "  approvers: [approver]" in original
    orgs = stack.aws("organizations")
    organization_before = _has_org(orgs)
    admin.wait_for_dag(DAG)
    pause_phases_after(stack, DAG)
    admin.unpause(DAG)
    try:
        path.write_text(original.replace("  approvers: [approver]", "  approvers: []"))
        run_id = admin.trigger(DAG)
        assert admin.wait_for_run(DAG, run_id, timeout=300) == "failed"
    finally:
        path.write_text(original)
        _wait_for_no_import_errors(admin)  # the promotion DAG reads the config when parsed
    states = admin.task_states(DAG, run_id)
    assert states["validate"] == "failed" and states["approve"] == "upstream_failed"
    assert states["apply_structure"] == "upstream_failed"
    log = admin.task_log(DAG, run_id, "validate")
    assert "approvals.approvers" in log and "at least one approver" in log and "nothing was applied" in log
    detail = admin.request("GET", f"/dags/{DAG}/dagRuns/{run_id}/hitlDetails").json()
    assert detail["total_entries"] == 0  # no request anyone could answer
    assert _has_org(orgs) == organization_before


def _wait_for_no_import_errors(admin, timeout: float = 120) -> None:
    import time

    deadline = time.monotonic() + timeout
    while (errors := admin.request("GET", "/importErrors").json()["import_errors"]) and time.monotonic() < deadline:
        time.sleep(2)
    assert not errors, errors
