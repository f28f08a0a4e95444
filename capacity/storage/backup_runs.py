"""The scheduled backups' table: one row per scheduled time (`due`), taken by one process
under a lease, and finished as ok (where, how big, how long) or failed (why).

The row is what makes a scheduled backup happen once per scheduled time across
restarts and bot processes: the first process to insert it takes the backup, the
others see it. A process that dies mid-backup leaves its lease to run out (wall-clock
seconds, as the round trackers' leases), and another takes the time over.
"""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

TABLE = "backup_runs"


def create(db: Database) -> None:
    """The migration `backups_runs` (`schema.py`)."""
    db.execute(
        """CREATE TABLE backup_runs (
            due TEXT PRIMARY KEY,
            status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
            owner TEXT NOT NULL,
            lease_until REAL NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            directory TEXT NOT NULL DEFAULT '',
            path TEXT NOT NULL DEFAULT '',
            size INTEGER NOT NULL DEFAULT 0,
            seconds REAL NOT NULL DEFAULT 0,
            problem TEXT NOT NULL DEFAULT '',
            facts TEXT NOT NULL DEFAULT '{}',
            pruned INTEGER NOT NULL DEFAULT 0)"""
    )
    db.execute("CREATE INDEX backup_runs_by_finish ON backup_runs (finished_at)")


def state(db: Database, due: str) -> tuple[str, float] | None:
    """The scheduled time's status and lease (None when no process has taken it)."""
    row = db.conn.execute(
        "SELECT status, lease_until FROM backup_runs WHERE due = ?", [due]
    ).fetchone()
    return (row[0], row[1]) if row else None


def take(db: Database, due: str, owner: str, started_at: str, now: float, until: float) -> bool:
    """Take the scheduled time for `owner`, in the caller's write transaction: when no
    one has, or the one that did holds a lease run out without finishing. True if taken."""
    inserted = db.conn.execute(
        "INSERT OR IGNORE INTO backup_runs (due, status, owner, lease_until, started_at) "
        "VALUES (?, 'running', ?, ?, ?)",
        [due, owner, until, started_at],
    ).rowcount
    if inserted:
        return True
    return (
        db.conn.execute(
            "UPDATE backup_runs SET owner = ?, lease_until = ?, started_at = ? "
            "WHERE due = ? AND status = 'running' AND lease_until < ?",
            [owner, until, started_at, due, now],
        ).rowcount
        > 0
    )


def finish(db: Database, due: str, owner: str, finished_at: str, **outcome: Any) -> bool:
    """Record how the backup of `due` ended: `status` ok or failed, and `directory`,
    `path`, `size`, `seconds`, `problem`, `facts` (a dict), `pruned`. Only the lease's
    owner records it; False when another process has taken the time over."""
    values = {**outcome, "facts": json.dumps(outcome.get("facts") or {}, ensure_ascii=False)}
    names = ", ".join(f"{name} = ?" for name in values)
    return (
        db.conn.execute(
            f"UPDATE backup_runs SET {names}, finished_at = ? "  # the names are ours
            "WHERE due = ? AND owner = ? AND status = 'running'",
            [*values.values(), finished_at, due, owner],
        ).rowcount
        > 0
    )


def pruned(db: Database, due: str, count: int) -> None:
    """How many older backups the retention deleted after the backup of `due`."""
    db.conn.execute("UPDATE backup_runs SET pruned = ? WHERE due = ?", [count, due])


def _read(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "facts": json.loads(row["facts"] or "{}")}


def newest(db: Database) -> dict[str, Any] | None:
    """The scheduled backup that finished last (ok or failed), as its row."""
    found = list(
        db.query(
            "SELECT * FROM backup_runs WHERE finished_at IS NOT NULL "
            "ORDER BY finished_at DESC LIMIT 1"
        )
    )
    return _read(found[0]) if found else None


def latest(db: Database, limit: int = 20) -> list[dict[str, Any]]:
    """The last scheduled backups, newest scheduled time first."""
    rows = db.query("SELECT * FROM backup_runs ORDER BY due DESC LIMIT ?", [limit])
    return [_read(row) for row in rows]
