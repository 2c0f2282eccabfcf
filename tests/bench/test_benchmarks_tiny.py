"""The offline benchmarks run once at a tiny size, so they keep working (their real sizes and figures
are in the README). The stack benchmarks have small versions among the e2e tests: a phase under
30% failed calls and a SIGKILLed worker (tests/e2e/fresh_aws/test_reruns.py)."""

import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.parametrize("script, args, expect", [
    ("validate_scale.py", ["20"], r"28 accounts with explicit CIDRs: validated in [\d.]+ s"),
    ("parse_dags.py", ["2"], r"\n\s+2 \|\s+[\d.]+ s \|\s+[\d.]+ s \| 80\n"),  # every DAG, promotion's deploys too
    ("plan_scale.py", ["2"], r"\n\s+10 \|\s+[\d.]+ s \|\s+\d+ \|\s+[\d.]+ s \|\s+\d+ \| 0\n"),  # 0 mutating on rerun
])
def test_benchmark_runs_at_tiny_size(script, args, expect):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(expect, done.stdout), done.stdout
