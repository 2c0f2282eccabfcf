"""Delegated administrators for the services phase 4 delegates, as AWS accepts them. moto 5.2.5
refuses `config.amazonaws.com` (AWS Config's aggregators are delegated under that principal, rule
and conformance-pack deployment under config-multiaccountsetup) and `securityhub.amazonaws.com`
with "unrecognized service principal"."""

from __future__ import annotations

from moto.organizations.models import FakeDelegatedAdministrator

ADDED = ("config.amazonaws.com", "securityhub.amazonaws.com")


def install() -> None:
    for service in ADDED:
        if service not in FakeDelegatedAdministrator.SUPPORTED_SERVICES:
            FakeDelegatedAdministrator.SUPPORTED_SERVICES.append(service)
