"""Phase 3 through a real Airflow on the stand-in, over the REST API: after phases 1-2, trigger,
approve the production changes as the approver, check AWS account by account, then rerun and see
nothing asked and nothing changed."""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import converged_rerun, main_config, trigger_until_approval

DAG = "phase3_network"
CONFIG = main_config()
pytestmark = pytest.mark.e2e


def _member(stack, account_id: str, service: str):
    import boto3

    creds = stack.aws("sts").assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/{CONFIG.aws.access_role_name}",
                                         RoleSessionName="e2e-check")["Credentials"]
    return boto3.client(service, region_name=CONFIG.aws.home_region, endpoint_url=stack.standin_url,
                        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds["SessionToken"])


@pytest.fixture(scope="module")
def first_run(stack, ensure_phase):
    ensure_phase("phase2_identity")
    started = time.monotonic()
    return trigger_until_approval(stack, DAG), started


def test_the_approval_lists_the_production_changes(stack, first_run):
    run_id, _ = first_run
    pending = stack.client("approver").pending_approvals(DAG, run_id)
    assert len(pending) == 1
    body = pending[0]["body"]
    assert "Production **(production)**" in body and "production 0.0.0.0/0" in body
    assert "Staging" not in body  # non-production changes need no approval and are not listed
    assert "CIDR capacity in 10.0.0.0/8" in body


def test_the_approved_run_succeeds_and_aws_matches_the_config(stack, first_run, completed_phases):
    run_id, started = first_run
    admin, approver = stack.client("admin"), stack.client("approver")
    approver.answer(DAG, run_id, "approve", "Approve")
    assert admin.wait_for_run(DAG, run_id, timeout=900) == "success", admin.task_states(DAG, run_id)
    print(f"\nphase3 first run, trigger to success: {time.monotonic() - started:.1f}s")
    result = admin.xcom(DAG, run_id, "verify")
    ids = {a["Name"]: a["Id"] for a in stack.aws("organizations").list_accounts()["Accounts"]}
    hub = _member(stack, ids[CONFIG.network.transit_gateway_account], "ec2")
    tables = {next(t["Value"] for t in rt["Tags"] if t["Key"] == "groundwork:segment"): rt["TransitGatewayRouteTableId"]
              for rt in hub.describe_transit_gateway_route_tables()["TransitGatewayRouteTables"]}
    associated = {a["TransitGatewayAttachmentId"]: segment for segment, table in tables.items()
                  for a in hub.get_transit_gateway_route_table_associations(TransitGatewayRouteTableId=table)["Associations"]}
    expected_segment = {"production": "production", "staging": "nonproduction", "development": "nonproduction",
                        "sandbox": "sandbox", "shared": "shared", None: "shared"}
    r53 = _member(stack, ids[CONFIG.network.transit_gateway_account], "route53")
    zone = r53.list_hosted_zones_by_name(DNSName=CONFIG.network.private_zone + ".")["HostedZones"][0]
    zone_vpcs = {v["VPCId"] for v in r53.get_hosted_zone(Id=zone["Id"])["VPCs"]}
    for account in CONFIG.organization.accounts:
        ec2 = _member(stack, ids[account.name], "ec2")
        vpcs = [v for v in ec2.describe_vpcs()["Vpcs"] if not v["IsDefault"]]
        assert len(vpcs) == 1, account.name
        assert vpcs[0]["CidrBlock"] == result["accounts"][account.name]["cidr"]
        if account.cidr:
            assert vpcs[0]["CidrBlock"] == account.cidr
        attachments = [a for a in ec2.describe_transit_gateway_vpc_attachments()["TransitGatewayVpcAttachments"]
                       if a["VpcOwnerId"] == ids[account.name]]
        assert [a["State"] for a in attachments] == ["available"], account.name
        assert associated[attachments[0]["TransitGatewayAttachmentId"]] == expected_segment[account.environment]
        endpoints = {e["ServiceName"].rsplit(".", 1)[1] for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]}
        assert endpoints == {"s3", "dynamodb", "kms", *CONFIG.network.interface_endpoints}, account.name
        assert vpcs[0]["VpcId"] in zone_vpcs, account.name
    assert len(set(associated)) == len(CONFIG.organization.accounts)  # each attachment in exactly one table
    log = admin.task_log(DAG, run_id, "ensure_vpc", map_index=0)
    # the stand-in keeps an attachment pending for 2 s: checked again in the worker, not deferred
    assert "available; mutating calls:" in log and "(deferred" not in log
    completed_phases[DAG] = run_id


def test_a_second_run_asks_nothing_and_makes_no_mutating_call(stack, first_run):
    assert stack.client("admin").run(DAG, first_run[0])["state"] == "success"
    _, calls = converged_rerun(stack, DAG)
    assert [f"{c.service}:{c.operation}" for c in calls if c.mutating] == []
    assert any(c.operation == "DescribeTransitGatewayVpcAttachments" for c in calls)
