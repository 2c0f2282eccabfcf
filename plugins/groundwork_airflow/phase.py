"""Pieces every phase DAG shares: order gate, config validation, approval, Asset publication.

Phase order: phase N+1 is scheduled on phase N's Asset *and* starts with a gate that passes only
when phase N's latest run succeeded on the current config of what it owns, waits (deferred) while
that run is still going, and otherwise fails before any AWS call: a manual trigger cannot skip the
order (`groundwork_airflow.gate`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk.exceptions import AirflowFailException
from airflow.sdk import DAG, Asset, task

from groundwork.phases import previous_phase
from groundwork_airflow.approval import PlanApproval, approval  # noqa: F401  (the phases' approval)
from groundwork_airflow.gate import PhaseGate, record_run

DEFAULT_ARGS = {"owner": "platform", "retries": 2, "retry_delay": timedelta(seconds=20)}


def groundwork_dag(dag_id: str, *, description: str, schedule, tag: str, doc_md: str, **options) -> DAG:
    """Every groundwork DAG: one run at a time, no catch-up, the shared retries, tagged."""
    return DAG(dag_id=dag_id, description=description, schedule=schedule, start_date=datetime(2026, 1, 1),
               catchup=False, max_active_runs=1, default_args=DEFAULT_ARGS, tags=["groundwork", tag],
               doc_md=doc_md, **options)


def phase_asset(dag_id: str) -> Asset:
    return Asset(name=f"groundwork_{dag_id}", uri=f"groundwork://phases/{dag_id}", group="groundwork")


def phase_schedule(dag_id: str):
    previous = previous_phase(dag_id)
    return phase_asset(previous) if previous else None


def load_runtime_config():
    from groundwork.config.loader import load_config

    return load_config()


def gate(dag_id: str) -> PhaseGate:
    """Pass, refuse or wait on the phase before `dag_id`: see `groundwork_airflow.gate`."""
    return PhaseGate(task_id="gate", gated_dag_id=dag_id, previous=previous_phase(dag_id))


@task(task_id="validate", retries=0)
def validate(**context):
    """Load and validate the whole config; fail with every problem listed, nothing applied. This run
    becomes its phase's latest run, with the digest of the config it plans against (see `gate`)."""
    from groundwork.config.loader import ConfigError, config_path
    from groundwork.phases.gates import owned_digest

    from groundwork.phases.spec import SPECS

    dag_id, run_id = context["dag"].dag_id, context["run_id"]
    a_phase = dag_id in SPECS  # (drift detection validates too, and is no phase)
    try:
        config = load_runtime_config()
    except ConfigError as exc:
        if a_phase:
            record_run(dag_id, run_id, None)
        raise AirflowFailException(str(exc)) from None
    if a_phase:
        record_run(dag_id, run_id, owned_digest(config, dag_id))
    return {
        "config": str(config_path()),
        "accounts": len(config.organization.accounts),
        "ous": len(config.ou_paths()),
    }


@task.branch(task_id="needs_approval", retries=0)
def needs_approval(plan: dict, approval_task_id: str, apply_task_id: str, verify_task_id: str | None = None):
    """The approval when the plan needs one, else the first step; with `verify_task_id`, a plan
    with no change at all goes straight to verify: every step would find nothing to do (verify is a
    fresh plan that must be empty), so a converged rerun is plan, verify, publish."""
    if verify_task_id and not any(c["action"] != "noop" for c in plan["changes"]):
        print("nothing to change: every step is skipped, verify reads AWS again")
        return verify_task_id
    return approval_task_id if plan["needs_approval"] else apply_task_id


def with_run_account_ids(ctx, ti):
    """`ctx` with the account ids this run's plan resolved (phases 2-5; see PhaseSpec.accounts_exist)."""
    from groundwork.phases.spec import RESOLVED_ACCOUNT_IDS

    ids = ti.xcom_pull(task_ids="plan", key=RESOLVED_ACCOUNT_IDS)
    if ids is not None:
        ctx.account_ids = ids
    return ctx


def plan_had_no_change(ti) -> bool:
    """This run's plan is there and has no change (so its steps were skipped and nothing applied);
    False when the plan's output is missing (fail closed: verify then reads everything again)."""
    changes = ti.xcom_pull(task_ids="plan", key="changes")
    return changes is not None and all(c["action"] == "noop" for c in changes)


def approved_ids(ti, plan_task_id: str = "plan") -> set[str]:
    """Ids of the changes in this run's plan: all that apply may do (no plan output: nothing). Read
    from the plan's `pending_ids`, not its `changes`: a task pulls them for every account it does,
    and at 1,008 accounts the changes (before and after of each) were megabytes per pull, ~1 s of
    the api-server each, and grew with the accounts: quadratic over a step (docs/benchmarks.md)."""
    return set(ti.xcom_pull(task_ids=plan_task_id, key="pending_ids") or ())


def plan_output(plan, needs_approval: bool) -> dict:
    """What a plan task returns (multiple_outputs): data, a readable form, and the decision."""
    from groundwork.plan.model import render_text

    data = plan.to_dict()
    return {
        "changes": data["changes"],
        "pending_ids": sorted(c.id for c in plan.pending),  # what apply may do (approved_ids)
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
