"""The roadmap phases, in order: DAG id, domain module, and the phase each must follow.

The phases and their steps are defined in `groundwork.phases.spec`; each domain module
exposes `plan(ctx, config) -> Plan` and the interface that module describes.
"""

from __future__ import annotations

from types import ModuleType

from groundwork.phases.spec import SPECS

PHASES = tuple(SPECS)
MODULES = {dag_id: spec.module for dag_id, spec in SPECS.items()}


def phase_module(number: int) -> ModuleType:
    """The domain module of phase `number` (1-5)."""
    return SPECS[PHASES[number - 1]].domain()


def previous_phase(dag_id: str) -> str | None:
    index = PHASES.index(dag_id)
    return PHASES[index - 1] if index else None
