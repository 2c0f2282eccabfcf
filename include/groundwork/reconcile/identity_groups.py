"""Groups in the identity store.

With `identity_source: identity_center` groundwork creates the configured groups. With an external
IdP (Okta, Azure AD, Google Workspace) the IdP provisions users and groups over SCIM: groundwork
only looks them up, and a missing group is an error naming the IdP, never a group made here (SCIM
would not own it). Groups are never deleted: they hold people; removing a group from the config
removes its assignments.
"""

from __future__ import annotations

from groundwork.aws import identitystore
from groundwork.plan.model import Change, Refused, approved_pending

KIND = "group"
IDP_NAMES = {"okta": "Okta", "azure_ad": "Azure AD (Microsoft Entra ID)", "google_workspace": "Google Workspace"}


class MissingGroups(Refused):
    pass


def external_idp(config) -> str | None:
    source = config.identity.identity_source
    return None if source == "identity_center" else IDP_NAMES[source]


def read_groups(client, store_id: str, config) -> dict[str, str | None]:
    """Configured group name -> its id in the identity store, or None."""
    return {g.name: identitystore.group_id(client, store_id, g.name) for g in config.identity.groups}


def read_descriptions(client, store_id: str, config, found: dict[str, str | None]) -> dict[str, str]:
    """Descriptions of the groups groundwork manages (identity_center source only; an IdP owns its own)."""
    if external_idp(config):
        return {}
    return {name: identitystore.group_description(client, store_id, gid) for name, gid in found.items() if gid}


def plan_groups(config, found: dict[str, str | None], descriptions: dict[str, str] | None = None) -> list[Change]:
    idp = external_idp(config)
    if idp:
        missing = [name for name, group_id in found.items() if group_id is None]
        if missing:
            raise MissingGroups(
                f"groups {missing} are not in the IAM Identity Center identity store. identity_source is "
                f"{config.identity.identity_source}: {idp} provisions groups over SCIM, so groundwork looks them up "
                f"and never creates them. Create or push these groups in {idp} (SCIM provisioning) and run again, "
                "or fix the names in identity.groups."
            )
        return [Change("noop", KIND, name, {"source": idp}, {"source": idp}) for name in found]
    changes = []
    for group in config.identity.groups:
        after = {"source": "identity_center", "description": group.description}
        if found.get(group.name) is None:
            changes.append(Change("create", KIND, group.name, None, after))
        else:
            before = {"source": "identity_center", "description": (descriptions or {}).get(group.name, group.description)}
            changes.append(Change.between(KIND, group.name, before, after))
    return changes


def apply_groups(client, store_id: str, config, approved: set[str]) -> tuple[list[Change], dict[str, str]]:
    """Create the missing groups and update changed descriptions (identity_center source only);
    returns what was done and every id."""
    found = read_groups(client, store_id, config)
    done = []
    for change in approved_pending(plan_groups(config, found, read_descriptions(client, store_id, config, found)), approved):
        if change.action == "create":
            found[change.key] = identitystore.create_group(client, store_id, change.key, change.after["description"])
        else:
            identitystore.update_group_description(client, store_id, found[change.key], change.after["description"])
        done.append(change)
    return done, {name: group_id for name, group_id in found.items() if group_id}
