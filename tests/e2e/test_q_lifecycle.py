"""Account lifecycle on the real stack, after phases 1-5 and the promotions (named `q` to run after
them; it leaves Sandbox closed, so it runs last but the session-end checks):

1. Phase 1 adopts an account made by hand ("Analytics": moved to its OU, tagged, never created
   again), invites an account from outside the organization ("Legacy": a handshake its owner, here
   the test, accepts while the run waits deferred), lists one the config does not name
   ("Experiments") as unmanaged and leaves it alone, and closes "Sandbox" (moved to the suspended OU
   under the deny-all SCP, then closed after an approval of its own).
2. With Analytics and Legacy out of the config again (unmanaged from then on), phase 2 removes
   Sandbox's Identity Center assignment and phase 3 removes its Transit Gateway attachment.
The config file is restored afterwards."""

from __future__ import annotations

import json
import threading
import time
import urllib.request

import pytest
import yaml

from groundwork_ops.rollout import run_phase
from groundwork_standin.recording import Recorder
from tests.e2e.conftest import CONFIG_FILE, pause_phases_after

pytestmark = pytest.mark.e2e
PHASE1, PHASE2, PHASE3 = "phase1_foundation", "phase2_identity", "phase3_network"
INVITED_ID = "222222222222"
ADOPTED = {"name": "Analytics", "email": "aws-analytics@wingu.example", "ou": "Workloads", "kind": "workload",
           "environment": "development", "tags": {"cost-center": "analytics"}}
INVITED = {"name": "Legacy", "email": "aws-legacy@wingu.example", "ou": "Workloads", "kind": "workload",
           "environment": "development", "invite_account_id": INVITED_ID,
           "tags": {"cost-center": "workloads"}}


def _write(path, raw) -> None:
    path.write_text(yaml.safe_dump(raw, sort_keys=False))


def _close_sandbox(raw) -> None:
    raw["organization"]["suspended_ou"] = "Suspended"
    next(a for a in raw["organization"]["accounts"] if a["name"] == "Sandbox")["lifecycle"] = "closed"
    for assignment in raw["identity"]["assignments"]:
        if "Sandbox" in assignment.get("accounts", []):
            assignment["accounts"].remove("Sandbox")
    # a closed account is deployed to no more (the validator refuses it in an environment)
    environments = raw["cicd"]["environments"]
    environments[:] = [e for e in environments if e.get("accounts") != ["Sandbox"]]


@pytest.fixture
def config_file(stack):
    path = CONFIG_FILE  # what the stack reads
    original = path.read_text()
    try:
        yield path, yaml.safe_load(original)
    finally:
        path.write_text(original)


