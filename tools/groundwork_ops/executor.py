"""The local stack's executor: LocalExecutor (the default) or CeleryExecutor with Redis and N workers.

    GROUNDWORK_EXECUTOR=CeleryExecutor  GROUNDWORK_CELERY_WORKERS=2  GROUNDWORK_CELERY_CONCURRENCY=2
    GROUNDWORK_REDIS_PORT=26379         (GROUNDWORK_REDIS_BIN=/usr/bin/redis-server, Debian's redis-server)

With CeleryExecutor, `up` also starts Redis (Debian's `redis-server`, not the system service: its own
config, data dir and port under the state dir, bound to 127.0.0.1, password from
<state>/secrets/redis_password) before the scheduler, and N `airflow celery worker` processes after the
other components: each its own session and process group (stack.start_bg), named
`celery-worker-<n>` (pid file, log), Celery node name `worker<n>@<host>`, `--skip-serve-logs` (the
api-server reads the task logs from the shared logs folder, and two workers on one machine would
fight over port 8793). Results go to the stack's PostgreSQL (`db+postgresql+psycopg2://`). Before the
stack counts as up, the api-server's Execution API is asked once (warm_execution_api). This is the
topology docker-compose.yaml runs, on one machine and without Docker; tests/e2e/celery/ kills one
worker in the middle of phase 1 (kill_worker).

stack.py calls in here (lazily: this module imports stack); everything is a no-op for LocalExecutor,
except that `down` stops whatever a Celery stack left behind, whatever the settings say now.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import time
from collections.abc import Mapping
from pathlib import Path

from groundwork_ops import stack

LOCAL = "LocalExecutor"
CELERY = "CeleryExecutor"
EXECUTORS = (LOCAL, CELERY)
REDIS = "redis"
WORKER_PREFIX = "celery-worker-"


def is_celery(settings) -> bool:
    return settings.executor == CELERY


def worker_names(settings) -> list[str]:
    return [f"{WORKER_PREFIX}{n}" for n in range(1, settings.celery_workers + 1)] if is_celery(settings) else []


def component_names(settings) -> list[str]:
    """What this executor adds to the stack, in start order."""
    return [REDIS, *worker_names(settings)] if is_celery(settings) else []


def started_names(settings) -> list[str]:
    """Every executor component that has a pid file, whatever the settings now say (for down)."""
    try:
        names = sorted(p.name[:-4] for p in settings.run.glob(f"{WORKER_PREFIX}*.pid"))
    except OSError:
        names = []
    if settings.pidfile(REDIS).exists():
        names.append(REDIS)
    return names


# ---------------------------------------------------------------------------------------------
# Environment


def redis_password(settings) -> str:
    """Made once, like the stack's other secrets (the secrets dir exists: ensure_secrets)."""
    path = settings.secrets / "redis_password"
    if not path.exists() or not path.read_text().strip():
        stack._write_private(path, os.urandom(24).hex() + "\n")
    return path.read_text().strip()


def broker_url(settings) -> str:
    return f"redis://:{redis_password(settings)}@127.0.0.1:{settings.redis_port}/0"


def executor_environment(settings) -> dict[str, str]:
    """What the executor adds to component_environment (nothing for LocalExecutor)."""
    if not is_celery(settings):
        return {}
    pg = stack.secret(settings, "pg_password")
    # +psycopg2: SQLAlchemy 2.1 (what Airflow 3.3.2 resolves to) means psycopg 3 by a bare postgresql://
    return {
        "AIRFLOW__CORE__EXECUTOR": CELERY,
        "AIRFLOW__CELERY__BROKER_URL": broker_url(settings),
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql+psycopg2://airflow:{pg}@127.0.0.1:{settings.pg_port}/airflow",
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(settings.celery_concurrency),
    }


# ---------------------------------------------------------------------------------------------
# Redis


def redis_dir(settings) -> Path:
    return settings.state_dir / "redis"


def redis_conf_text(settings) -> str:
    """A broker, not a database: loopback only, a password, no persistence (a restart loses queued
    messages; the scheduler queues the task instances again), no daemonizing (start_bg detaches)."""
    return "\n".join([
        f"port {settings.redis_port}",
        "bind 127.0.0.1",
        "protected-mode yes",
        f"requirepass {redis_password(settings)}",
        "daemonize no",
        'save ""',
        "appendonly no",
        f"dir {redis_dir(settings)}",
        "loglevel notice",
        "",
    ])


def redis_ping(settings, timeout: float = 2) -> bool:
    """AUTH + PING over the socket (no client library needed)."""
    try:
        with socket.create_connection(("127.0.0.1", settings.redis_port), timeout=timeout) as conn:
            password = redis_password(settings).encode()
            conn.sendall(b"*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n*1\r\n$4\r\nPING\r\n" % (len(password), password))
            answer = b""
            while answer.count(b"\r\n") < 2:
                chunk = conn.recv(256)
                if not chunk:
                    break
                answer += chunk
        return answer == b"+OK\r\n+PONG\r\n"
    except OSError:
        return False


