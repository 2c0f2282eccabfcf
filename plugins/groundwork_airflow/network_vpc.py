"""The mapped per-account step of phase 3: the account's VPC and its Transit Gateway attachment,
made from the account itself; the wait until the attachment is available is deferred to the
triggerer (no worker slot held); then the VPC's routes to the Transit Gateway."""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import BaseOperator

from groundwork_airflow.phase import approved_ids, load_runtime_config
from groundwork_airflow.triggers import ProbeWait

PROBE = "groundwork.phases.network:attachment_available"


class EnsureVpcOperator(ProbeWait, BaseOperator):
    template_fields = ("account_name",)

    def __init__(self, *, account_name: str, poll_interval: float = 5.0,
                 attachment_timeout: timedelta = timedelta(minutes=30), **kwargs):
        super().__init__(**kwargs)
        self.account_name = account_name
        self.poll_interval = poll_interval
        self.attachment_timeout = attachment_timeout

    def _context(self):
        from groundwork_airflow.aws import context_for

        config = load_runtime_config()
        return config, context_for(config)

    def execute(self, context):
        from groundwork.phases import network

        config, ctx = self._context()
        ti = context["ti"]
        cidr = (ti.xcom_pull(task_ids="plan", key="cidrs") or {}).get(self.account_name)
        progress = network.apply_account(ctx, config, self.account_name, approved_ids(ti), cidr)
        for line in progress.pop("applied"):
            self.log.info("applied: %s", line)
        if progress["state"] != network.AVAILABLE:
            self.log.info("attachment %s is %s", progress["attachment_id"], progress["state"])
            return self.wait_on_probe(
                context, config, ctx, PROBE,
                {"account_id": progress["account_id"], "name": self.account_name,
                 "transit_gateway_id": progress["transit_gateway_id"]}, "attachment_ready",
                poll_interval=self.poll_interval, timeout=self.attachment_timeout.total_seconds())
        return self._finish(context, config, ctx, progress)

    def attachment_ready(self, context, event):
        from airflow.exceptions import AirflowException

        if event.get("status") != "done" or event["result"].get("state") != "available":
            raise AirflowException(f"attachment of {self.account_name} did not become available: {event}")
        config, ctx = self._context()
        return self._finish(context, config, ctx, event["result"])

    def _finish(self, context, config, ctx, progress: dict) -> dict:
        from groundwork.phases import network

        for change in network.finish_account(ctx, config, self.account_name, approved_ids(context["ti"])):
            self.log.info("applied: %s", change.summary())
        mutating = [c.operation for c in ctx.mutating_calls()]
        self.log.info("account %s: attachment %s available; mutating calls: %s", self.account_name,
                      progress["attachment_id"], mutating or "none")
        return {"name": self.account_name, "attachment_id": progress["attachment_id"]}
