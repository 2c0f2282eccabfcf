"""Security Hub cross-Region aggregation (the finding aggregator), which moto 5.2.5 lacks: its five
calls answer 404 with an HTML page.

What AWS does (Security Hub API reference, CreateFindingAggregator ... DeleteFindingAggregator, and
the user guide's "Enabling / Stopping cross-Region aggregation"):

* an account has at most one finding aggregator; the Region it is created in is the home Region
  (``FindingAggregationRegion``); its ARN is
  ``arn:aws:securityhub:<home>:<account>:finding-aggregator/<uuid>``;
* ``RegionLinkingMode`` is ``ALL_REGIONS`` / ``ALL_REGIONS_EXCEPT_SPECIFIED`` / ``SPECIFIED_REGIONS`` /
  ``NO_REGIONS``; ``Regions`` lists the excluded resp. included Regions, and populating it with
  ``NO_REGIONS`` is an InvalidInputException;
* ListFindingAggregators and GetFindingAggregator answer from any Region of the account;
  UpdateFindingAggregator and DeleteFindingAggregator only from the home Region; the home Region
  cannot be changed by an update (delete and create again);
* a Security Hub member account may not create one: InvalidInputException "A finding aggregator
  cannot be created by a member account." (the message AWS gives, quoted in
  nozaq/terraform-aws-secure-baseline issue #254).

Modelled here: all of the above, per account, with Security Hub required to be enabled in the
calling account and Region (else InvalidAccessException, as for moto's other Security Hub calls).
A "member account" is one that a Security Hub administrator has added with CreateMembers in that
Region. Unknown Region names are refused with InvalidInputException.

Not documented by AWS, so chosen here (no AWS answer for these could be found): a second
CreateFindingAggregator in an account that already has one answers InvalidInputException "A finding
aggregator already exists for this account." (the code AWS uses for the member-account refusal of the
same call; not LimitExceededException, which the SDKs retry as throttling); calling Update/Delete
outside the home Region answers InvalidInputException. Findings are not replicated between Regions.
"""

from __future__ import annotations

import functools
import json
import uuid
from typing import Any
from urllib.parse import unquote

import boto3
from moto.core.exceptions import JsonRESTError
from moto.securityhub import urls
from moto.securityhub.models import SecurityHubBackend, securityhub_backends
from moto.securityhub.responses import SecurityHubResponse

PATHS = {
    "{0}/findingAggregator/create$": SecurityHubResponse.dispatch,
    "{0}/findingAggregator/list$": SecurityHubResponse.dispatch,
    "{0}/findingAggregator/update$": SecurityHubResponse.dispatch,
    "{0}/findingAggregator/get/(?P<finding_aggregator_arn>.+)$": SecurityHubResponse.dispatch,
    "{0}/findingAggregator/delete/(?P<finding_aggregator_arn>.+)$": SecurityHubResponse.dispatch,
}
MODES = ("ALL_REGIONS", "ALL_REGIONS_EXCEPT_SPECIFIED", "SPECIFIED_REGIONS", "NO_REGIONS")
_installed: list[bool] = []


class InvalidInput(JsonRESTError):
    def __init__(self, message: str):
        super().__init__("InvalidInputException", message)


class InvalidAccess(JsonRESTError):
    code = 401

    def __init__(self, message: str):
        super().__init__("InvalidAccessException", message)


class ResourceNotFound(JsonRESTError):
    code = 404

    def __init__(self, message: str):
        super().__init__("ResourceNotFoundException", message)


@functools.cache
def _regions() -> frozenset[str]:
    session = boto3.session.Session()
    partitions = ("aws", "aws-us-gov", "aws-cn")
    return frozenset(r for p in partitions for r in session.get_available_regions("securityhub", p))


def _hub(response: SecurityHubResponse) -> SecurityHubBackend:
    backend = response.securityhub_backend
    if not backend.enabled:
        raise InvalidAccess("Account is not subscribed to AWS Security Hub")
    return backend


def _account_backends(account_id: str) -> list[SecurityHubBackend]:
    regions = dict.get(securityhub_backends, account_id)  # plain get: creates nothing
    return list(regions.values()) if regions is not None else []


