"""Service-linked role names as AWS gives them. moto 5.2.5 names AWS Config's role
`AWSServiceRoleForconfig`; AWS names it `AWSServiceRoleForConfig` (the ARN AWS Config recorders
are given: role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig)."""

from __future__ import annotations

from moto.iam import models

NAMES = {"config": "Config"}


def install() -> None:
    for service, name in NAMES.items():
        models.SERVICE_NAME_CONVERSION.setdefault(service, name)
