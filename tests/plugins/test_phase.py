"""The shared phase pieces: the order gate, the approval's rejection, the trigger's round trip."""

import pytest
from airflow.sdk.exceptions import AirflowFailException

from groundwork_airflow import phase
from groundwork_airflow.triggers import AwsPollTrigger


class FakeTI:
    def __init__(self, successes):
        self.successes = successes
        self.asked = []

    def get_dr_count(self, dag_id, states):
        self.asked.append((dag_id, tuple(states)))
        return self.successes


def run_gate(dag_id, ti):
    return phase.gate.function(dag_id, ti=ti)


def test_gate_fails_before_the_previous_phase_succeeded():
    ti = FakeTI(0)
    with pytest.raises(AirflowFailException, match="phase2_identity must run after phase1_foundation"):
        run_gate("phase2_identity", ti)
    assert ti.asked == [("phase1_foundation", ("success",))]


def test_gate_passes_after_a_successful_previous_run():
    assert "1 successful" in run_gate("phase3_network", FakeTI(1))


def test_phase1_has_no_gate_to_pass():
    ti = FakeTI(0)
    assert run_gate("phase1_foundation", ti) == "first phase" and ti.asked == []


def test_rejection_fails_the_approval_and_names_who():
    approval = phase.approval(["approver"])
    event = {"chosen_options": ["Reject"], "params_input": {}, "responded_by_user": {"id": "approver", "name": "approver"}}
    with pytest.raises(AirflowFailException, match="plan rejected by approver"):
        approval.execute_complete({}, event)


def test_phase_schedule_follows_the_previous_phase_asset():
    assert phase.phase_schedule("phase1_foundation") is None
    assert phase.phase_schedule("phase2_identity").name == "groundwork_phase1_foundation"


def test_trigger_serializes_round_trip_without_secrets():
    trigger = AwsPollTrigger("create_account", {"name": "Prod", "request_id": "car-1"}, "aws_default",
                             "us-east-1", "OrganizationAccountAccessRole", poll_interval=5, timeout=60)
    path, kwargs = trigger.serialize()
    assert path == "groundwork_airflow.triggers.AwsPollTrigger"
    assert AwsPollTrigger(**kwargs).serialize() == (path, kwargs)
    assert not any("secret" in str(v).lower() or "password" in str(v).lower() for v in kwargs.values())


def test_probes_resolve_by_dotted_path_inside_groundwork_only():
    from groundwork.phases import probes
    from groundwork_airflow.triggers import resolve_probe

    assert resolve_probe("groundwork.phases.probes:create_account") is probes.create_account
    with pytest.raises(ValueError):
        resolve_probe("os:system")


def _collect(trigger):
    import asyncio

    async def first():
        async for event in trigger.run():
            return event.payload

    return asyncio.run(first())


def test_trigger_polls_until_the_probe_is_done(monkeypatch):
    answers = iter([(False, {"state": "IN_PROGRESS"}), (True, {"state": "SUCCEEDED"})])
    trigger = AwsPollTrigger("create_account", {}, "aws_default", "us-east-1", "Role", poll_interval=0, timeout=60)
    monkeypatch.setattr(trigger, "_check_once", lambda: next(answers))
    assert _collect(trigger) == {"status": "done", "probe": "create_account", "result": {"state": "SUCCEEDED"}}


def test_trigger_reports_a_timeout_and_errors(monkeypatch):
    trigger = AwsPollTrigger("assume_role", {}, "aws_default", "us-east-1", "Role", poll_interval=0, timeout=0)
    monkeypatch.setattr(trigger, "_check_once", lambda: (False, {"detail": "AccessDenied"}))
    assert _collect(trigger)["status"] == "timeout"

    def boom():
        raise RuntimeError("no route")

    monkeypatch.setattr(trigger, "_check_once", boom)
    assert _collect(trigger) == {"status": "error", "probe": "assume_role", "message": "no route"}
