"""How a step mapped over accounts is split into Airflow tasks.

One task per account is not free: every task instance is scheduled, started in a fresh process that
parses its DAG file and reports back (seconds of CPU each). Past `operations.max_tasks_per_step`
accounts, each task takes a batch of consecutive accounts (config order) and does them one after
another; the step's pool still bounds how many tasks run at once, so the AWS work in flight stays
the pool's size either way, and the number of tasks is a multiple of the pool's slots so that no
round of tasks leaves slots idle. Up to that many accounts, one task per account, as before.
"""

from __future__ import annotations

def task_count(items: int, max_tasks: int, slots: int | None = None) -> int:
    """How many tasks a step of `items` accounts runs: one per account up to `max_tasks`; past it
    `max_tasks`, or with a pool of `slots`, the largest multiple of `slots` not over `max_tasks` (at
    least `slots`). The pool runs `slots` tasks at once: 32 tasks in 5 slots end with a round of 2
    tasks while 3 slots idle, the 30 of 6 full rounds do not."""
    if max_tasks < 1:
        raise ValueError("max_tasks must be at least 1")
    if items <= max_tasks:
        return items
    if slots and slots < max_tasks:
        return min(items, max(slots, max_tasks // slots * slots))
    return max_tasks


def batches(items: list[str], max_tasks: int, slots: int | None = None) -> list[list[str]]:
    """`items` in order, in `task_count` consecutive batches whose sizes differ by one at most; one
    item per batch when there are no more items than tasks. No item is left out."""
    count = task_count(len(items), max_tasks, slots)
    if count == 0:
        return []
    size, larger = divmod(len(items), count)
    out, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < larger else 0)
        out.append(list(items[start:end]))
        start = end
    return out


def label(batch: list[str]) -> str:
    """What a mapped task shows in the UI: its account, or its first and last account and how many."""
    if len(batch) == 1:
        return batch[0]
    return f"{batch[0]} … {batch[-1]} ({len(batch)})"
