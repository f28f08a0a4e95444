"""The transactional outbox's table: domain events written with the change that caused
them (`queue`, called by `usecases.core.emit` inside a use case's transaction), then
leased, delivered and marked by a worker (`usecases.notify.deliver_due`) in the
outbox's own small transactions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from capacity.domain.backup_events import BackupFailed
from capacity.domain.clock import Clock, iso
from capacity.domain.round_events import RoundClosed, RoundMessage
from capacity.models import Alert, CapacityExceeded, WeeklySummary
from capacity.storage.repository import marks, rows_of
from capacity.storage.store import Store

MAX_ERROR = 500


Event = CapacityExceeded | WeeklySummary | RoundMessage | RoundClosed | BackupFailed
# An event's model by its kind (every other kind is a CapacityExceeded)
EVENTS: dict[str, type[Event]] = {
    "weekly_summary": WeeklySummary,
    "round_message": RoundMessage,
    "round_closed": RoundClosed,
    "backup_failed": BackupFailed,
}
# Kinds that are not alerts: messages of collection rounds, listed with their round
ROUND_KINDS = ("round_message", "round_closed")


def queue(db: Database, events: Sequence[Event], now: str) -> bool:
    """Queue events in the caller's transaction; one whose key is there already is not
    queued again. True when a row was added."""
    queued = False
    for event in events:
        cursor = db.conn.execute(
            """INSERT OR IGNORE INTO outbox (created_at, dedupe_key, kind, payload,
                                             next_attempt_at)
               VALUES (?, ?, ?, ?, ?)""",
            [now, event.dedupe_key, str(event.kind), event.model_dump_json(), now],
        )
        queued = queued or cursor.rowcount > 0
    return queued


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
            "AND kind != 'weekly_summary' AND kind NOT IN (?, ?) GROUP BY kind ORDER BY kind",
            [since, until, *ROUND_KINDS],
        ).fetchall()
    )


def announced(db: Database, keys: list[str]) -> bool:
    """Whether any of these conditions was announced (queued) before."""
    sql = f"SELECT 1 FROM outbox WHERE dedupe_key IN ({marks(keys)})"
    return db.conn.execute(sql, keys).fetchone() is not None


def _alert(row: dict[str, Any]) -> Alert:
    return Alert(
        id=row["id"],
        created_at=row["created_at"],
        dedupe_key=row["dedupe_key"],
        event=EVENTS.get(row["kind"], CapacityExceeded).model_validate_json(row["payload"]),
        status=row["status"],
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        last_error=row["last_error"],
        sent_at=row["sent_at"],
        delivery_ref=row["delivery_ref"],
    )


def _later(clock: Clock, seconds: float) -> str:
    return iso(datetime.fromtimestamp(clock().timestamp() + seconds, UTC))


class Outbox:
    """The outbox of one database: what the delivery worker and the admin tools use."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def now(self) -> str:
        return iso(self.clock())

    def alerts(self, status: str | None = None) -> list[Alert]:
        sql, params = "SELECT * FROM outbox", []
        if status:
            sql += " WHERE status = ?"
            params.append(status)
        return [_alert(row) for row in rows_of(self.store.db, sql + " ORDER BY id", params)]

    def claim_due(self, lease_seconds: float = 30.0, limit: int = 20) -> list[Alert]:
        """Take the pending alerts that are due, leasing them so that another worker
        (another process on the same database) does not take them at the same time."""
        now = self.now()
        due = self.store.db.conn.execute(
            "SELECT 1 FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? LIMIT 1",
            [now],
        ).fetchone()
        if not due:  # the common case when polling: no write lock taken
            return []
        lease_until = _later(self.clock, lease_seconds)
        with self.store.write() as db:
            rows = list(
                rows_of(
                    db,
                    # alerts first: a round's hundreds of direct messages never hold one up
                    "SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? "
                    "ORDER BY kind = 'round_message', id LIMIT ?",
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
        with self.store.write() as db:
            db.conn.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, delivery_ref = ?, "
                "last_error = '' WHERE id = ?",
                [self.now(), delivery_ref, alert_id],
            )

    def mark_retry(self, alert_id: int, error: str, delay_seconds: float) -> None:
        with self.store.write() as db:
            db.conn.execute(
                "UPDATE outbox SET next_attempt_at = ?, last_error = ? WHERE id = ?",
                [_later(self.clock, delay_seconds), error[:MAX_ERROR], alert_id],
            )

    def mark_failed(self, alert_id: int, error: str) -> None:
        with self.store.write() as db:
            db.conn.execute(
                "UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ?",
                [error[:MAX_ERROR], alert_id],
            )

    def retry(self, ids: Iterable[int] | None = None) -> int:
        """Make failed (or the given, unsent) alerts pending and due now."""
        now = self.now()
        with self.store.write() as db:
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
    sql = "SELECT status, count(*) FROM outbox WHERE kind NOT IN (?, ?) GROUP BY status"
    return dict(db.conn.execute(sql, ROUND_KINDS).fetchall())


def latest_alerts(db: Database, statuses: Sequence[str], limit: int) -> list[Alert]:
    """The newest alerts in some states, newest first."""
    sql = (
        f"SELECT * FROM outbox WHERE status IN ({marks(list(statuses))}) "
        "AND kind NOT IN (?, ?) ORDER BY id DESC LIMIT ?"
    )
    return [_alert(row) for row in rows_of(db, sql, [*statuses, *ROUND_KINDS, limit])]
