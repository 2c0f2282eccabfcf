"""The local stack launcher's own logic (groundwork_ops.stack), without PostgreSQL or Airflow:
settings precedence and the settings file, the `env` output read back by bash, secrets made once,
pid bookkeeping, starting/stopping detached processes, port and loopback checks on real sockets."""

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from groundwork_ops import stack
from groundwork_ops.stack import Settings, StackError


@pytest.fixture
def state(tmp_path):
    return tmp_path / "state"


def load(state, root=None, **env):
    return Settings.load({"GROUNDWORK_STATE_DIR": str(state), "PATH": "/usr/bin:/bin", **env},
                         root=root or stack.ROOT)


def write_settings(state, **values):
    """A settings file as a running stack leaves it."""
    saved = load(state, **values)
    saved.run.mkdir(parents=True, exist_ok=True)
    stack.save_settings(saved)
    return saved


# ------------------------------------------------------------------ settings


def test_every_default_port_is_below_the_ephemeral_range(state, tmp_path):
    """Linux hands out 32768-60999 to outgoing connections: a default there could be taken already."""
    settings = load(state, root=tmp_path)
    ports = {name: int(value) for name, value in stack.PERSISTED.items() if name.endswith("_PORT")}
    assert set(ports) >= {"GROUNDWORK_PG_PORT", "GROUNDWORK_STANDIN_PORT", "GROUNDWORK_AIRFLOW_PORT",
                          "GROUNDWORK_REDIS_PORT"}
    assert (settings.pg_port, settings.redis_port) == (ports["GROUNDWORK_PG_PORT"], ports["GROUNDWORK_REDIS_PORT"])
    assert all(1024 < port < 32768 for port in ports.values()), ports


def test_defaults_without_environment_or_settings_file(state, tmp_path):
    settings = load(state, root=tmp_path)
    assert (settings.pg_port, settings.standin_port, settings.airflow_port) == (25432, 5055, 8080)
    assert settings.dags_folder == str(tmp_path / "dags")
    assert settings.plugins_folder == str(tmp_path / "plugins")
    assert (settings.parallelism, settings.min_file_process_interval, settings.up_timeout) == (6, 30, 180)
    assert settings.airflow_users == "admin:admin,approver:user,viewer:viewer"
    assert settings.venv == tmp_path / ".venv"
    assert settings.state_dir == state.resolve()
    assert settings.explicit == {}
    assert settings.airflow_url == "http://127.0.0.1:8080"


def test_settings_file_beats_defaults_and_explicit_environment_beats_both(state):
    write_settings(state, GROUNDWORK_PG_PORT="25432", GROUNDWORK_AIRFLOW_PORT="28080",
                   GROUNDWORK_AIRFLOW_USERS="ops:admin")
    from_file = load(state)
    assert (from_file.pg_port, from_file.airflow_port, from_file.standin_port) == (25432, 28080, 5055)
    assert from_file.airflow_users == "ops:admin"
    assert from_file.explicit == {}

    explicit = load(state, GROUNDWORK_PG_PORT="35432", GROUNDWORK_AIRFLOW_PORT="")  # empty is not explicit
    assert (explicit.pg_port, explicit.airflow_port) == (35432, 28080)
    assert explicit.explicit == {"GROUNDWORK_PG_PORT": "35432"}


