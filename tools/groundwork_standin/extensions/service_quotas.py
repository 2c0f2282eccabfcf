"""Service Quotas as AWS answers it, per account and region, for the quotas groundwork's preflight reads.

moto 5.2.5 has GetServiceQuota and ListAWSDefaultServiceQuotas for `vpc` codes only, answers every
account the AWS default (with a fixed eu-west-1 ARN) and has no quota increase requests. This keeps
moto's `vpc` catalogue and adds the codes in QUOTAS below, then models:

* GetServiceQuota / ListServiceQuotas: the caller's applied value (the AWS default until an increase
  is granted or the admin route sets one), ARN arn:aws:servicequotas:<region>:<account>:<service>/<code>;
* GetAWSDefaultServiceQuota / ListAWSDefaultServiceQuotas: the default, ARN without the account;
* RequestServiceQuotaIncrease: granted at once -- the request is recorded with Status APPROVED (what
  AWS shows once an increase is granted) and GetServiceQuota answers the new value from then on;
  GetRequestedServiceQuotaChange, ListRequestedServiceQuotaChangeHistory and
  ListRequestedServiceQuotaChangeHistoryByQuota list the requests (MaxResults, NextToken, Status).
* Organizations quotas are global and live in us-east-1 only (Organizations user guide: "you must use
  us-east-1 to access these quotas"); asked in another region they are NoSuchResourceException.

Errors: an unknown service or quota code, NoSuchResourceException ("This service is not available in
the current Region..." as moto words it); an increase to a value not above the applied one, or of a
quota that is not adjustable, IllegalArgumentException; a NextToken not handed out,
InvalidPaginationTokenException. Not modelled: requests that stay PENDING or open a support case,
DENIED requests, templates, resource-level quotas (ContextId), usage metrics.

Admin route (not an AWS API), because AWS gives new organizations quotas below the default
("For newly created accounts and organizations, this quota may be lower than the default 10"):

    POST /groundwork-standin/service-quotas/applied  {"account_id": "123456789012",
         "region": "us-east-1", "service_code": "organizations", "quota_code": "L-29A0C5DF",
         "value": 4}  -> 200 the quota as GetServiceQuota answers it; 400 bad input; 404 unknown code

State lives on moto's per-account, per-region Service Quotas backends: POST /moto-api/reset drops it.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable

from groundwork_standin.admin_route import AdminRoute
from moto.core.exceptions import JsonRESTError
from moto.servicequotas.exceptions import NoSuchResource
from moto.servicequotas.models import ServiceQuotasBackend, servicequotas_backends
from moto.servicequotas.resources.default_quotas.vpc import VPC_DEFAULT_QUOTAS
from moto.servicequotas.responses import ServiceQuotasResponse

ADMIN_PATH = "/groundwork-standin/service-quotas/applied"
GLOBAL_REGION = "us-east-1"
MAX_RESULTS = 100
EC2 = "Amazon Elastic Compute Cloud (Amazon EC2)"
VPC = "Amazon Virtual Private Cloud (Amazon VPC)"


@dataclass(frozen=True)
class Quota:
    service_code: str
    service_name: str
    code: str
    name: str
    default: float
    adjustable: bool
    global_quota: bool
    source: str


# The quotas groundwork's preflight reads: code, name and AWS default, each with where it is documented.
QUOTAS: tuple[Quota, ...] = (
    Quota("organizations", "AWS Organizations", "L-29A0C5DF", "Default maximum number of accounts", 10, True, True,
          "Organizations user guide, Quotas for AWS Organizations (orgs_reference_limits): 'Default maximum number "
          "of accounts: 10', adjustable, us-east-1 only"),
    Quota("ec2", EC2, "L-A2478D36", "Transit gateways per account", 5, True, False,
          "Amazon VPC Transit Gateways user guide, transit-gateway-quotas: 'Transit gateways per account 5', "
          "Service Quotas console link ec2/quotas/L-A2478D36"),
    Quota("ec2", EC2, "L-E0233F82", "Attachments per transit gateway", 5000, True, False,
          "Amazon VPC Transit Gateways user guide, transit-gateway-quotas: 'Attachments per transit gateway 5,000', "
          "Service Quotas console link ec2/quotas/L-E0233F82"),
    Quota("vpc", VPC, "L-F678F1CE", "VPCs per Region", 5, True, False,
          "AWS General Reference, Amazon VPC endpoints and quotas: 'VPCs per Region: 5' (moto's vpc catalogue agrees)"),
    Quota("vpc", VPC, "L-29B6F2EB", "Interface VPC endpoints per VPC", 50, True, False,
          "AWS General Reference, Amazon VPC endpoints and quotas: 'Interface VPC endpoints per VPC: 50' "
          "(moto's vpc catalogue agrees)"),
)

_original: dict[str, Any] = {}


class IllegalArgument(JsonRESTError):
    def __init__(self, message: str):
        super().__init__("IllegalArgumentException", message)


class InvalidPaginationToken(JsonRESTError):
    def __init__(self) -> None:
        super().__init__("InvalidPaginationTokenException", "Invalid input was provided for the pagination token.")


# -- the catalogue: moto's vpc quotas, then ours ------------------------------------------------------

def _catalogue() -> dict[tuple[str, str], dict[str, Any]]:
    """(service code, quota code) -> the quota's static fields (no ARN, no value)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for q in VPC_DEFAULT_QUOTAS:
        found[(q["ServiceCode"], q["QuotaCode"])] = {
            k: v for k, v in q.items() if k not in ("QuotaArn",)
        }
    for q in QUOTAS:
        found[(q.service_code, q.code)] = {
            "ServiceCode": q.service_code, "ServiceName": q.service_name, "QuotaCode": q.code,
            "QuotaName": q.name, "Value": float(q.default), "Unit": "None", "Adjustable": q.adjustable,
            "GlobalQuota": q.global_quota,
        }
    return found


