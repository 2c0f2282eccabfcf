"""The roadmap phases, in order. Each phase's DAG id, and the phase it must follow."""

PHASES = ("phase1_foundation", "phase2_identity", "phase3_network", "phase4_observability", "phase5_cicd")


def previous_phase(dag_id: str) -> str | None:
    index = PHASES.index(dag_id)
    return PHASES[index - 1] if index else None
