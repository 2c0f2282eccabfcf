"""Operating a groundwork deployment from outside: Airflow's REST API, the rollout driver."""
