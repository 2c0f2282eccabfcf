"""Phase 4 DAG: gate -> validate -> plan -> [approve: any change to the Log Archive account or the
trail] -> log archive -> organization trail -> trail_logging (deferred until the trail logs) ->
delegation -> each account (mapped: Config, GuardDuty, Security Hub in every allowed region) ->
organization configuration -> verify -> publish."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, BaseOperator, task

from groundwork_airflow import phase
from groundwork_airflow.triggers import ProbeWait

DAG_ID = "phase4_observability"
TRAIL_PROBE = "groundwork.phases.observability:trail_logging"


def _ctx():
    from groundwork_airflow.aws import context_for

    config = phase.load_runtime_config()
    return config, context_for(config)


def approval_markdown(plan, config) -> str:
    """What the approver reads: the changes to the Log Archive account and the trail."""
    from groundwork.phases.observability import approval_changes
    from groundwork.plan.model import Plan, render_markdown

    guarded = approval_changes(plan, config)
    others = len(plan.pending) - len(guarded)
    text = render_markdown(Plan(plan.phase, tuple(guarded), plan.notes))
    return text + (f"\n\nChanges to the Log Archive account and the organization trail only; {others} other "
                   "change(s) in this plan (Config, GuardDuty, Security Hub in other accounts) need no approval.")


@task(task_id="plan", multiple_outputs=True)
def plan_observability():
    """Desired (config) vs actual (every account and allowed region). Changes to the Log Archive
    account or the organization trail need approval."""
    from groundwork.phases import observability

    config, ctx = _ctx()
    plan = observability.plan(ctx, config)
    needed = observability.needs_approval(plan, config)
    out = phase.plan_output(plan, needs_approval=needed)
    if needed:
        out["markdown"] = approval_markdown(plan, config)
    print(out["headline"])
    for change in plan.pending:
        print(" ", change.summary())
    for note in plan.notes:
        print(note)
    return out


def _applied(done) -> list[str]:
    lines = [c.summary() for c in done]
    for line in lines:
        print("applied:", line)
    return lines


@task(task_id="apply_log_archive", trigger_rule="none_failed_min_one_success")
def apply_log_archive(**context):
    """Roles, the log keys, the account's public access block and the buckets (replicas first);
    protected bucket and key settings as the break-glass role."""
    from groundwork.phases import observability

    config, ctx = _ctx()
    return _applied(observability.apply_log_archive(ctx, config, phase.approved_ids(context["ti"])))


@task(task_id="apply_trail")
def apply_trail(**context):
    """The organization trail from the management account; logging started."""
    from groundwork.phases import observability

    config, ctx = _ctx()
    return _applied(observability.apply_trail(ctx, config, phase.approved_ids(context["ti"])))


class TrailLoggingSensor(ProbeWait, BaseOperator):
    """Done when the organization trail logs: checked once, then deferred to the triggerer (no
    worker slot held) until it does."""

    def __init__(self, *, poll_interval: float = 10.0, timeout_after: timedelta = timedelta(minutes=15), **kwargs):
        super().__init__(**kwargs)
        self.poll_interval = poll_interval
        self.timeout_after = timeout_after

    def execute(self, context):
        config, ctx = _ctx()
        return self.wait_on_probe(context, config, ctx, TRAIL_PROBE, {"trail_name": config.observability.trail_name},
                                  "logging", poll_interval=self.poll_interval,
                                  timeout=self.timeout_after.total_seconds())

    def logging(self, context, event):
        from airflow.exceptions import AirflowException

        if event.get("status") != "done":
            raise AirflowException(f"the organization trail did not start logging: {event}")
        self.log.info("trail %s is logging", event["result"].get("arn"))
        return event["result"]


@task(task_id="apply_delegation")
def apply_delegation(**context):
    """The Audit account as GuardDuty / Security Hub administrator per region and as Config's
    delegated administrator; the organization aggregator."""
    from groundwork.phases import observability

    config, ctx = _ctx()
    return _applied(observability.apply_delegation(ctx, config, phase.approved_ids(context["ti"])))


@task(task_id="account_names")
def account_names():
    """The accounts to map the per-account step over (from the config, no AWS call)."""
    from groundwork.phases.observability import account_names as names

    return names(phase.load_runtime_config())


@task(task_id="apply_account", max_active_tis_per_dagrun=4)
def apply_account(account_name: str, **context):
    """One account, every allowed region: Config recorder + delivery channel started, a GuardDuty
    detector, Security Hub with the configured standards."""
    from groundwork.phases import observability

    config, ctx = _ctx()
    done = observability.apply_account(ctx, config, account_name, phase.approved_ids(context["ti"]))
    print(f"{account_name}: mutating calls: {[c.operation for c in ctx.mutating_calls()] or 'none'}")
    return _applied(done)


@task(task_id="apply_organization")
def apply_organization(**context):
    """In the Audit account, per region: auto-enable for new accounts, every account a member."""
    from groundwork.phases import observability

    config, ctx = _ctx()
    return _applied(observability.apply_organization(ctx, config, phase.approved_ids(context["ti"])))


@task(task_id="verify")
def verify():
    """A fresh plan must be empty and the trail logging."""
    from groundwork.phases import observability

    config, ctx = _ctx()
    return observability.verify(ctx, config)


def build_observability_dag() -> DAG:
    with DAG(
        dag_id=DAG_ID,
        description="Phase 4, Observability: log archive, organization trail, Config, GuardDuty, Security Hub",
        schedule=phase.phase_schedule(DAG_ID),
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,
        default_args=phase.DEFAULT_ARGS,
        tags=["groundwork", "phase4"],
        doc_md=__doc__,
    ) as dag:
        gate = phase.gate(DAG_ID)
        checked = phase.validate()
        plan = plan_observability()
        approve = phase.approval()
        archive = apply_log_archive()
        decide = phase.needs_approval(plan, approve.task_id, archive.operator.task_id)
        trail = apply_trail()
        logging = TrailLoggingSensor(task_id="trail_logging")
        delegation = apply_delegation()
        names = account_names()
        accounts = apply_account.expand(account_name=names)
        organization = apply_organization()
        verified = verify()
        gate >> checked >> plan
        decide >> [approve, archive]
        approve >> archive >> trail >> logging >> delegation >> names
        accounts >> organization >> verified
        phase.publish(DAG_ID)(verified)
    return dag
