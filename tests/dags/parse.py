"""Parse DAG files the way the dag-processor does, failing on any AWS call made while parsing."""

import botocore.client


def parse_refusing_aws(path):
    from airflow.dag_processing.dagbag import DagBag

    original = botocore.client.BaseClient._make_api_call

    def refuse(self, operation, params):
        raise AssertionError(f"AWS call {operation} at DAG parse time")

    botocore.client.BaseClient._make_api_call = refuse
    try:
        bag = DagBag(str(path))
    finally:
        botocore.client.BaseClient._make_api_call = original
    assert bag.import_errors == {}
    return bag
