"""foundation_drift: scheduled from the config, read only (no approval, no apply step), mapped per phase."""

import pytest

from tests.conftest import ROOT
from tests.dags.parse import parse_refusing_aws


@pytest.fixture(scope="module")
def dag():
    return parse_refusing_aws(ROOT / "dags" / "foundation_drift.py").dags["foundation_drift"]


def test_the_tasks_in_order_and_nothing_that_applies(dag):
    assert [t.task_id for t in dag.topological_sort()] == ["validate", "deployed_phases", "detect", "report"]
    assert not any(t.task_id.startswith(("apply", "approve", "ensure")) for t in dag.tasks)


def test_scheduled_from_the_config_and_publishes_the_drift_asset(dag):
    from groundwork.config.loader import load_config

    assert load_config().operations.drift_schedule == "@daily"
    assert dag.timetable.expression == "0 0 * * *" and dag.max_active_runs == 1  # @daily
    outlets = dag.get_task("report").outlets
    assert [a.name for a in outlets] == ["groundwork_drift"]


def test_a_config_schedule_is_what_the_dag_uses(monkeypatch, tmp_path):
    from groundwork_airflow.drift_dag import parse_time_schedule

    text = (ROOT / "config" / "foundation.yaml").read_text()
    path = tmp_path / "foundation.yaml"
    path.write_text(text.replace("operations:\n", "operations:\n  drift_schedule: '0 6 * * 1-5'\n", 1))
    monkeypatch.setenv("FOUNDATION_CONFIG", str(path))
    assert parse_time_schedule() == "0 6 * * 1-5"
    path.write_text(text.replace("operations:\n", "operations:\n  drift_schedule: null\n", 1))
    assert parse_time_schedule() is None
