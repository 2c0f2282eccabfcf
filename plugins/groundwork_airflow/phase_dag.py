"""One DAG builder for every phase, from its spec (`groundwork.phases.spec`):

    [gate] -> validate -> [preflight] -> plan -> needs_approval -> [approve] -> step 1 -> ... -> verify -> publish

A plan with no change skips every step: needs_approval goes straight to verify.

A step that asks its own approval gets, right before it: plan_<step> -> needs_<step>_approval ->
[approve_<step>] (phase 1's account closures).

Phase 1 has no gate. A step mapped over accounts (or environments) gets a task listing them from
the config, then one task instance per item, or per batch of items when there are more of them than
`operations.max_tasks_per_step` (groundwork.mapping). A step that waits on AWS is one of the deferrable
operators in `WAITS`; every other step is the same small task calling the domain function.
"""

from __future__ import annotations


from airflow.sdk import DAG, task

from groundwork.phases.spec import SPECS, PhaseSpec, Step
from groundwork.pools import pool_name
from groundwork_airflow import phase
from groundwork_airflow.accounts import EnsureAccountOperator
from groundwork_airflow.identity_assignments import EnsureAssignmentsOperator
from groundwork_airflow.network_vpc import EnsureVpcOperator
from groundwork_airflow.trail_logging import TrailLoggingSensor

WAITS = {
    "ensure_account": EnsureAccountOperator,
    "ensure_assignments": EnsureAssignmentsOperator,
    "ensure_vpc": EnsureVpcOperator,
    "trail_logging": TrailLoggingSensor,
}


def _context(secrets: tuple[str, ...], ti=None):
    """The config, an AWS context from the Airflow connection (with the account ids the run's plan
    resolved, when `ti` is given and there are), and the secrets a call needs (read now)."""
    from groundwork_airflow.aws import context_for
    from groundwork_airflow.runtime_secrets import read

    config = phase.load_runtime_config()
    ctx = context_for(config)
    if ti is not None:
        phase.with_run_account_ids(ctx, ti)
    return config, ctx, read(secrets, config)


def preflight_task(spec: PhaseSpec):
    @task(task_id="preflight", doc_md="Reads AWS before anything is planned: the service quotas the config needs "
          "and the management account's hygiene. Fails with every problem and its exact fix.")
    def preflight():
        from airflow.sdk.exceptions import AirflowFailException

        from groundwork.plan.model import Refused

        config, ctx, _ = _context(())
        try:
            return spec.function(spec.preflight)(ctx, config)
        except Refused as exc:
            raise AirflowFailException(str(exc)) from None  # a person must act; retrying will not help

    return preflight()


def plan_task(spec: PhaseSpec):
    @task(task_id="plan", multiple_outputs=True, doc_md="Desired (config) vs actual (AWS): the changes this run "
          "would make, and whether they need approval.")
    def plan():
        from airflow.sdk.exceptions import AirflowFailException

        from groundwork.plan.model import Refused

        config, ctx, secrets = _context(spec.secrets)
        try:
            planned = spec.planned(ctx, config, **secrets)
        except Refused as exc:
            raise AirflowFailException(str(exc)) from None  # a person must act; retrying will not help
        from groundwork.cost.estimate import approval_lines

        out = phase.plan_output(planned.plan, needs_approval=planned.needs_approval)
        if planned.markdown:
            out["markdown"] = planned.markdown
        cost = approval_lines(planned.plan, config)
        # an approval scoped to some changes (production, the Log Archive) names no other account:
        # its body gets the whole plan's total, the plan task's log the lines
        shown = cost[:1] + ["", "Itemised by account in the plan task's log."] if planned.markdown else cost
        out["markdown"] += "\n\n" + "\n".join(shown)
        out.update(planned.extras)
        print(out["headline"])
        for change in planned.plan.pending:
            print(" ", change.summary(), "(production)" if change.production else "")
        for line in (*planned.plan.notes, *planned.lines, *cost):
            print(line)
        return out

    return plan()


def _applied(done) -> list[str]:
    lines = [c.summary() for c in done]
    for line in lines:
        print("applied:", line)
    return lines


def step_plan_task(spec: PhaseSpec, step: Step):
    """The own plan of a step that asks its own approval (`Step.approval`), read right before it."""
    @task(task_id=f"plan_{step.task_id}", multiple_outputs=True, doc_md=f"What `{step.task_id}` would change, "
          "for its own approval.")
    def plan():
        from airflow.sdk.exceptions import AirflowFailException

        from groundwork.plan.model import Plan, Refused

        config, ctx, secrets = _context(step.secrets)
        try:
            found = Plan(spec.dag_id, tuple(spec.function(step.plan)(ctx, config, **secrets)))
        except Refused as exc:
            raise AirflowFailException(str(exc)) from None
        out = phase.plan_output(found, needs_approval=not found.is_empty())
        print(out["headline"])
        for change in found.pending:
            print(" ", change.summary())
        return out

    return plan()


