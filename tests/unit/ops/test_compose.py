"""docker-compose.yaml, read as data (there is no Docker engine here to run it): CeleryExecutor with
PostgreSQL and Redis, every Airflow component, images built by the Dockerfile from requirements.txt,
real AWS as shipped with nothing secret written in the file, and the AWS stand-in only under a
profile. Compose's own ${...} interpolation is evaluated by a small reimplementation of the three
forms the file uses, against the example env file."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from tests.conftest import ROOT

COMPOSE_TEXT = (ROOT / "docker-compose.yaml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)  # SafeLoader resolves the `<<: *anchor` merges
SERVICES = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
ENV_EXAMPLE = (ROOT / "config" / "compose.env.example").read_text()
COMPONENTS = {"api-server", "scheduler", "dag-processor", "triggerer", "celery worker"}
_VAR = re.compile(r"(?<!\$)\$\{(?P<name>\w+)(?:(?P<op>:-|:\?)(?P<arg>[^}]*))?\}")


class Unset(Exception):
    pass


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} (empty counts as unset for both), $$ = $."""
    def one(match):
        name, op, arg = match["name"], match["op"], match["arg"]
        if env.get(name):
            return env[name]
        if op == ":?":
            raise Unset(f"{name}: {arg}")
        return arg if op == ":-" else ""
    return _VAR.sub(one, value).replace("$$", "$")


def env_file(text: str, uncomment: tuple[str, ...] = ()) -> dict[str, str]:
    """KEY=VALUE lines of an env file (single-quoted values taken literally); `uncomment` names
    commented-out keys to read as if set."""
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("# ") and line[2:].split("=", 1)[0] in uncomment:
            line = line[2:]
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key] = value[1:-1] if value[:1] == value[-1:] == "'" else value
    return values


def airflow_services() -> dict[str, dict]:
    return {name: s for name, s in SERVICES.items() if isinstance(s.get("command"), str) and s["command"] in COMPONENTS}


def environment(service: dict, env: dict[str, str]) -> dict[str, str]:
    return {k: interpolate(str(v), env) for k, v in (service.get("environment") or {}).items()}


REAL = {"GROUNDWORK_EXTERNAL_ID": "an-external-id_0123456789"}


