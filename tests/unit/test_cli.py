"""`python -m groundwork`: validate runs as a real subprocess; plan runs in-process against moto."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from groundwork import cli
from groundwork.config.loader import DEFAULT_CONFIG

from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "unit" / "config" / "fixtures"
MINIMAL = ROOT / "config" / "examples" / "minimal.yaml"


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("FOUNDATION_CONFIG", "PYTHONPATH")}
    environ.update(PYTHONPATH="include", **env)
    return subprocess.run(
        [sys.executable, "-m", "groundwork", *args], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=60
    )


def test_validate_ok_on_the_default_config():
    result = run("validate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"OK: {DEFAULT_CONFIG} (8 accounts, 4 OUs, 3 SCPs)"
    assert result.stderr == ""


def test_validate_a_given_path_and_foundation_config_env():
    by_path = run("validate", "config/examples/minimal.yaml")
    assert by_path.stdout.strip() == f"OK: {MINIMAL} (3 accounts, 2 OUs, 2 SCPs)"
    by_env = run("validate", FOUNDATION_CONFIG=str(MINIMAL))
    assert by_env.stdout.strip() == f"OK: {MINIMAL} (3 accounts, 2 OUs, 2 SCPs)"


def test_validate_bad_config_prints_every_problem_to_stderr_and_exits_1():
    path = FIXTURES / "many_problems.yaml"
    result = run("validate", str(path))
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines[0] == f"{path} has 7 problem(s); nothing was applied:"
    assert f"  - {path}:21: organization.accounts[3].cidr: malformed CIDR '10.2.0.0/33'" in result.stderr
    assert len([line for line in lines if line.startswith("  - ")]) == 7


def test_validate_missing_file_exits_1():
    result = run("validate", "no/such/file.yaml")
    assert result.returncode == 1
    assert "cannot read the config" in result.stderr


def test_the_cli_does_not_import_airflow():
    code = "import sys, groundwork.cli; sys.exit('airflow' in sys.modules)"
    environ = {**os.environ, "PYTHONPATH": "include"}
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environ, timeout=60).returncode == 0


def test_unknown_phase_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["plan", "--phase", "6"])
    assert info.value.code == 2


def test_plan_phase_1_on_an_empty_organization_lists_creates(aws, capsys):
    assert cli.main(["plan", "--phase", "1", "--config", str(DEFAULT_CONFIG)]) == 0
    first, *changes = capsys.readouterr().out.strip().splitlines()
    assert first.startswith("Plan for phase1_foundation (")
    assert first.endswith("): 17 to create, 0 to update, 0 to delete, 0 unchanged")
    assert changes[:3] == [
        "  + organization 'organization'", "  + policy_type 'SERVICE_CONTROL_POLICY'", "  + ou 'Security'"
    ]
    assert "  + account 'Log Archive'" in changes
    assert changes[-1] == "  + scp 'groundwork-log-archive-protection'"
    assert len(changes) == 17 and all(line.startswith("  + ") for line in changes)


def test_plan_json_is_the_plan_dict(aws, capsys, monkeypatch):
    monkeypatch.setenv("FOUNDATION_CONFIG", str(MINIMAL))
    assert cli.main(["plan", "--phase", "1", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["phase"] == "phase1_foundation"
    assert plan["counts"]["create"] == len(plan["changes"]) > 0
    accounts = {c["key"] for c in plan["changes"] if c["kind"] == "account"}
    assert accounts == {"Log Archive", "Production", "NonProd"}


def test_plan_context_uses_the_home_region_and_access_role_of_the_config(tmp_path):
    text = MINIMAL.read_text().replace(
        "home_region: us-east-1", "home_region: us-west-2\n  access_role_name: GroundworkAccess"
    )
    assert text.rstrip().endswith("audit_account: Log Archive")  # the observability section is last
    (tmp_path / "west.yaml").write_text(text.rstrip() + "\n  replica_region: us-east-1\n")
    ctx = cli.aws_context(cli.load_config(tmp_path / "west.yaml"))
    assert (ctx.region, ctx.session.region_name) == ("us-west-2", "us-west-2")
    assert ctx.access_role_name == "GroundworkAccess"


def test_plan_with_a_bad_config_exits_1_without_reading_aws(aws, capsys, monkeypatch):
    monkeypatch.setattr(cli, "aws_context", lambda config: pytest.fail("AWS must not be read"))
    assert cli.main(["plan", "--phase", "1", "--config", str(FIXTURES / "unknown_ou.yaml")]) == 1
    assert "unknown OU 'Platform'" in capsys.readouterr().err


def test_plan_reports_an_aws_error_and_exits_1(aws, capsys, monkeypatch):
    from botocore.exceptions import NoCredentialsError

    from groundwork.phases import foundation

    def no_credentials(ctx, config):
        raise NoCredentialsError()

    monkeypatch.setattr(foundation, "plan", no_credentials)
    assert cli.main(["plan", "--phase", "1", "--config", str(DEFAULT_CONFIG)]) == 1
    assert capsys.readouterr().err.startswith("error: cannot read AWS: Unable to locate credentials")


def test_a_domain_error_is_one_line_not_a_traceback(capsys, monkeypatch):
    from groundwork.phases import foundation

    def refuse(ctx, config):
        raise RuntimeError("accounts ['Audit'] do not exist yet; run phase1_foundation first")

    monkeypatch.setattr(foundation, "plan", refuse)
    assert cli.main(["plan", "--phase", "1", "--config", str(DEFAULT_CONFIG)]) == 1
    assert capsys.readouterr().err.strip() == "error: accounts ['Audit'] do not exist yet; run phase1_foundation first"
