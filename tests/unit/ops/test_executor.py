"""The local stack's executor option (groundwork_ops.executor): LocalExecutor stays the default and
adds nothing; CeleryExecutor adds a password-protected Redis on loopback (Debian's redis-server, run
for real when installed) and N celery workers, each its own session, one of which can be killed
whole (its task runner's process group too)."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from groundwork_ops import executor, stack
from groundwork_ops.stack import Settings, StackError


@pytest.fixture
def state(tmp_path):
    return tmp_path / "state"


def load(state, **env):
    return Settings.load({"GROUNDWORK_STATE_DIR": str(state), "PATH": "/usr/bin:/bin", **env})


def celery(state, **env):
    return load(state, GROUNDWORK_EXECUTOR="CeleryExecutor", **env)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------ settings and environment


def test_local_executor_is_the_default_and_adds_nothing(state):
    settings = load(state)
    assert (settings.executor, settings.celery_workers, settings.celery_concurrency, settings.redis_port) == (
        "LocalExecutor", 2, 2, 26379)
    stack.ensure_secrets(settings)
    env = stack.component_environment(settings)
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert not any(name.startswith("AIRFLOW__CELERY__") for name in env)
    assert executor.component_names(settings) == [] and executor.worker_names(settings) == []
    assert not (settings.secrets / "redis_password").exists()


def test_celery_sets_executor_broker_result_backend_and_concurrency(state):
    settings = celery(state, GROUNDWORK_REDIS_PORT="16379", GROUNDWORK_PG_PORT="15452",
                      GROUNDWORK_CELERY_WORKERS="3", GROUNDWORK_CELERY_CONCURRENCY="1")
    stack.ensure_secrets(settings)
    env = stack.component_environment(settings)
    redis_password = (settings.secrets / "redis_password").read_text().strip()
    pg_password = (settings.secrets / "pg_password").read_text().strip()
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CELERY__BROKER_URL"] == f"redis://:{redis_password}@127.0.0.1:16379/0"
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"] == f"db+postgresql+psycopg2://airflow:{pg_password}@127.0.0.1:15452/airflow"
    assert env["AIRFLOW__CELERY__WORKER_CONCURRENCY"] == "1"
    assert len(redis_password) == 48 and oct((settings.secrets / "redis_password").stat().st_mode)[-3:] == "600"
    assert executor.component_names(settings) == ["redis", "celery-worker-1", "celery-worker-2", "celery-worker-3"]
    # made once: the same password next time
    assert stack.component_environment(settings)["AIRFLOW__CELERY__BROKER_URL"] == env["AIRFLOW__CELERY__BROKER_URL"]


def test_executor_settings_are_kept_for_the_running_stack_and_checked(state):
    saved = celery(state, GROUNDWORK_REDIS_PORT="16379", GROUNDWORK_CELERY_WORKERS="2")
    saved.run.mkdir(parents=True)
    stack.save_settings(saved)
    again = load(state)  # env/status/down of that stack: the saved executor, not the default
    assert (again.executor, again.redis_port, again.celery_workers) == ("CeleryExecutor", 16379, 2)
    assert load(state, GROUNDWORK_EXECUTOR="LocalExecutor").executor == "LocalExecutor"


@pytest.mark.parametrize("name,value,message", [
    ("GROUNDWORK_EXECUTOR", "celery", "GROUNDWORK_EXECUTOR must be one of LocalExecutor, CeleryExecutor, got 'celery'"),
    ("GROUNDWORK_EXECUTOR", "KubernetesExecutor", "must be one of"),
    ("GROUNDWORK_CELERY_WORKERS", "0", "GROUNDWORK_CELERY_WORKERS must be a whole number"),
    ("GROUNDWORK_CELERY_CONCURRENCY", "x", "GROUNDWORK_CELERY_CONCURRENCY must be a whole number"),
    ("GROUNDWORK_REDIS_PORT", "70000", "GROUNDWORK_REDIS_PORT must be a whole number"),
])
def test_bad_executor_settings_are_refused_by_name(state, name, value, message):
    with pytest.raises(StackError, match=message):
        load(state, **{name: value})


def test_workers_get_distinct_node_names_and_serve_no_logs(state):
    settings = celery(state, GROUNDWORK_CELERY_CONCURRENCY="3")
    first, second = executor.worker_command(settings, 1), executor.worker_command(settings, 2)
    assert first[:3] == [str(settings.airflow_bin), "celery", "worker"]
    assert first[first.index("--concurrency") + 1] == "3"
    assert first[first.index("--celery-hostname") + 1] == "worker1@%h"
    assert second[second.index("--celery-hostname") + 1] == "worker2@%h"
    assert "--skip-serve-logs" in first  # two workers on one machine: no fight over port 8793


def test_redis_config_is_loopback_password_and_no_persistence(state):
    settings = celery(state, GROUNDWORK_REDIS_PORT="16379")
    stack.ensure_secrets(settings)
    lines = executor.redis_conf_text(settings).splitlines()
    assert "port 16379" in lines and "bind 127.0.0.1" in lines and "protected-mode yes" in lines
    assert f"requirepass {executor.redis_password(settings)}" in lines
    assert 'save ""' in lines and "appendonly no" in lines and "daemonize no" in lines


def test_a_worker_is_ready_once_celery_says_so_since_its_last_start(state):
    settings = celery(state)
    stack.ensure_dirs(settings)
    log = settings.logfile("celery-worker-1")
    log.write_text("===== celery-worker-1 start x =====\n[..] worker1@host ready.\n"
                   "===== celery-worker-1 start y =====\n[..] Connected to redis://\n")
    assert not executor.worker_ready(settings, "celery-worker-1")
    with log.open("a") as out:  # as Airflow's structured log writes it
        out.write("2026-12-03T15:32:47.839573Z [info     ] worker1@vm ready.              "
                  "[celery.apps.worker] loc=worker.py:182\n")
    assert executor.worker_ready(settings, "celery-worker-1")
    assert not executor.worker_ready(settings, "celery-worker-2")


def test_the_execution_api_is_asked_once_before_the_stack_counts_as_ready(state):
    """Its first request builds Airflow's versioned Execution API routes (30-42 s on busy cores,
    answering nothing meanwhile): `up` pays that, not the first task."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    asked = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            asked.append(self.path)
            ok = self.path == "/execution/health" and len(asked) > 1  # the first try is refused
            self.send_response(200 if ok else 503)
            self.end_headers()
            self.wfile.write(b'{"status": "healthy"}' if ok else b"")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = celery(state, GROUNDWORK_AIRFLOW_PORT=str(server.server_address[1]))
        assert executor.warm_execution_api(settings, 10) < 10
        assert asked == ["/execution/health", "/execution/health"]
    finally:
        server.shutdown()
        server.server_close()
    stack.ensure_dirs(settings)
    with pytest.raises(StackError, match="api-server: /execution/health not answering after 1s"):
        executor.warm_execution_api(settings, 1)


