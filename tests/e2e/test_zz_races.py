"""Last in the session: across every run the suite made, the scheduler never failed a resumed task
because of Airflow 3.3.2's stale executor report (a deferral resumed too soon, an approval
answered in its first seconds). Every approval in this suite is answered as soon as it shows."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

STALE_REPORT = "but the task instance's state attribute is"


def test_no_task_was_failed_by_a_stale_executor_report(stack):
    log = stack.scheduler_log()
    assert "Received executor event" in log  # the log this reads is the one the scheduler writes
    stale = [line for line in log.splitlines() if STALE_REPORT in line]
    print(f"\nscheduler lines with a stale executor report this session: {len(stale)}")
    assert stale == []
