"""One deferrable wait for every slow AWS state: poll a named probe until it says done.

Probes are plain functions in the domain package, named by dotted path
("groundwork.phases.probes:create_account"), `probe(ctx, **arguments) -> (done, result)`; the
trigger only carries that path and the arguments (no credentials: it rebuilds its session from the Airflow
connection id), so it serializes to a few ids.

The resume floor (Airflow 3.3.2, upstream apache/airflow #72716, #71580, #66374): after a task
defers, its worker keeps running for up to `[workers] min_heartbeat_interval` (5 s) before it reports
the deferring process as finished. If the trigger fires sooner, the task is resumed and running when
the scheduler drains that stale "success" report, logs "finished with state success, but the task
instance's state attribute is running" and fails the resumed try. So a trigger never fires before
`not_before` (the deferral time plus RESUME_FLOOR_SECONDS): the answer is kept, only delivered late
enough. Operators keep checking in the worker for GRACE_SECONDS before deferring
(`ProbeWait.wait_on_probe`), so a wait that is over by then costs no deferral.
"""

from __future__ import annotations

import asyncio
import importlib
import time
from datetime import timedelta
from typing import Any

from airflow.sdk import BaseOperator
from airflow.triggers.base import BaseTrigger, TriggerEvent

# Three times the worker's 5 s report interval plus the scheduler's loop: measured lingering was 5.3 s.
RESUME_FLOOR_SECONDS = 15.0


# A wait whose end is expected at a known time (`fast_from`: a creation as long as the shortest the
# batch has seen, less a lead) is checked every FAST_POLL_SECONDS from then on for FAST_WINDOW_SECONDS,
# instead of every poll_interval: its end is noticed ~0.5 s after it instead of poll_interval / 2.
FAST_POLL_SECONDS = 1.0
FAST_WINDOW_SECONDS = 15.0


def poll_pause(now: float, poll_interval: float, fast_from: float = 0.0) -> float:
    """Seconds until the next check of a trigger at wall-clock time `now`: poll_interval, but never
    past `fast_from`, and FAST_POLL_SECONDS within FAST_WINDOW_SECONDS after it. `fast_from` 0: no
    expected end."""
    if fast_from <= 0 or now >= fast_from + FAST_WINDOW_SECONDS:
        return poll_interval
    if now >= fast_from:
        return min(poll_interval, FAST_POLL_SECONDS)
    return min(poll_interval, fast_from - now)


async def hold_until(not_before: float) -> None:
    """Sleep until the wall-clock time `not_before` (the resume floor of a deferral)."""
    hold = not_before - time.time()
    if hold > 0:
        await asyncio.sleep(hold)


def api_not_found(exc) -> bool:
    """Whether a Task SDK call failed because the Execution API answered 404 (no such row)."""
    detail = getattr(exc.error, "detail", None) or {}
    return isinstance(detail, dict) and detail.get("status_code") == 404


def resolve_probe(path: str):
    """'groundwork.phases.probes:create_account' -> the function (only inside groundwork)."""
    module, _, name = path.partition(":")
    if not module.startswith("groundwork.") or not name:
        raise ValueError(f"not a groundwork probe: {path!r}")
    return getattr(importlib.import_module(module), name)


