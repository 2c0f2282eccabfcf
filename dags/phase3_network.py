"""Phase 3, Network. The DAG is built from config/foundation.yaml; see groundwork_airflow."""

from groundwork_airflow.network_dag import build_network_dag

dag = build_network_dag()
