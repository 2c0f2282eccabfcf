"""Which interface (PrivateLink) endpoint services AWS has in a region, from AWS's endpoint data as
shipped with botocore (no AWS call: the validator runs offline and at DAG parse time).

An interface endpoint service is `com.amazonaws.<region>.<name>`. For most services `<name>` is
the service's endpoint prefix in botocore's data (kms, ssm, logs, sts, secretsmanager, ...), and
the service has the endpoint where the data lists the region. A few endpoint services exist only
for PrivateLink or are named differently from the API; `ALIASES` maps each to the API service whose
regions it follows (ssmmessages and ec2messages are Systems Manager's, ecr.dkr is ECR's, ...).
"""

from __future__ import annotations

import functools

ALIASES = {
    "ssmmessages": "ssm",
    "ec2messages": "ssm",
    "ecr.api": "api.ecr",
    "ecr.dkr": "api.ecr",
    "execute-api": "apigateway",
    "s3-global.accesspoint": "s3",
    "sagemaker.api": "api.sagemaker",
    "sagemaker.runtime": "runtime.sagemaker",
    "codeartifact.api": "codeartifact",
    "codeartifact.repositories": "codeartifact",
    "elasticfilesystem": "elasticfilesystem",
    "email-smtp": "email",
    "bedrock-runtime": "bedrock-runtime",
}


@functools.cache
def _partition_services() -> dict[str, dict]:
    import botocore.session

    data = botocore.session.get_session().get_data("endpoints")
    services: dict[str, dict] = {}
    for partition in data["partitions"]:
        for name, service in partition["services"].items():
            services.setdefault(name, {}).update(service.get("endpoints", {}))
    return services


def problem(name: str, region: str) -> str | None:
    """Why `com.amazonaws.<region>.<name>` is not an interface endpoint service AWS has, or None."""
    services = _partition_services()
    api = ALIASES.get(name, name)
    if api not in services:
        return (f"AWS has no interface endpoint service named {name!r} (com.amazonaws.{region}.{name}): "
                "use the service's endpoint name, e.g. kms, ssm, ssmmessages, logs, ecr.api, sts")
    if region not in services[api]:
        return f"{name!r} has no endpoint in {region} (AWS's endpoint data); leave it out or change the home region"
    return None
