"""Phase 2 DAG: gate -> validate -> plan -> [approve: AdminAccess grants or production changes] ->
groups and permission sets -> each account's assignments (mapped, deferred status wait) ->
permission sets removed from the config -> verify -> publish."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, task

from groundwork_airflow import phase
from groundwork_airflow.identity_assignments import EnsureAssignmentsOperator

DAG_ID = "phase2_identity"


def _ctx():
    from groundwork_airflow.aws import context_for

    config = phase.load_runtime_config()
    return config, context_for(config)


@task(task_id="plan", multiple_outputs=True)
def plan_identity():
    """Desired (config) vs actual (Identity Center): the changes this run would make. Fails first,
    with the console step to take, when the organization has no Identity Center instance."""
    from airflow.sdk.exceptions import AirflowFailException

    from groundwork.phases import identity
    from groundwork.reconcile.identity_groups import MissingGroups

    config, ctx = _ctx()
    try:
        plan = identity.plan(ctx, config)
    except (identity.IdentityCenterNotEnabled, MissingGroups) as exc:
        raise AirflowFailException(str(exc)) from None  # retrying will not help
    out = phase.plan_output(plan, needs_approval=identity.needs_approval(plan))
    if out["needs_approval"]:
        out["markdown"] = identity.approval_markdown(plan)
    print(out["headline"])
    for change in plan.pending:
        print(" ", change.summary(), f"[approval: {identity.approval_reason(change)}]" if identity.approval_reason(change) else "")
    return out


@task(task_id="apply_directory", trigger_rule="none_failed_min_one_success")
def apply_directory(**context):
    """Groups (created, or looked up when an external IdP provisions them) and permission sets
    (created/updated; a changed set is re-provisioned to the accounts that use it)."""
    from groundwork.phases import identity

    config, ctx = _ctx()
    return [c.summary() for c in identity.apply_directory(ctx, config, phase.approved_ids(context["ti"]))]


@task(task_id="account_names")
def account_names():
    """The accounts to map the per-account assignment step over (from the config, no AWS call)."""
    return [a.name for a in phase.load_runtime_config().organization.accounts]


@task(task_id="remove_permission_sets")
def remove_permission_sets(**context):
    """Permission sets groundwork created that the config no longer has (their assignments are gone)."""
    from groundwork.phases import identity

    config, ctx = _ctx()
    return [c.summary() for c in identity.remove_permission_sets(ctx, config, phase.approved_ids(context["ti"]))]


@task(task_id="verify")
def verify():
    """A fresh plan must be empty."""
    from groundwork.phases import identity

    config, ctx = _ctx()
    return identity.verify(ctx, config)


def build_identity_dag() -> DAG:
    with DAG(
        dag_id=DAG_ID,
        description="Phase 2, Identity: IAM Identity Center groups, permission sets, account assignments",
        schedule=phase.phase_schedule(DAG_ID),
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,
        default_args=phase.DEFAULT_ARGS,
        tags=["groundwork", "phase2"],
        doc_md=__doc__,
    ) as dag:
        gate = phase.gate(DAG_ID)
        checked = phase.validate()
        plan = plan_identity()
        approve = phase.approval()
        directory = apply_directory()
        decide = phase.needs_approval(plan, approve.task_id, directory.operator.task_id)
        names = account_names()
        assignments = EnsureAssignmentsOperator.partial(
            task_id="ensure_assignments", max_active_tis_per_dagrun=4).expand(account_name=names)
        removed = remove_permission_sets()
        verified = verify()
        gate >> checked >> plan
        decide >> [approve, directory]
        approve >> directory >> names
        assignments >> removed >> verified
        phase.publish(DAG_ID)(verified)
    return dag
