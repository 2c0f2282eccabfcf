"""bench/scale_rollout.py's report: phase 1's accounts per minute over the whole phase and over its
account step alone (the plan, approval and verify around it are not account creation)."""

import importlib.util

from tests.conftest import ROOT


def load():
    spec = importlib.util.spec_from_file_location("scale_rollout", ROOT / "bench" / "scale_rollout.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ti(task_id, start, end, map_index=-1):
    return {"task_id": task_id, "map_index": map_index, "start_date": f"2026-12-04T19:{start}Z",
            "end_date": f"2026-12-04T19:{end}Z"}


def test_the_account_step_spans_its_first_start_to_its_last_end():
    scale = load()
    phase = {"dag_id": "phase1_foundation", "run": {"start_date": "2026-12-04T19:00:00Z", "end_date": "2026-12-04T19:10:00Z"},
             "tis": [ti("plan", "00:10", "00:40"), ti("ensure_account", "01:00", "05:00", 0),
                     ti("ensure_account", "01:30", "07:00", 1), ti("verify", "08:00", "09:00")]}
    assert scale.step_seconds(phase, "ensure_account") == 360.0
    rollout = {"label": "t", "kind": "fresh", "seconds": 600.0, "phases": [phase], "calls": {}, "peak_rss": {}}
    text = scale.report(rollout, accounts=60, creation_pool=5, create_seconds=10)
    assert "bound 30.0 accounts/min" in text
    assert "in whole rounds, 60 accounts take at least 12 x 10 s = 120 s" in text
    assert "the whole phase: 600.0 s, 6.0 accounts/min, 20 % of the bound, 20 % of the whole-rounds bound" in text
    assert "its account step: 360.0 s, 10.0 accounts/min, 33 % of the bound, 33 % of the whole-rounds bound" in text


def test_whole_rounds_count_the_slot_that_does_one_more():
    scale = load()
    assert scale.creation_rounds(48, 5) == 10 and scale.creation_rounds(50, 5) == 10
    assert scale.creation_rounds(51, 5) == 11 and scale.creation_rounds(1008, 5) == 202 and scale.creation_rounds(3, 5) == 1
