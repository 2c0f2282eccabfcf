"""promote_artifact's deploy step, without Airflow running (its domain calls replaced): a stack still
in progress after the grace period defers to the poll trigger, carrying what was started; the
resume calls the domain again with it; a failed stack or a failed wait fails the task naming the
environment and account; a rollback with every account on the artifact skips."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException, TaskDeferred

from groundwork import promotion, stack_deploy
from groundwork_airflow.stack_release import PROBE, StackReleaseOperator

ARTIFACT = promotion.Artifact("app/1.zip", "v1", "sha256:" + "a" * 64, 10, "s3://store/app/1.zip")
T = SimpleNamespace(region="us-east-1")


class FakeTi:
    try_number = 2

    def xcom_pull(self, task_ids=None, **_):
        return ARTIFACT.to_dict() if task_ids == "verify_artifact" else None


def _context():
    return {"ti": FakeTi(), "run_id": "manual__1"}


@pytest.fixture
def calls(monkeypatch):
    """The operator's domain calls, recorded; `advance` answers from `answers`."""
    seen = {"advance": [], "answers": []}
    config = SimpleNamespace(aws=SimpleNamespace(connection_id="aws_default", home_region="us-east-1",
                                                 access_role_name="Role"))
    monkeypatch.setattr(StackReleaseOperator, "_chain", lambda self: (config, object(), T, object(), "111", object()))

    def advance(deployment, t, env, account, artifact, run_id, started=None, note="", attempt=1):
        seen["advance"].append({"env": env, "account": account, "artifact": artifact, "started": started,
                                "note": note, "attempt": attempt})
        answer = seen["answers"].pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(stack_deploy, "advance", advance)
    monkeypatch.setattr(stack_deploy, "stack_settled", lambda ctx, **kwargs: (False, {"status": "UPDATE_IN_PROGRESS"}))
    return seen


def operator(mode="deploy"):
    op = StackReleaseOperator(task_id=f"{mode}_production", environment="production", account_name="Production EU",
                              artifact=ARTIFACT.to_dict() if mode == "deploy" else None, mode=mode)
    op.GRACE_SECONDS = 0.0
    return op


def done_record(digest=ARTIFACT.digest):
    return {"digest": digest, "stack": {"id": "arn:stack/1", "status": "UPDATE_COMPLETE", "outputs": {"Url": "x"}}}


def test_a_stack_still_in_progress_defers_with_what_was_started_and_the_resume_continues(calls):
    calls["answers"] = [stack_deploy.Step("wait", "update", "groundwork-app"),
                        stack_deploy.Step("done", "none", "groundwork-app", done_record(), changed=True)]
    op = operator()
    with pytest.raises(TaskDeferred) as deferred:
        op.execute(_context())
    assert deferred.value.method_name == "settled"
    _, kwargs = deferred.value.trigger.serialize()
    assert kwargs["probe"] == PROBE and kwargs["arguments"]["account_id"] == "111"
    assert kwargs["arguments"]["carry"] == {"started": "update", "artifact": ARTIFACT.to_dict(), "note": ""}
    assert calls["advance"][0]["attempt"] == 2  # the try goes into the ClientRequestToken

    result = op.settled(_context(), {"status": "done", "result": {
        "stack": "groundwork-app", "status": "UPDATE_COMPLETE", "carry": kwargs["arguments"]["carry"]}})
    assert calls["advance"][1]["started"] == "update" and calls["advance"][1]["artifact"] == ARTIFACT
    assert result["changed"] and result["stack"]["outputs"] == {"Url": "x"}


def test_a_failed_stack_or_wait_fails_the_task_naming_where(calls):
    calls["answers"] = [stack_deploy.DeployFailed("stack groundwork-app in production/Production EU (111) is "
                                                  "UPDATE_ROLLBACK_COMPLETE\n  Assets (AWS::S3::Bucket) CREATE_FAILED")]
    with pytest.raises(AirflowFailException, match=r"Assets \(AWS::S3::Bucket\) CREATE_FAILED"):
        operator().execute(_context())
    with pytest.raises(AirflowFailException, match="production/Production EU did not settle"):
        operator().settled(_context(), {"status": "timeout", "result": {}})


def test_a_rollback_skips_when_every_account_runs_the_artifact(calls, monkeypatch):
    monkeypatch.setattr("groundwork_airflow.runtime_secrets.external_id", lambda config: "x")
    monkeypatch.setattr(promotion, "status", lambda pipeline, t, external_id, envs: {
        "production": {"Production": done_record(), "Production EU": done_record()}})
    with pytest.raises(AirflowSkipException, match="nothing to return"):
        operator("rollback").execute(_context())
    assert calls["advance"] == []


def test_a_rollback_returns_an_updated_account_to_the_version_before(calls, monkeypatch):
    before = promotion.Artifact("app/0.zip", "v0", "sha256:" + "0" * 64, 0, "s3://store/app/0.zip")
    monkeypatch.setattr("groundwork_airflow.runtime_secrets.external_id", lambda config: "x")
    monkeypatch.setattr(promotion, "status", lambda pipeline, t, external_id, envs: {
        "production": {"Production": None, "Production EU": done_record()}})
    monkeypatch.setattr(stack_deploy, "rollback_target", lambda deployment, t, artifact: before)
    calls["answers"] = [stack_deploy.Step("done", "none", "groundwork-app", done_record(before.digest), changed=True)]
    operator("rollback").execute(_context())
    [call] = calls["advance"]
    assert call["artifact"] == before
    assert call["note"].startswith(f"returned to {before.digest} because production's promotion of {ARTIFACT.digest}")
    assert "production/Production" in call["note"]
