"""Slow AWS states phase 1 waits on, as `probe(ctx, **arguments) -> (done, result)`.

Deferrable tasks hand a probe's dotted path ("groundwork.phases.probes:create_account") and its
arguments to a trigger, which calls it until done. Other phases keep their probes in their own
modules, same signature.
"""

from __future__ import annotations

from groundwork.reconcile import accounts


def create_account(ctx, name: str, request_id: str) -> tuple[bool, dict]:
    progress = accounts.creation_progress(ctx.client("organizations"), name, request_id)
    return progress.state != accounts.IN_PROGRESS, progress.to_dict()


def assume_role(ctx, account_id: str) -> tuple[bool, dict]:
    ready, detail = accounts.access_ready(ctx, account_id)
    return ready, {"account_id": account_id, "detail": detail}

