"""What every per-service module shares: full pagination and groundwork's ownership tag, in the
shapes the different AWS APIs want it."""

from __future__ import annotations

MANAGED_KEY, MANAGED_VALUE = "managed-by", "groundwork"
MANAGED = {MANAGED_KEY: MANAGED_VALUE}  # APIs that take a plain mapping (EC2 filters, GuardDuty, Security Hub)
MANAGED_TAG = {"Key": MANAGED_KEY, "Value": MANAGED_VALUE}  # Organizations, IAM, S3, Identity Center, ...
MANAGED_TAG_LOWER = {"key": MANAGED_KEY, "value": MANAGED_VALUE}  # RAM
MANAGED_KMS_TAG = {"TagKey": MANAGED_KEY, "TagValue": MANAGED_VALUE}  # KMS


def all_items(client, operation: str, key: str, **kwargs) -> list:
    """Every item of a paginated list call (botocore's paginator, all pages)."""
    items: list = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        items += page[key]
    return items


def is_managed(tags: dict[str, str]) -> bool:
    return tags.get(MANAGED_KEY) == MANAGED_VALUE
