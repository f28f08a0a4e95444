"""The outbox delivery loop against a recording notifier: sent, retried, failed."""

from __future__ import annotations

from capacity.usecases.notify import PermanentFailure, TemporaryFailure, deliver_due
from tests.conftest import ADMIN


class Recording:
    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.delivered: list[int] = []
        self.attempts: list[int] = []

    def deliver(self, alert) -> str:
        self.attempts.append(alert.attempts)
        if self.failures:
            raise self.failures.pop(0)
        self.delivered.append(alert.id)
        return f"ts-{alert.id}"


def test_an_alert_is_delivered_once_and_marked_sent(fresh):
    fresh.create_batch("Big", 400, ADMIN, year=2020)
    notifier = Recording()
    assert deliver_due(fresh.outbox, notifier).sent == 1
    assert deliver_due(fresh.outbox, notifier).sent == 0
    [alert] = fresh.alerts()
    assert (alert.status, alert.delivery_ref) == ("sent", "ts-1")


def test_a_temporary_failure_is_retried_after_the_backoff_or_retry_after(fresh, clock):
    fresh.create_batch("Big", 400, ADMIN, year=2020)
    notifier = Recording(TemporaryFailure("ratelimited", retry_after=30))
    assert deliver_due(fresh.outbox, notifier).retried == 1
    clock.advance(seconds=29)
    assert deliver_due(fresh.outbox, notifier).sent == 0  # not due yet
    clock.advance(seconds=2)
    assert deliver_due(fresh.outbox, notifier).sent == 1
    assert notifier.attempts == [1, 2]  # the second attempt knows it is a retry


def test_a_permanent_failure_is_kept_as_failed_and_can_be_retried(fresh):
    fresh.create_batch("Big", 400, ADMIN, year=2020)
    assert deliver_due(fresh.outbox, Recording(PermanentFailure("channel_not_found"))).failed == 1
    [alert] = fresh.alerts("failed")
    assert alert.last_error == "channel_not_found"
    assert fresh.retry_alerts() == 1
    assert deliver_due(fresh.outbox, Recording()).sent == 1


def test_a_failed_delivery_never_undoes_the_change(fresh):
    fresh.create_batch("Big", 400, ADMIN, year=2020)
    deliver_due(fresh.outbox, Recording(PermanentFailure("invalid_auth")))
    assert [b.name for b in fresh.batches()] == ["Big"]


def test_an_alert_queued_wakes_the_worker_after_commit_only(fresh):
    woken: list[str] = []
    fresh.on_alert_queued = lambda: woken.append("x")
    fresh.create_batch("Fits", 10, ADMIN, year=2020)
    assert woken == []
    fresh.create_batch("Big", 400, ADMIN, year=2020)
    assert woken == ["x"]


def test_an_unexpected_error_is_retried_not_lost(fresh):
    fresh.create_batch("Big", 400, ADMIN, year=2020)
    assert deliver_due(fresh.outbox, Recording(RuntimeError("bug"))).retried == 1
    [alert] = fresh.alerts()
    assert alert.status == "pending" and "RuntimeError: bug" in alert.last_error
