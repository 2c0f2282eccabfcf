"""Ten rollouts in a row, every approval answered one second after it shows (issue: Airflow 3.3.2
fails a resumed task whose early answer or fast trigger beat the scheduler's stale report).

Each rollout starts from an empty stand-in (so every phase plans changes and asks), rolls out all
deployed phases through Airflow, answers each approval as the approver `--answer-after` seconds
after it appears, and records the wall time, the tasks that needed a second try, and the
scheduler's "state attribute is" lines (the stale-report failure) written meanwhile.

    eval "$(scripts/stack.sh env)"
    .venv/bin/python bench/early_approvals.py --rollouts 10 --answer-after 1
"""

from __future__ import annotations

import argparse
import json
import os
import time
import urllib.request
from pathlib import Path

from groundwork_ops.airflow_client import AirflowClient
from groundwork_ops.rollout import deployed_phases, roll_out

ROOT = Path(__file__).resolve().parents[1]
STALE = "but the task instance's state attribute is"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rollouts", type=int, default=10)
    parser.add_argument("--answer-after", type=float, default=1.0)
    args = parser.parse_args()
    url, standin = os.environ["GROUNDWORK_AIRFLOW_URL"], os.environ["GROUNDWORK_STANDIN_URL"]
    state = Path(os.environ.get("GROUNDWORK_STATE_DIR", ROOT / ".local"))
    passwords = json.loads((state / "secrets" / "passwords.json").read_text())
    scheduler_log = state / "logs" / "scheduler.log"
    phases = deployed_phases(ROOT / "dags")
    rows = []
    for n in range(1, args.rollouts + 1):
        urllib.request.urlopen(urllib.request.Request(f"{standin}/moto-api/reset", data=b"", method="POST"),
                               timeout=30).read()
        offset = scheduler_log.stat().st_size
        admin = AirflowClient(url, "admin", passwords["admin"])
        approver = AirflowClient(url, "approver", passwords["approver"])
        started = time.monotonic()
        results = roll_out(admin, approver, phases, False, 1200, lambda *_: None, args.answer_after)
        seconds = time.monotonic() - started
        with scheduler_log.open("rb") as log:
            log.seek(offset)
            stale = sum(STALE in line for line in log.read().decode(errors="replace").splitlines())
        retried = {p: r["retried"] for p, r in results.items() if r["retried"]}
        rows.append({"rollout": n, "seconds": round(seconds, 1), "retried": retried, "stale_reports": stale})
        print(json.dumps(rows[-1]), flush=True)
    ok = all(not r["retried"] and not r["stale_reports"] for r in rows)
    print(f"{len(rows)} rollouts, answers {args.answer_after}s after each request showed: "
          f"{'all succeeded, no task retried, no stale report' if ok else 'NOT clean'}; "
          f"{min(r['seconds'] for r in rows)}-{max(r['seconds'] for r in rows)} s each")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
