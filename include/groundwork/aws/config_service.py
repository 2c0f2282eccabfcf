"""AWS Config calls, one small function each; 'not found' is None."""

from __future__ import annotations

from groundwork.aws.common import MANAGED_TAG


def recorders(client) -> list[dict]:
    return client.describe_configuration_recorders().get("ConfigurationRecorders", [])


def recording(client, name: str) -> bool:
    try:
        found = client.describe_configuration_recorder_status(ConfigurationRecorderNames=[name])
    except client.exceptions.NoSuchConfigurationRecorderException:
        return False
    return any(s.get("recording") for s in found.get("ConfigurationRecordersStatus", []))


def put_recorder(client, name: str, role_arn: str, include_global: bool) -> None:
    client.put_configuration_recorder(ConfigurationRecorder={
        "name": name, "roleARN": role_arn,
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": include_global},
    })


def delivery_channels(client) -> list[dict]:
    return client.describe_delivery_channels().get("DeliveryChannels", [])


def put_delivery_channel(client, name: str, bucket: str, kms_key: str) -> None:
    client.put_delivery_channel(DeliveryChannel={
        "name": name, "s3BucketName": bucket, "s3KmsKeyArn": kms_key,
        "configSnapshotDeliveryProperties": {"deliveryFrequency": "TwentyFour_Hours"},
    })


def start_recorder(client, name: str) -> None:
    client.start_configuration_recorder(ConfigurationRecorderName=name)


def aggregator(client, name: str) -> dict | None:
    try:
        found = client.describe_configuration_aggregators(ConfigurationAggregatorNames=[name])
    except client.exceptions.NoSuchConfigurationAggregatorException:
        return None
    return (found.get("ConfigurationAggregators") or [None])[0]


def put_organization_aggregator(client, name: str, role_arn: str) -> None:
    client.put_configuration_aggregator(
        ConfigurationAggregatorName=name,
        OrganizationAggregationSource={"RoleArn": role_arn, "AllAwsRegions": True},
        Tags=[MANAGED_TAG],
    )
