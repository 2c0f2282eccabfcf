"""Member accounts: found by email, created (or invited) at most once, placed in their OU, tagged,
checked reachable; retired to the suspended OU; closed when the config says so.

CreateAccount is asynchronous and not idempotent. Before creating, we look for the account by
email and for a creation request already under way for its name (ListCreateAccountStatus), so a
rerun after a killed worker or a cleared task resumes waiting on the same request instead of
creating a second account. The request id lives in AWS, where no Airflow failure can lose it.
An invitation works the same way: an open handshake for the account id is waited on, never sent
twice. An account already in the organization and listed in the config (made by hand or by
another tool) is adopted: moved to its OU and tagged managed-by=groundwork, never created again.
Accounts in AWS that the config does not name are listed as unmanaged and never touched.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from botocore.exceptions import ClientError

from groundwork.aws import organizations as orgs
from groundwork.aws.common import MANAGED_TAG, is_managed
from groundwork.plan.model import Change, Refused, check_approved
from groundwork.reconcile.organization import ROOT, OrgSnapshot, read_organization

IN_PROGRESS, SUCCEEDED, FAILED = "IN_PROGRESS", "SUCCEEDED", "FAILED"
ABSENT = "ABSENT"  # retired before it was ever created: nothing to do
CLOSURE = "account_closure"
CLOSED_AFTER_DAYS = 90
CLOSURE_NOTE = (f"CloseAccount: the account is suspended at once and closed for good after {CLOSED_AFTER_DAYS} "
                "days (until then only AWS Support can reopen it)")


def desired(account, config) -> dict:
    return {"name": account.name, "email": account.email, "ou": config.ou_of(account), "managed": True,
            "tags": dict(sorted(account.tags.items()))}


def configured_tags(account, actual: dict[str, str]) -> dict[str, str]:
    """The account's tags in AWS that the config sets (others are left alone, never removed)."""
    return dict(sorted((k, v) for k, v in actual.items() if k in account.tags))


def plan_account(config, account, snap: OrgSnapshot, tags: dict[str, str] | None = None) -> Change | None:
    """The account's change: create (or invite), adopt (tag), move (its OU, or the suspended OU
    once retired), tag, or nothing. `tags`: the account's tags in AWS (None: not read, no account)."""
    tags = tags or {}
    managed = is_managed(tags)
    after = desired(account, config)
    existing = snap.account_by_email(account.email)
    production = account.is_production
    if existing is None:
        if not account.is_active:
            return None
        if account.invite_account_id:
            return Change("create", "account", account.name, None, after, production=production,
                          note=f"invite account {account.invite_account_id} (a handshake its owner accepts)")
        return Change("create", "account", account.name, None, after, production=production)
    if orgs.is_closed(existing):
        state = {"name": account.name, "email": account.email, "status": existing["Status"]}
        note = "" if account.lifecycle == "closed" else (
            f"closed in AWS ({existing['Status']}) but {account.lifecycle} in the config: groundwork cannot "
            "reopen it (AWS Support can, within 90 days); mark it closed in the config")
        return Change("noop", "account", account.name, state, state, production=production, note=note)
    before = {"name": account.name, "email": account.email, "ou": existing["ParentPath"], "managed": managed,
              "tags": configured_tags(account, tags)}
    notes = []
    if existing["Name"] != account.name:
        notes.append(f"named {existing['Name']!r} in AWS (rename it in the console)")
    if not managed:
        notes.append("adopt: made outside groundwork; tagged managed-by=groundwork, never created again")
    if not account.is_active and before["ou"] != after["ou"]:
        notes.append(f"retire: moved to the suspended OU {after['ou']!r} (deny-all SCP)")
    return Change.between("account", account.name, before, after, production=production, note="; ".join(notes))


def unmanaged(config, snap: OrgSnapshot) -> list[str]:
    """Plan lines for accounts in the organization that the config does not name (never touched)."""
    named = {a.email.lower() for a in config.organization.accounts}
    named.add(config.organization.management_account.email.lower())
    master = (snap.organization or {}).get("MasterAccountId")
    return [f"unmanaged: account {a['Name']!r} ({a['Id']}, {a['Email']}) in {a['ParentPath']}: not in the config, "
            "never touched" for a in snap.accounts if a["Email"].lower() not in named and a["Id"] != master]


@dataclass(frozen=True)
class AccountProgress:
    name: str
    state: str  # IN_PROGRESS | SUCCEEDED | FAILED
    account_id: str | None = None
    request_id: str | None = None
    reason: str | None = None
    requested_at: float | None = None  # a creation request's RequestedTimestamp (epoch seconds)
    completed_at: float | None = None  # and its CompletedTimestamp, once it has ended

    def to_dict(self) -> dict:
        return asdict(self)

    def creation_seconds(self) -> float | None:
        """How long AWS took to create the account, when this is a creation that ended."""
        if self.requested_at is None or self.completed_at is None or self.completed_at <= self.requested_at:
            return None
        return self.completed_at - self.requested_at


