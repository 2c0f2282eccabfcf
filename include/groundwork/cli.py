"""Command line: validate the config, print a phase's plan or the config's monthly cost, without Airflow.

    python -m groundwork validate [PATH]
    python -m groundwork plan --phase 1 [--config PATH] [--json]
    python -m groundwork cost [--config PATH] [--json] [--assume NAME=VALUE ...]
    python -m groundwork preflight [--config PATH]

PATH defaults to $FOUNDATION_CONFIG, else config/foundation.yaml. `plan` reads AWS with the
ambient boto3 credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, ...) and endpoints (AWS_ENDPOINT_URL,
AWS_ENDPOINT_URL_<SERVICE>, which boto3 honours by itself); it never changes anything. After the
plan it prints the plan's estimated monthly cost change (in --json: "estimate").
`cost` reads the config only (no AWS): the whole config's estimated monthly cost by phase, account
and region, from the price table groundwork/cost/prices.yaml; --assume replaces one of its usage
assumptions (e.g. --assume nat_gateway_gb_per_gateway=100). See docs/cost.md.
`preflight` reads AWS (changes nothing): the service quotas the config needs and the management
account's hygiene; every problem is printed with its exact fix (exit 1), as phase 1's preflight task does.
Exit codes: 0 done, 1 invalid config, AWS error or missing price, 2 usage error or phase not implemented.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from groundwork.config.loader import ConfigError, config_path, load_config

OK, FAILED, USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m groundwork", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check the foundation config and report every problem")
    validate.add_argument("path", nargs="?", help="config file (default: $FOUNDATION_CONFIG or config/foundation.yaml)")
    plan = commands.add_parser("plan", help="print what a phase would change (reads AWS, changes nothing)")
    plan.add_argument("--phase", type=int, required=True, choices=range(1, 6), metavar="{1..5}")
    plan.add_argument("--config", help="config file (default: $FOUNDATION_CONFIG or config/foundation.yaml)")
    plan.add_argument("--json", action="store_true", help="print the plan as JSON")
    commands.add_parser("reference", help="print the config reference (every field) as Markdown")
    pools = commands.add_parser("pools", help="print the Airflow pools the config sizes (operations.concurrency), "
                                              "as `airflow pools import` reads them (no AWS read)")
    pools.add_argument("--config", help="config file (default: $FOUNDATION_CONFIG or config/foundation.yaml)")
    check = commands.add_parser("preflight", help="check service quotas and the management account before phase 1 "
                                                  "(reads AWS, changes nothing)")
    check.add_argument("--config", help="config file (default: $FOUNDATION_CONFIG or config/foundation.yaml)")
    cost = commands.add_parser("cost", help="print the config's estimated monthly cost by phase and account (no AWS read)")
    cost.add_argument("--config", help="config file (default: $FOUNDATION_CONFIG or config/foundation.yaml)")
    cost.add_argument("--json", action="store_true", help="print the estimate as JSON")
    cost.add_argument("--assume", action="append", type=_assumption, default=[], metavar="NAME=VALUE",
                      help="replace a usage assumption of the price table (repeatable)")
    return parser


def _assumption(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not sep or not name or not math.isfinite(number) or number < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give NAME=VALUE with a number >= 0")
    return name.strip(), number


def validate(path: str | None) -> int:
    config = load_config(path)
    print(
        f"OK: {config_path(path)} ({len(config.organization.accounts)} accounts, "
        f"{len(config.ou_paths())} OUs, {len(config.organization.service_control_policies)} SCPs)"
    )
    return OK


def aws_context(config):
    """An AwsContext on a plain boto3 session in the config's home region."""
    import boto3

    from groundwork.aws.context import AwsContext

    region = config.aws.home_region
    return AwsContext(
        session=boto3.session.Session(region_name=region),
        region=region,
        access_role_name=config.aws.access_role_name,
    )


def plan(phase: int, path: str | None, as_json: bool) -> int:
    from groundwork.phases import phase_module

    module = phase_module(phase)
    from botocore.exceptions import BotoCoreError, ClientError

    from groundwork.plan.model import render_text

    config = load_config(path)
    try:
        result = module.plan(aws_context(config), config)
    except (BotoCoreError, ClientError) as exc:
        print(f"error: cannot read AWS: {exc}", file=sys.stderr)
        return FAILED
    except Exception as exc:  # a domain refusal (missing ExternalId, phase 1 not run, ...): one line
        print(f"error: {exc}", file=sys.stderr)
        return FAILED
    from groundwork.cost.estimate import plan_summary

    text, estimate = plan_summary(result, config)
    if as_json:
        print(json.dumps({**result.to_dict(), "estimate": estimate}, indent=2))
    else:
        print(render_text(result) + "\n\n" + text)
    return OK


def cost(path: str | None, as_json: bool, assume: list[tuple[str, float]]) -> int:
    """The whole config's estimated monthly cost (config and price table only)."""
    from groundwork.cost.estimate import MissingPrice, estimate_config, load_prices

    config = load_config(path)
    try:
        table = load_prices().assuming(dict(assume))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE
    try:
        estimate = estimate_config(config, table, title=f"Estimated monthly cost of {config_path(path)}")
    except MissingPrice as exc:
        print(f"error: {exc}", file=sys.stderr)
        return FAILED
    print(json.dumps(estimate.to_dict(), indent=2) if as_json else estimate.text())
    return OK


def preflight(path: str | None) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from groundwork.preflight import preflight as run_preflight, render

    config = load_config(path)
    try:
        findings = run_preflight(aws_context(config), config)
    except (BotoCoreError, ClientError) as exc:
        print(f"error: cannot read AWS: {exc}", file=sys.stderr)
        return FAILED
    print(render(findings), file=sys.stderr if findings else sys.stdout)
    return FAILED if findings else OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "validate":
            return validate(args.path)
        if args.command == "reference":
            from groundwork.config.reference import reference_markdown

            print(reference_markdown(), end="")
            return OK
        if args.command == "preflight":
            return preflight(args.config)
        if args.command == "pools":
            from groundwork.pools import pools

            print(json.dumps(pools(load_config(args.config)), indent=2))
            return OK
        if args.command == "cost":
            return cost(args.config, args.json, args.assume)
        return plan(args.phase, args.config, args.json)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return FAILED
