"""The roadmap phases, in order: DAG id, domain module, and the phase each must follow.

The phases and their steps are defined in `groundwork.phases.spec`; each domain module
exposes `plan(ctx, config) -> Plan` and the interface that module describes;
a phase whose module does not exist yet is simply not implemented.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from groundwork.phases.spec import SPECS

PHASES = tuple(SPECS)
MODULES = {dag_id: spec.module for dag_id, spec in SPECS.items()}


def previous_phase(dag_id: str) -> str | None:
    index = PHASES.index(dag_id)
    return PHASES[index - 1] if index else None


def phase_module(number: int) -> ModuleType | None:
    """The domain module of phase `number` (1-5), or None when that phase is not built yet."""
    name = f"groundwork.phases.{MODULES[PHASES[number - 1]]}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise


def implemented_phases() -> list[int]:
    return [n for n in range(1, len(PHASES) + 1) if phase_module(n) is not None]
