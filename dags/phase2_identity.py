"""Phase 2, Identity. The DAG is built from config/foundation.yaml; see groundwork_airflow."""

from groundwork_airflow.identity_dag import build_identity_dag

dag = build_identity_dag()
