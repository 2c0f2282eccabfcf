"""The tests here start from an empty AWS and roll out phase 1 on their own (phase order before any
run, a rejected plan, preflight, faults, a killed worker, the browser), so they need none of the
other end-to-end tests' state: they run on a second stack
of their own (.local/e2e-fresh, ports 18090/15065/15442), by another pytest worker, at the same
time as the rest (tests/conftest.py schedules the two groups apart)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import running_stack

FRESH_STATE_DIR = Path(os.environ.get("GROUNDWORK_E2E_FRESH_STATE_DIR") or ROOT / ".local" / "e2e-fresh").resolve()
FRESH_PORTS = (os.environ.get("GROUNDWORK_E2E_FRESH_PORTS") or "18090,15065,15442").split(",")


@pytest.fixture(scope="session")
def stack():
    yield from running_stack(FRESH_STATE_DIR, FRESH_PORTS)
