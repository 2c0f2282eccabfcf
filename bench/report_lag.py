"""How late the scheduler hears that a worker is done with a task try: the stale-report window that
RESUME_FLOOR_SECONDS (plugins/groundwork_airflow/triggers.py) and the approval's RESCHEDULE_SECONDS
must outlast.

For every worker session of every task log of a stack (AIRFLOW_HOME/logs/dag_id=*/.../attempt=N.log,
JSON lines), the moment the task process said it is done ("Pausing task as DEFERRED", "Rescheduling
task", or the last line of the session) against the first "Received executor event ... for task
instance TaskInstanceKey(...)" line the scheduler logged for that key after it. Deferrals and
reschedules are what the floor guards; completions are listed for comparison.

    eval "$(scripts/stack.sh env)"
    .venv/bin/python bench/report_lag.py [--since 2026-12-03T15:00]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from datetime import datetime
from pathlib import Path

from groundwork_ops import stack

RECEIVED = re.compile(r"^(\S+) .*Received executor event with state (\w+) for task instance TaskInstanceKey\("
                      r"dag_id='([^']+)', task_id='([^']+)', run_id='([^']+)', try_number=(\d+), map_index=(-?\d+)\)")
SESSION_START = "::group::Pre Execute"
PAUSES = {"Pausing task as DEFERRED": "deferred", "Rescheduling task": "rescheduled"}


def ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def scheduler_events(log: Path) -> dict[tuple, list[float]]:
    events: dict[tuple, list[float]] = {}
    with log.open(errors="replace") as f:
        for line in f:
            if "Received executor event" not in line:
                continue
            m = RECEIVED.match(line)
            if m:
                key = (m[3], m[4], m[5], int(m[6]), int(m[7]))
                events.setdefault(key, []).append(ts(m[1]))
    return events


def task_sessions(logs: Path):
    """(key, kind, moment the task process was done) for every worker session of every task log."""
    for path in logs.glob("dag_id=*/run_id=*/task_id=*/**/attempt=*.log"):
        if not re.fullmatch(r"attempt=\d+\.log", path.name):  # not the triggers' logs
            continue
        parts = {p.split("=", 1)[0]: p.split("=", 1)[1] for p in path.relative_to(logs).parts if "=" in p}
        key = (parts["dag_id"], parts["task_id"], parts["run_id"], int(parts["attempt"].removesuffix(".log")),
               int(parts.get("map_index", -1)))
        sessions: list[list] = []
        for line in path.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            event, stamp = str(entry.get("event", "")), entry.get("timestamp")
            if not stamp:
                continue
            if SESSION_START in event:
                sessions.append(["finished", ts(stamp)])
            elif sessions:
                for words, kind in PAUSES.items():
                    if words in event:
                        sessions[-1][0] = kind
                sessions[-1][1] = ts(stamp)
        for kind, done in sessions:
            yield key, kind, done


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--since", help="only task sessions that ended after this ISO time (UTC)")
    parser.add_argument("--show", type=int, default=8, help="list the N longest lags of deferrals/reschedules")
    args = parser.parse_args(argv)
    settings = stack.Settings.load()
    since = ts(args.since + ("" if "+" in args.since or args.since.endswith("Z") else "+00:00")) if args.since else 0
    received = scheduler_events(settings.logfile("scheduler"))
    lags: dict[str, list[tuple[float, tuple]]] = {}
    unmatched = 0
    for key, kind, done in task_sessions(settings.airflow_home / "logs"):
        if done < since:
            continue
        later = [t for t in received.get(key, []) if t >= done - 0.5]
        if not later:
            unmatched += 1
            continue
        lags.setdefault(kind, []).append((min(later) - done, key))
    print("| worker session ended by | n | median s | p90 s | max s |\n|---|---|---|---|---|")
    for kind, values in sorted(lags.items()):
        xs = sorted(v for v, _ in values)
        p90 = xs[min(len(xs) - 1, int(0.9 * len(xs)))]
        print(f"| {kind} | {len(xs)} | {statistics.median(xs):.2f} | {p90:.2f} | {xs[-1]:.2f} |")
    if unmatched:
        print(f"\n({unmatched} sessions without a scheduler event after them: still running, or a log rotated)")
    worst = sorted((v for kind in ("deferred", "rescheduled") for v in lags.get(kind, [])), reverse=True)
    for lag, key in worst[: args.show]:
        print(f"  {lag:5.2f} s  {key[0]} {key[1]}[{key[4]}] try {key[3]} {key[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
