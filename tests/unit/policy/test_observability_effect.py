"""What phase 4's documents do, proven by policy evaluation (moto enforces none of them):

* the phase-1 `protect_log_archive` SCP on the Security OU over phase 4's actual bucket names: root
  and the access role are denied every deletion and every change to policy, lock, lifecycle,
  replication (primary, Config and replica buckets alike); the break-glass role is not;
* the log key policy admits only the writers (the organization trail, Config of this organization,
  replication) and the security readers; only break-glass administers it;
* the bucket policies admit the trail and Config delivery only as scoped, and refuse plain HTTP;
* the break-glass role is assumable from the management account only.
Each table is also run against deliberately broken copies, which must flip a row.
"""

from __future__ import annotations

import copy

import pytest

from groundwork.config.loader import load_config
from groundwork.policy import observability as docs
from groundwork.policy.evaluate import FULL_AWS_ACCESS, is_allowed, is_denied
from groundwork.policy.guardrails import render_scp
from groundwork.policy.observability import ObservabilityTopology

from tests.conftest import ROOT

MGMT, LA, AUDIT, PROD, ORG = "999999999999", "111111111111", "222222222222", "333333333333", "o-abc123"
ROOT_LA = f"arn:aws:iam::{LA}:root"
ACCESS_LA = f"arn:aws:iam::{LA}:role/OrganizationAccountAccessRole"
ACCESS_LA_SESSION = f"arn:aws:sts::{LA}:assumed-role/OrganizationAccountAccessRole/groundwork"
BREAK_GLASS = f"arn:aws:iam::{LA}:role/BreakGlassRole"
READER = f"arn:aws:iam::{AUDIT}:role/LogReader"
PROD_ADMIN = f"arn:aws:iam::{PROD}:role/OrganizationAccountAccessRole"
REPLICATION = f"arn:aws:iam::{LA}:role/{docs.REPLICATION_ROLE}"


@pytest.fixture(scope="module")
def config():
    return load_config(ROOT / "config" / "foundation.yaml")


@pytest.fixture(scope="module")
def t(config) -> ObservabilityTopology:
    ids = {a.name: {"Log Archive": LA, "Audit": AUDIT}.get(a.name, PROD) for a in config.organization.accounts}
    return ObservabilityTopology.from_config(config, MGMT, ORG, ids, {})


def _scp(config) -> dict:
    scp = next(s for s in config.organization.service_control_policies if "protect_log_archive" in s.builtins)
    assert "Security" in scp.targets
    return render_scp(scp, config)


# --------------------------------------------------------------------------- the SCP on the Security OU
PROTECTED = ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:DeleteBucket", "s3:PutBucketPolicy",
             "s3:DeleteBucketPolicy", "s3:PutBucketObjectLockConfiguration", "s3:PutLifecycleConfiguration",
             "s3:PutReplicationConfiguration", "s3:PutBucketVersioning", "s3:PutEncryptionConfiguration",
             "s3:BypassGovernanceRetention"]


def _resources(t, action):
    buckets = [t.trail_bucket(t.region), t.trail_bucket(t.replica_region), t.config_bucket(t.region),
               t.config_bucket(t.replica_region)]
    if action in ("s3:DeleteObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"):
        return [f"arn:aws:s3:::{b}/AWSLogs/{ORG}/CloudTrail/x.json.gz" for b in buckets]
    return [f"arn:aws:s3:::{b}" for b in buckets]


@pytest.mark.parametrize("action", PROTECTED)
@pytest.mark.parametrize("principal", [ROOT_LA, ACCESS_LA, ACCESS_LA_SESSION])
def test_root_and_the_access_role_cannot_delete_or_loosen_the_log_archive(config, t, action, principal):
    scps = [FULL_AWS_ACCESS, _scp(config)]
    for resource in _resources(t, action):
        assert is_denied(scps, action, resource, {"aws:PrincipalArn": principal}) == (True, "ProtectLogArchive")


