"""bench/latency_model.py applied to a real stand-in: calls wait, bursts are throttled with the
service's own error, botocore's retries get through (the model the scale runs use)."""

from __future__ import annotations

import importlib.util
import time
from concurrent.futures import ThreadPoolExecutor

from botocore.config import Config
from botocore.exceptions import ClientError

from groundwork_standin.faults import FaultClient
from tests.conftest import ROOT
from tests.standin.test_fault_injection import client

spec = importlib.util.spec_from_file_location("latency_model", ROOT / "bench" / "latency_model.py")
latency_model = importlib.util.module_from_spec(spec)
spec.loader.exec_module(latency_model)


def test_the_model_slows_every_call_and_throttles_a_burst_that_retries_get_through(standin):
    _, endpoint, _ = standin
    assert latency_model.main(["--endpoint", endpoint]) == 0
    control = FaultClient(endpoint)
    try:
        assert len(control.rules()) == 2 * len(latency_model.MODEL)
        started = time.monotonic()
        client(endpoint, "ec2").describe_vpcs()
        assert time.monotonic() - started >= 0.12  # EC2's latency

        orgs = client(endpoint, "organizations")  # no retries: 20 calls at once, a bucket of 10
        orgs.create_organization(FeatureSet="ALL")

        def call(_):
            try:
                orgs.list_roots()
                return "ok"
            except ClientError as exc:
                return exc.response["Error"]["Code"]

        with ThreadPoolExecutor(max_workers=20) as pool:
            codes = list(pool.map(call, range(20)))
        assert set(codes) == {"ok", "TooManyRequestsException"}, codes

        retrying = client(endpoint, "organizations", Config(retries={"mode": "standard", "max_attempts": 10}))
        for _ in range(5):
            retrying.list_roots()  # each waits for a token (5/s) through botocore's backoff
        limit = next(r for r in control.rules() if r["service"] == "organizations" and r["rate_per_second"])
        assert limit["fired"] >= 1 and limit["passed"] >= 5
    finally:
        control.clear()
