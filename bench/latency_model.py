"""Make a running stand-in answer like AWS for the scale runs: every call of a service waits a
latency and is metered by a token bucket, throttled beyond it with the service's own error code
(botocore retries those with backoff, as it does against AWS).

    .venv/bin/python bench/latency_model.py --endpoint "$GROUNDWORK_STANDIN_URL"           # apply
    .venv/bin/python bench/latency_model.py --endpoint "$GROUNDWORK_STANDIN_URL" --show    # rules + counts
    .venv/bin/python bench/latency_model.py --endpoint "$GROUNDWORK_STANDIN_URL" --clear   # back to moto

The slow AWS work itself is the stand-in's own setting when it starts:
GROUNDWORK_STANDIN_CREATE_ACCOUNT_SECONDS (CreateAccount IN_PROGRESS; minutes in AWS),
GROUNDWORK_STANDIN_ASSIGNMENT_SECONDS (Identity Center assignments), GROUNDWORK_STANDIN_TGW_ATTACHMENT_SECONDS
(Transit Gateway attachments), GROUNDWORK_STANDIN_STACK_SECONDS (CloudFormation stacks).

What the model is: one bucket per service and caller (access key and Region: each member account
is reached with its own assumed-role credentials, the management account with the connection's),
as AWS meters per account and Region; `--global` keeps one bucket per service for every account and
Region together, far stricter than AWS. EC2 also meters per API: one bucket for all of EC2 is
stricter. Rates marked "documented" are AWS's published defaults; "assumed" ones are not published
and are set low on purpose.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

from groundwork_standin.faults import FaultClient  # noqa: E402

# service (SigV4 signing name), throttling error code, refill per second, bucket size, latency ms, basis
MODEL: list[tuple[str, str, float, int, int, str]] = [
    ("ec2", "RequestLimitExceeded", 20, 100, 120,
     "documented: EC2 non-mutating actions, bucket 100 refilled at 20/s (mutating: 50 at 5/s), per API"),
    ("organizations", "TooManyRequestsException", 5, 10, 150, "assumed"),
    ("sso", "ThrottlingException", 10, 20, 150, "assumed (Identity Center admin API)"),
    ("identitystore", "ThrottlingException", 10, 20, 100, "assumed"),
    ("iam", "Throttling", 10, 20, 150, "assumed (IAM is global: one bucket for the whole organization here)"),
    ("sts", "Throttling", 50, 100, 60, "assumed"),
    ("config", "ThrottlingException", 10, 20, 120, "assumed"),
    ("guardduty", "TooManyRequestsException", 10, 20, 120, "assumed"),
    ("securityhub", "TooManyRequestsException", 10, 20, 120, "assumed"),
    ("kms", "ThrottlingException", 50, 100, 60, "assumed (KMS control-plane calls)"),
    ("s3", "SlowDown", 50, 100, 60, "assumed (bucket configuration calls)"),
    ("cloudformation", "Throttling", 5, 10, 150, "assumed"),
]


def rules(scale: float = 1.0, per_caller: bool = True) -> list[dict]:
    """Rate limits first (a request that gets a token goes on), then each service's latency."""
    limits = [dict(service=s, error_code=code, http_status=400, rate_per_second=rate * scale, burst=burst,
                   count=None, per_caller=per_caller, message=f"Rate exceeded (groundwork latency model: {basis})")
              for s, code, rate, burst, _, basis in MODEL]
    latencies = [dict(service=s, latency_ms=latency, count=None) for s, _, _, _, latency, _ in MODEL]
    return limits + latencies


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every refill rate (2: twice as fast)")
    parser.add_argument("--global", dest="per_caller", action="store_false",
                        help="one bucket per service for all accounts and Regions (stricter than AWS)")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--clear", action="store_true", help="drop every rule (moto's instant answers again)")
    action.add_argument("--show", action="store_true", help="print the rules and how often each fired")
    args = parser.parse_args(argv)
    control = FaultClient(args.endpoint)
    if args.clear:
        control.clear()
    elif not args.show:
        control.clear()
        for rule in rules(args.scale, args.per_caller):
            control.add(**rule)
    print(json.dumps([{k: r[k] for k in ("service", "error_code", "rate_per_second", "burst", "per_caller",
                                          "latency_ms", "fired", "passed")} for r in control.rules()], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
