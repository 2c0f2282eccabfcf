"""Build the domain's AwsContext from an Airflow AWS connection (providers-amazon's hook).

The connection's `endpoint_url` and `service_config` decide where each service is reached, so the
same code talks to AWS or to the local stand-in. Credentials never leave the hook's session.
"""

from __future__ import annotations

from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

from groundwork.aws.context import AwsContext


def aws_context(connection_id: str, region: str, access_role_name: str) -> AwsContext:
    hook = AwsBaseHook(aws_conn_id=connection_id, client_type="sts", region_name=region)
    wrapper = hook.conn_config
    return AwsContext(
        session=hook.get_session(region_name=region),
        region=region,
        access_role_name=access_role_name,
        endpoint_for=wrapper.get_service_endpoint_url,
    )


def context_for(config) -> AwsContext:
    return aws_context(config.aws.connection_id, config.aws.home_region, config.aws.access_role_name)
