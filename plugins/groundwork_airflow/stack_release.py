"""promote_artifact's mapped per-account steps: deploy the CloudFormation bundle into one account of
an environment, or return it to the version that ran before (`rollback_<environment>`).

Each call to `groundwork.stack_deploy.advance` starts at most one stack operation through the role
chain (orchestrator -> PipelineExecutionRole -> DeploymentRole with the ExternalId); the wait for
CloudFormation is deferred to the triggerer (no worker slot held), which reads the stack's status
with the orchestrator's read access, so the ExternalId never leaves the worker. What the wait is
for (the action started, the artifact) travels in the probe's arguments, which are plain ids.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from groundwork_airflow.triggers import ProbeWait

PROBE = "groundwork.stack_deploy:stack_settled"


class StackReleaseOperator(ProbeWait, BaseOperator):
    """Mapped over an environment's accounts (`account_name`). mode "deploy": make the promoted
    `artifact` run there. mode "rollback" (after the deploys, whatever their outcome): when some
    account of the environment did not end on the artifact, return every account that did to the
    version it ran before, so the environment never runs two versions after a failed promotion."""

    template_fields = ("account_name", "artifact")
    POLL_INTERVAL = 5.0
    TIMEOUT = timedelta(hours=2)  # CloudFormation's own default stack timeout is none; a person decides after
    GRACE_SECONDS = 20.0  # a small stack settles within this; a real one (minutes) is waited on deferred

    def __init__(self, *, account_name: str, environment: str, artifact=None, mode: str = "deploy", **kwargs):
        super().__init__(**kwargs)
        self.account_name = account_name
        if mode not in ("deploy", "rollback"):
            raise ValueError(f"mode {mode!r}")
        self.environment = environment
        self.artifact = artifact
        self.mode = mode

    # ------------------------------------------------------------------ the chain
    def _chain(self):
        from groundwork import promotion
        from groundwork.phases import cicd
        from groundwork_airflow.runtime_secrets import external_id

        config, ctx = self._context()
        t = cicd.topology(ctx, config)
        pipeline = promotion.pipeline_context(ctx, t)
        account = t.account_id(self.account_name)
        deployment = promotion.deployment_context(pipeline, t, self.environment, account, external_id(config))
        return config, ctx, t, pipeline, account, deployment

    def execute(self, context):
        from groundwork import promotion, stack_deploy

        config, ctx, t, pipeline, account, deployment = self._chain()
        if self.mode == "rollback":  # not an upstream by XComArg: its trigger rule counts only the deploys
            self.artifact = context["ti"].xcom_pull(task_ids="verify_artifact")
        artifact, note = promotion.Artifact.from_dict(self.artifact), ""
        if self.mode == "rollback":
            from groundwork_airflow.runtime_secrets import external_id

            records = promotion.status(pipeline, t, external_id(config), [self.environment])
            behind = promotion.behind(records, artifact.digest)
            if not behind:
                raise AirflowSkipException(f"every account of {self.environment} runs {artifact.digest}: nothing to return")
            target = stack_deploy.rollback_target(deployment, t, artifact)
            if target is None:
                self.log.info("%s/%s does not run %s (or has no earlier version): left as it is; %s did not get it",
                              self.environment, self.account_name, artifact.digest, ", ".join(behind))
                return {"environment": self.environment, "account": self.account_name, "returned_to": None}
            note = (f"returned to {target.digest} because {self.environment}'s promotion of {artifact.digest} "
                    f"(run {context['run_id']}) failed in {', '.join(behind)}")
            self.log.info("%s", note)
            artifact = target
        return self._advance(context, config, ctx, t, account, deployment, artifact, None, note)

    def _advance(self, context, config, ctx, t, account, deployment, artifact, started, note):
        from groundwork import stack_deploy

        try:
            step = stack_deploy.advance(deployment, t, self.environment, account, artifact, context["run_id"],
                                        started=started, note=note, attempt=context["ti"].try_number)
        except (stack_deploy.DeployFailed, stack_deploy.ArtifactError) as exc:
            raise AirflowFailException(str(exc)) from None
        if step.kind == "done":
            record = step.record
            self.log.info("%s %s in %s/%s: stack %s %s, outputs %s", "deployed" if step.changed else "already running",
                          record["digest"], self.environment, self.account_name, record["stack"]["id"],
                          record["stack"]["status"], record["stack"]["outputs"])
            return {"environment": self.environment, "account": self.account_name, "changed": step.changed,
                    "digest": record["digest"], "stack": record["stack"], "note": record.get("note", "")}
        self.log.info("stack %s in %s/%s: %s started; waiting", step.stack, self.environment, self.account_name,
                      step.action)
        started = step.action if step.action in ("create", "update") else None
        return self.wait_on_probe(
            context, config, ctx, PROBE,
            {"account_id": account, "stack_name": step.stack, "region": t.region,
             "carry": {"started": started, "artifact": artifact.to_dict(), "note": note}},
            "settled", poll_interval=self.POLL_INTERVAL, timeout=self.TIMEOUT.total_seconds())

    def settled(self, context, event):
        from groundwork import promotion

        if event.get("status") != "done":
            raise AirflowFailException(f"stack in {self.environment}/{self.account_name} did not settle: {event}")
        carry = event["result"]["carry"]
        self.log.info("stack %s is %s", event["result"]["stack"], event["result"]["status"])
        config, ctx, t, _, account, deployment = self._chain()
        return self._advance(context, config, ctx, t, account, deployment,
                             promotion.Artifact.from_dict(carry["artifact"]), carry["started"], carry["note"])
