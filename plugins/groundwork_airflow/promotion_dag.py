"""Promotion DAG `promote_artifact`: the pipeline's promotion path. Build once, promote the same digest.

ready -> targets -> verify_artifact -> deploy_<env 1> (mapped over its accounts) -> ... ->
status_<env> -> approve_<env> -> deploy_<env> (mapped) [-> rollback_<env> (mapped)] -> ... -> report

Trigger it with the artifact's S3 key in the Shared Services artifact store (and optionally the
sha256 digest it must have); the trigger form validates both (Params). The artifact is a
CloudFormation bundle (a zip: template.yaml plus template-config[.<environment>].json, see
groundwork.stack_deploy); deploying it creates or updates the stack `cicd.stack_name` in each
account, with the account's CloudFormation service role, and waits for it deferred. The
environments, their order, their accounts and which of them need an approval come from the config's
`cicd.environments`, read when the file is parsed: one deploy task per environment, mapped over that
environment's accounts, so all of them are deployed together, after one approval when the
environment requires one. `targets` checks, when the run starts, that the config still has exactly
those environments and accounts (else: wait for the DAG to be parsed again). Every deployment runs
as the orchestrator -> PipelineExecutionRole (Shared Services) -> DeploymentRole (the account, with
the ExternalId).

A failed stack operation is rolled back by CloudFormation; the deploy task fails naming the stack
and its failing resource events, and nothing after it runs. In an environment that requires an
approval, `rollback_<env>` then returns every account the promotion had already updated to the
version it ran before, so such an environment (production) never runs two versions. A rejection
fails the approval task ("rejected by <user>"), that environment's deployments never run, and the
run ends failed.
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


def parse_time_environments() -> list[tuple[str, bool, list[str]]]:
    """(environment, needs approval, account names) in promotion order, read from the config file
    while parsing (no AWS)."""
    from groundwork.config.loader import load_config_shape

    config = load_config_shape()
    if config is None or config.cicd is None:
        return []
    from groundwork.phases.cicd import promotion_layout

    return promotion_layout(config)


# What the trigger form accepts (the triggering REST call is refused with 400 otherwise). The key: S3's
# safe characters, '/'-separated segments, no leading, trailing or doubled '/'. Both default to a value
# that validates without conf (see test_dags_with_an_approval_have_params_that_validate_without_conf).
ARTIFACT_KEY_PATTERN = r"^[A-Za-z0-9!_.*'()+=@,:-]+(/[A-Za-z0-9!_.*'()+=@,:-]+)*$"
DIGEST_PATTERN = r"^(sha256:[0-9a-f]{64})?$"


def params() -> dict:
    return {
        # Not a required Param: Airflow 3.3.2's triggerer renders a start_from_trigger task's context
        # (the approvals) without the run's conf, and a Param that does not validate then kills the
        # triggerer. null validates; verify_artifact refuses a run without a key instead.
        "artifact_key": Param(
            None, type=["null", "string"], minLength=1, maxLength=1024, pattern=ARTIFACT_KEY_PATTERN,
            title="Artifact (S3 key in the Shared Services artifact store)",
            description="e.g. app/app-1.4.2.tar.gz (letters, digits, ! _ . * ' ( ) + = @ , : - and / between "
                        "segments); its current version is pinned and promoted",
        ),
        "expected_digest": Param(
            "", type="string", pattern=DIGEST_PATTERN, title="Expected sha256 digest",
            description="sha256:<64 lowercase hex>, or empty: then the digest the build recorded "
                        "(x-amz-meta-sha256) is checked",
        ),
    }


def ready() -> phase.PhaseGate:
    """Promotion needs phase 5's latest run to have succeeded on the current `cicd` config (roles,
    keys, artifact store); the same gate as the phases', waiting while phase 5 runs."""
    return phase.PhaseGate(task_id="ready", gated_dag_id=DAG_ID, previous=PHASE5, records_run=False)


def targets_task(expected: list[tuple[str, bool, list[str]]]):
    @task(task_id="targets", retries=0)
    def targets() -> dict[str, list[str]]:
        """The environments, their order, approvals and accounts in the config as it is now must be
        those this DAG was built with (its deploy tasks are mapped over the accounts it was parsed
        with); returns {environment: accounts}."""
        from groundwork.phases import cicd

        config = phase.load_runtime_config()
        now = cicd.promotion_layout(config) if config.cicd is not None else []
        if now != [(env, guarded, list(accounts)) for env, guarded, accounts in expected]:
            raise AirflowFailException(
                f"the config's environments are now {now} (environment, needs approval, accounts), but this DAG "
                f"was built for {expected}: wait until promote_artifact is parsed again, then trigger it again")
        for env, guarded, accounts in now:
            print(f"{env}: {', '.join(accounts)}" + (" (after an approval)" if guarded else ""))
        return {env: accounts for env, _, accounts in now}

    return targets()


