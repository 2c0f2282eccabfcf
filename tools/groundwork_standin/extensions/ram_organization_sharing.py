"""EnableSharingWithAwsOrganization, as in AWS, turns on RAM's trusted access in Organizations
(ram.amazonaws.com appears in ListAWSServiceAccessForOrganization), which is how a caller can tell
that sharing with the organization is on. moto 5.2.5 only answers true and records nothing."""

from __future__ import annotations

from typing import Any

from moto.ram.models import ResourceAccessManagerBackend

PRINCIPAL = "ram.amazonaws.com"
_original: dict[str, Any] = {}


def enable_sharing_with_aws_organization(self: ResourceAccessManagerBackend) -> dict[str, Any]:
    response = _original["enable"](self)
    self.organizations_backend.enable_aws_service_access(ServicePrincipal=PRINCIPAL)
    return response


def install() -> None:
    if _original:
        return
    _original["enable"] = ResourceAccessManagerBackend.enable_sharing_with_aws_organization
    ResourceAccessManagerBackend.enable_sharing_with_aws_organization = enable_sharing_with_aws_organization
