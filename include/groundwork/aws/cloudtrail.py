"""CloudTrail calls, one small function each; 'not found' is None."""

from __future__ import annotations

from groundwork.aws.common import MANAGED_TAG

MANAGEMENT_EVENTS = [{"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": []}]


def trail(client, name: str) -> dict | None:
    try:
        return client.get_trail(Name=name)["Trail"]
    except client.exceptions.TrailNotFoundException:
        return None


def create_trail(client, name: str, bucket: str, kms_key: str) -> dict:
    return client.create_trail(
        Name=name, S3BucketName=bucket, KmsKeyId=kms_key, IsMultiRegionTrail=True, IsOrganizationTrail=True,
        EnableLogFileValidation=True, IncludeGlobalServiceEvents=True,
        TagsList=[MANAGED_TAG],
    )


def update_trail(client, name: str, bucket: str, kms_key: str) -> None:
    client.update_trail(
        Name=name, S3BucketName=bucket, KmsKeyId=kms_key, IsMultiRegionTrail=True, IsOrganizationTrail=True,
        EnableLogFileValidation=True, IncludeGlobalServiceEvents=True,
    )


def event_selectors(client, name: str) -> list[dict]:
    """Classic event selectors as (ReadWriteType, IncludeManagementEvents, data resources) dicts."""
    found = client.get_event_selectors(TrailName=name).get("EventSelectors") or []
    return [{"ReadWriteType": s.get("ReadWriteType"), "IncludeManagementEvents": s.get("IncludeManagementEvents"),
             "DataResources": s.get("DataResources", [])} for s in found]


def select_management_events(client, name: str) -> None:
    client.put_event_selectors(TrailName=name, EventSelectors=MANAGEMENT_EVENTS)


def is_logging(client, name: str) -> bool:
    return bool(client.get_trail_status(Name=name).get("IsLogging"))


def start_logging(client, name: str) -> None:
    client.start_logging(Name=name)