def step_task(spec: PhaseSpec, step: Step, first: bool):
    """A plain step: the domain function with this run's approved change ids (of its own plan
    when it asks its own approval)."""
    options = {"task_id": step.task_id, "doc_md": step.doc}
    plan_task_id = f"plan_{step.task_id}" if step.approval else "plan"
    if first or step.approval:
        options["trigger_rule"] = "none_failed_min_one_success"  # after the approval, or without one
    if step.pool:
        options["pool"] = pool_name(step.pool)

    @task(**options)
    def run(item: list[str] | None = None, **context):
        config, ctx, secrets = _context(step.secrets, context["ti"])
        function = spec.function(step.function)
        approved = phase.approved_ids(context["ti"], plan_task_id)
        if not step.each:
            return _applied(function(ctx, config, approved, **secrets))
        from groundwork.mapping import label

        applied = []
        if len(item) > 1:
            print("batch:", label(item))
        for position, name in enumerate(item, start=1):  # one item after another (groundwork.mapping)
            if len(item) > 1:
                print(f"{position} of {len(item)} in this task: {name}")
            applied += _applied(function(ctx, config, name, approved, **secrets))
        return applied

    return run


def items_task(spec: PhaseSpec, step: Step):
    @task(task_id=step.items_task, doc_md=f"What `{step.task_id}` maps over (from the config, no AWS call): "
          "one task per item, or batches of items past `operations.max_tasks_per_step`.")
    def items():
        from groundwork.mapping import batches

        config = phase.load_runtime_config()
        slots = getattr(config.operations.concurrency, step.pool) if step.pool else None
        return batches(spec.function(step.each)(config), config.operations.max_tasks_per_step, slots)

    return items()


def verify_task(spec: PhaseSpec):
    # after the last step, or straight after needs_approval when the plan had nothing to change
    @task(task_id="verify", trigger_rule="none_failed_min_one_success",
          doc_md="A fresh plan must be empty; what exists (ids, no secrets).")
    def verify(**context):
        config, ctx, secrets = _context(spec.secrets)
        unchanged = phase.plan_had_no_change(context["ti"])
        if unchanged:
            print("the plan had no change and no step ran: what it read is not read again")
        return spec.verified(ctx, config, plan_was_empty=unchanged, **secrets)

    return verify()


def build_phase_dag(dag_id: str, spec: PhaseSpec | None = None) -> DAG:
    """The phase's DAG from its spec (`spec` given: a variant of it, e.g. with a step added)."""
    spec = spec or SPECS[dag_id]
    number = list(SPECS).index(dag_id) + 1
    with phase.groundwork_dag(
        dag_id, description=spec.description, schedule=phase.phase_schedule(dag_id), tag=f"phase{number}",
        doc_md=f"{spec.description}.\n\n{spec.doc}",
    ) as dag:
        checked = phase.validate()
        if phase.previous_phase(dag_id):
            phase.gate(dag_id) >> checked
        plan = plan_task(spec)
        if spec.preflight:
            checked >> preflight_task(spec) >> plan
        else:
            checked >> plan
        approve = phase.approval()
        previous = None
        for position, step in enumerate(spec.steps):
            names = items_task(spec, step) if step.each else None
            if step.wait:
                operator = WAITS[step.task_id]
                options = {"pool": pool_name(step.pool)} if step.pool else {}
                current = (operator.partial(task_id=step.task_id, **options).expand(account_names=names)
                           if names is not None else operator(task_id=step.task_id))
            else:
                run = step_task(spec, step, first=position == 0)
                current = run.expand(item=names) if names is not None else run()
            if position == 0:
                decision = phase.needs_approval(plan, approve.task_id, step.task_id, "verify")
                decision >> [approve, current]
                approve >> current
            elif step.approval:
                own_plan = step_plan_task(spec, step)
                own_approve = phase.approval(plan_task_id=f"plan_{step.task_id}", task_id=f"approve_{step.task_id}")
                previous >> own_plan
                branch = phase.needs_approval.override(task_id=f"needs_{step.task_id}_approval")
                branch(own_plan, own_approve.task_id, step.task_id) >> [own_approve, current]
                own_approve >> current
            else:
                previous >> (names if names is not None else current)
            previous = current
        verified = verify_task(spec)
        [previous, decision] >> verified
        phase.publish(dag_id)(verified)
    return dag
