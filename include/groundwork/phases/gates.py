"""Whether a phase may start: the phase before it must have succeeded in its **latest** run, and
that run must have applied the current config of the sections it owns (`PhaseSpec.owns`).

Plain data in, a decision out (no Airflow here): the Airflow side records each phase run's
config digest when it starts, reads the predecessor's latest run and its state, and acts on the
verdict: pass, wait (the predecessor is still running; the gate defers), or refuse (fail before any
AWS call, saying which run and why).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Literal

from groundwork.phases.spec import SPECS

RUNNING_STATES = frozenset({"queued", "running"})


@dataclass(frozen=True)
class LatestRun:
    """The predecessor's latest run as recorded when it started."""

    run_id: str | None  # None: no run was ever recorded
    state: str | None = None  # Airflow's run state; None: the run no longer exists
    digest: str | None = None  # owned_digest of the config that run planned against


@dataclass(frozen=True)
class Decision:
    verdict: Literal["pass", "wait", "refuse"]
    message: str


def owned_digest(config, dag_id: str) -> str:
    """sha256 of the config sections `dag_id` owns, in a canonical JSON form."""
    sections = set(SPECS[dag_id].owns)
    data = config.model_dump(mode="json", include=sections)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def decide(dag_id: str, previous: str, latest: LatestRun, current_digest: str) -> Decision:
    """May `dag_id` start, given `previous`'s latest run and the current config's digest of what
    `previous` owns?"""
    owns = ", ".join(SPECS[previous].owns) if previous in SPECS else "its config"
    rerun = f"Run {previous} (it plans and applies the current config); {dag_id} starts by itself when it succeeds."
    if latest.run_id is None:
        return Decision("refuse", f"{dag_id} must run after {previous}, which has no recorded run yet. {rerun}")
    run = f"{previous}'s latest run {latest.run_id}"
    if latest.state is None:
        return Decision("refuse", f"{dag_id} must run after {previous}; {run} no longer exists. {rerun}")
    if latest.state in RUNNING_STATES:
        return Decision("wait", f"{run} is {latest.state}; waiting for it to finish")
    if latest.state != "success":
        return Decision("refuse", f"{dag_id} must run after {previous} has succeeded; {run} ended "
                                  f"{latest.state}. Clear its failed tasks or run it again; {dag_id} starts "
                                  "by itself when it succeeds.")
    if latest.digest != current_digest:
        return Decision("refuse", f"{dag_id} refuses: {run} succeeded, but applied another config of "
                                  f"{owns} than the current one (applied {str(latest.digest)[:12]}, "
                                  f"now {current_digest[:12]}). {rerun}")
    return Decision("pass", f"{run} succeeded on the current config of {owns} ({current_digest[:12]})")