CATALOGUE = _catalogue()


def _served_in(service_code: str, region: str) -> bool:
    """Global quotas (Organizations) are served in us-east-1 only; regional ones everywhere."""
    quotas = [q for (svc, _), q in CATALOGUE.items() if svc == service_code]
    if not quotas:
        return False
    return region == GLOBAL_REGION or not any(q["GlobalQuota"] for q in quotas)


def _static(service_code: str, quota_code: str, region: str) -> dict[str, Any]:
    quota = CATALOGUE.get((service_code, quota_code))
    if quota is None or not _served_in(service_code, region):
        raise NoSuchResource
    return quota


def _service_quotas(service_code: str, region: str) -> list[dict[str, Any]]:
    if not _served_in(service_code, region):
        raise NoSuchResource
    return [q for (svc, _), q in CATALOGUE.items() if svc == service_code]


# -- per-account state on moto's backends ---------------------------------------------------------

def _applied(backend: ServiceQuotasBackend) -> dict[tuple[str, str], float]:
    if not hasattr(backend, "applied_values"):
        backend.applied_values = {}
    return backend.applied_values


def _requests(backend: ServiceQuotasBackend) -> list[dict[str, Any]]:
    if not hasattr(backend, "quota_requests"):
        backend.quota_requests = []
    return backend.quota_requests


def _default_view(backend: ServiceQuotasBackend, quota: dict[str, Any]) -> dict[str, Any]:
    arn = f"arn:aws:servicequotas:{backend.region_name}::{quota['ServiceCode']}/{quota['QuotaCode']}"
    return {**quota, "QuotaArn": arn}


def _applied_view(backend: ServiceQuotasBackend, quota: dict[str, Any]) -> dict[str, Any]:
    key = (quota["ServiceCode"], quota["QuotaCode"])
    arn = f"arn:aws:servicequotas:{backend.region_name}:{backend.account_id}:{key[0]}/{key[1]}"
    value = _applied(backend).get(key, quota["Value"])
    return {**quota, "QuotaArn": arn, "Value": float(value), "QuotaAppliedAtLevel": "ACCOUNT"}


def _page(items: list[dict[str, Any]], params: dict[str, Any], key: str) -> dict[str, Any]:
    token = params.get("NextToken")
    if token is not None and not str(token).isdigit():
        raise InvalidPaginationToken()
    start, size = int(token or 0), int(params.get("MaxResults") or MAX_RESULTS)
    page: dict[str, Any] = {key: items[start: start + size]}
    if start + size < len(items):
        page["NextToken"] = str(start + size)
    return page


# -- the API, as ServiceQuotasResponse methods ------------------------------------------------------

def _params(self: ServiceQuotasResponse) -> dict[str, Any]:
    return json.loads(self.body or "{}")


def get_service_quota(self: ServiceQuotasResponse) -> str:
    p = _params(self)
    quota = _static(str(p.get("ServiceCode")), str(p.get("QuotaCode")), self.region)
    return json.dumps({"Quota": _applied_view(self.backend, quota)})


def get_aws_default_service_quota(self: ServiceQuotasResponse) -> str:
    p = _params(self)
    quota = _static(str(p.get("ServiceCode")), str(p.get("QuotaCode")), self.region)
    return json.dumps({"Quota": _default_view(self.backend, quota)})


def list_service_quotas(self: ServiceQuotasResponse) -> str:
    p = _params(self)
    quotas = _service_quotas(str(p.get("ServiceCode")), self.region)
    if p.get("QuotaCode"):
        quotas = [q for q in quotas if q["QuotaCode"] == p["QuotaCode"]]
    return json.dumps(_page([_applied_view(self.backend, q) for q in quotas], p, "Quotas"))


