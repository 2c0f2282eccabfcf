"""The approval every phase asks for: Airflow's human-in-the-loop request (Required Actions page,
`hitlDetails` REST API), assigned to the approvers the config names *when the task runs*.

Fails closed: a config that does not load, or names no approver, fails the task before any
request is shown (Airflow lets any user answer a request assigned to nobody). A rejection fails
it too ("plan rejected by <user>; nothing was applied"): the phase is visibly not completed and
publishes no Asset.

Why this shape, and not ApprovalOperator: in Airflow 3.3.2 an answer resumes a deferred (or
parked) task at once, and when the worker process that deferred it has not yet been reported
finished to the scheduler, that stale "finished" report then fails the resumed try ("finished with
state success, but the task instance's state attribute is queued"; upstream apache/airflow #67287,
fixed after 3.3.2, and #72716 / #71580 still open). An approver clicking Approve as soon as the
buttons show hit it (CI, 2026-12-03). So no worker ever defers this task: it starts in the
triggerer (`start_from_trigger`, the scheduler defers it with no worker process), which finds no
request yet and hands the task to a worker once, to write the request; that worker ends by
rescheduling itself (no buttons while up for reschedule; an answer sent over the REST API then is
simply kept), and RESCHEDULE_SECONDS later the scheduler defers it to the triggerer again,
still with no worker process. Only then does Airflow show Approve/Reject, and the only worker
report still pending is RESCHEDULE_SECONDS old. An answer is never lost and never asked for twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from airflow.providers.standard.triggers.hitl import HITLTrigger
from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException, AirflowRescheduleException, AirflowRuntimeError
from airflow.triggers.base import StartTriggerArgs, TriggerEvent
from groundwork_airflow.triggers import RESUME_FLOOR_SECONDS, api_not_found

OPTIONS = ["Approve", "Reject"]

# The worker that writes the request reschedules itself for this long before the approval is
# deferred and its buttons show: its own "finished" report must reach the scheduler first. The
# longest report lag in 1,568 finished tasks of six CI runs was 8.9 s.
RESCHEDULE_SECONDS = RESUME_FLOOR_SECONDS
RESPONSE_TIMEOUT = timedelta(days=7)


def runtime_config():
    from groundwork.config.loader import ConfigError, load_config

    try:
        return load_config()
    except ConfigError as exc:
        raise AirflowFailException(f"no approval can be asked: the config does not load.\n{exc}") from None


def runtime_approvers(config) -> list[str]:
    """The approvers the config names, never an empty list."""
    approvers = list(config.approvals.approvers)
    if not approvers:
        raise AirflowFailException(
            "no approval can be asked: approvals.approvers in the config names nobody, and Airflow lets "
            "anyone answer a request assigned to nobody. Name the Airflow users who approve.")
    return approvers


class ApprovalTrigger(HITLTrigger):
    """Airflow's HITL trigger for a task started in the triggerer: its task instance is the one
    the triggerer attaches (`self.task_instance`). No request yet -> an `ask` event (a worker
    writes it); a request -> wait for its answer or the timeout, counted from this deferral."""

    def __init__(self, *, response_timeout_seconds: float, poke_interval: float = 2.0, **_ignored):
        super().__init__(ti_id=None, options=OPTIONS, params={}, defaults=None, multiple=False,
                         timeout_datetime=None, poke_interval=poke_interval)
        self.response_timeout_seconds = response_timeout_seconds

    def serialize(self):
        return (f"{type(self).__module__}.{type(self).__qualname__}",
                {"response_timeout_seconds": self.response_timeout_seconds, "poke_interval": self.poke_interval})

    async def run(self):
        from asgiref.sync import sync_to_async
        from airflow.sdk.execution_time.hitl import get_hitl_detail_content_detail

        ti = self.task_instance
        self.ti_id = ti.id
        try:
            await sync_to_async(get_hitl_detail_content_detail)(ti_id=self.ti_id)
        except AirflowRuntimeError as exc:
            if not api_not_found(exc):
                raise
            yield TriggerEvent({"ask": True})
            return
        started = getattr(ti, "start_date", None) or datetime.now(timezone.utc)
        self.timeout_datetime = started + timedelta(seconds=self.response_timeout_seconds)
        async for event in super().run():
            yield event
            return


class PlanApproval(BaseOperator):
    """Approve/Reject, asked of the configured approvers; see the module docstring for the shape."""

    template_fields = ("subject", "body")
    OPTIONS = OPTIONS
    reschedule = True  # its reschedule date is honoured like a sensor's

    def __init__(self, *, subject: str, body: str, response_timeout: timedelta = RESPONSE_TIMEOUT, **kwargs):
        super().__init__(retries=0, **kwargs)
        self.subject = subject
        self.body = body
        self.response_timeout = response_timeout
        self.start_from_trigger = True
        self.start_trigger_args = StartTriggerArgs(
            trigger_cls=f"{ApprovalTrigger.__module__}.{ApprovalTrigger.__qualname__}",
            trigger_kwargs={"response_timeout_seconds": response_timeout.total_seconds()},
            next_method="resume", next_kwargs=None, timeout=None)

    def execute(self, context):  # only reached if the task is run without the triggerer (airflow tasks test)
        return self.resume(context, {"ask": True})

    def resume(self, context, event=None):
        event = event or {}
        if event.get("ask"):
            return self.ask(context)
        if "error" in event:
            raise AirflowFailException(f"no answer to the approval: {event['error']}")
        return self.decide(list(event.get("chosen_options") or []), event.get("responded_by_user"))

    def ask(self, context):
        """Write the request, then leave the worker: the scheduler defers the task again later."""
        from airflow.sdk.execution_time.hitl import upsert_hitl_detail

        ti = context["ti"]
        approvers = runtime_approvers(runtime_config())
        upsert_hitl_detail(ti_id=ti.id, options=OPTIONS, subject=self.subject, body=self.body,
                           defaults=None, multiple=False, params={},
                           assigned_users=[{"id": user, "name": user} for user in approvers])
        self.log.info("approval requested from %s; shown with its buttons in %.0f s",
                      ", ".join(approvers), RESCHEDULE_SECONDS)
        raise AirflowRescheduleException(datetime.now(timezone.utc) + timedelta(seconds=RESCHEDULE_SECONDS))

    def decide(self, chosen: list[str], responded_by) -> dict:
        """Approve -> done (the answer is the task's XCom); anything else fails, naming who."""
        who = (responded_by or {}).get("name") or (responded_by or {}).get("id") or "an approver"
        if chosen != ["Approve"]:
            raise AirflowFailException(f"plan rejected by {who}; nothing was applied")
        self.log.info("plan approved by %s", who)
        return {"chosen_options": chosen, "responded_by_user": who}


def approval(plan_task_id: str = "plan", task_id: str = "approve") -> PlanApproval:
    return PlanApproval(
        task_id=task_id,
        subject="Approve {{ dag.dag_id }}: {{ ti.xcom_pull(task_ids='" + plan_task_id + "', key='headline') }}",
        body=(
            "{{ ti.xcom_pull(task_ids='" + plan_task_id + "', key='markdown') }}\n\n"
            "Approving applies exactly these changes; anything else the apply finds is refused as a stale plan."
        ),
    )
