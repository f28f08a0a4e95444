"""Delivering the outbox: the notifications port and the loop that drives it.

Domain events are written to the outbox in the same transaction as the change that
caused them (see `outbox.emit`). An adapter implements `Notifier` (the Slack bot posts
to the coordination channel) and `deliver_due` hands it each due alert, recording the
outcome: sent, retried later with backoff, or failed for good. A failed delivery never
undoes the change that raised the alert.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, Self

from capacity.models import Alert
from capacity.storage.outbox import Outbox

log = logging.getLogger("capacity.usecases.notify")

BACKOFF_START = 1.0
BACKOFF_MAX = 300.0
MAX_ATTEMPTS = 50  # then "failed", listed by `capacity-bot alerts` and retried by hand


class TemporaryFailure(Exception):
    """The receiver could not take the alert now; try again later"""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentFailure(Exception):
    """The receiver will never take the alert as configured (bad token, no channel)"""


class Notifier(Protocol):
    def deliver(self, alert: Alert) -> str:
        """Deliver one alert exactly once and return a reference to what was delivered.

        `alert.attempts` > 1 means an earlier attempt may have reached the receiver
        (its outcome is unknown): the notifier must then check before delivering again.
        Raises TemporaryFailure or PermanentFailure.
        """
        ...


@dataclass
class Delivered:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def backoff(attempts: int, maximum: float = BACKOFF_MAX) -> float:
    return min(maximum, BACKOFF_START * 2 ** max(0, attempts - 1))


def deliver_due(
    outbox: Outbox,
    notifier: Notifier,
    *,
    limit: int = 20,
    lease_seconds: float = 60.0,
    backoff_max: float = BACKOFF_MAX,
) -> Delivered:
    """Deliver the alerts that are due now; returns what happened to them.

    Each alert is leased while it is being delivered, so that a second worker (another
    bot process on the same database) leaves it alone; a worker that dies mid-delivery
    leaves the lease to run out, and the next attempt checks before posting again."""
    outcome = Delivered()
    for alert in outbox.claim_due(lease_seconds=lease_seconds, limit=limit):
        try:
            ref = notifier.deliver(alert)
        except PermanentFailure as error:
            log.error("Alert %s failed for good: %s", alert.id, error)
            outbox.mark_failed(alert.id, str(error))
            outcome.failed += 1
        except Exception as error:  # a bug or an unexpected client error: retried, counted
            if not isinstance(error, TemporaryFailure):
                log.exception("Alert %s: unexpected error while delivering", alert.id)
                error = TemporaryFailure(f"{type(error).__name__}: {error}")
            if alert.attempts >= MAX_ATTEMPTS:
                outbox.mark_failed(alert.id, f"gave up after {alert.attempts} attempts: {error}")
                outcome.failed += 1
                continue
            delay = max(error.retry_after or 0.0, backoff(alert.attempts, backoff_max))
            log.warning("Alert %s not delivered (%s); retry in %.1f s", alert.id, error, delay)
            outbox.mark_retry(alert.id, str(error), delay)
            outcome.retried += 1
        else:
            outbox.mark_sent(alert.id, ref)
            outcome.sent += 1
    return outcome


class Worker:
    """A daemon thread that runs `_run` until `stop()`; `wake()` ends the wait it is in
    (`self._wake`) at once. `start()` answers the worker itself."""

    def __init__(self, name: str) -> None:
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> Self:
        self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        raise NotImplementedError


class OutboxWorker(Worker):
    """A background thread that delivers the outbox: woken at once by `wake()` after a
    change in this process, and polling for alerts queued by other processes (the CLI)
    or due for a retry."""

    def __init__(
        self,
        outbox: Outbox,
        notifier: Notifier,
        *,
        poll_seconds: float = 0.5,
        lease_seconds: float = 60.0,
        backoff_max: float = BACKOFF_MAX,
        on_error: Callable[[Exception], None] | None = None,
        schedule: Callable[[], object] | None = None,
    ) -> None:
        self.lease_seconds = lease_seconds
        self.backoff_max = backoff_max
        self.outbox = outbox
        self.notifier = notifier
        self.poll_seconds = poll_seconds
        super().__init__("outbox")
        self._on_error = on_error
        self.failures = 0  # rounds failed in a row
        self.schedule_failures = 0
        self._schedule = schedule  # run at each poll: queues what is due (the weekly summary)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            if self._schedule is not None:
                self._run_schedule()
            try:
                while (
                    not self._stop.is_set()
                    and deliver_due(
                        self.outbox,
                        self.notifier,
                        lease_seconds=self.lease_seconds,
                        backoff_max=self.backoff_max,
                    ).sent
                ):
                    pass
                if self.failures:
                    log.info("Outbox delivery works again after %d failed rounds", self.failures)
                    self.failures = 0
            except Exception as error:  # keep the worker alive; the alert stays pending
                # The same fault (a missing table, a locked or damaged file) fails every
                # round: reported once with its traceback, then retried less and less often.
                self.failures += 1
                if self.failures == 1:
                    log.exception("Outbox delivery failed; retrying with backoff")
                if self._on_error:
                    self._on_error(error)
                self._wake.wait(backoff(self.failures, self.backoff_max))
                continue
            self._wake.wait(self.poll_seconds)

    def _run_schedule(self) -> None:
        """Queue what is due (the weekly summary); a failure is reported once, tried again
        at each poll, and never holds up the alerts."""
        try:
            self._schedule()  # type: ignore[misc]
        except Exception as error:
            self.schedule_failures += 1
            if self.schedule_failures == 1:
                log.exception("Queueing what is due failed; tried again at each poll")
            if self._on_error:
                self._on_error(error)
        else:
            self.schedule_failures = 0
