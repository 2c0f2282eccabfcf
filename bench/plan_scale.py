"""Phase 1 at scale against in-process moto: first apply, then a converged plan and rerun.

Counts API calls (reads and mutations) and wall time. moto in-process is ~5x faster than the
server, so these are lower bounds for the engine's own cost, not for AWS.

    .venv/bin/python bench/plan_scale.py 100 300
"""

from __future__ import annotations

import os
import sys
import time

os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
sys.path[:0] = [os.path.join(os.path.dirname(__file__), "..", p) for p in ("include", ".")]
from groundwork_standin.extensions import install_all  # noqa: E402

install_all()

import boto3  # noqa: E402
import yaml  # noqa: E402
from moto import mock_aws  # noqa: E402

from groundwork.aws.context import AwsContext  # noqa: E402
from groundwork.config.loader import parse_config  # noqa: E402
from groundwork.phases import foundation  # noqa: E402
from make_config import scaled_config  # noqa: E402
from tests.unit.reconcile.foundation_steps import apply_all  # noqa: E402


def run(extra: int) -> dict:
    config = parse_config(yaml.safe_dump(scaled_config(extra)))
    with mock_aws():
        ctx = AwsContext(session=boto3.session.Session(region_name="us-east-1"), region="us-east-1")
        t = time.perf_counter()
        plan = foundation.plan(ctx, config)
        apply_all(ctx, config, {c.id for c in plan.pending})
        first = time.perf_counter() - t
        first_calls = len(ctx.calls)
        ctx.calls.clear()
        t = time.perf_counter()
        assert foundation.plan(ctx, config).is_empty()
        apply_all(ctx, config, set())
        rerun = time.perf_counter() - t
        return {"accounts": len(config.organization.accounts), "first_s": first, "first_calls": first_calls,
                "rerun_s": rerun, "rerun_calls": len(ctx.calls), "rerun_mutating": len(ctx.mutating_calls())}


if __name__ == "__main__":
    print("accounts | first plan+apply | calls | converged plan+rerun | calls | mutating")
    for extra in [int(a) for a in sys.argv[1:]] or [0, 100, 300]:
        r = run(extra)
        print(f"{r['accounts']:>8} | {r['first_s']:>12.2f} s | {r['first_calls']:>5} | {r['rerun_s']:>16.2f} s "
              f"| {r['rerun_calls']:>5} | {r['rerun_mutating']}")
