"""SQLite storage through sqlite-utils: schema migrations, connections and transactions.

One connection per thread (Slack Bolt runs listeners in worker threads and a SQLite
connection must not cross threads), WAL so readers never wait for the writer, and every
write use case in one `BEGIN IMMEDIATE` transaction so that concurrent writers queue
instead of racing (read-check-write for reservations cannot overbook).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

BUSY_TIMEOUT_MS = int(os.environ.get("CAPACITY_BUSY_TIMEOUT_MS", "10000"))
"""How long a write waits for another process's write lock before giving up."""

migrations = Migrations("capacity")


@migrations()
def m001_initial(db: Database) -> None:
    db.execute(
        """CREATE TABLE municipalities (
            structure INTEGER NOT NULL,
            number TEXT NOT NULL CHECK (length(number) = 4),
            name TEXT NOT NULL,
            name_no TEXT NOT NULL,
            PRIMARY KEY (structure, number))"""
    )
    db.execute(
        """CREATE TABLE crosswalk (
            number_2020 TEXT NOT NULL,
            number_2024 TEXT NOT NULL,
            change TEXT NOT NULL,
            PRIMARY KEY (number_2020, number_2024))"""
    )
    db.execute(
        """CREATE TABLE groups (
            name TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            aliases TEXT NOT NULL DEFAULT '')"""
    )
    db.execute(
        """CREATE TABLE group_members (
            group_name TEXT NOT NULL REFERENCES groups(name),
            number_2024 TEXT NOT NULL,
            PRIMARY KEY (group_name, number_2024))"""
    )
    # Append-only history. Every other table's current state is explained here.
    db.execute(
        """CREATE TABLE changes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            actor_name TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT '',
            reason TEXT NOT NULL DEFAULT '',
            entity TEXT NOT NULL,
            key TEXT NOT NULL,
            before TEXT,
            after TEXT)"""
    )
    db.execute("CREATE INDEX changes_by_key ON changes (entity, key, id)")
    db.execute(
        """CREATE TRIGGER changes_append_only_update BEFORE UPDATE ON changes
           BEGIN SELECT RAISE(ABORT, 'history is append-only'); END"""
    )
    db.execute(
        """CREATE TRIGGER changes_append_only_delete BEFORE DELETE ON changes
           BEGIN SELECT RAISE(ABORT, 'history is append-only'); END"""
    )
    # Current figures; value NULL is "unknown" (IMDi's ':'), never 0.
    db.execute(
        """CREATE TABLE figures (
            number TEXT NOT NULL,
            year INTEGER NOT NULL,
            measure TEXT NOT NULL,
            value INTEGER,
            change_id INTEGER NOT NULL REFERENCES changes(id),
            PRIMARY KEY (number, year, measure))"""
    )
    db.execute("CREATE INDEX figures_by_year ON figures (year, measure)")
    db.execute(
        """CREATE TABLE batches (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            year INTEGER NOT NULL,
            persons INTEGER NOT NULL CHECK (persons > 0),
            households TEXT NOT NULL DEFAULT '[]',
            scope TEXT NOT NULL,
            status TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            UNIQUE (name, year))"""
    )
    db.execute(
        """CREATE TABLE allocations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            batch_id INTEGER NOT NULL REFERENCES batches(id),
            number TEXT NOT NULL,
            year INTEGER NOT NULL,
            persons INTEGER NOT NULL CHECK (persons > 0),
            households TEXT NOT NULL DEFAULT '[]',
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            released_at TEXT,
            request_key TEXT UNIQUE)"""
    )
    db.execute("CREATE INDEX allocations_by_place ON allocations (number, year, active)")
    db.execute("CREATE INDEX allocations_by_batch ON allocations (batch_id)")
    db.execute(
        """CREATE TABLE roles (
            user_id TEXT NOT NULL,
            role TEXT NOT NULL,
            number TEXT NOT NULL DEFAULT '',
            granted_at TEXT NOT NULL,
            granted_by TEXT NOT NULL,
            PRIMARY KEY (user_id, role, number))"""
    )
    # Transactional outbox: domain events written with the change that caused them.
    db.execute(
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at TEXT NOT NULL,
            dedupe_key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT,
            last_error TEXT NOT NULL DEFAULT '',
            sent_at TEXT,
            delivery_ref TEXT NOT NULL DEFAULT '')"""
    )
    db.execute("CREATE INDEX outbox_pending ON outbox (status, next_attempt_at)")


@migrations()
def m002_indexes_for_history_and_sums(db: Database) -> None:
    # "As of" reads walk a figure's history by time; the sums of reservations per place
    # and per year read the index alone.
    db.execute("CREATE INDEX changes_by_key_time ON changes (entity, key, at)")
    db.execute("DROP INDEX allocations_by_place")
    db.execute("CREATE INDEX allocations_by_place ON allocations (year, number, active, persons)")


@migrations()
def m003_batch_totals_index(db: Database) -> None:
    # A batch's assigned total is read on every assignment: from the index alone.
    db.execute("DROP INDEX allocations_by_batch")
    db.execute("CREATE INDEX allocations_by_batch ON allocations (batch_id, active, persons)")


@migrations()
def m004_reservation_totals(db: Database) -> None:
    # Totals of active reservations per place and year and per batch, kept by triggers in
    # the same transaction as the allocation rows, so that answering a municipality or
    # checking a batch reads one row, however many assignments there have been.
    db.execute(
        """CREATE TABLE reserved (
            number TEXT NOT NULL,
            year INTEGER NOT NULL,
            persons INTEGER NOT NULL CHECK (persons >= 0),
            PRIMARY KEY (number, year))"""
    )
    db.execute("ALTER TABLE batches ADD COLUMN allocated INTEGER NOT NULL DEFAULT 0")
    add = """INSERT INTO reserved (number, year, persons)
                 VALUES (NEW.number, NEW.year, NEW.persons)
                 ON CONFLICT (number, year) DO UPDATE SET persons = persons + NEW.persons;
             UPDATE batches SET allocated = allocated + NEW.persons WHERE id = NEW.batch_id;"""
    remove = """UPDATE reserved SET persons = persons - NEW.persons
                    WHERE number = NEW.number AND year = NEW.year;
                UPDATE batches SET allocated = allocated - NEW.persons WHERE id = NEW.batch_id;"""
    for name, when, body in (
        ("allocation_added", "AFTER INSERT ON allocations WHEN NEW.active = 1", add),
        (
            "allocation_released",
            "AFTER UPDATE OF active ON allocations WHEN OLD.active = 1 AND NEW.active = 0",
            remove,
        ),
        (
            "allocation_restored",
            "AFTER UPDATE OF active ON allocations WHEN OLD.active = 0 AND NEW.active = 1",
            add,
        ),
    ):
        db.execute(f"CREATE TRIGGER {name} {when} BEGIN {body} END")
    rebuild_totals(db)


def rebuild_totals(db: Database) -> None:
    """Recompute the reservation totals from the allocation rows (after a bulk load)."""
    db.execute("DELETE FROM reserved")
    db.execute(
        "INSERT INTO reserved (number, year, persons) SELECT number, year, sum(persons) "
        "FROM allocations WHERE active = 1 GROUP BY number, year"
    )
    db.execute(
        "UPDATE batches SET allocated = coalesce((SELECT sum(persons) FROM allocations a "
        "WHERE a.batch_id = batches.id AND a.active = 1), 0)"
    )


def data_dir() -> Path:
    """The bundled data: `data/` in a checkout, `capacity/data/` in an installed wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "data", here.parent / "data"):
        if (candidate / "kommuner_2024.csv").is_file():
            return candidate
    raise FileNotFoundError(f"bundled data not found beside {here}")