def test_every_airflow_component_runs_with_the_celery_executor_on_postgres_and_redis():
    services = airflow_services()
    assert {s["command"] for s in services.values()} == COMPONENTS
    assert {"postgres", "redis", "airflow-init"} <= set(SERVICES)
    assert SERVICES["postgres"]["image"].startswith("postgres:") and SERVICES["redis"]["image"].startswith("redis:")
    for name, service in [*services.items(), ("airflow-init", SERVICES["airflow-init"])]:
        env = environment(service, REAL)
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://") and "@redis:6379/" in env["AIRFLOW__CELERY__BROKER_URL"]
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
        assert "@postgres/" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        # SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3, which is not installed
        assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql+psycopg2://"), name
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
        assert "postgres" in service["depends_on"], name
    for name, service in services.items():
        assert service["depends_on"]["redis"]["condition"] == "service_healthy", name
        assert service.get("healthcheck"), name
        assert service["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
    worker = next(s for s in services.values() if s["command"] == "celery worker")
    assert worker["deploy"]["replicas"] >= 2  # the topology tests/e2e/celery/ proves, one worker killed
    assert worker["depends_on"]["airflow-apiserver"]["condition"] == "service_healthy"
    assert "/execution/health" in str(SERVICES["airflow-apiserver"]["healthcheck"]["test"])
    assert SERVICES["airflow-init"]["environment"]["_AIRFLOW_DB_MIGRATE"] == "true"


def test_images_are_built_by_the_dockerfile_from_the_pinned_requirements():
    requirements = (ROOT / "requirements.txt").read_text()
    airflow_pin = re.search(r"^apache-airflow==(\S+)$", requirements, re.M)[1]
    assert re.search(r"^apache-airflow-providers-celery==\S+$", requirements, re.M)
    for name, service in [*airflow_services().items(), ("airflow-init", SERVICES["airflow-init"])]:
        assert service["build"] == {"context": ".", "target": "airflow"}, name
        assert "_PIP_ADDITIONAL_REQUIREMENTS" not in (service.get("environment") or {})
    stages = re.findall(r"^FROM (\S+) AS (\w+)$", DOCKERFILE, re.M)
    assert [stage for _, stage in stages][-1] == "airflow"  # the default target of `docker build .`
    base = re.search(r"^ARG AIRFLOW_IMAGE=(\S+)$", DOCKERFILE, re.M)[1]
    assert base.startswith("apache/airflow:") and base.split(":")[1].split("-")[1] == airflow_pin
    assert "COPY requirements.txt /opt/groundwork/requirements.txt" in DOCKERFILE
    assert "RUN pip install --no-cache-dir -r /opt/groundwork/requirements.txt" in DOCKERFILE
    for code in ("dags", "plugins", "include"):
        assert f"COPY {code} /opt/groundwork/{code}" in DOCKERFILE
    assert "COPY tools" not in DOCKERFILE.split("AS standin")[0]  # dev tooling stays out of the runtime
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignore[[line.startswith("#") for line in ignore].index(False)] == "*"  # an allow-list
    assert "!requirements.txt" in ignore and not any(".venv" in l or ".local" in l for l in ignore if l.startswith("!"))


def test_no_aws_keys_and_no_external_id_are_written_in_the_file():
    assert not re.search(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b", COMPOSE_TEXT)
    assert "testing" not in COMPOSE_TEXT  # moto's dummy keys live in the env example, for the stand-in
    for name, service in SERVICES.items():
        names = set(service.get("environment") or {})
        assert not names & {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}, name
    common = COMPOSE["x-airflow-common"]["environment"]
    # the ExternalId is only ever a required variable, never a value
    raw = common["AIRFLOW_CONN_GROUNDWORK_EXTERNAL_ID"]
    assert [m["name"] for m in _VAR.finditer(raw)] == ["GROUNDWORK_EXTERNAL_ID"]
    assert json.loads(interpolate(raw, REAL)) == {"conn_type": "generic", "password": REAL["GROUNDWORK_EXTERNAL_ID"]}
    for unset in ({}, {"GROUNDWORK_EXTERNAL_ID": ""}):
        with pytest.raises(Unset, match="GROUNDWORK_EXTERNAL_ID: set GROUNDWORK_EXTERNAL_ID in the env file"):
            interpolate(raw, unset)
    # every Airflow service gets it (the phase 5 tasks run on the workers)
    for name, service in airflow_services().items():
        assert environment(service, REAL)["AIRFLOW_CONN_GROUNDWORK_EXTERNAL_ID"] == interpolate(raw, REAL), name
    # the example env file names it, holds no value for it and no AWS key
    example = env_file(ENV_EXAMPLE)
    assert example["GROUNDWORK_EXTERNAL_ID"] == ""
    assert not re.search(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b", ENV_EXAMPLE)


def test_as_shipped_it_targets_real_aws_and_the_stand_in_only_under_a_profile():
    shipped = env_file(ENV_EXAMPLE) | REAL
    conn = environment(airflow_services()["airflow-scheduler"], shipped)["AIRFLOW_CONN_AWS_DEFAULT"]
    assert conn.startswith("aws://?region_name=") and "endpoint_url" not in conn and "standin" not in conn
    default = environment(airflow_services()["airflow-scheduler"], REAL)["AIRFLOW_CONN_AWS_DEFAULT"]
    assert default == "aws://?region_name=us-east-1"
    for name, service in SERVICES.items():
        if "standin" in name or service.get("build", {}).get("target") == "standin":
            assert service.get("profiles") == ["standin"], name
            assert all(port.startswith("127.0.0.1:") for port in service.get("ports", []))
        else:
            assert "profiles" not in service, name
            assert "standin" not in (service.get("depends_on") or {}), name
    # the example's stand-in lines: the profile, and a connection that sends every call (STS too) there
    standin = env_file(ENV_EXAMPLE, uncomment=("COMPOSE_PROFILES", "GROUNDWORK_AWS_CONN")) | REAL
    assert standin["COMPOSE_PROFILES"] == "standin"
    conn = json.loads(environment(airflow_services()["airflow-worker"], standin)["AIRFLOW_CONN_AWS_DEFAULT"])
    assert conn["extra"]["endpoint_url"] == "http://standin:5055"
    assert conn["extra"]["service_config"]["sts"]["endpoint_url"] == "http://standin:5055"


def test_only_the_ui_and_the_stand_in_are_published_and_only_on_loopback():
    published = {name: s["ports"] for name, s in SERVICES.items() if s.get("ports")}
    assert set(published) == {"airflow-apiserver", "standin"}
    for ports in published.values():
        assert all(interpolate(p, {}).startswith("127.0.0.1:") for p in ports)


def test_the_phases_come_up_unpaused_and_read_the_mounted_config():
    env = environment(airflow_services()["airflow-dag-processor"], REAL)
    assert env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "false"
    assert env["FOUNDATION_CONFIG"] == "/opt/groundwork/config/foundation.yaml"
    volumes = [interpolate(v, {}) for v in COMPOSE["x-airflow-common"]["volumes"]]
    assert "./config:/opt/groundwork/config:ro" in volumes
    assert "./.local/compose/aws:/opt/groundwork/aws:ro" in volumes  # gitignored, read-only
    assert "ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/groundwork/dags" in DOCKERFILE


def test_the_init_makes_the_pools_the_mounted_config_sizes():
    """The phases' mapped steps wait for slots of the groundwork_* pools (operations.concurrency):
    the one-shot init creates them from the mounted config after the migration."""
    script = SERVICES["airflow-init"]["command"][-1]
    steps = [line.strip() for line in script.splitlines()]
    migrate = steps.index("/entrypoint airflow version")
    assert steps[migrate + 3:migrate + 5] == ["python -m groundwork pools > /tmp/groundwork-pools.json",
                                              "airflow pools import /tmp/groundwork-pools.json"]
    assert "FOUNDATION_CONFIG" in SERVICES["airflow-init"]["environment"] or \
        "FOUNDATION_CONFIG" in COMPOSE["x-airflow-common"]["environment"]


def test_every_variable_the_file_reads_is_explained_in_the_env_example():
    used = {m["name"] for m in _VAR.finditer(COMPOSE_TEXT)}
    explained = set(env_file(ENV_EXAMPLE, uncomment=tuple(used)))
    assert used - explained == set()


def _compose_cli() -> list[str] | None:
    import shutil
    import subprocess

    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


@pytest.mark.skipif(_compose_cli() is None, reason="no docker compose / docker-compose client here")
def test_compose_itself_accepts_the_file_with_the_example_env_and_refuses_it_without_an_external_id(tmp_path):
    """Compose's own parser (no engine needed for `config`): here Debian's docker-compose 1.29 or the
    docker compose plugin, whichever is installed."""
    import subprocess

    def config(env_text: str) -> subprocess.CompletedProcess:
        (tmp_path / "compose.env").write_text(env_text)
        return subprocess.run([*_compose_cli(), "--project-directory", str(ROOT), "-f", str(ROOT / "docker-compose.yaml"),
                               "--env-file", str(tmp_path / "compose.env"), "config"], capture_output=True, text=True)

    refused = config(ENV_EXAMPLE)
    assert refused.returncode != 0 and "set GROUNDWORK_EXTERNAL_ID in the env file" in refused.stderr
    filled = ENV_EXAMPLE.replace("\nGROUNDWORK_EXTERNAL_ID=\n", "\nGROUNDWORK_EXTERNAL_ID=an-external-id_0123456789\n")
    for env_text in (filled, filled.replace("# COMPOSE_PROFILES=", "COMPOSE_PROFILES=")
                     .replace("# GROUNDWORK_AWS_CONN=", "GROUNDWORK_AWS_CONN=")):
        done = config(env_text)
        assert done.returncode == 0, done.stderr
        services = yaml.safe_load(done.stdout)["services"]
        worker = services["airflow-worker"]["environment"]
        assert json.loads(worker["AIRFLOW_CONN_GROUNDWORK_EXTERNAL_ID"])["password"] == "an-external-id_0123456789"
        conn = worker["AIRFLOW_CONN_AWS_DEFAULT"]
        assert conn == "aws://?region_name=us-east-1" or json.loads(conn)["extra"]["endpoint_url"] == "http://standin:5055"
        assert services["standin"]["profiles"] == ["standin"]
