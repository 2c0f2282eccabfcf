"""Cost estimates: the monthly cost of the whole config and of each plan, from a price table kept
as data (`prices.yaml`). See `groundwork.cost.estimate` and docs/cost.md."""

from groundwork.cost.estimate import (  # noqa: F401
    Estimate,
    Line,
    MissingPrice,
    PriceTable,
    approval_lines,
    estimate_config,
    estimate_plan,
    load_prices,
)
