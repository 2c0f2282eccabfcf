"""Drift: what in AWS differs from the config, per deployed phase, read only.

A phase's drift is its plan (`PhaseSpec.planned`: the phase module's plan plus the steps that plan
their own changes) made against AWS as it is now: every pending change is something a person (or
another tool) changed, or something the config asks for that is gone. Planning only reads
(describe/list/get); repair is the phase's normal run: plan, approval, apply.
"""

from __future__ import annotations

from dataclasses import dataclass

from groundwork.phases.spec import SPECS
from groundwork.plan.model import Change


@dataclass(frozen=True)
class PhaseDrift:
    dag_id: str
    changes: tuple[Change, ...]
    needs_approval: bool  # whether the repairing run will ask for an approval
    unmanaged: tuple[str, ...] = ()  # accounts in AWS the config does not name: listed, never touched

    @property
    def counts(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "delete": 0}
        for change in self.changes:
            counts[change.action] += 1
        return counts

    def lines(self) -> list[str]:
        """How the repair would go, one line per difference ("+ create": gone from AWS, "~ update":
        changed in AWS, "- delete": in AWS, not in the config)."""
        return [f"{self.dag_id}: {change.summary()}" + (" (production)" if change.production else "")
                for change in self.changes]

    def to_dict(self) -> dict:
        return {"dag_id": self.dag_id, "counts": self.counts, "needs_approval": self.needs_approval,
                "changes": [c.to_dict() for c in self.changes], "lines": self.lines(),
                "unmanaged": list(self.unmanaged)}


def detect(ctx, config, dag_id: str, **secrets) -> PhaseDrift:
    """`dag_id`'s drift: its pending changes against AWS now (read-only calls only)."""
    planned = SPECS[dag_id].planned(ctx, config, **secrets)
    pending = tuple(c for c in planned.plan.changes if c.action != "noop")
    unmanaged = tuple(n for n in planned.plan.notes if n.startswith("unmanaged:"))
    return PhaseDrift(dag_id, pending, planned.needs_approval and bool(pending), unmanaged)


def report(drifts: list[dict]) -> dict:
    """The run's report from each phase's `PhaseDrift.to_dict()`: counts per phase, every line."""
    ordered = sorted(drifts, key=lambda d: list(SPECS).index(d["dag_id"]))
    per_phase = {d["dag_id"]: sum(d["counts"].values()) for d in ordered}
    lines = [line for d in ordered for line in d["lines"]]
    total = sum(per_phase.values())
    headline = (f"drift: {total} difference(s) from the config in "
                f"{', '.join(k for k, v in per_phase.items() if v)}" if total
                else f"no drift: AWS matches the config of {', '.join(per_phase) or 'no deployed phase'}")
    unmanaged = [line for d in ordered for line in d.get("unmanaged", [])]
    return {"headline": headline, "total": total, "per_phase": per_phase, "lines": lines,
            "repair": [d["dag_id"] for d in ordered if sum(d["counts"].values())], "unmanaged": unmanaged}


def message(summary: dict) -> str:
    """The notification text: the headline, every difference, how to repair."""
    body = [summary["headline"], "", *summary["lines"]]
    if summary.get("unmanaged"):
        body += ["", *summary["unmanaged"]]
    if summary["repair"]:
        body += ["", "Repair: run " + ", ".join(summary["repair"]) + " (plan, approval where needed, apply)."]
    return "\n".join(body)
