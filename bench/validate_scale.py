"""Time `python -m groundwork validate` work (load + every check) on a config of N workload accounts,
each with an explicit /24 VPC CIDR (the overlap check used to be pairwise: 56 s at 10,000).

    .venv/bin/python bench/validate_scale.py 10000
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "include"), str(Path(__file__).resolve().parent)]

from make_config import scaled_config  # noqa: E402

from groundwork.config.loader import load_config  # noqa: E402


def main(accounts: int, repeats: int = 3) -> None:
    config = scaled_config(accounts)
    config["network"]["account_prefix_length"] = 24
    for i, account in enumerate(config["organization"]["accounts"]):
        account["cidr"] = f"10.{i // 256 + 100}.{i % 256}.0/24" if i >= 10 else account.get("cidr")
        if account["cidr"] is None:
            del account["cidr"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "foundation.yaml"
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            loaded = load_config(path)
            times.append(time.perf_counter() - started)
    print(f"{len(loaded.organization.accounts)} accounts with explicit CIDRs: validated in "
          f"{min(times):.2f} s (best of {repeats})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10000)
