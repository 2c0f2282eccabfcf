"""A groundwork key disabled or scheduled for deletion by hand is planned as drift and brought back,
the same key (what it encrypted stays readable), never a second key beside it."""

import pytest

from groundwork.reconcile.kms_keys import KeySpec, apply_key, plan_key

SPEC = KeySpec(account=None, account_name="Management", alias="alias/groundwork-test", description="test key",
               policy={"Version": "2012-10-17", "Statement": [{"Sid": "Root", "Effect": "Allow",
                       "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}]})


def _key_id(ctx):
    from groundwork.aws import kms

    return kms.key_id_for_alias(ctx.client("kms"), SPEC.alias)


@pytest.mark.parametrize("hand_change", ["disable_key", "schedule_key_deletion"])
def test_a_key_taken_out_by_hand_is_restored_not_replaced(ctx, hand_change):
    created = plan_key(ctx, SPEC)
    assert created.action == "create"
    apply_key(ctx, SPEC, {created.id})
    key_id = _key_id(ctx)
    assert plan_key(ctx, SPEC).action == "noop"

    client = ctx.client("kms")
    ciphertext = client.encrypt(KeyId=key_id, Plaintext=b"log line")["CiphertextBlob"]
    kwargs = {"PendingWindowInDays": 7} if hand_change == "schedule_key_deletion" else {}
    getattr(client, hand_change)(KeyId=key_id, **kwargs)

    drift = plan_key(ctx, SPEC)
    assert drift.action == "update" and drift.before["state"] in ("Disabled", "PendingDeletion")
    assert "state" in drift.summary() and "it is brought back (the same key)" in drift.summary()
    keys_before = len(client.list_keys()["Keys"])
    apply_key(ctx, SPEC, {drift.id})
    assert _key_id(ctx) == key_id and len(client.list_keys()["Keys"]) == keys_before
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"
    assert client.decrypt(CiphertextBlob=ciphertext)["Plaintext"] == b"log line"
    assert plan_key(ctx, SPEC).action == "noop"
