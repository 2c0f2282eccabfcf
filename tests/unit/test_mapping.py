"""How a mapped step is split into tasks: one per account up to the limit, batches past it."""

import pytest

from groundwork.mapping import batches, label


def test_up_to_the_limit_each_account_is_a_task_of_its_own():
    assert batches(["a", "b", "c"], 32) == [["a"], ["b"], ["c"]]
    assert batches([], 32) == []


@pytest.mark.parametrize("count, limit", [(1008, 32), (33, 32), (1000, 1), (64, 32), (7, 3)])
def test_past_it_batches_keep_the_order_leave_no_account_out_and_stay_within_the_limit(count, limit):
    items = [f"Workload {i:04d}" for i in range(count)]
    split = batches(items, limit)
    assert len(split) <= limit
    assert [name for batch in split for name in batch] == items
    assert max(map(len, split)) - min(map(len, split[:-1] or split)) <= 0  # equal sizes but the last


def test_a_limit_below_one_is_refused():
    with pytest.raises(ValueError):
        batches(["a"], 0)


def test_the_label_names_the_account_or_the_batch():
    assert label(["Audit"]) == "Audit"
    assert label(["A", "B", "C"]) == "A … C (3)"
