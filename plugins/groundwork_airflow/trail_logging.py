"""Phase 4's wait until the organization trail logs (deferred: no worker slot held)."""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import BaseOperator

from groundwork_airflow.phase import load_runtime_config
from groundwork_airflow.triggers import ProbeWait

TRAIL_PROBE = "groundwork.phases.observability:trail_logging"


class TrailLoggingSensor(ProbeWait, BaseOperator):
    """Done when the organization trail logs: checked once, then deferred to the triggerer (no
    worker slot held) until it does."""

    def __init__(self, *, poll_interval: float = 10.0, timeout_after: timedelta = timedelta(minutes=15), **kwargs):
        super().__init__(**kwargs)
        self.poll_interval = poll_interval
        self.timeout_after = timeout_after

    def execute(self, context):
        from groundwork_airflow.aws import context_for

        config = load_runtime_config()
        return self.wait_on_probe(context, config, context_for(config), TRAIL_PROBE,
                                  {"trail_name": config.observability.trail_name}, "logging",
                                  poll_interval=self.poll_interval, timeout=self.timeout_after.total_seconds())

    def logging(self, context, event):
        from airflow.exceptions import AirflowException

        if event.get("status") != "done":
            raise AirflowException(f"the organization trail did not start logging: {event}")
        self.log.info("trail %s is logging", event["result"].get("arn"))
        return event["result"]
