"""Pieces every phase DAG shares: order gate, config validation, approval, Asset publication.

Phase order: phase N+1 is scheduled on phase N's Asset *and* starts with a gate that fails before
any AWS call unless phase N has a successful run, so a manual trigger cannot skip the order.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk.exceptions import AirflowFailException
from airflow.sdk import Asset, task
from airflow.sdk.bases.sensor import BaseSensorOperator, PokeReturnValue

from groundwork.phases import previous_phase
from groundwork_airflow.triggers import RESUME_FLOOR_SECONDS

DEFAULT_ARGS = {"owner": "platform", "retries": 2, "retry_delay": timedelta(seconds=20)}


def phase_asset(dag_id: str) -> Asset:
    return Asset(name=f"groundwork_{dag_id}", uri=f"groundwork://phases/{dag_id}", group="groundwork")


def phase_schedule(dag_id: str):
    previous = previous_phase(dag_id)
    return phase_asset(previous) if previous else None


def load_runtime_config():
    from groundwork.config.loader import load_config

    return load_config()


@task(task_id="gate", retries=0)
def gate(dag_id: str, **context):
    """Fail, before any AWS call, unless the previous phase has succeeded at least once."""
    previous = previous_phase(dag_id)
    if previous is None:
        return "first phase"
    successes = context["ti"].get_dr_count(dag_id=previous, states=["success"])
    if not successes:
        raise AirflowFailException(
            f"{dag_id} must run after {previous}, which has no successful run yet. "
            f"Run {previous} first; {dag_id} starts by itself when it succeeds."
        )
    return f"{previous} has {successes} successful run(s)"


@task(task_id="validate", retries=0)
def validate():
    """Load and validate the whole config; fail with every problem listed, nothing applied."""
    from groundwork.config.loader import ConfigError, config_path

    try:
        config = load_runtime_config()
    except ConfigError as exc:
        raise AirflowFailException(str(exc)) from None
    return {
        "config": str(config_path()),
        "accounts": len(config.organization.accounts),
        "ous": len(config.ou_paths()),
    }


@task.branch(task_id="needs_approval", retries=0)
def needs_approval(plan: dict, approval_task_id: str, apply_task_id: str):
    return approval_task_id if plan["needs_approval"] else apply_task_id


class PlanApproval(BaseSensorOperator):
    """Airflow's human-in-the-loop approval (Required Actions page, `hitlDetails` REST API),
    assigned to the approvers the config names *when the task runs*, showing the plan.

    Fails closed: a config that does not load, or names no approver, fails this task before any
    request is shown (Airflow lets any user answer a request assigned to nobody). A rejection
    fails it too ("plan rejected by <user>; nothing was applied"), so the phase is visibly not
    completed and publishes no Asset.

    Why a sensor in reschedule mode and not ApprovalOperator: Airflow 3.3.2 resumes a parked
    approval the instant it is answered, and an answer in its first seconds resumes it before the
    scheduler has drained the parking process's "finished" report, which then fails the resumed try
    (see triggers.py). Here the request is written on the first poke and the answer is read on
    later pokes, never sooner than RESUME_FLOOR_SECONDS apart: the answer is kept in the request
    row, read once, never asked for twice, never lost. No worker slot is held between pokes."""

    OPTIONS = ["Approve", "Reject"]
    template_fields = ("subject", "body")

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
        from airflow.sdk.execution_time.hitl import get_hitl_detail_content_detail, upsert_hitl_detail

        ti = context["ti"]
        if ti.get_first_reschedule_date(context) is None:  # this try's first poke: ask
            approvers = runtime_approvers()
            upsert_hitl_detail(ti_id=ti.id, options=self.OPTIONS, subject=self.subject, body=self.body,
                               defaults=None, multiple=False, params={},
                               assigned_users=[{"id": user, "name": user} for user in approvers])
            self.log.info("approval requested from %s", ", ".join(approvers))
            return False
        answer = get_hitl_detail_content_detail(ti_id=ti.id)
        if not (answer.response_received and answer.chosen_options):
            return False
        return self.decide(list(answer.chosen_options), answer.responded_by_user)

    def decide(self, chosen: list[str], responded_by) -> PokeReturnValue:
        """Approve -> done (the answer is the task's XCom); anything else fails, naming who."""
        if isinstance(responded_by, dict):
            who = responded_by.get("name") or responded_by.get("id")
        else:
            who = getattr(responded_by, "name", None)
        who = who or "an approver"
        if chosen != ["Approve"]:
            raise AirflowFailException(f"plan rejected by {who}; nothing was applied")
        self.log.info("plan approved by %s", who)
        return PokeReturnValue(is_done=True, xcom_value={"chosen_options": chosen, "responded_by_user": who})


def runtime_approvers() -> list[str]:
    """The approvers named in the config, read when the approval runs; never an empty list."""
    from groundwork.config.loader import ConfigError

    try:
        approvers = list(load_runtime_config().approvals.approvers)
    except ConfigError as exc:
        raise AirflowFailException(f"no approval can be asked: the config does not load.\n{exc}") from None
    if not approvers:
        raise AirflowFailException(
            "no approval can be asked: approvals.approvers in the config names nobody, and Airflow lets "
            "anyone answer a request assigned to nobody. Name the Airflow users who approve.")
    return approvers


def approval(plan_task_id: str = "plan", task_id: str = "approve") -> PlanApproval:
    return PlanApproval(
        task_id=task_id,
        subject="Approve {{ dag.dag_id }}: {{ ti.xcom_pull(task_ids='" + plan_task_id + "', key='headline') }}",
        body=(
            "{{ ti.xcom_pull(task_ids='" + plan_task_id + "', key='markdown') }}\n\n"
            "Approving applies exactly these changes; anything else the apply finds is refused as a stale plan."
        ),
    )


def approved_ids(ti, plan_task_id: str = "plan") -> set[str]:
    """Ids of the changes in this run's plan: all that apply may do (empty plan: nothing)."""
    changes = ti.xcom_pull(task_ids=plan_task_id, key="changes") or []
    return {c["id"] for c in changes if c["action"] != "noop"}


def plan_output(plan, needs_approval: bool) -> dict:
    """What a plan task returns (multiple_outputs): data, a readable form, and the decision."""
    from groundwork.plan.model import render_text

    data = plan.to_dict()
    return {
        "changes": data["changes"],
        "digest": data["digest"],
        "counts": data["counts"],
        "markdown": data["markdown"],
        "headline": render_text(plan).splitlines()[0],
        "needs_approval": needs_approval,
    }


def publish(dag_id: str):
    asset = phase_asset(dag_id)

    @task(task_id="publish", outlets=[asset], retries=0)
    def _publish(result: dict, **context):
        context["outlet_events"][asset].extra = result
        return result

    return _publish
