"""Reading the stand-in as a member account or a role, for the phase 4, phase 5 and promotion e2e tests."""

from __future__ import annotations

import hashlib

import boto3

from tests.e2e.conftest import CONFIG_FILE, STATE_DIR


def external_id() -> str:
    """The stack's generated ExternalId (scripts/stack.sh writes it; tests compare, never print it)."""
    return (STATE_DIR / "secrets" / "external_id").read_text().strip()


def fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:12]


def account_ids(stack) -> dict[str, str]:
    orgs = stack.aws("organizations")
    by_email = {a["Email"]: a["Id"] for page in orgs.get_paginator("list_accounts").paginate() for a in page["Accounts"]}
    from groundwork.config.loader import load_config

    return {a.name: by_email[a.email] for a in load_config(CONFIG_FILE).organization.accounts}


def as_role(stack, role_arn: str, external_id: str | None = None, base=None) -> boto3.session.Session:
    sts = base.client("sts", endpoint_url=stack.standin_url) if base else stack.aws("sts")
    extra = {"ExternalId": external_id} if external_id else {}
    creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="e2e-test", **extra)["Credentials"]
    return boto3.session.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                                 aws_session_token=creds["SessionToken"], region_name="us-east-1")


def member(stack, account_id: str) -> boto3.session.Session:
    return as_role(stack, f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole")


def client(stack, session: boto3.session.Session, service: str, region: str | None = None):
    return session.client(service, endpoint_url=stack.standin_url, region_name=region)
