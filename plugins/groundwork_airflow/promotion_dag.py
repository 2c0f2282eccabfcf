"""Promotion DAG `promote_artifact`: the pipeline's promotion path. Build once, promote the same digest.

ready -> verify_artifact -> deploy_development -> deploy_staging -> status_production ->
approve_production -> deploy_production -> report

Trigger it with the artifact's S3 key in the Shared Services artifact store (and optionally the
sha256 digest it must have). The environments, their order and which of them need an approval come
from the config's `cicd.environments`: one task per environment, the same code for each. Every
deployment runs as the orchestrator -> PipelineExecutionRole (Shared Services) -> DeploymentRole
(the environment's account, with the ExternalId). A rejection fails the approval task ("rejected by
<user>"), the production deployment never runs, and the run ends failed.
"""

from __future__ import annotations


from airflow.sdk import DAG, Param, task
from airflow.sdk.exceptions import AirflowFailException

from groundwork_airflow import phase
from groundwork_airflow.runtime_secrets import external_id

DAG_ID = "promote_artifact"
PHASE5 = "phase5_cicd"


def _chain():
    """Config, the topology, and the pipeline role's context (assumed from the Airflow connection)."""
    from groundwork import promotion
    from groundwork.phases import cicd
    from groundwork_airflow.aws import context_for

    config = phase.load_runtime_config()
    ctx = context_for(config)
    t = cicd.topology(ctx, config)
    return config, t, promotion.pipeline_context(ctx, t)


def parse_time_environments() -> list[tuple[str, bool]]:
    """(environment, needs approval) in promotion order, read from the config file while parsing (no AWS)."""
    from groundwork.config.loader import ConfigError, load_config

    try:
        config = load_config()
    except ConfigError:
        return []
    if config.cicd is None:
        return []
    from groundwork.phases.cicd import promotion_order

    return promotion_order(config)


def ready() -> phase.PhaseGate:
    """Promotion needs phase 5's latest run to have succeeded on the current `cicd` config (roles,
    keys, artifact store); the same gate as the phases', waiting while phase 5 runs."""
    return phase.PhaseGate(task_id="ready", gated_dag_id=DAG_ID, previous=PHASE5, records_run=False)


@task(task_id="verify_artifact", retries=0)
def verify_artifact(params: dict | None = None):
    """Pin the artifact's version in the artifact store and verify its sha256 digest."""
    from groundwork import promotion

    if not (params or {}).get("artifact_key"):
        raise AirflowFailException("no artifact_key given: trigger promote_artifact with the S3 key of the "
                                   "artifact in the Shared Services artifact store")
    _, t, pipeline = _chain()
    try:
        artifact = promotion.resolve_artifact(pipeline, t, params["artifact_key"], params.get("expected_digest") or None)
    except promotion.ArtifactError as exc:
        raise AirflowFailException(str(exc)) from None
    print(f"verified {artifact.source} version {artifact.version_id}: {artifact.digest} ({artifact.size} bytes)")
    return artifact.to_dict()


def deploy_task(environment: str):
    @task(task_id=f"deploy_{environment}")
    def deploy(artifact: dict, **context):
        """Deploy the verified digest to this environment through its deployment role, and record it."""
        from groundwork import promotion

        config, t, pipeline = _chain()
        deployment = promotion.deployment_context(pipeline, t, environment, external_id(config))
        result = promotion.deploy(deployment, t, environment, promotion.Artifact.from_dict(artifact),
                                  run_id=context["run_id"])
        record = result["record"]
        print(("deployed" if result["changed"] else "already running"), record["digest"], "in", environment,
              "->", record["object"])
        return {"environment": environment, "changed": result["changed"], "digest": record["digest"],
                "object": record["object"]}

    return deploy


def status_task(environment: str):
    @task(task_id=f"status_{environment}", multiple_outputs=True)
    def status(artifact: dict):
        """What is about to reach this environment and what runs everywhere now, for the approver."""
        from groundwork import promotion

        config, t, pipeline = _chain()
        records = promotion.status(pipeline, t, external_id(config))
        art = promotion.Artifact.from_dict(artifact)
        now = records.get(environment)
        return {
            "headline": f"{art.source} {art.digest[:19]}… to {environment} "
                        f"(now: {now['digest'][:19] + '…' if now else 'nothing'})",
            "markdown": promotion.approval_markdown(art, environment, records),
        }

    return status


def approval_task(environment: str) -> phase.PlanApproval:
    status_id = f"status_{environment}"
    return phase.PlanApproval(
        task_id=f"approve_{environment}",
        subject="Promote to " + environment + ": {{ ti.xcom_pull(task_ids='" + status_id + "', key='headline') }}",
        body=(
            "{{ ti.xcom_pull(task_ids='" + status_id + "', key='markdown') }}\n\n"
            f"Approving deploys exactly this digest to {environment} (it is verified again before the copy). "
            f"Rejecting leaves {environment} as it is and fails this run."
        ),
    )


@task(task_id="report")
def report(artifact: dict):
    """Every environment must now run the promoted digest; returns each environment's record."""
    from groundwork import promotion

    config, t, pipeline = _chain()
    records = promotion.status(pipeline, t, external_id(config))
    behind = [env for env, record in records.items() if not record or record["digest"] != artifact["digest"]]
    if behind:
        raise AirflowFailException(f"{behind} do not run {artifact['digest']} after the promotion")
    return {env: {k: record[k] for k in ("digest", "artifact", "object", "run_id", "deployed_at")}
            for env, record in records.items()}


def build_promotion_dag() -> DAG:
    with phase.groundwork_dag(
        DAG_ID, description="Promote one artifact digest dev -> staging -> approval -> prod through the deployment roles",
        schedule=None, tag="promotion", doc_md=__doc__,
        params={
            # Not a required Param: Airflow 3.3.2's triggerer renders a start_from_trigger task's context
            # (the approvals) without the run's conf, and a required Param then kills the triggerer.
            # verify_artifact refuses a run without it instead.
            "artifact_key": Param(
                None, type=["null", "string"], minLength=1, maxLength=1024,
                title="Artifact (S3 key in the Shared Services artifact store)",
                description="e.g. app/app-1.4.2.tar.gz; its current version is pinned and promoted",
            ),
            "expected_digest": Param(
                "", type="string", pattern=r"^((sha256:)?[0-9a-f]{64})?$", title="Expected sha256 digest",
                description="Optional; when empty the digest the build recorded (x-amz-meta-sha256) is checked",
            ),
        },
    ) as dag:
        artifact = verify_artifact()
        ready() >> artifact
        previous = artifact
        for environment, needs_approval in parse_time_environments():
            deploy = deploy_task(environment)(artifact)
            if needs_approval:
                status = status_task(environment)(artifact)
                approve = approval_task(environment)
                previous >> status >> approve >> deploy
            else:
                previous >> deploy
            previous = deploy
        previous >> report(artifact)
    return dag
