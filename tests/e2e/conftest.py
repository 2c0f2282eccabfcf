"""One real stack for every end-to-end test: PostgreSQL, the AWS stand-in, and Airflow's
api-server, scheduler, dag-processor and triggerer, started through groundwork_ops.stack (what
`scripts/stack.sh` runs) in .local/e2e on ports of its own (a demo stack on the default ports is
left alone).

GROUNDWORK_E2E_KEEP=1 leaves the stack running after the tests (faster local reruns)."""

from __future__ import annotations

import os
import shutil
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from groundwork.phases import PHASES
from groundwork_ops import stack as local_stack

from tests.conftest import ROOT

# GROUNDWORK_E2E_STATE_DIR and GROUNDWORK_E2E_PORTS ("airflow,standin,postgres") let two test
# sessions on one machine use separate stacks. The tests in fresh_aws/ (they empty AWS and roll out
# phase 1 on their own) run on a second stack (GROUNDWORK_E2E_FRESH_STATE_DIR / _PORTS), by another
# pytest worker at the same time (tests/conftest.py).
STATE_DIR = Path(os.environ.get("GROUNDWORK_E2E_STATE_DIR") or ROOT / ".local" / "e2e").resolve()
PORTS = (os.environ.get("GROUNDWORK_E2E_PORTS") or "18080,15055,15432").split(",")
# The config the stack reads: a copy of config/foundation.yaml made when the session starts. Tests
# that change the config change this copy, never the checkout's file, which the other pytest worker
# reads meanwhile (scripts/test.sh runs the other tests alongside).
CONFIG_FILE = STATE_DIR / "foundation.yaml"


def promotion_layout(text: str) -> str:
    """The main stack's organization: the blueprint's, plus a second production account, and
    environments as a team has them (dev -> test -> staging -> production of two accounts), so
    that phase 5 and the promotion run on more than one account per environment. Edited as text:
    the file keeps its comments and layout, which some tests edit by line."""
    lines = text.splitlines(keepends=True)
    production = next(i for i, line in enumerate(lines) if line.lstrip().startswith("- {name: Production,"))
    second = (lines[production].replace("name: Production,", "name: Production EU,")
              .replace("aws-production@", "aws-production-eu@").replace("cidr: 10.0.0.0/16", "cidr: 10.3.0.0/16"))
    assert second != lines[production] and "10.3.0.0/16" in second
    lines.insert(production + 1, second)
    start = next(i for i, line in enumerate(lines) if line.strip() == "environments:")
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].lstrip().startswith("- "))
    indent = lines[start + 1][: len(lines[start + 1]) - len(lines[start + 1].lstrip())]
    lines[start + 1:end] = [f"{indent}- {{name: {name}, accounts: [{accounts}]}}\n" for name, accounts in (
        ("dev", "Development"), ("test", "Sandbox"), ("staging", "Staging"), ("production", "Production, Production EU"))]
    return "".join(lines)


