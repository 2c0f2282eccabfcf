"""Phase 5 DAG: gate -> validate -> plan -> [approve] -> pipeline role -> environments (mapped) ->
artifact store -> verify -> publish.

The ExternalId is read from the Airflow connection (or variable) the config names, inside the tasks
that need it, masked in logs at once, and handed to the domain code; it is never returned, so it
never reaches XCom, and plans only say where it comes from.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, task
from airflow.sdk.exceptions import AirflowFailException

from groundwork_airflow import phase

DAG_ID = "phase5_cicd"


def _ctx():
    from groundwork_airflow.aws import context_for

    config = phase.load_runtime_config()
    return config, context_for(config)


def external_id(config) -> str:
    """The ExternalId from the Airflow connection's password (or the variable), masked in logs."""
    from airflow.sdk import Connection, Variable
    from airflow.sdk.log import mask_secret

    from groundwork.phases.cicd import external_id_source

    ref = config.cicd.external_id
    try:
        value = Connection.get(ref.airflow_connection).password if ref.airflow_connection else Variable.get(
            ref.airflow_variable)
    except Exception as exc:  # noqa: BLE001 - not found, whatever the secrets backend raises
        raise AirflowFailException(
            f"the ExternalId comes from the Airflow {external_id_source(config)}, which cannot be read "
            f"({type(exc).__name__}); create it (its password is the ExternalId)"
        ) from None
    if not value:
        raise AirflowFailException(f"the Airflow {external_id_source(config)} holds no ExternalId (empty password)")
    mask_secret(value)
    return value


@task(task_id="plan", multiple_outputs=True)
def plan_cicd():
    """Desired (config) vs actual (AWS) in Shared Services and each environment account."""
    from groundwork.phases import cicd

    config, ctx = _ctx()
    plan = cicd.plan(ctx, config, external_id(config))
    out = phase.plan_output(plan, needs_approval=cicd.needs_approval(plan))
    print(out["headline"])
    for change in plan.pending:
        print(" ", change.summary(), "(production)" if change.production else "")
    print(cicd.external_id_label(config))
    return out


@task(task_id="apply_pipeline", trigger_rule="none_failed_min_one_success")
def apply_pipeline(**context):
    """PipelineExecutionRole in Shared Services (the deployment roles' trust names it, so it comes first)."""
    from groundwork.phases import cicd

    config, ctx = _ctx()
    return [c.summary() for c in cicd.apply_pipeline(ctx, config, phase.approved_ids(context["ti"]))]


@task(task_id="environment_names")
def environment_names():
    """The environments to map the per-environment step over (from the config, no AWS call)."""
    from groundwork.phases import cicd

    return cicd.environment_names(phase.load_runtime_config())


@task(task_id="apply_environment", max_active_tis_per_dagrun=3)
def apply_environment(environment: str, **context):
    """One environment: its DeploymentRole (trust + least-privilege permissions), KMS key, bucket."""
    from groundwork.phases import cicd

    config, ctx = _ctx()
    done = cicd.apply_environment(ctx, config, environment, phase.approved_ids(context["ti"]), external_id(config))
    return [c.summary() for c in done]


@task(task_id="apply_artifact_store")
def apply_artifact_store(**context):
    """Artifact key, artifact bucket and ECR repository in Shared Services, readable by the deployment roles."""
    from groundwork.phases import cicd

    config, ctx = _ctx()
    return [c.summary() for c in cicd.apply_artifact_store(ctx, config, phase.approved_ids(context["ti"]))]


@task(task_id="verify")
def verify():
    """A fresh plan must be empty and the role chain (pipeline role, then each deployment role with
    the ExternalId) must work."""
    from groundwork.phases import cicd

    config, ctx = _ctx()
    return cicd.verify(ctx, config, external_id(config))


def build_cicd_dag() -> DAG:
    with DAG(
        dag_id=DAG_ID,
        description="Phase 5, CI/CD: deployment roles, per-environment keys, artifact store, registry",
        schedule=phase.phase_schedule(DAG_ID),
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,
        default_args=phase.DEFAULT_ARGS,
        tags=["groundwork", "phase5"],
        doc_md=__doc__,
    ) as dag:
        gate = phase.gate(DAG_ID)
        checked = phase.validate()
        plan = plan_cicd()
        approve = phase.approval()
        pipeline = apply_pipeline()
        decide = phase.needs_approval(plan, approve.task_id, pipeline.operator.task_id)
        names = environment_names()
        environments = apply_environment.expand(environment=names)
        store = apply_artifact_store()
        verified = verify()
        gate >> checked >> plan
        decide >> [approve, pipeline]
        approve >> pipeline >> names
        environments >> store >> verified
        phase.publish(DAG_ID)(verified)
    return dag
