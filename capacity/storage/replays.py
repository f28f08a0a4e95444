"""The requests answered in the last minutes, kept in the database: a copy of one that
reaches another bot process on the same database, or arrives after a restart, is
answered from here and never run again (the bot's own memory, `bot.replays`, is the
fast path in front of it).

One row per key (a request's signature, its `event_id`, a Socket Mode payload's
digest), taken when the first request is taken (`take`: `pending`, status 0) and given
its answer once it is answered (`keep`). Rows live `window` seconds, by the wall clock
every process shares; expired ones are deleted on the way, a bounded number at each
`take`, so the table holds the last window's requests and no more.

A connection of its own, with a short wait for the write lock: a claim must never hold
up an answer for long, and these writes are not the data's changes (no `on_commit`).
A write the database refuses (locked past the wait, read-only, the disk full) raises
`Busy` or `Unwritable` like the core's writes; the caller answers all the same.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

from sqlite_utils import Database

from capacity import errors
from capacity.storage import disk

TABLE = "replays"
PENDING = 0  # status of a request taken and not yet answered
EXPIRED_PER_TAKE = 64  # expired rows deleted at each take, at most (each take adds ≤ 2)
WAIT = 0.25  # seconds a take or a keep waits for the write lock


def create(db: Database) -> None:
    """The migration `replays_table` (`schema.py`)."""
    db.execute(
        """CREATE TABLE replays (
            key TEXT PRIMARY KEY,
            expires REAL NOT NULL,
            status INTEGER NOT NULL DEFAULT 0 CHECK (status >= 0),
            content_type TEXT NOT NULL DEFAULT '',
            body BLOB NOT NULL DEFAULT x'')"""
    )
    db.execute("CREATE INDEX replays_by_expiry ON replays (expires)")


def clear(conn: sqlite3.Connection) -> int:
    """Forget every key (a restored database: its keys were another database's). The
    rows deleted; 0 where the schema has no such table yet."""
    try:
        return conn.execute("DELETE FROM replays").rowcount
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):
            return 0
        raise


class Seen(NamedTuple):
    """A key found: the index of the first of the keys asked about that was found, and
    what its request was answered (status PENDING: not yet)."""

    index: int
    status: int
    content_type: str
    body: bytes


class ReplayTable:
    """The `replays` table of the database at `path`, safe to share across threads."""

    def __init__(
        self,
        path: str,
        clock: Callable[[], float] = time.time,
        *,
        window: float = 300.0,
        wait: float = WAIT,
    ) -> None:
        self.path = path
        self.clock = clock
        self.window = window
        self.wait = wait
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def take(self, keys: Sequence[str]) -> Seen | None:
        """The first of `keys` recorded in the window, or None when none is: then all of
        them are recorded, pending, in the same transaction (so another process that
        takes one of them after this finds it)."""
        now = self.clock()
        with self._transaction() as conn:
            conn.execute(
                "DELETE FROM replays WHERE key IN (SELECT key FROM replays "
                "WHERE expires < ? ORDER BY expires LIMIT ?)",
                [now, EXPIRED_PER_TAKE],
            )
            found = self._find(conn, keys, now)
            if found is None:
                conn.executemany(
                    "INSERT OR REPLACE INTO replays (key, expires) VALUES (?, ?)",
                    [(key, now + self.window) for key in keys],
                )
            return found

    def find(self, keys: Sequence[str]) -> Seen | None:
        """The first of `keys` recorded in the window (a read)."""
        with self._connection() as conn:
            return self._find(conn, keys, self.clock())

    def keep(self, keys: Sequence[str], status: int, content_type: str, body: bytes) -> None:
        """The answer of the request taken under `keys` (status > 0)."""
        with self._transaction() as conn:
            conn.executemany(
                "UPDATE replays SET status = ?, content_type = ?, body = ? "
                "WHERE key = ? AND status = 0",
                [(status, content_type, body, key) for key in keys],
            )

    def count(self) -> int:
        """Rows held, expired ones not yet deleted included."""
        with self._connection() as conn:
            return int(conn.execute("SELECT count(*) FROM replays").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    @staticmethod
    def _find(conn: sqlite3.Connection, keys: Sequence[str], now: float) -> Seen | None:
        for index, key in enumerate(keys):
            row = conn.execute(
                "SELECT status, content_type, body FROM replays WHERE key = ? AND expires >= ?",
                [key, now],
            ).fetchone()
            if row is not None:
                return Seen(index, row[0], row[1], bytes(row[2]))
        return None

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if not self._lock.acquire(timeout=self.wait):
            raise errors.Busy()
        try:
            with self._refusals():
                if self._conn is None:
                    conn = sqlite3.connect(
                        self.path, timeout=self.wait, isolation_level=None, check_same_thread=False
                    )
                    conn.execute("PRAGMA synchronous = NORMAL")  # as the store's (WAL)
                    self._conn = conn
                yield self._conn
        finally:
            self._lock.release()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def _refusals(self) -> Iterator[None]:
        """SQLite's errors as the core's refusals: `Busy` (the lock not had in time), or
        `Unwritable` (the disk full, the file read-only; any other failure as
        `write_failed` with SQLite's words)."""
        try:
            yield
        except sqlite3.DatabaseError as error:
            text = str(error)
            if "locked" in text or "busy" in text:
                raise errors.Busy() from error
            why = disk.why_unwritable(error, self.path) or disk.WRITE_FAILED
            raise errors.Unwritable(why, detail=text) from error
