"""Security Hub calls moto 5.2.5 lacks, as AWS answers them:

* ListOrganizationAdminAccounts (management account): the delegated administrator designated with
  EnableOrganizationAdminAccount, status ENABLED;
* standards: GetEnabledStandards, BatchEnableStandards, BatchDisableStandards per account and
  region. Enabling needs an enabled hub (else InvalidAccessException) and a standard AWS offers in
  that region (else InvalidInputException); subscriptions are READY at once and enabling one twice
  keeps a single subscription.
"""

from __future__ import annotations

import json
import re
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.securityhub import urls
from moto.securityhub.models import SecurityHubBackend
from moto.securityhub.responses import SecurityHubResponse

PATHS = {
    "{0}/organization/admin$": SecurityHubResponse.dispatch,
    "{0}/standards/get$": SecurityHubResponse.dispatch,
    "{0}/standards/register$": SecurityHubResponse.dispatch,
    "{0}/standards/deregister$": SecurityHubResponse.dispatch,
}
STANDARDS = (  # what AWS offers, as ARN patterns ({region} is the caller's region)
    "arn:aws:securityhub:{region}::standards/aws-foundational-security-best-practices/v/1.0.0",
    "arn:aws:securityhub:{region}::standards/cis-aws-foundations-benchmark/v/1.4.0",
    "arn:aws:securityhub:{region}::standards/cis-aws-foundations-benchmark/v/3.0.0",
    "arn:aws:securityhub:{region}::standards/nist-800-53/v/5.0.0",
    "arn:aws:securityhub:{region}::standards/pci-dss/v/3.2.1",
    "arn:aws:securityhub:{region}::standards/aws-resource-tagging-standard/v/1.0.0",
    "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0",
)
_installed: list[bool] = []


class InvalidInput(JsonRESTError):
    def __init__(self, message: str):
        super().__init__("InvalidInputException", message)


class InvalidAccess(JsonRESTError):
    def __init__(self, message: str):
        super().__init__("InvalidAccessException", message)


def _subscriptions(backend: SecurityHubBackend) -> dict[str, dict[str, Any]]:
    if not hasattr(backend, "standards_subscriptions"):
        backend.standards_subscriptions = {}  # standards ARN -> subscription
    return backend.standards_subscriptions


def _subscription_arn(backend: SecurityHubBackend, standards_arn: str) -> str:
    name = re.sub(r"^arn:aws:securityhub:[^:]*::(standards|ruleset)/", "", standards_arn)
    return f"arn:aws:securityhub:{backend.region_name}:{backend.account_id}:subscription/{name}"


def list_organization_admin_accounts(self: SecurityHubResponse) -> str:
    admin = self.securityhub_backend._get_org_config()["admin_account_id"]
    accounts = [{"AccountId": admin, "Status": "ENABLED"}] if admin else []
    return json.dumps({"AdminAccounts": accounts})


def get_enabled_standards(self: SecurityHubResponse) -> str:
    backend = self.securityhub_backend
    if not backend.enabled:
        raise InvalidAccess("Account is not subscribed to AWS Security Hub")
    return json.dumps({"StandardsSubscriptions": list(_subscriptions(backend).values())})


def batch_enable_standards(self: SecurityHubResponse) -> str:
    backend = self.securityhub_backend
    if not backend.enabled:
        raise InvalidAccess("Account is not subscribed to AWS Security Hub")
    offered = {pattern.format(region=backend.region_name) for pattern in STANDARDS}
    requests = json.loads(self.body or "{}").get("StandardsSubscriptionRequests", [])
    unknown = [r["StandardsArn"] for r in requests if r["StandardsArn"] not in offered]
    if unknown:
        raise InvalidInput(f"Standards {unknown} are not available in {backend.region_name}")
    done = []
    for request in requests:
        arn = request["StandardsArn"]
        subscription = _subscriptions(backend).setdefault(arn, {
            "StandardsSubscriptionArn": _subscription_arn(backend, arn), "StandardsArn": arn,
            "StandardsInput": request.get("StandardsInput", {}), "StandardsStatus": "READY",
        })
        done.append(subscription)
    return json.dumps({"StandardsSubscriptions": done})


def batch_disable_standards(self: SecurityHubResponse) -> str:
    backend = self.securityhub_backend
    arns = set(json.loads(self.body or "{}").get("StandardsSubscriptionArns", []))
    subscriptions = _subscriptions(backend)
    done = []
    for standards_arn, subscription in list(subscriptions.items()):
        if subscription["StandardsSubscriptionArn"] in arns:
            done.append({**subscriptions.pop(standards_arn), "StandardsStatus": "DELETING"})
    return json.dumps({"StandardsSubscriptions": done})


def install() -> None:
    if _installed:
        return
    _installed.append(True)
    SecurityHubResponse.list_organization_admin_accounts = list_organization_admin_accounts
    SecurityHubResponse.get_enabled_standards = get_enabled_standards
    SecurityHubResponse.batch_enable_standards = batch_enable_standards
    SecurityHubResponse.batch_disable_standards = batch_disable_standards
    urls.url_paths.update(PATHS)
