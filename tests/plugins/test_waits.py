"""Every deferrable wait of the phase spec: an error or timeout event from the trigger fails the task
naming what it waited for (it never passes as done), and the trigger survives serialization."""

import pytest
from airflow.exceptions import AirflowException

from groundwork.phases.spec import SPECS
from groundwork_airflow.phase_dag import WAITS
from groundwork_airflow.triggers import AwsPollTrigger, resolve_probe

RESUMES = {  # the wait's resume method(s) and what the failure names
    "ensure_account": (("account_created", "account_reachable"), "Audit"),
    "ensure_assignments": (("assignments_settled",), "Audit"),
    "ensure_vpc": (("attachment_ready",), "Audit"),
    "trail_logging": (("logging",), "trail"),
}


def test_every_wait_step_of_every_phase_has_an_operator_and_a_resume_test():
    waits = {s.task_id for spec in SPECS.values() for s in spec.steps if s.wait}
    assert waits == set(WAITS) == set(RESUMES)


@pytest.mark.parametrize("task_id", sorted(RESUMES))
@pytest.mark.parametrize("status", ["error", "timeout"])
def test_an_error_or_timeout_event_fails_the_task_naming_the_wait(task_id, status):
    operator_class = WAITS[task_id]
    kwargs = {"account_name": "Audit"} if task_id != "trail_logging" else {}
    operator = operator_class(task_id=task_id, **kwargs)
    methods, named = RESUMES[task_id]
    for method in methods:
        event = {"status": status, "probe": "x:y", "message": "AccessDenied", "result": {"state": "pending"}}
        with pytest.raises(AirflowException, match=named):
            getattr(operator, method)({}, event)


@pytest.mark.parametrize("probe", ["groundwork.phases.probes:create_account", "groundwork.phases.probes:assume_role",
                                   "groundwork.phases.identity:assignments_settled",
                                   "groundwork.phases.network:attachment_available",
                                   "groundwork.phases.observability:trail_logging"])
def test_each_probe_resolves_and_its_trigger_round_trips(probe):
    assert callable(resolve_probe(probe))
    trigger = AwsPollTrigger(probe, {"name": "Audit"}, "aws_default", "us-east-1", "Role", poll_interval=5,
                             timeout=60, not_before=123.0)
    classpath, kwargs = trigger.serialize()
    assert classpath == "groundwork_airflow.triggers.AwsPollTrigger"
    assert AwsPollTrigger(**kwargs).serialize() == (classpath, kwargs)


class FakeTi:
    def __init__(self, xcoms: dict):
        self.xcoms = xcoms

    def xcom_pull(self, task_ids=None, key="return_value", **_):
        return self.xcoms.get(key)


def _config():
    from types import SimpleNamespace

    return SimpleNamespace(aws=SimpleNamespace(connection_id="aws_default", home_region="us-east-1",
                                               access_role_name="Role"))


@pytest.mark.parametrize("task_id, domain_patch, probe_patch, resume", [
    ("ensure_account",
     ("groundwork.phases.foundation.start_account",
      lambda ctx, config, name, approved, known: __import__("groundwork.reconcile.accounts", fromlist=["x"])
      .AccountProgress(name, "IN_PROGRESS", request_id="car-1")),
     "groundwork.phases.probes.create_account", "account_created"),
    ("ensure_assignments",
     ("groundwork.phases.identity.apply_account",
      lambda ctx, config, name, approved: {"applied": [], "instance_arn": "arn:i", "requests": [{"id": "r1"}]}),
     "groundwork.phases.identity.assignments_settled", "assignments_settled"),
    ("ensure_vpc",
     ("groundwork.phases.network.apply_account",
      lambda ctx, config, name, approved, cidr: {"applied": [], "state": "pending", "attachment_id": "a-1",
                                                  "account_id": "111", "transit_gateway_id": "tgw-1"}),
     "groundwork.phases.network.attachment_available", "attachment_ready"),
])
def test_a_wait_not_over_defers_to_the_poll_trigger_with_its_resume_method(monkeypatch, task_id, domain_patch,
                                                                             probe_patch, resume):
    from airflow.sdk.exceptions import TaskDeferred

    operator_class = WAITS[task_id]
    monkeypatch.setattr("groundwork_airflow.phase.load_runtime_config", _config)
    monkeypatch.setattr("groundwork_airflow.aws.context_for", lambda config: object())
    monkeypatch.setattr(*domain_patch)
    monkeypatch.setattr(probe_patch, lambda ctx, **arguments: (False, {"state": "pending"}))
    operator = operator_class(task_id=task_id, account_name="Audit")
    with pytest.raises(TaskDeferred) as deferred:
        operator.execute({"ti": FakeTi({})})
    assert deferred.value.method_name == resume
    classpath, kwargs = deferred.value.trigger.serialize()
    assert kwargs["probe"].endswith(probe_patch.rsplit(".", 1)[1])
