"""Phase 4, Observability. The DAG is built from config/foundation.yaml; see groundwork_airflow."""

from groundwork_airflow.observability_dag import build_observability_dag

dag = build_observability_dag()
