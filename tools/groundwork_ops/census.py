"""What exists in the stand-in after a soak or kill trial, read back with faults off, and which of
it is duplicated: the same account email, OU path, SCP name, trail, or the same groundwork-tagged
EC2 resource (by type and tags) more than once, or a customer KMS key left without its alias."""

from __future__ import annotations

from collections import Counter

import boto3

EC2_KINDS = {  # describe call, result key, id key
    "vpc": ("describe_vpcs", "Vpcs"),
    "subnet": ("describe_subnets", "Subnets"),
    "route-table": ("describe_route_tables", "RouteTables"),
    "internet-gateway": ("describe_internet_gateways", "InternetGateways"),
    "nat-gateway": ("describe_nat_gateways", "NatGateways"),
    "elastic-ip": ("describe_addresses", "Addresses"),
    "vpc-endpoint": ("describe_vpc_endpoints", "VpcEndpoints"),
    "transit-gateway": ("describe_transit_gateways", "TransitGateways"),
    "tgw-attachment": ("describe_transit_gateway_vpc_attachments", "TransitGatewayVpcAttachments"),
}
GONE = {"deleted", "deleting", "failed"}


def _client(endpoint: str, config, service: str, account: str | None = None):
    kwargs = dict(region_name=config.aws.home_region, endpoint_url=endpoint,
                  aws_access_key_id="testing", aws_secret_access_key="testing")
    if account:
        creds = boto3.client("sts", **kwargs).assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/{config.aws.access_role_name}", RoleSessionName="census")["Credentials"]
        kwargs.update(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                      aws_session_token=creds["SessionToken"])
    return boto3.client(service, **kwargs)


def _ec2_identity(kind: str, item: dict) -> tuple | None:
    """What makes a groundwork resource the same one: its tags, plus the service for endpoints."""
    tags = {t["Key"]: t["Value"] for t in item.get("Tags", [])}
    if tags.get("managed-by") != "groundwork" or item.get("State", item.get("Status", "")) in GONE:
        return None
    extra = (item.get("ServiceName"), item.get("VpcId")) if kind == "vpc-endpoint" else ()
    return (kind, *sorted(tags.items()), *extra)


def census(endpoint: str, config) -> dict:
    orgs = _client(endpoint, config, "organizations")
    accounts = [a for page in orgs.get_paginator("list_accounts").paginate() for a in page["Accounts"]]
    emails = Counter(a["Email"].lower() for a in accounts)
    ous, stack = Counter(), [(orgs.list_roots()["Roots"][0]["Id"], "")]
    while stack:
        parent, path = stack.pop()
        for ou in orgs.list_organizational_units_for_parent(ParentId=parent)["OrganizationalUnits"]:
            ous[f"{path}{ou['Name']}"] += 1
            stack.append((ou["Id"], f"{path}{ou['Name']}/"))
    scps = Counter(p["Name"] for p in orgs.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"])
    ids = {a["Email"].lower(): a["Id"] for a in accounts}
    ec2_found, keys_without_alias = Counter(), {}
    for account in config.organization.accounts:
        if account.email not in ids:
            continue
        ec2 = _client(endpoint, config, "ec2", ids[account.email])
        for kind, (call, key) in EC2_KINDS.items():
            for item in getattr(ec2, call)()[key]:
                if identity := _ec2_identity(kind, item):
                    ec2_found[(account.name, *identity)] += 1
        kms = _client(endpoint, config, "kms", ids[account.email])
        aliased = {a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
        customer = [k["KeyId"] for k in kms.list_keys()["Keys"]
                    if kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyManager"] == "CUSTOMER"]
        keys_without_alias[account.name] = len([k for k in customer if k not in aliased])
    trails = Counter(t["Name"] for t in _client(endpoint, config, "cloudtrail").describe_trails()["trailList"])
    return {"accounts": len(accounts), "accounts_per_email": dict(emails), "ous": dict(ous), "scps": dict(scps),
            "ec2_resources": sum(ec2_found.values()),
            "ec2_duplicates": {" ".join(map(str, k)): n for k, n in ec2_found.items() if n > 1},
            "keys_without_alias": keys_without_alias, "trails": dict(trails)}


def duplicates(found: dict) -> list[str]:
    out = [f"account {e} x{n}" for e, n in found["accounts_per_email"].items() if n > 1]
    out += [f"OU {o} x{n}" for o, n in found["ous"].items() if n > 1]
    out += [f"SCP {s} x{n}" for s, n in found["scps"].items() if n > 1]
    out += [f"{k} x{n}" for k, n in found["ec2_duplicates"].items()]
    out += [f"{a}: {n} customer key(s) without alias" for a, n in found["keys_without_alias"].items() if n]
    out += [f"trail {t} x{n}" for t, n in found["trails"].items() if n > 1]
    return out
