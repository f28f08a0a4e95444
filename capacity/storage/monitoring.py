"""What an operator's metrics read from the database: the outbox's backlog, cheaply (the
`outbox_pending` index holds the status; only unsent rows are counted)."""

from __future__ import annotations

from sqlite_utils import Database

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
    """The newest backup record: when it was taken (UTC ISO text) and whether it passed
    its check. The hook the scheduled backups fill in (issue 20).

    Backups leave no record in the database yet (`capacity backup` writes a checked file
    and nothing else), so there is none to read and the metrics leave the backup's
    gauges out. When the scheduled backups record each backup, this reads the newest of
    those records (in the scrape's snapshot, beside the outbox's figures)."""
    del db  # nothing recorded yet
    return None
