"""The organization's IAM Identity Center instance: found, never created.

AWS requires a one-time console step to enable IAM Identity Center for an organization; there is
no API for it. Without an instance, phase 2 stops before anything else with that step spelled out
(and never falls back to IAM users).
"""

from __future__ import annotations

from groundwork.plan.model import Refused

from dataclasses import dataclass

from groundwork.aws import identity_center


class IdentityCenterNotEnabled(Refused):
    pass


@dataclass(frozen=True)
class Instance:
    arn: str
    identity_store_id: str


def enable_step(region: str) -> str:
    return (
        f"IAM Identity Center is not enabled for this organization in {region}. AWS requires a one-time "
        "step in the console: sign in to the management account, open IAM Identity Center "
        f"(https://{region}.console.aws.amazon.com/singlesignon/home?region={region}), choose Enable and "
        "enable it with AWS Organizations (an organization instance). Then run phase2_identity again. "
        "groundwork never creates IAM users instead."
    )


def find_instance(client, region: str) -> Instance:
    active = [i for i in identity_center.instances(client) if i.get("Status", "ACTIVE") == "ACTIVE"]
    if not active:
        raise IdentityCenterNotEnabled(enable_step(region))
    return Instance(active[0]["InstanceArn"], active[0]["IdentityStoreId"])
