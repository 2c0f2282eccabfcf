"""Drift detection (not a phase): read-only comparison of AWS with the config, on the config's schedule."""

from groundwork_airflow.drift_dag import build_drift_dag

dag = build_drift_dag()
