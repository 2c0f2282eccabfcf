"""CI/CD environments that are gone: an account no configured environment deploys to keeps no
deployment role and no CloudFormation service role.

When an environment leaves the config (its account retired, or the team's layout changed), the
DeploymentRole groundwork made in that account (tagged managed-by=groundwork) is deleted, so the
pipeline can deploy nothing there any more, and so is the CloudFormation service role the stack was
deployed through (the deployed stack itself is kept, like the key and bucket below: removing what
runs is a person's decision); the artifact store's policies stop naming the deployment role through
the normal plan. The environment's key and deployment bucket are kept: they hold what was deployed,
a record a person deletes after review. A role without groundwork's tag is never touched, and a
closed account cannot be reached (its roles go with it).
"""

from __future__ import annotations

from groundwork.aws import iam
from groundwork.aws.common import is_managed
from groundwork.plan.model import Change, approved_pending

KIND = "iam_role"
NOTE = "no CI/CD environment deploys to this account any more: nothing can deploy here"


def role_names(cicd) -> tuple[str, ...]:
    """The roles groundwork makes in every deployment target, in the order they are removed: the deployment
    role first (nothing can deploy any more), then the CloudFormation role it passed."""
    return cicd.deployment_role_name, cicd.cloudformation_role_name


def plan_account(account, role_name: str, role: dict | None, tags: dict[str, str]) -> list[Change]:
    if role is None or not is_managed(tags):
        return []
    before = {"account": account.name, "role": role_name, "arn": role["Arn"]}
    return [Change("delete", KIND, f"{account.name}/{role_name}", before, None, production=account.is_production,
                   note=NOTE)]


def read_account(client, role_name: str) -> tuple[dict | None, dict[str, str]]:
    role = iam.get_role(client, role_name)
    return role, (iam.role_tags(client, role_name) if role else {})


def apply_account(client, account, role_name: str, approved: set[str]) -> list[Change]:
    done = []
    for change in approved_pending(plan_account(account, role_name, *read_account(client, role_name)), approved):
        iam.delete_role(client, role_name)
        done.append(change)
    return done
