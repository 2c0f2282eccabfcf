"""Write a foundation config with N workload accounts (for the scale benchmarks)."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def scaled_config(accounts: int) -> dict:
    config = yaml.safe_load((ROOT / "config" / "foundation.yaml").read_text())
    org = config["organization"]
    teams = [{"name": f"Team{t:02d}"} for t in range(max(1, accounts // 50))]
    org["organizational_units"][1]["children"] = teams
    for i in range(accounts):
        org["accounts"].append({
            "name": f"Workload {i:04d}",
            "email": f"aws-workload-{i:04d}@wingu.example",
            "ou": f"Workloads/{teams[i % len(teams)]['name']}",
            "kind": "workload",
            "environment": "development",
            "tags": {"cost-center": teams[i % len(teams)]["name"].lower()},
        })
    if len(org["accounts"]) > 200:  # a /16 per account no longer fits 10.0.0.0/8: /20 each (4,096 of them)
        config["network"]["account_prefix_length"] = 20
    return config


if __name__ == "__main__":
    count, out = int(sys.argv[1]), Path(sys.argv[2])
    out.write_text(yaml.safe_dump(scaled_config(count), sort_keys=False))
    print(out)
