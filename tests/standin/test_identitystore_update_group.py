"""UpdateGroup changes a group's description (or name) as AWS does; moto lacked the call."""

import boto3
import pytest
from moto import mock_aws

from groundwork_standin.extensions import install_all


@pytest.fixture
def store():
    install_all([".identitystore_update_group"])
    with mock_aws():
        sso = boto3.client("sso-admin", region_name="us-east-1")
        store_id = sso.list_instances()["Instances"][0]["IdentityStoreId"]
        yield boto3.client("identitystore", region_name="us-east-1"), store_id


def test_a_description_is_updated(store):
    client, store_id = store
    group = client.create_group(IdentityStoreId=store_id, DisplayName="Platform", Description="old")["GroupId"]
    client.update_group(IdentityStoreId=store_id, GroupId=group,
                        Operations=[{"AttributePath": "description", "AttributeValue": "new"}])
    found = client.describe_group(IdentityStoreId=store_id, GroupId=group)
    assert (found["DisplayName"], found["Description"]) == ("Platform", "new")


def test_an_unknown_group_or_attribute_is_refused(store):
    client, store_id = store
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.update_group(IdentityStoreId=store_id, GroupId="nope",
                            Operations=[{"AttributePath": "description", "AttributeValue": "x"}])
    group = client.create_group(IdentityStoreId=store_id, DisplayName="Ops")["GroupId"]
    with pytest.raises(client.exceptions.ValidationException):
        client.update_group(IdentityStoreId=store_id, GroupId=group,
                            Operations=[{"AttributePath": "emails", "AttributeValue": "x"}])
