"""The shared phase pieces: the approval, the probe trigger's round trip (the gate: test_gate.py)."""

import pytest
from airflow.sdk.exceptions import AirflowFailException

from groundwork_airflow import phase
from groundwork_airflow.triggers import RESUME_FLOOR_SECONDS, AwsPollTrigger


def test_rejection_fails_the_approval_and_names_who():
    approval = phase.approval()
    with pytest.raises(AirflowFailException, match="plan rejected by approver; nothing was applied"):
        approval.decide(["Reject"], {"id": "approver", "name": "approver"})
    assert approval.decide(["Approve"], {"id": "a", "name": "alice"}) == {
        "chosen_options": ["Approve"], "responded_by_user": "alice"}


class FakeApprovalTI:
    id = "01a23888-2655-713f-8000-000000000001"
    dag_id, run_id, task_id, map_index = "phase1_foundation", "manual__1", "approve", -1
    start_date = None


@pytest.fixture
def hitl(monkeypatch):
    """The request the approval writes (Task SDK call), recorded."""
    from airflow.sdk.execution_time import hitl as sdk_hitl

    calls = {"upsert": []}
    monkeypatch.setattr(sdk_hitl, "upsert_hitl_detail", lambda **kw: calls["upsert"].append(kw))
    return calls


def _use_config(monkeypatch, tmp_path, approvers_yaml: str):
    from pathlib import Path

    text = Path("config/foundation.yaml").read_text()
    start = text.index("approvals:")
    end = text.index("\n\n", start)
    path = tmp_path / "foundation.yaml"
    path.write_text(text[:start] + approvers_yaml + text[end:])
    monkeypatch.setenv("FOUNDATION_CONFIG", str(path))


def _ask(approval):
    return approval.resume({"ti": FakeApprovalTI()}, {"ask": True})


def test_the_approval_starts_in_the_triggerer_so_no_worker_ever_defers_it():
    from airflow.serialization.serialized_objects import DagSerialization

    from groundwork_airflow.approval import ApprovalTrigger

    approval = phase.approval()
    assert approval.start_from_trigger is True and approval.reschedule is True
    args = approval.start_trigger_args
    assert args.trigger_cls == "groundwork_airflow.approval.ApprovalTrigger" and args.next_method == "resume"
    trigger = ApprovalTrigger(**args.trigger_kwargs)
    path, kwargs = trigger.serialize()
    assert path == args.trigger_cls and ApprovalTrigger(**kwargs).serialize() == (path, kwargs)
    assert kwargs["response_timeout_seconds"] == 7 * 24 * 3600
    # and what the scheduler reads back from the serialized DAG says the same
    from airflow.sdk import DAG

    with DAG("approval_probe", schedule=None) as dag:
        phase.approval()
    task = DagSerialization.from_dict(DagSerialization.to_dict(dag)).get_task("approve")
    assert task.start_from_trigger is True and task.start_trigger_args.next_method == "resume"
    assert task.start_trigger_args.trigger_cls == args.trigger_cls


def test_asking_writes_the_request_once_and_leaves_the_worker_by_rescheduling(hitl):
    import time

    from airflow.sdk.exceptions import AirflowRescheduleException

    from groundwork.config.loader import load_config
    from groundwork_airflow.approval import RESCHEDULE_SECONDS

    assert RESCHEDULE_SECONDS >= RESUME_FLOOR_SECONDS
    with pytest.raises(AirflowRescheduleException) as rescheduled:
        _ask(phase.approval())
    assert rescheduled.value.reschedule_date.timestamp() >= time.time() + RESCHEDULE_SECONDS - 1
    approvers = list(load_config().approvals.approvers)
    assert approvers and hitl["upsert"][0]["assigned_users"] == [{"id": u, "name": u} for u in approvers]
    assert hitl["upsert"][0]["options"] == ["Approve", "Reject"] and len(hitl["upsert"]) == 1


