"""phase4_observability parses, without AWS, into the shape every phase has."""

import pytest

from tests.conftest import ROOT
from tests.dags.parse import parse_refusing_aws


@pytest.fixture(scope="module")
def dag():
    return parse_refusing_aws(ROOT / "dags" / "phase4_observability.py").dags["phase4_observability"]


def test_scheduled_on_phase3_and_tagged(dag):
    assert dag.schedule.name == "groundwork_phase3_network"
    assert set(dag.tags) == {"groundwork", "phase4"}
    assert dag.catchup is False and dag.max_active_runs == 1


def test_approval_mapping_deferral_and_publication(dag):
    approve = dag.get_task("approve")
    assert approve.start_from_trigger and approve.OPTIONS == ["Approve", "Reject"]  # approvers: at run time
    assert approve.retries == 0
    assert [o.name for o in dag.get_task("publish").outlets] == ["groundwork_phase4_observability"]
    assert "MappedOperator" in type(dag.get_task("apply_account")).__name__
    assert type(dag.get_task("trail_logging")).__name__ == "TrailLoggingSensor"


def test_trail_sensor_defers_with_a_serializable_probe(monkeypatch):
    from airflow.sdk.exceptions import TaskDeferred

    from groundwork.phases import observability

    from groundwork_airflow import trail_logging
    from groundwork_airflow.triggers import resolve_probe

    class Config:
        class observability:
            trail_name = "organization-trail"

        class aws:
            connection_id, home_region, access_role_name = "aws_default", "us-east-1", "OrganizationAccountAccessRole"

    monkeypatch.setattr("groundwork_airflow.phase.load_runtime_config", lambda: Config)
    monkeypatch.setattr("groundwork_airflow.aws.context_for", lambda config: object())
    monkeypatch.setattr("groundwork.phases.observability.trail_logging", lambda ctx, trail_name: (False, {}))
    assert trail_logging.TrailLoggingSensor.GRACE_SECONDS == trail_logging.ProbeWait.AWS_GRACE_SECONDS
    monkeypatch.setattr(trail_logging.TrailLoggingSensor, "GRACE_SECONDS", 0.0)  # defer at once
    sensor = trail_logging.TrailLoggingSensor(task_id="trail_logging")
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute({})
    classpath, kwargs = deferred.value.trigger.serialize()
    assert classpath == "groundwork_airflow.triggers.AwsPollTrigger"
    assert kwargs["probe"] == trail_logging.TRAIL_PROBE and kwargs["arguments"] == {"trail_name": "organization-trail"}
    assert resolve_probe(kwargs["probe"]) is observability.trail_logging  # the patched probe, found by its path
    assert sensor.logging({}, {"status": "done", "result": {"logging": True}}) == {"logging": True}
