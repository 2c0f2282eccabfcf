"""Phase 4's wait until the organization trail logs (deferred: no worker slot held)."""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import BaseOperator

from groundwork_airflow.triggers import ProbeWait

TRAIL_PROBE = "groundwork.phases.observability:trail_logging"


class TrailLoggingSensor(ProbeWait, BaseOperator):
    """Done when the organization trail logs: checked in the worker for a few seconds, then
    deferred to the triggerer (no worker slot held) until it does."""

    TIMEOUT = timedelta(minutes=15)

    def execute(self, context):
        config, ctx = self._context()
        return self.wait_on_probe(context, config, ctx, TRAIL_PROBE,
                                  {"trail_name": config.observability.trail_name}, "logging")

    def logging(self, context, event):
        from airflow.exceptions import AirflowException

        if event.get("status") != "done":
            raise AirflowException(f"the organization trail did not start logging: {event}")
        self.log.info("trail %s is logging", event["result"].get("arn"))
        return event["result"]
