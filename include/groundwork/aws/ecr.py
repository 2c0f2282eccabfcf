"""ECR repository calls, one small function each; 'not found' is None."""

from __future__ import annotations

from groundwork.aws.common import MANAGED_TAG

from groundwork.policy.documents import canonical


def repository(client, name: str) -> dict | None:
    try:
        return client.describe_repositories(repositoryNames=[name])["repositories"][0]
    except client.exceptions.RepositoryNotFoundException:
        return None


def repository_policy(client, name: str) -> str | None:
    try:
        return client.get_repository_policy(repositoryName=name)["policyText"]
    except client.exceptions.RepositoryPolicyNotFoundException:
        return None


def create_repository(client, name: str, immutable: bool, scan_on_push: bool) -> dict:
    return client.create_repository(
        repositoryName=name,
        imageTagMutability="IMMUTABLE" if immutable else "MUTABLE",
        imageScanningConfiguration={"scanOnPush": scan_on_push},
        tags=[MANAGED_TAG],
    )["repository"]


def put_tag_mutability(client, name: str, immutable: bool) -> None:
    client.put_image_tag_mutability(repositoryName=name, imageTagMutability="IMMUTABLE" if immutable else "MUTABLE")


def put_scan_on_push(client, name: str, scan_on_push: bool) -> None:
    client.put_image_scanning_configuration(repositoryName=name, imageScanningConfiguration={"scanOnPush": scan_on_push})


def set_repository_policy(client, name: str, document: dict | str) -> None:
    client.set_repository_policy(repositoryName=name, policyText=canonical(document))
