"""The files of a backup directory: the checked backups the bot and `capacity backup DIR`
make there (`capacity-20261202T020000.db`, named by the UTC time they were taken), a new
one taken into it, those a retention deletes, and what a killed copy left behind.

Only files named as these backups are named are ever listed or deleted: anything else in
the directory (a copy someone made by hand, another database's backups) is left alone.
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from capacity import errors
from capacity.domain.clock import Clock, utc_now
from capacity.storage import backup_process
from capacity.storage.backup import STAMP, BackupResult, DatabaseInfo, backup, beside, inspect

PARTIAL_AGE = 3600.0
"""Seconds after which a `.partial-…` file (a copy whose process was killed) is swept."""


@dataclass(frozen=True)
class BackupFile:
    """A backup in a directory: its file, when it was taken (from its name) and its size."""

    path: Path
    taken: datetime
    size: int


@dataclass(frozen=True)
class Checked:
    """A backup file and its check: the database it holds, or the refusal that says why
    it would not restore."""

    file: BackupFile
    info: DatabaseInfo | None
    problem: errors.CapacityError | None


def _pattern(database: Path) -> re.Pattern[str]:
    stem, suffix = re.escape(database.stem), re.escape(database.suffix or ".db")
    return re.compile(rf"{stem}-([0-9]{{8}}T[0-9]{{6}})(?:-[0-9]+)?{suffix}")


def directory_of(directory: Path) -> Path:
    """`directory`, which must be there: a backup never makes its directory (a mistyped
    or unmounted one is an error, not a new folder on the wrong disk)."""
    if not directory.is_dir():
        raise errors.DatabaseProblem(
            "copy_no_directory", path=str(directory), directory=str(directory)
        )
    return directory


def listed(directory: Path, database: Path) -> list[BackupFile]:
    """The backups of `database` in `directory`, oldest first."""
    pattern = _pattern(database)
    found = []
    for path in directory_of(directory).iterdir():
        match = pattern.fullmatch(path.name)
        if match is None or not path.is_file():
            continue
        taken = datetime.strptime(match[1], STAMP).replace(tzinfo=UTC)
        with contextlib.suppress(FileNotFoundError):  # deleted meanwhile
            found.append(BackupFile(path, taken, path.stat().st_size))
    return sorted(found, key=lambda file: (file.taken, file.path.name))


def checked(file: BackupFile) -> Checked:
    """The file's check, as a restore would make it (integrity, schema, foreign keys)."""
    try:
        return Checked(file, inspect(file.path), None)
    except errors.CapacityError as problem:
        return Checked(file, None, problem)


def _new_name(directory: Path, database: Path, moment: datetime) -> Path:
    stem = f"{database.stem}-{moment.astimezone(UTC).strftime(STAMP)}"
    suffix = database.suffix or ".db"
    candidate, n = directory / f"{stem}{suffix}", 1
    while candidate.exists():
        n += 1
        candidate = directory / f"{stem}-{n}{suffix}"
    return candidate


def take(
    database: Path, directory: Path, *, clock: Clock = utc_now, isolated: float | None = None
) -> BackupResult:
    """A checked online backup of `database` into `directory` (which must be there),
    named by the time it is taken; a file that is there is never overwritten. With
    `isolated` (seconds it may take), made by a process of its own at the lowest CPU
    priority (`backup_process`), as the served bot makes its scheduled ones."""
    target = _new_name(directory_of(directory), database, clock())
    if isolated is not None:
        return backup_process.take(database, target, timeout=isolated)
    return backup(database, target, clock=clock, make_directory=False)


def before_upgrade(database: Path, version: int, *, clock: Clock = utc_now) -> BackupResult:
    """A checked backup beside `database`, named for its schema version, before
    migrations change it: `capacity.db.schema-8-20261202T101500`."""
    return backup(database, beside(database, f"schema-{version}", clock), clock=clock)


def delete(files: list[BackupFile]) -> tuple[list[BackupFile], list[tuple[BackupFile, str]]]:
    """Delete backups: those deleted, and those that could not be, with why."""
    deleted: list[BackupFile] = []
    failed: list[tuple[BackupFile, str]] = []
    for file in files:
        try:
            file.path.unlink()
        except FileNotFoundError:
            deleted.append(file)  # gone already (another process's retention)
        except OSError as error:
            failed.append((file, error.strerror or str(error)))
        else:
            deleted.append(file)
    return deleted, failed


def sweep_partials(directory: Path, database: Path, older_than: float = PARTIAL_AGE) -> int:
    """Delete what copies killed midway left (`….db.partial-…`, older than `older_than`
    seconds: a copy in progress is younger); how many."""
    prefix = f"{database.stem}-"
    swept, limit = 0, time.time() - older_than
    for path in directory.glob(f"{glob_escape(prefix)}*.partial-*"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < limit:
                path.unlink()
                swept += 1
    return swept


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)
