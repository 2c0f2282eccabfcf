"""Where the time of a rollout goes: one five-phase rollout from an empty stand-in and/or one
converged rerun of all five phases (nothing to change, nothing asked), each timed, with the CPU
every stack component used meanwhile (bench/stack_cpu.py), and each phase run taken apart from
Airflow's REST API (task instances: scheduled_when, queued_when, start_date, end_date; the task
logs' own timestamps for process start-up and deferrals).

    eval "$(scripts/stack.sh env)"     # any stack: GROUNDWORK_STATE_DIR / _AIRFLOW_URL / _STANDIN_URL
    .venv/bin/python bench/rollout_timeline.py fresh converged --label before --out /tmp/speed/runs

`fresh` empties the stand-in first (every phase plans, asks, applies); `converged` reruns on what
the last rollout left. Approvals are answered as the approver the moment they show (the rollout
driver's default). Each rollout's raw data goes to <out>/<label>-<kind>-<n>.json; `--analyse
FILE...` prints the tables again from saved files.

Per phase run, along its critical path (from the task that ended last, back through the upstream
task that ended last, to the run's start):
- sched: an upstream ended -> the task scheduled (the scheduler's loop noticing)
- queue: scheduled -> queued (the scheduler's queuing, pool/parallelism)
- start: queued -> start_date (the executor picking it up and the supervisor reporting it running)
- boot: start_date -> the task's first log line after "DAG bundles loaded"/the first log line
  (the task process importing Airflow, the DAG file and our code)
- work: the rest of the task's time in a worker
- deferred: from "deferring"/"rescheduling" to the next try's resumption (triggerer, resume floor,
  approval reschedule) and the approval's waiting
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from groundwork_ops import stack  # noqa: E402
from groundwork_ops.airflow_client import AirflowClient  # noqa: E402
from groundwork_ops.rollout import deployed_phases, roll_out  # noqa: E402
from stack_cpu import measure, table  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def ts(value) -> float | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def collect(admin: AirflowClient, dag_id: str, run_id: str) -> dict:
    run = admin.run(dag_id, run_id)
    tis = admin.task_instances(dag_id, run_id)
    tasks = admin.request("GET", f"/dags/{dag_id}/tasks").json()["tasks"]
    logs = {}
    for ti in tis:
        if not ti.get("start_date"):
            continue
        key = f"{ti['task_id']}[{ti['map_index']}]"
        path = f"/dags/{dag_id}/dagRuns/{admin._run(run_id)}/taskInstances/{ti['task_id']}/logs/{max(1, ti['try_number'])}"
        try:
            content = admin.request("GET", path, params={"map_index": ti["map_index"]},
                                    headers={"Accept": "application/json"}).json()["content"]
        except Exception as exc:  # noqa: BLE001 - a missing log must not lose the rest
            content = [{"event": f"(no log: {exc})"}]
        logs[key] = [{"timestamp": e.get("timestamp"), "event": str(e.get("event", ""))[:200],
                      "logger": e.get("logger")} for e in content if isinstance(e, dict)]
    return {"dag_id": dag_id, "run": run, "tis": tis,
            "downstream": {t["task_id"]: t["downstream_task_ids"] for t in tasks}, "logs": logs}


# ---------------------------------------------------------------------------------------------
# analysis

DEFER_LINES = ("Pausing task as DEFERRED", "Rescheduling task")


def sessions(entries: list[dict], start: float) -> dict:
    """Take a task instance's log apart: worker sessions ("::group::Pre Execute" ... the
    "::endgroup::" after it = boot), deferrals (a worker's "Pausing task as DEFERRED"/"Rescheduling
    task" -> "Trigger fired event" = waiting on the trigger, incl. the resume floor and the
    approval's reschedule; -> the next "Pre Execute" = resuming), and, for a task started in the
    triggerer (the approval), the trigger time before the first worker."""
    stamps = [(ts(e["timestamp"]), e["event"]) for e in entries if e.get("timestamp")]
    out = {"launch": 0.0, "boot": 0.0, "trigger_wait": 0.0, "resume": 0.0, "sessions": 0}
    first_pre = next((t for t, ev in stamps if "::group::Pre Execute" in ev), None)
    if first_pre is not None:
        if any("trigger" in ev.lower() and t < first_pre for t, ev in stamps):
            fired = next((t for t, ev in stamps if "Trigger fired" in ev and t < first_pre), first_pre)
            out["trigger_wait"] += fired - start
            out["resume"] += first_pre - fired
        else:
            out["launch"] = first_pre - start
    in_boot, pre, deferred_at, fired_at = False, None, None, None
    for t, ev in stamps:
        if "::group::Pre Execute" in ev:
            out["sessions"] += 1
            if deferred_at is not None:
                out["trigger_wait"] += (fired_at or t) - deferred_at
                out["resume"] += t - (fired_at or t)
                deferred_at = fired_at = None
            in_boot, pre = True, t
        elif in_boot and "::endgroup::" in ev:
            out["boot"] += t - pre
            in_boot = False
        elif any(w in ev for w in DEFER_LINES):
            deferred_at = t
        elif "Trigger fired" in ev and deferred_at is not None:
            fired_at = t
    return out


def task_breakdown(phase: dict) -> list[dict]:
    """One row per task instance that ran."""
    upstream: dict[str, list[str]] = {}
    for task, downs in phase["downstream"].items():
        for down in downs:
            upstream.setdefault(down, []).append(task)
    ends: dict[str, float] = {}
    for ti in phase["tis"]:
        end = ts(ti.get("end_date"))
        if end:
            ends[ti["task_id"]] = max(ends.get(ti["task_id"], 0), end)
    run_start = ts(phase["run"].get("start_date"))
    rows = []
    for ti in phase["tis"]:
        start, end = ts(ti.get("start_date")), ts(ti.get("end_date"))
        if not start or not end:
            continue
        key = f"{ti['task_id']}[{ti['map_index']}]"
        ready = max([ends.get(u, 0) for u in upstream.get(ti["task_id"], [])] or [run_start or start])
        scheduled, queued = ts(ti.get("scheduled_when")), ts(ti.get("queued_when"))
        entries = phase["logs"].get(key, [])
        first_pre = next((ts(e["timestamp"]) for e in entries
                          if e.get("timestamp") and "::group::Pre Execute" in e["event"]), None)
        # a task that deferred by rescheduling (the approval) has its start_date reset when the
        # scheduler defers it again: count from its first worker then
        origin = min(start, first_pre) if first_pre else start
        parts = sessions(entries, origin)
        # a mapped task instance that waited for a sibling to end (max_active_tis_per_dagrun): from
        # its upstream's end to the end of the sibling whose slot it took
        siblings = [ts(o.get("end_date")) for o in phase["tis"] if o["task_id"] == ti["task_id"]
                    and o["map_index"] != ti["map_index"] and o.get("end_date")]
        slot_free = max([e for e in siblings if ready < e < origin] or [ready])
        clean = bool(queued and scheduled and scheduled <= queued <= start)  # not overwritten by a resume
        deferred = parts["trigger_wait"] + parts["resume"]
        rows.append({
            "task": key, "operator": ti.get("operator"), "try": ti.get("try_number"),
            "ready": ready, "start": origin, "end": end, "duration": end - origin,
            "to_start": origin - slot_free, "slot_wait": slot_free - ready,
            "sched": (scheduled - ready) if clean else None, "queue": (queued - scheduled) if clean else None,
            "pickup": (start - queued) if clean else None,
            "launch": parts["launch"], "boot": parts["boot"], "trigger_wait": parts["trigger_wait"],
            "resume": parts["resume"], "deferred": deferred, "sessions": parts["sessions"],
            "work": (end - origin) - parts["launch"] - parts["boot"] - deferred,
        })
    return rows


def critical_path(phase: dict, rows: list[dict]) -> list[dict]:
    by_task: dict[str, list[dict]] = {}
    for row in rows:
        by_task.setdefault(row["task"].split("[")[0], []).append(row)
    upstream: dict[str, list[str]] = {}
    for task, downs in phase["downstream"].items():
        for down in downs:
            upstream.setdefault(down, []).append(task)
    if not rows:
        return []
    current = max(rows, key=lambda r: r["end"])
    path = [current]
    while True:
        task = current["task"].split("[")[0]
        candidates = [r for u in upstream.get(task, []) for r in by_task.get(u, [])]
        if not candidates:
            break
        current = max(candidates, key=lambda r: r["end"])
        path.append(current)
    return list(reversed(path))


def analyse(rollout: dict) -> str:
    lines = [f"## {rollout['label']} {rollout['kind']} #{rollout['n']}: {rollout['seconds']:.1f} s wall "
             f"(trigger of phase 1 -> last phase's success, seen by the driver)", ""]
    lines.append(table(rollout["cpu"], "CPU per component during the rollout"))
    lines.append("")
    cols = ("to_start", "launch", "boot", "work", "trigger_wait", "resume", "slot_wait")
    lines.append("| phase | run wall s | tasks run | sum of task durations s | critical path: ready->start | launch "
                 "| boot | work | waiting on trigger | resume after trigger | waiting for a mapped slot | unaccounted "
                 "| handover s |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    totals: dict[str, float] = {}
    previous_end = None
    for phase in rollout["phases"]:
        run = phase["run"]
        start, end = ts(run.get("start_date")), ts(run.get("end_date"))
        rows = task_breakdown(phase)
        path = critical_path(phase, rows)
        parts = {k: sum(r[k] for r in path) for k in cols}
        wall = (end - start) if start and end else 0
        parts["other"] = wall - sum(parts.values())
        parts["handover"] = (start - previous_end) if (previous_end and start) else 0.0
        previous_end = end
        parts["wall"], parts["task_sum"] = wall, sum(r["duration"] for r in rows)
        for k, v in parts.items():
            totals[k] = totals.get(k, 0) + v
        lines.append(f"| {phase['dag_id']} | {wall:.1f} | {len(rows)} | {parts['task_sum']:.1f} | "
                     + " | ".join(f"{parts[k]:.1f}" for k in (*cols, "other", "handover")) + " |")
    lines.append(f"| **all** | {totals.get('wall', 0):.1f} | | {totals.get('task_sum', 0):.1f} | "
                 + " | ".join(f"{totals.get(k, 0):.1f}" for k in (*cols, "other", "handover")) + " |")
    clean = [r for phase in rollout["phases"] for r in task_breakdown(phase) if r["sched"] is not None]
    if clean:
        n = len(clean)
        lines.append("")
        lines.append(f"Mean over the {n} task instances that never deferred: ready->scheduled "
                     f"{sum(r['sched'] for r in clean) / n:.2f} s, scheduled->queued {sum(r['queue'] for r in clean) / n:.2f} s, "
                     f"queued->start_date {sum(r['pickup'] for r in clean) / n:.2f} s, start_date->first log line "
                     f"{sum(r['launch'] for r in clean) / n:.2f} s, boot (bundle + DagBag) {sum(r['boot'] for r in clean) / n:.2f} s, "
                     f"work {sum(r['work'] for r in clean) / n:.2f} s")
    return "\n".join(lines)


def detail(rollout: dict) -> str:
    """Every task of every phase: the gaps, one line each."""
    lines = []
    for phase in rollout["phases"]:
        rows = task_breakdown(phase)
        t0 = ts(phase["run"].get("start_date")) or 0
        lines.append(f"\n{phase['dag_id']}  (t=0 at the run's start_date)")
        lines.append(f"{'task':34} {'ready':>6} {'slot':>6} {'start':>6} {'launch':>6} {'boot':>6} {'work':>6} "
                     f"{'trig':>6} {'resume':>6} {'end':>6}")
        for r in sorted(rows, key=lambda r: r["start"]):
            lines.append(f"{r['task'][:34]:34} {r['ready'] - t0:6.1f} {r['slot_wait']:6.1f} {r['to_start']:6.1f} {r['launch']:6.1f} "
                         f"{r['boot']:6.1f} {r['work']:6.1f} {r['trigger_wait']:6.1f} {r['resume']:6.1f} {r['end'] - t0:6.1f}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------


def one_rollout(settings, admin, approver, phases, kind: str) -> dict:
    if kind == "fresh":
        urllib.request.urlopen(urllib.request.Request(f"{settings.standin_url}/moto-api/reset", data=b"",
                                                      method="POST"), timeout=30).read()
    before = {d: {r["dag_run_id"] for r in admin.runs(d)} for d in phases}
    with measure(settings) as cpu:
        started = time.monotonic()
        results = roll_out(admin, approver, phases, False, 1800, lambda *_: None)
        seconds = time.monotonic() - started
    collected = [collect(admin, d, results[d]["run_id"]) for d in phases]
    assert all(results[d]["run_id"] not in before[d] for d in phases)
    return {"kind": kind, "seconds": seconds, "cpu": cpu,
            "retried": {d: r["retried"] for d, r in results.items() if r["retried"]}, "phases": collected}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kinds", nargs="*", help="fresh and/or converged, in order (default: fresh converged)")
    parser.add_argument("--label", default="run")
    parser.add_argument("--out", type=Path, default=Path("/tmp/groundwork-timeline"))
    parser.add_argument("--analyse", nargs="+", type=Path, help="saved rollout files: print their tables")
    parser.add_argument("--detail", action="store_true", help="also every task's gaps")
    args = parser.parse_args(argv)
    if args.analyse:
        for path in args.analyse:
            rollout = json.loads(path.read_text())
            print(analyse(rollout))
            if args.detail:
                print(detail(rollout))
            print()
        return 0
    kinds = args.kinds or ["fresh", "converged"]
    if set(kinds) - {"fresh", "converged"}:
        parser.error("kinds are fresh or converged")
    settings = stack.Settings.load()
    passwords = stack.passwords(settings)
    admin = AirflowClient(settings.airflow_url, "admin", passwords["admin"])
    approver = AirflowClient(settings.airflow_url, "approver", passwords["approver"])
    phases = deployed_phases(ROOT / "dags")
    args.out.mkdir(parents=True, exist_ok=True)
    for n, kind in enumerate(kinds, 1):
        rollout = {"label": args.label, "n": n, "when": datetime.now().isoformat(timespec="seconds"),
                   "load_before": os.getloadavg(), **one_rollout(settings, admin, approver, phases, kind)}
        path = args.out / f"{args.label}-{kind}-{n}.json"
        path.write_text(json.dumps(rollout))
        print(analyse(rollout), flush=True)
        if args.detail:
            print(detail(rollout))
        print(f"(raw: {path}; load average before: {rollout['load_before']}; retried: {rollout['retried']})\n",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
