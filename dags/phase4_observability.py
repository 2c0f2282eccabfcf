"""Phase 4, Observability. The DAG is built from config/foundation.yaml and its phase spec; see groundwork.phases.spec."""

from groundwork_airflow.phase_dag import build_phase_dag

dag = build_phase_dag("phase4_observability")