def epoch(value) -> float | None:
    """A timestamp of an Organizations answer (boto3: datetime; JSON: number) as epoch seconds."""
    if value is None:
        return None
    return value.timestamp() if hasattr(value, "timestamp") else float(value)


class AccountCreationFailed(Exception):
    pass


def _progress(name: str, status: dict) -> AccountProgress:
    return AccountProgress(
        name=name,
        state=status["State"],
        account_id=status.get("AccountId"),
        request_id=status["Id"],
        reason=status.get("FailureReason"),
        requested_at=epoch(status.get("RequestedTimestamp")),
        completed_at=epoch(status.get("CompletedTimestamp")),
    )


def _invitation_progress(name: str, handshake: dict) -> AccountProgress:
    """A handshake as account progress: accepted -> the account is in; declined/canceled/expired -> failed."""
    state = handshake["State"]
    account_id = orgs.invited_account_id(handshake)
    if state == "ACCEPTED":
        return AccountProgress(name, SUCCEEDED, account_id=account_id, request_id=handshake["Id"])
    if state in ("REQUESTED", "OPEN"):
        return AccountProgress(name, IN_PROGRESS, account_id=account_id, request_id=handshake["Id"])
    return AccountProgress(name, FAILED, account_id=account_id, request_id=handshake["Id"],
                           reason=f"the invitation of account {account_id} was {state.lower()}")


@dataclass(frozen=True)
class Existing:
    """The organization's accounts (by email) and creation requests in progress or succeeded (by
    account name), read once. A task with a batch of new accounts reads this once for all of them:
    read per account, it is a listing of the whole organization each time (quadratic in accounts)."""

    accounts_by_email: dict[str, dict]
    requests_by_name: dict[str, dict]


def read_existing(client) -> Existing:
    requests: dict[str, dict] = {}
    for state in (SUCCEEDED, IN_PROGRESS):  # a name's request in progress wins over an older success
        requests.update({r["AccountName"]: r for r in orgs.create_account_requests(client, [state])
                         if r.get("AccountName")})
    return Existing({a["Email"].lower(): a for a in orgs.accounts(client)}, requests)


def start_account(client, config, account, approved: set[str], role_name: str,
                  known_id: str | None = None, existing: Existing | None = None) -> AccountProgress:
    """Make sure the account exists or is being created (or invited); never issues CreateAccount
    or an invitation twice.

    `known_id` is the id the plan saw for this email: confirmed with one DescribeAccount instead of
    listing every account (which matters at hundreds of accounts). `existing`: the organization as
    the task read it when it started (`read_existing`), instead of reading it for this account; only
    for accounts no earlier step of the same task touched."""
    if known_id:
        found = orgs.describe_account(client, known_id)
        if found is not None and found["Email"].lower() == account.email:
            return AccountProgress(account.name, SUCCEEDED, account_id=found["Id"])
    if existing is not None:
        found = existing.accounts_by_email.get(account.email)
    else:
        found = next((a for a in orgs.accounts(client) if a["Email"].lower() == account.email), None)
    if found is not None:
        return AccountProgress(account.name, SUCCEEDED, account_id=found["Id"])
    if not account.is_active:
        return AccountProgress(account.name, ABSENT)
    change = Change("create", "account", account.name, None, desired(account, config))
    if account.invite_account_id:
        for handshake in orgs.invitations(client):
            if (orgs.invited_account_id(handshake) == account.invite_account_id
                    and handshake["State"] in orgs.OPEN_HANDSHAKE_STATES):
                return _invitation_progress(account.name, handshake)  # wait on the invitation already sent
        check_approved(change, approved)
        notes = f"Join the organization as {account.name!r} (groundwork)."
        return _invitation_progress(account.name, orgs.invite_account(client, account.invite_account_id, notes))
    if existing is not None:
        request = existing.requests_by_name.get(account.name)
        if request is not None:
            return _progress(account.name, request)  # resume the request already made
    else:
        for state in (IN_PROGRESS, SUCCEEDED):
            for request in orgs.create_account_requests(client, [state]):
                if request.get("AccountName") == account.name:
                    return _progress(account.name, request)  # resume the request already made
    check_approved(change, approved)
    return _progress(account.name, orgs.create_account(client, account.name, account.email, role_name, account.tags))


def creation_progress(client, name: str, request_id: str) -> AccountProgress:
    """A creation request (car-...) or an invitation handshake (h-...): the id says which."""
    if request_id.startswith("h-"):
        return _invitation_progress(name, orgs.describe_handshake(client, request_id))
    return _progress(name, orgs.create_account_status(client, request_id))


def raise_if_failed(progress: AccountProgress) -> None:
    if progress.state == FAILED:
        raise AccountCreationFailed(
            f"creating account {progress.name!r} failed: {progress.reason} (request {progress.request_id}); "
            "fix the cause (e.g. EMAIL_ALREADY_EXISTS: the email belongs to another account) and rerun"
        )


