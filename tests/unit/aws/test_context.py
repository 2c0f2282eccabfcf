"""AwsContext: one botocore client per service and Region serves the management account and every
member account; a member account's calls, pages and waits are signed with its own role's
credentials and recorded under its id, also from many threads at once."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from groundwork.aws.context import AwsContext, MemberClient


@pytest.fixture
def members(ctx):
    orgs = ctx.client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    return [orgs.create_account(AccountName=f"m{i}", Email=f"m{i}@example.com")["CreateAccountStatus"]["AccountId"]
            for i in range(6)]


def identity(client) -> str:
    return client.get_caller_identity()["Account"]


def test_a_member_call_acts_as_the_member_and_the_management_client_stays_the_management(ctx, members):
    management = identity(ctx.client("sts"))
    assert [identity(ctx.client("sts", account)) for account in members] == members
    assert identity(ctx.client("sts")) == management != members[0]
    assert [c.account for c in ctx.calls if c.operation == "GetCallerIdentity"] == [
        AwsContext.MANAGEMENT, *members, AwsContext.MANAGEMENT]


def test_one_botocore_client_per_service_and_region_serves_every_account(ctx, members):
    clients = [ctx.client("ec2", account) for account in members] + [ctx.client("ec2", account, "us-west-2")
                                                                   for account in members]
    assert all(isinstance(c, MemberClient) for c in clients)
    assert {id(c._shared) for c in clients} == {id(ctx.client("ec2")), id(ctx.client("ec2", region="us-west-2"))}
    assert ctx.client("ec2", members[0]) is clients[0]
    assert clients[-1].meta.region_name == "us-west-2"
    assert clients[0].exceptions is ctx.client("ec2").exceptions


def test_pages_and_waits_are_fetched_as_the_member(ctx, members):
    ec2 = ctx.client("ec2", members[1])
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ec2.get_waiter("vpc_available").wait(VpcIds=[vpc])
    paged = [v for page in ec2.get_paginator("describe_vpcs").paginate() for v in page["Vpcs"]]
    assert vpc in {v["VpcId"] for v in paged}
    assert {v["OwnerId"] for v in paged} == {members[1]}
    assert ec2.get_paginator("describe_vpcs").paginate().build_full_result()["Vpcs"] == paged
    assert vpc not in {v["VpcId"] for v in ctx.client("ec2").describe_vpcs()["Vpcs"]}
    assert vpc not in {v["VpcId"] for v in ctx.client("ec2", members[2]).describe_vpcs()["Vpcs"]}
    assert {c.account for c in ctx.calls if c.service == "ec2" and c.operation != "DescribeVpcs"} == {members[1]}


def test_threads_calling_as_different_accounts_each_get_their_own(ctx, members):
    wanted = members * 20
    with ThreadPoolExecutor(max_workers=12) as pool:
        found = list(pool.map(lambda account: identity(ctx.client("sts", account)), wanted))
    assert found == wanted
    recorded = [c.account for c in ctx.calls if c.operation == "GetCallerIdentity"]
    assert sorted(recorded) == sorted(wanted)


def test_an_error_in_a_member_call_leaves_the_next_management_call_as_the_management(ctx, members):
    s3 = ctx.client("s3", members[0])
    with pytest.raises(s3.exceptions.NoSuchBucket):
        s3.get_bucket_policy(Bucket="no-such-bucket-anywhere")
    assert identity(ctx.client("sts")) != members[0]
    assert AwsContext.calling_account() == AwsContext.MANAGEMENT


def test_a_presigned_url_is_refused_for_a_member_rather_than_signed_as_the_management(ctx, members):
    with pytest.raises(AttributeError, match="management account's credentials"):
        ctx.client("s3", members[0]).generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"})
    assert ctx.client("s3").generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"})
