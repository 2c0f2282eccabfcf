"""Drift detection on the real stack, after phases 1-5 have rolled out: five hand changes across
three phases, made with boto3 the way a person would; `foundation_drift` lists exactly those five
(read only: its one write is the SNS notification), rerunning the three phases repairs them, and
the next drift run is clean."""

from __future__ import annotations

import json
import time

import pytest

from groundwork.phases import PHASES
from groundwork_ops.rollout import run_phase
from groundwork_standin.recording import Recorder
from tests.e2e.conftest import CONFIG_FILE
from tests.e2e.cicd_helpers import account_ids, client, member

DAG = "foundation_drift"
pytestmark = pytest.mark.e2e
REGION = "us-east-1"


def _pause_all(admin) -> None:
    for dag_id in PHASES:
        admin.request("PATCH", f"/dags/{dag_id}", json={"is_paused": True})


def _drift_run(stack) -> tuple[dict, list]:
    """Trigger foundation_drift (unpaused), wait for every run of it, return the report and the calls."""
    admin = stack.client("admin")
    recorder = Recorder(stack.standin_url)
    recorder.start()
    try:
        run_id = admin.trigger(DAG)
        assert admin.wait_for_run(DAG, run_id, timeout=600) == "success", admin.task_states(DAG, run_id)
        calls = recorder.calls()
    finally:
        recorder.stop()
    return admin.xcom(DAG, run_id, "report"), calls


def _hand_changes(stack) -> list[str]:
    """Five changes nobody asked groundwork for; returns what the drift report must name."""
    ids = account_ids(stack)
    orgs = stack.aws("organizations")
    # phase 1: the baseline guardrails SCP detached from the Workloads OU
    root = orgs.list_roots()["Roots"][0]["Id"]
    workloads = next(ou["Id"] for ou in orgs.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
                     if ou["Name"] == "Workloads")
    baseline = next(p["Id"] for p in orgs.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
                    if p["Name"] == "groundwork-baseline-guardrails")
    orgs.detach_policy(PolicyId=baseline, TargetId=workloads)
    # phase 3: Development's KMS interface endpoint deleted; the default route of Staging's private table deleted
    dev_ec2 = client(stack, member(stack, ids["Development"]), "ec2", REGION)
    endpoint = next(e["VpcEndpointId"] for e in dev_ec2.describe_vpc_endpoints()["VpcEndpoints"]
                    if e["ServiceName"] == f"com.amazonaws.{REGION}.kms" and e["State"] != "deleted")
    dev_ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint])
    staging_ec2 = client(stack, member(stack, ids["Staging"]), "ec2", REGION)
    private = next(t for t in staging_ec2.describe_route_tables()["RouteTables"]
                   if {"Key": "groundwork:name", "Value": "private"} in t.get("Tags", [])
                   and any(r.get("DestinationCidrBlock") == "0.0.0.0/0" for r in t["Routes"]))
    staging_ec2.delete_route(RouteTableId=private["RouteTableId"], DestinationCidrBlock="0.0.0.0/0")
    # phase 5: Staging's deployment key alias deleted; Development's deployment bucket versioning suspended
    client(stack, member(stack, ids["Staging"]), "kms", REGION).delete_alias(AliasName="alias/groundwork-deploy-staging")
    dev_s3 = client(stack, member(stack, ids["Development"]), "s3", REGION)
    bucket = next(b["Name"] for b in dev_s3.list_buckets()["Buckets"] if b["Name"].startswith("groundwork-deployments-"))
    dev_s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    return ["groundwork-baseline-guardrails", "Development/kms", "Staging/private",
            "alias/groundwork-deploy-staging", bucket]


@pytest.fixture
def drift_topic(stack):
    """An SNS topic with a queue subscribed, named in the config (operations.drift_topic_arn) for the test."""
    sns, sqs = stack.aws("sns"), stack.aws("sqs")
    topic = sns.create_topic(Name="groundwork-drift")["TopicArn"]
    queue = sqs.create_queue(QueueName="groundwork-drift-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    path = CONFIG_FILE  # what the stack reads
    original = path.read_text()
    # no schedule while the test runs: unpausing a @daily DAG starts a run of its own at once
    assert "\noperations:\n" in original
    path.write_text(original.replace("\noperations:\n", f"\noperations:\n  drift_schedule: null\n  drift_topic_arn: {topic}\n", 1))
    admin = stack.client("admin")
    deadline = time.monotonic() + 120
    while admin.wait_for_dag(DAG).get("timetable_summary") not in (None, "None"):  # parsed again
        assert time.monotonic() < deadline, "foundation_drift was not parsed again with no schedule"
        time.sleep(2)
    try:
        yield sqs, queue
    finally:
        path.write_text(original)


def test_five_hand_changes_are_reported_read_only_repaired_and_then_gone(stack, ensure_phase, drift_topic):
    ensure_phase(PHASES[-1])
    admin, approver = stack.client("admin"), stack.client("approver")
    _pause_all(admin)  # repairs below must not start later phases by their Assets
    admin.wait_for_dag(DAG)
    admin.unpause(DAG)
    try:
        expected = _hand_changes(stack)
        report, calls = _drift_run(stack)
        assert report["total"] == 5, report["lines"]
        assert report["per_phase"] == {"phase1_foundation": 1, "phase2_identity": 0, "phase3_network": 2,
                                       "phase4_observability": 0, "phase5_cicd": 2}, report["lines"]
        for name in expected:
            assert sum(name in line for line in report["lines"]) == 1, (name, report["lines"])
        assert report["repair"] == ["phase1_foundation", "phase3_network", "phase5_cicd"]
        writes = [f"{c.service}:{c.operation}" for c in calls if c.mutating]
        assert writes == ["sns:Publish"], writes  # read only; the one write tells the topic
        sqs, queue = drift_topic
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=5).get("Messages", [])
        assert len(messages) == 1
        told = json.loads(messages[0]["Body"])
        assert told["Subject"] == report["headline"] and all(line in told["Message"] for line in report["lines"])

        for dag_id in report["repair"]:  # the normal run repairs: plan, approval where needed, apply
            run_phase(admin, approver, dag_id, manual=False, timeout=900, log=lambda *_: None)
            admin.request("PATCH", f"/dags/{dag_id}", json={"is_paused": True})

        clean, calls = _drift_run(stack)
        assert clean["total"] == 0 and clean["lines"] == [], clean
        assert clean["headline"].startswith("no drift: AWS matches the config of phase1_foundation, phase2_identity")
        assert [c for c in calls if c.mutating] == []  # nothing found, nobody told
    finally:
        admin.request("PATCH", f"/dags/{DAG}", json={"is_paused": True})