def test_the_answer_decides_and_a_timeout_fails():
    approval = phase.approval()
    answer = {"chosen_options": ["Approve"], "params_input": {}, "responded_by_user": {"id": "approver", "name": "approver"}}
    assert approval.resume({}, answer)["responded_by_user"] == "approver"
    with pytest.raises(AirflowFailException, match="plan rejected by bob"):
        approval.resume({}, {"chosen_options": ["Reject"], "responded_by_user": {"id": "bob", "name": "bob"}})
    with pytest.raises(AirflowFailException, match="no answer to the approval"):
        approval.resume({}, {"error": "The timeout has passed", "error_type": "timeout"})


def _approval_trigger(monkeypatch, read):
    from airflow.providers.standard.triggers import hitl as hitl_trigger

    from groundwork_airflow import approval as approval_module

    monkeypatch.setattr(hitl_trigger, "get_hitl_detail_content_detail", read)
    monkeypatch.setattr("airflow.sdk.execution_time.hitl.get_hitl_detail_content_detail", read)
    trigger = approval_module.ApprovalTrigger(response_timeout_seconds=3600, poke_interval=0)
    trigger.task_instance = FakeApprovalTI()
    return trigger


def test_the_trigger_asks_for_the_request_when_there_is_none(monkeypatch):
    from airflow.sdk.exceptions import AirflowRuntimeError, ErrorType
    from airflow.sdk.execution_time.comms import ErrorResponse

    def missing(ti_id):
        raise AirflowRuntimeError(ErrorResponse(error=ErrorType.API_SERVER_ERROR,
                                                detail={"status_code": 404, "message": "HITLDetail not found"}))

    assert _collect(_approval_trigger(monkeypatch, missing)) == {"ask": True}

    def broken(ti_id):
        raise AirflowRuntimeError(ErrorResponse(error=ErrorType.API_SERVER_ERROR, detail={"status_code": 500}))

    with pytest.raises(AirflowRuntimeError):  # any other failure is not "no request"
        _collect(_approval_trigger(monkeypatch, broken))


def test_the_trigger_waits_for_the_answer_to_the_request(monkeypatch):
    from datetime import datetime, timezone
    from types import SimpleNamespace

    reads = iter([SimpleNamespace(response_received=False, chosen_options=None, params_input={},
                                  responded_at=None, responded_by_user=None)] * 3 + [
        SimpleNamespace(response_received=True, chosen_options=["Approve"], params_input={},
                        responded_at=datetime(2026, 12, 2, tzinfo=timezone.utc),
                        responded_by_user=SimpleNamespace(id="approver", name="approver"))])
    event = _collect(_approval_trigger(monkeypatch, lambda ti_id: next(reads)))
    assert event["chosen_options"] == ["Approve"] and event["responded_by_user"]["name"] == "approver"


def test_no_approver_means_no_request_at_all(hitl, monkeypatch, tmp_path):
    from types import SimpleNamespace

    from groundwork_airflow import approval

    _use_config(monkeypatch, tmp_path, "approvals:\n  approvers: []")
    with pytest.raises(AirflowFailException, match="approvals.approvers: at least one approver"):
        _ask(phase.approval())
    # and if an empty list ever got past the validator, the approval still refuses
    monkeypatch.setattr(approval, "runtime_config", lambda: SimpleNamespace(approvals=SimpleNamespace(approvers=[])))
    with pytest.raises(AirflowFailException, match="names nobody"):
        _ask(phase.approval())
    assert hitl["upsert"] == []


def test_a_config_that_does_not_load_means_no_request_at_all(hitl, monkeypatch, tmp_path):
    path = tmp_path / "foundation.yaml"
    path.write_text("organization: [unclosed\n")
    monkeypatch.setenv("FOUNDATION_CONFIG", str(path))
    with pytest.raises(AirflowFailException, match="the config does not load"):
        _ask(phase.approval())
    assert hitl["upsert"] == []


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


