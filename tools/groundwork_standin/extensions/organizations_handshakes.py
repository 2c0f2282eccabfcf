"""Inviting an existing account into the organization (handshakes), which moto 5.2.5 lacks entirely.

What AWS does (Organizations API reference): the management account calls
InviteAccountToOrganization with a Target (ACCOUNT by id, or EMAIL); AWS emails the owner and
returns a Handshake: Id `h-...`, Arn `arn:aws:organizations::<mgmt>:handshake/<org>/invite/<id>`,
Parties (the ORGANIZATION and the target), State OPEN, Action INVITE, an ExpirationTimestamp 15 days
on (then EXPIRED), and Resources (the organization with the MASTER_EMAIL, MASTER_NAME and
ORGANIZATION_FEATURE_SET, the target ACCOUNT or EMAIL, the NOTES). The invited account sees it in
ListHandshakesForAccount and answers with AcceptHandshake (it joins the organization under the root,
JoinedMethod INVITED, with the tags given in the invitation; no OrganizationAccountAccessRole is
made for an invited account) or DeclineHandshake; the sender can CancelHandshake while it is OPEN and
lists what it sent with ListHandshakesForOrganization (Filter ActionType or ParentHandshakeId, not
both; MaxResults 1-20, NextToken).

Errors modelled, all codes from the API reference:
- inviting an account (or an email) that is already a member of this organization:
  HandshakeConstraintViolationException, Reason ALREADY_IN_AN_ORGANIZATION. (The reference lists no
  DuplicateAccountException for InviteAccountToOrganization -- it belongs to MoveAccount.) The same
  error answers AcceptHandshake from an account that is by then in an organization.
- an OPEN invitation to the same target already exists: DuplicateHandshakeException.
- an account id the stand-in does not know: the reference documents no not-found error for
  InviteAccountToOrganization (AWS only emails the owner), so the handshake is made and stays OPEN
  until it EXPIRES; nobody can accept it. An unregistered caller that tries: AccessDeniedException.
- Target Type ORGANIZATION, a malformed account id or email: InvalidInputException (Reason
  INVALID_PARTY_TYPE_TARGET, INVALID_PATTERN, INVALID_EMAIL_ADDRESS_TARGET); both filter keys:
  MAX_LIMIT_EXCEEDED_FILTER; MaxResults over 20: MAX_VALUE_EXCEEDED; a bad NextToken: INVALID_NEXT_TOKEN.
- a handshake id that does not exist: HandshakeNotFoundException; one the caller is not a party to,
  accepting/declining as anyone but the recipient, cancelling as anyone but the sender, inviting or
  listing the organization's handshakes from a member account: AccessDeniedException.
- accept an ACCEPTED one (decline a DECLINED, cancel a CANCELED): HandshakeAlreadyInStateException;
  any other move out of a state that is not OPEN: InvalidHandshakeTransitionException.

Accounts outside the organization: in AWS simply accounts someone else owns. The stand-in learns them
from an admin route (not an AWS API):

    POST /groundwork-standin/organizations/standalone-accounts  {"Id": "222222222222",
         "Email": "owner@example.com", "Name": "Legacy"}  -> 201 the account; 400 bad input;
         409 if the id is already in an organization
    GET  /groundwork-standin/organizations/standalone-accounts  -> {"Accounts": [...]}

A registration is the account's identity (its Email and Name when it joins); it stays listed after
the account joins.

The caller of an API is the account of its credentials, as moto decides it: credentials from
sts.assume_role into arn:aws:iam::<id>:role/<any> act as account <id>. State lives on moto's
per-account Organizations backends (the registration on the registered account's, handshakes on the
sender's), so POST /moto-api/reset drops it with everything else; install() also makes that reset
clear moto's map of member accounts to their management account, which moto keeps across resets.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from groundwork_standin.admin_route import AdminRoute
from moto.core.utils import utcnow
from moto.moto_api._internal.models import MotoAPIBackend
from moto.organizations import utils
from moto.organizations.exceptions import AWSOrganizationsNotInUseException, OrganizationsClientError
from moto.organizations.models import FakeAccount, OrganizationsBackend, organizations_backends
from moto.organizations.responses import OrganizationsResponse

ADMIN_PATH = "/groundwork-standin/organizations/standalone-accounts"
PARTITION = "aws"
EXPIRY_SECONDS = 15 * 24 * 3600
MAX_RESULTS = 20

_original: dict[str, Any] = {}


def _error(code: str, message: str, reason: str | None = None) -> OrganizationsClientError:
    # an exception from moto.organizations is serialized with that service's error shapes
    exc = OrganizationsClientError(code, message)
    if reason:
        exc.reason = reason  # serialized as "Reason"
    return exc


def _access_denied(message: str) -> OrganizationsClientError:
    return _error("AccessDeniedException", message)


@dataclass
class Handshake:
    id: str
    arn: str
    org_id: str
    sender: str  # management account id
    target: dict[str, str]  # {"Id": ..., "Type": "ACCOUNT" | "EMAIL"}
    resources: list[dict[str, Any]]
    tags: list[dict[str, str]]
    requested: float = field(default_factory=time.time)
    answer: str = "OPEN"

    @property
    def state(self) -> str:
        if self.answer == "OPEN" and time.time() >= self.requested + EXPIRY_SECONDS:
            return "EXPIRED"
        return self.answer

    def describe(self) -> dict[str, Any]:
        return {"Id": self.id, "Arn": self.arn, "Action": "INVITE", "State": self.state,
                "Parties": [{"Id": self.org_id, "Type": "ORGANIZATION"}, dict(self.target)],
                "RequestedTimestamp": self.requested, "ExpirationTimestamp": self.requested + EXPIRY_SECONDS,
                "Resources": self.resources}


# -- where things live --------------------------------------------------------------------------

def _backends() -> list[OrganizationsBackend]:
    return [b for acct in list(organizations_backends.values()) for b in list(acct.values())]


def _own_backend(account_id: str) -> OrganizationsBackend | None:
    acct = dict.get(organizations_backends, account_id)  # plain get: creates nothing
    return dict.get(acct, PARTITION) if acct is not None else None


def registration(account_id: str) -> dict[str, str] | None:
    return getattr(_own_backend(account_id), "standalone_account", None)


def _registrations() -> list[dict[str, str]]:
    return [b.standalone_account for b in _backends() if getattr(b, "standalone_account", None)]


def _in_an_organization(account_id: str) -> bool:
    own = _own_backend(account_id)
    return account_id in organizations_backends.master_accounts or (own is not None and own.org is not None)


def _email_of(account_id: str) -> str | None:
    if reg := registration(account_id):
        return reg["Email"]
    return next((a.email for b in _backends() if b.org for a in b.accounts if a.id == account_id), None)


def _handshakes(backend: OrganizationsBackend) -> list[Handshake]:
    if not hasattr(backend, "handshakes"):
        backend.handshakes = []
    return backend.handshakes


def _is_recipient(h: Handshake, account_id: str) -> bool:
    if h.target["Type"] == "ACCOUNT":
        return h.target["Id"] == account_id
    email = _email_of(account_id)
    return email is not None and email.lower() == h.target["Id"].lower()


def _recipient_key(party: dict[str, str]) -> str:
    """The account a target means: its id, or the registered account with that email (else the email)."""
    if party["Type"] == "ACCOUNT":
        return party["Id"]
    email = party["Id"].lower()
    return next((r["Id"] for r in _registrations() if r["Email"].lower() == email), email)


def _already_member() -> OrganizationsClientError:
    return _error("HandshakeConstraintViolationException",
                  "The handshake request is invalid because the invited account is already a member of an organization.",
                  "ALREADY_IN_AN_ORGANIZATION")


def _find(handshake_id: str, caller: str) -> Handshake:
    h = next((h for b in _backends() for h in getattr(b, "handshakes", []) if h.id == handshake_id), None)
    if h is None:
        raise _error("HandshakeNotFoundException", "We can't find a handshake with the HandshakeId that you specified.")
    if caller != h.sender and not _is_recipient(h, caller):
        raise _access_denied("You don't have permissions to access this handshake.")
    return h


def _move(h: Handshake, to: str) -> dict[str, Any]:
    if h.state == to:
        raise _error("HandshakeAlreadyInStateException", f"The specified handshake is already {to}.")
    if h.state != "OPEN":
        raise _error("InvalidHandshakeTransitionException",
                     f"You can't perform the operation on the handshake in its current state ({h.state}).")
    h.answer = to
    return {"Handshake": h.describe()}


def _page(items: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
    token = params.get("NextToken")
    if token is not None and not str(token).isdigit():
        raise _error("InvalidInputException", "The NextToken is not valid.", "INVALID_NEXT_TOKEN")
    start, size = int(token or 0), int(params.get("MaxResults") or MAX_RESULTS)
    if size > MAX_RESULTS:
        raise _error("InvalidInputException", f"MaxResults can be at most {MAX_RESULTS}.", "MAX_VALUE_EXCEEDED")
    page: dict[str, Any] = {"Handshakes": items[start : start + size]}
    if start + size < len(items):
        page["NextToken"] = str(start + size)
    return page


def _filtered(handshakes: Iterable[Handshake], params: dict[str, Any]) -> list[dict[str, Any]]:
    flt = params.get("Filter") or {}
    if flt.get("ActionType") and flt.get("ParentHandshakeId"):
        raise _error("InvalidInputException", "You can specify only one filter parameter.", "MAX_LIMIT_EXCEEDED_FILTER")
    if flt.get("ActionType") not in (None, "INVITE") or flt.get("ParentHandshakeId"):
        return []  # every handshake here is an INVITE, none has a parent
    return [h.describe() for h in sorted(handshakes, key=lambda h: h.requested)]


# -- the API, as OrganizationsBackend methods (self is the caller's backend) ------------------------

def _management(self: OrganizationsBackend) -> OrganizationsBackend:
    if self.org is not None:
        return self
    if self.account_id in organizations_backends.master_accounts:
        raise _access_denied("You can only call this operation from the management account.")
    raise AWSOrganizationsNotInUseException


def invite_account_to_organization(self: OrganizationsBackend, **params: Any) -> dict[str, Any]:
    self = _management(self)
    target = {"Id": str(params["Target"]["Id"]), "Type": params["Target"]["Type"]}
    if target["Type"] == "ACCOUNT" and not re.fullmatch(r"\d{12}", target["Id"]):
        raise _error("InvalidInputException", "You provided a value that does not match the required pattern.", "INVALID_PATTERN")
    if target["Type"] == "EMAIL" and not re.fullmatch(r"[^\s@]+@[^\s@]+\.[^\s@]+", target["Id"]):
        raise _error("InvalidInputException", "You specified an invalid email address for the invited account owner.",
                     "INVALID_EMAIL_ADDRESS_TARGET")
    if target["Type"] not in ("ACCOUNT", "EMAIL"):
        raise _error("InvalidInputException", "You specified the wrong type of entity as a party.", "INVALID_PARTY_TYPE_TARGET")
    wanted = target["Id"].lower()
    if any(wanted in (a.id, a.email.lower()) for a in self.accounts):
        raise _already_member()
    if any(h.state == "OPEN" and _recipient_key(h.target) == _recipient_key(target) for h in _handshakes(self)):
        raise _error("DuplicateHandshakeException", "A handshake with the same action and target already exists.")
    master = next(a for a in self.accounts if a.id == self.org.master_account_id)
    hid = "h-" + secrets.token_hex(8)
    resources = [
        {"Type": "ORGANIZATION", "Value": self.org.id, "Resources": [
            {"Type": "MASTER_EMAIL", "Value": master.email},
            {"Type": "MASTER_NAME", "Value": master.name},
            {"Type": "ORGANIZATION_FEATURE_SET", "Value": self.org.feature_set}]},
        {"Type": target["Type"], "Value": target["Id"]},
    ]
    if params.get("Notes"):
        resources.append({"Type": "NOTES", "Value": params["Notes"]})
    h = Handshake(id=hid, arn=f"arn:{self.partition}:organizations::{self.account_id}:handshake/{self.org.id}/invite/{hid}",
                  org_id=self.org.id, sender=self.account_id, target=target, resources=resources,
                  tags=list(params.get("Tags") or []))
    _handshakes(self).append(h)
    return {"Handshake": h.describe()}


def list_handshakes_for_organization(self: OrganizationsBackend, **params: Any) -> dict[str, Any]:
    return _page(_filtered(_handshakes(_management(self)), params), params)


def list_handshakes_for_account(self: OrganizationsBackend, **params: Any) -> dict[str, Any]:
    mine = [h for b in _backends() for h in getattr(b, "handshakes", []) if _is_recipient(h, self.account_id)]
    return _page(_filtered(mine, params), params)


def describe_handshake(self: OrganizationsBackend, **params: Any) -> dict[str, Any]:
    return {"Handshake": _find(params["HandshakeId"], self.account_id).describe()}


def cancel_handshake(self: OrganizationsBackend, **params: Any) -> dict[str, Any]:
    h = _find(params["HandshakeId"], self.account_id)
    if self.account_id != h.sender:
        raise _access_denied("Only the account that sent a handshake can cancel it.")
    return _move(h, "CANCELED")


def decline_handshake(self: OrganizationsBackend, **params: Any) -> dict[str, Any]:
    h = _find(params["HandshakeId"], self.account_id)
    if not _is_recipient(h, self.account_id):
        raise _access_denied("Only the account that receives a handshake can decline it.")
    return _move(h, "DECLINED")


def accept_handshake(self: OrganizationsBackend, **params: Any) -> dict[str, Any]:
    h = _find(params["HandshakeId"], self.account_id)
    if not _is_recipient(h, self.account_id):
        raise _access_denied("Only the invited account can accept an invitation to join.")
    reg = registration(self.account_id)
    if reg is None:
        raise _access_denied(f"The stand-in does not know account {self.account_id}: POST it to {ADMIN_PATH} first.")
    if h.state == "OPEN" and _in_an_organization(self.account_id):
        raise _already_member()
    answer = _move(h, "ACCEPTED")
    _join(organizations_backends[h.sender][self.partition], h, reg)
    return answer


def _join(org_backend: OrganizationsBackend, h: Handshake, reg: dict[str, str]) -> None:
    """The account becomes a member as FakeAccount.__init__ would make it, minus the
    OrganizationAccountAccessRole (AWS makes none for an invited account)."""
    org = org_backend.org
    account = FakeAccount.__new__(FakeAccount)
    for name, value in {"type": "ACCOUNT", "region": org.region, "organization_id": org.id,
                        "master_account_id": org.master_account_id,
                        "create_account_status_id": utils.make_random_create_account_status_id(),
                        "id": reg["Id"], "name": reg["Name"], "email": reg["Email"], "create_time": utcnow(),
                        "status": "ACTIVE", "state": "ACTIVE", "joined_method": "INVITED",
                        "parent_id": org.root_id, "attached_policies": [],
                        "tags": {t["Key"]: t["Value"] for t in h.tags}}.items():
        setattr(account, name, value)  # setattr: other extensions make status/state properties
    org_backend.accounts.append(account)
    for policy_id in (utils.DEFAULT_SCP_POLICY_ID, utils.DEFAULT_RCP_POLICY_ID):
        org_backend.attach_policy(PolicyId=policy_id, TargetId=account.id)
    organizations_backends.master_accounts[account.id] = (org_backend.account_id, org_backend.partition)


def list_create_account_status(self: OrganizationsBackend, **params: Any) -> dict[str, Any]:
    """An invited account was never created: AWS lists no CreateAccount request for it."""
    invited = {a.id for a in self.accounts if a.joined_method == "INVITED"}
    response = _original["list_create_account_status"](self, **params)
    statuses = response["CreateAccountStatuses"]
    response["CreateAccountStatuses"] = [s for s in statuses if s.get("AccountId") not in invited]
    return response


API = {f.__name__: f for f in (invite_account_to_organization, list_handshakes_for_organization,
                               list_handshakes_for_account, describe_handshake, cancel_handshake,
                               decline_handshake, accept_handshake)}


def _response_method(name: str) -> Callable[[OrganizationsResponse], str]:
    def method(self: OrganizationsResponse) -> str:
        return json.dumps(getattr(self.organizations_backend, name)(**self.request_params))

    method.__name__ = name
    return method


def _reset(self: MotoAPIBackend) -> None:
    _original["moto_api_reset"](self)
    organizations_backends.master_accounts.clear()


def install() -> None:
    if _original:
        return
    _original["list_create_account_status"] = OrganizationsBackend.list_create_account_status
    OrganizationsBackend.list_create_account_status = list_create_account_status
    for name, function in API.items():
        setattr(OrganizationsBackend, name, function)
        setattr(OrganizationsResponse, name, _response_method(name))
    _original["moto_api_reset"] = MotoAPIBackend.reset
    MotoAPIBackend.reset = _reset


# -- the admin route --------------------------------------------------------------------------------

def register(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Validate and store one standalone account; returns (HTTP status, JSON body)."""
    account_id, email, name = str(body.get("Id", "")), body.get("Email"), body.get("Name")
    if not re.fullmatch(r"\d{12}", account_id):
        return "400 Bad Request", {"error": "Id must be 12 digits"}
    if not isinstance(email, str) or not re.fullmatch(r"[^\s@]+@[^\s@]+\.[^\s@]+", email):
        return "400 Bad Request", {"error": "Email must be an email address"}
    if not isinstance(name, str) or not name.strip():
        return "400 Bad Request", {"error": "Name is required"}
    if _in_an_organization(account_id):
        return "409 Conflict", {"error": f"account {account_id} is already in an organization"}
    account = {"Id": account_id, "Email": email, "Name": name}
    organizations_backends[account_id][PARTITION].standalone_account = account
    return "201 Created", account


def wrap_wsgi(app: Callable) -> AdminRoute:
    return AdminRoute(app, ADMIN_PATH, post=register,
                      get=lambda _: ("200 OK", {"Accounts": sorted(_registrations(), key=lambda r: r["Id"])}))