def list_aws_default_service_quotas(self: ServiceQuotasResponse) -> str:
    p = _params(self)
    quotas = _service_quotas(str(p.get("ServiceCode")), self.region)
    return json.dumps(_page([_default_view(self.backend, q) for q in quotas], p, "Quotas"))


def request_service_quota_increase(self: ServiceQuotasResponse) -> str:
    p = _params(self)
    backend = self.backend
    quota = _static(str(p.get("ServiceCode")), str(p.get("QuotaCode")), self.region)
    current = _applied_view(backend, quota)
    desired = float(p.get("DesiredValue"))
    if not quota["Adjustable"]:
        raise IllegalArgument(f"The quota {quota['QuotaCode']} is not adjustable.")
    if desired <= current["Value"]:
        raise IllegalArgument(f"The desired value {desired:g} must be greater than the current value "
                              f"{current['Value']:g}.")
    now = time.time()
    request = {
        "Id": uuid.uuid4().hex, "CaseId": "", "ServiceCode": quota["ServiceCode"],
        "ServiceName": quota["ServiceName"], "QuotaCode": quota["QuotaCode"], "QuotaName": quota["QuotaName"],
        "DesiredValue": desired, "Status": "APPROVED", "Created": now, "LastUpdated": now,
        "Requester": json.dumps({"accountId": backend.account_id,
                                 "callerArn": f"arn:aws:iam::{backend.account_id}:root"}),
        "QuotaArn": current["QuotaArn"], "GlobalQuota": quota["GlobalQuota"], "Unit": quota["Unit"],
        "QuotaRequestedAtLevel": "ACCOUNT",
    }
    _requests(backend).append(request)
    _applied(backend)[(quota["ServiceCode"], quota["QuotaCode"])] = desired
    return json.dumps({"RequestedQuota": request})


def get_requested_service_quota_change(self: ServiceQuotasResponse) -> str:
    wanted = _params(self).get("RequestId")
    request = next((r for r in _requests(self.backend) if r["Id"] == wanted), None)
    if request is None:
        raise NoSuchResource
    return json.dumps({"RequestedQuota": request})


def _history(self: ServiceQuotasResponse, p: dict[str, Any], by_quota: bool) -> list[dict[str, Any]]:
    found = _requests(self.backend)
    if by_quota:
        _static(str(p.get("ServiceCode")), str(p.get("QuotaCode")), self.region)
        found = [r for r in found if r["ServiceCode"] == p["ServiceCode"] and r["QuotaCode"] == p["QuotaCode"]]
    elif p.get("ServiceCode"):
        found = [r for r in found if r["ServiceCode"] == p["ServiceCode"]]
    if p.get("Status"):
        found = [r for r in found if r["Status"] == p["Status"]]
    return sorted(found, key=lambda r: r["Created"], reverse=True)


def list_requested_service_quota_change_history_by_quota(self: ServiceQuotasResponse) -> str:
    p = _params(self)
    return json.dumps(_page(_history(self, p, by_quota=True), p, "RequestedQuotas"))


def list_requested_service_quota_change_history(self: ServiceQuotasResponse) -> str:
    p = _params(self)
    return json.dumps(_page(_history(self, p, by_quota=False), p, "RequestedQuotas"))


API = (get_service_quota, get_aws_default_service_quota, list_service_quotas, list_aws_default_service_quotas,
       request_service_quota_increase, get_requested_service_quota_change,
       list_requested_service_quota_change_history_by_quota, list_requested_service_quota_change_history)


def install() -> None:
    if _original:
        return
    for function in API:
        _original[function.__name__] = getattr(ServiceQuotasResponse, function.__name__, None)
        setattr(ServiceQuotasResponse, function.__name__, function)


# -- the admin route --------------------------------------------------------------------------------

def set_applied(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Set one account's applied value (AWS may give a new organization less than the default)."""
    account_id, region = str(body.get("account_id", "")), body.get("region") or GLOBAL_REGION
    service_code, quota_code, value = body.get("service_code"), body.get("quota_code"), body.get("value")
    if not re.fullmatch(r"\d{12}", account_id):
        return "400 Bad Request", {"error": "account_id must be 12 digits"}
    if not isinstance(region, str) or not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", region):
        return "400 Bad Request", {"error": "region must be a region name such as us-east-1"}
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        return "400 Bad Request", {"error": "value must be a number >= 0"}
    try:
        quota = _static(str(service_code), str(quota_code), region)
    except NoSuchResource:
        return "404 Not Found", {"error": f"no quota {service_code}/{quota_code} in {region}"}
    backend = servicequotas_backends[account_id][region]
    _applied(backend)[(quota["ServiceCode"], quota["QuotaCode"])] = float(value)
    return "200 OK", {"Quota": _applied_view(backend, quota)}


def wrap_wsgi(app: Callable) -> AdminRoute:
    return AdminRoute(app, ADMIN_PATH, post=set_applied)