@pytest.mark.parametrize("action", PROTECTED)
def test_break_glass_is_exempt(config, t, action):
    scps = [FULL_AWS_ACCESS, _scp(config)]
    for resource in _resources(t, action):
        assert is_allowed(scps, action, resource, {"aws:PrincipalArn": BREAK_GLASS})


def test_the_automation_needs_nothing_else_denied(config, t):
    """What the access role does itself in the Log Archive account stays allowed by the SCP."""
    scps = [FULL_AWS_ACCESS, _scp(config)]
    context = {"aws:PrincipalArn": ACCESS_LA}
    for action in ("s3:CreateBucket", "s3:PutBucketTagging", "s3:GetBucketPolicy", "s3:GetObjectLockConfiguration"):
        assert is_allowed(scps, action, f"arn:aws:s3:::{t.trail_bucket(t.region)}", context), action


def test_a_broken_exemption_is_caught(config, t):
    broken = copy.deepcopy(_scp(config))
    broken["Statement"][0]["Condition"]["ArnNotLike"]["aws:PrincipalArn"] = ["arn:aws:iam::*:role/*"]
    resource = f"arn:aws:s3:::{t.trail_bucket(t.region)}"
    assert not is_denied([broken], "s3:PutBucketPolicy", resource, {"aws:PrincipalArn": ACCESS_LA})[0]


# --------------------------------------------------------------------------- the log key
def _service(name, **extra):
    return {"aws:PrincipalServiceName": name, **extra}


KEY_ROWS = [
    # (context, action, allowed)
    (_service(docs.CLOUDTRAIL, **{"aws:SourceArn": f"arn:aws:cloudtrail:us-east-1:{MGMT}:trail/organization-trail"}),
     "kms:GenerateDataKey", True),
    (_service(docs.CLOUDTRAIL, **{"aws:SourceArn": f"arn:aws:cloudtrail:us-east-1:{PROD}:trail/rogue"}),
     "kms:GenerateDataKey", False),
    (_service(docs.CLOUDTRAIL, **{"aws:SourceArn": f"arn:aws:cloudtrail:us-east-1:{MGMT}:trail/organization-trail"}),
     "kms:Decrypt", False),
    (_service(docs.CONFIG, **{"aws:SourceOrgID": ORG}), "kms:GenerateDataKey", True),
    (_service(docs.CONFIG, **{"aws:SourceOrgID": "o-other"}), "kms:GenerateDataKey", False),
    (_service("s3.amazonaws.com"), "kms:Decrypt", False),
    ({"aws:PrincipalArn": READER}, "kms:Decrypt", True),
    ({"aws:PrincipalArn": READER}, "kms:ScheduleKeyDeletion", False),
    ({"aws:PrincipalArn": REPLICATION}, "kms:Encrypt", True),
    ({"aws:PrincipalArn": BREAK_GLASS}, "kms:ScheduleKeyDeletion", True),
    ({"aws:PrincipalArn": BREAK_GLASS}, "kms:PutKeyPolicy", True),
    ({"aws:PrincipalArn": ROOT_LA}, "kms:Decrypt", False),
    ({"aws:PrincipalArn": ACCESS_LA}, "kms:Decrypt", False),
    ({"aws:PrincipalArn": ACCESS_LA}, "kms:ScheduleKeyDeletion", False),
    ({"aws:PrincipalArn": PROD_ADMIN}, "kms:Decrypt", False),
    ({"aws:PrincipalArn": f"arn:aws:iam::{AUDIT}:role/SomeoneElse"}, "kms:Decrypt", False),
]


@pytest.mark.parametrize(("context", "action", "allowed"), KEY_ROWS)
def test_log_key_admits_only_writers_and_security_readers(t, context, action, allowed):
    assert is_allowed([docs.log_key_policy(t)], action, "*", context) is allowed


def test_a_key_policy_delegating_to_the_account_is_caught(t):
    broken = copy.deepcopy(docs.log_key_policy(t))
    broken["Statement"].append({"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": ROOT_LA}, "Action": "kms:*",
                                "Resource": "*"})
    assert is_allowed([broken], "kms:Decrypt", "*", {"aws:PrincipalArn": ACCESS_LA})


