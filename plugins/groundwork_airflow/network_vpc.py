"""The mapped per-account step of phase 3: the account's VPC and its Transit Gateway attachment,
made from the account itself; the wait until the attachment is available is deferred to the
triggerer (no worker slot held); then the VPC's routes to the Transit Gateway. One account after
another when a task has a batch."""

from __future__ import annotations

from groundwork_airflow.triggers import AccountWait

PROBE = "groundwork.phases.network:attachment_available"


class EnsureVpcOperator(AccountWait):
    POLL_INTERVAL = 5.0

    def start_account(self, context, name: str, resume: dict):
        from groundwork.phases import network

        config, ctx = self._context(context)
        cidr = (self.plan_value(context, "cidrs") or {}).get(name)
        progress = network.apply_account(ctx, config, name, self.approved(context), cidr)
        for line in progress.pop("applied"):
            self.log.info("applied: %s", line)
        if progress["state"] != network.AVAILABLE:
            self.log.info("attachment %s is %s", progress["attachment_id"], progress["state"])
            return self.wait_on_probe(
                context, config, ctx, PROBE,
                {"account_id": progress["account_id"], "name": name,
                 "transit_gateway_id": progress["transit_gateway_id"]}, "attachment_ready", resume=resume)
        return self._finish(context, config, ctx, name, progress, resume)

    def attachment_ready(self, context, event, resume: dict | None = None):
        from airflow.exceptions import AirflowException

        name = self.account_of(resume, self.account_names)
        if event.get("status") != "done" or event["result"].get("state") != "available":
            raise AirflowException(f"attachment of {name} did not become available: {event}")
        config, ctx = self._context(context)
        return self._finish(context, config, ctx, name, event["result"], resume)

    def _finish(self, context, config, ctx, name: str, progress: dict, resume: dict | None) -> dict:
        from groundwork.phases import network

        for change in network.finish_account(ctx, config, name, self.approved(context)):
            self.log.info("applied: %s", change.summary())
        mutating = [c.operation for c in ctx.mutating_calls()]
        self.log.info("account %s: attachment %s available; mutating calls: %s", name,
                      progress["attachment_id"], mutating or "none")
        return self.account_done(context, resume, {"name": name, "attachment_id": progress["attachment_id"]})
