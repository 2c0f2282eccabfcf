"""Artifact promotion (not a phase). The DAG is built from config/foundation.yaml; see groundwork_airflow."""

from groundwork_airflow.promotion_dag import build_promotion_dag

dag = build_promotion_dag()
