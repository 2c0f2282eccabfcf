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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import boto3
from botocore.config import Config
from botocore.credentials import Credentials

READ_PREFIXES = ("Describe", "List", "Get", "Lookup", "Search", "Check", "Validate", "Head")
NON_MUTATING = {"AssumeRole"}
RETRY_CONFIG = Config(
    retries={"mode": "adaptive", "max_attempts": 10},
    connect_timeout=10,
    read_timeout=60,
    max_pool_connections=32,  # one client per service and Region serves every read thread (READ_WORKERS)
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


# The member account a shared client's request is made for, and its role's credentials: set by
# `MemberClient` around each call (per thread), read when the request is signed and recorded.
_calling_as: ContextVar[tuple[str, Credentials] | None] = ContextVar("groundwork_calling_as", default=None)


@contextmanager
def _as_member(member: tuple[str, Credentials]) -> Iterator[None]:
    token = _calling_as.set(member)
    try:
        yield
    finally:
        _calling_as.reset(token)


def sign_as_member(context, **_) -> None:
    """`before-call` handler: a request made for a member account is signed with its credentials
    (botocore's per-request credentials, `context["signing"]["request_credentials"]`), on every
    attempt, retries included."""
    member = _calling_as.get()
    if member is not None:
        context.setdefault("signing", {})["request_credentials"] = member[1]


class MemberClient:
    """A member account's client: the shared client of its service and Region, each call signed
    with the account's role credentials.

    A botocore client costs 3-20 ms of CPU to make (EC2's: ~800 methods built into a new class) and
    keeps its own connections; a plan of 1,000 accounts made ~10 per account, a quarter of phase 4's
    plan and 6 GiB of its memory. Calls, paginators and waiters made through this object act as the
    account; everything else (`exceptions`, `meta`) is the shared client's. One thing is shared with
    the other accounts: botocore's adaptive client-side rate limiter, so a throttled account slows
    the service's calls for the others a little while (AWS meters each account apart)."""

    def __init__(self, shared, account_id: str, credentials: Credentials):
        self._shared = shared
        self._member = (account_id, credentials)
        self.exceptions = shared.exceptions
        self.meta = shared.meta

    # Signed without a call (no `before-call`): they would carry the management credentials.
    UNSIGNED_AS_MEMBER = ("generate_presigned_url", "generate_presigned_post")

    def __getattr__(self, name: str):
        if name in self.UNSIGNED_AS_MEMBER:
            raise AttributeError(f"{name} is not signed per request: a member account's would carry the "
                                 "management account's credentials; make it with a client of the account's own")
        found = getattr(self._shared, name)
        if name == "get_paginator":
            return lambda operation: _MemberPaginator(found(operation), self._member)
        if name == "get_waiter":
            return lambda waiter: _MemberWaiter(found(waiter), self._member)
        if not callable(found):
            return found

        def call(*args, **kwargs):
            with _as_member(self._member):
                return found(*args, **kwargs)

        return call


class _MemberPaginator:
    def __init__(self, paginator, member):
        self._paginator, self._member = paginator, member

    def paginate(self, **kwargs):
        return _MemberPages(self._paginator.paginate(**kwargs), self._member)


class _MemberPages:
    """A page iterator that fetches each page as the member account."""

    def __init__(self, pages, member):
        self._pages, self._member = pages, member

    def __iter__(self):
        pages = iter(self._pages)
        while True:
            with _as_member(self._member):
                page = next(pages, None)
            if page is None:
                return
            yield page

    def build_full_result(self):
        with _as_member(self._member):
            return self._pages.build_full_result()


class _MemberWaiter:
    def __init__(self, waiter, member):
        self._waiter, self._member = waiter, member

    def wait(self, **kwargs):
        with _as_member(self._member):
            return self._waiter.wait(**kwargs)


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
        """A client in the management account (account_id None) or a member account via its role.

        One botocore client per service and Region serves every account (`shared`); a member
        account's is a `MemberClient` over it, signing with the account's role credentials."""
        key = (service, account_id or self.MANAGEMENT, region or self.region)
        with self._lock:
            found = self._clients.get(key)
        if found is not None:
            return found
        shared = self.shared(service, key[2])
        if account_id is None:
            return shared
        credentials = self._credentials_for(account_id)  # outside the lock: many accounts assume their roles at once
        with self._lock:
            return self._clients.setdefault(key, MemberClient(shared, account_id, credentials))

    def shared(self, service: str, region: str):
        """The client of a service and Region: the management session's credentials unless a
        `MemberClient` is calling through it."""
        key = (service, self.MANAGEMENT, region)
        with self._lock:
            if key not in self._clients:
                client = self.session.client(service, region_name=region, endpoint_url=self.endpoint_for(service),
                                             config=RETRY_CONFIG)
                client.meta.events.register("before-call", sign_as_member)
                client.meta.events.register("before-call", self._recorder(service))
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

    def _credentials_for(self, account_id: str) -> Credentials:
        """The access role's credentials in a member account, assumed once per context."""
        if account_id not in self._credentials:  # two threads may both assume: harmless, the last one is kept
            creds = self.assume(account_id)
            self._credentials[account_id] = Credentials(creds["AccessKeyId"], creds["SecretAccessKey"],
                                                        creds["SessionToken"])
        return self._credentials[account_id]

    @classmethod
    def calling_account(cls) -> str:
        """The account the current request is made for: a member account's id, or MANAGEMENT."""
        member = _calling_as.get()
        return cls.MANAGEMENT if member is None else member[0]

    def _recorder(self, service: str):
        def record(model, **_):
            self.calls.append(ApiCall(self.calling_account(), service, model.name))

        return record
