"""A full rollout from an empty stand-in while it fails a share of every AWS call, then a count of
what exists: does every phase converge, with nothing duplicated?

Faults (stand-in fault injection, in front of moto, every service and operation): throttling,
503s, and lost answers (the change is applied, the caller hears a 500), each with probability
p/3 per call, so about p of all calls fail. Airflow retries failed tasks (retries=2); a run that
still fails is cleared and rerun (up to --clears times), as an operator would. Then the faults are
dropped and AWS is read back: accounts, OUs, SCPs, VPCs per account, Transit Gateways, KMS log
keys, trails, deployment roles; each must exist exactly once.

    eval "$(scripts/stack.sh env)"
    .venv/bin/python bench/fault_soak.py --probability 0.3
"""

from __future__ import annotations

import argparse
import json
import os
import time
import urllib.request
from collections import Counter
from pathlib import Path

import boto3

from groundwork.config.loader import load_config
from groundwork_ops.airflow_client import AirflowClient
from groundwork_ops.rollout import approve_pending, deployed_phases
from groundwork_standin.faults import FaultClient

ROOT = Path(__file__).resolve().parents[1]


def add_faults(faults: FaultClient, probability: float) -> None:
    share = 1 - (1 - probability) ** (1 / 3)  # three independent rules: about `probability` in all
    faults.add(error_code="ThrottlingException", http_status=400, count=None, probability=share)
    faults.add(error_code="ServiceUnavailable", http_status=503, count=None, probability=share)
    faults.add(error_code="InternalFailure", http_status=500, count=None, probability=share, after=True)


def run_until_done(admin, approver, dag_id: str, clears: int, log) -> tuple[str, int]:
    known = {r["dag_run_id"] for r in admin.runs(dag_id)}
    if dag_id == "phase1_foundation":
        run_id = admin.trigger(dag_id)
    else:
        deadline = time.monotonic() + 300
        while not (fresh := [r["dag_run_id"] for r in admin.runs(dag_id) if r["dag_run_id"] not in known]):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{dag_id} did not start")
            time.sleep(1)
        run_id = fresh[0]
    answered, cleared = set(), 0
    while True:
        state = admin.run(dag_id, run_id)["state"]
        if state == "success":
            return run_id, cleared
        if state == "failed":
            if cleared >= clears:
                return run_id, cleared
            failed = sorted({t.split("[")[0] for t, s in admin.task_states(dag_id, run_id).items() if s == "failed"})
            log(f"{dag_id}: failed at {failed}; clearing them and what follows (as an operator would)")
            admin.clear(dag_id, run_id, failed, only_failed=True)
            cleared += 1
        approve_pending(approver, dag_id, run_id, answered, False, lambda *_: None)
        time.sleep(2)


def census(endpoint: str, config) -> dict:
    """What exists, read back with faults off: counts that must each be exactly one."""
    def client(service, account=None, region=None):
        kwargs = dict(region_name=region or config.aws.home_region, endpoint_url=endpoint,
                      aws_access_key_id="testing", aws_secret_access_key="testing")
        if account:
            creds = boto3.client("sts", **kwargs).assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/{config.aws.access_role_name}", RoleSessionName="soak")["Credentials"]
            kwargs.update(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                          aws_session_token=creds["SessionToken"])
        return boto3.client(service, **kwargs)

    orgs = client("organizations")
    accounts = orgs.list_accounts()["Accounts"]
    emails = Counter(a["Email"] for a in accounts)
    ous = Counter()
    stack = [orgs.list_roots()["Roots"][0]["Id"]]
    while stack:
        for ou in orgs.list_organizational_units_for_parent(ParentId=stack.pop())["OrganizationalUnits"]:
            ous[ou["Name"]] += 1
            stack.append(ou["Id"])
    scps = Counter(p["Name"] for p in orgs.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"])
    ids = {a["Name"]: a["Id"] for a in accounts}
    vpcs, tgws, keys = {}, 0, {}
    for account in config.organization.accounts:
        ec2 = client("ec2", ids[account.name])
        vpcs[account.name] = len([v for v in ec2.describe_vpcs()["Vpcs"] if not v["IsDefault"]])
        tgws += len([t for t in ec2.describe_transit_gateways()["TransitGateways"] if t["State"] != "deleted"])
        kms = client("kms", ids[account.name])
        keys[account.name] = len([k for k in kms.list_keys()["Keys"]
                                  if kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyManager"] == "CUSTOMER"])
    trails = len(client("cloudtrail").describe_trails()["trailList"])
    return {"accounts_per_email": dict(emails), "ous": dict(ous), "scps": dict(scps), "vpcs_per_account": vpcs,
            "transit_gateways": tgws, "customer_keys_per_account": keys, "trails": trails}


def duplicates(found: dict) -> list[str]:
    out = [f"account {e} x{n}" for e, n in found["accounts_per_email"].items() if n > 1]
    out += [f"OU {o} x{n}" for o, n in found["ous"].items() if n > 1]
    out += [f"SCP {s} x{n}" for s, n in found["scps"].items() if n > 1]
    out += [f"VPCs in {a}: {n}" for a, n in found["vpcs_per_account"].items() if n > 1]
    out += [f"Transit Gateways: {found['transit_gateways']}"] if found["transit_gateways"] > 1 else []
    out += [f"trails: {found['trails']}"] if found["trails"] > 1 else []
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probability", type=float, default=0.3)
    parser.add_argument("--clears", type=int, default=5)
    args = parser.parse_args()
    url, standin = os.environ["GROUNDWORK_AIRFLOW_URL"], os.environ["GROUNDWORK_STANDIN_URL"]
    state = Path(os.environ.get("GROUNDWORK_STATE_DIR", ROOT / ".local"))
    passwords = json.loads((state / "secrets" / "passwords.json").read_text())
    admin = AirflowClient(url, "admin", passwords["admin"])
    approver = AirflowClient(url, "approver", passwords["approver"])
    faults = FaultClient(standin)
    faults.clear()
    urllib.request.urlopen(urllib.request.Request(f"{standin}/moto-api/reset", data=b"", method="POST"), timeout=30).read()
    phases = deployed_phases(ROOT / "dags")
    for dag_id in phases:
        admin.unpause(dag_id)
    add_faults(faults, args.probability)
    started, outcome = time.monotonic(), {}
    try:
        for dag_id in phases:
            run_id, cleared = run_until_done(admin, approver, dag_id, args.clears, print)
            state = admin.run(dag_id, run_id)["state"]
            outcome[dag_id] = {"state": state, "clears": cleared}
            print(json.dumps({dag_id: outcome[dag_id]}), flush=True)
            if state != "success":
                break
    finally:
        fired = sum(r["fired"] for r in faults.rules())
        faults.clear()
    found = census(standin, load_config())
    dup = duplicates(found)
    print(json.dumps({"seconds": round(time.monotonic() - started), "faults_fired": fired, "outcome": outcome,
                      "duplicates": dup}, indent=1))
    return 0 if not dup and all(o["state"] == "success" for o in outcome.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
