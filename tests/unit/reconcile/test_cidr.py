"""The CIDR plan: deterministic, explicit blocks kept, existing VPCs never moved, overlaps with
what is already in AWS refused, and a capacity line."""

import pytest

from groundwork.reconcile.cidr import CidrConflict, ForeignVpc, plan_cidrs, subnet_blocks

ACCOUNTS = [("Production", "10.0.0.0/16"), ("Staging", "10.1.0.0/16"), ("Log Archive", None), ("Audit", None)]


def test_allocation_is_deterministic_and_skips_explicit_blocks():
    first = plan_cidrs(ACCOUNTS, {}, [])
    assert first.blocks == {"Production": "10.0.0.0/16", "Staging": "10.1.0.0/16",
                            "Log Archive": "10.2.0.0/16", "Audit": "10.3.0.0/16"}
    assert first.sources["Production"] == "config" and first.sources["Audit"] == "allocated"
    assert plan_cidrs(ACCOUNTS, {}, []) == first


def test_adding_an_account_never_moves_another():
    before = plan_cidrs(ACCOUNTS, {}, []).blocks
    # anywhere in the list, once the others exist in AWS
    grown = [("New", None)] + ACCOUNTS + [("Newer", None), ("Pinned", "10.9.0.0/16")]
    after = plan_cidrs(grown, existing=before, foreign=[]).blocks
    assert {k: after[k] for k in before} == before
    assert after["New"] == "10.4.0.0/16" and after["Newer"] == "10.5.0.0/16" and after["Pinned"] == "10.9.0.0/16"
    # appended, before anything exists
    appended = plan_cidrs(ACCOUNTS + [("New", None)], {}, []).blocks
    assert {k: appended[k] for k in before} == before


def test_an_existing_vpc_keeps_its_cidr():
    plan = plan_cidrs(ACCOUNTS, existing={"Log Archive": "10.7.0.0/16"}, foreign=[])
    assert plan.blocks["Log Archive"] == "10.7.0.0/16" and plan.sources["Log Archive"] == "aws"
    assert plan.blocks["Audit"] == "10.2.0.0/16"


def test_allocation_avoids_vpcs_already_in_aws():
    plan = plan_cidrs(ACCOUNTS, {}, [ForeignVpc("111111111111", "vpc-1", "10.2.0.0/16"),
                                     ForeignVpc("111111111111", "vpc-default", "172.31.0.0/16")])
    assert plan.blocks["Log Archive"] == "10.3.0.0/16" and plan.blocks["Audit"] == "10.4.0.0/16"


def test_overlap_with_an_existing_aws_vpc_is_an_error():
    with pytest.raises(CidrConflict, match=r"'Staging' 10.1.0.0/16 overlaps vpc-9 \(10.1.128.0/20\) in account 222222222222"):
        plan_cidrs(ACCOUNTS, {}, [ForeignVpc("222222222222", "vpc-9", "10.1.128.0/20")])


def test_a_changed_explicit_cidr_of_an_existing_vpc_is_an_error():
    with pytest.raises(CidrConflict, match="a VPC's CIDR cannot change"):
        plan_cidrs(ACCOUNTS, existing={"Production": "10.50.0.0/16"}, foreign=[])


def test_overlapping_config_blocks_are_an_error():
    with pytest.raises(CidrConflict, match="overlaps account"):
        plan_cidrs([("A", "10.0.0.0/16"), ("B", "10.0.128.0/17")], {}, [])


def test_capacity_line_counts_used_and_free_blocks():
    plan = plan_cidrs(ACCOUNTS, {}, [ForeignVpc("1", "vpc-1", "10.200.4.0/24"), ForeignVpc("1", "vpc-d", "172.31.0.0/16")])
    assert plan.capacity() == (5, 251, 256)
    assert plan.capacity_line() == "CIDR capacity in 10.0.0.0/8: 5 of 256 /16 blocks used, 251 free"


def test_the_supernet_can_run_out():
    with pytest.raises(CidrConflict, match="no free /17 left in 10.0.0.0/16"):
        plan_cidrs([("A", None), ("B", None), ("C", None)], {}, [], supernet="10.0.0.0/16", prefix=17)


def test_subnets_are_carved_in_order():
    assert subnet_blocks("10.1.0.0/16", 3) == ["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/20"]
