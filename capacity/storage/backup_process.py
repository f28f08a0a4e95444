"""A checked backup made in a process of its own, at the lowest CPU priority: how the
served bot takes its scheduled backups.

In the bot's own process a backup's copy and checks run in SQLite outside the GIL, but
the Python between them takes the GIL, and a thread given a low priority (so that it
leaves the CPU to the answers) can be descheduled holding it while the event loop that
answers Slack waits. A process of its own shares no GIL, and it runs as Linux's
SCHED_IDLE (else at nice 19), set before it imports anything, so that it takes the CPU
only when the answers do not want it. Under a load that keeps every core busy, the
answers' p99 was 1.8-3.1x the same load's without a backup at normal priority, and
mostly 1.1-1.6x so (`bench/bench_backup_load.py`; bench/RESULTS.md).

The child prints its result as one JSON line: the backup (`backup.BackupResult`'s
facts) or the refusal (its code and facts).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, NoReturn

from capacity import errors
from capacity.storage.backup import BackupResult, DatabaseInfo, backup

NICE = 19
CHILD = (
    "import os, sys\n"
    "try:\n"  # the lowest priority before anything is imported: imports take CPU too
    "    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))\n"
    "except (AttributeError, OSError):\n"
    f"    os.nice({NICE})\n"
    f"from {__name__} import main\n"
    "main(sys.argv[1:])\n"
)


def take(source: Path, target: Path, timeout: float) -> BackupResult:
    """`backup.backup(source, target)`, made by a child process at `NICE`."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(source), str(target)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise errors.DatabaseProblem(
            "copy_failed", path=str(target), detail=f"not done in {timeout:.0f} s"
        ) from None
    lines = done.stdout.strip().splitlines()
    try:
        said: dict[str, Any] = json.loads(lines[-1])
    except (IndexError, ValueError):
        detail = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise errors.DatabaseProblem("copy_failed", path=str(target), detail=detail) from None
    if "problem" in said:
        raise errors.DatabaseProblem(said["problem"], **said["facts"])
    info = DatabaseInfo(
        path=Path(said["target"]),
        size=said["size"],
        migrations=tuple(said["migrations"]),
        rows=said["rows"],
    )
    return BackupResult(source, Path(said["target"]), info, said["seconds"])


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, int | str) else str(value)


def main(argv: list[str]) -> None:
    """The child: the backup, its result as one JSON line (started by `CHILD`, which
    has given it the lowest CPU priority: Linux's SCHED_IDLE, else `NICE`)."""
    source, target = Path(argv[0]), Path(argv[1])
    try:
        result = backup(source, target, make_directory=False)  # gone meanwhile: a refusal
    except errors.CapacityError as problem:
        facts = {key: _plain(value) for key, value in problem.facts.items()}
        _said({"problem": problem.code, "facts": facts})
    _said(
        {
            "target": str(result.target),
            "size": result.info.size,
            "migrations": list(result.info.migrations),
            "rows": result.info.rows,
            "seconds": result.seconds,
            "nice": os.nice(0),
            "idle": getattr(os, "SCHED_IDLE", -1) == os.sched_getscheduler(0),
        }
    )


def _said(result: dict[str, Any]) -> NoReturn:
    """Print the result and exit at once: at the lowest priority on a busy machine, the
    interpreter's own teardown could wait many seconds for the CPU, and the bot waits
    for the process to end."""
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    os._exit(0)
