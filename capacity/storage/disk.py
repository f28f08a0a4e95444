"""The file system under the database: how much room is left, and why SQLite could not
write or open a file, as words a refusal can carry ("disk_full", "read_only").

A full disk does not show in a write that is rolled back (WAL keeps a transaction's
pages in memory until it commits), so `/healthz` asks the file system for the room
left instead of writing to find out: a `statvfs` call, which never fills it further.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

MIN_FREE = 1 << 20
"""Bytes below which the disk counts as full. A report adds about 20 KiB to the
write-ahead log and a confirmed plan about 75 KiB (measured on the seeded database),
and a checkpoint may grow the database file: with less than 1 MiB left the next writes
may fail, and a bot that may not save a report should not take one."""

DISK_FULL = "disk_full"
READ_ONLY = "read_only"
WRITE_FAILED = "write_failed"

_FULL = {sqlite3.SQLITE_FULL}
_READ_ONLY = {sqlite3.SQLITE_READONLY}
_IO = {sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN}


def primary_code(error: sqlite3.Error) -> int:
    """SQLite's primary result code of an error (its extended code's low byte)."""
    return int(getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF


def free_space(path: str | Path) -> int | None:
    """Bytes this process may still write on the file system holding `path` (None for
    a database in memory, or a directory that is not there). Root may use the blocks
    reserved for it, so root is told those too."""
    if str(path) == ":memory:":
        return None
    try:
        found = os.statvfs(Path(path).resolve().parent)
    except OSError:
        return None
    blocks = found.f_bfree if os.geteuid() == 0 else found.f_bavail
    return blocks * found.f_frsize


def is_full(path: str | Path) -> bool:
    free = free_space(path)
    return free is not None and free < MIN_FREE


def directory_writable(path: str | Path) -> bool:
    """Whether files can be made beside `path` (SQLite makes its `-wal` and `-shm`
    there): the directory's mode, and a read-only mount, which binds root too."""
    return os.access(Path(path).resolve().parent, os.W_OK)


def why_unwritable(error: sqlite3.Error, path: str | Path) -> str | None:
    """Why a write failed, when the file system refused it: `DISK_FULL`, `READ_ONLY` or
    `WRITE_FAILED` (an I/O error on a disk with room); None for any other error."""
    code = primary_code(error)
    if code in _FULL:
        return DISK_FULL
    if code in _READ_ONLY:
        return READ_ONLY
    if code in _IO:
        if is_full(path):  # ENOSPC while SQLite sized its shared memory, say
            return DISK_FULL
        if not directory_writable(path):
            return READ_ONLY
        return WRITE_FAILED
    return None
