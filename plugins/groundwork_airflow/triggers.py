"""One deferrable wait for every slow AWS state: poll a named probe until it says done.

Probes are plain functions in the domain package, named by dotted path
("groundwork.phases.probes:create_account"), `probe(ctx, **arguments) -> (done, result)`; the
trigger only carries that path and the arguments (no credentials: it rebuilds its session from the Airflow
connection id), so it serializes to a few ids.
"""

from __future__ import annotations

import asyncio
import importlib
import time
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent


def resolve_probe(path: str):
    """'groundwork.phases.probes:create_account' -> the function (only inside groundwork)."""
    module, _, name = path.partition(":")
    if not module.startswith("groundwork.") or not name:
        raise ValueError(f"not a groundwork probe: {path!r}")
    return getattr(importlib.import_module(module), name)


class AwsPollTrigger(BaseTrigger):
    def __init__(
        self,
        probe: str,
        arguments: dict[str, Any],
        connection_id: str,
        region: str,
        access_role_name: str,
        poll_interval: float = 15.0,
        timeout: float = 3600.0,
    ):
        super().__init__()
        self.probe = probe
        self.arguments = arguments
        self.connection_id = connection_id
        self.region = region
        self.access_role_name = access_role_name
        self.poll_interval = poll_interval
        self.timeout = timeout

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "probe": self.probe,
                "arguments": self.arguments,
                "connection_id": self.connection_id,
                "region": self.region,
                "access_role_name": self.access_role_name,
                "poll_interval": self.poll_interval,
                "timeout": self.timeout,
            },
        )

    def _check_once(self) -> tuple[bool, dict]:
        from groundwork_airflow.aws import aws_context

        ctx = aws_context(self.connection_id, self.region, self.access_role_name)
        return resolve_probe(self.probe)(ctx, **self.arguments)

    async def run(self):
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                done, result = await asyncio.to_thread(self._check_once)
            except Exception as exc:  # report, don't kill the triggerer loop
                yield TriggerEvent({"status": "error", "probe": self.probe, "message": str(exc)})
                return
            if done:
                yield TriggerEvent({"status": "done", "probe": self.probe, "result": result})
                return
            if time.monotonic() > deadline:
                yield TriggerEvent({"status": "timeout", "probe": self.probe, "result": result})
                return
            await asyncio.sleep(self.poll_interval)
