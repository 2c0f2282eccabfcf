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
