"""How a step mapped over accounts is split into Airflow tasks.

One task per account is not free: every task instance is scheduled, started in a fresh process that
parses its DAG file and reports back (seconds of CPU each). Past `operations.max_tasks_per_step`
accounts, each task takes a batch of consecutive accounts (config order) and does them one after
another; the step's pool still bounds how many tasks run at once, so the AWS work in flight stays
the pool's size either way. Up to that many accounts, one task per account, as before.
"""

from __future__ import annotations

from math import ceil


def batches(items: list[str], max_tasks: int) -> list[list[str]]:
    """`items` in order, in at most `max_tasks` consecutive batches of equal size (the last one may be
    smaller); one item per batch when there are no more items than tasks. No item is left out."""
    if max_tasks < 1:
        raise ValueError("max_tasks must be at least 1")
    size = max(1, ceil(len(items) / max_tasks))
    return [list(items[start:start + size]) for start in range(0, len(items), size)]


def label(batch: list[str]) -> str:
    """What a mapped task shows in the UI: its account, or its first and last account and how many."""
    if len(batch) == 1:
        return batch[0]
    return f"{batch[0]} … {batch[-1]} ({len(batch)})"
