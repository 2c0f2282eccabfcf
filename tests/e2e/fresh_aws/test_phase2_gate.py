"""Gates that wait, and mean it, on the second stack (after phases 1 and 2 have succeeded; phase 1
by the preflight test before it, when run in order):
- phase 1's config changed and phase 1 not rerun: phase 2's gate refuses at once, naming phase 1's
  run and the mismatch, and nothing after the gate runs;
- phase 2 triggered while phase 1 waits for its approval: the gate waits deferred (no worker
  slot), and phase 2 runs once phase 1 is approved and has succeeded.
The config change is an SCP description (phase 1 owns `organization`); the file is restored after."""

from __future__ import annotations

import time

import pytest

from groundwork_ops.rollout import next_run
from tests.e2e.conftest import pause_phases_after

PHASE1, PHASE2 = "phase1_foundation", "phase2_identity"
pytestmark = pytest.mark.e2e
ORIGINAL = "      description: No CloudTrail tampering, no leaving the organization, no public S3, no IAM users.\n"
CHANGED = ORIGINAL.replace("no IAM users.", "no IAM users (reviewed).")


@pytest.fixture
def changed_phase1_config(stack, ensure_phase):
    ensure_phase(PHASE2)
    path = stack.state_dir / "foundation.yaml"  # what the stack reads
    original = path.read_text()
    assert original.count(ORIGINAL) == 1
    path.write_text(original.replace(ORIGINAL, CHANGED))
    try:
        yield
    finally:
        path.write_text(original)


def test_the_gate_refuses_then_waits_for_the_previous_phase_and_runs_after_it(stack, changed_phase1_config):
    admin, approver = stack.client("admin"), stack.client("approver")
    pause_phases_after(stack, PHASE2)
    admin.unpause(PHASE2)

    # 1. phase 1's latest run applied another config: refused at once, naming the run and why
    refused = admin.trigger(PHASE2)
    assert admin.wait_for_run(PHASE2, refused, timeout=300) == "failed"
    states = admin.task_states(PHASE2, refused)
    assert states.pop("gate") == "failed" and set(states.values()) <= {"upstream_failed", None}, states
    log = admin.task_log(PHASE2, refused, "gate")
    assert "phase2_identity refuses: phase1_foundation's latest run" in log
    assert "applied another config of aws, organization, cost than the current one" in log

    # 2. phase 1 rerun on the changed config, waiting for its approval; phase 2 waits for it
    admin.unpause(PHASE1)
    phase1_run = admin.trigger(PHASE1)
    admin.wait_for_approval(PHASE1, phase1_run, "approve")
    waiting = admin.trigger(PHASE2)
    admin.wait_for_task_state(PHASE2, waiting, "gate", {"deferred"}, timeout=180)
    time.sleep(5)
    assert admin.task_states(PHASE2, waiting)["gate"] == "deferred"  # still waiting, holding no worker
    assert admin.task_states(PHASE2, waiting)["validate"] is None
    assert "is running; waiting for it to finish" in admin.task_log(PHASE2, waiting, "gate")

    known = {run["dag_run_id"] for run in admin.runs(PHASE2)}
    approver.answer(PHASE1, phase1_run, "approve", "Approve")
    assert admin.wait_for_run(PHASE1, phase1_run, timeout=600) == "success"
    assert admin.wait_for_run(PHASE2, waiting, timeout=600) == "success", admin.task_states(PHASE2, waiting)
    assert f"{phase1_run} succeeded on the current config" in admin.task_log(PHASE2, waiting, "gate")

    # phase 1's success also started phase 2 by its Asset (created once the waiting run ended, as
    # max_active_runs is 1): it passes its gate too, on the config phase 1 applied; the config is
    # restored only after it, or its gate would rightly refuse
    by_asset = next_run(admin, PHASE2, known, timeout=180)
    assert admin.wait_for_run(PHASE2, by_asset, timeout=600) == "success", admin.task_states(PHASE2, by_asset)
