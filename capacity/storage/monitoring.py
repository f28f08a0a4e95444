"""What an operator's metrics read from the database: the outbox's backlog, cheaply (the
`outbox_pending` index holds the status; only unsent rows are counted), and the newest
scheduled backup."""

from __future__ import annotations

from sqlite_utils import Database

from capacity.storage import backup_runs

UNSENT = ("pending", "failed")


def outbox_backlog(db: Database) -> dict[str, tuple[int, str | None]]:
    """For each unsent status (pending, failed): how many messages, and when the oldest
    was queued (UTC ISO text; None when there are none)."""
    found = {
        status: (count, oldest)
        for status, count, oldest in db.conn.execute(
            "SELECT status, count(*), min(created_at) FROM outbox "
            "WHERE status IN ('pending', 'failed') GROUP BY status"
        )
    }
    return {status: found.get(status, (0, None)) for status in UNSENT}


def newest_backup(db: Database) -> tuple[str, bool] | None:
    """The newest scheduled backup that finished (`backup_runs`): when (UTC ISO text) and
    whether it passed its check; None before the first. (`capacity backup` by hand
    writes a checked file and no record.)"""
    row = backup_runs.newest(db)
    return None if row is None else (row["finished_at"], row["status"] == "ok")