def test_settings_file_is_what_bash_sources_with_the_same_precedence(state):
    """The file stays a bash snippet (a stack started by an older stack.sh keeps working)."""
    odd = "it's a $HOME `x` \\ folder"
    saved = write_settings(state, GROUNDWORK_DAGS_FOLDER=odd, GROUNDWORK_PG_PORT="25432")
    script = 'source "$1"; printf "%s\\n" "$GROUNDWORK_DAGS_FOLDER" "$GROUNDWORK_PG_PORT" "$GROUNDWORK_PARALLELISM"'
    out = subprocess.run(["bash", "-c", script, "bash", str(saved.settings_file)], env={"GROUNDWORK_PG_PORT": "1"},
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == [odd, "1", "6"]
    assert load(state).dags_folder == odd


def test_settings_file_lines_that_are_not_settings_are_ignored(state, capsys):
    (state / "run").mkdir(parents=True)
    (state / "run" / "settings").write_text(
        "# comment\nGROUNDWORK_PG_PORT='2345'\nrm -rf /\nGROUNDWORK_UNKNOWN=1\n"
        "[[ -n \"${GROUNDWORK_AIRFLOW_PORT:-}\" ]] || GROUNDWORK_AIRFLOW_PORT='unterminated\n")
    settings = load(state)
    assert (settings.pg_port, settings.airflow_port) == (2345, 8080)
    warnings = capsys.readouterr().err
    assert "line 3" in warnings and "line 4" in warnings and "line 5" in warnings


@pytest.mark.parametrize("name,value", [("GROUNDWORK_PG_PORT", "abc"), ("GROUNDWORK_AIRFLOW_PORT", "70000"),
                                        ("GROUNDWORK_UP_TIMEOUT", "-1"), ("GROUNDWORK_PARALLELISM", "0")])
def test_bad_numbers_are_refused_by_name(state, name, value):
    with pytest.raises(StackError, match=f"{name} must be a whole number.*'{value}'"):
        load(state, **{name: value})


def test_up_refuses_to_change_a_running_stacks_settings(state):
    saved = write_settings(state, GROUNDWORK_AIRFLOW_PORT="28080")
    # a "running" standin: the pid file names this very process with its start time
    me = stack.proc_stat(os.getpid())
    saved.pidfile("standin").write_text(f"{os.getpid()} {me.starttime} {int(time.time())}\n")
    stack.check_settings_unchanged(load(state, GROUNDWORK_AIRFLOW_PORT="28080"))  # same value: fine
    with pytest.raises(StackError, match="running with GROUNDWORK_AIRFLOW_PORT=28080; run scripts/stack.sh down "
                                         "first to use GROUNDWORK_AIRFLOW_PORT=28081"):
        stack.check_settings_unchanged(load(state, GROUNDWORK_AIRFLOW_PORT="28081"))
    saved.pidfile("standin").unlink()  # nothing runs: a new setting is simply taken
    stack.check_settings_unchanged(load(state, GROUNDWORK_AIRFLOW_PORT="28081"))


def test_deep_state_dirs_get_a_short_socket_dir(tmp_path):
    deep = tmp_path / ("d" * 90)
    assert load(deep).pg_sock.name.startswith("groundwork-pg-")
    short = Path(tempfile.mkdtemp(prefix="gw-", dir="/tmp"))  # tmp_path itself is long under xdist
    try:
        assert load(short / "s").pg_sock == (short / "s").resolve() / "postgres" / "run"
    finally:
        shutil.rmtree(short)


# ------------------------------------------------------------------ secrets and env


def test_secrets_are_made_once_and_reused(state):
    settings = load(state)
    stack.ensure_secrets(settings)
    names = ["pg_password", "jwt_secret", "api_secret_key", "fernet_key", "external_id", "passwords.json"]
    first = {name: (settings.secrets / name).read_text() for name in names}
    assert stat.S_IMODE(settings.secrets.stat().st_mode) == 0o700
    assert all(stat.S_IMODE((settings.secrets / n).stat().st_mode) == 0o600 for n in names)
    assert set(json.loads(first["passwords.json"])) == {"admin", "approver", "viewer"}

    stack.ensure_secrets(settings)
    assert {name: (settings.secrets / name).read_text() for name in names} == first

    # a new user gets a password, the others keep theirs; an emptied secret is made again
    (settings.secrets / "jwt_secret").write_text("\n")
    stack.ensure_secrets(load(state, GROUNDWORK_AIRFLOW_USERS="admin:admin,auditor:viewer"))
    after = json.loads((settings.secrets / "passwords.json").read_text())
    assert {k: after[k] for k in ("admin", "approver", "viewer")} == json.loads(first["passwords.json"])
    assert after["auditor"] and after["auditor"] not in json.loads(first["passwords.json"]).values()
    assert len((settings.secrets / "jwt_secret").read_text().strip()) == 64
    assert (settings.secrets / "jwt_secret").read_text() != first["jwt_secret"]


def test_env_output_round_trips_through_bash_eval(state, tmp_path):
    odd = str(tmp_path / "it's \"quoted\" $HOME `date` \\ dags")
    settings = load(state, GROUNDWORK_DAGS_FOLDER=odd, GROUNDWORK_AIRFLOW_USERS="a'b:admin,x y:user",
                    PYTHONPATH="/extra::/more", FOUNDATION_CONFIG=str(tmp_path / "sub" / ".." / "f.yaml"),
                    GROUNDWORK_VENV=str(tmp_path / "v env"))
    lines = stack.env_lines(settings)
    assert all(line.startswith("export ") for line in lines)
    script = "\n".join(lines) + '\nenv -0'
    out = subprocess.run(["bash", "-c", script], env={"PATH": "/usr/bin:/bin"}, capture_output=True, check=True).stdout
    shell = dict(entry.split("=", 1) for entry in out.decode().split("\0") if "=" in entry)
    expected = stack.environment(settings)
    assert {name: shell.get(name) for name in expected} == expected
    assert expected["AIRFLOW__CORE__DAGS_FOLDER"] == odd
    assert expected["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] == "a'b:admin,x y:user"
    assert expected["PYTHONPATH"] == f"{stack.ROOT}/include:{stack.ROOT}/plugins:/extra:/more"
    assert expected["FOUNDATION_CONFIG"] == str(tmp_path / "f.yaml")
    assert expected["PATH"] == f"{tmp_path / 'v env' / 'bin'}:/usr/bin:/bin"
    assert json.loads(expected["AIRFLOW_CONN_AWS_DEFAULT"])["extra"]["endpoint_url"] == "http://127.0.0.1:5055"
    pg_password = (settings.secrets / "pg_password").read_text().strip()
    assert expected["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].endswith(f":{pg_password}@127.0.0.1:25432/airflow")


def test_components_never_get_the_callers_aws_credentials(state):
    settings = load(state, AWS_PROFILE="prod", AWS_ACCESS_KEY_ID="AKIAREAL", AWS_REGION="eu-west-1", KEEP="me")
    assert "AWS_PROFILE" not in settings.caller_env and "AWS_ACCESS_KEY_ID" not in settings.caller_env
    assert "AWS_REGION" not in settings.caller_env and settings.caller_env["KEEP"] == "me"
    stack.ensure_secrets(settings)
    components = stack.component_environment(settings)
    assert "AWS_ACCESS_KEY_ID" not in components and "AWS_ENDPOINT_URL" not in components
    assert components["AWS_EC2_METADATA_DISABLED"] == "true"


# ------------------------------------------------------------------ processes


def test_proc_stat_fields_survive_a_command_name_with_parentheses():
    line = "4242 (a) b (c) ) S 1 4242 4240 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 987654 0 0"
    assert stack.parse_proc_stat(line) == stack.ProcStat("S", 1, 4242, 4240, "987654")


def test_a_pid_file_counts_only_for_the_very_process_and_not_a_zombie(state):
    settings = load(state)
    settings.run.mkdir(parents=True)
    me = stack.proc_stat(os.getpid())
    settings.pidfile("scheduler").write_text(f"{os.getpid()} {me.starttime} 1700000000\n")
    assert stack.running(settings, "scheduler") == os.getpid()
    assert stack.started_at(settings, "scheduler") == 1700000000
    settings.pidfile("scheduler").write_text(f"{os.getpid()} {int(me.starttime) + 1} 1700000000\n")  # a recycled pid
    assert stack.running(settings, "scheduler") is None

    child = subprocess.Popen(["true"])
    deadline = time.monotonic() + 10
    while stack.proc_stat(child.pid).state != "Z" and time.monotonic() < deadline:
        time.sleep(0.05)
    settings.pidfile("triggerer").write_text(f"{child.pid} {stack.proc_stat(child.pid).starttime} 0\n")
    assert stack.running(settings, "triggerer") is None
    child.wait()
    assert stack.running(settings, "nothing-here") is None


def test_started_processes_are_detached_session_leaders_and_down_stops_them(state, capsys):
    settings = load(state)
    stack.ensure_dirs(settings)
    env = {**settings.caller_env, stack.TOKEN_VAR: "test-token"}
    # one that stops on TERM, one that ignores TERM (killed after the grace time)
    stack.start_bg(settings, "standin", None, ["sleep", "60"], env)
    stubborn = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(60)"
    stack.start_bg(settings, "triggerer", None, [sys.executable, "-c", stubborn], env)
    pids = {name: stack.running(settings, name) for name in ("standin", "triggerer")}
    assert all(pids.values())
    for pid in pids.values():
        st = stack.proc_stat(pid)
        assert st.session == pid and st.pgrp == pid and st.ppid != os.getpid()
    stack.start_bg(settings, "standin", None, ["sleep", "60"], env)  # already running: nothing new
    assert stack.running(settings, "standin") == pids["standin"]
    deadline = time.monotonic() + 10
    while "up" not in settings.logfile("triggerer").read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "===== triggerer start " in settings.logfile("triggerer").read_text()

    started = time.monotonic()
    stack.stop_bg(settings, 1, ["standin", "triggerer", "scheduler"])
    while any(stack.group_alive(pid) for pid in pids.values()) and time.monotonic() - started < 10:
        time.sleep(0.05)
    assert time.monotonic() - started < 10
    said = capsys.readouterr().err
    assert "triggerer did not stop within 1s; killing its process group" in said
    assert "standin did not stop" not in said and "stopped standin triggerer (" in said
    assert not settings.pidfile("standin").exists() and not settings.pidfile("triggerer").exists()


def test_a_component_that_cannot_start_is_reported_with_its_log(state):
    settings = load(state)
    stack.ensure_dirs(settings)
    stack.start_bg(settings, "scheduler", None, [str(state / "no-such-binary")], settings.caller_env)
    deadline = time.monotonic() + 10
    while stack.running(settings, "scheduler") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stack.running(settings, "scheduler") is None
    error = stack.fail_component(settings, "scheduler", "process exited during start-up")
    assert error.message == "scheduler: process exited during start-up"
    assert any("cannot run" in line and "no-such-binary" in line for line in error.details)
    assert error.details[-2] == f"[stack] full log: {settings.logfile('scheduler')}"


def test_strays_carrying_the_stack_token_are_reaped(state):
    settings = load(state)
    stack.ensure_dirs(settings)
    token = stack.ensure_token(settings)
    assert stack.ensure_token(settings) == token and len(token) == 32
    stray = subprocess.Popen(["setsid", "sleep", "60"], env={"PATH": os.environ["PATH"], stack.TOKEN_VAR: token})
    other = subprocess.Popen(["sleep", "60"], env={"PATH": os.environ["PATH"], stack.TOKEN_VAR: token + "x"})
    try:
        time.sleep(0.2)
        stack.reap_strays(settings)
        assert stray.wait(timeout=5) == -signal.SIGTERM
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()
        if stray.poll() is None:
            stray.kill()


def test_log_tail_shows_only_the_last_start():
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as f:
        f.write("===== api-server start 1 =====\nold\n\n===== api-server start 2 =====\n")
        f.write("".join(f"line {i}\n" for i in range(30)))
    try:
        tail = stack.log_tail(stack.Path(f.name))
        assert len(tail) == 25 and tail[-1] == "line 29" and "old" not in tail
        assert stack.log_tail(stack.Path(f.name), lines=100)[0] == "===== api-server start 2 ====="
    finally:
        os.unlink(f.name)


# ------------------------------------------------------------------ health


def test_health_counts_only_heartbeats_newer_than_our_start():
    started = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    since = {"scheduler": started.timestamp(), "triggerer": started.timestamp(), "dag-processor": started.timestamp()}

    def part(key, beat):
        return {"status": "healthy", f"latest_{key}_heartbeat": beat.isoformat()}

    fresh = started + timedelta(seconds=5)
    health = {"metadatabase": {"status": "healthy"}, "scheduler": part("scheduler", fresh),
              "triggerer": part("triggerer", fresh), "dag_processor": part("dag_processor", fresh)}
    assert stack.unhealthy(health, since) == []
    health["triggerer"] = part("triggerer", started - timedelta(seconds=60))  # a row an earlier run left
    health["dag_processor"] = {"status": "unhealthy", "latest_dag_processor_heartbeat": fresh.isoformat()}
    health["metadatabase"] = {"status": "unhealthy"}
    assert stack.unhealthy(health, since) == ["postgres", "triggerer", "dag-processor"]
    assert stack.unhealthy({}, since) == ["postgres", "scheduler", "triggerer", "dag-processor"]


# ------------------------------------------------------------------ ports and loopback


def test_port_busy_sees_listeners_on_any_address_but_not_bound_idle_sockets():
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen()
    port = listening.getsockname()[1]
    idle = socket.socket()
    idle.bind(("127.0.0.1", 0))
    idle_port = idle.getsockname()[1]
    try:
        assert stack.port_busy(port)
        assert not stack.port_busy(idle_port)
        assert str(port) in stack.port_owner(port) and f"pid {os.getpid()}" in stack.port_owner(port)
    finally:
        listening.close()
        idle.close()
    assert not stack.port_busy(port)


PROC_NET_TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1 0 100 0 0 10 0
   1: 00000000:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   101        0 2222 1 0 100 0 0 10 0
   2: 0100007F:1F90 0100007F:A1B2 01 00000000:00000000 00:00000000 00000000     0        0 3333 1 0 20 4 30 10 -1
"""
PROC_NET_TCP6 = """\
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:13BF 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4444 1 0 100 0 0 10 0
   1: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5555 1 0 100 0 0 10 0
"""


@pytest.mark.skipif(sys.byteorder != "little", reason="the samples are from a little-endian kernel")
def test_proc_net_tcp_parsing():
    assert stack.parse_proc_net_tcp(PROC_NET_TCP) == [stack.Listener("127.0.0.1", 8080, 1111),
                                                      stack.Listener("0.0.0.0", 5432, 2222)]
    six = stack.parse_proc_net_tcp(PROC_NET_TCP6)
    assert six == [stack.Listener("::1", 5055, 4444), stack.Listener("::", 80, 5555)]
    assert [str(s) for s in six] == ["[::1]:5055", "[::]:80"]
    assert stack.port_busy(5432, stack.parse_proc_net_tcp(PROC_NET_TCP))
    assert not stack.port_busy(41394, stack.parse_proc_net_tcp(PROC_NET_TCP))  # only connected, not listening


def test_loopback_check_flags_our_listeners_beyond_127_0_0_1():
    loopback, wide = socket.socket(), socket.socket()
    loopback.bind(("127.0.0.1", 0))
    wide.bind(("0.0.0.0", 0))
    loopback.listen()
    wide.listen()
    try:
        bad = stack.beyond_loopback({os.getpid()})
        assert bad == [f"0.0.0.0:{wide.getsockname()[1]} (pid {os.getpid()} {stack._comm(os.getpid())})"]
        wide.close()
        assert stack.beyond_loopback({os.getpid()}) == []
    finally:
        loopback.close()
        wide.close()


# ------------------------------------------------------------------ pools


def test_the_pools_come_from_the_config_and_a_bad_config_stops_the_start(state, tmp_path):
    settings = load(state)
    env = {"PYTHONPATH": f"{stack.ROOT / 'include'}", "PATH": os.environ["PATH"]}
    wanted = stack.config_pools(settings, {**env, "FOUNDATION_CONFIG": str(stack.ROOT / "config" / "foundation.yaml")})
    assert wanted["groundwork_account_creation"]["slots"] == 5 and wanted["groundwork_iam"]["slots"] == 3
    broken = tmp_path / "foundation.yaml"
    broken.write_text((stack.ROOT / "config" / "foundation.yaml").read_text().replace("    ec2: 4", "    ec2: 0"))
    with pytest.raises(StackError, match="concurrency.ec2"):
        stack.config_pools(settings, {**env, "FOUNDATION_CONFIG": str(broken)})


def test_the_pools_are_made_as_the_configured_admin_and_no_admin_stops_the_start(state, monkeypatch):
    import dataclasses

    requests = []
    monkeypatch.setattr(stack, "config_pools", lambda settings, env: {"groundwork_ec2": {"slots": 4}})
    monkeypatch.setattr(stack, "passwords", lambda settings: {"ops": "s3cret", "approver": "x"})

    def http(method, url, body, token=None, missing_ok=False):
        requests.append((method, url.rsplit("/", 2)[-2:], body, token))
        return json.dumps({"access_token": "t0k"}) if url.endswith("/auth/token") else None

    monkeypatch.setattr(stack, "_http_json", http)
    settings = dataclasses.replace(load(state), airflow_users="ops:admin,approver:user")
    stack.sync_pools(settings, {})
    assert requests[0][2] == {"username": "ops", "password": "s3cret"}  # the configured admin, not "admin"
    assert [(m, body) for m, _, body, _ in requests[1:]] == [
        ("PATCH", {"name": "groundwork_ec2", "slots": 4}), ("POST", {"name": "groundwork_ec2", "slots": 4})]
    assert all(token == "t0k" for *_, token in requests[1:])

    requests.clear()
    with pytest.raises(StackError, match="names no admin"):
        stack.sync_pools(dataclasses.replace(settings, airflow_users="approver:user,viewer:viewer"), {})
    assert requests == []  # nothing asked of Airflow
