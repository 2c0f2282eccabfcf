"""`read_all`: reads of many accounts at once, in order, errors not lost."""

import threading

import pytest

from groundwork.aws.parallel import read_all


def test_results_keep_the_order_of_the_items_and_the_reads_run_at_once():
    together = threading.Barrier(4, timeout=30)  # passes only when 4 reads are in flight at the same time

    def read(item):
        if item < 4:
            together.wait()
        return item * 2

    assert read_all(read, range(32), workers=4) == [i * 2 for i in range(32)]


def test_an_error_in_one_read_is_raised():
    def read(item):
        if item == 3:
            raise ValueError("account 3 unreadable")
        return item

    with pytest.raises(ValueError, match="account 3"):
        read_all(read, range(8))


def test_one_item_or_one_worker_runs_in_this_thread():
    here = threading.current_thread().name
    assert read_all(lambda _: threading.current_thread().name, [1]) == [here]
    assert read_all(lambda _: threading.current_thread().name, [1, 2], workers=1) == [here, here]
