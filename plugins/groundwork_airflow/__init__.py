"""Airflow glue for groundwork: thin operators, triggers and DAG builders over the domain package."""
