"""A stack of its own with the CeleryExecutor: PostgreSQL, Redis (Debian's redis-server) and two
`airflow celery worker` processes besides the api-server, scheduler, dag-processor, triggerer and the
AWS stand-in — the topology docker-compose.yaml runs, on one machine and without Docker. In
.local/e2e-celery on ports 18100 (Airflow), 15075 (stand-in), 15452 (PostgreSQL), 16379 (Redis);
GROUNDWORK_E2E_CELERY_STATE_DIR and GROUNDWORK_E2E_CELERY_PORTS ("airflow,standin,postgres,redis")
move it. tests/conftest.py schedules these tests as a group of their own ("e2e-celery"), apart from
the main chain and the fresh-AWS group. GROUNDWORK_E2E_KEEP=1 keeps the stack, as for the others."""

from __future__ import annotations

import os
from pathlib import Path
from unittest import mock

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import running_stack, stack_settings

CELERY_STATE_DIR = Path(os.environ.get("GROUNDWORK_E2E_CELERY_STATE_DIR") or ROOT / ".local" / "e2e-celery").resolve()
CELERY_PORTS = (os.environ.get("GROUNDWORK_E2E_CELERY_PORTS") or "18100,15075,15452,16379").split(",")
WORKERS = 2
# A task whose worker is lost stops heartbeating; the scheduler fails it (up for retry) once its
# last heartbeat is this old. Airflow's default is 300 s; 30 s keeps the test short and is still far
# above the 5 s between heartbeats of a live task on a busy machine.
HEARTBEAT_TIMEOUT_S = 30

CELERY_ENV = {
    "GROUNDWORK_EXECUTOR": "CeleryExecutor",
    "GROUNDWORK_CELERY_WORKERS": str(WORKERS),
    "GROUNDWORK_CELERY_CONCURRENCY": "2",
    "GROUNDWORK_REDIS_PORT": CELERY_PORTS[3],
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT_S),
}


def celery_settings():
    """The Celery stack's settings (for groundwork_ops.executor calls in the tests)."""
    with mock.patch.dict(os.environ, CELERY_ENV):
        return stack_settings(CELERY_STATE_DIR, CELERY_PORTS[:3])


@pytest.fixture(scope="module")
def stack():
    """Module-scoped: stopped as soon as its test is done, not kept idle (scheduler, dag-processor,
    two workers) while the same pytest worker runs the rest of the suite."""
    # running_stack reads the stack's settings from the environment when it starts: the Celery
    # settings apply to that start only, not to the rest of the session's environment.
    with mock.patch.dict(os.environ, CELERY_ENV):
        session = running_stack(CELERY_STATE_DIR, CELERY_PORTS[:3])
        started = next(session)
    yield started
    next(session, None)