# --------------------------------------------------------------------------- the bucket policies
def test_trail_bucket_admits_the_organization_trail_only_as_scoped(t):
    policy = [docs.trail_bucket_policy(t, t.region)]
    bucket = t.trail_bucket(t.region)
    trail = {"aws:SourceArn": t.trail_arn, "aws:SecureTransport": "true"}
    write = _service(docs.CLOUDTRAIL, **trail, **{"s3:x-amz-acl": "bucket-owner-full-control"})
    assert is_allowed(policy, "s3:PutObject", f"arn:aws:s3:::{bucket}/AWSLogs/{ORG}/CloudTrail/x", write)
    assert is_allowed(policy, "s3:PutObject", f"arn:aws:s3:::{bucket}/AWSLogs/{MGMT}/CloudTrail/x", write)
    assert is_allowed(policy, "s3:GetBucketAcl", f"arn:aws:s3:::{bucket}", _service(docs.CLOUDTRAIL, **trail))
    assert not is_allowed(policy, "s3:PutObject", f"arn:aws:s3:::{bucket}/AWSLogs/{ORG}/x",
                          _service(docs.CLOUDTRAIL, **trail))  # without bucket-owner-full-control
    assert not is_allowed(policy, "s3:PutObject", f"arn:aws:s3:::{bucket}/elsewhere/x", write)
    rogue = _service(docs.CLOUDTRAIL, **{**trail, "aws:SourceArn": f"arn:aws:cloudtrail:us-east-1:{PROD}:trail/x"},
                     **{"s3:x-amz-acl": "bucket-owner-full-control"})
    assert not is_allowed(policy, "s3:PutObject", f"arn:aws:s3:::{bucket}/AWSLogs/{ORG}/x", rogue)
    assert not is_allowed(policy, "s3:PutObject", f"arn:aws:s3:::{bucket}/AWSLogs/{ORG}/x",
                          _service(docs.CONFIG, **{"aws:SourceOrgID": ORG, "s3:x-amz-acl": "bucket-owner-full-control"}))


def test_config_bucket_admits_config_delivery_of_this_organization(t):
    policy = [docs.config_bucket_policy(t, t.region)]
    bucket = t.config_bucket(t.region)
    delivery = _service(docs.CONFIG, **{"aws:SourceOrgID": ORG, "s3:x-amz-acl": "bucket-owner-full-control",
                                        "aws:SecureTransport": "true"})
    assert is_allowed(policy, "s3:PutObject", f"arn:aws:s3:::{bucket}/AWSLogs/{PROD}/Config/us-west-2/x", delivery)
    assert is_allowed(policy, "s3:ListBucket", f"arn:aws:s3:::{bucket}", delivery)
    assert not is_allowed(policy, "s3:PutObject", f"arn:aws:s3:::{bucket}/AWSLogs/{PROD}/Config/x",
                          {**delivery, "aws:SourceOrgID": "o-other"})


def test_readers_read_over_tls_only_and_nobody_else_is_granted(t):
    for policy, bucket in ((docs.trail_bucket_policy(t, t.replica_region), t.trail_bucket(t.replica_region)),
                           (docs.config_bucket_policy(t, t.region), t.config_bucket(t.region))):
        obj = f"arn:aws:s3:::{bucket}/AWSLogs/x"
        assert is_allowed([policy], "s3:GetObject", obj, {"aws:PrincipalArn": READER, "aws:SecureTransport": "true"})
        assert is_denied([policy], "s3:GetObject", obj, {"aws:PrincipalArn": READER, "aws:SecureTransport": "false"}) \
            == (True, "DenyInsecureTransport")
        assert not is_allowed([policy], "s3:GetObject", obj,
                              {"aws:PrincipalArn": PROD_ADMIN, "aws:SecureTransport": "true"})
        assert not is_allowed([policy], "s3:PutObject", obj, {"aws:PrincipalArn": READER, "aws:SecureTransport": "true"})


