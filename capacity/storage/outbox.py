"""The transactional outbox: domain events written with the change that caused them,
then leased, delivered and marked by a worker (`notify.deliver_due`).

`emit` runs inside a use case's transaction; the rest are the outbox's own small
transactions. A process that queued an alert wakes its worker once the change has
committed (`Core.on_alert_queued`), never before and never if it rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from capacity.models import Alert, CapacityExceeded, WeeklySummary
from capacity.storage.repository import marks, rows_of
from capacity.usecases.core import Core, iso

MAX_ERROR = 500


def emit(core: Core, db: Database, events: Sequence[CapacityExceeded | WeeklySummary]) -> bool:
    """Queue events in the caller's transaction. An event whose condition was announced
    before (same key) is not queued again. True when the events are (or were) queued."""
    queued = False
    now = core.now()
    for event in events:
        cursor = db.conn.execute(
            """INSERT OR IGNORE INTO outbox (created_at, dedupe_key, kind, payload,
                                             next_attempt_at)
               VALUES (?, ?, ?, ?, ?)""",
            [now, event.dedupe_key, str(event.kind), event.model_dump_json(), now],
        )
        queued = queued or cursor.rowcount > 0
    if queued and core.on_alert_queued is not None:
        core.store.after_commit(core.on_alert_queued)
    return queued or (bool(events) and _announced(db, [e.dedupe_key for e in events]))


def has_key(db: Database, key: str) -> bool:
    return (
        db.conn.execute("SELECT 1 FROM outbox WHERE dedupe_key = ?", [key]).fetchone() is not None
    )


def last_summary_at(db: Database) -> str | None:
    """When the last weekly summary was queued."""
    row = db.conn.execute(
        "SELECT max(created_at) FROM outbox WHERE kind = 'weekly_summary'"
    ).fetchone()
    return row[0] if row else None


def alerts_between(db: Database, since: str, until: str) -> dict[str, int]:
    """Alerts queued in a period, by kind (summaries left out)."""
    return dict(
        db.conn.execute(
            "SELECT kind, count(*) FROM outbox WHERE created_at > ? AND created_at <= ? "
            "AND kind != 'weekly_summary' GROUP BY kind ORDER BY kind",
            [since, until],
        ).fetchall()
    )


def _announced(db: Database, keys: list[str]) -> bool:
    sql = f"SELECT 1 FROM outbox WHERE dedupe_key IN ({marks(keys)})"
    return db.conn.execute(sql, keys).fetchone() is not None


def _alert(row: dict[str, Any]) -> Alert:
    return Alert(
        id=row["id"],
        created_at=row["created_at"],
        dedupe_key=row["dedupe_key"],
        event=(
            WeeklySummary if row["kind"] == "weekly_summary" else CapacityExceeded
        ).model_validate_json(row["payload"]),
        status=row["status"],
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        last_error=row["last_error"],
        sent_at=row["sent_at"],
        delivery_ref=row["delivery_ref"],
    )


def _later(core: Core, seconds: float) -> str:
    return iso(datetime.fromtimestamp(core.clock().timestamp() + seconds, UTC))


class Outbox:
    """The outbox of one database: what the delivery worker and the admin tools use."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def alerts(self, status: str | None = None) -> list[Alert]:
        sql, params = "SELECT * FROM outbox", []
        if status:
            sql += " WHERE status = ?"
            params.append(status)
        return [_alert(row) for row in rows_of(self.core.store.db, sql + " ORDER BY id", params)]

    def claim_due(self, lease_seconds: float = 30.0, limit: int = 20) -> list[Alert]:
        """Take the pending alerts that are due, leasing them so that another worker
        (another process on the same database) does not take them at the same time."""
        now = self.core.now()
        due = self.core.store.db.conn.execute(
            "SELECT 1 FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? LIMIT 1",
            [now],
        ).fetchone()
        if not due:  # the common case when polling: no write lock taken
            return []
        lease_until = _later(self.core, lease_seconds)
        with self.core.store.write() as db:
            rows = list(
                rows_of(
                    db,
                    "SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? "
                    "ORDER BY id LIMIT ?",
                    [now, limit],
                )
            )
            for row in rows:
                db.conn.execute(
                    "UPDATE outbox SET next_attempt_at = ?, attempts = attempts + 1 WHERE id = ?",
                    [lease_until, row["id"]],
                )
                row["attempts"] += 1
        return [_alert(row) for row in rows]

    def mark_sent(self, alert_id: int, delivery_ref: str = "") -> None:
        with self.core.store.write() as db:
            db.conn.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, delivery_ref = ?, "
                "last_error = '' WHERE id = ?",
                [self.core.now(), delivery_ref, alert_id],
            )

    def mark_retry(self, alert_id: int, error: str, delay_seconds: float) -> None:
        with self.core.store.write() as db:
            db.conn.execute(
                "UPDATE outbox SET next_attempt_at = ?, last_error = ? WHERE id = ?",
                [_later(self.core, delay_seconds), error[:MAX_ERROR], alert_id],
            )

    def mark_failed(self, alert_id: int, error: str) -> None:
        with self.core.store.write() as db:
            db.conn.execute(
                "UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ?",
                [error[:MAX_ERROR], alert_id],
            )

    def retry(self, ids: Iterable[int] | None = None) -> int:
        """Make failed (or the given, unsent) alerts pending and due now."""
        now = self.core.now()
        with self.core.store.write() as db:
            if ids is None:
                cursor = db.conn.execute(
                    "UPDATE outbox SET status = 'pending', next_attempt_at = ? "
                    "WHERE status = 'failed'",
                    [now],
                )
            else:
                params = list(ids)
                cursor = db.conn.execute(
                    "UPDATE outbox SET status = 'pending', next_attempt_at = ? "
                    f"WHERE status != 'sent' AND id IN ({marks(params)})",
                    [now, *params],
                )
            return cursor.rowcount


def alert_counts(db: Database) -> dict[str, int]:
    """How many alerts are in each state (pending, sent, failed)."""
    return dict(db.conn.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall())


def latest_alerts(db: Database, statuses: Sequence[str], limit: int) -> list[Alert]:
    """The newest alerts in some states, newest first."""
    sql = f"SELECT * FROM outbox WHERE status IN ({marks(list(statuses))}) ORDER BY id DESC LIMIT ?"
    return [_alert(row) for row in rows_of(db, sql, [*statuses, limit])]
