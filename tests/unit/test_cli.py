"""`python -m groundwork`: validate runs as a real subprocess; plan runs in-process against moto."""

from __future__ import annotations

import json

import boto3
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
    listing, estimate = capsys.readouterr().out.strip().split("\n\n")
    assert estimate == "Estimated monthly cost change: $0.00 (nothing priced is created or removed)"
    first, *changes = listing.splitlines()
    assert first.startswith("Plan for phase1_foundation (")
    assert first.endswith("): 22 to create, 0 to update, 0 to delete, 0 unchanged")
    assert changes[:3] == [
        "  + organization 'organization'", "  + policy_type 'SERVICE_CONTROL_POLICY'", "  + policy_type 'TAG_POLICY'"
    ]
    assert "  + account 'Log Archive'" in changes
    assert "  + scp 'groundwork-spend-stop'" in changes  # Sandbox has a spend limit
    assert "  + policy_type 'TAG_POLICY'" in changes and "  + tag_policy 'groundwork-cost-tags'" in changes
    changes = [line for line in changes if line.startswith("  ")]  # the changes, not the lines after them
    assert "  + budget 'groundwork-sandbox'" in " ".join(changes)  # with the role its action runs as
    assert len(changes) == 22 and all(line.startswith("  + ") for line in changes)


def test_plan_json_is_the_plan_dict(aws, capsys, monkeypatch):
    monkeypatch.setenv("FOUNDATION_CONFIG", str(MINIMAL))
    assert cli.main(["plan", "--phase", "1", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["phase"] == "phase1_foundation"
    assert plan["counts"]["create"] == len(plan["changes"]) > 0
    accounts = {c["key"] for c in plan["changes"] if c["kind"] == "account"}
    assert accounts == {"Log Archive", "Production", "NonProd"}
    assert plan["estimate"]["total_usd"] == 0 and plan["estimate"]["lines"] == []


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


# --------------------------------------------------------------------------- cost
def test_cost_prints_the_default_configs_estimate_by_phase_and_account():
    result = run("cost")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"Estimated monthly cost of {DEFAULT_CONFIG}: $583.19/month"
    for phase in ("Phase 1 foundation: $0.00", "Phase 2 identity: $0.00", "Phase 3 network: $482.30",
                  "Phase 4 observability: $96.89", "Phase 5 cicd: $4.00"):
        assert phase in lines
    assert "  Network: $134.35" in lines  # by account
    assert any(line.startswith("  securityhub_checks_per_account_region = 2,000") for line in lines)  # assumptions


def test_cost_json_and_an_assumed_usage(capsys, monkeypatch):
    monkeypatch.setenv("FOUNDATION_CONFIG", str(DEFAULT_CONFIG))
    assert cli.main(["cost", "--json"]) == 0
    estimate = json.loads(capsys.readouterr().out)
    assert estimate["total_usd"] == 583.19
    assert sum(estimate["by_phase"].values()) == pytest.approx(583.19)
    assert cli.main(["cost", "--json", "--assume", "nat_gateway_gb_per_gateway=100"]) == 0
    assert json.loads(capsys.readouterr().out)["total_usd"] == pytest.approx(583.19 + 2 * 100 * 0.045)


def test_cost_refuses_an_unknown_or_malformed_assumption(capsys):
    assert cli.main(["cost", "--config", str(MINIMAL), "--assume", "nat_gb=1"]) == 2
    assert "unknown usage assumption(s) ['nat_gb']" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        cli.main(["cost", "--assume", "nat_gateway_gb_per_gateway"])
    assert info.value.code == 2


def test_cost_reads_no_aws_and_reports_a_bad_config(capsys, monkeypatch):
    monkeypatch.setattr(cli, "aws_context", lambda config: pytest.fail("AWS must not be read"))
    assert cli.main(["cost", "--config", str(MINIMAL)]) == 0
    assert capsys.readouterr().out.startswith(f"Estimated monthly cost of {MINIMAL}: $")
    assert cli.main(["cost", "--config", str(FIXTURES / "unknown_ou.yaml")]) == 1
    assert "unknown OU 'Platform'" in capsys.readouterr().err


def test_plan_prints_the_estimated_monthly_change_after_the_plan(capsys, monkeypatch):
    from groundwork.phases import network
    from groundwork.plan.model import Change, Plan

    created = Plan("phase3_network", (
        Change("create", "nat_gateway", "Network/nat-1", None, {"subnet": "public-1"}),
        Change("create", "subnet", "Network/public-1", None, {"cidr": "10.20.2.0/24", "zone": "us-east-1a"}),
    ))
    monkeypatch.setattr(network, "plan", lambda ctx, config: created)
    assert cli.main(["plan", "--phase", "3", "--config", str(DEFAULT_CONFIG)]) == 0
    listing, estimate = capsys.readouterr().out.strip().split("\n\n")
    assert listing.splitlines()[1:] == ["  + nat_gateway 'Network/nat-1'", "  + subnet 'Network/public-1'"]
    estimate = estimate.splitlines()
    assert estimate[0] == "Estimated monthly cost change of phase3_network: +$36.50/month"
    assert "  Network us-east-1            NAT gateway: 1 × 730 hour × $0.045/hour = +$32.85" in estimate
    assert cli.main(["plan", "--phase", "3", "--config", str(DEFAULT_CONFIG), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["estimate"]["total_usd"] == 36.5 and data["estimate"]["delta"] is True
    assert data["digest"] == created.digest  # the plan itself is unchanged


def test_preflight_passes_on_a_hygienic_management_account_and_names_each_problem_with_its_fix(aws, capsys):
    assert cli.main(["preflight", "--config", str(DEFAULT_CONFIG)]) == 0
    assert "every check passed" in capsys.readouterr().out
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_user(UserName="old-ci")
    iam.create_access_key(UserName="old-ci")
    assert cli.main(["preflight", "--config", str(DEFAULT_CONFIG)]) == 1
    err = capsys.readouterr().err
    assert "old-ci" in err and "fix:" in err


def test_pools_prints_what_airflow_pools_import_reads(capsys):
    from groundwork.cli import main

    assert main(["pools"]) == 0
    pools = json.loads(capsys.readouterr().out)
    assert pools["groundwork_ec2"] == {**pools["groundwork_ec2"], "slots": 4, "include_deferred": False}
    assert all(set(p) == {"slots", "description", "include_deferred"} for p in pools.values())
