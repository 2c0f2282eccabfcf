"""The stand-in pages ListCreateAccountStatus the way AWS does (moto 5.2.5 repeats a token)."""

import boto3
from moto import mock_aws

from groundwork_standin.extensions import install_all


def test_every_create_account_request_is_listed_once_across_pages():
    install_all([".organizations_pagination"])
    with mock_aws():
        client = boto3.client("organizations", region_name="us-east-1")
        client.create_organization(FeatureSet="ALL")
        for i in range(130):
            client.create_account(AccountName=f"a{i}", Email=f"a{i}@example.com")
        seen = []
        for page in client.get_paginator("list_create_account_status").paginate(
            States=["SUCCEEDED"], PaginationConfig={"PageSize": 20}
        ):
            seen += [s["AccountName"] for s in page["CreateAccountStatuses"]]
        created = [name for name in seen if name != "master"]  # moto lists the management account too
        assert sorted(created) == sorted(f"a{i}" for i in range(130))
        assert len(seen) == len(set(seen))
