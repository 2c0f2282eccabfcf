"""Phase 1's preflight through Airflow: an IAM user with an access key in the management account
(against the blueprint: no IAM users) fails the preflight task with the problem and its fix, and
nothing is planned or applied; once the user is gone, clearing the failed task finishes the run."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import pause_phases_after

DAG = "phase1_foundation"
pytestmark = pytest.mark.e2e


def test_an_unhygienic_management_account_blocks_phase1_until_fixed(stack, ensure_phase):
    ensure_phase(DAG)
    pause_phases_after(stack, DAG)  # the run that ends in success must start no later phase
    iam = stack.aws("iam")
    iam.create_user(UserName="legacy-deployer")
    key = iam.create_access_key(UserName="legacy-deployer")["AccessKey"]["AccessKeyId"]
    admin = stack.client("admin")
    run_id = admin.trigger(DAG)
    try:
        assert admin.wait_for_run(DAG, run_id, timeout=300) == "failed"
        states = admin.task_states(DAG, run_id)
        assert states["preflight"] == "failed" and states["plan"] == "upstream_failed", states
        log = admin.task_log(DAG, run_id, "preflight")
        assert "legacy-deployer" in log and "fix:" in log
    finally:
        iam.delete_access_key(UserName="legacy-deployer", AccessKeyId=key)
        iam.delete_user(UserName="legacy-deployer")
    admin.clear(DAG, run_id, ["preflight"], only_failed=True)  # the rest of the run follows (nothing to do)
    assert admin.wait_for_run(DAG, run_id, timeout=300) == "success", admin.task_states(DAG, run_id)
    assert admin.task_states(DAG, run_id)["approve"] == "skipped"  # the plan was empty
