"""The served bot's scheduled backups: a thread of its own that, at each poll, takes the
backup of the latest scheduled time if no process has (`capacity.usecases.backups`),
and logs what became of it. Apart from the outbox's thread, so that a backup (about a
second for a national-scale database) never holds up an alert; in both run modes.

Each backup is made by a process of its own at the lowest CPU priority
(`capacity.storage.backup_process`): it shares no GIL with the answers and leaves them
the CPU. At exit the thread is stopped after the backup it is waiting for, if any, so
that no copy is left half-written (one a killed process leaves is swept later).
"""

from __future__ import annotations

import atexit
import logging
import threading

from bot.settings import Settings
from capacity import Capacity
from capacity.domain.rules import OSLO
from capacity.usecases.backups import Outcome, ScheduledBackups, health_warning

log = logging.getLogger("bot.backups")


def _local(moment: object) -> str:
    return f"{moment.astimezone(OSLO):%Y-%m-%d %H:%M %Z}"  # type: ignore[attr-defined]


def _mib(size: int) -> str:
    return f"{size / 1_048_576:.1f} MiB"


def report(outcome: Outcome) -> None:
    """One log line for what became of a scheduled time."""
    due = _local(outcome.due)
    if outcome.status == "taken":
        assert outcome.result is not None and outcome.pruning is not None
        result, pruning = outcome.result, outcome.pruning
        deleted = ", ".join(file.path.name for file in pruning.deleted) or "none"
        log.info(
            "Backed up the database (due %s) to %s in %.2f s, %s, integrity check ok; "
            "the retention keeps %d, deleted %s",
            due, result.target, result.seconds, _mib(result.info.size),
            len(pruning.kept), deleted,
        )  # fmt: skip
        for file, why in pruning.failed:
            log.warning("The retention could not delete %s: %s", file.path, why)
    elif outcome.status == "failed":
        log.error(
            "The backup due %s failed: %s. The older backups are untouched; the "
            "coordination channel is told once; the next is tried at its time",
            due, outcome.problem,
        )  # fmt: skip
    elif outcome.status == "done":
        log.info("The backup due %s is done already (by another process, or before a restart)", due)


class BackupWorker:
    """Polls the schedule in a thread; a failure of the poll itself (the database
    locked past its wait, say) is logged once and tried again at the next poll."""

    def __init__(self, schedule: ScheduledBackups, poll: float) -> None:
        self.schedule = schedule
        self.poll = poll
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="backups", daemon=True)

    def start(self) -> BackupWorker:
        self._thread.start()
        atexit.register(self.stop)
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                outcome = self.schedule()
            except Exception:
                self.failures += 1
                if self.failures == 1:
                    log.exception("Checking the backup schedule failed; tried again at each poll")
            else:
                self.failures = 0
                if outcome is not None:
                    report(outcome)
            self._stop.wait(self.poll)


def start_backups(service: Capacity, settings: Settings) -> BackupWorker | None:
    """Take the scheduled backups from this process (None when they are off)."""
    plan = settings.backup_plan
    if plan is None:
        log.info("Scheduled backups are off (set CAPACITY_BACKUP_DIR to take them)")
        return None
    if not plan.directory.is_dir():
        log.warning(
            "The backup directory %s is not there: each backup fails until it is", plan.directory
        )
    every = "every day" if plan.at.weekday is None else "every week"
    log.info(
        "Scheduled backups %s at %s (Norwegian time) into %s, keeping %s; the next is due %s",
        every, plan.at, plan.directory, plan.keep or "all",
        _local(plan.at.following(service.clock())),
    )  # fmt: skip
    schedule = ScheduledBackups(
        lambda due: service.take_scheduled_backup(plan, due), plan.at, service.clock
    )
    return BackupWorker(schedule, poll=settings.capacity_alert_poll).start()


def announce_upgrade(service: Capacity) -> None:
    """Say so when the start migrated an older database (and where its backup went)."""
    if service.upgrade is not None:
        log.warning("%s", service.upgrade)


def health_warnings(service: Capacity) -> list[str]:
    """What `/healthz` warns of, serving all the same: the last scheduled backup failed."""
    warning = health_warning(service.last_backup())
    return [warning] if warning else []
