"""The approval every phase asks for: Airflow's human-in-the-loop request (Required Actions page,
`hitlDetails` REST API), assigned to the approvers the config names *when the task runs*.

Fails closed: a config that does not load, or names no approver, fails the task before any
request is shown (Airflow lets any user answer a request assigned to nobody). A rejection fails
it too ("plan rejected by <user>; nothing was applied"): the phase is visibly not completed and
publishes no Asset.

Why a sensor in reschedule mode and not ApprovalOperator: Airflow 3.3.2 resumes a parked (or
deferred) approval the instant it is answered, and an answer in its first seconds resumes it before
the scheduler has drained the parking process's "finished" report, which then fails the resumed
try (upstream apache/airflow #72716, #71580, #66374; see triggers.py). Here the task is never
parked: the first poke writes the request, later pokes (never sooner than RESUME_FLOOR_SECONDS
apart, no worker slot held between them) read the answer, which Airflow keeps in the request row.
An answer given at any moment is read once, never asked for twice, never lost.

Reading the answer: the Task SDK gives a running task no call for it (only the triggerer has one),
so the poke reads it over Airflow's public REST API as the read-only user of the Airflow
connection named by `approvals.airflow_api_connection_id` (host = the API server's base URL,
login/password = a user that may read the DAG's runs).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from airflow.sdk.bases.sensor import BaseSensorOperator, PokeReturnValue
from airflow.sdk.exceptions import AirflowFailException

from groundwork_airflow.triggers import RESUME_FLOOR_SECONDS

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


def read_answer(connection_id: str, ti) -> dict:
    """This task instance's request, as Airflow's REST API shows it to people."""
    import requests
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(connection_id)
    base = (conn.host or "").rstrip("/")
    if not base.startswith(("http://", "https://")) or not conn.login:
        raise AirflowFailException(
            f"Airflow connection {connection_id!r} must give the API server's URL as host and a "
            "read-only user as login/password: the approval reads its answer there")
    session = requests.Session()
    token = session.post(f"{base}/auth/token", json={"username": conn.login, "password": conn.password},
                         timeout=30)
    token.raise_for_status()
    session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    path = (f"/api/v2/dags/{ti.dag_id}/dagRuns/{quote(ti.run_id, safe='')}/taskInstances/"
            f"{ti.task_id}/{ti.map_index if ti.map_index is not None else -1}/hitlDetails")
    response = session.get(base + path, timeout=30)
    response.raise_for_status()
    return response.json()


class PlanApproval(BaseSensorOperator):
    template_fields = ("subject", "body")
    OPTIONS = OPTIONS

    def __init__(self, *, subject: str, body: str, response_timeout: timedelta = timedelta(days=7),
                 **kwargs):
        super().__init__(mode="reschedule", poke_interval=RESUME_FLOOR_SECONDS,
                         timeout=response_timeout.total_seconds(), retries=0, **kwargs)
        self.subject = subject
        self.body = body

    def _get_next_poke_interval(self, started_at, run_duration, poke_count) -> float:
        """Every 15 s at first, slowing to once a minute for a long wait."""
        return max(RESUME_FLOOR_SECONDS, min(60.0, run_duration() / 10))

    def poke(self, context):
        from airflow.sdk.execution_time.hitl import upsert_hitl_detail

        ti = context["ti"]
        config = runtime_config()
        if ti.get_first_reschedule_date(context) is None:  # this try's first poke: ask
            approvers = runtime_approvers(config)
            upsert_hitl_detail(ti_id=ti.id, options=OPTIONS, subject=self.subject, body=self.body,
                               defaults=None, multiple=False, params={},
                               assigned_users=[{"id": user, "name": user} for user in approvers])
            self.log.info("approval requested from %s", ", ".join(approvers))
            return False
        answer = read_answer(config.approvals.airflow_api_connection_id, ti)
        if not (answer.get("response_received") and answer.get("chosen_options")):
            return False
        return self.decide(list(answer["chosen_options"]), answer.get("responded_by_user"))

    def decide(self, chosen: list[str], responded_by) -> PokeReturnValue:
        """Approve -> done (the answer is the task's XCom); anything else fails, naming who."""
        who = (responded_by or {}).get("name") or (responded_by or {}).get("id") or "an approver"
        if chosen != ["Approve"]:
            raise AirflowFailException(f"plan rejected by {who}; nothing was applied")
        self.log.info("plan approved by %s", who)
        return PokeReturnValue(is_done=True, xcom_value={"chosen_options": chosen, "responded_by_user": who})


def approval(plan_task_id: str = "plan", task_id: str = "approve") -> PlanApproval:
    return PlanApproval(
        task_id=task_id,
        subject="Approve {{ dag.dag_id }}: {{ ti.xcom_pull(task_ids='" + plan_task_id + "', key='headline') }}",
        body=(
            "{{ ti.xcom_pull(task_ids='" + plan_task_id + "', key='markdown') }}\n\n"
            "Approving applies exactly these changes; anything else the apply finds is refused as a stale plan."
        ),
    )