def test_trigger_builds_its_aws_context_once_for_all_its_checks(monkeypatch):
    import types

    from groundwork_airflow import aws

    built, checks = [], iter([False, False, True])
    monkeypatch.setattr(aws, "aws_context", lambda *args: built.append(args) or types.SimpleNamespace(n=len(built)))
    monkeypatch.setattr("groundwork_airflow.triggers.resolve_probe",
                        lambda path: lambda ctx, **kw: (next(checks), {"ctx": ctx.n}))
    trigger = AwsPollTrigger("groundwork.phases.probes:create_account", {"name": "A"}, "aws_default", "us-east-1",
                             "Role", poll_interval=0, timeout=60)
    assert _collect(trigger) == {"status": "done", "probe": "groundwork.phases.probes:create_account",
                                 "result": {"ctx": 1}}
    assert built == [("aws_default", "us-east-1", "Role")]
    assert "_ctx" not in trigger.serialize()[1]

    # kept no longer than its maximum age: what a context holds itself (member-account role
    # credentials) expires after an hour
    import time

    checks = iter([False, True])
    monkeypatch.setattr("groundwork_airflow.triggers.resolve_probe",
                        lambda path: lambda ctx, **kw: (next(checks), {"ctx": ctx.n}))
    trigger._ctx_built = time.monotonic() - trigger.CONTEXT_MAX_AGE_SECONDS - 1
    assert _collect(trigger)["result"] == {"ctx": 2} and len(built) == 2


def test_trigger_holds_its_event_until_the_resume_floor(monkeypatch):
    import time

    trigger = AwsPollTrigger("create_account", {}, "aws_default", "us-east-1", "Role", poll_interval=0,
                             timeout=60, not_before=time.time() + 0.5)
    monkeypatch.setattr(trigger, "_check_once", lambda: (True, {"state": "SUCCEEDED"}))
    started = time.monotonic()
    assert _collect(trigger)["status"] == "done"
    assert time.monotonic() - started >= 0.45


class FakeWaiter:
    """An operator's probe wait, with defer recorded instead of raised."""

    GRACE_SECONDS = 0.0  # check once, then defer
    GRACE_POLL_SECONDS = 0.05

    def __init__(self):
        from groundwork_airflow.triggers import ProbeWait

        self.deferred = None
        self.wait = ProbeWait.wait_on_probe.__get__(self)
        self.log = __import__("logging").getLogger("test")

    def defer(self, trigger, method_name, kwargs=None):
        self.deferred = (trigger, method_name)
        self.deferred_kwargs = kwargs

    def finished(self, context, event):
        return ("finished", event)


def test_a_wait_already_over_is_not_deferred(monkeypatch):
    from groundwork.phases import probes

    monkeypatch.setattr(probes, "create_account", lambda ctx, **kw: (True, {"state": "SUCCEEDED"}))
    config = __import__("types").SimpleNamespace(aws=None)
    waiter = FakeWaiter()
    assert waiter.wait({}, config, None, "groundwork.phases.probes:create_account", {}, "finished",
                       poll_interval=1, timeout=5) == ("finished", {"status": "done", "probe": "groundwork.phases.probes:create_account",
                                                                    "result": {"state": "SUCCEEDED"}})
    assert waiter.deferred is None


def test_a_wait_not_over_defers_with_the_resume_floor(monkeypatch):
    import time
    from types import SimpleNamespace

    from groundwork.phases import probes
    from groundwork_airflow.triggers import RESUME_FLOOR_SECONDS

    monkeypatch.setattr(probes, "create_account", lambda ctx, **kw: (False, {"state": "IN_PROGRESS"}))
    config = SimpleNamespace(aws=SimpleNamespace(connection_id="aws_default", home_region="us-east-1",
                                                 access_role_name="Role"))
    waiter = FakeWaiter()
    waiter.wait({}, config, None, "groundwork.phases.probes:create_account", {"name": "x"}, "finished",
                poll_interval=1, timeout=5)
    trigger, method = waiter.deferred
    assert method == "finished" and trigger.arguments == {"name": "x"}
    assert trigger.not_before >= time.time() + RESUME_FLOOR_SECONDS - 1


def test_a_wait_over_within_the_grace_period_is_not_deferred(monkeypatch):
    from groundwork.phases import probes

    answers = iter([(False, {"state": "IN_PROGRESS"}), (False, {"state": "IN_PROGRESS"}), (True, {"state": "SUCCEEDED"})])
    monkeypatch.setattr(probes, "create_account", lambda ctx, **kw: next(answers))
    waiter = FakeWaiter()
    waiter.GRACE_SECONDS = 5.0
    config = __import__("types").SimpleNamespace(aws=None)
    assert waiter.wait({}, config, None, "groundwork.phases.probes:create_account", {}, "finished",
                       poll_interval=1, timeout=5)[1]["result"] == {"state": "SUCCEEDED"}
    assert waiter.deferred is None


