"""Service Quotas against a real stand-in: per-account, per-region values, increases granted at once,
the errors AWS answers, and the admin route that sets a value below the default."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from groundwork_standin.extensions.service_quotas import QUOTAS
from moto.servicequotas.resources.default_quotas.vpc import VPC_DEFAULT_QUOTAS

from tests.standin.conftest import client

ADMIN = "/groundwork-standin/service-quotas/applied"
MEMBER = "111111111111"
ORG = {"ServiceCode": "organizations", "QuotaCode": "L-29A0C5DF"}


def _quotas(endpoint: str, region: str = "us-east-1", creds: dict | None = None):
    if region == "us-east-1":
        return client(endpoint, "service-quotas", creds)
    return boto3.client("service-quotas", endpoint_url=endpoint, region_name=region,
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(retries={"max_attempts": 1}))


def _member(endpoint: str, account_id: str = MEMBER):
    creds = client(endpoint, "sts").assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/any",
                                                RoleSessionName="quotas")["Credentials"]
    return _quotas(endpoint, creds=creds)


def _post(endpoint: str, body: dict | str) -> tuple[int, dict]:
    data = (body if isinstance(body, str) else json.dumps(body)).encode()
    req = urllib.request.Request(endpoint + ADMIN, data=data, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _code(exc: pytest.ExceptionInfo) -> str:
    return exc.value.response["Error"]["Code"]


def test_the_table_agrees_with_moto_where_both_know_a_code():
    moto = {q["QuotaCode"]: q["Value"] for q in VPC_DEFAULT_QUOTAS}
    for quota in QUOTAS:
        assert quota.source
        if quota.service_code == "vpc":
            assert moto[quota.code] == quota.default, quota.code


def test_values_are_per_account_and_region_and_an_increase_is_granted_at_once(standin):
    _, endpoint, _ = standin
    sq = _quotas(endpoint)
    applied = sq.get_service_quota(**ORG)["Quota"]
    assert (applied["QuotaName"], applied["Value"], applied["GlobalQuota"]) == ("Default maximum number of accounts", 10.0, True)
    assert applied["QuotaArn"] == "arn:aws:servicequotas:us-east-1:123456789012:organizations/L-29A0C5DF"
    assert sq.get_aws_default_service_quota(**ORG)["Quota"]["QuotaArn"] == "arn:aws:servicequotas:us-east-1::organizations/L-29A0C5DF"
    for service, code, value in [("ec2", "L-A2478D36", 5), ("ec2", "L-E0233F82", 5000),
                                 ("vpc", "L-F678F1CE", 5), ("vpc", "L-29B6F2EB", 50)]:
        assert sq.get_service_quota(ServiceCode=service, QuotaCode=code)["Quota"]["Value"] == value, code

    granted = sq.request_service_quota_increase(**ORG, DesiredValue=20)["RequestedQuota"]
    assert (granted["Status"], granted["DesiredValue"], granted["QuotaRequestedAtLevel"]) == ("APPROVED", 20.0, "ACCOUNT")
    assert sq.get_service_quota(**ORG)["Quota"]["Value"] == 20.0
    assert sq.get_aws_default_service_quota(**ORG)["Quota"]["Value"] == 10.0
    history = sq.list_requested_service_quota_change_history_by_quota(**ORG)["RequestedQuotas"]
    assert [r["Id"] for r in history] == [granted["Id"]]
    assert sq.get_requested_service_quota_change(RequestId=granted["Id"])["RequestedQuota"]["Status"] == "APPROVED"
    assert [r["Id"] for r in sq.list_requested_service_quota_change_history(ServiceCode="organizations")["RequestedQuotas"]] == [granted["Id"]]

    # another account keeps its own value; another region its own
    member = _member(endpoint)
    assert member.get_service_quota(**ORG)["Quota"]["Value"] == 10.0
    assert member.list_requested_service_quota_change_history_by_quota(**ORG)["RequestedQuotas"] == []
    sq.request_service_quota_increase(ServiceCode="vpc", QuotaCode="L-F678F1CE", DesiredValue=10)
    west = _quotas(endpoint, "us-west-2")
    assert west.get_service_quota(ServiceCode="vpc", QuotaCode="L-F678F1CE")["Quota"]["Value"] == 5.0
    assert sq.get_service_quota(ServiceCode="vpc", QuotaCode="L-F678F1CE")["Quota"]["Value"] == 10.0
    with pytest.raises(ClientError) as exc:  # Organizations quotas live in us-east-1 only
        west.get_service_quota(**ORG)
    assert _code(exc) == "NoSuchResourceException"

    listed = sq.list_service_quotas(ServiceCode="vpc", QuotaCode="L-F678F1CE")["Quotas"]
    assert [(q["QuotaCode"], q["Value"]) for q in listed] == [("L-F678F1CE", 10.0)]


def test_errors_pagination_the_admin_route_and_reset(standin):
    _, endpoint, _ = standin
    sq = _quotas(endpoint)
    for call, kwargs, code in [
        (sq.get_service_quota, {"ServiceCode": "ec2", "QuotaCode": "L-00000000"}, "NoSuchResourceException"),
        (sq.get_service_quota, {"ServiceCode": "nosuchservice", "QuotaCode": "L-29A0C5DF"}, "NoSuchResourceException"),
        (sq.request_service_quota_increase, {**ORG, "DesiredValue": 10}, "IllegalArgumentException"),  # not above 10
        (sq.request_service_quota_increase, {"ServiceCode": "vpc", "QuotaCode": "L-3248932A", "DesiredValue": 99999},
         "IllegalArgumentException"),  # Characters per VPC endpoint policy: not adjustable
        (sq.list_service_quotas, {"ServiceCode": "vpc", "NextToken": "garbage"}, "InvalidPaginationTokenException"),
    ]:
        with pytest.raises(ClientError) as exc:
            call(**kwargs)
        assert _code(exc) == code, (call, kwargs)

    pages = list(sq.get_paginator("list_service_quotas").paginate(ServiceCode="vpc", PaginationConfig={"PageSize": 10}))
    assert len(pages) == 3 and len({q["QuotaCode"] for p in pages for q in p["Quotas"]}) == len(VPC_DEFAULT_QUOTAS)
    defaults = sq.list_aws_default_service_quotas(ServiceCode="ec2")["Quotas"]
    assert {q["QuotaCode"] for q in defaults} == {"L-A2478D36", "L-E0233F82"}

    # a new organization may start below the default: the admin route sets that
    status, body = _post(endpoint, {"account_id": "123456789012", "region": "us-east-1", **{
        "service_code": "organizations", "quota_code": "L-29A0C5DF"}, "value": 4})
    assert (status, body["Quota"]["Value"]) == (200, 4.0)
    assert sq.get_service_quota(**ORG)["Quota"]["Value"] == 4.0
    assert sq.request_service_quota_increase(**ORG, DesiredValue=5)["RequestedQuota"]["Status"] == "APPROVED"
    for bad, expected in [({"account_id": "12", "service_code": "vpc", "quota_code": "L-F678F1CE", "value": 1}, 400),
                          ({"account_id": "123456789012", "service_code": "vpc", "quota_code": "L-F678F1CE", "value": "x"}, 400),
                          ({"account_id": "123456789012", "service_code": "vpc", "quota_code": "L-NOPE", "value": 1}, 404),
                          ("not json", 400)]:
        assert _post(endpoint, bad)[0] == expected, bad

    urllib.request.urlopen(urllib.request.Request(endpoint + "/moto-api/reset", data=b"", method="POST"), timeout=10)
    assert sq.get_service_quota(**ORG)["Quota"]["Value"] == 10.0
    assert sq.list_requested_service_quota_change_history_by_quota(**ORG)["RequestedQuotas"] == []
