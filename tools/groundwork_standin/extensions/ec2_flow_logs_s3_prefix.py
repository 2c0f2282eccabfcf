"""VPC flow logs delivered to an S3 bucket given with a folder (``arn:aws:s3:::bucket/prefix/``), also
when the bucket belongs to another account (the Log Archive).

What AWS does (EC2 CreateFlowLogs; VPC user guide "Publish flow logs to Amazon S3"): LogDestination
is a bucket ARN optionally followed by ``/folder/``; the bucket may be in any account, delivery is
authorised by the bucket policy (``delivery.logs.amazonaws.com`` may ``s3:PutObject``), and a flow log
whose bucket does not exist is reported in ``Unsuccessful`` rather than created. DescribeFlowLogs then
shows the flow log with ``LogDestination`` exactly as given.

What moto 5.2.5 does: it looks up everything after ``arn:aws:s3:::`` as the bucket *name*, so any
destination with a folder is reported ``Unsuccessful`` ("LogDestination: bucket/prefix/ does not
exist."), in the caller's account or another. A bare bucket ARN of another account already works
(moto finds buckets of other accounts by name).

Modelled here: the bucket is looked up by its name alone (any account, as moto does for bare ARNs);
the flow log keeps the full destination. The bucket policy is not checked. A flow log with the same
resource and the same full destination already present answers FlowLogAlreadyExists, as moto does for
bare ARNs.
"""

from __future__ import annotations

from typing import Any

from moto.ec2.exceptions import FlowLogAlreadyExists
from moto.ec2.models.flow_logs import FlowLogsBackend

_original: dict[str, Any] = {}


def create_flow_logs(self: FlowLogsBackend, resource_type: str, resource_ids: list[str], traffic_type: str,
                     deliver_logs_permission_arn: str, log_destination_type: str, log_destination: str,
                     log_group_name: str, log_format: str, max_aggregation_interval: int):
    original = _original["create_flow_logs"]
    prefix = ""
    if log_destination_type == "s3" and log_destination and log_destination.startswith("arn:"):
        bucket_arn, _, prefix = log_destination.partition("/")
    if not prefix:
        return original(self, resource_type, resource_ids, traffic_type, deliver_logs_permission_arn,
                        log_destination_type, log_destination, log_group_name, log_format, max_aggregation_interval)
    for resource_id in resource_ids:
        if any((fl.resource_id, fl.log_group_name, fl.log_destination) == (resource_id, log_group_name, log_destination)
               for fl in self.describe_flow_logs()):
            raise FlowLogAlreadyExists()
    made, unsuccessful = original(self, resource_type, resource_ids, traffic_type, deliver_logs_permission_arn,
                                  log_destination_type, bucket_arn, log_group_name, log_format,
                                  max_aggregation_interval)
    for flow_log in made:
        flow_log.log_destination = log_destination
    return made, unsuccessful


def install() -> None:
    if _original:
        return
    _original["create_flow_logs"] = FlowLogsBackend.create_flow_logs
    FlowLogsBackend.create_flow_logs = create_flow_logs