def place_account(client, config, account, account_id: str, approved: set[str], *, root_id: str | None = None,
                  target_id: str | None = None) -> Change | None:
    """Move the account into its OU (the suspended OU once retired) when it is elsewhere (e.g. the
    root, right after creation or an invitation) and tag it managed-by=groundwork when it is not
    (an adopted account). A closed account is left where it is."""
    found = orgs.describe_account(client, account_id)
    if found is None or orgs.is_closed(found):
        return None
    current = orgs.parent_id(client, account_id)
    root_id = root_id or orgs.root(client)["Id"]
    target = target_id or ou_id_for_path(client, config.ou_of(account), root_id)
    actual = orgs.tags(client, account_id)
    managed, tagged = is_managed(actual), configured_tags(account, actual)
    after = desired(account, config)
    if current == target and managed and tagged == after["tags"]:
        return None
    # a new account is in the root: its path needs no walk of the whole OU tree (one per account, 25
    # calls at 1,000 accounts in 20 OUs)
    path = ROOT if current == root_id else read_organization(client, with_accounts=False).path_of(current)
    before = {"name": account.name, "email": account.email, "ou": path, "managed": managed,
              "tags": tagged}
    change = Change("update", "account", account.name, before, after)
    check_approved(change, approved)
    if current != target:
        orgs.move_account(client, account_id, current, target)
    missing = [] if managed else [MANAGED_TAG]
    missing += [{"Key": k, "Value": v} for k, v in after["tags"].items() if tagged.get(k) != v]
    if missing:
        orgs.tag_resource(client, account_id, missing)
    return change


def is_closed(client, account_id: str) -> bool:
    found = orgs.describe_account(client, account_id)
    return found is not None and orgs.is_closed(found)


# --------------------------------------------------------------------------- closing accounts
class ClosureQuotaExceeded(Refused):
    pass


def closure_quota(member_accounts: int) -> int:
    """AWS (CloseAccount): in a rolling 30 days, the higher of 250 or 20% of the member accounts,
    at most 1,000."""
    return min(1000, max(250, member_accounts * 20 // 100))


def plan_closures(config, snap: OrgSnapshot) -> list[Change]:
    """One change per account the config marks closed that AWS still has active; refused before
    any approval when they exceed what AWS allows. Accounts closing or closed count against it
    (their closure date is not readable, so each is taken as recent: never more than AWS allows)."""
    changes = []
    for account in config.organization.accounts:
        if account.lifecycle != "closed":
            continue
        existing = snap.account_by_email(account.email)
        if existing is None:
            continue
        before = {"name": account.name, "status": existing.get("Status", orgs.ACTIVE)}
        closed = orgs.is_closed(existing)
        changes.append(Change("noop" if closed else "delete", CLOSURE, account.name, before,
                              before if closed else None, production=True, note="" if closed else CLOSURE_NOTE))
    master = (snap.organization or {}).get("MasterAccountId")
    members = [a for a in snap.accounts if a["Id"] != master]
    quota = closure_quota(len(members))
    used = sum(1 for a in members if orgs.is_closed(a))
    asked = sum(1 for c in changes if c.action == "delete")
    if asked and used + asked > quota:
        raise ClosureQuotaExceeded(
            f"the config closes {asked} account(s), but AWS lets this organization close {quota} in 30 days and "
            f"{used} are already closing or closed: mark the rest retired now and closed later")
    return changes


def close_accounts(client, config, approved: set[str]) -> list[Change]:
    """CloseAccount for each approved closure; AWS's own refusal (its quota) stops the step."""
    done = []
    snap = read_organization(client)
    for change in plan_closures(config, snap):
        if change.action == "noop":
            continue
        check_approved(change, approved)
        account_id = snap.account_by_email(config.account(change.key).email)["Id"]
        try:
            orgs.close_account(client, account_id)
        except client.exceptions.ConstraintViolationException as exc:
            raise ClosureQuotaExceeded(f"AWS refused to close {change.key!r}: {exc}") from None
        done.append(change)
    return done


def ou_id_for_path(client, path: str, root_id: str | None = None) -> str:
    """Walk from the root down one OU path (depth calls, not the whole tree)."""
    parent = root_id or orgs.root(client)["Id"]
    for name in path.split("/"):
        ou = orgs.ou_by_name(client, parent, name)
        if ou is None:
            raise LookupError(f"OU {path!r} does not exist yet; the structure step must run first")
        parent = ou["Id"]
    return parent


def access_ready(ctx, account_id: str) -> tuple[bool, str]:
    """Whether the access role in the account can be assumed yet (new accounts lag a little)."""
    try:
        ctx.assume(account_id)
        return True, "assumed"
    except ClientError as exc:
        return False, str(exc)


