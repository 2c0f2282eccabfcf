"""AWS Organizations calls, one small function each, fully paginated."""

from __future__ import annotations

from groundwork.aws.common import MANAGED_TAG, all_items


SCP = "SERVICE_CONTROL_POLICY"
TAG_POLICY = "TAG_POLICY"


_all = all_items


def describe_organization(client) -> dict | None:
    try:
        return client.describe_organization()["Organization"]
    except client.exceptions.AWSOrganizationsNotInUseException:
        return None


def create_organization(client) -> dict:
    return client.create_organization(FeatureSet="ALL")["Organization"]


def root(client) -> dict:
    return _all(client, "list_roots", "Roots")[0]


def child_ous(client, parent_id: str) -> list[dict]:
    return _all(client, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent_id)


def create_ou(client, parent_id: str, name: str) -> dict:
    """Create the OU, or return the one of that name already there (a create whose answer was lost)."""
    try:
        return client.create_organizational_unit(ParentId=parent_id, Name=name, Tags=[MANAGED_TAG])[
            "OrganizationalUnit"
        ]
    except client.exceptions.DuplicateOrganizationalUnitException:
        return ou_by_name(client, parent_id, name)


def accounts(client) -> list[dict]:
    return _all(client, "list_accounts", "Accounts")


def describe_account(client, account_id: str) -> dict | None:
    try:
        return client.describe_account(AccountId=account_id)["Account"]
    except client.exceptions.AccountNotFoundException:
        return None


def ou_by_name(client, parent_id: str, name: str) -> dict | None:
    return next((ou for ou in child_ous(client, parent_id) if ou["Name"] == name), None)


def accounts_for_parent(client, parent_id: str) -> list[dict]:
    return _all(client, "list_accounts_for_parent", "Accounts", ParentId=parent_id)


def create_account_requests(client, states: list[str]) -> list[dict]:
    return _all(client, "list_create_account_status", "CreateAccountStatuses", States=states)


def create_account(client, name: str, email: str, role_name: str, tags: dict[str, str] | None = None) -> dict:
    extra = [{"Key": k, "Value": v} for k, v in (tags or {}).items()]
    return client.create_account(
        AccountName=name, Email=email, RoleName=role_name, IamUserAccessToBilling="DENY", Tags=[MANAGED_TAG, *extra]
    )["CreateAccountStatus"]


def create_account_status(client, request_id: str) -> dict:
    return client.describe_create_account_status(CreateAccountRequestId=request_id)["CreateAccountStatus"]


def parent_id(client, account_id: str) -> str:
    return client.list_parents(ChildId=account_id)["Parents"][0]["Id"]


def move_account(client, account_id: str, source_id: str, destination_id: str) -> None:
    client.move_account(AccountId=account_id, SourceParentId=source_id, DestinationParentId=destination_id)


def enable_policy_type(client, root_id: str, policy_type: str = SCP) -> None:
    try:
        client.enable_policy_type(RootId=root_id, PolicyType=policy_type)
    except client.exceptions.PolicyTypeAlreadyEnabledException:
        pass


def policies(client, policy_type: str = SCP) -> list[dict]:
    return _all(client, "list_policies", "Policies", Filter=policy_type)


def policy_content(client, policy_id: str) -> str:
    return client.describe_policy(PolicyId=policy_id)["Policy"]["Content"]


def policy_targets(client, policy_id: str) -> list[dict]:
    return _all(client, "list_targets_for_policy", "Targets", PolicyId=policy_id)


def tags(client, resource_id: str) -> dict[str, str]:
    items = _all(client, "list_tags_for_resource", "Tags", ResourceId=resource_id)
    return {t["Key"]: t["Value"] for t in items}


def create_policy(client, name: str, description: str, content: str, policy_type: str = SCP) -> dict:
    return client.create_policy(
        Name=name, Description=description, Content=content, Type=policy_type, Tags=[MANAGED_TAG]
    )["Policy"]["PolicySummary"]


def update_policy(client, policy_id: str, description: str, content: str) -> None:
    client.update_policy(PolicyId=policy_id, Description=description, Content=content)


def attach_policy(client, policy_id: str, target_id: str) -> None:
    try:
        client.attach_policy(PolicyId=policy_id, TargetId=target_id)
    except client.exceptions.DuplicatePolicyAttachmentException:
        pass


def detach_policy(client, policy_id: str, target_id: str) -> None:
    try:
        client.detach_policy(PolicyId=policy_id, TargetId=target_id)
    except client.exceptions.PolicyNotAttachedException:
        pass


def delete_policy(client, policy_id: str) -> None:
    try:
        client.delete_policy(PolicyId=policy_id)
    except client.exceptions.PolicyNotFoundException:
        pass




# --------------------------------------------------------------------------- account lifecycle
ACTIVE = "ACTIVE"
CLOSED_STATUSES = ("PENDING_CLOSURE", "SUSPENDED")  # CloseAccount is final after 90 days
OPEN_HANDSHAKE_STATES = ("REQUESTED", "OPEN", "ACCEPTED")


def is_closed(account: dict) -> bool:
    return account.get("Status") in CLOSED_STATUSES


def tag_resource(client, resource_id: str, tags: list[dict]) -> None:
    client.tag_resource(ResourceId=resource_id, Tags=tags)


def invitations(client) -> list[dict]:
    """Every invitation handshake of the organization (any state)."""
    return _all(client, "list_handshakes_for_organization", "Handshakes", Filter={"ActionType": "INVITE"})


def invited_account_id(handshake: dict) -> str | None:
    """The account id an invitation targets, from its parties."""
    return next((p["Id"] for p in handshake.get("Parties", []) if p.get("Type") == "ACCOUNT"), None)


def invite_account(client, account_id: str, notes: str) -> dict:
    return client.invite_account_to_organization(
        Target={"Type": "ACCOUNT", "Id": account_id}, Notes=notes)["Handshake"]


def describe_handshake(client, handshake_id: str) -> dict:
    return client.describe_handshake(HandshakeId=handshake_id)["Handshake"]


def close_account(client, account_id: str) -> None:
    """CloseAccount; an account already closing or closed is left as it is (a rerun)."""
    try:
        client.close_account(AccountId=account_id)
    except client.exceptions.AccountAlreadyClosedException:
        pass
