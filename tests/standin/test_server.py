"""The stand-in really serves: a subprocess, a boto3 call, the recorder, a reset."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

REPO = Path(__file__).resolve().parents[2]
READY = re.compile(r"listening on (http://[\d.]+:\d+)")


def _post(url: str) -> int:
    with urllib.request.urlopen(urllib.request.Request(url, data=b"", method="POST"), timeout=10) as r:
        return r.status


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read()


def _orgs(endpoint: str):
    return boto3.client(
        "organizations",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )


def test_serve_record_reset_stop(standin):
    proc, endpoint, record = standin

    health = json.loads(_get(f"{endpoint}/_standin/health"))
    assert health["status"] == "ok"
    assert health["pid"] == proc.pid
    assert health["record_file"] == str(record)

    assert _post(f"{endpoint}/moto-api/recorder/start-recording") == 200
    orgs = _orgs(endpoint)
    org = orgs.create_organization(FeatureSet="ALL")["Organization"]
    assert org["FeatureSet"] == "ALL"
    assert orgs.describe_organization()["Organization"]["Id"] == org["Id"]

    entries = [json.loads(x) for x in _get(f"{endpoint}/moto-api/recorder/download-recording").splitlines() if x.strip()]
    targets = [e["headers"].get("X-Amz-Target", "") for e in entries]
    assert targets.count("AWSOrganizationsV20161128.CreateOrganization") == 1, targets
    assert targets.count("AWSOrganizationsV20161128.DescribeOrganization") == 1, targets
    # the recording is the file we named
    assert len([x for x in record.read_text().splitlines() if x.strip()]) == len(entries)

    # reset through the CLI drops moto state (and, asked to, the recording)
    env = dict(os.environ, PYTHONPATH=str(REPO / "include"))
    out = subprocess.run(
        [sys.executable, "-m", "groundwork_standin", "reset", "--endpoint", endpoint, "--recording"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert _get(f"{endpoint}/moto-api/recorder/download-recording").strip() == b""
    with pytest.raises(orgs.exceptions.AWSOrganizationsNotInUseException):
        orgs.describe_organization()

    # SIGTERM stops it cleanly
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0
    assert "groundwork-standin stopped" in proc.stdout.read()


def test_reset_reports_unreachable_endpoint():
    env = dict(os.environ, PYTHONPATH=str(REPO / "include"))
    out = subprocess.run(
        [sys.executable, "-m", "groundwork_standin", "reset", "--endpoint", "http://127.0.0.1:9", "--timeout", "2"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 2
    assert "cannot reach" in out.stderr


def test_an_accounts_ec2_in_a_region_comes_without_moto_default_images(standin):
    """groundwork launches no instance; the stand-in skips moto's thousands of default AMIs per
    account and Region (what made 2,000 EC2 backends cost 200 s of CPU and 4 GiB at 1,000 accounts)."""
    _, endpoint, _ = standin
    ec2 = boto3.client("ec2", endpoint_url=endpoint, region_name="eu-west-1", aws_access_key_id="testing",
                       aws_secret_access_key="testing", config=Config(retries={"max_attempts": 1}))
    assert ec2.describe_images(Owners=["amazon"])["Images"] == []
    assert ec2.describe_vpcs()["Vpcs"]  # the default VPC is still there, as in AWS
