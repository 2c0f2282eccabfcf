"""How a mapped step is split into tasks: one per account up to the limit, batches past it."""

import pytest

from groundwork.mapping import batches, label, task_count


def test_up_to_the_limit_each_account_is_a_task_of_its_own():
    assert batches(["a", "b", "c"], 32) == [["a"], ["b"], ["c"]]
    assert batches([], 32) == []


@pytest.mark.parametrize("count, limit", [(1008, 32), (33, 32), (1000, 1), (64, 32), (7, 3)])
def test_past_it_batches_keep_the_order_leave_no_account_out_and_stay_within_the_limit(count, limit):
    items = [f"Workload {i:04d}" for i in range(count)]
    split = batches(items, limit)
    assert len(split) <= limit
    assert [name for batch in split for name in batch] == items
    assert max(map(len, split)) - min(map(len, split)) <= 1  # sizes differ by one at most


@pytest.mark.parametrize("count, limit, slots, tasks", [
    (1008, 32, 5, 30),  # six full rounds of five, not six and a round of two
    (1008, 32, 8, 32), (1008, 32, 40, 32), (1008, 32, None, 32),
    (40, 32, 5, 30), (33, 32, 3, 30), (10, 32, 5, 10),  # up to the limit: one task per account
    (100, 4, 5, 4),  # fewer tasks allowed than slots: the limit
])
def test_past_the_limit_the_task_count_is_a_multiple_of_the_pool_slots(count, limit, slots, tasks):
    assert task_count(count, limit, slots) == tasks
    split = batches([f"a{i}" for i in range(count)], limit, slots)
    assert len(split) == tasks and sum(map(len, split)) == count


def test_a_limit_below_one_is_refused():
    with pytest.raises(ValueError):
        batches(["a"], 0)


def test_the_label_names_the_account_or_the_batch():
    assert label(["Audit"]) == "Audit"
    assert label(["A", "B", "C"]) == "A … C (3)"
