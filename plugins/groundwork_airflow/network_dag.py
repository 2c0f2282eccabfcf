"""Phase 3 DAG: gate -> validate -> plan -> [approve, production changes only] -> hub ->
each account's VPC (mapped, deferred attachment wait) -> TGW routing -> DNS -> verify -> publish."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, task

from groundwork_airflow import phase
from groundwork_airflow.network_vpc import EnsureVpcOperator

DAG_ID = "phase3_network"


def _ctx():
    from groundwork_airflow.aws import context_for

    config = phase.load_runtime_config()
    return config, context_for(config)


def approval_markdown(plan) -> str:
    """What the approver reads: the production changes (the only ones that need approval)."""
    from groundwork.phases.network import production_changes
    from groundwork.plan.model import Plan, render_markdown

    production = production_changes(plan)
    others = len(plan.pending) - len(production)
    text = render_markdown(Plan(plan.phase, tuple(production), plan.notes))
    return text + f"\n\nProduction changes only; {others} other change(s) in this plan need no approval."


@task(task_id="plan", multiple_outputs=True)
def plan_network():
    """Desired (config) vs actual (every account): the changes this run would make, the CIDR plan
    and its capacity. Only changes to production VPCs or route tables need approval."""
    from groundwork.phases import network

    config, ctx = _ctx()
    plan, view = network.plan_with_view(ctx, config)
    production = network.production_changes(plan)
    out = phase.plan_output(plan, needs_approval=bool(production))
    if production:
        out["markdown"] = approval_markdown(plan)
    out["cidrs"] = view.cidrs.blocks
    out["capacity"] = view.cidrs.capacity_line()
    print(out["headline"])
    for change in plan.pending:
        print(" ", change.summary(), "(production)" if change.production else "")
    print(out["capacity"])
    return out


@task(task_id="apply_hub", trigger_rule="none_failed_min_one_success")
def apply_hub(**context):
    """RAM sharing with the organization, the Transit Gateway, a route table per segment, the share."""
    from groundwork.phases import network

    config, ctx = _ctx()
    return [c.summary() for c in network.apply_hub(ctx, config, phase.approved_ids(context["ti"]))]


@task(task_id="account_names")
def account_names():
    """The accounts to map the per-account VPC step over (from the config, no AWS call)."""
    from groundwork.reconcile.network_layout import network_accounts

    return [a.name for a in network_accounts(phase.load_runtime_config())]


@task(task_id="apply_routing")
def apply_routing(**context):
    """Associations, propagations and the default route to egress on the Transit Gateway."""
    from groundwork.phases import network

    config, ctx = _ctx()
    return [c.summary() for c in network.apply_routing(ctx, config, phase.approved_ids(context["ti"]))]


@task(task_id="apply_dns")
def apply_dns(**context):
    """The private hosted zone and its association with every account's VPC."""
    from groundwork.phases import network

    config, ctx = _ctx()
    return [c.summary() for c in network.apply_dns(ctx, config, phase.approved_ids(context["ti"]))]


@task(task_id="verify")
def verify():
    """A fresh plan must be empty and every attachment available."""
    from groundwork.phases import network

    config, ctx = _ctx()
    return network.verify(ctx, config)


def build_network_dag() -> DAG:
    with DAG(
        dag_id=DAG_ID,
        description="Phase 3, Network: Transit Gateway hub, one VPC per account, CIDR plan, egress, endpoints, DNS",
        schedule=phase.phase_schedule(DAG_ID),
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,
        default_args=phase.DEFAULT_ARGS,
        tags=["groundwork", "phase3"],
        doc_md=__doc__,
    ) as dag:
        gate = phase.gate(DAG_ID)
        checked = phase.validate()
        plan = plan_network()
        approve = phase.approval()
        hub = apply_hub()
        decide = phase.needs_approval(plan, approve.task_id, hub.operator.task_id)
        names = account_names()
        vpcs = EnsureVpcOperator.partial(task_id="ensure_vpc", max_active_tis_per_dagrun=4).expand(account_name=names)
        routing = apply_routing()
        dns = apply_dns()
        verified = verify()
        gate >> checked >> plan
        decide >> [approve, hub]
        approve >> hub >> names
        vpcs >> routing >> dns >> verified
        phase.publish(DAG_ID)(verified)
    return dag
