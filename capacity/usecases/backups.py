"""Scheduled backups: at each scheduled time (`CAPACITY_BACKUP_AT`), one checked online
backup into the backup directory, then the retention (`CAPACITY_BACKUP_KEEP`); a failed
one leaves the older backups as they are, is recorded with why, and raises one alert.

Once per scheduled time across restarts and bot processes: the time's row in
`backup_runs`, inserted by the process that takes it (`storage.backup_runs`). A restart
after the time, finding no row, takes the backup then; a failed time is not tried again,
the next scheduled time is. `last_backup` is what `/healthz` and the metrics read.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from capacity import errors
from capacity.domain.backup_events import BackupFailed, LastBackup
from capacity.domain.backups import Keep, kept
from capacity.domain.schedule import At, parse_at
from capacity.storage import backup_files, backup_runs
from capacity.storage.backup import BackupResult
from capacity.storage.backup_files import BackupFile
from capacity.usecases.core import Core, emit, iso

log = logging.getLogger("capacity.usecases.backups")

LEASE = 900.0
"""Seconds a process holds a scheduled time while it backs up (a national-scale
database takes about a second); one that dies leaves it to run out."""

OWNER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

DEFAULT_AT = "03:00"


def parse_backup_time(text: str) -> At | None:
    """`03:00` (every day), `søn 03:00` (once a week), Norwegian time; `off` for no
    scheduled backups (None). Raises ValueError saying what is accepted."""
    return parse_at(
        text,
        daily=True,
        example="'03:00' (every day) or 'søn 03:00' (once a week)",
        off="no scheduled backups",
    )


@dataclass(frozen=True)
class BackupPlan:
    """Where the scheduled backups go, when, and what the retention keeps (None: all);
    `isolated`: each made by a process of its own at the lowest CPU priority (the served
    bot's, so that a backup never slows its answers)."""

    directory: Path
    at: At
    keep: Keep | None
    isolated: bool = False


@dataclass(frozen=True)
class Pruning:
    """What a retention kept and deleted (newest first), and what it could not delete."""

    kept: list[BackupFile]
    deleted: list[BackupFile]
    failed: list[tuple[BackupFile, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    """What became of a scheduled time in this process: `taken` (the backup is made),
    `failed` (recorded, alerted), `done` (by another process or before a restart) or
    `running` (another process is taking it now)."""

    due: datetime
    status: Literal["taken", "failed", "done", "running"]
    result: BackupResult | None = None
    problem: errors.CapacityError | None = None
    pruning: Pruning | None = None


def prune(database: Path, directory: Path, keep: Keep | None, *, dry_run: bool = False) -> Pruning:
    """Apply the retention to the backups of `database` in `directory`: keep the newest
    backup that passes its check (`backup_files.checked`, as a restore checks it) of
    each of the last `keep.daily` days and `keep.weekly` weeks that have one; delete the
    rest (unless `dry_run`), and nothing when no backup passes its check."""
    files = backup_files.listed(directory, database)
    keeping = retained(files, keep, sound)
    doomed = [file for file in files if file not in keeping]
    if dry_run:
        return Pruning(keeping, doomed)
    deleted, failed = backup_files.delete(doomed)
    return Pruning(keeping, deleted, failed)


def retained(
    files: list[BackupFile], keep: Keep | None, sound: Callable[[BackupFile], bool]
) -> list[BackupFile]:
    """Of the backups (oldest first, as listed), those the retention keeps, newest first:
    those `kept` chooses among the sound ones; all of them when none is sound (then the
    check, or the disk, is what is wrong, and a deletion could not be undone)."""
    return kept(files, lambda file: file.taken, keep, sound) or files[::-1]


def sound(file: BackupFile) -> bool:
    """Whether the backup passes the check a restore makes of its file (0.2 s for a
    national-scale backup): asked once per file as it is (its size and time of change),
    so that the served bot's daily retention checks only the backups new since."""
    try:
        stat = file.path.stat()
    except OSError:
        return False  # gone meanwhile: nothing to keep
    return _sound(file, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _sound(file: BackupFile, size: int, changed: int) -> bool:
    return backup_files.checked(file).problem is None


def _facts(problem: errors.CapacityError) -> dict[str, str | int | None]:
    """A refusal's facts as the outbox and the table keep them (text and numbers)."""
    return {
        key: value if value is None or isinstance(value, int | str) else str(value)
        for key, value in problem.facts.items()
    }


def run(core: Core, plan: BackupPlan, due: datetime) -> Outcome:
    """Take the backup scheduled at `due`, unless a process has (or is taking it now)."""
    key = iso(due)
    with core.store.read() as db:
        found = backup_runs.state(db, key)
    if found is not None and (found[0] != "running" or found[1] >= time.time()):
        return Outcome(due, "done" if found[0] != "running" else "running")
    wall = time.time()
    with core.store.write() as db:
        if not backup_runs.take(db, key, OWNER, core.now(), wall, wall + LEASE):
            return Outcome(due, "running")
    try:
        result = backup_files.take(
            Path(core.store.path),
            plan.directory,
            clock=core.clock,
            isolated=LEASE * 0.9 if plan.isolated else None,
        )
    except errors.CapacityError as problem:
        return _failed(core, plan, due, problem)
    except Exception as error:  # not foreseen: recorded and alerted as a failure all the same
        log.exception("The backup due at %s failed", key)
        detail = f"{type(error).__name__}: {error}"
        problem = errors.DatabaseProblem("copy_failed", path=str(plan.directory), detail=detail)
        return _failed(core, plan, due, problem)
    with core.store.write() as db:
        backup_runs.finish(
            db, key, OWNER, core.now(),
            status="ok", directory=str(plan.directory), path=str(result.target),
            size=result.info.size, seconds=round(result.seconds, 3),
        )  # fmt: skip
    # only now, the new backup having passed its check: the retention
    pruning = prune(Path(core.store.path), plan.directory, plan.keep)
    backup_files.sweep_partials(plan.directory, Path(core.store.path))
    if pruning.deleted:
        with core.store.write() as db:
            backup_runs.pruned(db, key, len(pruning.deleted))
    return Outcome(due, "taken", result=result, pruning=pruning)


def _failed(core: Core, plan: BackupPlan, due: datetime, problem: errors.CapacityError) -> Outcome:
    """Record the failure and queue its alert, in one transaction: alerted once."""
    facts = _facts(problem)
    now = core.clock()
    event = BackupFailed(
        due=due,
        at=now,
        directory=str(plan.directory),
        problem=problem.code,
        facts=facts,
        following=plan.at.following(now),
    )
    with core.store.write() as db:
        if backup_runs.finish(
            db, iso(due), OWNER, iso(now),
            status="failed", directory=str(plan.directory), problem=problem.code, facts=facts,
        ):  # fmt: skip
            emit(core, db, [event])
    return Outcome(due, "failed", problem=problem)


def last_backup(core: Core) -> LastBackup | None:
    """The scheduled backup that finished last: when, where, how big, ok or why not."""
    with core.store.read() as db:
        row = backup_runs.newest(db)
    if row is None:
        return None
    return LastBackup(
        due=datetime.fromisoformat(row["due"]),
        at=datetime.fromisoformat(row["finished_at"]),
        ok=row["status"] == "ok",
        path=row["path"],
        size=row["size"],
        seconds=row["seconds"],
        problem=row["problem"],
        facts=row["facts"],
        directory=row["directory"],
    )


def reason(last: LastBackup) -> str:
    """Why a backup failed, in English (logs, `/healthz`)."""
    return str(errors.DatabaseProblem(last.problem, **last.facts))


def health_warning(last: LastBackup | None) -> str | None:
    """What `/healthz` says of the last scheduled backup when it failed (a warning, not
    a reason to stop serving); None when it passed or there is none."""
    if last is None or last.ok:
        return None
    return (
        f"the scheduled backup due {iso(last.due)} failed: {reason(last)}; the older "
        "backups are untouched and the next is tried at its scheduled time"
    )


class ScheduledBackups:
    """Takes the backup of each scheduled time once it has come: called at each poll of
    the bot's backup thread, it asks the database once per scheduled time per process
    (again while another process is taking it, in case that one dies)."""

    def __init__(
        self,
        run_backup: Callable[[datetime], Outcome],
        at: At,
        clock: Callable[[], datetime],
    ) -> None:
        self.run_backup = run_backup
        self.at = at
        self.clock = clock
        self.checked: datetime | None = None  # the scheduled time this process has seen done

    def __call__(self) -> Outcome | None:
        due = self.at.latest(self.clock())
        if due == self.checked:
            return None
        outcome = self.run_backup(due)
        if outcome.status != "running":
            self.checked = due
        return outcome
