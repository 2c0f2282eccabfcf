import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for sub in ("include", "plugins", "tools"):
    if str(ROOT / sub) not in sys.path:
        sys.path.insert(0, str(ROOT / sub))

# Airflow imports read their settings at import time: keep them inside the checkout.
os.environ.setdefault("AIRFLOW_HOME", str(ROOT / ".local" / "test-airflow-home"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(ROOT / "dags"))

# Unit tests never reach a real endpoint: fake credentials, and no AWS endpoint leaks from a shell.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
