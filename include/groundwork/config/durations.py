"""ISO-8601 durations as IAM Identity Center accepts them (PTnHnMnS, optional PnD)."""

import re

_DURATION = re.compile(
    r"^P(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


def parse_iso8601_duration(value: str) -> int:
    """Seconds in an ISO-8601 duration; ValueError when it is not one."""
    match = _DURATION.match(value or "")
    if not match or value in ("P", "PT") or value.endswith("T"):
        raise ValueError(f"{value!r} is not an ISO-8601 duration such as PT4H or PT30M")
    parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
    return (
        parts.get("days", 0) * 86400
        + parts.get("hours", 0) * 3600
        + parts.get("minutes", 0) * 60
        + parts.get("seconds", 0)
    )
