"""A generated organization rolled out through the real Airflow on the stand-in at AWS-like latency:
a fresh five-phase rollout and/or converged reruns, with what a platform team sizes a deployment by.

    .venv/bin/python bench/make_config.py 1000 /tmp/c1008.yaml
    export FOUNDATION_CONFIG=/tmp/c1008.yaml GROUNDWORK_STANDIN_CREATE_ACCOUNT_SECONDS=20  # + the usual ports
    scripts/stack.sh up && eval "$(scripts/stack.sh env)"
    .venv/bin/python bench/scale_rollout.py fresh converged --label a1008 --out /tmp/scale

`fresh` empties the stand-in, asks Service Quotas for enough accounts per organization (granted at
once by the stand-in, as AWS grants an increase) and rolls out every phase; `converged` reruns all
of them on what is there. Unless `--no-latency`, bench/latency_model.py's rules are applied first
(every call waits its service's latency; per-caller token buckets throttle). Printed and saved to
<out>/<label>-<kind>-<n>.json:
- wall time per phase run (Airflow's start to end) and the whole rollout;
- phase 1's accounts per minute against the bound the quota and the latency allow:
  `operations.concurrency.account_creation` requests in flight, each taking the stand-in's
  CreateAccount time (GROUNDWORK_STANDIN_CREATE_ACCOUNT_SECONDS);
- AWS calls per phase (and how many were throttled), counted by the latency model's rules;
- peak resident memory of the scheduler, the task processes, the triggerer, the api-server, the
  dag-processor, the stand-in and PostgreSQL (sampled every 2 s from /proc);
- the task-level breakdown of bench/rollout_timeline.py (critical path per phase).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import urllib.request
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import boto3  # noqa: E402

import latency_model  # noqa: E402
from groundwork_ops import stack  # noqa: E402
from groundwork_ops.airflow_client import AirflowClient  # noqa: E402
from groundwork_ops.rollout import deployed_phases, roll_out  # noqa: E402
from groundwork_standin.faults import FaultClient  # noqa: E402
from rollout_timeline import analyse, collect, ts  # noqa: E402
from stack_cpu import measure, roots  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_by_component(settings) -> dict[str, int]:
    """Resident bytes of each component's process tree (the scheduler's LocalExecutor workers and the
    tasks they run counted as "tasks")."""
    known = roots(settings)
    table = {}
    for pid in (int(p) for p in os.listdir("/proc") if p.isdigit()):
        try:
            stat = Path(f"/proc/{pid}/stat").read_bytes().decode(errors="replace").rpartition(") ")[2].split()
            rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
        table[pid] = (int(stat[1]), rss)
    totals: dict[str, int] = {}
    for pid, (_, rss) in table.items():
        walk, seen = pid, 0
        while walk not in known and walk in table and seen < 64:
            walk, seen = table[walk][0], seen + 1
        if walk not in known:
            continue
        name = "tasks" if known[walk] == "scheduler" and pid != walk else known[walk]
        totals[name] = totals.get(name, 0) + rss
    return totals


class MemorySampler(threading.Thread):
    def __init__(self, settings, every: float = 2.0):
        super().__init__(daemon=True)
        self.settings, self.every, self.peak, self.stopped = settings, every, {}, threading.Event()

    def run(self):
        while not self.stopped.is_set():
            for name, rss in rss_by_component(self.settings).items():
                self.peak[name] = max(self.peak.get(name, 0), rss)
            self.stopped.wait(self.every)


def counters(control: FaultClient) -> dict[str, dict[str, int]]:
    """Calls per service so far: every call that got a token ("calls") and every throttled one."""
    out: dict[str, dict[str, int]] = {}
    for rule in control.rules():
        if rule.get("rate_per_second"):
            out[rule["service"]] = {"calls": rule["passed"], "throttled": rule["fired"]}
    return out


def difference(after: dict, before: dict) -> dict:
    return {s: {k: v - before.get(s, {}).get(k, 0) for k, v in c.items()} for s, c in after.items()
            if c != before.get(s)}


def reset_with_quota(settings, accounts: int) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{settings.standin_url}/moto-api/reset", data=b"",
                                                  method="POST"), timeout=60).read()
    quotas = boto3.client("service-quotas", endpoint_url=settings.standin_url, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    quotas.request_service_quota_increase(ServiceCode="organizations", QuotaCode="L-29A0C5DF",
                                          DesiredValue=float(accounts + 50))


def one_rollout(settings, admin, approver, phases, kind: str, accounts: int, control: FaultClient,
                timeout: float) -> dict:
    if kind == "fresh":
        reset_with_quota(settings, accounts)
    marks = [("start", time.monotonic(), counters(control))]

    def log(message: str):
        if "triggered run" in message or "started by" in message:
            marks.append((message.split(":")[0], time.monotonic(), counters(control)))

    sampler = MemorySampler(settings)
    sampler.start()
    try:
        with measure(settings) as cpu:
            started = time.monotonic()
            results = roll_out(admin, approver, phases, False, timeout, log)
            seconds = time.monotonic() - started
    finally:
        sampler.stopped.set()
        sampler.join()
    marks.append(("end", time.monotonic(), counters(control)))
    calls = {}
    for (name, _, before), (_, _, after) in zip(marks[1:], marks[2:]):
        calls[name] = difference(after, before)
    collected = [collect(admin, d, results[d]["run_id"]) for d in phases]
    return {"kind": kind, "seconds": seconds, "cpu": cpu, "peak_rss": sampler.peak, "calls": calls,
            "retried": {d: r["retried"] for d, r in results.items() if r["retried"]}, "phases": collected}


def step_seconds(phase: dict, task_id: str) -> float | None:
    """From the first start to the last end of a step's task instances (all its map indexes): the
    time the accounts took, without the phase's validate, plan, approval and verify around them."""
    tis = [t for t in phase["tis"] if t["task_id"] == task_id and t.get("start_date") and t.get("end_date")]
    if not tis:
        return None
    return max(ts(t["end_date"]) for t in tis) - min(ts(t["start_date"]) for t in tis)