@task(task_id="verify_artifact", retries=0)
def verify_artifact(params: dict | None = None):
    """Pin the artifact's version in the artifact store, verify its sha256 digest, and check that it
    is a CloudFormation bundle for every environment (before anything is deployed anywhere)."""
    from groundwork import promotion, stack_deploy

    if not (params or {}).get("artifact_key"):
        raise AirflowFailException("no artifact_key given: trigger promote_artifact with the S3 key of the "
                                   "artifact in the Shared Services artifact store")
    _, t, pipeline = _chain()
    try:
        artifact = promotion.resolve_artifact(pipeline, t, params["artifact_key"], params.get("expected_digest") or None)
    except promotion.ArtifactError as exc:
        raise AirflowFailException(str(exc)) from None
    try:
        templates = stack_deploy.check_bundle(pipeline, t, artifact)
    except promotion.ArtifactError as exc:
        raise AirflowFailException(str(exc)) from None
    print(f"verified {artifact.source} version {artifact.version_id}: {artifact.digest} ({artifact.size} bytes); "
          f"a CloudFormation bundle: {templates}")
    return artifact.to_dict()


def deploy_task(environment: str, artifact):
    """Deploy the verified bundle to every account of this environment (mapped over them), through
    each account's deployment role: its CloudFormation stack created or updated, waited on deferred."""
    from groundwork_airflow.stack_release import StackReleaseOperator

    return StackReleaseOperator.partial(
        task_id=f"deploy_{environment}", environment=environment, artifact=artifact, retries=0,
        map_index_template="{{ task.account_name }}",
    )


def rollback_task(environment: str):
    """After this environment's deploys, when all are done and at least one succeeded (else nothing was
    updated and the scheduler skips it without starting it): if some account did not end on the
    artifact, every account that did is returned to the version it ran before."""
    from airflow.sdk import TriggerRule

    from groundwork_airflow.stack_release import StackReleaseOperator

    return StackReleaseOperator.partial(
        task_id=f"rollback_{environment}", environment=environment, mode="rollback",
        retries=0, trigger_rule=TriggerRule.ALL_DONE_MIN_ONE_SUCCESS, map_index_template="{{ task.account_name }}",
    )


def status_task(environment: str):
    @task(task_id=f"status_{environment}", multiple_outputs=True)
    def status(artifact: dict):
        """What is about to reach this environment's accounts and what runs everywhere now, for the approver."""
        from groundwork import promotion

        config, t, pipeline = _chain()
        records = promotion.status(pipeline, t, external_id(config))
        art = promotion.Artifact.from_dict(artifact)
        here = records.get(environment, {})
        now = sorted({r["digest"][:19] + "…" if r else "nothing" for r in here.values()}) or ["nothing"]
        return {
            "headline": f"{art.source} {art.digest[:19]}… to {environment} ({len(here)} account(s); "
                        f"now: {', '.join(now)})",
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
            f"Approving deploys exactly this digest to every account of {environment}, together (it is verified "
            f"again before each copy). Rejecting leaves {environment} as it is and fails this run."
        ),
    )


@task(task_id="report")
def report(artifact: dict):
    """Every account of every environment must now run the promoted digest; returns
    {environment: {account: its record}}."""
    from groundwork import promotion

    config, t, pipeline = _chain()
    records = promotion.status(pipeline, t, external_id(config))
    behind = promotion.behind(records, artifact["digest"])
    if behind:
        raise AirflowFailException(f"{behind} do not run {artifact['digest']} after the promotion")
    return {env: {name: {k: record.get(k) for k in ("digest", "artifact", "object", "stack", "run_id", "deployed_at")}
                  for name, record in accounts.items()}
            for env, accounts in records.items()}


def build_promotion_dag() -> DAG:
    environments = parse_time_environments()
    with phase.groundwork_dag(
        DAG_ID, description="Promote one artifact digest through the environments in order (each one's accounts "
                            "together, approval where required) through the deployment roles",
        schedule=None, tag="promotion", doc_md=__doc__, params=params(),
    ) as dag:
        targets = targets_task(environments)
        artifact = verify_artifact()
        ready() >> targets >> artifact
        previous = artifact
        for environment, needs_approval, accounts in environments:
            deploy = deploy_task(environment, artifact).expand(account_name=list(accounts))
            if needs_approval:
                status = status_task(environment)(artifact)
                approve = approval_task(environment)
                previous >> status >> approve >> deploy
                deploy >> rollback_task(environment).expand(account_name=list(accounts))
            else:
                previous >> deploy
            previous = deploy
        previous >> report(artifact)
    return dag
