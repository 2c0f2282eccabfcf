"""The order gate of every phase after the first (and of the promotion DAG): "gated by sensors".

Each phase run records itself as its phase's latest run when it starts (an Airflow Variable
`groundwork.latest_run.<dag_id>`: run id and the digest of the config sections the phase owns, see
`groundwork.phases.gates`). The gate of the next phase reads that record and the run's state from
Airflow, and then (`groundwork.phases.gates.decide`):
- passes when that latest run succeeded on the current config of what it owns;
- fails at once, before any AWS call, naming the run and why, when it failed, no longer exists, or
  applied another config;
- waits while it is queued or running (for example waiting for its approval) as a deferred task
  (no worker slot held), up to `operations.gate_wait_timeout`, then decides again.
"""

from __future__ import annotations

import json
import time
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException, AirflowRuntimeError
from airflow.triggers.base import BaseTrigger, TriggerEvent

from groundwork.phases.gates import RUNNING_STATES, LatestRun, decide, owned_digest
from groundwork_airflow.triggers import RESUME_FLOOR_SECONDS, api_not_found, hold_until

POLL_SECONDS = 10.0


def latest_run_key(dag_id: str) -> str:
    return f"groundwork.latest_run.{dag_id}"


def record_run(dag_id: str, run_id: str, digest: str | None) -> None:
    """This run is now `dag_id`'s latest run (idempotent: a rerun task writes the same)."""
    from airflow.sdk import Variable

    Variable.set(latest_run_key(dag_id), json.dumps({"run_id": run_id, "digest": digest}),
                 description=f"groundwork: the latest run of {dag_id} (read by the next phase's gate)")


def run_state(dag_id: str, run_id: str) -> str | None:
    """Airflow's state of that run; None when it no longer exists."""
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

    try:
        state = RuntimeTaskInstance.get_dagrun_state(dag_id=dag_id, run_id=run_id)
    except AirflowRuntimeError as exc:
        if api_not_found(exc):
            return None
        raise
    return str(getattr(state, "value", state))  # a DagRunState member: its value ("success", ...)


def latest_run(dag_id: str) -> LatestRun:
    from airflow.sdk import Variable

    raw = Variable.get(latest_run_key(dag_id), default=None)
    if not raw:
        return LatestRun(None)
    record = json.loads(raw)
    return LatestRun(record["run_id"], run_state(dag_id, record["run_id"]), record.get("digest"))


class PhaseRunTrigger(BaseTrigger):
    """Polls a run's state in the triggerer until it is no longer queued/running, or the deadline."""

    def __init__(self, dag_id: str, run_id: str, deadline: float, poll_interval: float = POLL_SECONDS,
                 not_before: float = 0.0):
        super().__init__()
        self.dag_id, self.run_id, self.deadline = dag_id, run_id, deadline
        self.poll_interval, self.not_before = poll_interval, not_before

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (f"{type(self).__module__}.{type(self).__qualname__}",
                {"dag_id": self.dag_id, "run_id": self.run_id, "deadline": self.deadline,
                 "poll_interval": self.poll_interval, "not_before": self.not_before})

    async def run(self):
        import asyncio

        from asgiref.sync import sync_to_async

        while True:
            state = await sync_to_async(run_state)(self.dag_id, self.run_id)
            if state not in RUNNING_STATES or time.time() >= self.deadline:
                await hold_until(self.not_before)
                yield TriggerEvent({"state": state, "run_id": self.run_id, "timed_out": state in RUNNING_STATES})
                return
            await asyncio.sleep(self.poll_interval)


class PhaseGate(BaseOperator):
    """Pass, refuse or wait on the phase before `dag_id` (see the module docstring)."""

    ui_color = "#e8f0fe"

    def __init__(self, *, gated_dag_id: str, previous: str, records_run: bool = True, **kwargs):
        super().__init__(retries=0, **kwargs)
        self.gated_dag_id = gated_dag_id
        self.previous = previous
        self.records_run = records_run

    def execute(self, context):
        from groundwork.config.durations import parse_iso8601_duration

        config = self._config(context)
        deadline = time.time() + parse_iso8601_duration(config.operations.gate_wait_timeout)
        return self._decide(context, config, deadline)

    def resume(self, context, event=None, deadline: float = 0.0):
        event = event or {}
        if event.get("timed_out"):
            raise AirflowFailException(
                f"{self.gated_dag_id} waited operations.gate_wait_timeout for {self.previous}'s run "
                f"{event.get('run_id', '')} to finish; it is still {event.get('state')}. Trigger "
                f"{self.gated_dag_id} again once it has finished.")
        return self._decide(context, self._config(context, record=False), deadline)

    def _config(self, context, record: bool = True):
        from groundwork.config.loader import ConfigError, load_config

        try:
            config = load_config()
        except ConfigError as exc:
            if record and self.records_run:
                record_run(self.gated_dag_id, context["run_id"], None)
            raise AirflowFailException(f"the config does not load, so no order can be checked:\n{exc}") from None
        if record and self.records_run:
            record_run(self.gated_dag_id, context["run_id"], owned_digest(config, self.gated_dag_id))
        return config

    def _decide(self, context, config, deadline: float):
        latest = latest_run(self.previous)
        decision = decide(self.gated_dag_id, self.previous, latest, owned_digest(config, self.previous))
        self.log.info("%s", decision.message)
        if decision.verdict == "refuse":
            raise AirflowFailException(decision.message)
        if decision.verdict == "pass":
            return decision.message
        if time.time() >= deadline:
            raise AirflowFailException(f"{decision.message}; operations.gate_wait_timeout has passed")
        self.defer(
            trigger=PhaseRunTrigger(self.previous, latest.run_id, deadline,
                                    not_before=time.time() + RESUME_FLOOR_SECONDS),
            method_name="resume", kwargs={"deadline": deadline})
