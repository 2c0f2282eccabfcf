"""AWS RAM calls: share a resource with the organization, one small function each."""

from __future__ import annotations

from groundwork.aws.common import MANAGED_TAG_LOWER, all_items


_all = all_items


def enable_sharing_with_organization(client) -> None:
    """Management account, once: lets RAM share with the organization without invitations."""
    client.enable_sharing_with_aws_organization()


def share_by_name(client, name: str) -> dict | None:
    shares = _all(client, "get_resource_shares", "resourceShares", resourceOwner="SELF", name=name)
    return next((s for s in shares if s["status"] == "ACTIVE"), None)


def associated(client, share_arn: str, association_type: str) -> set[str]:
    """ARNs associated with a share: association_type PRINCIPAL or RESOURCE."""
    found = _all(client, "get_resource_share_associations", "resourceShareAssociations",
                 associationType=association_type, resourceShareArns=[share_arn])
    return {a["associatedEntity"] for a in found if a["status"] in ("ASSOCIATED", "ASSOCIATING")}


def create_share(client, name: str, resource_arns: list[str], principals: list[str]) -> dict:
    return client.create_resource_share(name=name, resourceArns=resource_arns, principals=principals,
                                        allowExternalPrincipals=False, tags=[MANAGED_TAG_LOWER])["resourceShare"]


def associate(client, share_arn: str, resource_arns: list[str], principals: list[str]) -> None:
    kwargs = {"resourceShareArn": share_arn}
    if resource_arns:
        kwargs["resourceArns"] = resource_arns
    if principals:
        kwargs["principals"] = principals
    client.associate_resource_share(**kwargs)