# ------------------------------------------------------------------ processes


@pytest.mark.skipif(not os.access("/usr/bin/redis-server", os.X_OK), reason="Debian's redis-server is not installed")
def test_redis_starts_on_loopback_with_a_password_and_stops_with_the_stack(state):
    settings = celery(state, GROUNDWORK_REDIS_PORT=str(free_port()))
    stack.ensure_secrets(settings)
    env = {**settings.caller_env, stack.TOKEN_VAR: "test-token"}
    try:
        executor.start_broker(settings, env)
        pid = stack.running(settings, "redis")
        assert pid and stack.proc_stat(pid).session == pid
        assert executor.redis_ping(settings)
        assert stack.beyond_loopback({pid}) == []
        with socket.create_connection(("127.0.0.1", settings.redis_port), timeout=2) as conn:
            conn.sendall(b"*1\r\n$4\r\nPING\r\n")  # no password: refused
            assert conn.recv(100).startswith(b"-NOAUTH")
        assert executor.started_names(settings) == ["redis"]
        rows = executor.status_rows(settings)
        assert [(name, st) for name, st, _, _ in rows][:1] == [("redis", "running")]
        assert f"127.0.0.1:{settings.redis_port} ok" in rows[0][3]
    finally:
        stack.stop_bg(settings, 5, executor.started_names(settings))
    assert not executor.redis_ping(settings) and executor.started_names(settings) == []


def test_a_missing_redis_binary_is_named(state):
    settings = celery(state, GROUNDWORK_REDIS_BIN=str(state / "no-redis"))
    stack.ensure_secrets(settings)
    with pytest.raises(StackError, match="CeleryExecutor needs Redis: .*no-redis not found"):
        executor.start_broker(settings, settings.caller_env)
    executor.start_broker(load(state, GROUNDWORK_REDIS_BIN=str(state / "no-redis")), {})  # Local: nothing to start


