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

# Cold: a fresh interpreter that has imported only DagBag. Warm: the modules the DAG files import
# are imported first, as Airflow's dag-processor does before each parse ([dag_processor]
# parsing_pre_import_modules, on by default); the config itself is still read by the parse.
PROBE = """
import time, os, importlib
from airflow.dag_processing.dagbag import DagBag
if os.environ["WARM"] == "1":
    for module in ("airflow.sdk", "groundwork_airflow.phase_dag", "groundwork_airflow.promotion_dag",
                   "groundwork_airflow.drift_dag", "groundwork.phases.spec", "groundwork.config.models"):
        importlib.import_module(module)
t = time.perf_counter()
bag = DagBag(os.environ["DAGS"])
assert not bag.import_errors, bag.import_errors
print(f"{time.perf_counter() - t:.3f} {sum(len(d.tasks) for d in bag.dags.values())}")
"""


def measure(extra_accounts: int, repeats: int = 3, warm: bool = False) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "foundation.yaml"
        config.write_text(yaml.safe_dump(scaled_config(extra_accounts), sort_keys=False))
        env = {**os.environ, "FOUNDATION_CONFIG": str(config), "DAGS": str(ROOT / "dags"),
               "PYTHONPATH": f"{ROOT / 'include'}:{ROOT / 'plugins'}",
               "AIRFLOW_HOME": str(Path(tmp) / "airflow"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
               "WARM": "1" if warm else "0"}
        times = []
        for _ in range(repeats):
            out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
            seconds, tasks = out.stdout.split()[-2:]
            times.append(float(seconds))
        return min(times), int(tasks)


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:]] or [0, 100, 500]
    print("extra accounts | cold parse (best of 3) | warm parse (best of 3) | tasks")
    for size in sizes:
        seconds, tasks = measure(size)
        warm, _ = measure(size, warm=True)
        print(f"{size:>14} | {seconds:>10.3f} s | {warm:>10.3f} s | {tasks}")
