"""Reading many accounts at once.

A plan reads every account (phase 4: ~30 calls each), so at 1,000 accounts it is ~30,000 calls; one
after another, each waiting AWS's latency (~100 ms), that is most of an hour. The per-account reads
are independent, so a plan runs them on READ_WORKERS threads: boto3 clients are thread-safe, and
`AwsContext` creates clients and assumes roles under its own lock. AWS meters each account's calls
apart, so spreading reads over accounts is what its rate limits allow; a throttled call is retried
by botocore (adaptive mode) as always. Only reads run this way: applies keep one account after
another per task, bounded by the step's Airflow pool.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

READ_WORKERS = 16


def read_all(read: Callable[[T], R], items: Iterable[T], workers: int = READ_WORKERS) -> list[R]:
    """`[read(item) for item in items]`, in order, `workers` at a time; the first error is raised."""
    items = list(items)
    if len(items) < 2 or workers < 2:
        return [read(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items)), thread_name_prefix="groundwork-read") as pool:
        return list(pool.map(read, items))
