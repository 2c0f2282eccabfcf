"""groundwork local stack: PostgreSQL + AWS stand-in (moto) + Airflow (LocalExecutor).

  scripts/stack.sh up       start whatever is not running, wait until healthy, print URL + passwords
  scripts/stack.sh down     stop everything this script started (Airflow, stand-in, PostgreSQL)
  scripts/stack.sh status   what runs, on which port, and Airflow's health
  scripts/stack.sh env      `export ...` lines: eval "$(scripts/stack.sh env)" to use the same stack
                            from a shell (airflow CLI, python -m groundwork, plain boto3)

`python -m groundwork_ops.stack VERB` is the same thing (scripts/stack.sh only runs it with the
venv's python). All state lives in <repo>/.local/ (gitignored; GROUNDWORK_STATE_DIR moves it, e.g.
the e2e tests'): postgres/ (data, socket), airflow/ (AIRFLOW_HOME), secrets/ (generated once),
logs/, run/ (pid files, settings, token), moto-recording.jsonl. Overrides: see the header of
scripts/stack.sh (GROUNDWORK_*_PORT, GROUNDWORK_DAGS_FOLDER, GROUNDWORK_UP_TIMEOUT, ...).

The same from Python (the e2e fixtures), without parsing shell output:

    settings = Settings.load(env)     # env like os.environ: explicit > .local/run/settings > defaults
    up(settings)                      # idempotent; raises StackError with the reason and log lines
    environment(settings)             # {name: value} of what `env` exports
    down(settings)
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import os
import pwd
import re
import secrets
import shlex
import signal
import stat
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import NamedTuple, TextIO

ROOT = Path(__file__).resolve().parents[2]

USAGE = __doc__.split("\n\n")[1] if __doc__ else "usage: scripts/stack.sh up|down|status|env"

# Airflow 3.3 talks to PostgreSQL through psycopg2 (sync) and asyncpg (async engine, derived from
# the sync URL); both must be in the venv (also listed in requirements.txt).
PG_DRIVER_PINS = ("psycopg2-binary==2.9.13", "asyncpg==0.32.0")

# Started in this order; `down` signals them all at once.
AIRFLOW_COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
COMPONENTS = ("standin", *AIRFLOW_COMPONENTS)

# The settings a running stack was started with, kept in <state>/run/settings while it is up, so
# that env/status/down (and a second up) use them unless they are overridden explicitly again.
# Name -> default; None: a folder of the checkout (see Settings.load). The default ports are below
# Linux's ephemeral range (32768-60999), where an outgoing connection could already hold them.
PERSISTED: dict[str, str | None] = {
    "GROUNDWORK_PG_PORT": "25432",
    "GROUNDWORK_STANDIN_PORT": "5055",
    "GROUNDWORK_AIRFLOW_PORT": "8080",
    "GROUNDWORK_DAGS_FOLDER": None,
    "GROUNDWORK_PLUGINS_FOLDER": None,
    "GROUNDWORK_PARALLELISM": "6",
    "GROUNDWORK_MIN_FILE_PROCESS_INTERVAL": "30",
    "GROUNDWORK_AIRFLOW_USERS": "admin:admin,approver:user,viewer:viewer",
    # the executor (groundwork_ops/executor.py): CeleryExecutor adds Redis and N celery workers
    "GROUNDWORK_EXECUTOR": "LocalExecutor",
    "GROUNDWORK_CELERY_WORKERS": "2",
    "GROUNDWORK_CELERY_CONCURRENCY": "2",
    "GROUNDWORK_REDIS_PORT": "26379",
}

# Never pass AWS credentials/endpoints/profiles from the caller's environment to the components:
# they must reach AWS only through the aws_default connection, i.e. the stand-in. `env` prints the
# shell-side AWS_* values itself (SHELL_ONLY).
CALLER_AWS_VARS = ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID",
                   "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN",
                   "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_REGION", "AWS_DEFAULT_REGION")

TOKEN_VAR = "GROUNDWORK_STACK_TOKEN"


def _executor():
    """groundwork_ops.executor (imported late: it imports this module; run as __main__, this very
    module is the one it gets, so there is one StackError)."""
    sys.modules.setdefault("groundwork_ops.stack", sys.modules[__name__])
    from groundwork_ops import executor

    return executor


class StackError(Exception):
    """The stack could not do what was asked. `details` are further lines for a person (e.g. the
    last lines of a component's log); str() includes them."""

    def __init__(self, message: str, details: Sequence[str] = ()):
        super().__init__(message)
        self.message = message
        self.details = list(details)

    def __str__(self) -> str:
        return "\n".join([self.message, *self.details])


def say(message: str) -> None:
    print(f"[stack] {message}", file=sys.stderr, flush=True)


def shq(value: str) -> str:
    """Single-quote for a POSIX shell (what `eval` reads back verbatim): 'it'\\''s'."""
    return "'" + value.replace("'", "'\\''") + "'"


# ---------------------------------------------------------------------------------------------
# Settings


def _number(name: str, value: str, low: int = 0, high: int | None = None) -> int:
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < low or (high is not None and number > high):
        span = f"{low}-{high}" if high is not None else f">= {low}"
        raise StackError(f"{name} must be a whole number ({span}), got {value!r}")
    return number


def _executor_name(value: str) -> str:
    """GROUNDWORK_EXECUTOR: LocalExecutor or CeleryExecutor (case as Airflow spells them)."""
    from groundwork_ops.executor import EXECUTORS

    if value not in EXECUTORS:
        raise StackError(f"GROUNDWORK_EXECUTOR must be one of {', '.join(EXECUTORS)}, got {value!r}")
    return value


_SETTING_LINE = re.compile(r'^(?:\[\[ -n "\$\{(?P<guard>\w+):-\}" \]\] \|\| )?(?P<name>\w+)=(?P<value>.*)$')


def read_settings_file(path: Path) -> dict[str, str]:
    """The settings a running stack saved (save_settings): lines the old bash script `source`d,
    `[[ -n "${NAME:-}" ]] || NAME='value'`, i.e. a value that applies only when NAME is not given
    explicitly. Lines that are not such an assignment of a known name are ignored (with a warning)."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    saved: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = _SETTING_LINE.match(line)
        value: list[str] | None = None
        if match and match["name"] in PERSISTED and match["guard"] in (None, match["name"]):
            try:
                value = shlex.split(match["value"])
            except ValueError:
                value = None
        if value is None or len(value) > 1:
            say(f"WARNING: ignoring line {number} of {path}: {line}")
            continue
        saved[match["name"]] = value[0] if value else ""
    return saved


@dataclass(frozen=True)
class Settings:
    """Where the stack lives and how it runs. Settings.load() reads them like scripts/stack.sh
    always did: an explicit (non-empty) GROUNDWORK_* variable, else what the running stack saved in
    <state>/run/settings, else the default."""

    state_dir: Path
    pg_port: int = 25432
    standin_port: int = 5055
    airflow_port: int = 8080
    dags_folder: str = str(ROOT / "dags")
    plugins_folder: str = str(ROOT / "plugins")
    parallelism: int = 6
    min_file_process_interval: int = 30
    airflow_users: str = PERSISTED["GROUNDWORK_AIRFLOW_USERS"]
    up_timeout: int = 180
    standin_record: bool = False  # GROUNDWORK_STANDIN_RECORD=1: record every stand-in request from start
    executor: str = "LocalExecutor"  # or CeleryExecutor (groundwork_ops/executor.py)
    celery_workers: int = 2
    celery_concurrency: int = 2
    redis_port: int = 26379
    redis_bin: Path = Path("/usr/bin/redis-server")
    venv: Path = ROOT / ".venv"
    pg_bin: Path = Path("/usr/lib/postgresql/15/bin")
    root: Path = ROOT
    # the persisted settings given explicitly (raw values): `up` refuses to change a running stack's
    explicit: Mapping[str, str] = field(default_factory=dict, compare=False)
    # the caller's environment: what the components inherit (minus CALLER_AWS_VARS) and where
    # PYTHONPATH and FOUNDATION_CONFIG come from
    base_env: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None, root: Path = ROOT) -> Settings:
        env = dict(os.environ if env is None else env)
        root = Path(root)
        state_dir = Path(env.get("GROUNDWORK_STATE_DIR") or root / ".local").resolve()
        explicit = {name: env[name] for name in PERSISTED if env.get(name)}
        saved = read_settings_file(state_dir / "run" / "settings")
        defaults = {**PERSISTED, "GROUNDWORK_DAGS_FOLDER": str(root / "dags"),
                    "GROUNDWORK_PLUGINS_FOLDER": str(root / "plugins")}
        raw = {name: explicit.get(name) or saved.get(name) or defaults[name] for name in PERSISTED}
        return cls(
            state_dir=state_dir,
            pg_port=_number("GROUNDWORK_PG_PORT", raw["GROUNDWORK_PG_PORT"], 1, 65535),
            standin_port=_number("GROUNDWORK_STANDIN_PORT", raw["GROUNDWORK_STANDIN_PORT"], 1, 65535),
            airflow_port=_number("GROUNDWORK_AIRFLOW_PORT", raw["GROUNDWORK_AIRFLOW_PORT"], 1, 65535),
            dags_folder=raw["GROUNDWORK_DAGS_FOLDER"],
            plugins_folder=raw["GROUNDWORK_PLUGINS_FOLDER"],
            parallelism=_number("GROUNDWORK_PARALLELISM", raw["GROUNDWORK_PARALLELISM"], 1),
            min_file_process_interval=_number("GROUNDWORK_MIN_FILE_PROCESS_INTERVAL",
                                              raw["GROUNDWORK_MIN_FILE_PROCESS_INTERVAL"]),
            airflow_users=raw["GROUNDWORK_AIRFLOW_USERS"],
            up_timeout=_number("GROUNDWORK_UP_TIMEOUT", env.get("GROUNDWORK_UP_TIMEOUT") or "180"),
            standin_record=env.get("GROUNDWORK_STANDIN_RECORD", "0") == "1",
            executor=_executor_name(raw["GROUNDWORK_EXECUTOR"]),
            celery_workers=_number("GROUNDWORK_CELERY_WORKERS", raw["GROUNDWORK_CELERY_WORKERS"], 1, 16),
            celery_concurrency=_number("GROUNDWORK_CELERY_CONCURRENCY", raw["GROUNDWORK_CELERY_CONCURRENCY"], 1),
            redis_port=_number("GROUNDWORK_REDIS_PORT", raw["GROUNDWORK_REDIS_PORT"], 1, 65535),
            redis_bin=Path(env.get("GROUNDWORK_REDIS_BIN") or "/usr/bin/redis-server"),
            venv=Path(env.get("GROUNDWORK_VENV") or root / ".venv"),
            pg_bin=Path(env.get("GROUNDWORK_PG_BIN") or "/usr/lib/postgresql/15/bin"),
            root=root,
            explicit=explicit,
            base_env=env,
        )

    def persisted(self) -> dict[str, str]:
        """The values save_settings writes, by variable name."""
        return {
            "GROUNDWORK_PG_PORT": str(self.pg_port),
            "GROUNDWORK_STANDIN_PORT": str(self.standin_port),
            "GROUNDWORK_AIRFLOW_PORT": str(self.airflow_port),
            "GROUNDWORK_DAGS_FOLDER": self.dags_folder,
            "GROUNDWORK_PLUGINS_FOLDER": self.plugins_folder,
            "GROUNDWORK_PARALLELISM": str(self.parallelism),
            "GROUNDWORK_MIN_FILE_PROCESS_INTERVAL": str(self.min_file_process_interval),
            "GROUNDWORK_AIRFLOW_USERS": self.airflow_users,
            "GROUNDWORK_EXECUTOR": self.executor,
            "GROUNDWORK_CELERY_WORKERS": str(self.celery_workers),
            "GROUNDWORK_CELERY_CONCURRENCY": str(self.celery_concurrency),
            "GROUNDWORK_REDIS_PORT": str(self.redis_port),
        }

    # -- paths
    @property
    def pgroot(self) -> Path:
        return self.state_dir / "postgres"

    @property
    def pgdata(self) -> Path:
        return self.pgroot / "data"

    @property
    def pg_sock(self) -> Path:
        """The socket directory. A unix socket path is limited to 107 bytes; a deep checkout falls
        back to a short private dir (named after the checkout, the socket file after the port)."""
        sock = self.pgroot / "run"
        if len(os.fsencode(sock)) + 20 > 100:
            return Path("/tmp/groundwork-pg-" + hashlib.md5(os.fsencode(self.root)).hexdigest()[:12])
        return sock

    @property
    def secrets(self) -> Path:
        return self.state_dir / "secrets"

    @property
    def logs(self) -> Path:
        return self.state_dir / "logs"

    @property
    def run(self) -> Path:
        return self.state_dir / "run"

    @property
    def settings_file(self) -> Path:
        return self.run / "settings"

    @property
    def airflow_home(self) -> Path:
        return self.state_dir / "airflow"

    @property
    def record_file(self) -> Path:
        return self.state_dir / "moto-recording.jsonl"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def airflow_bin(self) -> Path:
        return self.venv / "bin" / "airflow"

    # -- addresses
    @property
    def standin_url(self) -> str:
        return f"http://127.0.0.1:{self.standin_port}"

    @property
    def airflow_url(self) -> str:
        return f"http://127.0.0.1:{self.airflow_port}"

    # -- who runs PostgreSQL: postgres refuses to run as root, so as root the cluster belongs to
    # the OS user `postgres`; otherwise to us.
    @property
    def is_root(self) -> bool:
        return os.geteuid() == 0

    @property
    def pg_os_user(self) -> str:
        return "postgres" if self.is_root else pwd.getpwuid(os.geteuid()).pw_name

    @property
    def caller_env(self) -> dict[str, str]:
        return {k: v for k, v in self.base_env.items() if k not in CALLER_AWS_VARS}

    def rel(self, path: Path | str) -> str:
        """A path as said to a person: relative to the checkout when inside it."""
        text = str(path)
        prefix = f"{self.root}/"
        return text[len(prefix):] if text.startswith(prefix) else text

    def pidfile(self, name: str) -> Path:
        return self.run / f"{name}.pid"

    def logfile(self, name: str) -> Path:
        return self.logs / f"{name}.log"


# ---------------------------------------------------------------------------------------------
# Secrets: generated once and then reused; passwords.json gains entries for new users only.


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)


def ensure_dirs(settings: Settings) -> None:
    for d in (settings.state_dir, settings.logs, settings.run, settings.airflow_home, settings.pgroot,
              settings.secrets):
        d.mkdir(parents=True, exist_ok=True)
    settings.secrets.chmod(0o700)


def ensure_secrets(settings: Settings) -> None:
    ensure_dirs(settings)
    d = settings.secrets

    def once(name: str, make) -> None:
        path = d / name
        if not path.exists() or not path.read_text().strip():
            _write_private(path, make() + "\n")

    try:
        once("pg_password", lambda: secrets.token_hex(24))
        once("jwt_secret", lambda: secrets.token_hex(32))
        once("api_secret_key", lambda: secrets.token_hex(32))
        once("fernet_key", lambda: base64.urlsafe_b64encode(os.urandom(32)).decode())
        once("external_id", lambda: secrets.token_urlsafe(24))  # phase 5: the deployment roles' sts:ExternalId
        path = d / "passwords.json"
        passwords: dict = {}
        if path.exists():
            try:
                passwords = json.loads(path.read_text())
            except ValueError:
                passwords = {}
            if not isinstance(passwords, dict):
                raise StackError(f"{path} is not a JSON object of user -> password")
        changed = False
        for entry in settings.airflow_users.split(","):
            user = entry.split(":", 1)[0].strip()
            if user and user not in passwords:
                passwords[user] = secrets.token_urlsafe(12)
                changed = True
        if changed or not path.exists():
            _write_private(path, json.dumps(passwords, indent=2) + "\n")
    except OSError as e:
        raise StackError(f"could not create secrets in {d}: {e}") from e


def secret(settings: Settings, name: str) -> str:
    return (settings.secrets / name).read_text().replace("\n", "")


def passwords(settings: Settings) -> dict[str, str]:
    return json.loads((settings.secrets / "passwords.json").read_text())


# ---------------------------------------------------------------------------------------------
# The environment every component gets (and `env` prints).


def component_environment(settings: Settings) -> dict[str, str]:
    """What the stack sets for every Airflow component (on top of the caller's environment). The
    secrets must exist (ensure_secrets)."""
    s = settings
    url, standin = s.airflow_url, s.standin_url
    env = {
        "AIRFLOW_HOME": str(s.airflow_home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN":
            f"postgresql+psycopg2://airflow:{secret(s, 'pg_password')}@127.0.0.1:{s.pg_port}/airflow",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": str(s.parallelism),
        "AIRFLOW__CORE__DAGS_FOLDER": s.dags_folder,
        "AIRFLOW__CORE__PLUGINS_FOLDER": s.plugins_folder,
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__FERNET_KEY": secret(s, "fernet_key"),
        "AIRFLOW__CORE__AUTH_MANAGER": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": s.airflow_users,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(s.secrets / "passwords.json"),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{url}/execution/",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(s.airflow_port),
        "AIRFLOW__API__BASE_URL": url,
        "AIRFLOW__API__SECRET_KEY": secret(s, "api_secret_key"),
        "AIRFLOW__API_AUTH__JWT_SECRET": secret(s, "jwt_secret"),
        # An idle scheduler loop sleeps this long (Airflow's default: 1 s) before it looks again, so
        # a task that became ready waited 0.66 s on average to be scheduled, at every step of a
        # run; 0.5 s halves that (0.30 s) for ~2 CPU-s a minute more at rest (docs/speed.md).
        "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.5",
        # A task's calls to the api-server's Execution API (heartbeat, state, XCom) give up after 5 s
        # by default, then retry 5 times. On one small machine the api-server, the stand-in and the
        # tasks share the cores: at 1,008 accounts (load 10-15 on 2 cores) those calls timed out
        # and tasks failed their tries (2026-12-04). A busy api-server answers late, not never.
        "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "30",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": str(s.min_file_process_interval),
        "AIRFLOW_CONN_AWS_DEFAULT": json.dumps({
            "conn_type": "aws", "login": "testing", "password": "testing",
            "extra": {"region_name": "us-east-1", "endpoint_url": standin,
                      "service_config": {"sts": {"endpoint_url": standin}}}}),
        # The ExternalId the deployment roles require (config: cicd.external_id -> this connection's password).
        "AIRFLOW_CONN_GROUNDWORK_EXTERNAL_ID": json.dumps({"conn_type": "generic",
                                                           "password": secret(s, "external_id")}),
    }
    # ours first, then the caller's PYTHONPATH (without repeating ours)
    ours = [str(s.root / "include"), s.plugins_folder]
    theirs = [e for e in s.base_env.get("PYTHONPATH", "").split(":") if e and e not in ours]
    env["PYTHONPATH"] = ":".join(ours + theirs)
    # AWS isolation: no instance-metadata lookups and no ~/.aws profiles/credentials, so a task that
    # misses the aws_default connection fails fast instead of hanging on IMDS or reaching real AWS.
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env["AWS_CONFIG_FILE"] = str(s.state_dir / "aws" / "config")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(s.state_dir / "aws" / "credentials")
    env["GROUNDWORK_STANDIN_URL"] = standin
    env["GROUNDWORK_AIRFLOW_URL"] = url
    env["GROUNDWORK_STATE_DIR"] = str(s.state_dir)
    env.update(_executor().executor_environment(s))  # CeleryExecutor: broker, result backend, concurrency
    if s.base_env.get("FOUNDATION_CONFIG"):
        env["FOUNDATION_CONFIG"] = os.path.realpath(s.base_env["FOUNDATION_CONFIG"])
    return env


def shell_only_environment(settings: Settings) -> dict[str, str]:
    """Only for shells and tests using plain boto3; the Airflow components use the connection only,
    so a task that bypasses the aws_default connection fails instead of silently working."""
    return {"AWS_ENDPOINT_URL": settings.standin_url, "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def environment(settings: Settings) -> dict[str, str]:
    """The names and values `env` exports (creating the secrets if needed); PATH is the venv's bin
    before the caller's PATH, as `eval "$(scripts/stack.sh env)"` leaves it."""
    ensure_secrets(settings)
    return {**component_environment(settings), **shell_only_environment(settings),
            "PATH": f"{settings.venv / 'bin'}:{settings.base_env.get('PATH', '')}"}


def env_lines(settings: Settings) -> list[str]:
    """`export NAME='value'` lines for a shell's eval."""
    ensure_secrets(settings)
    values = {**component_environment(settings), **shell_only_environment(settings)}
    lines = [f"export {name}={shq(value)}" for name, value in values.items()]
    lines.append(f'export PATH={shq(str(settings.venv / "bin"))}:"$PATH"')
    return lines


# ---------------------------------------------------------------------------------------------
# Processes. Pid files in <state>/run hold "<pid> <start-time> <started-epoch>" (start time in clock
# ticks from /proc/<pid>/stat), so a stale pid file pointing at a recycled pid is never mistaken
# for ours. Every process we start is a session + process-group leader (setsid) and not our child
# (double fork, as a backgrounded process of an exiting shell), so `down` can signal the whole tree
# and nobody has to reap it; each also carries GROUNDWORK_STACK_TOKEN in its environment (used only
# to find stragglers that started their own session).


class ProcStat(NamedTuple):
    state: str
    ppid: int
    pgrp: int
    session: int
    starttime: str


def parse_proc_stat(text: str) -> ProcStat:
    """/proc/<pid>/stat; the comm field (2) may hold spaces and parentheses, so fields are counted
    after its last ") "; starttime is field 22."""
    rest = text.rpartition(") ")[2].split()
    return ProcStat(rest[0], int(rest[1]), int(rest[2]), int(rest[3]), rest[19])


def proc_stat(pid: int) -> ProcStat | None:
    try:
        return parse_proc_stat(Path(f"/proc/{pid}/stat").read_bytes().decode(errors="replace"))
    except (OSError, IndexError, ValueError):
        return None


def _pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def running(settings: Settings, name: str) -> int | None:
    """The pid of the process recorded in the component's pid file, if that very process is alive
    (same start time; a zombie, exited but not yet reaped, is not running)."""
    try:
        fields = settings.pidfile(name).read_text().split()
        pid, started = int(fields[0]), fields[1]
    except (OSError, IndexError, ValueError):
        return None
    now = proc_stat(pid)
    if now is None or now.starttime != started or now.state == "Z":
        return None
    return pid


def started_at(settings: Settings, name: str) -> float:
    """Epoch seconds when we started the component (0 if unknown)."""
    try:
        return float(settings.pidfile(name).read_text().split()[2])
    except (OSError, IndexError, ValueError):
        return 0.0


def session_members(sid: int) -> list[tuple[int, str]]:
    """(pid, start time) of every process in that session."""
    members = []
    for pid in _pids():
        st = proc_stat(pid)
        if st and st.session == sid:
            members.append((pid, st.starttime))
    return members


def group_alive(pgid: int) -> bool:
    """Whether any process of the group still runs (zombies do not count: signalling them works,
    but they are only waiting to be reaped)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return any(st.pgrp == pgid and st.state != "Z" for st in map(proc_stat, _pids()) if st)


# -- listening sockets, read from /proc/net/tcp{,6} (what `ss -ltn` shows)


class Listener(NamedTuple):
    address: str
    port: int
    inode: int

    def __str__(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{host}:{self.port}"


def _proc_net_address(hex_address: str) -> str:
    """An address as /proc/net/tcp{,6} prints it: 32-bit words in host byte order."""
    raw = b"".join(int(hex_address[i:i + 8], 16).to_bytes(4, sys.byteorder)
                   for i in range(0, len(hex_address), 8))
    return str(ipaddress.ip_address(raw))


def parse_proc_net_tcp(text: str) -> list[Listener]:
    """The listening sockets (state 0A) in the text of /proc/net/tcp or /proc/net/tcp6."""
    listeners = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10 or fields[3] != "0A":
            continue
        address, _, port = fields[1].partition(":")
        listeners.append(Listener(_proc_net_address(address), int(port, 16), int(fields[9])))
    return listeners


def listening_sockets() -> list[Listener]:
    listeners = []
    for name in ("tcp", "tcp6"):
        try:
            listeners += parse_proc_net_tcp(Path(f"/proc/net/{name}").read_text())
        except OSError:
            pass
    return listeners


def port_busy(port: int, listeners: Iterable[Listener] | None = None) -> bool:
    """Whether anything listens on the TCP port, on any address."""
    return any(sock.port == port for sock in (listening_sockets() if listeners is None else listeners))


def socket_inodes(pid: int) -> set[int]:
    inodes = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return inodes
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def port_owner(port: int) -> str:
    """Who listens on the port, for an error message."""
    found = [sock for sock in listening_sockets() if sock.port == port]
    if not found:
        return f"port {port}"
    inodes = {sock.inode for sock in found}
    for pid in _pids():
        if socket_inodes(pid) & inodes:
            return f"{found[0]} (pid {pid} {_comm(pid)})"
    return str(found[0])


def beyond_loopback(pids: Iterable[int], listeners: Iterable[Listener] | None = None) -> list[str]:
    """The listening sockets of these processes that are not on 127.0.0.1, as "addr:port (pid N comm)"."""
    listeners = listening_sockets() if listeners is None else list(listeners)
    bad = []
    for pid in sorted(set(pids)):
        inodes = socket_inodes(pid)
        bad += [f"{sock} (pid {pid} {_comm(pid)})" for sock in listeners
                if sock.inode in inodes and sock.address != "127.0.0.1"]
    return bad


# -- starting and stopping

# Run by the venv's python with -I: forks, the child becomes a session leader, reports its pid on
# stdout, sends stdout+stderr to the log and execs the command; the parent exits at once, so the
# component is re-parented (never our child, never our zombie).
_DETACH = r"""
import os, sys
if os.fork():
    os._exit(0)
os.setsid()
os.write(1, b"%d\n" % os.getpid())
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
os.dup2(fd, 1)
os.dup2(fd, 2)
os.close(fd)
try:
    os.execvp(sys.argv[2], sys.argv[2:])
except OSError as e:
    os.write(2, ("cannot run %s: %s\n" % (sys.argv[2], e)).encode())
    os._exit(127)
"""


def _now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def start_bg(settings: Settings, name: str, port: int | None, command: Sequence[str], env: Mapping[str, str]) -> None:
    """Start a component unless it is already running."""
    pid = running(settings, name)
    if pid:
        say(f"{name} already running (pid {pid})")
        return
    if port and port_busy(port):
        raise StackError(f"{name}: port {port} is already in use by something this stack did not start: "
                         f"{port_owner(port)}")
    log, pf = settings.logfile(name), settings.pidfile(name)
    with log.open("a") as out:
        out.write(f"\n===== {name} start {_now_iso()} =====\n")
    pf.unlink(missing_ok=True)
    try:
        with log.open("a") as err:
            launcher = subprocess.run([sys.executable, "-I", "-c", _DETACH, str(log), *command],
                                      stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
                                      env=dict(env), timeout=10)
        pid = int(launcher.stdout.split()[0])
    except (OSError, subprocess.SubprocessError, IndexError, ValueError) as e:
        raise StackError(f"{name} did not start; see {log}") from e
    st = proc_stat(pid)
    pf.write_text(f"{pid} {st.starttime if st else 0} {int(time.time())}\n")
    say(f"{name} started (pid {pid}, log {settings.rel(log)})")


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except OSError:
        pass


def stop_bg(settings: Settings, grace: int, names: Sequence[str]) -> None:
    """TERM the process groups of all these components at once, wait up to `grace` seconds, KILL
    what is left (and members of their sessions that moved to another process group)."""
    t0 = time.monotonic()
    stopping: list[tuple[str, int]] = []
    members: list[tuple[int, str]] = []
    for name in names:
        pid = running(settings, name)
        if pid:
            stopping.append((name, pid))
            members += session_members(pid)
            say(f"stopping {name} (pid {pid})")
            try:
                os.killpg(pid, signal.SIGTERM)
            except OSError:
                _signal(pid, signal.SIGTERM)
        settings.pidfile(name).unlink(missing_ok=True)
    if not stopping:
        return
    for _ in range(grace * 5):
        if not any(group_alive(pid) for _, pid in stopping):
            break
        time.sleep(0.2)
    for name, pid in stopping:
        if group_alive(pid):
            say(f"{name} did not stop within {grace}s; killing its process group")
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
    for pid, started in members:
        st = proc_stat(pid)
        if st and st.starttime == started:
            _signal(pid, signal.SIGKILL)
    say(f"stopped {' '.join(name for name, _ in stopping)} ({int(time.monotonic() - t0)}s)")


def _carries_token(pid: int, needle: bytes) -> bool:
    try:
        return needle in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False


def reap_strays(settings: Settings) -> None:
    """Stop anything still carrying this stack's token (e.g. a task process that left the group)."""
    try:
        token = (settings.run / "token").read_text().strip()
    except OSError:
        return
    needle = f"{TOKEN_VAR}={token}".encode()
    me = os.getpid()
    strays = [pid for pid in _pids() if pid != me and _carries_token(pid, needle)]
    if not strays:
        return
    say(f"stopping leftover processes: {' '.join(map(str, strays))}")
    for pid in strays:
        _signal(pid, signal.SIGTERM)
    time.sleep(2)
    for pid in strays:
        if _carries_token(pid, needle):
            _signal(pid, signal.SIGKILL)


# ---------------------------------------------------------------------------------------------
# PostgreSQL, run as the OS user that owns the cluster (postgres refuses to run as root).


def as_pg(settings: Settings, args: Sequence[str], **kwargs) -> subprocess.CompletedProcess:
    command = ["runuser", "-u", "postgres", "--", *args] if settings.is_root else list(args)
    return subprocess.run(command, cwd=settings.pgroot, env=settings.caller_env, **kwargs)


def pg_running(settings: Settings) -> bool:
    if not (settings.pgdata / "PG_VERSION").is_file():
        return False
    done = as_pg(settings, [str(settings.pg_bin / "pg_ctl"), "-D", str(settings.pgdata), "status"],
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return done.returncode == 0


def check_pg_traversal(settings: Settings) -> None:
    """As root, user postgres must be able to reach the cluster: name the outermost directory that
    blocks (e.g. a 0700 mktemp -d around the checkout)."""
    if not settings.is_root:
        return
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise StackError("running as root but there is no 'postgres' OS user to run PostgreSQL as") from None
    path = [str(p) for p in reversed(settings.pgroot.parents) if str(p) != "/"] + [str(settings.pgroot)]
    probe = subprocess.run(["runuser", "-u", "postgres", "--", "sh", "-c",
                            'for d do test -x "$d" || { printf %s "$d"; exit 1; }; done', "sh", *path],
                           cwd="/", stdout=subprocess.PIPE, text=True)
    if probe.returncode != 0:
        blocked = probe.stdout or str(settings.pgroot)
        mode = stat.filemode(os.stat(blocked).st_mode) if os.path.exists(blocked) else "?"
        raise StackError(f"user postgres cannot traverse {blocked} (mode {mode}); fix with: "
                         f"chmod o+x '{blocked}' (or run the stack as a non-root user)")


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def pg_up(settings: Settings) -> None:
    s = settings
    pg_ctl = s.pg_bin / "pg_ctl"
    if not os.access(pg_ctl, os.X_OK):
        raise StackError(f"PostgreSQL binaries not found in {s.pg_bin} (set GROUNDWORK_PG_BIN)")
    s.pgroot.mkdir(parents=True, exist_ok=True)
    s.pg_sock.mkdir(parents=True, exist_ok=True)
    s.state_dir.chmod(0o755)
    s.pgroot.chmod(0o755)
    pglog = s.logfile("postgres")
    pglog.touch()
    if s.is_root:
        check_pg_traversal(s)
        owner = pwd.getpwnam("postgres")
        os.chown(s.pg_sock, owner.pw_uid, owner.pw_gid)
        os.chown(pglog, owner.pw_uid, owner.pw_gid)
        if s.pgdata.is_dir():
            subprocess.run(["chown", "-R", "postgres:", str(s.pgdata)], check=True)
    if not (s.pgdata / "PG_VERSION").is_file():
        say(f"initdb {s.pgdata}")
        subprocess.run(["rm", "-rf", str(s.pgdata)], check=True)
        s.pgdata.mkdir(parents=True)
        s.pgdata.chmod(0o700)
        if s.is_root:
            owner = pwd.getpwnam("postgres")
            os.chown(s.pgdata, owner.pw_uid, owner.pw_gid)
        with pglog.open("a") as out:
            done = as_pg(s, [str(s.pg_bin / "initdb"), "-D", str(s.pgdata), "-U", s.pg_os_user, "-E", "UTF8",
                             "--locale=C.UTF-8", "--auth-local=peer", "--auth-host=scram-sha-256"],
                         stdout=out, stderr=subprocess.STDOUT)
        if done.returncode != 0:
            raise StackError(f"initdb failed; see {pglog}")
        (s.state_dir / "airflow-migrated").unlink(missing_ok=True)
    if pg_running(s):
        say(f"postgres already running (port {s.pg_port})")
    else:
        if port_busy(s.pg_port):
            raise StackError(f"postgres: port {s.pg_port} is already in use: {port_owner(s.pg_port)} "
                             "(set GROUNDWORK_PG_PORT)")
        say(f"starting postgres on 127.0.0.1:{s.pg_port}")
        options = (f"-c listen_addresses=127.0.0.1 -p {s.pg_port} -k {s.pg_sock} -c max_connections=200 "
                   "-c synchronous_commit=off")
        done = as_pg(s, [str(pg_ctl), "-D", str(s.pgdata), "-l", str(pglog), "-w", "-t", "60", "-o", options, "start"],
                     stdout=subprocess.DEVNULL)
        if done.returncode != 0:
            raise StackError(f"postgres did not start; see {pglog}")
    # Role + database (idempotent); the password always follows <state>/secrets/pg_password.
    sql = (
        "SELECT 'CREATE ROLE airflow LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'airflow') \\gexec\n"
        f"ALTER ROLE airflow WITH LOGIN PASSWORD {_sql_literal(secret(s, 'pg_password'))};\n"
        "SELECT 'CREATE DATABASE airflow OWNER airflow ENCODING ''UTF8''' "
        "WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'airflow') \\gexec\n"
    )
    done = as_pg(s, _psql(s, "postgres", "-q", "-v", "ON_ERROR_STOP=1"), input=sql, text=True,
                 stdout=subprocess.DEVNULL)
    if done.returncode != 0:
        raise StackError(f"could not create role/database airflow; see {pglog}")


def _psql(settings: Settings, database: str, *args: str) -> list[str]:
    return [str(settings.pg_bin / "psql"), "-X", *args, "-h", str(settings.pg_sock), "-p", str(settings.pg_port),
            "-U", settings.pg_os_user, "-d", database]


def pg_down(settings: Settings) -> None:
    if not (settings.pgdata / "PG_VERSION").is_file() or not pg_running(settings):
        return
    say("stopping postgres")
    done = as_pg(settings, [str(settings.pg_bin / "pg_ctl"), "-D", str(settings.pgdata), "-m", "fast", "-w", "-t", "60",
                            "stop"], stdout=subprocess.DEVNULL)
    if done.returncode != 0:
        say(f"pg_ctl stop failed; see {settings.logfile('postgres')}")


def _alembic_revision(settings: Settings) -> str | None:
    done = as_pg(settings, _psql(settings, "airflow", "-qtA", "-c", "SELECT version_num FROM alembic_version"),
                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def db_migrate(settings: Settings, env: Mapping[str, str]) -> None:
    """`airflow db migrate` only when the schema is not the one this Airflow version last migrated to."""
    s = settings
    stamp = s.state_dir / "airflow-migrated"
    probe = 'import importlib.metadata as m; print(m.version("apache-airflow-core"))'
    version = subprocess.run([str(s.python), "-c", probe], stdout=subprocess.PIPE, text=True, check=True,
                             env=dict(env)).stdout.strip()
    rev = _alembic_revision(s)
    if rev and stamp.is_file() and stamp.read_text().strip() == f"{version} {rev}":
        say(f"database schema current (airflow {version}, revision {rev})")
        return
    log = s.logs / "db-migrate.log"
    say(f"airflow db migrate (log {s.rel(log)})")
    with log.open("a") as out:
        out.write(f"\n===== db migrate {_now_iso()} =====\n")
        out.flush()
        done = subprocess.run([str(s.airflow_bin), "db", "migrate"], stdin=subprocess.DEVNULL, stdout=out,
                              stderr=subprocess.STDOUT, env=dict(env))
    if done.returncode != 0:
        sys.stderr.write("".join(deque(log.open(errors="replace"), maxlen=30)))
        raise StackError(f"airflow db migrate failed; see {log}")
    rev = _alembic_revision(s)
    if not rev:
        raise StackError(f"airflow db migrate left no alembic revision in database airflow; see {log}")
    stamp.write_text(f"{version} {rev}\n")


# ---------------------------------------------------------------------------------------------
# Health: our processes alive, stand-in answers, and /api/v2/monitor/health reports metadatabase,
# scheduler, triggerer and dag_processor healthy with a heartbeat newer than the moment we started
# that component, so a job row left behind by an earlier (killed) run does not count.

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only, never via a proxy


def http_get(url: str, timeout: float) -> str | None:
    """The body of a 2xx answer, else None (like `curl -f`)."""
    try:
        with _NO_PROXY.open(url, timeout=timeout) as response:
            return response.read().decode(errors="replace")
    except Exception:  # noqa: BLE001 - any failure means "not answering"
        return None


def standin_healthy(settings: Settings) -> bool:
    return http_get(f"{settings.standin_url}/_standin/health", 2) is not None


def unhealthy(health: dict, since: Mapping[str, float]) -> list[str]:
    """The components a /api/v2/monitor/health answer shows unhealthy; `since`: component name ->
    epoch seconds we started it (a heartbeat older than that, minus 2 s, is a leftover)."""
    bad = []
    if (health.get("metadatabase") or {}).get("status") != "healthy":
        bad.append("postgres")
    for key, name in (("scheduler", "scheduler"), ("triggerer", "triggerer"), ("dag_processor", "dag-processor")):
        part = health.get(key) or {}
        beat = part.get(f"latest_{key}_heartbeat")
        try:
            fresh = bool(beat) and datetime.fromisoformat(beat).timestamp() >= since.get(name, 0) - 2
        except (TypeError, ValueError):
            fresh = False
        if part.get("status") != "healthy" or not fresh:
            bad.append(name)
    return bad


def health_report(settings: Settings) -> str:
    """"ok" or the names of the unhealthy components."""
    body = http_get(f"{settings.airflow_url}/api/v2/monitor/health", 3)
    try:
        health = json.loads(body) if body is not None else None
    except ValueError:
        health = None
    if not isinstance(health, dict):
        return "api-server"
    since = {name: started_at(settings, name) for name in ("scheduler", "triggerer", "dag-processor")}
    return " ".join(unhealthy(health, since)) or "ok"


_START_MARK = re.compile(r"^===== .* start ")


def log_tail(log: Path, lines: int = 25) -> list[str]:
    """The last lines a log got since the component's last start marker (all of it without one)."""
    tail: deque[str] = deque(maxlen=lines)
    with log.open(errors="replace") as f:
        for line in f:
            if _START_MARK.match(line):
                tail.clear()
            tail.append(line.rstrip("\n"))
    return list(tail)


def fail_component(settings: Settings, name: str, why: str) -> StackError:
    log = settings.logfile(name)
    if name != "postgres" and not log.is_file():
        log = settings.logs
    details = []
    if log.is_file():
        details.append(f"[stack] ---- last lines of {log} (this start only) ----")
        details += [f"    {line}" for line in log_tail(log)]
    details.append(f"[stack] full log: {log}")
    details.append("[stack] whatever did start is left running: `scripts/stack.sh up` waits again, "
                   "`scripts/stack.sh down` stops it")
    return StackError(f"{name}: {why}", details)


def wait_healthy(settings: Settings) -> None:
    deadline = time.monotonic() + settings.up_timeout
    while True:
        for name in COMPONENTS:
            if not running(settings, name):
                raise fail_component(settings, name, "process exited during start-up")
        if not pg_running(settings):
            raise fail_component(settings, "postgres", "postgres is not running")
        report = health_report(settings) if standin_healthy(settings) else "standin"
        if report == "ok":
            return
        if time.monotonic() >= deadline:
            body = http_get(f"{settings.airflow_url}/api/v2/monitor/health", 3) or "(no answer)"
            raise fail_component(settings, report.split()[0],
                                 f"not healthy after {settings.up_timeout}s (unhealthy: {report}); health: {body}")
        time.sleep(1)


def stack_pids(settings: Settings) -> set[int]:
    """Every process of our components' sessions, and the postmaster."""
    pids = set()
    for name in (*COMPONENTS, *_executor().started_names(settings)):
        pid = running(settings, name)
        if pid:
            pids.update(member for member, _ in session_members(pid))
    try:
        pids.add(int((settings.pgdata / "postmaster.pid").read_text().split()[0]))
    except (OSError, IndexError, ValueError):
        pass
    return pids


def check_loopback_only(settings: Settings) -> None:
    """Every listening socket of our processes must be on 127.0.0.1."""
    bad = beyond_loopback(stack_pids(settings))
    if bad:
        say("WARNING: stack processes listen beyond loopback:")
        for line in bad:
            print(f"  {line}", file=sys.stderr)
    else:
        say("all listening sockets of the stack are on 127.0.0.1")


# ---------------------------------------------------------------------------------------------
# Settings of the running stack


def check_settings_unchanged(settings: Settings) -> None:
    """`up` on a running stack must not silently ignore a different explicit setting."""
    if not settings.settings_file.is_file() or not settings.explicit:
        return
    if not any(running(settings, name) for name in COMPONENTS):
        return
    saved = read_settings_file(settings.settings_file)
    for name, value in settings.explicit.items():
        if saved.get(name, "") != value:
            raise StackError(f"the stack is running with {name}={saved.get(name, '')}; "
                             f"run scripts/stack.sh down first to use {name}={value}")


def settings_file_text(settings: Settings) -> str:
    """The settings file, in the form scripts/stack.sh has always written (and `source`d)."""
    lines = ["# settings of the running stack (written by scripts/stack.sh up, removed by down)"]
    lines += [f'[[ -n "${{{name}:-}}" ]] || {name}={shq(value)}' for name, value in settings.persisted().items()]
    return "\n".join(lines) + "\n"


def save_settings(settings: Settings) -> None:
    tmp = settings.settings_file.with_name("settings.new")
    tmp.write_text(settings_file_text(settings))
    tmp.replace(settings.settings_file)


# ---------------------------------------------------------------------------------------------
# The verbs


def ensure_venv(settings: Settings) -> None:
    if not os.access(settings.python, os.X_OK):
        raise StackError(f"no virtualenv at {settings.venv} (set GROUNDWORK_VENV or create it: scripts/setup.sh)")
    if not os.access(settings.airflow_bin, os.X_OK):
        raise StackError(f"airflow is not installed in {settings.venv}")
    probe = subprocess.run([str(settings.python), "-c", "import psycopg2, asyncpg"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if probe.returncode != 0:
        say(f"installing {' '.join(PG_DRIVER_PINS)} into {settings.venv}")
        if subprocess.run([str(settings.venv / "bin" / "pip"), "install", "-q", *PG_DRIVER_PINS]).returncode != 0:
            raise StackError(f"could not install {' '.join(PG_DRIVER_PINS)}")


def ensure_token(settings: Settings) -> str:
    token_file = settings.run / "token"
    if not token_file.is_file():
        _write_private(token_file, secrets.token_hex(16))
    return token_file.read_text().strip()


def up(settings: Settings) -> None:
    """Start whatever is not running and wait until healthy (StackError if it does not get there;
    whatever did start is left running). The `up` verb then prints print_summary()."""
    t0 = time.monotonic()
    ensure_venv(settings)
    ensure_secrets(settings)
    token = ensure_token(settings)
    env = {**settings.caller_env, **component_environment(settings)}

    if not Path(settings.dags_folder).is_dir():
        say(f"WARNING: DAGs folder {settings.dags_folder} does not exist")
    check_settings_unchanged(settings)
    save_settings(settings)
    pg_up(settings)
    components = {**env, TOKEN_VAR: token}
    start_bg(settings, "standin", settings.standin_port,
             [str(settings.python), "-m", "groundwork_standin", "serve", "--host", "127.0.0.1",
              "--port", str(settings.standin_port), "--record-file", str(settings.record_file),
              *(["--record"] if settings.standin_record else [])], components)
    _executor().start_broker(settings, components)  # CeleryExecutor: redis, before the scheduler
    db_migrate(settings, env)
    airflow = str(settings.airflow_bin)
    start_bg(settings, "api-server", settings.airflow_port,
             [airflow, "api-server", "--host", "127.0.0.1", "--port", str(settings.airflow_port)], components)
    start_bg(settings, "scheduler", None, [airflow, "scheduler", "--skip-serve-logs"], components)
    start_bg(settings, "dag-processor", None, [airflow, "dag-processor"], components)
    start_bg(settings, "triggerer", None, [airflow, "triggerer", "--skip-serve-logs"], components)
    _executor().start_workers(settings, components)  # CeleryExecutor: the celery workers
    say(f"waiting for health (timeout {settings.up_timeout}s)")
    wait_healthy(settings)
    _executor().wait_ready(settings)
    say(f"healthy after {int(time.monotonic() - t0)}s")
    check_loopback_only(settings)
    sync_pools(settings, env)


def config_pools(settings: Settings, env: Mapping[str, str]) -> dict[str, dict]:
    """The Airflow pools the config sizes (`python -m groundwork pools`); StackError if it does not load."""
    done = subprocess.run([str(settings.python), "-m", "groundwork", "pools"], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, env=dict(env))
    if done.returncode != 0:
        raise StackError("the config does not load, so the Airflow pools it sizes (operations.concurrency) "
                         f"cannot be made; every phase would refuse it too:\n{done.stderr.strip()}")
    return json.loads(done.stdout)


def sync_pools(settings: Settings, env: Mapping[str, str]) -> None:
    """Create or resize every pool the config sizes, over the REST API as admin (a phase's mapped
    steps wait for a slot of theirs: a missing pool would leave them scheduled forever)."""
    wanted = config_pools(settings, env)
    url = settings.airflow_url
    admins = [u.split(":")[0] for u in settings.airflow_users.split(",") if u.split(":")[-1] == "admin"]
    if not admins:
        raise StackError(f"GROUNDWORK_AIRFLOW_USERS names no admin ({settings.airflow_users}): "
                         "nobody may create the pools the phases need")
    token = json.loads(_http_json("POST", f"{url}/auth/token", {
        "username": admins[0], "password": passwords(settings)[admins[0]]}))["access_token"]
    for name, pool in wanted.items():
        body = {"name": name, **pool}
        if _http_json("PATCH", f"{url}/api/v2/pools/{name}", body, token, missing_ok=True) is None:
            _http_json("POST", f"{url}/api/v2/pools", body, token)
    say("pools: " + ", ".join(f"{name} {pool['slots']}" for name, pool in wanted.items()))


def _http_json(method: str, url: str, body: dict, token: str | None = None, missing_ok: bool = False) -> str | None:
    """One JSON request; the answer's text (None: 404 and `missing_ok`)."""
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read().decode()
    except urllib.error.HTTPError as error:
        if missing_ok and error.code == 404:
            return None
        raise StackError(f"{method} {url} -> {error.code}: {error.read().decode(errors='replace')[:300]}") from None


def print_summary(settings: Settings, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    url, standin = settings.airflow_url, settings.standin_url
    known = passwords(settings)
    lines = [
        "",
        f"Airflow UI:   {url}   (api: {url}/api/v2, token: POST {url}/auth/token)",
        f"AWS stand-in: {standin}   (moto; reset: python -m groundwork_standin reset --endpoint {standin})",
        f"PostgreSQL:   127.0.0.1:{settings.pg_port} db airflow user airflow "
        f"(password in {settings.rel(settings.secrets / 'pg_password')})",
        f"DAGs folder:  {settings.dags_folder}",
        f"Users (from {settings.rel(settings.secrets / 'passwords.json')}):",
    ]
    for entry in settings.airflow_users.split(","):
        user, _, role = entry.partition(":")
        lines.append("  %-10s %-9s %s" % (user, role, known.get(user, "?")))
    lines.append('Shell:        eval "$(scripts/stack.sh env)"')
    print("\n".join(lines), file=out, flush=True)


def down(settings: Settings) -> None:
    """Stop everything the stack started (Airflow, stand-in, stragglers, PostgreSQL)."""
    if settings.run.is_dir():
        stop_bg(settings, 30, [*AIRFLOW_COMPONENTS, "standin", *_executor().started_names(settings)])
        reap_strays(settings)
    pg_down(settings)
    settings.settings_file.unlink(missing_ok=True)
    say("stack is down")


def status(settings: Settings, out: TextIO | None = None) -> int:
    """Print what runs; 0 when everything does, 3 otherwise."""
    out = out or sys.stdout
    rc = 0
    row = "%-14s %-9s %-8s %s"
    lines = [row % ("COMPONENT", "STATE", "PID", "DETAIL")]
    if pg_running(settings):
        try:
            pg_pid = (settings.pgdata / "postmaster.pid").read_text().split("\n", 1)[0]
        except OSError:
            pg_pid = ""
        lines.append(row % ("postgres", "running", pg_pid, f"127.0.0.1:{settings.pg_port}"))
    else:
        lines.append(row % ("postgres", "stopped", "-", "-"))
        rc = 3
    for name in COMPONENTS:
        pid = running(settings, name)
        if pid:
            detail = f"log {settings.rel(settings.logfile(name))}"
            if name == "standin":
                detail = f"{settings.standin_url} {'ok' if standin_healthy(settings) else 'not answering'}, {detail}"
            elif name == "api-server":
                detail = f"{settings.airflow_url}, {detail}"
            lines.append(row % (name, "running", pid, detail))
        else:
            lines.append(row % (name, "stopped", "-", "-"))
            rc = 3
    for name, state, pid, detail in _executor().status_rows(settings):
        lines.append(row % (name, state, pid, detail))
        rc = rc if state == "running" else 3
    body = http_get(f"{settings.airflow_url}/api/v2/monitor/health", 3)
    if body is not None:
        lines.append(f"health: {body}")
    print("\n".join(lines), file=out, flush=True)
    return rc


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    verb = argv[0] if argv else ""
    if verb not in ("up", "down", "status", "env"):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        settings = Settings.load()
        if verb == "up":
            up(settings)
            print_summary(settings)
        elif verb == "down":
            down(settings)
        elif verb == "status":
            return status(settings)
        else:
            print("\n".join(env_lines(settings)), flush=True)
    except StackError as e:
        print(f"[stack] ERROR: {e.message}", file=sys.stderr)
        for line in e.details:
            print(line, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("[stack] interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - say what failed, then where
        print(f"[stack] ERROR: unexpected failure: {type(e).__name__}: {e}", file=sys.stderr)
        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