def start_broker(settings, env: Mapping[str, str]) -> None:
    """Start Redis (before the scheduler, whose executor sends to it)."""
    if not is_celery(settings):
        return
    if not os.access(settings.redis_bin, os.X_OK):
        raise stack.StackError(f"CeleryExecutor needs Redis: {settings.redis_bin} not found (scripts/setup.sh "
                               "installs Debian's redis-server; or set GROUNDWORK_REDIS_BIN)")
    redis_dir(settings).mkdir(parents=True, exist_ok=True)
    conf = settings.run / "redis.conf"
    stack._write_private(conf, redis_conf_text(settings))
    stack.start_bg(settings, REDIS, settings.redis_port, [str(settings.redis_bin), str(conf)], env)
    deadline = time.monotonic() + 30
    while not redis_ping(settings):
        if not stack.running(settings, REDIS):
            raise stack.fail_component(settings, REDIS, "process exited during start-up")
        if time.monotonic() > deadline:
            raise stack.fail_component(settings, REDIS, "does not answer PING after 30s")
        time.sleep(0.2)


# ---------------------------------------------------------------------------------------------
# Workers


def worker_command(settings, n: int) -> list[str]:
    return [str(settings.airflow_bin), "celery", "worker", "--concurrency", str(settings.celery_concurrency),
            "--celery-hostname", f"worker{n}@%h", "--skip-serve-logs"]


def start_workers(settings, env: Mapping[str, str]) -> None:
    for n, name in enumerate(worker_names(settings), 1):
        stack.start_bg(settings, name, None, worker_command(settings, n), env)


_READY = re.compile(r"\bworker\d+@\S+ ready\.(\s|$)")


def worker_ready(settings, name: str) -> bool:
    """The worker said `worker<n>@<host> ready.` since its last start (Celery's line once it consumes)."""
    log = settings.logfile(name)
    return log.is_file() and any(_READY.search(line) for line in stack.log_tail(log, 10_000))


def warm_execution_api(settings, timeout: float) -> float:
    """Ask the api-server's Execution API once, so that it builds its versioned routes now.

    Airflow 3.3 builds them (Cadwyn) on the first request to /execution/, inside the event loop:
    measured 30-42 s here on two busy cores, during which the api-server answers nothing at all.
    When that first request is a worker's `PATCH .../run`, the task's supervisor gives up first
    (ReadTimeout after its retries, ~40 s) and the task is lost until its heartbeat times out.
    Returns the seconds it took."""
    started = time.monotonic()
    while stack.http_get(f"{settings.airflow_url}/execution/health", max(1.0, timeout)) is None:
        if time.monotonic() - started > timeout:
            raise stack.fail_component(settings, "api-server", f"/execution/health not answering after {timeout:.0f}s")
        time.sleep(1)
    return time.monotonic() - started


def wait_ready(settings, timeout: float | None = None) -> None:
    """The Execution API is built (every executor: a LocalExecutor task can be its first request
    too); with Celery, Redis answers and every worker consumes (after the stack's own health check)."""
    deadline = time.monotonic() + (settings.up_timeout if timeout is None else timeout)
    took = warm_execution_api(settings, deadline - time.monotonic())
    if took > 5:
        stack.say(f"the api-server's Execution API took {took:.0f}s to answer its first request")
    if not is_celery(settings):
        return
    while True:
        for name in component_names(settings):
            if not stack.running(settings, name):
                raise stack.fail_component(settings, name, "process exited during start-up")
        waiting = [name for name in worker_names(settings) if not worker_ready(settings, name)]
        if not redis_ping(settings):
            waiting.insert(0, REDIS)
        if not waiting:
            stack.say(f"{CELERY}: redis on 127.0.0.1:{settings.redis_port}, {len(worker_names(settings))} "
                      f"workers ready (concurrency {settings.celery_concurrency} each)")
            return
        if time.monotonic() > deadline:
            raise stack.fail_component(settings, waiting[0], f"not ready after {settings.up_timeout}s")
        time.sleep(0.5)


def status_rows(settings) -> list[tuple[str, str, str, str]]:
    """(component, state, pid, detail) for `status`."""
    rows = []
    for name in component_names(settings) or started_names(settings):
        pid = stack.running(settings, name)
        if not pid:
            rows.append((name, "stopped", "-", "-"))
            continue
        detail = f"log {settings.rel(settings.logfile(name))}"
        if name == REDIS:
            detail = f"127.0.0.1:{settings.redis_port} {'ok' if redis_ping(settings) else 'not answering'}, {detail}"
        rows.append((name, "running", str(pid), detail))
    return rows


# ---------------------------------------------------------------------------------------------
# Killing one worker (tests, benchmarks): what losing its machine does.


def worker_of(settings, pid: int) -> str | None:
    """The worker whose session holds this process (a task runner, its supervisor, a pool child)."""
    st = stack.proc_stat(pid)
    if st is None:
        return None
    for name in started_names(settings):
        if name.startswith(WORKER_PREFIX) and stack.running(settings, name) == st.session:
            return name
    return None


def kill_worker(settings, name: str) -> list[int]:
    """SIGKILL the worker's process group and every other process group of its session, at once.

    Airflow 3.3 puts each task runner into a process group of its own (its supervisor can then
    signal the task's children), so killing only the worker's group would leave the task runner
    running as an orphan; a lost machine or a killed container takes all of them. Returns the pids
    that were signalled."""
    leader = stack.running(settings, name)
    if not leader:
        raise stack.StackError(f"{name} is not running")
    members = stack.session_members(leader)
    groups = {leader} | {st.pgrp for st in map(stack.proc_stat, (pid for pid, _ in members)) if st}
    for group in sorted(groups, key=lambda g: g != leader):  # the worker's own group first
        try:
            os.killpg(group, signal.SIGKILL)
        except OSError:
            pass
    return sorted(pid for pid, _ in members)
