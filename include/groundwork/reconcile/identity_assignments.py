"""Account assignments: group x permission set x account (accounts named directly or every
configured account under an OU path), per account.

groundwork owns the assignments of the permission sets it manages (configured or tagged
`managed-by=groundwork`): one there that the config does not ask for (a group removed from an
assignment, a hand-made user assignment) is shown in the plan as a delete and then removed.
Creating and deleting are asynchronous in AWS: `apply_account` starts them and returns the request
ids; `requests_settled` is the probe the deferred wait polls. A retired account is asked for
nothing, so every assignment of a managed permission set there is removed.
"""

from __future__ import annotations

from dataclasses import dataclass

from groundwork.aws import identity_center as sso
from groundwork.plan.model import Change, approved_pending

KIND = "account_assignment"
GROUP, USER = "GROUP", "USER"
FAILED = "FAILED"


class AssignmentFailed(Exception):
    pass


@dataclass(frozen=True)
class Wanted:
    account: str
    group: str
    permission_set: str

    @property
    def key(self) -> str:
        return f"{self.account}/{self.group}/{self.permission_set}"


def accounts_under(config, ou: str) -> list[str]:
    """The active accounts in the OU or below it (a retired account keeps no assignment)."""
    return [a.name for a in config.active_accounts if a.ou == ou or a.ou.startswith(ou + "/")]


def desired_assignments(config) -> list[Wanted]:
    """Every (account, group, permission set) the config asks for, each once, in config order."""
    out: dict[Wanted, None] = {}
    for assignment in config.identity.assignments:
        names = list(assignment.accounts)
        for ou in assignment.ous:
            names += accounts_under(config, ou)
        for name in names:
            out[Wanted(name, assignment.group, assignment.permission_set)] = None
    return list(out)


def read_account(client, instance_arn: str, account_id: str, set_arns: dict[str, str],
                 provisioned: dict[str, set[str]] | None = None) -> list[tuple[str, str, str]]:
    """(permission set name, principal type, principal id) of the account's assignments of managed sets.

    `provisioned` (set name -> ids of the accounts it is provisioned to, as the plan read them) skips
    the sets not provisioned to this account: an assignment provisions its permission set to its
    account (AWS: "as part of a successful CreateAccountAssignment call, the specified permission set
    will automatically be provisioned to the account"), so a set provisioned nowhere near the account
    has no assignment there. At 1,000 accounts that is ~3,000 ListAccountAssignments fewer per plan
    against the management account's Identity Center rate. None reads every set (the apply steps)."""
    found = []
    for name, arn in sorted(set_arns.items()):
        if provisioned is not None and account_id not in provisioned.get(name, ()):
            continue
        for a in sso.account_assignments(client, instance_arn, account_id, arn):
            found.append((name, a["PrincipalType"], a["PrincipalId"]))
    return found


def plan_account(config, account: str, actual: list[tuple[str, str, str]], group_ids: dict[str, str],
                 admin_sets: set[str]) -> list[Change]:
    """The account's assignment changes. Production accounts' changes are flagged `production`;
    a new AdminAccess grant says so in its note (both need approval)."""
    production = config.account(account).is_production
    names_by_group_id = {gid: name for name, gid in group_ids.items()}
    have = set()
    for set_name, principal_type, principal_id in actual:
        who = names_by_group_id.get(principal_id) if principal_type == GROUP else None
        have.add((set_name, who or f"{principal_type.lower()}:{principal_id}"))
    changes = []
    wanted = [w for w in desired_assignments(config) if w.account == account]
    for w in wanted:
        after = {"account": account, "group": w.group, "permission_set": w.permission_set}
        if (w.permission_set, w.group) in have:
            changes.append(Change("noop", KIND, w.key, after, after, production=production))
        else:
            note = "grants AdminAccess" if w.permission_set in admin_sets else ""
            changes.append(Change("create", KIND, w.key, None, after, production=production, note=note))
    keep = {(w.permission_set, w.group) for w in wanted}
    for set_name, who in sorted(have - keep):
        before = {"account": account, "group": who, "permission_set": set_name}
        changes.append(Change("delete", KIND, f"{account}/{who}/{set_name}", before, None, production=production,
                              note="not in the config"))
    return changes


def _principal(who: str, group_ids: dict[str, str]) -> tuple[str, str]:
    if who in group_ids:
        return GROUP, group_ids[who]
    kind, _, principal_id = who.partition(":")
    return kind.upper(), principal_id


def apply_account(client, instance_arn: str, config, account: str, account_id: str, set_arns: dict[str, str],
                  group_ids: dict[str, str], admin_sets: set[str], approved: set[str]) -> tuple[list[Change], list[dict]]:
    """Start the account's approved assignment changes. Returns what was started and the requests
    to wait for: [{"kind": "create"|"delete", "request_id", "key"}]."""
    actual = read_account(client, instance_arn, account_id, set_arns)
    done, requests = [], []
    for change in approved_pending(plan_account(config, account, actual, group_ids, admin_sets), approved):
        data = change.after or change.before
        principal_type, principal_id = _principal(data["group"], group_ids)
        arn = set_arns.get(data["permission_set"])
        if arn is None or not principal_id:
            raise AssignmentFailed(f"{change.summary()}: the permission set or group does not exist yet")
        if change.action == "create":
            status = sso.create_assignment(client, instance_arn, account_id, arn, principal_type, principal_id)
        else:
            status = sso.delete_assignment(client, instance_arn, account_id, arn, principal_type, principal_id)
        done.append(change)
        if status is not None:
            raise_if_failed(change.key, status)
            if status.get("Status") == sso.IN_PROGRESS:
                requests.append({"kind": change.action, "request_id": status["RequestId"], "key": change.key})
    return done, requests


def raise_if_failed(key: str, status: dict) -> None:
    if status.get("Status") == FAILED:
        raise AssignmentFailed(f"account assignment {key} failed: {status.get('FailureReason', 'no reason given')}")


def requests_settled(client, instance_arn: str, requests: list[dict]) -> tuple[bool, dict]:
    """Probe: done when no request is IN_PROGRESS; the result names every request's status."""
    statuses = {}
    for request in requests:
        read = sso.creation_status if request["kind"] == "create" else sso.deletion_status
        status = read(client, instance_arn, request["request_id"])
        statuses[request["key"]] = {"status": status.get("Status"), "reason": status.get("FailureReason")}
    done = all(s["status"] != sso.IN_PROGRESS for s in statuses.values())
    return done, {"requests": statuses}
