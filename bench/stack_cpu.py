"""CPU time each component of a running local stack uses over a while: the stand-in, the four
Airflow components (the scheduler includes its LocalExecutor workers and every task process they
run; the triggerer its child) and PostgreSQL (the postmaster and every backend).

Read from /proc/<pid>/stat: utime + stime of every live process of a component's tree, plus
cutime + cstime (what its reaped children used), so a task process that starts and ends between
two readings is still counted (by its parent, once reaped). The scheduler's own process and its
LocalExecutor workers with the tasks they run ("tasks") are counted apart; "rest of the machine"
is what everything else used meanwhile (/proc/stat), so a measurement disturbed by other jobs shows.

    eval "$(scripts/stack.sh env)"                 # or GROUNDWORK_STATE_DIR=... of another stack
    .venv/bin/python bench/stack_cpu.py --seconds 60

prints CPU seconds per component over the window, and per minute. `measure()` is the same from
Python (bench/rollout_timeline.py wraps a rollout in it).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from groundwork_ops import stack

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float, float] | None:
    """(ppid, utime+stime, cutime+cstime) in seconds of a live process."""
    try:
        rest = Path(f"/proc/{pid}/stat").read_bytes().decode(errors="replace").rpartition(") ")[2].split()
    except OSError:
        return None
    return int(rest[1]), (int(rest[11]) + int(rest[12])) / TICKS, (int(rest[13]) + int(rest[14])) / TICKS


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores; /proc/stat minus idle and iowait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / TICKS


def roots(settings: stack.Settings) -> dict[int, str]:
    """pid -> component name of each component's first process (and the postmaster)."""
    found = {}
    for name in stack.COMPONENTS:
        pid = stack.running(settings, name)
        if pid:
            found[pid] = name
    try:
        found[int((settings.pgdata / "postmaster.pid").read_text().split()[0])] = "postgres"
    except (OSError, IndexError, ValueError):
        pass
    return found


def snapshot(settings: stack.Settings, known_roots: dict[int, str] | None = None) -> dict[str, float]:
    """Component -> CPU seconds used so far by its live tree (reaped children included). The
    scheduler's tree is split: "scheduler" is its own process, "tasks" its LocalExecutor workers and
    everything they run (task supervisors and task processes)."""
    known_roots = known_roots or roots(settings)
    table = {pid: s for pid in (int(p) for p in os.listdir("/proc") if p.isdigit()) if (s := _stat(pid))}
    totals = dict.fromkeys([*known_roots.values(), "tasks"], 0.0)
    for pid, (_, own, children) in table.items():
        seen, walk = 0, pid
        while walk not in known_roots and walk in table and seen < 64:
            walk, seen = table[walk][0], seen + 1
        if walk not in known_roots:
            continue
        name = known_roots[walk]
        if name == "scheduler" and pid != walk:
            totals["tasks"] += own + children
        elif name == "scheduler":
            totals["scheduler"] += own
            totals["tasks"] += children
        else:
            totals[name] += own + children
    totals["_machine"] = machine_busy()
    return totals


@contextmanager
def measure(settings: stack.Settings) -> Iterator[dict]:
    """`with measure(s) as used:` -> after the block, used = {component: CPU seconds, "_wall": s}."""
    known = roots(settings)
    before, started = snapshot(settings, known), time.monotonic()
    used: dict = {}
    try:
        yield used
    finally:
        after = snapshot(settings, known)
        used.update({name: after.get(name, 0.0) - before.get(name, 0.0) for name in before})
        used["_wall"] = time.monotonic() - started
        used["_others"] = used["_machine"] - sum(v for k, v in used.items() if not k.startswith("_"))


def table(used: dict, title: str = "") -> str:
    wall = used["_wall"]
    lines = [f"{title} ({wall:.0f} s wall)" if title else f"({wall:.0f} s wall)",
             "| component | CPU s | CPU s per minute | % of one core |", "|---|---|---|---|"]
    names = [n for n in used if not n.startswith("_")]
    for name in sorted(names, key=lambda n: -used[n]):
        lines.append(f"| {name} | {used[name]:.1f} | {used[name] * 60 / wall:.1f} | {100 * used[name] / wall:.1f} |")
    total = sum(used[n] for n in names)
    lines.append(f"| **total** | {total:.1f} | {total * 60 / wall:.1f} | {100 * total / wall:.1f} |")
    if "_others" in used:  # everything else on the machine meanwhile (other jobs, the driver itself)
        other = used["_others"]
        lines.append(f"| (rest of the machine) | {other:.1f} | {other * 60 / wall:.1f} | {100 * other / wall:.1f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args(argv)
    settings = stack.Settings.load()
    with measure(settings) as used:
        time.sleep(args.seconds)
    print(table(used, f"stack in {settings.state_dir}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
