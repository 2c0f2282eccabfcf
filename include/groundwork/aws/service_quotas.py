"""Service Quotas calls, one small function each; 'not found' is None.

Quotas are per account and region: read them with a client of the account (and region) they apply
to. Organizations quotas are global and only answered in us-east-1 (`GLOBAL_QUOTA_REGION`).
"""

from __future__ import annotations

from groundwork.aws.common import all_items

GLOBAL_QUOTA_REGION = "us-east-1"


def applied_value(client, service_code: str, quota_code: str) -> float | None:
    """The account's value of a quota. AWS answers NoSuchResource for some quotas nobody ever changed
    in the account: then the AWS default; None when AWS knows neither."""
    try:
        return float(client.get_service_quota(ServiceCode=service_code, QuotaCode=quota_code)["Quota"]["Value"])
    except client.exceptions.NoSuchResourceException:
        return default_value(client, service_code, quota_code)


def default_value(client, service_code: str, quota_code: str) -> float | None:
    try:
        return float(client.get_aws_default_service_quota(ServiceCode=service_code, QuotaCode=quota_code)["Quota"]["Value"])
    except client.exceptions.NoSuchResourceException:
        return None


def quotas(client, service_code: str) -> list[dict]:
    """The account's values of every quota of a service."""
    return all_items(client, "list_service_quotas", "Quotas", ServiceCode=service_code)


def request_increase(client, service_code: str, quota_code: str, desired_value: float) -> dict:
    """Ask AWS for more; the answer's Status says whether it is granted yet (PENDING, CASE_OPENED, APPROVED...)."""
    return client.request_service_quota_increase(
        ServiceCode=service_code, QuotaCode=quota_code, DesiredValue=float(desired_value)
    )["RequestedQuota"]


def increase_requests(client, service_code: str, quota_code: str) -> list[dict]:
    return all_items(client, "list_requested_service_quota_change_history_by_quota", "RequestedQuotas",
                     ServiceCode=service_code, QuotaCode=quota_code)
