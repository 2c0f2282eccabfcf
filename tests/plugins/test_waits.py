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
