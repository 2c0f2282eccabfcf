"""IAM calls (roles; account hygiene for preflight), one small function each; 'not found' is None."""

from __future__ import annotations

from groundwork.aws.common import MANAGED_TAG, all_items

from groundwork.policy.documents import canonical


def get_role(client, name: str) -> dict | None:
    try:
        return client.get_role(RoleName=name)["Role"]
    except client.exceptions.NoSuchEntityException:
        return None


def role_policy(client, role: str, policy_name: str) -> dict | None:
    try:
        return client.get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"]
    except client.exceptions.NoSuchEntityException:
        return None


def create_role(client, name: str, trust: dict | str, description: str) -> dict:
    return client.create_role(
        RoleName=name, AssumeRolePolicyDocument=canonical(trust), Description=description,
        MaxSessionDuration=3600, Tags=[MANAGED_TAG],
    )["Role"]


def update_trust(client, name: str, trust: dict | str) -> None:
    client.update_assume_role_policy(RoleName=name, PolicyDocument=canonical(trust))


def put_role_policy(client, role: str, policy_name: str, document: dict | str) -> None:
    client.put_role_policy(RoleName=role, PolicyName=policy_name, PolicyDocument=canonical(document))


def role_tags(client, name: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in client.list_role_tags(RoleName=name).get("Tags", [])}


def delete_role(client, name: str) -> None:
    """Its inline policies first (IAM refuses to delete a role that has any); gone already is fine."""
    try:
        for policy in client.list_role_policies(RoleName=name)["PolicyNames"]:
            client.delete_role_policy(RoleName=name, PolicyName=policy)
        client.delete_role(RoleName=name)
    except client.exceptions.NoSuchEntityException:
        pass


# --------------------------------------------------------------------------- account hygiene (preflight)
PASSWORD_POLICY_KEYS = (  # what UpdateAccountPasswordPolicy takes (GetAccountPasswordPolicy adds ExpirePasswords)
    "MinimumPasswordLength", "RequireSymbols", "RequireNumbers", "RequireUppercaseCharacters",
    "RequireLowercaseCharacters", "AllowUsersToChangePassword", "MaxPasswordAge", "PasswordReusePrevention",
    "HardExpiry",
)


def account_summary(client) -> dict[str, int]:
    """GetAccountSummary's SummaryMap: AccountMFAEnabled, AccountAccessKeysPresent (the root user), Users..."""
    return client.get_account_summary()["SummaryMap"]


def users(client) -> list[dict]:
    return all_items(client, "list_users", "Users")


def login_profile(client, user: str) -> dict | None:
    """The user's console password (its login profile), or None when the user has none."""
    try:
        return client.get_login_profile(UserName=user)["LoginProfile"]
    except client.exceptions.NoSuchEntityException:
        return None


def access_keys(client, user: str) -> list[dict]:
    """The user's access keys (Active and Inactive), each with AccessKeyId and Status."""
    return all_items(client, "list_access_keys", "AccessKeyMetadata", UserName=user)


def password_policy(client) -> dict | None:
    """The account's password policy, or None when the account has none (AWS: NoSuchEntity)."""
    try:
        return client.get_account_password_policy()["PasswordPolicy"]
    except client.exceptions.NoSuchEntityException:
        return None


UNSET_WHEN_ZERO = ("MaxPasswordAge", "PasswordReusePrevention")  # 1 at least; 0 (as moto reads back) means not set


def update_password_policy(client, policy: dict) -> None:
    """Set the account's password policy; keys UpdateAccountPasswordPolicy does not take (ExpirePasswords,
    which GetAccountPasswordPolicy reports) and zeros meaning "not set" are left out, so a policy read
    back can be written as is."""
    client.update_account_password_policy(**{
        k: v for k, v in policy.items() if k in PASSWORD_POLICY_KEYS and not (k in UNSET_WHEN_ZERO and not v)
    })
