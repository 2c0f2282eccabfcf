"""Pieces every phase DAG shares: order gate, config validation, approval, Asset publication.

Phase order: phase N+1 is scheduled on phase N's Asset *and* starts with a gate that fails before
any AWS call unless phase N has a successful run, so a manual trigger cannot skip the order.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk.exceptions import AirflowFailException
from airflow.sdk import Asset, task

from groundwork.phases import previous_phase
from groundwork_airflow.approval import PlanApproval, approval  # noqa: F401  (the phases' approval)

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
