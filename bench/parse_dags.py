"""How long the DAG folder takes to parse as the config grows (fresh interpreter per size).

    .venv/bin/python bench/parse_dags.py 8 100 500
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from make_config import ROOT, scaled_config

import yaml

PROBE = """
import time, os
from airflow.dag_processing.dagbag import DagBag
t = time.perf_counter()
bag = DagBag(os.environ["DAGS"])
assert not bag.import_errors, bag.import_errors
print(f"{time.perf_counter() - t:.3f} {sum(len(d.tasks) for d in bag.dags.values())}")
"""


def measure(extra_accounts: int, repeats: int = 3) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "foundation.yaml"
        config.write_text(yaml.safe_dump(scaled_config(extra_accounts), sort_keys=False))
        env = {**os.environ, "FOUNDATION_CONFIG": str(config), "DAGS": str(ROOT / "dags"),
               "PYTHONPATH": f"{ROOT / 'include'}:{ROOT / 'plugins'}",
               "AIRFLOW_HOME": str(Path(tmp) / "airflow"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
        times = []
        for _ in range(repeats):
            out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
            seconds, tasks = out.stdout.split()[-2:]
            times.append(float(seconds))
        return min(times), int(tasks)


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:]] or [0, 100, 500]
    print("extra accounts | DagBag parse (best of 3) | tasks")
    for size in sizes:
        seconds, tasks = measure(size)
        print(f"{size:>14} | {seconds:>10.3f} s | {tasks}")