def test_trigger_reports_a_timeout_and_errors(monkeypatch):
    trigger = AwsPollTrigger("assume_role", {}, "aws_default", "us-east-1", "Role", poll_interval=0, timeout=0)
    monkeypatch.setattr(trigger, "_check_once", lambda: (False, {"detail": "AccessDenied"}))
    assert _collect(trigger)["status"] == "timeout"

    def boom():
        raise RuntimeError("no route")

    monkeypatch.setattr(trigger, "_check_once", boom)
    assert _collect(trigger) == {"status": "error", "probe": "assume_role", "message": "no route"}


def test_every_wait_on_aws_checks_in_the_worker_before_deferring():
    """A wait AWS usually ends within seconds costs no deferral round trip (the resume floor and a
    second task start); the grace is shorter than that round trip, so a long wait loses little."""
    from groundwork_airflow.phase_dag import WAITS
    from groundwork_airflow.triggers import RESUME_FLOOR_SECONDS, ProbeWait

    assert 0 < ProbeWait.AWS_GRACE_SECONDS < RESUME_FLOOR_SECONDS
    assert {name: op.GRACE_SECONDS for name, op in WAITS.items()} == dict.fromkeys(WAITS, ProbeWait.AWS_GRACE_SECONDS)


def test_a_plan_with_nothing_to_change_skips_every_step_to_verify():
    decide = phase.needs_approval.function
    noop = {"action": "noop", "id": "a"}
    create = {"action": "create", "id": "b"}
    assert decide({"changes": [noop], "needs_approval": False}, "approve", "apply", "verify") == "verify"
    assert decide({"changes": [], "needs_approval": False}, "approve", "apply", "verify") == "verify"
    assert decide({"changes": [noop, create], "needs_approval": False}, "approve", "apply", "verify") == "apply"
    assert decide({"changes": [create], "needs_approval": True}, "approve", "apply", "verify") == "approve"
    # a step's own approval branch (no verify given) never skips its step
    assert decide({"changes": [], "needs_approval": False}, "approve_x", "x") == "x"


def test_the_plan_had_no_change_only_when_its_output_is_there_and_all_noop():
    from groundwork_airflow.phase import plan_had_no_change

    class Ti:
        def __init__(self, changes):
            self.changes = changes

        def xcom_pull(self, task_ids=None, key=None):
            assert (task_ids, key) == ("plan", "changes")
            return self.changes

    assert plan_had_no_change(Ti([{"id": "a", "action": "noop"}])) is True
    assert plan_had_no_change(Ti([])) is True
    assert plan_had_no_change(Ti([{"id": "a", "action": "noop"}, {"id": "b", "action": "update"}])) is False
    assert plan_had_no_change(Ti(None)) is False  # no plan output: verify reads everything (fail closed)


def test_the_plan_output_lists_its_pending_ids_and_apply_may_do_only_those():
    from groundwork.plan.model import Change, Plan
    from groundwork_airflow.phase import approved_ids, plan_output

    create = Change.between("account", "A", None, {"email": "a@x"})
    keep = Change.between("account", "B", {"email": "b@x"}, {"email": "b@x"})
    out = plan_output(Plan("phase1_foundation", (create, keep)), needs_approval=True)
    assert out["pending_ids"] == [create.id]  # the noop is no change apply may make

    class Ti:
        def __init__(self, xcoms):
            self.xcoms = xcoms

        def xcom_pull(self, task_ids=None, key=None):
            return self.xcoms.get((task_ids, key))

    assert approved_ids(Ti({("plan", "pending_ids"): out["pending_ids"]})) == {create.id}
    assert approved_ids(Ti({("plan_x", "pending_ids"): ["z"]}), "plan_x") == {"z"}
    # no plan output (or only the long form of it): nothing is approved (fail closed)
    assert approved_ids(Ti({})) == set()
    assert approved_ids(Ti({("plan", "changes"): out["changes"]})) == set()
