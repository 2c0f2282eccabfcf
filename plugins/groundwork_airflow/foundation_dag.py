"""Phase 1 DAG: validate -> plan -> [approve] -> structure -> accounts (mapped) -> SCPs -> verify -> publish."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, task

from groundwork_airflow import phase
from groundwork_airflow.accounts import EnsureAccountOperator

DAG_ID = "phase1_foundation"


def _ctx():
    from groundwork_airflow.aws import context_for

    config = phase.load_runtime_config()
    return config, context_for(config)


@task(task_id="plan", multiple_outputs=True)
def plan_foundation():
    """Desired (config) vs actual (AWS): the changes this run would make."""
    from groundwork.phases import foundation

    config, ctx = _ctx()
    plan, account_ids = foundation.plan_with_ids(ctx, config)
    out = phase.plan_output(plan, needs_approval=not plan.is_empty())
    out["account_ids"] = account_ids
    print(out["headline"])
    for change in plan.pending:
        print(" ", change.summary())
    return out


@task(task_id="account_names")
def account_names():
    """The accounts to map the per-account step over (from the config, no AWS call)."""
    return [a.name for a in phase.load_runtime_config().organization.accounts]


@task(task_id="apply_structure", trigger_rule="none_failed_min_one_success")
def apply_structure(**context):
    """The organization (all features), SCP policy type and OUs, parents first."""
    from groundwork.phases import foundation

    config, ctx = _ctx()
    done = foundation.apply_structure(ctx, config, phase.approved_ids(context["ti"]))
    return [c.summary() for c in done]


@task(task_id="apply_policies")
def apply_policies(**context):
    """Guardrail SCPs created/updated and attached at OU level; removed ones detached and deleted."""
    from groundwork.phases import foundation

    config, ctx = _ctx()
    done = foundation.apply_policies(ctx, config, phase.approved_ids(context["ti"]))
    return [c.summary() for c in done]


@task(task_id="verify")
def verify():
    """A fresh plan must be empty and every account reachable; returns the account ids."""
    from groundwork.phases import foundation

    config, ctx = _ctx()
    ids = foundation.verify(ctx, config)
    return {"phase": DAG_ID, "accounts": ids}


def build_foundation_dag() -> DAG:
    with DAG(
        dag_id=DAG_ID,
        description="Phase 1, Foundation: Organizations, OUs, baseline accounts, SCPs",
        schedule=phase.phase_schedule(DAG_ID),
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,
        default_args=phase.DEFAULT_ARGS,
        tags=["groundwork", "phase1"],
        doc_md=__doc__,
    ) as dag:
        checked = phase.validate()
        plan = plan_foundation()
        approve = phase.approval()
        structure = apply_structure()
        decide = phase.needs_approval(plan, approve.task_id, structure.operator.task_id)
        names = account_names()
        accounts = EnsureAccountOperator.partial(task_id="ensure_account", max_active_tis_per_dagrun=4).expand(
            account_name=names
        )
        policies = apply_policies()
        verified = verify()
        checked >> plan
        decide >> [approve, structure]
        approve >> structure >> names
        accounts >> policies >> verified
        phase.publish(DAG_ID)(verified)
    return dag