@dataclass
class Stack:
    env: dict[str, str]
    airflow_url: str
    standin_url: str
    passwords: dict[str, str]
    state_dir: Path
    scheduler_log_offset: int = 0

    @property
    def scheduler_log_file(self) -> Path:
        return self.state_dir / "logs" / "scheduler.log"

    def scheduler_log(self) -> str:
        """What the scheduler logged during this test session."""
        with self.scheduler_log_file.open("rb") as log:
            log.seek(self.scheduler_log_offset)
            return log.read().decode(errors="replace")

    def client(self, user: str):
        from groundwork_ops.airflow_client import AirflowClient

        return AirflowClient(self.airflow_url, user, self.passwords[user])

    def aws(self, service: str, region: str = "us-east-1"):
        return boto3.client(service, region_name=region, endpoint_url=self.standin_url,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def reset_aws(self) -> None:
        urllib.request.urlopen(urllib.request.Request(f"{self.standin_url}/moto-api/reset", data=b"", method="POST"),
                               timeout=10).read()


def main_config():
    """The config the main stack runs (the blueprint with `promotion_layout`), parsed; usable at
    import time, before the session has written the stack's copy."""
    from groundwork.config.loader import parse_config

    return parse_config(promotion_layout((ROOT / "config" / "foundation.yaml").read_text()), str(CONFIG_FILE))


def stack_settings(state_dir: Path, ports: list[str], environment: dict | None = None) -> local_stack.Settings:
    """A test stack's settings: its state dir and ports over the session's environment (and
    `environment`), and its copy of the blueprint config (`<state dir>/foundation.yaml`) instead of
    any exported FOUNDATION_CONFIG."""
    named = dict(zip(("GROUNDWORK_AIRFLOW_PORT", "GROUNDWORK_STANDIN_PORT", "GROUNDWORK_PG_PORT"), ports))
    env = {**os.environ, **(environment or {}), "GROUNDWORK_STATE_DIR": str(state_dir), **named,
           "FOUNDATION_CONFIG": str(state_dir / "foundation.yaml")}
    return local_stack.Settings.load(env)


def running_stack(state_dir: Path, ports: list[str], layout=None, environment: dict | None = None):
    """Start (or reuse) a stack, empty its AWS, pause every phase; yield it; stop it at the end.
    The stack reads a copy of the blueprint config, changed by `layout(text) -> text` if given;
    `environment` adds to what its components see (e.g. the stand-in's delays)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    if layout is None:
        shutil.copyfile(ROOT / "config" / "foundation.yaml", state_dir / "foundation.yaml")
    else:
        (state_dir / "foundation.yaml").write_text(layout((ROOT / "config" / "foundation.yaml").read_text()))
    settings = stack_settings(state_dir, ports, environment)
    try:
        local_stack.up(settings)
    except local_stack.StackError as error:
        raise RuntimeError(f"stack did not come up:\n{error}") from None
    exported = local_stack.environment(settings)
    passwords = local_stack.passwords(settings)
    stack = Stack(exported, exported["GROUNDWORK_AIRFLOW_URL"], exported["GROUNDWORK_STANDIN_URL"], passwords,
                  state_dir)
    log = stack.scheduler_log_file
    stack.scheduler_log_offset = log.stat().st_size if log.exists() else 0
    # A session starts from an empty AWS and with every phase paused, so that no phase starts by
    # Asset behind a test's back (a paused DAG is not queued by an Asset event).
    stack.reset_aws()
    admin = stack.client("admin")
    for dag_id in PHASES:
        if (ROOT / "dags" / f"{dag_id}.py").exists():
            admin.wait_for_dag(dag_id)
            admin.request("PATCH", f"/dags/{dag_id}", json={"is_paused": True})
            # a kept stack may hold runs a stopped stack left unfinished: they would block new runs
            for run in admin.runs(dag_id):
                if run["state"] in ("queued", "running"):
                    admin.request("PATCH", f"/dags/{dag_id}/dagRuns/{admin._run(run['dag_run_id'])}",
                                  json={"state": "failed"})
            # AWS is empty again: no earlier run of a kept stack counts for the next phase's gate
            admin.request("DELETE", f"/variables/groundwork.latest_run.{dag_id}", expect=(204, 404))
    yield stack
    if os.environ.get("GROUNDWORK_E2E_KEEP") != "1":
        local_stack.down(settings)


@pytest.fixture(scope="session")
def stack():
    # CreateAccount takes longer on this stack's stand-in than the worker checks before deferring
    # (ProbeWait.AWS_GRACE_SECONDS): phase 1 here waits deferred, as it does on AWS (minutes).
    yield from running_stack(STATE_DIR, PORTS, promotion_layout,
                             environment={"GROUNDWORK_STANDIN_CREATE_ACCOUNT_SECONDS": "12"})


@pytest.fixture(scope="session")
def completed_phases():
    """dag_id -> run_id of the phase runs that succeeded in this session (AWS was reset at its start)."""
    return {}


@pytest.fixture(scope="session")
def ensure_phase(stack, completed_phases):
    """Make sure a phase (and every phase before it) has succeeded in this session, approving as
    the approver like an operator would. Returns the run id of the phase's successful run."""
    from groundwork_ops.rollout import run_phase

    def ensure(dag_id: str) -> str:
        for earlier in PHASES[: PHASES.index(dag_id) + 1]:
            if earlier not in completed_phases:
                outcome = run_phase(stack.client("admin"), stack.client("approver"), earlier,
                                    manual=False, timeout=900, log=lambda *_: None)
                completed_phases[earlier] = outcome["run_id"]
        return completed_phases[dag_id]

    return ensure


def pause_phases_after(stack: Stack, dag_id: str) -> None:
    """Pause every phase after `dag_id`, so its Asset starts nothing behind a test's back."""
    admin = stack.client("admin")
    for later in PHASES[PHASES.index(dag_id) + 1:]:
        if (ROOT / "dags" / f"{later}.py").exists():
            admin.request("PATCH", f"/dags/{later}", json={"is_paused": True})


def trigger_until_approval(stack: Stack, dag_id: str) -> str:
    """Unpause and trigger a phase; return once its approval may be answered."""
    admin = stack.client("admin")
    admin.wait_for_dag(dag_id)
    admin.unpause(dag_id)
    run_id = admin.trigger(dag_id)
    admin.wait_for_approval(dag_id, run_id, "approve")
    return run_id


def converged_rerun(stack: Stack, dag_id: str) -> tuple[str, list]:
    """Trigger a phase that already converged, recording every AWS call the run makes; the run
    must succeed without asking anyone. Returns the run id and the recorded calls."""
    from collections import Counter

    from groundwork_standin.recording import Recorder

    admin = stack.client("admin")
    recorder = Recorder(stack.standin_url)
    recorder.start()
    started = time.monotonic()
    try:
        run_id = admin.trigger(dag_id)
        assert admin.wait_for_run(dag_id, run_id, timeout=600) == "success", admin.task_states(dag_id, run_id)
        calls = recorder.calls()
    finally:
        recorder.stop()
    counted = Counter(f"{c.service}:{c.operation}" for c in calls)
    print(f"\n{dag_id} converged rerun: {time.monotonic() - started:.1f}s, {len(calls)} calls: {sorted(counted.items())}")
    from groundwork.phases.spec import SPECS

    states = admin.task_states(dag_id, run_id)
    assert states["approve"] == "skipped"
    # nothing to change: every step skipped; verify checked what the plan does not (its reads are not repeated)
    assert states[SPECS[dag_id].steps[0].task_id] == "skipped" and states["verify"] == "success", states
    counts = admin.xcom(dag_id, run_id, "plan", key="counts")
    assert (counts["create"], counts["update"], counts["delete"]) == (0, 0, 0)
    return run_id, calls


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(Path(item.fspath)):
            item.add_marker(pytest.mark.e2e)
