"""Sessions and clients: management credentials, assumed roles in member accounts, retries.

Every boto3 client the product uses comes from an `AwsContext`. It applies botocore's own
retry mode (adaptive: exponential backoff with jitter plus client-side rate limiting, which is what
throttling from Organizations and EC2 needs), per-service endpoints (so the same code runs against
AWS or the local stand-in), and records every API call it makes so that a converged rerun can be
shown to make zero mutating calls.

One exception to botocore's retries: a create that makes a new resource on every call, with no
unique name and no idempotency token (CreateAccount, CreateVpc, CreateKey, CreateTransitGateway...:
`NEW_RESOURCE_EACH_CALL`) is not retried by the client after a failure that may have
reached AWS (a 5xx or a dropped connection: the change may have happened and only the answer was
lost). Retrying it blindly is how a second account or VPC gets made. The step fails instead, and
its rerun reads AWS first and finds what the lost call made. Throttling is still retried: AWS
refused the call before acting on it. Creates that carry a token (CreateNatGateway, ...) or a
unique name (CreateRole, CreateBucket, CreatePolicy, ...) are retried as usual: AWS applies the
token once, and answers a repeated name as a duplicate (the rerun of the step then finds it) or
as already done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import boto3
from botocore.config import Config

READ_PREFIXES = ("Describe", "List", "Get", "Lookup", "Search", "Check", "Validate", "Head")
NON_MUTATING = {"AssumeRole"}
RETRY_CONFIG = Config(
    retries={"mode": "adaptive", "max_attempts": 10},
    connect_timeout=10,
    read_timeout=60,
    user_agent_extra="groundwork",
)


# Creates that make a new resource on every call: no unique name for AWS to refuse a repeat with
# and no idempotency token for it to recognise one (a repeat of CreateRole, CreateBucket or
# CreatePolicy is refused as a duplicate or answered as already done; those keep their retries).
NEW_RESOURCE_EACH_CALL = {
    "CreateAccount",  # AWS fails a repeat with EMAIL_ALREADY_EXISTS, but only after a second request
    "CreateVpc", "CreateSubnet", "CreateInternetGateway", "AllocateAddress", "CreateVpcEndpoint",
    "CreateTransitGateway", "CreateTransitGatewayRouteTable", "CreateTransitGatewayVpcAttachment",
    "CreateKey",
}


def is_mutating(operation: str) -> bool:
    return not operation.startswith(READ_PREFIXES) and operation not in NON_MUTATING


def creates_without_token(operation_model) -> bool:
    """A create whose repeat makes a second resource: one of NEW_RESOURCE_EACH_CALL, and no member of
    its input is an idempotency token (botocore fills one in and reuses it on a retry)."""
    if operation_model.name not in NEW_RESOURCE_EACH_CALL:
        return False
    shape = operation_model.input_shape
    members = shape.members.values() if shape is not None else ()
    return not any(m.metadata.get("idempotencyToken") for m in members)


def may_have_applied(response, caught_exception) -> bool:
    """The call failed in a way that does not say AWS refused it: a dropped connection or a 5xx."""
    if caught_exception is not None:
        return True
    return response is not None and response[0].status_code >= 500


def no_blind_retry(operation, response=None, caught_exception=None, **_):
    """`needs-retry` handler registered first: False stops botocore's retry, None lets it decide."""
    if creates_without_token(operation) and may_have_applied(response, caught_exception):
        return False
    return None


@dataclass(frozen=True)
class ApiCall:
    account: str
    service: str
    operation: str

    @property
    def mutating(self) -> bool:
        return is_mutating(self.operation)


@dataclass
class AwsContext:
    """Management-account session plus a way to reach every member account.

    `endpoint_for(service)` returns the endpoint URL to use for a service or None for AWS's own.
    """

    session: boto3.session.Session
    region: str
    access_role_name: str = "OrganizationAccountAccessRole"
    endpoint_for: Callable[[str], str | None] = lambda service: None
    calls: list[ApiCall] = field(default_factory=list)
    # Ids of the configured accounts by name when a run resolved them once (its plan: phases 2-5, whose
    # accounts exist before they run); None: read from Organizations at each use.
    account_ids: dict[str, str] | None = None
    # What one task reads once for all the accounts of its batch (a directory, a topology): see remembered()
    memo: dict = field(default_factory=dict, repr=False)
    _clients: dict = field(default_factory=dict, repr=False)
    _credentials: dict = field(default_factory=dict, repr=False)  # member account id -> client keyword arguments
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    MANAGEMENT = "management"

    def client(self, service: str, account_id: str | None = None, region: str | None = None):
        """A client in the management account (account_id None) or a member account via its role."""
        key = (service, account_id or self.MANAGEMENT, region or self.region)
        with self._lock:
            found = self._clients.get(key)
        if found is not None:
            return found
        self._credentials_for(account_id)  # outside the lock: reads of many accounts assume their roles at once
        with self._lock:
            if key not in self._clients:
                # Member accounts' clients come from the management session with the access role's
                # credentials: one botocore loader, so each service's model is read once per process
                # (a session per account read it again for every account: half of a plan's time).
                client = self.session.client(
                    service,
                    region_name=key[2],
                    endpoint_url=self.endpoint_for(service),
                    config=RETRY_CONFIG,
                    **self._credentials_for(account_id),
                )
                client.meta.events.register("before-call", self._recorder(key[1], service))
                service_id = client.meta.service_model.service_id.hyphenize()
                client.meta.events.register_first(f"needs-retry.{service_id}", no_blind_retry)
                self._clients[key] = client
            return self._clients[key]

    def remembered(self, key: tuple, read: Callable[[], object]):
        """`read()` once per context: for what a per-account step reads that no step of the batch
        changes (the Identity Center directory, a phase's topology), instead of once per account.
        A step that changes what a key holds forgets it (`forget(key[0])`): a context kept across
        steps (the CLI, tests) then reads it again instead of keeping the first answer."""
        if key not in self.memo:
            self.memo[key] = read()
        return self.memo[key]

    def forget(self, *names: str) -> None:
        """Drop what `remembered` holds under keys whose first part is one of `names`."""
        for key in [k for k in self.memo if k[0] in names]:
            del self.memo[key]

    def member_role_arn(self, account_id: str) -> str:
        return f"arn:aws:iam::{account_id}:role/{self.access_role_name}"

    def assume(self, account_id: str) -> dict:
        """Credentials of the access role in a member account (raises when it cannot be assumed)."""
        sts = self.client("sts")
        response = sts.assume_role(RoleArn=self.member_role_arn(account_id), RoleSessionName="groundwork")
        return response["Credentials"]

    def mutating_calls(self) -> list[ApiCall]:
        return [c for c in self.calls if c.mutating]

    def _credentials_for(self, account_id: str | None) -> dict:
        """Client keyword arguments: none for the management account, the access role's for a member."""
        if account_id is None:
            return {}
        if account_id not in self._credentials:  # two threads may both assume: harmless, the last one is kept
            creds = self.assume(account_id)
            self._credentials[account_id] = {
                "aws_access_key_id": creds["AccessKeyId"],
                "aws_secret_access_key": creds["SecretAccessKey"],
                "aws_session_token": creds["SessionToken"],
            }
        return self._credentials[account_id]

    def _recorder(self, account: str, service: str):
        def record(model, **_):
            self.calls.append(ApiCall(account, service, model.name))

        return record
