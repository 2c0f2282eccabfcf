"""Member accounts: found by email, created at most once, placed in their OU, checked reachable.

CreateAccount is asynchronous and not idempotent. Before creating, we look for the account by
email and for a creation request already under way for its name (ListCreateAccountStatus), so a
rerun after a killed worker or a cleared task resumes waiting on the same request instead of
creating a second account. The request id lives in AWS, where no Airflow failure can lose it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from botocore.exceptions import ClientError

from groundwork.aws import organizations as orgs
from groundwork.plan.model import Change, check_approved
from groundwork.reconcile.organization import OrgSnapshot, read_organization

IN_PROGRESS, SUCCEEDED, FAILED = "IN_PROGRESS", "SUCCEEDED", "FAILED"


def desired(account) -> dict:
    return {"name": account.name, "email": account.email, "ou": account.ou}


def plan_account(account, snap: OrgSnapshot) -> Change:
    after = desired(account)
    existing = snap.account_by_email(account.email)
    production = account.is_production
    if existing is None:
        return Change("create", "account", account.name, None, after, production=production)
    before = {"name": account.name, "email": account.email, "ou": existing["ParentPath"]}
    note = "" if existing["Name"] == account.name else f"named {existing['Name']!r} in AWS (rename it in the console)"
    action = "noop" if before == after else "update"
    return Change(action, "account", account.name, before, after, production=production, note=note)


@dataclass(frozen=True)
class AccountProgress:
    name: str
    state: str  # IN_PROGRESS | SUCCEEDED | FAILED
    account_id: str | None = None
    request_id: str | None = None
    reason: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


class AccountCreationFailed(Exception):
    pass


def _progress(name: str, status: dict) -> AccountProgress:
    return AccountProgress(
        name=name,
        state=status["State"],
        account_id=status.get("AccountId"),
        request_id=status["Id"],
        reason=status.get("FailureReason"),
    )


def start_account(client, account, approved: set[str], role_name: str,
                  known_id: str | None = None) -> AccountProgress:
    """Make sure the account exists or is being created; never issues CreateAccount twice.

    `known_id` is the id the plan saw for this email: confirmed with one DescribeAccount instead of
    listing every account (which matters at hundreds of accounts)."""
    if known_id:
        found = orgs.describe_account(client, known_id)
        if found is not None and found["Email"].lower() == account.email:
            return AccountProgress(account.name, SUCCEEDED, account_id=found["Id"])
    existing = next((a for a in orgs.accounts(client) if a["Email"].lower() == account.email), None)
    if existing is not None:
        return AccountProgress(account.name, SUCCEEDED, account_id=existing["Id"])
    for state in (IN_PROGRESS, SUCCEEDED):
        for request in orgs.create_account_requests(client, [state]):
            if request.get("AccountName") == account.name:
                return _progress(account.name, request)  # resume the request already made
    check_approved(Change("create", "account", account.name, None, desired(account)), approved)
    return _progress(account.name, orgs.create_account(client, account.name, account.email, role_name))


def creation_progress(client, name: str, request_id: str) -> AccountProgress:
    return _progress(name, orgs.create_account_status(client, request_id))


def raise_if_failed(progress: AccountProgress) -> None:
    if progress.state == FAILED:
        raise AccountCreationFailed(
            f"creating account {progress.name!r} failed: {progress.reason} (request {progress.request_id}); "
            "fix the cause (e.g. EMAIL_ALREADY_EXISTS: the email belongs to another account) and rerun"
        )


def place_account(client, account, account_id: str, approved: set[str]) -> Change | None:
    """Move the account into its OU when it is elsewhere (e.g. the root, right after creation)."""
    current = orgs.parent_id(client, account_id)
    target = ou_id_for_path(client, account.ou)
    if current == target:
        return None
    snap = read_organization(client, with_accounts=False)
    change = Change(
        "update", "account", account.name,
        {"name": account.name, "email": account.email, "ou": snap.path_of(current)}, desired(account),
    )
    check_approved(change, approved)
    orgs.move_account(client, account_id, current, target)
    return change


def ou_id_for_path(client, path: str) -> str:
    """Walk from the root down one OU path (depth calls, not the whole tree)."""
    parent = orgs.root(client)["Id"]
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