def default_db_path() -> Path:
    env = os.environ.get("CAPACITY_DB")
    if env:
        return Path(env)
    return data_dir() / "capacity.db"


class Store:
    """Opens per-thread sqlite-utils databases on one file and runs transactions."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.memory = str(path) == ":memory:"
        self.path = ":memory:" if self.memory else str(path or default_db_path())
        self._local = threading.local()
        self._memory_lock = threading.RLock()
        self._write_lock = threading.Lock()
        self._memory_db: Database | None = None
        self._all: list[sqlite3.Connection] = []
        self._generation = 0
        self._generation_lock = threading.Lock()
        if not self.memory:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)

    # -- connections -----------------------------------------------------------------

    @property
    def db(self) -> Database:
        """This thread's database handle."""
        if self.memory:
            if self._memory_db is None:
                conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
                self._memory_db = self._prepare(conn)
            return self._memory_db
        db = getattr(self._local, "db", None)
        if db is None:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            db = self._prepare(conn)
            self._local.db = db
        return db

    def _prepare(self, conn: sqlite3.Connection) -> Database:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        if not self.memory:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        self._all.append(conn)
        return Database(conn, execute_plugins=False)

    def close(self) -> None:
        for conn in self._all:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        self._all.clear()
        self._local = threading.local()
        self._memory_db = None

    # -- change detection ------------------------------------------------------------

    def generation(self) -> int:
        """A number that changes whenever the data may have changed since it was last
        read: after every write transaction of this process, and when this thread's
        connection sees a commit by another connection (another thread's or another
        process's, such as the CLI's: SQLite's `PRAGMA data_version`). Take it before
        reading, so that a result cached under it is never newer than a change it
        missed."""
        seen = self.db.conn.execute("PRAGMA data_version").fetchone()[0]
        if getattr(self._local, "data_version", None) != seen:
            self._local.data_version = seen
            self._changed()
        return self._generation

    def _changed(self) -> None:
        with self._generation_lock:
            self._generation += 1

    # -- transactions ----------------------------------------------------------------

    @contextlib.contextmanager
    def write(self) -> Iterator[Database]:
        """One use case, one transaction. `BEGIN IMMEDIATE` takes the write lock first,
        so a read-check-write sequence inside cannot race another writer."""
        with self._memory_lock if self.memory else contextlib.nullcontext():
            db = self.db
            if db.conn.in_transaction:  # nested use case: a savepoint
                with db.atomic():
                    yield db
                return
            # Writers in this process queue on a lock, not in SQLite's busy handler,
            # which sleeps in growing steps; other processes wait through busy_timeout.
            with contextlib.nullcontext() if self.memory else self._write_lock:
                db.conn.execute("BEGIN IMMEDIATE")
                self._local.after_commit = []
                try:
                    yield db  # nested db.atomic() blocks become savepoints
                except BaseException:
                    self._local.after_commit = []
                    if db.conn.in_transaction:
                        db.conn.execute("ROLLBACK")
                    raise
                db.conn.execute("COMMIT")
                self._changed()  # after COMMIT: what was read under the old number is stale
                callbacks, self._local.after_commit = self._local.after_commit, []
        for callback in callbacks:
            callback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the current write transaction has committed (never if it
        rolls back): how "an alert was queued" reaches the delivery worker."""
        pending = getattr(self._local, "after_commit", None)
        if pending is None or not self.db.conn.in_transaction:
            callback()
        elif callback not in pending:
            pending.append(callback)

    @contextlib.contextmanager
    def read(self) -> Iterator[Database]:
        """A consistent snapshot for a query that reads several tables."""
        with self._memory_lock if self.memory else contextlib.nullcontext():
            db = self.db
            if db.conn.in_transaction:
                yield db
                return
            db.conn.execute("BEGIN")
            try:
                yield db
            finally:
                if db.conn.in_transaction:
                    db.conn.execute("COMMIT")

    def migrate(self) -> bool:
        """Apply pending migrations; True if the schema changed."""
        with self.write() as db:
            pending = migrations.pending(db)
            migrations.apply(db)
        return bool(pending)

    def is_initialized(self) -> bool:
        db = self.db
        return db.table("municipalities").exists() and bool(
            db.execute("SELECT 1 FROM municipalities LIMIT 1").fetchone()
        )
