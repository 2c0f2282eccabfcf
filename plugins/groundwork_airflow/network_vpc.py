"""The mapped per-account step of phase 3: the account's VPC and its Transit Gateway attachment,
made from the account itself; the wait until the attachment is available is deferred to the
triggerer (no worker slot held); then the VPC's routes to the Transit Gateway."""

from __future__ import annotations

from groundwork_airflow.phase import approved_ids
from groundwork_airflow.triggers import AccountWait

PROBE = "groundwork.phases.network:attachment_available"


class EnsureVpcOperator(AccountWait):
    POLL_INTERVAL = 5.0

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
                 "transit_gateway_id": progress["transit_gateway_id"]}, "attachment_ready")
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
