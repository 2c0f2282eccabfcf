"""Faults injected in front of a real stand-in process reach botocore as AWS's own errors would."""

from __future__ import annotations

import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from groundwork_standin.faults import FaultClient

NO_RETRY = Config(retries={"mode": "standard", "total_max_attempts": 1})


def client(endpoint, service, config=NO_RETRY):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", config=config,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture
def faults(standin):
    _, endpoint, _ = standin
    control = FaultClient(endpoint)
    yield endpoint, control
    control.clear()


@pytest.mark.parametrize(
    "service, code, call",
    [
        ("organizations", "TooManyRequestsException", lambda c: c.list_roots()),  # JSON
        ("sts", "Throttling", lambda c: c.get_caller_identity()),  # query
        ("ec2", "RequestLimitExceeded", lambda c: c.describe_vpcs()),  # EC2
        ("s3", "SlowDown", lambda c: c.list_objects_v2(Bucket="some-bucket")),  # REST-XML
    ],
)
def test_each_protocol_gets_an_error_botocore_understands(faults, service, code, call):
    endpoint, control = faults
    control.add(service=service, error_code=code, http_status=400 if service != "s3" else 503, count=1)
    with pytest.raises(ClientError) as raised:
        call(client(endpoint, service))
    assert raised.value.response["Error"]["Code"] == code
    assert control.rules()[0]["fired"] == 1


def test_a_throttled_call_is_retried_by_botocore_and_succeeds(faults):
    endpoint, control = faults
    control.add(service="organizations", operation="ListRoots", error_code="TooManyRequestsException", count=2)
    orgs = client(endpoint, "organizations", Config(retries={"mode": "standard", "max_attempts": 5}))
    orgs.create_organization(FeatureSet="ALL")
    assert orgs.list_roots()["Roots"]
    assert control.rules()[0]["fired"] == 2


def test_match_targets_one_request_and_count_limits_it(faults):
    endpoint, control = faults
    orgs = client(endpoint, "organizations")
    orgs.create_organization(FeatureSet="ALL")
    control.add(operation="CreateAccount", match="Staging", error_code="ConcurrentModificationException", count=1)
    orgs.create_account(AccountName="Production", Email="p@example.com")
    with pytest.raises(ClientError):
        orgs.create_account(AccountName="Staging", Email="s@example.com")
    orgs.create_account(AccountName="Staging", Email="s@example.com")  # the rule is spent
    requests = orgs.list_create_account_status()["CreateAccountStatuses"]  # creation is asynchronous
    names = [r["AccountName"] for r in requests]
    assert names.count("Staging") == 1 and names.count("Production") == 1


def test_after_applies_the_call_but_loses_the_answer(faults):
    endpoint, control = faults
    orgs = client(endpoint, "organizations")
    orgs.create_organization(FeatureSet="ALL")
    root = orgs.list_roots()["Roots"][0]["Id"]
    control.add(operation="CreateOrganizationalUnit", error_code="ServiceException", http_status=500, after=True)
    with pytest.raises(ClientError):
        orgs.create_organizational_unit(ParentId=root, Name="Security")
    ous = orgs.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
    assert [ou["Name"] for ou in ous] == ["Security"]


def test_latency_only(faults):
    endpoint, control = faults
    control.add(service="sts", latency_ms=400, count=1)
    started = time.monotonic()
    client(endpoint, "sts").get_caller_identity()
    assert time.monotonic() - started >= 0.4


def test_latency_after_the_change_was_applied(faults):
    endpoint, control = faults
    orgs = client(endpoint, "organizations")
    orgs.create_organization(FeatureSet="ALL")
    root = orgs.list_roots()["Roots"][0]["Id"]
    control.add(operation="CreateOrganizationalUnit", latency_ms=500, after=True)
    started = time.monotonic()
    created = orgs.create_organizational_unit(ParentId=root, Name="Workloads")["OrganizationalUnit"]
    assert time.monotonic() - started >= 0.5 and created["Name"] == "Workloads"


