"""moto 5.2.5 pages ListCreateAccountStatus wrongly: the next token is the size of the page just
returned instead of the offset after it, so past 123 requests the same token repeats forever and
botocore's paginator stops with "The same next token was received twice". AWS pages it properly.
This replaces the backend method with one that pages by offset (AWS's behaviour)."""

from __future__ import annotations

from typing import Any

from moto.organizations.models import OrganizationsBackend

ALL_STATES = ["IN_PROGRESS", "SUCCEEDED", "FAILED"]


def list_create_account_status(self, **kwargs: Any) -> dict[str, Any]:
    states = kwargs.get("States") or ALL_STATES
    every = [account.create_account_status["CreateAccountStatus"] for account in self.accounts]
    every += getattr(self, "failed_create_requests", [])  # organizations_uniqueness keeps them
    statuses = [status for status in every if status["State"] in states]
    start = int(kwargs.get("NextToken") or 0)
    size = int(kwargs.get("MaxResults") or 20)
    page = statuses[start : start + size]
    response: dict[str, Any] = {"CreateAccountStatuses": page}
    if start + size < len(statuses):
        response["NextToken"] = str(start + size)
    return response


def install() -> None:
    OrganizationsBackend.list_create_account_status = list_create_account_status
