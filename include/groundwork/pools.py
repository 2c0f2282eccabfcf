"""The Airflow pools a config asks for: one per kind of concurrent AWS work (`operations.concurrency`),
named `groundwork_<kind>`, sized to the quota the config names. Plain data (no Airflow import): the
stack and the docker-compose init create them (`python -m groundwork pools` prints them in the format
of `airflow pools import`), the phase specs name the kind each mapped step uses."""

from __future__ import annotations

from groundwork.config.models import Concurrency

PREFIX = "groundwork_"
# A deferred task instance keeps its pool slot for these kinds: the AWS work it waits on is still in
# progress and still counts against the quota (a CreateAccount request).
HELD_WHILE_DEFERRED = frozenset({"account_creation"})
KINDS = tuple(Concurrency.model_fields)


def pool_name(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"no concurrency kind {kind!r}; known: {', '.join(KINDS)}")
    return PREFIX + kind


def pools(config) -> dict[str, dict]:
    """{pool name: {"slots", "description", "include_deferred"}} for every kind, from the config."""
    sizes = config.operations.concurrency
    return {
        pool_name(kind): {
            "slots": getattr(sizes, kind),
            "description": f"groundwork operations.concurrency.{kind}: {Concurrency.model_fields[kind].description}",
            "include_deferred": kind in HELD_WHILE_DEFERRED,
        }
        for kind in KINDS
    }
