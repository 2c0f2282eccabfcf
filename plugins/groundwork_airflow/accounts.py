"""The mapped per-account step of phase 1: ensure (create or invite), wait (deferred), place and tag,
wait until reachable (not for a closed account). One account after another when a task has a batch;
the next account's creation starts as soon as the one before it is created, while that one is placed
and waited for (`start_next`)."""

from __future__ import annotations

from datetime import timedelta

from groundwork_airflow.triggers import AccountWait

PROBES = "groundwork.phases.probes"


class EnsureAccountOperator(AccountWait):
    """Create the account once (or resume the request under way), move it to its OU, and wait
    until its access role can be assumed. Waiting is deferred to the triggerer: no worker slot."""

    # Until a batch has seen a creation end, a creation's end goes unnoticed 2.5 s on average: 1-3 %
    # of AWS's minutes per account. With the quota's 5 creations in flight that is one
    # DescribeCreateAccountStatus a second of Organizations' management-account rate, up to five a
    # second while the creations are in their expected-end windows (below; the latency model's
    # bucket throttled twice as many calls then, retried by botocore).
    POLL_INTERVAL = 5.0
    TIMEOUT = timedelta(hours=1)  # account creation
    # Once a batch has seen a creation end, the next one is expected to take as long as the shortest
    # so far: checked every second from this long before that (triggers.poll_pause), so its end is
    # noticed ~0.5 s after it rather than 2.5 s. AWS does not say how long a creation will take.
    EXPECTED_END_LEAD_SECONDS = 2.0

    def _wait(self, context, config, ctx, probe: str, arguments: dict, method: str, resume: dict,
              fast_from: float = 0.0):
        if getattr(self, "_batch_read", None) is not None:  # carried to the resumed task (see _existing)
            resume = {**(resume or {"position": 0, "results": []}), "existing": self._batch_read}
        return self.wait_on_probe(context, config, ctx, f"{PROBES}:{probe}", arguments, method, resume=resume,
                                  fast_from=fast_from)

    def expected_end(self, progress, resume: dict | None) -> float:
        """When a creation under way is expected to end (epoch seconds, less the lead): its request
        time plus the shortest creation the batch has seen; 0 when either is unknown."""
        shortest = (resume or {}).get("creation_seconds")
        if not shortest or progress.requested_at is None:
            return 0.0
        return progress.requested_at + shortest - self.EXPECTED_END_LEAD_SECONDS

    @staticmethod
    def learn_creation(resume: dict | None, progress) -> dict | None:
        """Keep the shortest creation time the batch has seen in `resume` (it travels with it)."""
        took = progress.creation_seconds()
        if resume is None or took is None:
            return resume
        known = resume.get("creation_seconds")
        return {**resume, "creation_seconds": took if known is None else min(known, took)}

    def _adopt(self, resume: dict | None) -> None:
        """A resumed task takes over the batch's organization read from the task before its deferral."""
        if getattr(self, "_batch_read", None) is None and resume and resume.get("existing") is not None:
            self._batch_read = dict(resume["existing"])

    def start_account(self, context, name: str, resume: dict):
        from groundwork.reconcile.accounts import ABSENT, IN_PROGRESS, AccountProgress

        config, ctx = self._context(context)
        ahead = resume.pop("ahead", None)
        if ahead and ahead["name"] == name:
            progress = AccountProgress(**ahead)  # started while the account before it was placed
        else:
            progress = self._start(context, config, ctx, name)
        self.log.info("account %s: %s", name, progress)
        if progress.state == ABSENT:
            self.log.info("account %s is %s in the config and not in the organization: nothing to do",
                          name, config.account(name).lifecycle)
            return self.account_done(context, resume, {"name": name, "account_id": None})
        if progress.state == IN_PROGRESS:
            return self._wait(context, config, ctx, "create_account",
                              {"name": name, "request_id": progress.request_id}, "account_created", resume,
                              fast_from=self.expected_end(progress, resume))
        return self._place(context, config, ctx, name, progress.to_dict(), resume)

    def _start(self, context, config, ctx, name: str):
        """Create the account, or find it made or under way: never a second CreateAccount."""
        from groundwork.phases import foundation

        known = (self.plan_value(context, "account_ids") or {}).get(name)
        existing = self._existing(ctx, config, known, name)
        return foundation.start_account(ctx, config, name, self.approved(context), known, existing)

    def _existing(self, ctx, config, known: str | None, name: str):
        """For a batch: the organization read once for all of its new accounts, kept as what it said
        about each account of the batch (its account, its creation request, or neither), and carried
        across the batch's deferrals, so a resumed task does not list the whole organization again
        (at 1,000 accounts ~100 paged Organizations calls per account: quadratic). An account's entry
        is used once: when it is started, it leaves the read, so an account this task started (even
        if that failed half-way) is read for again, never judged by a read that predates its request.
        One account, or no entry: None, read for it."""
        from groundwork.phases import foundation
        from groundwork.reconcile.accounts import Existing

        if known or len(self.account_names) < 2:
            return None
        if getattr(self, "_batch_read", None) is None:
            read = foundation.existing_accounts(ctx)
            self._batch_read = {batch_name: batch_entry(read, config.account(batch_name).email, batch_name)
                                for batch_name in self.account_names}
        entry = self._batch_read.pop(name, None)  # started now: from here on, read for again
        if entry is None:
            return None
        email = config.account(name).email
        return Existing({email: entry["account"]} if entry.get("account") else {},
                        {name: entry["request"]} if entry.get("request") else {})

    def start_next(self, context, config, ctx, resume: dict | None) -> dict | None:
        """The account before it is created, so its slot of the creation quota is free: start the
        next account of the batch now, before placing that one and waiting for its access role, and
        carry its progress in `resume` to its turn. A creation takes minutes in AWS; the placing, the
        role's wait and a resume are seconds the quota's slot would otherwise sit idle. An error here
        is left to the account's own turn, which starts it again (reading first) and fails naming it."""
        position = (resume or {}).get("position", 0) + 1
        if position >= len(self.account_names):
            return resume
        name = self.account_names[position]
        try:
            progress = self._start(context, config, ctx, name)
        except Exception as error:  # noqa: BLE001 - its own turn reports it
            self.log.warning("account %s not started ahead (%s): it is started in its turn", name, error)
            return resume
        self.log.info("account %s started ahead: %s", name, progress)
        return {**(resume or {"position": 0, "results": []}), "ahead": progress.to_dict()}

    def account_created(self, context, event, resume: dict | None = None):
        from groundwork.reconcile.accounts import AccountProgress

        self._adopt(resume)
        name = self.account_of(resume, self.account_names)
        self._raise_on_trigger_error(name, event)
        config, ctx = self._context(context)
        progress = AccountProgress(**event["result"])
        resume = self.start_next(context, config, ctx, self.learn_creation(resume, progress))
        return self._place(context, config, ctx, name, progress.to_dict(), resume)

    def _place(self, context, config, ctx, name: str, progress: dict, resume: dict | None):
        from groundwork.phases import foundation
        from groundwork.reconcile.accounts import AccountProgress, raise_if_failed

        progress = AccountProgress(**progress)
        raise_if_failed(progress)
        moved = foundation.place_account(ctx, config, name, progress.account_id, self.approved(context))
        if moved:
            self.log.info("applied: %s", moved.summary())
        if foundation.is_closed(ctx, progress.account_id):
            self.log.info("account %s (%s) is closed: its access role is not waited for", name, progress.account_id)
            return self.account_done(context, resume, {"name": name, "account_id": progress.account_id})
        return self._wait(context, config, ctx, "assume_role", {"account_id": progress.account_id},
                          "account_reachable", resume)

    def account_reachable(self, context, event, resume: dict | None = None):
        self._adopt(resume)
        name = self.account_of(resume, self.account_names)
        self._raise_on_trigger_error(name, event)
        account_id = event["result"]["account_id"]
        self.log.info("account %s (%s) ready", name, account_id)
        return self.account_done(context, resume, {"name": name, "account_id": account_id})

    @staticmethod
    def _raise_on_trigger_error(name: str, event):
        from airflow.exceptions import AirflowException

        if event.get("status") != "done":
            raise AirflowException(f"waiting for account {name} ended with {event}")


def batch_entry(read, email: str, name: str) -> dict:
    """What an organization read says about one account of a batch, in plain strings (it travels in
    the deferral's kwargs): its account by email, its creation request by name, or neither."""
    entry = {}
    account = read.accounts_by_email.get(email)
    if account is not None:
        entry["account"] = {"Id": account["Id"], "Email": account["Email"]}
    request = read.requests_by_name.get(name)
    if request is not None:
        from groundwork.reconcile.accounts import epoch

        entry["request"] = {key: request[key] for key in ("Id", "State", "AccountId", "AccountName", "FailureReason")
                            if request.get(key) is not None}
        # its times as epoch seconds: a request found under way gets expected-end checks once the
        # batch knows how long a creation takes (EnsureAccountOperator.expected_end)
        entry["request"].update({key: epoch(request[key]) for key in ("RequestedTimestamp", "CompletedTimestamp")
                                 if request.get(key) is not None})
    return entry

