"""The items task of a pooled mapped step (phase 1's accounts, pool `account_creation`) splits 1,008
accounts into a multiple of the pool's slots, so every round of tasks fills the pool."""

import sys

import yaml

from tests.conftest import ROOT
from tests.dags.parse import parse_refusing_aws


def test_phase_one_maps_1008_accounts_over_full_rounds_of_its_creation_pool(monkeypatch):
    sys.path.insert(0, str(ROOT / "bench"))
    from make_config import scaled_config

    from groundwork.config.loader import parse_config

    config = parse_config(yaml.safe_dump(scaled_config(1000)))
    monkeypatch.setattr("groundwork_airflow.phase.load_runtime_config", lambda: config)
    dag = parse_refusing_aws(ROOT / "dags" / "phase1_foundation.py").dags["phase1_foundation"]
    split = dag.get_task("account_names").python_callable()
    slots = config.operations.concurrency.account_creation
    assert len(split) % slots == 0 and len(split) <= config.operations.max_tasks_per_step
    assert [name for batch in split for name in batch] == [a.name for a in config.organization.accounts]
