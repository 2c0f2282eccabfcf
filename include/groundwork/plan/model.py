"""A plan is data: the changes a phase would make, printable, approvable and hashable.

A `Change` names a resource (`kind`, `key`) and its state before and after. Its `id` hashes what
the change will make true (kind, key, after), not how far AWS got: a rerun after a half-applied
plan yields the same ids for what remains, so apply can check that it only does what was approved
and refuse anything else (a stale plan).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Literal

Action = Literal["create", "update", "delete", "noop"]
SYMBOL = {"create": "+", "update": "~", "delete": "-", "noop": "="}


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


class NotConverged(Exception):
    """A fresh plan after apply still has changes: the phase did not reach the config."""


class Refused(Exception):
    """A phase cannot go on until a person acts (enable a service, create groups...): retrying the
    task will not help, so the Airflow side fails it at once with this message."""


@dataclass(frozen=True)
class Change:
    action: Action
    kind: str
    key: str
    before: dict | None = None
    after: dict | None = None
    production: bool = False
    note: str = ""

    @classmethod
    def between(cls, kind: str, key: str, before: dict | None, after: dict | None, *, production: bool = False,
                note: str = "") -> Change:
        """The change that takes `before` (None: absent) to `after` (None: remove): create, update,
        delete or noop."""
        return cls(action_for(before, after), kind, key, before, after, production=production, note=note)

    @property
    def id(self) -> str:
        return _digest([self.kind, self.key, self.after])[:16]

    def summary(self) -> str:
        text = f"{SYMBOL[self.action]} {self.kind} {self.key!r}"
        if self.action == "update":
            fields = sorted(
                k for k in set(self.before or {}) | set(self.after or {})
                if (self.before or {}).get(k) != (self.after or {}).get(k)
            )
            text += f" ({', '.join(fields)})"
        return text + (f": {self.note}" if self.note else "")

    def to_dict(self) -> dict:
        return {**asdict(self), "id": self.id}

    @classmethod
    def from_dict(cls, data: dict) -> Change:
        return cls(**{k: v for k, v in data.items() if k != "id"})


@dataclass(frozen=True)
class Plan:
    phase: str
    changes: tuple[Change, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = ()  # lines shown with the plan (e.g. CIDR capacity); not part of the digest

    @property
    def pending(self) -> list[Change]:
        return [c for c in self.changes if c.action != "noop"]

    @property
    def digest(self) -> str:
        return _digest(sorted(c.id for c in self.pending))[:16]

    def is_empty(self) -> bool:
        return not self.pending

    def counts(self) -> dict[str, int]:
        out = {"create": 0, "update": 0, "delete": 0, "noop": 0}
        for change in self.changes:
            out[change.action] += 1
        return out

    def to_dict(self) -> dict:
        return {
            "phase": self.phase,
            "digest": self.digest,
            "counts": self.counts(),
            "changes": [c.to_dict() for c in self.changes],
            "markdown": render_markdown(self),
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Plan:
        return cls(data["phase"], tuple(Change.from_dict(c) for c in data["changes"]), tuple(data.get("notes", ())))


def render_text(plan: Plan) -> str:
    counts = plan.counts()
    lines = [
        f"Plan for {plan.phase} ({plan.digest}): {counts['create']} to create, "
        f"{counts['update']} to update, {counts['delete']} to delete, {counts['noop']} unchanged"
    ]
    lines += [f"  {c.summary()}" for c in plan.pending]
    lines += list(plan.notes)
    return "\n".join(lines)


def render_markdown(plan: Plan) -> str:
    counts = plan.counts()
    notes = "".join(f"\n\n{note}" for note in plan.notes)
    if plan.is_empty():
        return f"**{plan.phase}**: nothing to change ({counts['noop']} resources already as configured).{notes}"
    lines = [
        f"**{plan.phase}** plan `{plan.digest}`: **{counts['create']}** to create, "
        f"**{counts['update']}** to update, **{counts['delete']}** to delete, {counts['noop']} unchanged.",
        "",
        "| | kind | resource | detail |",
        "|---|---|---|---|",
    ]
    for c in plan.pending:
        detail = _detail(c)
        flag = " **(production)**" if c.production else ""
        lines.append(f"| {SYMBOL[c.action]} {c.action} | {c.kind} | {c.key}{flag} | {detail} |")
    return "\n".join(lines) + notes


def _detail(change: Change) -> str:
    if change.action == "update":
        before, after = change.before or {}, change.after or {}
        parts = [
            f"{k}: {before.get(k)!s} → {after.get(k)!s}"
            for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)
        ]
        text = "; ".join(parts)
    elif change.action == "create":
        text = ", ".join(f"{k}: {v}" for k, v in (change.after or {}).items() if k != "document")
    else:
        text = change.note
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) < 300 else text[:297] + "..."


class StalePlan(Exception):
    """Apply was asked to make a change that the approved plan did not contain."""


def action_for(before, after) -> str:
    """The one create / delete / no-op / update decision: nothing there, nothing wanted, same, or not."""
    if before is None:
        return "create"
    if after is None:
        return "delete"
    return "noop" if before == after else "update"


def check_approved(change: Change, approved_ids: set[str] | frozenset[str]) -> None:
    if change.action != "noop" and change.id not in approved_ids:
        raise StalePlan(
            f"refusing to apply {change.summary()}: it is not in the approved plan "
            "(the config or AWS changed since the plan was made); rerun the phase to plan again"
        )



def to_apply(change: Change, approved_ids: set[str] | frozenset[str]) -> Change | None:
    """`change` if there is something to do and it was approved (StalePlan if it was not); None for a noop."""
    if change.action == "noop":
        return None
    check_approved(change, approved_ids)
    return change


def approved_pending(changes, approved_ids: set[str] | frozenset[str]):
    """The changes to make, in order: each one that is not a no-op, checked against the approved plan
    first (a change the approver did not see raises StalePlan before anything is done)."""
    for change in changes:
        if change.action == "noop":
            continue
        check_approved(change, approved_ids)
        yield change
