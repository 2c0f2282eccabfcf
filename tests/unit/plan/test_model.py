"""Plans as data: stable change ids, digests, rendering, approval checks, round-trips."""

from __future__ import annotations

import json

import pytest

from groundwork.plan.model import Change, Plan, StalePlan, check_approved, render_markdown, render_text

CREATE_OU = Change("create", "ou", "Workloads", None, {"path": "Workloads"})
UPDATE_SCP = Change(
    "update", "scp", "groundwork-baseline", {"description": "old", "targets": ["Security"]},
    {"description": "new", "targets": ["Security"]}, production=True, note="content changed",
)
CREATE_ACCOUNT = Change(
    "create", "account", "Production", None,
    {"email": "prod@example.com", "ou": "Workloads", "document": "{...}"}, production=True,
)
DELETE_SCP = Change("delete", "scp", "groundwork-old", {"targets": ["Sandbox"]}, None, note="no longer configured")
NOOP_OU = Change("noop", "ou", "Security", {"path": "Security"}, {"path": "Security"})
PLAN = Plan("phase1_foundation", (CREATE_OU, UPDATE_SCP, CREATE_ACCOUNT, DELETE_SCP, NOOP_OU))


def test_change_id_ignores_before_and_presentation():
    moved = Change("update", "scp", "groundwork-baseline", {"description": "older"}, UPDATE_SCP.after)
    created = Change("create", "scp", "groundwork-baseline", None, UPDATE_SCP.after, production=False, note="x")
    assert UPDATE_SCP.id == moved.id == created.id
    assert len(UPDATE_SCP.id) == 16


@pytest.mark.parametrize(
    "other",
    [
        Change("update", "scp", "groundwork-baseline", UPDATE_SCP.before, {**UPDATE_SCP.after, "description": "newer"}),
        Change("update", "scp", "groundwork-other", UPDATE_SCP.before, UPDATE_SCP.after),
        Change("update", "policy", "groundwork-baseline", UPDATE_SCP.before, UPDATE_SCP.after),
    ],
)
def test_change_id_depends_on_kind_key_and_after(other):
    assert other.id != UPDATE_SCP.id


def test_change_id_does_not_depend_on_key_order_in_after():
    a = Change("create", "account", "X", None, {"email": "x@example.com", "ou": "Workloads"})
    b = Change("create", "account", "X", None, {"ou": "Workloads", "email": "x@example.com"})
    assert a.id == b.id


def test_digest_covers_pending_changes_only_and_not_their_order():
    reordered = Plan("phase1_foundation", (DELETE_SCP, CREATE_ACCOUNT, UPDATE_SCP, CREATE_OU))
    assert PLAN.digest == reordered.digest
    assert len(PLAN.digest) == 16
    assert Plan("phase1_foundation", PLAN.changes[:-1]).digest == PLAN.digest  # the noop does not count
    assert Plan("phase1_foundation", PLAN.changes[1:]).digest != PLAN.digest


def test_pending_counts_and_emptiness():
    assert PLAN.pending == [CREATE_OU, UPDATE_SCP, CREATE_ACCOUNT, DELETE_SCP]
    assert PLAN.counts() == {"create": 2, "update": 1, "delete": 1, "noop": 1}
    assert not PLAN.is_empty()
    assert Plan("phase1_foundation", (NOOP_OU,)).is_empty()


def test_render_text():
    assert render_text(PLAN).splitlines() == [
        f"Plan for phase1_foundation ({PLAN.digest}): 2 to create, 1 to update, 1 to delete, 1 unchanged",
        "  + ou 'Workloads'",
        "  ~ scp 'groundwork-baseline' (description): content changed",
        "  + account 'Production'",
        "  - scp 'groundwork-old': no longer configured",
    ]


def test_render_markdown_table():
    lines = render_markdown(PLAN).splitlines()
    assert lines[0] == (
        f"**phase1_foundation** plan `{PLAN.digest}`: **2** to create, **1** to update, **1** to delete, 1 unchanged."
    )
    assert lines[2:4] == ["| | kind | resource | detail |", "|---|---|---|---|"]
    assert lines[4:] == [
        "| + create | ou | Workloads | path: Workloads |",
        "| ~ update | scp | groundwork-baseline **(production)** | description: old → new |",
        "| + create | account | Production **(production)** | email: prod@example.com, ou: Workloads |",
        "| - delete | scp | groundwork-old | no longer configured |",
    ]


def test_render_markdown_escapes_and_shortens_details():
    change = Change("create", "scp", "x", None, {"description": "a|b\nc", "blob": "y" * 400})
    row = render_markdown(Plan("p", (change,))).splitlines()[-1]
    assert "a\\|b c" in row
    assert row.endswith("... |") and len(row) < 400


def test_render_markdown_of_an_empty_plan():
    assert render_markdown(Plan("phase1_foundation", (NOOP_OU,))) == (
        "**phase1_foundation**: nothing to change (1 resources already as configured)."
    )


def test_check_approved():
    approved = {c.id for c in PLAN.pending}
    for change in PLAN.changes:
        check_approved(change, approved)
    check_approved(NOOP_OU, set())  # a noop needs no approval
    drifted = Change("update", "scp", "groundwork-baseline", UPDATE_SCP.after, {"description": "edited since"})
    with pytest.raises(StalePlan, match="refusing to apply ~ scp 'groundwork-baseline'.*not in the approved plan"):
        check_approved(drifted, approved)
    with pytest.raises(StalePlan):
        check_approved(CREATE_OU, frozenset())


def test_a_half_applied_plan_keeps_its_ids():
    # after the OU exists, AWS shows it: before changes, after does not, so the id is still approved
    resumed = Change("update", "ou", "Workloads", {"path": "Workloads", "tags": {}}, {"path": "Workloads"})
    check_approved(resumed, {CREATE_OU.id})


def test_round_trip_through_json():
    data = json.loads(json.dumps(PLAN.to_dict()))
    assert data["phase"] == "phase1_foundation"
    assert data["digest"] == PLAN.digest
    assert data["counts"] == PLAN.counts()
    assert data["markdown"] == render_markdown(PLAN)
    assert [c["id"] for c in data["changes"]] == [c.id for c in PLAN.changes]
    again = Plan.from_dict(data)
    assert again == PLAN
    assert again.digest == PLAN.digest
    assert Change.from_dict(CREATE_ACCOUNT.to_dict()) == CREATE_ACCOUNT