def test_throttling_of_s3_is_a_503_slowdown_even_on_head_and_is_retried(faults):
    endpoint, control = faults
    s3 = client(endpoint, "s3", Config(retries={"mode": "standard", "max_attempts": 5}))
    s3.create_bucket(Bucket="throttled")
    control.add(service="s3", error_code="ThrottlingException", http_status=400, count=2)
    s3.head_bucket(Bucket="throttled")  # a HEAD answer has no body: only the status says "retry"
    assert control.rules()[0]["fired"] == 2
    control.add(service="s3", error_code="ThrottlingException", http_status=400, count=1)
    with pytest.raises(ClientError) as raised:
        client(endpoint, "s3").list_objects_v2(Bucket="throttled")
    assert raised.value.response["Error"]["Code"] == "SlowDown"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503


def test_a_rate_limit_lets_a_burst_through_then_throttles_until_its_bucket_refills(faults):
    """AWS meters an API as a token bucket: `burst` calls at once, then `rate_per_second`."""
    endpoint, control = faults
    control.add(service="sts", error_code="Throttling", rate_per_second=2, burst=3, count=None)
    sts = client(endpoint, "sts")
    answers = []
    for _ in range(5):  # well within the refill time of one token (0.5 s)
        try:
            sts.get_caller_identity()
            answers.append("ok")
        except ClientError as exc:
            answers.append(exc.response["Error"]["Code"])
    assert answers == ["ok", "ok", "ok", "Throttling", "Throttling"]
    time.sleep(0.6)  # one token back
    sts.get_caller_identity()
    (rule,) = control.rules()
    assert (rule["passed"], rule["fired"]) == (4, 2)


def test_a_rate_limit_passes_to_the_next_rule_and_botocore_retries_what_it_throttles(faults):
    endpoint, control = faults
    control.add(service="sts", error_code="Throttling", rate_per_second=5, burst=1, count=None)
    control.add(service="sts", latency_ms=50, count=None)  # every call that gets through also waits
    sts = client(endpoint, "sts", Config(retries={"mode": "standard", "max_attempts": 10}))
    started = time.monotonic()
    for _ in range(4):
        sts.get_caller_identity()  # throttled ones are retried with backoff until a token is there
    assert time.monotonic() - started >= 0.6  # 1 at once, 3 more at 5/s, each 50 ms
    limit, latency = control.rules()
    assert limit["passed"] == 4 and latency["fired"] == 4


def test_a_rate_limit_needs_a_positive_rate_and_burst(faults):
    from urllib.error import HTTPError

    _, control = faults
    with pytest.raises(HTTPError) as refused:
        control.add(service="sts", error_code="Throttling", rate_per_second=0, burst=1)
    assert refused.value.code == 400


def test_a_rate_limit_per_caller_meters_each_credential_and_region_apart(faults):
    """AWS meters per account and Region: with `per_caller`, one caller's burst does not throttle another."""
    endpoint, control = faults
    control.add(service="sts", error_code="Throttling", rate_per_second=0.01, burst=2, count=None, per_caller=True)

    def answers(sts, times):
        out = []
        for _ in range(times):
            try:
                sts.get_caller_identity()
                out.append("ok")
            except ClientError as exc:
                out.append(exc.response["Error"]["Code"])
        return out

    def caller(key, region="us-east-1"):
        import boto3

        return boto3.client("sts", endpoint_url=endpoint, region_name=region, aws_access_key_id=key,
                            aws_secret_access_key="x", config=NO_RETRY)

    assert answers(caller("AKIDFIRST0000000000A"), 3) == ["ok", "ok", "Throttling"]
    assert answers(caller("AKIDSECOND000000000B"), 3) == ["ok", "ok", "Throttling"]  # a bucket of its own
    assert answers(caller("AKIDFIRST0000000000A", "eu-west-1"), 1) == ["ok"]  # another Region, another bucket
    (rule,) = control.rules()
    assert (rule["passed"], rule["fired"]) == (5, 2)