class AwsPollTrigger(BaseTrigger):
    CONTEXT_MAX_AGE_SECONDS = 600.0

    def __init__(
        self,
        probe: str,
        arguments: dict[str, Any],
        connection_id: str,
        region: str,
        access_role_name: str,
        poll_interval: float = 15.0,
        timeout: float = 3600.0,
        not_before: float = 0.0,
        fast_from: float = 0.0,
    ):
        super().__init__()
        self.probe = probe
        self.arguments = arguments
        self.connection_id = connection_id
        self.region = region
        self.access_role_name = access_role_name
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.not_before = not_before
        self.fast_from = fast_from
        self._ctx = None  # built at the first check, then reused for CONTEXT_MAX_AGE_SECONDS (not serialized)
        self._ctx_built = 0.0

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "probe": self.probe,
                "arguments": self.arguments,
                "connection_id": self.connection_id,
                "region": self.region,
                "access_role_name": self.access_role_name,
                "poll_interval": self.poll_interval,
                "timeout": self.timeout,
                "not_before": self.not_before,
                "fast_from": self.fast_from,
            },
        )

    def _check_once(self) -> tuple[bool, dict]:
        """One check. The AWS context (the connection read, a boto3 session and its clients) is built
        once per trigger and kept for CONTEXT_MAX_AGE_SECONDS: rebuilt per check it cost more CPU
        than the check (15 % of a core for five creation waits). The hook's session refreshes its own
        assumed-role credentials; the age limit renews what a context keeps itself (member-account
        role credentials, which expire after an hour)."""
        from groundwork_airflow.aws import aws_context

        if self._ctx is None or time.monotonic() - self._ctx_built > self.CONTEXT_MAX_AGE_SECONDS:
            self._ctx = aws_context(self.connection_id, self.region, self.access_role_name)
            self._ctx_built = time.monotonic()
        return resolve_probe(self.probe)(self._ctx, **self.arguments)

    async def _event(self, payload: dict) -> TriggerEvent:
        """The event, held back until the resume floor has passed (see the module docstring)."""
        await hold_until(self.not_before)
        return TriggerEvent(payload)

    async def run(self):
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                done, result = await asyncio.to_thread(self._check_once)
            except Exception as exc:  # report, don't kill the triggerer loop
                yield await self._event({"status": "error", "probe": self.probe, "message": str(exc)})
                return
            if done:
                yield await self._event({"status": "done", "probe": self.probe, "result": result})
                return
            if time.monotonic() > deadline:
                yield await self._event({"status": "timeout", "probe": self.probe, "result": result})
                return
            await asyncio.sleep(poll_pause(time.time(), self.poll_interval, self.fast_from))


GRACE_FIRST_PAUSE_SECONDS = 0.25


def grace_pause(waited: float, longest: float) -> float:
    """Seconds to pause before the next check of a wait in the worker that has taken `waited` so far:
    short at first, longer as the wait goes on, so a wait that ends goes unnoticed for at most a
    quarter of its own length (a 2 s CreateAccount was seen after 4 s with a fixed 2 s pause), and
    a wait of minutes is not checked more often than every `longest` seconds. ~13 checks in a 10 s
    grace instead of 5."""
    return min(longest, max(GRACE_FIRST_PAUSE_SECONDS, waited / 4))