def _aggregator(account_id: str) -> dict[str, Any] | None:
    """The account's finding aggregator (it lives on the home Region's backend), or None."""
    for backend in _account_backends(account_id):
        if getattr(backend, "finding_aggregator", None):
            return backend.finding_aggregator
    return None


def _is_member(backend: SecurityHubBackend) -> bool:
    """A Security Hub administrator added this account with CreateMembers in this Region."""
    for account_id in list(securityhub_backends.keys()):
        if account_id == backend.account_id:
            continue
        other = dict.get(dict.get(securityhub_backends, account_id) or {}, backend.region_name)
        if other is not None and backend.account_id in other.members:
            return True
    return False


def _settings(body: dict[str, Any]) -> tuple[str, list[str]]:
    mode = body.get("RegionLinkingMode")
    if mode not in MODES:
        raise InvalidInput(f"RegionLinkingMode must be one of {', '.join(MODES)}")
    regions = list(body.get("Regions") or [])
    if mode == "NO_REGIONS" and regions:
        raise InvalidInput("Regions cannot be specified when RegionLinkingMode is NO_REGIONS")
    unknown = sorted(set(regions) - _regions())
    if unknown:
        raise InvalidInput(f"Invalid Regions: {', '.join(unknown)}")
    return mode, regions


def _arn_param(response: SecurityHubResponse, verb: str) -> str:
    path = unquote(response.path.split("?", 1)[0])
    return path.split(f"/findingAggregator/{verb}/", 1)[1]


def _owned(response: SecurityHubResponse, arn: str) -> dict[str, Any]:
    found = _aggregator(response.current_account)
    if found is None or found["FindingAggregatorArn"] != arn:
        raise ResourceNotFound(f"Finding aggregator {arn} not found")
    return found


def _in_home_region(response: SecurityHubResponse, aggregator: dict[str, Any]) -> None:
    if response.region != aggregator["FindingAggregationRegion"]:
        raise InvalidInput(f"The finding aggregator can only be changed from its home Region "
                           f"{aggregator['FindingAggregationRegion']}")


def create_finding_aggregator(self: SecurityHubResponse) -> str:
    backend = _hub(self)
    body = json.loads(self.body or "{}")
    mode, regions = _settings(body)
    if _is_member(backend):
        raise InvalidInput("A finding aggregator cannot be created by a member account.")
    if _aggregator(backend.account_id) is not None:
        raise InvalidInput("A finding aggregator already exists for this account.")
    backend.finding_aggregator = {
        "FindingAggregatorArn": f"arn:aws:securityhub:{backend.region_name}:{backend.account_id}:"
                                f"finding-aggregator/{uuid.uuid4()}",
        "FindingAggregationRegion": backend.region_name, "RegionLinkingMode": mode, "Regions": regions,
    }
    return json.dumps(backend.finding_aggregator)


def get_finding_aggregator(self: SecurityHubResponse) -> str:
    _hub(self)
    return json.dumps(_owned(self, _arn_param(self, "get")))


def list_finding_aggregators(self: SecurityHubResponse) -> str:
    _hub(self)
    found = _aggregator(self.current_account)
    listed = [{"FindingAggregatorArn": found["FindingAggregatorArn"]}] if found else []
    return json.dumps({"FindingAggregators": listed})


def update_finding_aggregator(self: SecurityHubResponse) -> str:
    _hub(self)
    body = json.loads(self.body or "{}")
    aggregator = _owned(self, body.get("FindingAggregatorArn", ""))
    _in_home_region(self, aggregator)
    aggregator["RegionLinkingMode"], aggregator["Regions"] = _settings(body)
    return json.dumps(aggregator)


def delete_finding_aggregator(self: SecurityHubResponse) -> str:
    backend = _hub(self)
    aggregator = _owned(self, _arn_param(self, "delete"))
    _in_home_region(self, aggregator)
    backend.finding_aggregator = None
    return "{}"


def install() -> None:
    if _installed:
        return
    _installed.append(True)
    SecurityHubResponse.create_finding_aggregator = create_finding_aggregator
    SecurityHubResponse.get_finding_aggregator = get_finding_aggregator
    SecurityHubResponse.list_finding_aggregators = list_finding_aggregators
    SecurityHubResponse.update_finding_aggregator = update_finding_aggregator
    SecurityHubResponse.delete_finding_aggregator = delete_finding_aggregator
    urls.url_paths.update(PATHS)
