"""Why a copy of the database could not be written (a backup, a restore's staging copy):
the directory missing, not writable, or the disk full, as a refusal naming the file
(`copy_no_directory`, `copy_read_only`, `copy_disk_full`, `copy_failed`).

Told apart from a damaged source: SQLite's "database or disk is full" while copying is
the target's disk, never the source being unsound.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from capacity import errors
from capacity.storage import disk

_MISSING = {errno.ENOENT, errno.ENOTDIR}
_READ_ONLY = {errno.EACCES, errno.EPERM, errno.EROFS}
_FULL = {errno.ENOSPC, errno.EDQUOT}


def _free_kib(path: Path) -> int:
    return (disk.free_space(path) or 0) // 1024


def refusal(error: OSError | sqlite3.Error, path: Path) -> errors.DatabaseProblem | None:
    """The refusal for a write of the copy `path` that failed with `error`; None when
    the file system did not refuse it (another error, to be raised as it is)."""
    shown = str(path)
    if isinstance(error, OSError):
        if error.errno in _MISSING:
            return errors.DatabaseProblem(
                "copy_no_directory", path=shown, directory=str(path.parent)
            )
        if error.errno in _READ_ONLY:
            return errors.DatabaseProblem("copy_read_only", path=shown, directory=str(path.parent))
        if error.errno in _FULL:
            return errors.DatabaseProblem("copy_disk_full", path=shown, free=_free_kib(path))
        return errors.DatabaseProblem(
            "copy_failed", path=shown, detail=error.strerror or str(error)
        )
    why = disk.why_unwritable(error, path)
    if why == disk.DISK_FULL:
        return errors.DatabaseProblem("copy_disk_full", path=shown, free=_free_kib(path))
    if why == disk.READ_ONLY:
        return errors.DatabaseProblem("copy_read_only", path=shown, directory=str(path.parent))
    if why is not None:
        return errors.DatabaseProblem("copy_failed", path=shown, detail=str(error))
    return None