class ProbeWait:
    """For operators that wait on a probe: check once in the worker; only if not done, defer to
    AwsPollTrigger with the resume floor. Either way the wait ends in `method_name(context, event)`
    with the same event, so a wait that is already over and a deferred one take one path."""

    POLL_INTERVAL = 10.0  # seconds between the trigger's checks
    TIMEOUT = timedelta(minutes=30)  # how long the wait may take before it fails
    # Seconds to keep checking in the worker before deferring: a deferral costs the resume floor plus a
    # second task start (~20 s). Half of that: a wait AWS ends within seconds (an assignment, an IAM
    # role's propagation, an attachment on the stand-in) costs no round trip; one that takes minutes
    # (CreateAccount) costs at most this much slot time more than deferring at once.
    AWS_GRACE_SECONDS = 10.0
    GRACE_SECONDS = AWS_GRACE_SECONDS
    GRACE_POLL_SECONDS = 2.0  # the longest pause between two checks in the worker (see grace_pause)

    def _context(self, context=None):
        """The config (read once per task) and an AWS context from the Airflow connection. With
        `context`: one context for the task process, with the account ids the run's plan resolved
        when there are; without: a fresh one."""
        from groundwork_airflow.aws import context_for
        from groundwork_airflow.phase import load_runtime_config, with_run_account_ids

        if getattr(self, "_config", None) is None:
            self._config = load_runtime_config()
        if context is None:
            return self._config, context_for(self._config)
        if getattr(self, "_ctx", None) is None:  # one per task process: a batch shares its reads (ctx.remembered)
            self._ctx = with_run_account_ids(context_for(self._config), context["ti"])
        return self._config, self._ctx

    def approved(self, context) -> set[str]:
        """This run's approved change ids, pulled once per task process (a batch's accounts, and each
        account's start and finish, share them; the plan cannot change while its steps run)."""
        from groundwork_airflow.phase import approved_ids

        if getattr(self, "_approved_ids", None) is None:
            self._approved_ids = approved_ids(context["ti"])
        return self._approved_ids

    def plan_value(self, context, key: str):
        """An output of this run's plan task (`account_ids`, `cidrs`...), pulled once per task process."""
        if getattr(self, "_plan_values", None) is None:
            self._plan_values = {}
        if key not in self._plan_values:
            self._plan_values[key] = context["ti"].xcom_pull(task_ids="plan", key=key)
        return self._plan_values[key]

    def wait_on_probe(self, context, config, ctx, probe: str, arguments: dict, method_name: str, *,
                      poll_interval: float | None = None, timeout: float | None = None, resume: dict | None = None,
                      fast_from: float = 0.0):
        """`resume`: keyword arguments the method gets besides the event (where a batch is);
        `fast_from`: when the wait is expected to end (epoch seconds; see poll_pause), 0 unknown."""
        extra = {} if resume is None else {"resume": resume}
        poll_interval = self.POLL_INTERVAL if poll_interval is None else poll_interval
        timeout = self.TIMEOUT.total_seconds() if timeout is None else timeout
        check = resolve_probe(probe)
        done, result = check(ctx, **arguments)
        started = time.monotonic()
        grace_until = started + self.GRACE_SECONDS
        while not done and time.monotonic() < grace_until:  # a wait over in seconds costs no deferral round trip
            pause = grace_pause(time.monotonic() - started, self.GRACE_POLL_SECONDS)
            time.sleep(min(pause, max(grace_until - time.monotonic(), 0)))
            done, result = check(ctx, **arguments)
        if done:
            if time.monotonic() > started + 0.1:
                self.log.info("%s done after %.1f s in the worker (not deferred)", probe.partition(":")[2],
                              time.monotonic() - started)
            return getattr(self, method_name)(context, {"status": "done", "probe": probe, "result": result}, **extra)
        self.log.info("waiting on %s (deferred, no worker slot held)", probe.partition(":")[2])
        self.defer(
            trigger=AwsPollTrigger(
                probe=probe,
                arguments=arguments,
                connection_id=config.aws.connection_id,
                region=config.aws.home_region,
                access_role_name=config.aws.access_role_name,
                poll_interval=poll_interval,
                timeout=timeout,
                not_before=time.time() + RESUME_FLOOR_SECONDS,
                fast_from=fast_from,
            ),
            method_name=method_name,
            kwargs=extra or None,
        )


class AccountWait(ProbeWait, BaseOperator):
    """A step mapped over batches of accounts (`account_names`, see groundwork.mapping: one account per
    task unless the config has more accounts than `operations.max_tasks_per_step`) whose work for an
    account may end in a wait on a probe. The accounts of a batch are done one after another: a wait
    (in the worker or deferred) carries where the batch is (`resume`), and its resume method hands the
    account's result to `account_done`, which goes on with the next account. A rerun starts the batch
    again from its first account; every account's work converges, so the accounts done already only
    cost their reads."""

    template_fields = ("account_names",)

    def __init__(self, *, account_names: list[str], **kwargs):
        super().__init__(**kwargs)
        self.account_names = account_names

    def execute(self, context):
        return self.run_batch(context, {"position": 0, "results": []})

    def run_batch(self, context, resume: dict):
        position = resume["position"]
        if position >= len(self.account_names):
            return resume["results"]
        if len(self.account_names) > 1:
            from groundwork.mapping import label

            self.log.info("account %d of %d in this task (%s): %s", position + 1, len(self.account_names),
                          label(self.account_names), self.account_names[position])
        return self.start_account(context, self.account_names[position], resume)

    def start_account(self, context, name: str, resume: dict):
        """One account's work: return `self.account_done(context, resume, result)`, or wait on a probe
        with `resume=resume` whose method does."""
        raise NotImplementedError

    def account_done(self, context, resume: dict | None, result: dict):
        """Go on with the next account; what else `resume` carries for it (e.g. `ahead`) goes along."""
        resume = resume or {"position": 0, "results": []}
        return self.run_batch(context, {**resume, "position": resume["position"] + 1,
                                        "results": [*resume["results"], result]})

    @staticmethod
    def account_of(resume: dict | None, names: list[str]) -> str:
        """The account a resume is about (its position in the batch)."""
        return names[(resume or {}).get("position", 0)]
