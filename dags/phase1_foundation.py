"""Phase 1, Foundation. The DAG is built from config/foundation.yaml; see groundwork_airflow."""

from groundwork_airflow.foundation_dag import build_foundation_dag

dag = build_foundation_dag()