def creation_rounds(accounts: int, in_flight: int) -> int:
    """The fewest back-to-back creations one slot must do: `accounts` over `in_flight` slots, rounded
    up (48 accounts on 5 slots: 10 rounds, so at least 10 creation times, not 9.6)."""
    return -(-accounts // in_flight)


def report(rollout: dict, accounts: int, creation_pool: int, create_seconds: float) -> str:
    lines = [f"{rollout['label']} {rollout['kind']}: {accounts} accounts, {rollout['seconds']:.0f} s in all"]
    for phase in rollout["phases"]:
        run = phase["run"]
        wall = (ts(run.get("end_date")) or 0) - (ts(run.get("start_date")) or 0)
        calls = rollout["calls"].get(phase["dag_id"], {})
        total = sum(c["calls"] for c in calls.values())
        throttled = sum(c["throttled"] for c in calls.values())
        lines.append(f"  {phase['dag_id']:22} {wall:8.1f} s  {total:7d} AWS calls ({throttled} throttled)  "
                     + ", ".join(f"{s} {c['calls']}" for s, c in sorted(calls.items(), key=lambda x: -x[1]['calls'])[:6]))
        if phase["dag_id"] == "phase1_foundation" and rollout["kind"] == "fresh" and wall > 0:
            bound = creation_pool * 60.0 / create_seconds
            rounds = creation_rounds(accounts, creation_pool)
            step = step_seconds(phase, "ensure_account")
            lines.append(f"    bound {bound:.1f} accounts/min ({creation_pool} CreateAccount in flight x "
                         f"{create_seconds:g} s each); in whole rounds, {accounts} accounts take at least "
                         f"{rounds} x {create_seconds:g} s = {rounds * create_seconds:.0f} s")
            for what, seconds in (("the whole phase", wall), ("its account step", step)):
                if seconds:
                    rate = accounts / (seconds / 60.0)
                    lines.append(f"    {what}: {seconds:.1f} s, {rate:.1f} accounts/min, {100 * rate / bound:.0f} % of the "
                                 f"bound, {100 * rounds * create_seconds / seconds:.0f} % of the whole-rounds bound")
    lines.append("  peak memory: " + ", ".join(f"{k} {v / 2**20:.0f} MiB" for k, v in sorted(rollout["peak_rss"].items())))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kinds", nargs="+", choices=["fresh", "converged"])
    parser.add_argument("--label", default="scale")
    parser.add_argument("--out", type=Path, default=Path("/tmp/groundwork-scale"))
    parser.add_argument("--no-latency", action="store_true", help="moto's instant answers (calls still counted)")
    parser.add_argument("--phase-timeout", type=float, default=4 * 3600)
    parser.add_argument("--phases", type=int, default=None, help="roll out only the first N phases")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT / "include"))
    from groundwork.config.loader import load_config

    config = load_config()
    accounts = len(config.organization.accounts)
    creation_pool = config.operations.concurrency.account_creation
    create_seconds = float(os.environ.get("GROUNDWORK_STANDIN_CREATE_ACCOUNT_SECONDS", "2"))
    settings = stack.Settings.load()
    control = FaultClient(settings.standin_url)
    control.clear()
    for rule in latency_model.rules():
        if args.no_latency:  # count only: a bucket nothing empties, no wait
            rule = {**rule, "rate_per_second": 1e6, "burst": 10**9} if rule.get("rate_per_second") else None
        if rule:
            control.add(**rule)
    passwords = stack.passwords(settings)
    admin = AirflowClient(settings.airflow_url, "admin", passwords["admin"])
    approver = AirflowClient(settings.airflow_url, "approver", passwords["approver"])
    phases = deployed_phases(ROOT / "dags")[:args.phases]
    args.out.mkdir(parents=True, exist_ok=True)
    for n, kind in enumerate(args.kinds, 1):
        rollout = {"label": args.label, "n": n, "when": datetime.now().isoformat(timespec="seconds"),
                   "accounts": accounts, "latency_model": not args.no_latency, "create_seconds": create_seconds,
                   "load_before": os.getloadavg(),
                   **one_rollout(settings, admin, approver, phases, kind, accounts, control, args.phase_timeout)}
        path = args.out / f"{args.label}-{kind}-{n}.json"
        path.write_text(json.dumps(rollout))
        print(report(rollout, accounts, creation_pool, create_seconds), flush=True)
        print(analyse(rollout), flush=True)
        print(f"(raw: {path}; load average before: {rollout['load_before']}; retried: {rollout['retried']})\n",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
