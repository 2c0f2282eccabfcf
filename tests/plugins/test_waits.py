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
    kwargs = {"account_names": ["Audit"]} if task_id != "trail_logging" else {}
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
                                               access_role_name="Role"),
                           account=lambda name: SimpleNamespace(email=f"{name.lower()}@example.com"))


@pytest.mark.parametrize("task_id, domain_patch, probe_patch, resume", [
    ("ensure_account",
     ("groundwork.phases.foundation.start_account",
      lambda ctx, config, name, approved, known, existing: __import__("groundwork.reconcile.accounts", fromlist=["x"])
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
    operator = operator_class(task_id=task_id, account_names=["Audit"])
    with pytest.raises(TaskDeferred) as deferred:
        operator.execute({"ti": FakeTi({})})
    assert deferred.value.method_name == resume
    classpath, kwargs = deferred.value.trigger.serialize()
    assert kwargs["probe"].endswith(probe_patch.rsplit(".", 1)[1])


def test_a_batch_does_its_accounts_in_order_and_a_resume_goes_on_after_the_account_it_waited_for(monkeypatch):
    """Three accounts in one task: the first converged, the second's request is in progress (defer,
    carrying where the batch is), the resume finishes it and goes on with the third."""
    from airflow.sdk.exceptions import TaskDeferred

    from groundwork.reconcile.accounts import AccountProgress

    calls = []

    def start_account(ctx, config, name, approved, known, existing):
        calls.append(name)
        assert existing == _nothing()
        if name == "B":
            return AccountProgress(name, "IN_PROGRESS", request_id="car-b")
        return AccountProgress(name, "SUCCEEDED", account_id={"A": "111111111111", "C": "333333333333"}[name])

    reads = []
    operator = _batch_operator(monkeypatch, start_account, [],
                               existing=lambda ctx: reads.append(1) or _nothing())
    context = {"ti": FakeTi({})}
    with pytest.raises(TaskDeferred) as deferred:
        operator.execute(context)
    assert calls == ["A", "B"] and reads == [1]  # one read of the organization for the batch
    assert deferred.value.method_name == "account_created"
    resume = deferred.value.kwargs["resume"]
    assert resume == {"position": 1, "results": [{"name": "A", "account_id": "111111111111"}],
                      "existing": {"C": {}}}  # the read, for the account not started yet (see below)
    assert deferred.value.trigger.arguments == {"name": "B", "request_id": "car-b"}

    event = {"status": "done", "probe": "x:y",
             "result": AccountProgress("B", "SUCCEEDED", account_id="222222222222").to_dict()}
    done = operator.account_created(context, event=event, resume=resume)  # as Airflow resumes it
    assert calls == ["A", "B", "C"]  # B is not started again; C follows
    assert done == [{"name": "A", "account_id": "111111111111"}, {"name": "B", "account_id": "222222222222"},
                    {"name": "C", "account_id": "333333333333"}]


def test_a_failed_wait_in_a_batch_names_the_account_it_was_for():
    operator = WAITS["ensure_vpc"](task_id="ensure_vpc", account_names=["A", "B", "C"])
    with pytest.raises(AirflowException, match="attachment of B did not"):
        operator.attachment_ready({}, event={"status": "timeout", "result": {}},
                                  resume={"position": 1, "results": [{"name": "A"}]})


def test_checks_in_the_worker_start_close_together_and_spread_out_to_the_longest_pause():
    from groundwork_airflow.triggers import GRACE_FIRST_PAUSE_SECONDS, grace_pause

    assert grace_pause(0.0, 2.0) == GRACE_FIRST_PAUSE_SECONDS
    assert grace_pause(2.0, 2.0) == 0.5  # a wait that ends goes unnoticed for a quarter of its length at most
    assert grace_pause(60.0, 2.0) == 2.0
    waited, checks = 0.0, 0
    while waited < 10.0:  # the whole grace of a wait that takes longer
        waited += grace_pause(waited, 2.0)
        checks += 1
    assert 10 <= checks <= 16


def test_a_wait_over_in_the_worker_is_noticed_within_a_quarter_of_its_length(monkeypatch):
    """A probe done 2.1 s after the wait began is seen by 2.1 x 1.25 s, not at the next fixed 2 s tick (4 s)."""
    import groundwork_airflow.triggers as triggers

    clock = {"now": 0.0}
    monkeypatch.setattr(triggers.time, "monotonic", lambda: clock["now"])
    monkeypatch.setattr(triggers.time, "sleep", lambda seconds: clock.__setitem__("now", clock["now"] + seconds))
    monkeypatch.setattr(triggers, "resolve_probe", lambda probe: lambda ctx, **_: (clock["now"] >= 2.1, {"at": clock["now"]}))

    class Waiter(triggers.ProbeWait):
        log = __import__("logging").getLogger("waiter")

        def over(self, context, event):
            return event["result"]["at"]

    seen_at = Waiter().wait_on_probe({}, None, None, "x:y", {}, "over")
    assert 2.1 <= seen_at <= 2.1 * 1.25


def _nothing():
    """An organization read in which no account of the batch exists or is being created."""
    from groundwork.reconcile.accounts import Existing

    return Existing({}, {})


def _batch_operator(monkeypatch, start_account, events, existing=lambda ctx: _nothing()):
    """An ensure_account task over A, B, C with the domain calls replaced; placing is logged in `events`."""
    monkeypatch.setattr("groundwork_airflow.phase.load_runtime_config", _config)
    monkeypatch.setattr("groundwork_airflow.aws.context_for", lambda config: __import__("types").SimpleNamespace())
    monkeypatch.setattr("groundwork.phases.foundation.start_account", start_account)
    monkeypatch.setattr("groundwork.phases.foundation.existing_accounts", existing)
    monkeypatch.setattr("groundwork.phases.foundation.place_account",
                        lambda ctx, config, name, account_id, approved: events.append(("place", name)))
    monkeypatch.setattr("groundwork.phases.foundation.is_closed", lambda ctx, account_id: False)
    monkeypatch.setattr("groundwork.phases.probes.create_account", lambda ctx, **arguments: (False, {}))
    monkeypatch.setattr("groundwork.phases.probes.assume_role",
                        lambda ctx, account_id: (True, {"account_id": account_id}))
    operator = WAITS["ensure_account"](task_id="ensure_account", account_names=["A", "B", "C"])
    operator.GRACE_SECONDS = 0.0
    return operator


def test_the_next_account_is_created_as_soon_as_the_one_before_it_is_and_never_started_twice(monkeypatch):
    """A's creation ends: B's CreateAccount goes out before A is placed and waited for, B's turn
    waits on that request (no second start), and the batch ends with every account."""
    from airflow.sdk.exceptions import TaskDeferred

    from groundwork.reconcile.accounts import AccountProgress

    events = []

    def start_account(ctx, config, name, approved, known, existing):
        events.append(("start", name, existing))
        return AccountProgress(name, "IN_PROGRESS", request_id=f"car-{name.lower()}")

    operator = _batch_operator(monkeypatch, start_account, events)
    context = {"ti": FakeTi({})}
    with pytest.raises(TaskDeferred) as deferred:
        operator.execute(context)
    assert deferred.value.trigger.arguments == {"name": "A", "request_id": "car-a"}

    created, resume = {"status": "done", "probe": "x:y"}, deferred.value.kwargs["resume"]
    with pytest.raises(TaskDeferred) as deferred:
        operator.account_created(context, event={**created, "result": AccountProgress(
            "A", "SUCCEEDED", account_id="111111111111").to_dict()}, resume=resume)
    assert events == [("start", "A", _nothing()), ("start", "B", _nothing()), ("place", "A")]
    assert deferred.value.method_name == "account_created"
    assert deferred.value.trigger.arguments == {"name": "B", "request_id": "car-b"}
    resume = deferred.value.kwargs["resume"]
    assert resume["position"] == 1 and "ahead" not in resume

    with pytest.raises(TaskDeferred) as deferred:
        operator.account_created(context, event={**created, "result": AccountProgress(
            "B", "SUCCEEDED", account_id="222222222222").to_dict()}, resume=resume)
    assert [e[:2] for e in events] == [("start", "A"), ("start", "B"), ("place", "A"), ("start", "C"), ("place", "B")]
    resume = deferred.value.kwargs["resume"]
    done = operator.account_created(context, event={**created, "result": AccountProgress(
        "C", "SUCCEEDED", account_id="333333333333").to_dict()}, resume=resume)
    assert [r["account_id"] for r in done] == ["111111111111", "222222222222", "333333333333"]
    assert [e[:2] for e in events].count(("start", "B")) == 1


def test_after_one_creation_the_next_is_checked_every_second_from_when_it_is_expected_to_end(monkeypatch):
    """A took 60 s in AWS: B (requested at 1,100) is expected at 1,160, so its trigger checks every
    second from 1,158; the first account, with nothing seen yet, is polled at the usual interval;
    the shortest creation is what the batch keeps."""
    from airflow.sdk.exceptions import TaskDeferred

    from groundwork.reconcile.accounts import AccountProgress
    from groundwork_airflow.triggers import poll_pause

    requested = {"A": 1000.0, "B": 1100.0, "C": 1200.0}

    def start_account(ctx, config, name, approved, known, existing):
        return AccountProgress(name, "IN_PROGRESS", request_id=f"car-{name.lower()}", requested_at=requested[name])

    operator = _batch_operator(monkeypatch, start_account, [])
    context = {"ti": FakeTi({})}
    with pytest.raises(TaskDeferred) as deferred:
        operator.execute(context)
    assert deferred.value.trigger.fast_from == 0.0
    created, resume = {"status": "done", "probe": "x:y"}, deferred.value.kwargs["resume"]
    with pytest.raises(TaskDeferred) as deferred:
        operator.account_created(context, event={**created, "result": AccountProgress(
            "A", "SUCCEEDED", account_id="111111111111", requested_at=1000.0, completed_at=1060.0).to_dict()},
            resume=resume)
    assert deferred.value.trigger.arguments == {"name": "B", "request_id": "car-b"}
    assert deferred.value.trigger.fast_from == 1100.0 + 60.0 - operator.EXPECTED_END_LEAD_SECONDS
    assert poll_pause(1150.0, 5.0, deferred.value.trigger.fast_from) == 5.0
    assert poll_pause(1156.0, 5.0, deferred.value.trigger.fast_from) == 2.0  # lands on the expected end
    assert poll_pause(1159.0, 5.0, deferred.value.trigger.fast_from) == 1.0

    resume = deferred.value.kwargs["resume"]
    with pytest.raises(TaskDeferred) as deferred:  # B was slower: C still expects the shortest, 60 s
        operator.account_created(context, event={**created, "result": AccountProgress(
            "B", "SUCCEEDED", account_id="222222222222", requested_at=1100.0, completed_at=1190.0).to_dict()},
            resume=resume)
    assert deferred.value.trigger.fast_from == 1200.0 + 60.0 - operator.EXPECTED_END_LEAD_SECONDS
    assert deferred.value.kwargs["resume"]["creation_seconds"] == 60.0


def test_a_trigger_polls_at_its_interval_outside_the_window_of_an_expected_end():
    from groundwork_airflow.triggers import FAST_POLL_SECONDS, FAST_WINDOW_SECONDS, poll_pause

    assert poll_pause(500.0, 5.0) == 5.0  # no expected end
    assert poll_pause(990.0, 5.0, 1000.0) == 5.0
    assert poll_pause(997.5, 5.0, 1000.0) == 2.5
    assert poll_pause(1000.0, 5.0, 1000.0) == FAST_POLL_SECONDS
    assert poll_pause(1000.0 + FAST_WINDOW_SECONDS - 0.1, 5.0, 1000.0) == FAST_POLL_SECONDS
    assert poll_pause(1000.0 + FAST_WINDOW_SECONDS, 5.0, 1000.0) == 5.0  # longer than expected: back to 5 s
    assert poll_pause(1000.0, 0.5, 1000.0) == 0.5  # never slower than its own interval


def test_an_account_that_failed_to_start_ahead_is_started_in_its_turn_reading_the_organization_again(monkeypatch):
    """Starting B ahead fails (a lost answer: the request may have reached AWS): A still finishes,
    and B's own turn starts it again without the organization read before B was asked for."""
    from groundwork.reconcile.accounts import AccountProgress

    events, tries = [], {"B": 0}

    def start_account(ctx, config, name, approved, known, existing):
        events.append(("start", name, existing))
        if name == "B" and tries["B"] == 0:
            tries["B"] += 1
            raise ConnectionError("connection dropped after the request was sent")
        return AccountProgress(name, "SUCCEEDED", account_id={"A": "1", "B": "2", "C": "3"}[name])

    operator = _batch_operator(monkeypatch, start_account, events)
    done = operator.account_created({"ti": FakeTi({})}, event={"status": "done", "probe": "x:y", "result": AccountProgress(
        "A", "SUCCEEDED", account_id="1").to_dict()}, resume={"position": 0, "results": []})
    assert [r["account_id"] for r in done] == ["1", "2", "3"]
    assert ("start", "B", None) in events  # read for again: the organization read may predate its request
    assert events.index(("place", "A")) < events.index(("start", "B", None))


class CountingTi(FakeTi):
    """A task instance that counts what is pulled from XCom."""

    def __init__(self, xcoms: dict):
        super().__init__(xcoms)
        self.pulled = []

    def xcom_pull(self, task_ids=None, key="return_value", **kwargs):
        self.pulled.append((task_ids, key))
        return super().xcom_pull(task_ids=task_ids, key=key, **kwargs)


def test_a_batch_pulls_the_plan_outputs_once_per_task_process_and_only_the_pending_ids(monkeypatch):
    """Every account of a batch needs the run's approved ids and its plan outputs: one pull of each
    per task process (at 1,008 accounts a pull per account of the plan's changes was ~1 s of the
    api-server each, growing with the accounts), and the compact `pending_ids`, never `changes`."""
    from groundwork.reconcile.accounts import AccountProgress

    seen = []

    def start_account(ctx, config, name, approved, known, existing):
        seen.append((name, set(approved), known))
        return AccountProgress(name, "SUCCEEDED", account_id={"A": "111111111111", "B": "222222222222",
                                                              "C": "333333333333"}[name])

    operator = _batch_operator(monkeypatch, start_account, [])
    ti = CountingTi({"pending_ids": ["id-1", "id-2"], "account_ids": {"B": "222222222222"},
                     "changes": "never pulled by a step"})
    done = operator.execute({"ti": ti})
    assert [r["name"] for r in done] == ["A", "B", "C"]
    assert seen == [("A", {"id-1", "id-2"}, None), ("B", {"id-1", "id-2"}, "222222222222"),
                    ("C", {"id-1", "id-2"}, None)]
    plan_pulls = [pull for pull in ti.pulled if pull[0] == "plan"]
    assert sorted(plan_pulls) == [("plan", "account_ids"), ("plan", "pending_ids"), ("plan", "resolved_account_ids")]


def test_ensure_vpc_reads_its_cidr_and_the_approved_ids_once_for_a_batch(monkeypatch):
    seen = []
    monkeypatch.setattr("groundwork_airflow.phase.load_runtime_config", _config)
    monkeypatch.setattr("groundwork_airflow.aws.context_for", lambda config: __import__("types").SimpleNamespace(
        mutating_calls=lambda: []))
    monkeypatch.setattr("groundwork.phases.network.apply_account", lambda ctx, config, name, approved, cidr: seen.append(
        (name, set(approved), cidr)) or {"applied": [], "state": "available", "attachment_id": f"a-{name}"})
    monkeypatch.setattr("groundwork.phases.network.finish_account", lambda ctx, config, name, approved: [])
    operator = WAITS["ensure_vpc"](task_id="ensure_vpc", account_names=["A", "B"])
    ti = CountingTi({"pending_ids": ["id-9"], "cidrs": {"A": "10.1.0.0/16", "B": "10.2.0.0/16"}})
    operator.execute({"ti": ti})
    assert seen == [("A", {"id-9"}, "10.1.0.0/16"), ("B", {"id-9"}, "10.2.0.0/16")]
    assert sorted(p for p in ti.pulled if p[0] == "plan") == [("plan", "cidrs"), ("plan", "pending_ids"),
                                                               ("plan", "resolved_account_ids")]


def test_a_resumed_batch_uses_the_organization_read_carried_across_its_deferral_never_for_a_started_account(
        monkeypatch):
    """A batch reads the organization once, before its first account. What that read said about each
    account of the batch travels with the deferral (plain data), so the resumed task (a new process:
    a new operator here) starts B and C without listing the organization again; an account once
    started leaves the read. C was already made (by hand, say): the read's account is used, never a
    CreateAccount."""
    import json

    from airflow.sdk.exceptions import TaskDeferred

    from groundwork.reconcile.accounts import AccountProgress, Existing

    starts, reads = [], []
    organization = Existing({"c@example.com": {"Id": "333333333333", "Email": "C@example.com",
                                               "JoinedTimestamp": object()}}, {})

    def start_account(ctx, config, name, approved, known, existing):
        starts.append((name, existing))
        if existing is not None and existing.accounts_by_email:
            return AccountProgress(name, "SUCCEEDED", account_id=next(iter(existing.accounts_by_email.values()))["Id"])
        return AccountProgress(name, "IN_PROGRESS", request_id=f"car-{name.lower()}")

    first = _batch_operator(monkeypatch, start_account, [], existing=lambda ctx: reads.append(1) or organization)
    with pytest.raises(TaskDeferred) as deferred:
        first.execute({"ti": FakeTi({})})
    resume = json.loads(json.dumps(deferred.value.kwargs["resume"]))  # as the deferral stores it
    assert set(resume["existing"]) == {"B", "C"}  # A was started: it left the read
    assert resume["existing"]["C"] == {"account": {"Id": "333333333333", "Email": "C@example.com"}}

    second = WAITS["ensure_account"](task_id="ensure_account", account_names=["A", "B", "C"])  # the resumed process
    second.GRACE_SECONDS = 0.0
    with pytest.raises(TaskDeferred) as deferred:
        second.account_created({"ti": FakeTi({})}, event={"status": "done", "probe": "x:y", "result": AccountProgress(
            "A", "SUCCEEDED", account_id="111111111111").to_dict()}, resume=resume)
    assert reads == [1]  # not read again after the deferral
    assert [name for name, _ in starts] == ["A", "B"] and starts[1][1] == Existing({}, {})
    resume = json.loads(json.dumps(deferred.value.kwargs["resume"]))
    assert set(resume["existing"]) == {"C"}

    third = WAITS["ensure_account"](task_id="ensure_account", account_names=["A", "B", "C"])
    third.GRACE_SECONDS = 0.0
    done = third.account_created({"ti": FakeTi({})}, event={"status": "done", "probe": "x:y", "result": AccountProgress(
        "B", "SUCCEEDED", account_id="222222222222").to_dict()}, resume=resume)
    assert reads == [1]
    assert [name for name, _ in starts] == ["A", "B", "C"]  # each started once; C found made, not created
    assert [r["account_id"] for r in done] == ["111111111111", "222222222222", "333333333333"]


def test_a_batch_entry_keeps_only_plain_fields_of_the_read():
    from datetime import datetime, timezone

    from groundwork.reconcile.accounts import Existing
    from groundwork_airflow.accounts import batch_entry

    requested = datetime(2026, 1, 1, tzinfo=timezone.utc)
    read = Existing({"a@x.com": {"Id": "1", "Email": "A@x.com", "JoinedTimestamp": datetime(2026, 1, 1)}},
                    {"B": {"Id": "car-b", "State": "IN_PROGRESS", "AccountName": "B", "RequestedTimestamp": requested}})
    assert batch_entry(read, "a@x.com", "A") == {"account": {"Id": "1", "Email": "A@x.com"}}
    assert batch_entry(read, "b@x.com", "B") == {"request": {"Id": "car-b", "State": "IN_PROGRESS", "AccountName": "B",
                                                             "RequestedTimestamp": requested.timestamp()}}
    assert batch_entry(read, "c@x.com", "C") == {}


def test_a_request_found_under_way_by_the_batch_read_keeps_its_request_time_for_the_expected_end():
    """An account whose creation was already under way when its batch read the organization (a
    cleared batch) is resumed from the carried entry; its RequestedTimestamp survives the trip as
    epoch seconds, so once the batch knows a creation's length it is checked from its expected end."""
    import json
    from datetime import datetime, timezone

    from groundwork.reconcile.accounts import Existing, _progress
    from groundwork_airflow.accounts import batch_entry

    requested = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    read = Existing({}, {"B": {"Id": "car-b", "State": "IN_PROGRESS", "AccountName": "B",
                               "RequestedTimestamp": requested}})
    carried = json.loads(json.dumps(batch_entry(read, "b@x.com", "B")))  # as a deferral stores it
    progress = _progress("B", carried["request"])
    assert progress.requested_at == requested.timestamp()
    operator = WAITS["ensure_account"](task_id="ensure_account", account_names=["A", "B"])
    assert operator.expected_end(progress, {"creation_seconds": 60.0}) == (
        requested.timestamp() + 60.0 - operator.EXPECTED_END_LEAD_SECONDS)
