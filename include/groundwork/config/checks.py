"""Cross-section checks of the foundation config.

`raw_problems` works on the raw YAML mapping, defensively, so that it can report alongside the
schema errors (a malformed CIDR in one account must not hide a duplicate email in another).
`scp_problems` renders each SCP from the sections it depends on (rules, size quota).
Each yields `(location tuple, message)`.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import re
from collections.abc import Iterator

from groundwork.policy.documents import policy_problems

SCPS_PER_TARGET = 4  # AWS: 5 attached SCPs per target, one of them FullAWSAccess
Found = Iterator[tuple[tuple, str]]
SECRET_KEY = re.compile(r"(external_?id|password|passwd|secret|token|access_?key|private_?key)", re.I)


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _ou_paths(units, prefix="") -> list[str]:
    paths = []
    for unit in _list(units):
        name = _dict(unit).get("name")
        if not isinstance(name, str):
            continue
        path = f"{prefix}/{name}" if prefix else name
        paths.append(path)
        paths += _ou_paths(_dict(unit).get("children"), path)
    return paths


def raw_problems(raw: dict) -> Found:
    org = _dict(raw.get("organization"))
    accounts = _list(org.get("accounts"))
    account_names = [_dict(a).get("name") for a in accounts]
    ous = _ou_paths(org.get("organizational_units"))
    yield from _secrets_inline(raw, ())
    yield from _duplicates(ous, ("organization", "organizational_units"), "OU path")
    yield from _account_identity(org, accounts)
    yield from _account_references(accounts, ous)
    yield from _cidrs(accounts, _dict(raw.get("network")))
    yield from _scps(org, ous)
    yield from _approvers(raw, accounts)
    yield from _identity(_dict(raw.get("identity")), account_names, ous)
    yield from _log_archive_access(raw, accounts)
    yield from _references(raw, account_names)
    yield from _observability(raw)
    yield from _ou_depth(org.get("organizational_units"), ("organization", "organizational_units"), 1)
    yield from _log_archive_placement(raw, org, accounts)
    yield from _cicd_environments(raw, accounts)
    yield from _access_keys(raw, ())
    yield from _supernet_capacity(accounts, _dict(raw.get("network")))
    yield from _bucket_names(raw, accounts)
    yield from _inline_policies(_dict(raw.get("identity")))
    yield from _interface_endpoints(raw)
    yield from _kinds_agree(raw, accounts)
    yield from _lifecycle(raw, org, accounts, ous)
    yield from _cost(raw, org, accounts)


def _cost(raw: dict, org: dict, accounts: list) -> Found:
    """Fail closed: a spend limit nobody is told about, an account without the cost-attribution tags,
    an SCP that would take the name of one groundwork owns."""
    from groundwork.aws.common import MANAGED_KEY
    from groundwork.policy.guardrails import RESERVED_SCPS

    cost = _dict(raw.get("cost"))
    required = [t for t in _list(cost.get("required_tags")) if isinstance(t, str)]
    notified = _list(cost.get("budget_emails")) or cost.get("budget_sns_topic_arn")
    for i, account in enumerate(accounts):
        account = _dict(account)
        loc = ("organization", "accounts", i)
        if account.get("spend_limit_usd") and not notified and account.get("lifecycle", "active") == "active":
            yield loc + ("spend_limit_usd",), (
                "a spend limit needs someone to tell: set cost.budget_emails or cost.budget_sns_topic_arn")
        tags = _dict(account.get("tags"))
        missing = [t for t in required if t not in tags]
        if missing:
            yield loc + ("tags",), f"missing the required cost-attribution tag(s) {missing} (cost.required_tags)"
        if MANAGED_KEY in tags:
            yield loc + ("tags", MANAGED_KEY), f"{MANAGED_KEY!r} is groundwork's own tag; choose another key"
    for i, policy in enumerate(_list(org.get("service_control_policies"))):
        name = _dict(policy).get("name")
        if isinstance(name, str) and name in RESERVED_SCPS:
            yield ("organization", "service_control_policies", i, "name"), (
                f"{name!r} is the name of groundwork's own SCP ({RESERVED_SCPS[name]}); choose another name")


def _retired(accounts: list) -> dict[str, str]:
    """name -> lifecycle of the accounts that are retired or closed."""
    out = {}
    for account in accounts:
        account = _dict(account)
        if account.get("lifecycle") in ("retired", "closed") and isinstance(account.get("name"), str):
            out[account["name"]] = account["lifecycle"]
    return out


def _lifecycle(raw: dict, org: dict, accounts: list, ous: list[str]) -> Found:
    """Retired and closed accounts need the suspended OU and must not be what another section builds
    on; an invited account id is named once."""
    suspended = org.get("suspended_ou")
    if isinstance(suspended, str) and suspended in ous:
        yield ("organization", "suspended_ou"), (
            f"{suspended!r} is also in organizational_units; the suspended OU is created by groundwork "
            "on its own (with a deny-all SCP): name one that is not in the tree")
    invited: dict[str, str] = {}
    for i, account in enumerate(accounts):
        account = _dict(account)
        loc = ("organization", "accounts", i)
        if account.get("lifecycle") in ("retired", "closed") and not suspended:
            yield loc + ("lifecycle",), (
                f"account {account.get('name')!r} is {account['lifecycle']}, but organization.suspended_ou "
                "is not set: name the OU retired accounts are moved to")
        invite = account.get("invite_account_id")
        if isinstance(invite, str):
            if invite in invited:
                yield loc + ("invite_account_id",), f"account id {invite} is already invited as {invited[invite]!r}"
            invited.setdefault(invite, account.get("name"))
    retired = _retired(accounts)
    if not retired:
        return
    for i, assignment in enumerate(_list(_dict(raw.get("identity")).get("assignments"))):
        for j, name in enumerate(_list(_dict(assignment).get("accounts"))):
            if name in retired:
                yield ("identity", "assignments", i, "accounts", j), (
                    f"account {name!r} is {retired[name]}: its assignments are removed, so no assignment may name it")


# What an account's `kind` means: the section that names the account for that role must name it.
KIND_ROLES = (
    ("log_archive", "observability", "log_archive_account", "Log Archive"),
    ("audit", "observability", "audit_account", "Audit"),
    ("network", "network", "transit_gateway_account", "Network"),
    ("shared_services", "cicd", "shared_services_account", "Shared Services"),
)


def _kinds_agree(raw: dict, accounts: list) -> Found:
    for kind, section, field, default in KIND_ROLES:
        if section == "cicd" and section not in raw:
            continue
        of_kind = [a.get("name") for a in map(_dict, accounts) if a.get("kind") == kind]
        members = {a.get("name") for a in map(_dict, accounts)}
        named = _dict(raw.get(section)).get(field, default)
        if of_kind and named in members and named not in of_kind:  # others: reported as unknown / management
            yield (section, field), (
                f"names {named!r}, but the account of kind {kind} is {' / '.join(map(repr, of_kind))}: "
                f"kind says what an account is for, so name that account here (or change its kind)")


def _interface_endpoints(raw: dict) -> Found:
    from groundwork.config.endpoint_services import problem

    home = _dict(raw.get("aws")).get("home_region", "us-east-1")
    for i, name in enumerate(_list(_dict(raw.get("network")).get("interface_endpoints"))):
        if isinstance(name, str) and isinstance(home, str) and (message := problem(name, home)):
            yield ("network", "interface_endpoints", i), message


def _secret_key(key) -> bool:
    if not isinstance(key, str):
        return False
    if ":" in key:  # an IAM condition key in a policy document (aws:TokenIssueTime, secretsmanager:SecretId)
        return key.lower() == "sts:externalid"
    return bool(SECRET_KEY.search(key))


def _secrets_inline(node, loc) -> Found:
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str | int) and _secret_key(key):
                yield loc + (key,), "a secret is written inline; reference an Airflow connection or variable instead"
            else:
                yield from _secrets_inline(value, loc + (key,))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _secrets_inline(item, loc + (i,))


def _duplicates(values, loc, what) -> Found:
    seen = set()
    for value in values:
        if not isinstance(value, str):
            continue  # the schema reports a name that is not a string
        if value in seen:
            yield loc, f"duplicate {what} {value!r}"
        seen.add(value)


def _account_identity(org: dict, accounts: list) -> Found:
    names: dict[str, int] = {}
    emails: dict[str, str] = {}
    mgmt = _dict(org.get("management_account"))
    if isinstance(mgmt.get("email"), str):
        emails[mgmt["email"].lower()] = "the management account"
    if isinstance(mgmt.get("name"), str):
        names[mgmt["name"]] = -1
    for i, account in enumerate(accounts):
        account = _dict(account)
        loc = ("organization", "accounts", i)
        name, email = account.get("name"), account.get("email")
        if isinstance(name, str):
            if name in names:
                yield loc + ("name",), f"duplicate account name {name!r}"
            names.setdefault(name, i)
        if isinstance(email, str):
            key = email.lower()
            if key in emails:
                yield loc + ("email",), f"email {email} is already used by {emails[key]}"
            emails.setdefault(key, f"account {name!r}")


def _account_references(accounts: list, ous: list[str]) -> Found:
    for i, account in enumerate(accounts):
        ou = _dict(account).get("ou")
        if isinstance(ou, str) and ou not in ous:
            yield ("organization", "accounts", i, "ou"), f"unknown OU {ou!r} (known: {', '.join(ous) or 'none'})"


def _network(value):
    if not isinstance(value, str):
        return None
    return _parsed_network(value)


@functools.lru_cache(maxsize=65536)
def _parsed_network(value: str):
    try:
        return ipaddress.IPv4Network(value, strict=True)
    except (ValueError, TypeError):
        return None


def _cidrs(accounts: list, network: dict) -> Found:
    """Outside the supernet, or overlapping an earlier account's block. CIDR blocks are nested or
    disjoint, so one sweep in address order finds every overlap (n log n, not pairwise)."""
    supernet = _network(network.get("supernet", "10.0.0.0/8"))
    placed: list[tuple[int, int, int, ipaddress.IPv4Network]] = []  # (first, -last, index, net)
    for i, account in enumerate(accounts):
        net = _network(_dict(account).get("cidr"))
        if net is None:
            continue
        if supernet is not None and not net.subnet_of(supernet):
            yield ("organization", "accounts", i, "cidr"), f"{net} is outside the network supernet {supernet}"
        first = int(net.network_address)
        placed.append((first, -(first + net.num_addresses - 1), i, net))
    placed.sort()
    overlaps: dict[int, int] = {}  # account index -> index of the earlier-listed account it overlaps
    widest = None  # the block reaching furthest so far: (last address, index, net)
    for first, neg_last, i, net in placed:
        if widest is not None and first <= widest[0]:
            a, b = sorted((i, widest[1]))
            overlaps.setdefault(b, a)
        if widest is None or -neg_last > widest[0]:
            widest = (-neg_last, i, net)
    for later, earlier in sorted(overlaps.items()):
        net, other = _network(_dict(accounts[later]).get("cidr")), _network(_dict(accounts[earlier]).get("cidr"))
        yield ("organization", "accounts", later, "cidr"), (
            f"{net} overlaps {other} of account {_dict(accounts[earlier]).get('name')!r}")


def _supernet_capacity(accounts: list, network: dict) -> Found:
    supernet = _network(network.get("supernet", "10.0.0.0/8"))
    prefix = network.get("account_prefix_length", 16)
    if supernet is None or not isinstance(prefix, int) or isinstance(prefix, bool):
        return
    loc = ("network", "account_prefix_length")
    if prefix < supernet.prefixlen:
        yield loc, f"/{prefix} blocks do not fit in the supernet {supernet} at all"
        return
    blocks = 2 ** (prefix - supernet.prefixlen)
    if len(accounts) > blocks:
        yield loc, (f"the supernet {supernet} holds {blocks} /{prefix} block(s), fewer than the "
                    f"{len(accounts)} accounts (one VPC each)")


def _ou_depth(units, loc, depth) -> Found:
    """AWS: an OU tree is at most five levels deep under the root."""
    for i, unit in enumerate(_list(units)):
        unit = _dict(unit)
        if depth > 5:
            yield loc + (i,), f"OU {unit.get('name')!r} is nested {depth} levels deep; AWS allows 5 under the root"
            continue
        yield from _ou_depth(unit.get("children"), loc + (i, "children"), depth + 1)


def _log_archive_placement(raw: dict, org: dict, accounts: list) -> Found:
    archives = [(i, _dict(a)) for i, a in enumerate(accounts) if _dict(a).get("kind") == "log_archive"]
    for i, account in archives[1:]:
        yield ("organization", "accounts", i, "kind"), (
            f"a second log_archive account ({account.get('name')!r}); the organization has one Log Archive")
    protected = set()
    for policy in _list(org.get("service_control_policies")):
        policy = _dict(policy)
        if "protect_log_archive" in _list(policy.get("builtins")):
            protected.update(t for t in _list(policy.get("targets")) if isinstance(t, str))
    for i, account in archives[:1]:
        ou = account.get("ou")
        if not isinstance(ou, str):
            continue
        covered = "Root" in protected or any(ou == t or ou.startswith(t + "/") for t in protected)
        if not covered:
            yield ("organization", "accounts", i, "ou"), (
                f"the Log Archive account {account.get('name')!r} is in OU {ou!r}, which no SCP with "
                "protect_log_archive targets; its logs could be deleted")


def environment_accounts(env: dict) -> list[tuple[tuple, object]]:
    """(location under the environment, account name) of a raw CI/CD environment's accounts: its
    `accounts` list, or the one-account shorthand `account`."""
    if "accounts" in env:
        return [(("accounts", j), name) for j, name in enumerate(_list(env.get("accounts")))]
    if "account" in env:
        return [(("account",), env.get("account"))]
    return []


def _cicd_environments(raw: dict, accounts: list) -> Found:
    """Environment names are unique (a second entry would replace the first), an account is in one
    environment (its deployment role, key and bucket serve that one), an environment deploying to a
    production account always requires approval, and the one named production deploys to production
    accounts only. Unknown, retired and management accounts: `_references`."""
    cicd = raw.get("cicd")
    if not isinstance(cicd, dict):
        return
    kinds = {_dict(a).get("name"): _dict(a).get("environment") for a in accounts}
    names: dict[str, int] = {}
    owner: dict[str, object] = {}  # account -> the environment that deploys to it
    for i, env in enumerate(_list(cicd.get("environments"))):
        env, loc = _dict(env), ("cicd", "environments", i)
        name = env.get("name")
        if isinstance(name, str) and name in names:
            yield loc + ("name",), (
                f"duplicate environment {name!r} (first at cicd.environments[{names[name]}]); a second entry would "
                "silently replace the first: list all of an environment's accounts in one entry (accounts: [...])")
            continue
        if isinstance(name, str):
            names[name] = i
        production = []
        for where, account in environment_accounts(env):
            if not isinstance(account, str):
                continue  # the schema reports it
            if account in owner:
                yield loc + where, (
                    f"account {account!r} is listed twice in this environment" if owner[account] == name else
                    f"account {account!r} is already in environment {owner[account]!r}: an account belongs to one "
                    "environment (its deployment role, key and bucket serve that one)")
                continue
            owner[account] = name
            if kinds.get(account) == "production":
                production.append(account)
            if name == "production" and account in kinds and kinds[account] != "production":
                yield loc + where, (
                    f"the production environment deploys to {account!r}, whose environment is "
                    f"{kinds[account]!r}, not production")
        if production and env.get("requires_approval") is False:
            yield loc + ("requires_approval",), (
                f"environment {name!r} deploys to the production account(s) {', '.join(map(repr, production))}: "
                "production deployments always require a manual approval (remove requires_approval: false)")


_ACCESS_KEY = re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")


def _access_keys(node, loc) -> Found:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _access_keys(value, loc + (key,))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _access_keys(item, loc + (i,))
    elif isinstance(node, str) and _ACCESS_KEY.search(node):
        yield loc, "looks like an AWS access key id; credentials come from the Airflow connection, never the config"


def _bucket_names(raw: dict, accounts: list) -> Found:
    """S3 names are <prefix>[-config]-<12-digit account id>-<region>, at most 63 characters."""
    aws = _dict(raw.get("aws"))
    regions = [r for r in _list(aws.get("allowed_regions")) or ["us-east-1"] if isinstance(r, str)]
    longest = max((len(r) for r in regions), default=9)
    prefixes = [(("observability", "log_bucket_prefix"),
                 _dict(raw.get("observability")).get("log_bucket_prefix", "groundwork-log-archive"), "-config")]
    cicd = raw.get("cicd")
    if isinstance(cicd, dict):
        prefixes += [(("cicd", "artifact_bucket_prefix"), cicd.get("artifact_bucket_prefix", "groundwork-artifacts"), ""),
                     (("cicd", "deployment_bucket_prefix"), cicd.get("deployment_bucket_prefix", "groundwork-deployments"), "")]
    for loc, prefix, infix in prefixes:
        if not isinstance(prefix, str):
            continue
        length = len(prefix) + len(infix) + 1 + 12 + 1 + longest
        if length > 63:
            yield loc, (f"bucket names built from {prefix!r} reach {length} characters "
                        f"(<prefix>{infix}-<account id>-<region>); S3 allows 63")


def _scps(org: dict, ous: list[str]) -> Found:
    policies = _list(org.get("service_control_policies"))
    yield from _duplicates(
        [_dict(p).get("name") for p in policies], ("organization", "service_control_policies"), "SCP name"
    )
    per_target: dict[str, int] = {}
    for i, policy in enumerate(policies):
        policy = _dict(policy)
        loc = ("organization", "service_control_policies", i)
        for j, target in enumerate(_list(policy.get("targets"))):
            if target != "Root" and target not in ous:
                yield loc + ("targets", j), f"unknown OU {target!r} (use an OU path or 'Root')"
        for target in _list(policy.get("targets")):
            if not isinstance(target, str):
                continue
            per_target[target] = per_target.get(target, 0) + 1
            if per_target[target] == SCPS_PER_TARGET + 1:
                yield loc + ("targets",), (
                    f"{target!r} would have more than {SCPS_PER_TARGET} groundwork SCPs; AWS allows 5 per "
                    "target including FullAWSAccess (combine builtins into one policy)"
                )
        document = policy.get("document")
        if isinstance(document, str):
            try:
                document = json.loads(document)
            except json.JSONDecodeError as exc:
                yield loc + ("document",), f"not valid policy JSON: {exc}"
                continue
        if document is not None:
            for message in policy_problems(document):
                yield loc + ("document",), message


def _inline_policies(identity: dict) -> Found:
    for i, permission_set in enumerate(_list(identity.get("permission_sets"))):
        document = _dict(permission_set).get("inline_policy")
        if document is not None:
            for message in policy_problems(document, max_chars=32768, kind="inline policy"):
                yield ("identity", "permission_sets", i, "inline_policy"), message


def _approvers(raw: dict, accounts: list) -> Found:
    """Every phase asks for an approval when its plan needs one (phase 1: any change), and an
    approval assigned to nobody could be answered by anyone: at least one approver, always."""
    approvers = _list(_dict(raw.get("approvals")).get("approvers"))
    if not approvers:
        production = [_dict(a).get("name") for a in accounts if _dict(a).get("environment") == "production"]
        why = f" (production accounts {production} too)" if production else ""
        yield ("approvals", "approvers"), (
            "at least one approver (Airflow user name) is required: every phase asks for an approval "
            f"before it changes what needs one{why}, and a request assigned to nobody could be "
            "answered by any user"
        )


def _identity(identity: dict, account_names: list, ous: list[str]) -> Found:
    sets = [_dict(p).get("name") for p in _list(identity.get("permission_sets"))]
    groups = [_dict(g).get("name") for g in _list(identity.get("groups"))]
    yield from _duplicates(sets, ("identity", "permission_sets"), "permission set")
    yield from _duplicates(groups, ("identity", "groups"), "group")
    glass = identity.get("break_glass_group")
    if glass is not None and glass not in groups:
        yield ("identity", "break_glass_group"), f"unknown group {glass!r}"
    for i, assignment in enumerate(_list(identity.get("assignments"))):
        assignment = _dict(assignment)
        loc = ("identity", "assignments", i)
        if assignment.get("group") not in groups:
            yield loc + ("group",), f"unknown group {assignment.get('group')!r}"
        if assignment.get("permission_set") not in sets:
            yield loc + ("permission_set",), f"unknown permission set {assignment.get('permission_set')!r}"
        for j, name in enumerate(_list(assignment.get("accounts"))):
            if name not in account_names:
                yield loc + ("accounts", j), f"unknown account {name!r}"
        for j, path in enumerate(_list(assignment.get("ous"))):
            if path not in ous:
                yield loc + ("ous", j), f"unknown OU {path!r}"


def _log_archive_access(raw: dict, accounts: list) -> Found:
    """Blueprint: the Log Archive account has no interactive access except for emergency response,
    so only the break-glass group may be assigned there (directly or through an OU)."""
    identity = _dict(raw.get("identity"))
    named = _dict(raw.get("observability")).get("log_archive_account", "Log Archive")
    archive = {a.get("name"): a.get("ou") for a in map(_dict, accounts)
               if a.get("kind") == "log_archive" or a.get("name") == named}
    glass = identity.get("break_glass_group")
    for i, assignment in enumerate(_list(identity.get("assignments"))):
        assignment = _dict(assignment)
        if assignment.get("group") == glass and glass is not None:
            continue
        hits = [(("accounts", j), name) for j, name in enumerate(_list(assignment.get("accounts"))) if name in archive]
        hits += [(("ous", j), name) for j, ou in enumerate(_list(assignment.get("ous"))) for name, at in archive.items()
                 if isinstance(ou, str) and isinstance(at, str) and (at == ou or at.startswith(ou + "/"))]
        for where, name in hits:
            yield ("identity", "assignments", i) + where, (
                f"{assignment.get('group')!r} would get interactive access to the Log Archive account {name!r}; "
                f"only the break-glass group ({glass or 'identity.break_glass_group, not set'}) may be assigned there"
            )


def _references(raw: dict, account_names: list) -> Found:
    mgmt = _dict(_dict(raw.get("organization")).get("management_account")).get("name", "Management")
    refs = [
        (("network", "transit_gateway_account"), _dict(raw.get("network")).get("transit_gateway_account")),
        (("observability", "log_archive_account"), _dict(raw.get("observability")).get("log_archive_account")),
        (("observability", "audit_account"), _dict(raw.get("observability")).get("audit_account")),
    ]
    cicd = raw.get("cicd")
    if isinstance(cicd, dict):
        refs.append((("cicd", "shared_services_account"), cicd.get("shared_services_account", "Shared Services")))
        for i, env in enumerate(_list(cicd.get("environments"))):
            refs += [(("cicd", "environments", i) + where, name) for where, name in environment_accounts(_dict(env))
                     if isinstance(name, str)]
    defaults = {
        ("network", "transit_gateway_account"): "Network",
        ("observability", "log_archive_account"): "Log Archive",
        ("observability", "audit_account"): "Audit",
    }
    retired = _retired(_list(_dict(raw.get("organization")).get("accounts")))
    for loc, name in refs:
        name = defaults.get(loc) if name is None else name
        if name == mgmt:
            yield loc, f"{name!r} is the management account, which must run no workloads"
        elif name is not None and name not in account_names:
            yield loc, f"unknown account {name!r}: no account in organization.accounts has this name"
        elif name in retired:
            yield loc, f"account {name!r} is {retired[name]}: this needs an active account (remove the reference first)"


def _observability(raw: dict) -> Found:
    obs = _dict(raw.get("observability"))
    aws = _dict(raw.get("aws"))
    home = aws.get("home_region", "us-east-1")
    allowed = _list(aws.get("allowed_regions")) or ["us-east-1"]
    replica = obs.get("replica_region", "us-west-2")
    if replica == home:
        yield ("observability", "replica_region"), f"the replica region must differ from the home region {home}"
    elif replica not in allowed:
        yield ("observability", "replica_region"), (
            f"replica region {replica} is not in aws.allowed_regions {allowed}; the region guardrail would deny it"
        )


def scp_problems(raw: dict) -> Found:
    """Each rendered SCP (builtins + custom statements) against AWS's rules and size quota. Rendered
    from the three sections an SCP depends on, so an oversized SCP is reported even when another
    section of the config has problems of its own."""
    from types import SimpleNamespace

    from pydantic import ValidationError

    from groundwork.config.models import AwsSettings, Observability, Organization, ServiceControlPolicy
    from groundwork.policy.guardrails import render_scp

    org = _dict(raw.get("organization"))
    global_services = org.get("global_services", Organization.model_fields["global_services"].get_default(
        call_default_factory=True))
    if not isinstance(global_services, list) or not all(isinstance(g, str) for g in global_services):
        return  # reported by the schema
    try:  # only what an SCP is rendered from: not the accounts (10,000 of them cost seconds to validate)
        policies = [ServiceControlPolicy.model_validate(p) for p in _list(org.get("service_control_policies"))]
        view = SimpleNamespace(aws=AwsSettings.model_validate(_dict(raw.get("aws"))),
                               organization=SimpleNamespace(service_control_policies=policies,
                                                            global_services=global_services),
                               observability=Observability.model_validate(_dict(raw.get("observability"))))
    except ValidationError:
        return  # the schema errors are reported; these sections cannot be rendered yet
    for i, scp in enumerate(view.organization.service_control_policies):
        custom = scp.document
        try:
            custom = json.loads(custom) if isinstance(custom, str) else custom
        except json.JSONDecodeError:
            continue  # reported on the document itself
        if custom is not None and policy_problems(custom):
            continue  # reported on the document itself
        for message in policy_problems(render_scp(scp, view)):
            yield ("organization", "service_control_policies", i), message