def _accept_invitation_when_sent(stack, stop: threading.Event, accepted: list) -> None:
    """The invited account's owner: accepts the invitation as soon as groundwork sends it."""
    orgs = stack.aws("organizations")
    creds = stack.aws("sts").assume_role(RoleArn=f"arn:aws:iam::{INVITED_ID}:role/owner",
                                         RoleSessionName="legacy-owner")["Credentials"]
    import boto3

    owner = boto3.client("organizations", region_name="us-east-1", endpoint_url=stack.standin_url,
                         aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"])
    while not stop.is_set():
        for handshake in orgs.list_handshakes_for_organization()["Handshakes"]:
            if handshake["State"] == "OPEN":
                owner.accept_handshake(HandshakeId=handshake["Id"])
                accepted.append(handshake["Id"])
                return
        time.sleep(1)


def _made_by_hand(orgs, name: str, email: str) -> str:
    """CreateAccount the way a person would, waiting for it like AWS makes you (it is asynchronous)."""
    request = orgs.create_account(AccountName=name, Email=email)["CreateAccountStatus"]
    deadline = time.monotonic() + 60
    while request["State"] == "IN_PROGRESS":
        assert time.monotonic() < deadline, request
        time.sleep(1)
        request = orgs.describe_create_account_status(CreateAccountRequestId=request["Id"])["CreateAccountStatus"]
    assert request["State"] == "SUCCEEDED", request
    return request["AccountId"]


def _parents(stack) -> dict[str, tuple[str, dict]]:
    """account name -> (OU name it sits in, its account record)."""
    orgs = stack.aws("organizations")
    out, frontier = {}, [(orgs.list_roots()["Roots"][0]["Id"], "Root")]
    while frontier:
        parent, name = frontier.pop()
        for account in orgs.list_accounts_for_parent(ParentId=parent)["Accounts"]:
            out[account["Name"]] = (name, account)
        frontier += [(ou["Id"], ou["Name"]) for ou in
                     orgs.list_organizational_units_for_parent(ParentId=parent)["OrganizationalUnits"]]
    return out


def test_adopt_invite_unmanaged_and_close_then_the_retired_account_is_cleaned_up(stack, ensure_phase,
                                                                                 completed_phases, config_file):
    ensure_phase(PHASE3)
    admin, approver = stack.client("admin"), stack.client("approver")
    # The blueprint's 8 accounts and the management account fit AWS's default quota of 10; this test
    # grows the organization to 12, so first it does what phase 1's preflight would tell it to.
    stack.aws("service-quotas").request_service_quota_increase(
        ServiceCode="organizations", QuotaCode="L-29A0C5DF", DesiredValue=20)
    path, raw = config_file
    orgs = stack.aws("organizations")
    # made by hand: one account the config will name (adopted), one it never names (unmanaged)
    analytics = _made_by_hand(orgs, "Analytics", ADOPTED["email"])
    experiments = _made_by_hand(orgs, "Experiments", "aws-experiments@wingu.example")
    # an account outside the organization (in AWS simply someone else's)
    urllib.request.urlopen(urllib.request.Request(
        f"{stack.standin_url}/groundwork-standin/organizations/standalone-accounts", method="POST",
        data=json.dumps({"Id": INVITED_ID, "Email": INVITED["email"], "Name": "Legacy"}).encode(),
        headers={"Content-Type": "application/json"}), timeout=10).read()

    raw["organization"]["accounts"] += [ADOPTED, INVITED]
    _close_sandbox(raw)
    _write(path, raw)
    pause_phases_after(stack, PHASE1)
    stop, accepted = threading.Event(), []
    owner = threading.Thread(target=_accept_invitation_when_sent, args=(stack, stop, accepted), daemon=True)
    owner.start()
    recorder = Recorder(stack.standin_url)
    recorder.start()
    try:
        outcome = run_phase(admin, approver, PHASE1, manual=False, timeout=900, log=lambda *_: None)
        calls = [f"{c.service}:{c.operation}" for c in recorder.calls() if c.mutating]
    finally:
        recorder.stop()
        stop.set()
    run_id = outcome["run_id"]
    assert admin.run(PHASE1, run_id)["state"] == "success", admin.task_states(PHASE1, run_id)
    states = admin.task_states(PHASE1, run_id)
    assert states["approve"] == "success" and states["approve_close_accounts"] == "success", states
    assert "90 days" in admin.task_log(PHASE1, run_id, "plan_close_accounts")
    assert "unmanaged: account 'Experiments'" in admin.task_log(PHASE1, run_id, "plan")
    assert len(accepted) == 1 and calls.count("organizations:InviteAccountToOrganization") == 1, calls
    assert "organizations:CreateAccount" not in calls and calls.count("organizations:CloseAccount") == 1, calls

    where = _parents(stack)
    assert where["Analytics"][0] == "Workloads" and where["Legacy"][0] == "Workloads"
    assert where["Legacy"][1]["JoinedMethod"] == "INVITED" and where["Legacy"][1]["Id"] == INVITED_ID
    assert where["Experiments"][0] == "Root"  # unmanaged: never touched
    assert where["Sandbox"][0] == "Suspended" and where["Sandbox"][1]["Status"] in ("PENDING_CLOSURE", "SUSPENDED")
    managed = {"Key": "managed-by", "Value": "groundwork"}
    assert managed in orgs.list_tags_for_resource(ResourceId=analytics)["Tags"]
    assert managed in orgs.list_tags_for_resource(ResourceId=INVITED_ID)["Tags"]
    assert orgs.list_tags_for_resource(ResourceId=experiments)["Tags"] == []
    suspended_scp = next(p["Id"] for p in orgs.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
                         if p["Name"] == "groundwork-suspended-deny-all")
    assert [t["Name"] for t in orgs.list_targets_for_policy(PolicyId=suspended_scp)["Targets"]] == ["Suspended"]

    # 2. Analytics and Legacy leave the config (unmanaged from now on); phases 2 and 3 clean up Sandbox
    raw["organization"]["accounts"] = [a for a in raw["organization"]["accounts"] if a["name"] not in ("Analytics", "Legacy")]
    _write(path, raw)
    completed_phases.clear()
    for dag_id in (PHASE1, PHASE2, PHASE3):
        outcome = run_phase(admin, approver, dag_id, manual=False, timeout=900, log=lambda *_: None)
        admin.request("PATCH", f"/dags/{dag_id}", json={"is_paused": True})
        run_id = outcome["run_id"]
        assert admin.run(dag_id, run_id)["state"] == "success", admin.task_states(dag_id, run_id)
        plan_log = admin.task_log(dag_id, run_id, "plan")
        if dag_id == PHASE1:
            assert "unmanaged: account 'Legacy'" in plan_log and "unmanaged: account 'Analytics'" in plan_log
            assert admin.task_states(dag_id, run_id)["approve"] == "skipped"  # nothing to change, closure done
        if dag_id == PHASE2:
            assert "- account_assignment 'Sandbox/Developers/DeveloperAccess'" in plan_log, plan_log
        if dag_id == PHASE3:
            assert "- tgw_attachment 'Sandbox'" in plan_log, plan_log
    assert where["Legacy"][0] == _parents(stack)["Legacy"][0]  # no longer in the config: left where it is
