"""Tag policies: the document must follow the tag policy syntax (MalformedPolicyDocumentException
otherwise), attaching needs TAG_POLICY enabled in the root, and disabling the type detaches its
policies. moto 5.2.5 accepted any content and attached regardless. Also checked (moto already right):
ListPoliciesForTarget with Filter TAG_POLICY, account tags from CreateAccount."""

import json

import boto3
import pytest
from moto import mock_aws

from groundwork_standin.extensions import install_all

GOOD = {"tags": {
    "costcenter": {"tag_key": {"@@assign": "CostCenter", "@@operators_allowed_for_child_policies": ["@@none"]},
                   "tag_value": {"@@assign": ["100", "200"]},
                   "enforced_for": {"@@assign": ["ec2:instance", "secretsmanager:*"]}},
    "owner": {"tag_key": {"@@assign": "Owner"}, "report_required_tag_for": {"@@assign": ["ec2:ALL_SUPPORTED"]}},
}}


@pytest.fixture
def orgs():
    install_all([".organizations_tag_policies"])
    with mock_aws():
        client = boto3.client("organizations", region_name="us-east-1")
        client.create_organization(FeatureSet="ALL")
        yield client, client.list_roots()["Roots"][0]["Id"]


def _create(client, name, content):
    return client.create_policy(Name=name, Description="tags", Type="TAG_POLICY",
                                Content=content if isinstance(content, str) else json.dumps(content))


@pytest.mark.parametrize("content", [
    "{not json",
    {"Version": "2012-10-17", "Statement": []},  # an SCP
    {"tags": []},
    {"tags": {"costcenter": {"tag_key": {"@@assign": "Owner"}}}},  # key differs from the policy key
    {"tags": {"costcenter": {"tag_key": {"@@assign": ["CostCenter"]}}}},
    {"tags": {"costcenter": {"tag_value": {"@@assign": "100"}}}},
    {"tags": {"costcenter": {"tag_value": {"@@replace": ["100"]}}}},
    {"tags": {"costcenter": {"enforced_for": {"@@assign": ["instances"]}}}},
    {"tags": {"costcenter": {"colour": {"@@assign": ["red"]}}}},
    {"tags": {"costcenter": {"tag_key": {"@@assign": "CostCenter",
                                         "@@operators_allowed_for_child_policies": ["@@everything"]}}}},
])
def test_malformed_tag_policies_are_refused(orgs, content):
    client, _ = orgs
    with pytest.raises(client.exceptions.MalformedPolicyDocumentException):
        _create(client, "bad", content)
    assert client.list_policies(Filter="TAG_POLICY")["Policies"] == []


def test_a_tag_policy_attaches_once_the_type_is_enabled(orgs):
    client, root = orgs
    policy = _create(client, "cost-tags", GOOD)["Policy"]["PolicySummary"]["Id"]
    with pytest.raises(client.exceptions.PolicyTypeNotEnabledException):
        client.attach_policy(PolicyId=policy, TargetId=root)
    client.enable_policy_type(RootId=root, PolicyType="TAG_POLICY")
    client.attach_policy(PolicyId=policy, TargetId=root)
    found = client.list_policies_for_target(TargetId=root, Filter="TAG_POLICY")["Policies"]
    assert [(p["Id"], p["Type"]) for p in found] == [(policy, "TAG_POLICY")]
    scps = client.list_policies_for_target(TargetId=root, Filter="SERVICE_CONTROL_POLICY")["Policies"]
    assert [p["Name"] for p in scps] == ["FullAWSAccess"]
    with pytest.raises(client.exceptions.MalformedPolicyDocumentException):
        client.update_policy(PolicyId=policy, Content=json.dumps({"Version": "2012-10-17", "Statement": []}))
    client.update_policy(PolicyId=policy, Content=json.dumps({"tags": {"owner": {"tag_key": {"@@assign": "Owner"}}}}))
    client.disable_policy_type(RootId=root, PolicyType="TAG_POLICY")
    assert client.list_policies_for_target(TargetId=root, Filter="TAG_POLICY")["Policies"] == []
    assert client.list_targets_for_policy(PolicyId=policy)["Targets"] == []
    assert [p["Id"] for p in client.list_policies(Filter="TAG_POLICY")["Policies"]] == [policy]  # kept


def test_account_tags_from_create_account(orgs):
    client, _ = orgs
    account = client.create_account(AccountName="tagged", Email="tagged@example.com",
                                    Tags=[{"Key": "CostCenter", "Value": "100"}])["CreateAccountStatus"]["AccountId"]
    assert client.list_tags_for_resource(ResourceId=account)["Tags"] == [{"Key": "CostCenter", "Value": "100"}]