# A stand-in for `airflow celery worker`: a pool child that forks a "task runner" into a process
# group of its own, as Airflow 3.3's supervisor does (os.setpgid(0, 0)).
FAKE_WORKER = """
import os, sys, time
if os.fork() == 0:               # pool child (same group)
    pid = os.fork()
    if pid == 0:                 # task runner: its own process group
        os.setpgid(0, 0)
        open(sys.argv[1], "w").write(str(os.getpid()))
        time.sleep(120)
        os._exit(0)
    time.sleep(120)
    os._exit(0)
print("worker1@host ready.", flush=True)
time.sleep(120)
"""


def test_killing_a_worker_takes_its_task_runner_too_and_the_other_worker_stays(state, tmp_path):
    settings = celery(state)
    stack.ensure_dirs(settings)
    env = {**settings.caller_env, stack.TOKEN_VAR: "test-token"}
    marker = tmp_path / "task-runner.pid"
    stack.start_bg(settings, "celery-worker-1", None, [sys.executable, "-c", FAKE_WORKER, str(marker)], env)
    stack.start_bg(settings, "celery-worker-2", None, ["sleep", "120"], env)
    try:
        deadline = time.monotonic() + 10
        while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        task = int(marker.read_text())
        worker = stack.running(settings, "celery-worker-1")
        assert stack.proc_stat(task).pgrp == task != worker  # not in the worker's process group
        assert executor.worker_of(settings, task) == "celery-worker-1"
        assert executor.worker_of(settings, os.getpid()) is None

        killed = executor.kill_worker(settings, "celery-worker-1")
        assert worker in killed and task in killed and len(killed) == 3
        deadline = time.monotonic() + 10
        while (stack.group_alive(worker) or stack.group_alive(task)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not stack.group_alive(worker) and not stack.group_alive(task)
        assert stack.running(settings, "celery-worker-1") is None
        assert stack.running(settings, "celery-worker-2")
        with pytest.raises(StackError, match="celery-worker-1 is not running"):
            executor.kill_worker(settings, "celery-worker-1")
    finally:
        stack.stop_bg(settings, 5, executor.started_names(settings))
    assert executor.started_names(settings) == []


def test_down_stops_what_a_celery_stack_left_even_when_the_settings_say_local(state):
    settings = celery(state)
    stack.ensure_dirs(settings)
    env = {**settings.caller_env, stack.TOKEN_VAR: "test-token"}
    stack.start_bg(settings, "celery-worker-1", None, ["sleep", "120"], env)
    pid = stack.running(settings, "celery-worker-1")
    local = load(state, GROUNDWORK_EXECUTOR="LocalExecutor", GROUNDWORK_PG_BIN=str(state / "no-pg"))
    assert executor.started_names(local) == ["celery-worker-1"]
    assert [row[:2] for row in executor.status_rows(local)] == [("celery-worker-1", "running")]
    stack.down(local)
    deadline = time.monotonic() + 10
    while stack.group_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not stack.group_alive(pid) and executor.started_names(local) == []


def test_stack_run_as_a_script_raises_its_own_stack_error_from_the_executor(state):
    """`python -m groundwork_ops.stack` (scripts/stack.sh): an executor error is reported like any
    other stack error, not as an unexpected failure (one module, one StackError)."""
    root = Path(stack.__file__).resolve().parents[2]
    env = {"GROUNDWORK_STATE_DIR": str(state), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(root / "tools"),
           "GROUNDWORK_EXECUTOR": "Celery"}
    done = subprocess.run([sys.executable, "-m", "groundwork_ops.stack", "env"], env=env, capture_output=True,
                          text=True)
    assert done.returncode == 1
    assert "[stack] ERROR: GROUNDWORK_EXECUTOR must be one of LocalExecutor, CeleryExecutor" in done.stderr
    assert "unexpected failure" not in done.stderr
    env["GROUNDWORK_EXECUTOR"] = "CeleryExecutor"
    env["GROUNDWORK_REDIS_PORT"] = "16379"
    done = subprocess.run([sys.executable, "-m", "groundwork_ops.stack", "env"], env=env, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert "export AIRFLOW__CORE__EXECUTOR='CeleryExecutor'" in done.stdout
    assert "@127.0.0.1:16379/0'" in done.stdout
