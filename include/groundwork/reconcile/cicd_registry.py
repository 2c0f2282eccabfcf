"""The container registry in Shared Services: an ECR repository with immutable tags (promotion,
not rebuilds: a tag never points at a different image), scan on push, and a repository policy that
lets the environments' deployment roles pull."""

from __future__ import annotations

from dataclasses import dataclass

from groundwork.aws import ecr
from groundwork.plan.model import Change, to_apply
from groundwork.policy.documents import canonical

KIND = "ecr_repository"


@dataclass(frozen=True)
class RepositorySpec:
    account: str
    account_name: str
    name: str
    policy: dict
    production: bool = False

    @property
    def key(self) -> str:
        return f"{self.account_name}/{self.name}"


def desired(spec: RepositorySpec) -> dict:
    return {"tag_mutability": "IMMUTABLE", "scan_on_push": True, "document": canonical(spec.policy)}


def read(ctx, spec: RepositorySpec) -> dict | None:
    client = ctx.client("ecr", account_id=spec.account)
    repo = ecr.repository(client, spec.name)
    if repo is None:
        return None
    policy = ecr.repository_policy(client, spec.name)
    return {
        "tag_mutability": repo.get("imageTagMutability", "MUTABLE"),
        "scan_on_push": bool(repo.get("imageScanningConfiguration", {}).get("scanOnPush")),
        "document": canonical(policy) if policy else None,
    }


def plan_repository(ctx, spec: RepositorySpec) -> Change:
    before, after = read(ctx, spec), desired(spec)
    return Change.between(KIND, spec.key, before, after, production=spec.production)


def apply_repository(ctx, spec: RepositorySpec, approved: set[str]) -> Change | None:
    change = to_apply(plan_repository(ctx, spec), approved)
    if change is None:
        return None
    client = ctx.client("ecr", account_id=spec.account)
    before, after = change.before or {}, change.after
    if change.action == "create":
        ecr.create_repository(client, spec.name, immutable=True, scan_on_push=True)
    else:
        if before["tag_mutability"] != after["tag_mutability"]:
            ecr.put_tag_mutability(client, spec.name, immutable=True)
        if before["scan_on_push"] != after["scan_on_push"]:
            ecr.put_scan_on_push(client, spec.name, True)
    if before.get("document") != after["document"]:
        ecr.set_repository_policy(client, spec.name, spec.policy)
    return change
