"""The mapped per-account step of phase 2: the account's assignments created and removed as the
approved plan says; the wait on their creation/deletion status is deferred to the triggerer (no
worker slot held). One account after another when a task has a batch."""

from __future__ import annotations

from groundwork_airflow.triggers import AccountWait

PROBE = "groundwork.phases.identity:assignments_settled"


class EnsureAssignmentsOperator(AccountWait):
    POLL_INTERVAL = 3.0

    def start_account(self, context, name: str, resume: dict):
        from groundwork.phases import identity

        config, ctx = self._context(context)
        progress = identity.apply_account(ctx, config, name, self.approved(context))
        for line in progress["applied"]:
            self.log.info("applied: %s", line)
        if progress["requests"]:
            self.log.info("waiting for %d assignment request(s) of %s", len(progress["requests"]), name)
            return self.wait_on_probe(
                context, config, ctx, PROBE,
                {"instance_arn": progress["instance_arn"], "requests": progress["requests"]}, "assignments_settled",
                resume=resume)
        mutating = [c.operation for c in ctx.mutating_calls()]
        self.log.info("account %s: assignments converged; mutating calls: %s", name, mutating or "none")
        return self.account_done(context, resume, {"name": name, "applied": progress["applied"]})

    def assignments_settled(self, context, event, resume: dict | None = None):
        from airflow.exceptions import AirflowException

        from groundwork.phases import identity

        name = self.account_of(resume, self.account_names)
        if event.get("status") != "done":
            raise AirflowException(f"assignment requests of {name} did not settle: {event}")
        identity.check_settled(event["result"])
        self.log.info("account %s: assignment requests settled: %s", name, event["result"]["requests"])
        return self.account_done(context, resume, {"name": name, "requests": event["result"]["requests"]})
