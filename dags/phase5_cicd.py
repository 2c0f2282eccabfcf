"""Phase 5, CI/CD. The DAG is built from config/foundation.yaml; see groundwork_airflow."""

from groundwork_airflow.cicd_dag import build_cicd_dag

dag = build_cicd_dag()
