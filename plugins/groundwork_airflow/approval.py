"""The approval every phase asks for: Airflow's human-in-the-loop request (Required Actions page,
`hitlDetails` REST API), assigned to the approvers the config names *when the task runs*.

Fails closed: a config that does not load, or names no approver, fails the task before any
request is shown (Airflow lets any user answer a request assigned to nobody). A rejection fails
it too ("plan rejected by <user>; nothing was applied"): the phase is visibly not completed and
publishes no Asset.

Why not ApprovalOperator: Airflow 3.3.2 resumes a parked (or deferred) approval the instant it is
answered, and an answer in the first seconds after the task parked resumes it before the
scheduler has drained the parking process's "finished" report, which then fails the resumed try
(upstream apache/airflow #72716, #71580, #66374; see triggers.py). So the request is written by a
first poke in reschedule mode (nothing is parked: an answer given over the REST API in this
window is simply kept in the request row), and only RESUME_FLOOR_SECONDS later does the task
defer to a trigger that reads the kept answer and never fires before RESUME_FLOOR_SECONDS after
that deferral. An answer is never lost and never asked for twice. The Airflow UI offers the
Approve/Reject buttons once the task is deferred (it shows them only for deferred or
awaiting-input tasks); an answer in the first ~5 s after that moment is the one case left
exposed to the upstream race.
"""

from __future__ import annotations

import time
from datetime import timedelta

from airflow.providers.standard.triggers.hitl import HITLTrigger
from airflow.sdk.bases.sensor import BaseSensorOperator
from airflow.sdk.exceptions import AirflowFailException
from groundwork_airflow.triggers import RESUME_FLOOR_SECONDS, hold_until

OPTIONS = ["Approve", "Reject"]


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


class KeptAnswerTrigger(HITLTrigger):
    """Airflow's HITL trigger (reads the request row in the triggerer), holding its event until
    `not_before` so the task never resumes before the scheduler drained its deferral report."""

    def __init__(self, *, not_before: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.not_before = not_before

    def serialize(self):
        _, kwargs = super().serialize()
        return f"{type(self).__module__}.{type(self).__qualname__}", {**kwargs, "not_before": self.not_before}

    async def run(self):
        async for event in super().run():
            await hold_until(self.not_before)
            yield event
            return


# The first poke ends by rescheduling itself; its executor report must reach the scheduler before
# the second poke is queued, or Airflow 3.3.2 fails the task as "finished with state success, but
# the state attribute is queued". 15 s (the resume floor) was seen too short twice on 2026-12-03
# (once under load, once on a quiet machine in the UI test); twice the floor.
RESCHEDULE_SECONDS = 2 * RESUME_FLOOR_SECONDS


class PlanApproval(BaseSensorOperator):
    template_fields = ("subject", "body")
    OPTIONS = OPTIONS

    def __init__(self, *, subject: str, body: str, response_timeout: timedelta = timedelta(days=7),
                 **kwargs):
        super().__init__(mode="reschedule", poke_interval=RESCHEDULE_SECONDS,
                         timeout=response_timeout.total_seconds() + 3600, retries=0, **kwargs)
        self.subject = subject
        self.body = body
        self.response_timeout = response_timeout

    def poke(self, context):
        from airflow.sdk.execution_time.hitl import upsert_hitl_detail

        ti = context["ti"]
        first_poke = ti.get_first_reschedule_date(context)
        if first_poke is None:  # this try's first poke: ask, and wait RESUME_FLOOR_SECONDS unparked
            approvers = runtime_approvers(runtime_config())
            upsert_hitl_detail(ti_id=ti.id, options=OPTIONS, subject=self.subject, body=self.body,
                               defaults=None, multiple=False, params={},
                               assigned_users=[{"id": user, "name": user} for user in approvers])
            self.log.info("approval requested from %s", ", ".join(approvers))
            return False
        self.log.info("waiting for the answer (deferred, no worker slot held)")
        self.defer(
            trigger=KeptAnswerTrigger(ti_id=ti.id, options=OPTIONS, params={}, defaults=None, multiple=False,
                                      timeout_datetime=first_poke + self.response_timeout,
                                      not_before=time.time() + RESUME_FLOOR_SECONDS),
            method_name="execute_complete",
        )

    def execute_complete(self, context, event):
        if "error" in (event or {}):
            raise AirflowFailException(f"no answer to the approval: {event['error']}")
        return self.decide(list(event.get("chosen_options") or []), event.get("responded_by_user"))

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