def test_replica_buckets_admit_no_writer_but_replication(t):
    policy = docs.trail_bucket_policy(t, t.replica_region)
    assert {s["Sid"] for s in policy["Statement"]} == {"DenyInsecureTransport", "SecurityReadersRead"}


# --------------------------------------------------------------------------- roles
def test_break_glass_is_assumable_by_the_orchestrator_and_by_people_with_mfa_only(t):
    trust = [docs.break_glass_trust(t)]
    orchestrator = f"arn:aws:iam::{MGMT}:role/{t.orchestrator_role_name}"
    person = f"arn:aws:iam::{MGMT}:user/alice"
    assert is_allowed(trust, "sts:AssumeRole", "*", {"aws:PrincipalArn": orchestrator})
    assert not is_allowed(trust, "sts:AssumeRole", "*", {"aws:PrincipalArn": person})
    assert not is_allowed(trust, "sts:AssumeRole", "*", {"aws:PrincipalArn": person, "aws:MultiFactorAuthPresent": "false"})
    assert is_allowed(trust, "sts:AssumeRole", "*", {"aws:PrincipalArn": person, "aws:MultiFactorAuthPresent": "true"})
    assert not is_allowed(trust, "sts:AssumeRole", "*", {"aws:PrincipalArn": ACCESS_LA})
    assert not is_allowed(trust, "sts:AssumeRole", "*", {"aws:PrincipalArn": ROOT_LA})
    assert not is_allowed(trust, "sts:AssumeRole", "*", {"aws:PrincipalArn": PROD_ADMIN})


def test_break_glass_uses_kms_only_on_the_log_keys(t):
    permissions = [docs.break_glass_permissions(t)]
    log_key = f"arn:aws:kms:{t.region}:{LA}:key/k"
    assert is_allowed(permissions, "kms:PutKeyPolicy", log_key)
    assert is_allowed(permissions, "kms:ScheduleKeyDeletion", f"arn:aws:kms:{t.replica_region}:{LA}:key/k")
    assert is_allowed(permissions, "kms:CreateKey", "*")
    assert not is_allowed(permissions, "kms:Decrypt", log_key)  # administers the key, never reads logs with it
    assert not is_allowed(permissions, "kms:PutKeyPolicy", f"arn:aws:kms:{t.region}:{PROD}:key/k")
    assert not is_allowed(permissions, "kms:PutKeyPolicy", f"arn:aws:kms:eu-west-1:{LA}:key/k")


def test_replication_role_reads_sources_and_writes_replicas_only(t):
    permissions = [docs.replication_permissions(t)]
    source = f"arn:aws:s3:::{t.trail_bucket(t.region)}/AWSLogs/x"
    replica = f"arn:aws:s3:::{t.trail_bucket(t.replica_region)}/AWSLogs/x"
    assert is_allowed(permissions, "s3:GetObjectVersionForReplication", source)
    assert is_allowed(permissions, "s3:ReplicateObject", replica)
    assert not is_allowed(permissions, "s3:ReplicateObject", source)
    assert not is_allowed(permissions, "s3:DeleteObject", replica)
    assert is_allowed(permissions, "kms:Encrypt", f"arn:aws:kms:{t.replica_region}:{LA}:key/k")
    assert not is_allowed(permissions, "kms:Encrypt", f"arn:aws:kms:{t.region}:{LA}:key/k")


# --------------------------------------------------------------------------- evaluator: service principals
def test_service_principals_match_by_service_name():
    statement = {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
                 "Resource": "*"}
    document = [{"Statement": [statement]}]
    assert is_allowed(document, "s3:PutObject", "*", {"aws:PrincipalServiceName": "cloudtrail.amazonaws.com"})
    assert not is_allowed(document, "s3:PutObject", "*", {"aws:PrincipalServiceName": "config.amazonaws.com"})
    assert not is_allowed(document, "s3:PutObject", "*", {"aws:PrincipalArn": f"arn:aws:iam::{MGMT}:root"})
    assert not is_allowed(document, "s3:PutObject", "*", {})
