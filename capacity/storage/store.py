"""SQLite connections and transactions, through sqlite-utils.

One connection per thread (Slack Bolt runs listeners in worker threads and a SQLite
connection must not cross threads), WAL so readers never wait for the writer, and every
write use case in one `BEGIN IMMEDIATE` transaction so that concurrent writers queue
instead of racing (read-check-write for reservations cannot overbook). A write that
cannot get the lock in time raises `errors.Busy`, one the file system refuses (the disk
full, the file read-only) `errors.Unwritable`, and nothing was changed either way; a file
that cannot be opened at all is a `DatabaseProblem` naming it. The adapters never see
`sqlite3`.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlite_utils import Database

from capacity import errors
from capacity.storage import disk, health
from capacity.storage.schema import migrations

PACKAGE = Path(__file__).resolve().parents[1]
"""The `capacity` package's directory."""

DEFAULT_BUSY_TIMEOUT = 10.0
"""Seconds a write waits for another writer before giving up (the bot sets ~2 s)."""


def data_dir() -> Path:
    """The bundled data: `capacity/data/` in an installed wheel; in a checkout the same
    path is a link to the top-level `data/` (or, where links are not kept, `data/` itself)."""
    for candidate in (PACKAGE / "data", PACKAGE.parent / "data"):
        if (candidate / "kommuner_2024.csv").is_file():
            return candidate
    raise FileNotFoundError(f"bundled data not found beside {PACKAGE}")


def default_db_path() -> Path:
    """The database when none is named (CAPACITY_DB, --db). In a checkout (an editable
    install): `data/capacity.db`, as the README's first commands expect. Installed from
    a wheel, the package's directory is no place to write (it may be read-only, and an
    upgrade replaces it): `$XDG_STATE_HOME/capacity-bot/capacity.db`, by default
    `~/.local/state/capacity-bot/capacity.db`."""
    checkout = PACKAGE.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "data").is_dir():
        return checkout / "data" / "capacity.db"
    state = Path(os.environ.get("XDG_STATE_HOME") or "~/.local/state").expanduser()
    if not state.is_absolute():  # the XDG spec: a relative value is to be ignored
        state = Path("~/.local/state").expanduser()
    return state / "capacity-bot" / "capacity.db"


def _is_busy(error: sqlite3.OperationalError) -> bool:
    text = str(error)
    return "locked" in text or "busy" in text


@contextlib.contextmanager
def busy_as_refusal() -> Iterator[None]:
    """SQLite's "database is locked" as the core's own refusal."""
    try:
        yield
    except sqlite3.OperationalError as error:
        if _is_busy(error):
            raise errors.Busy() from error
        raise


@contextlib.contextmanager
def writing(path: str) -> Iterator[None]:
    """A write's failures as the core's refusals: the lock not had in time (`Busy`), the
    file system refusing it (`Unwritable`: the disk full, the database read-only)."""
    try:
        yield
    except sqlite3.OperationalError as error:
        if _is_busy(error):
            raise errors.Busy() from error
        why = disk.why_unwritable(error, path)
        if why is None:
            raise
        raise errors.Unwritable(why, detail=str(error)) from error


@contextlib.contextmanager
def opening(path: str) -> Iterator[None]:
    """Why a database file cannot be opened, as a refusal naming it: its directory cannot
    be made or written, the disk is full, or it is not a SQLite database (its header
    damaged, say)."""
    try:
        with writing(path):  # opening sets WAL mode, which writes
            yield
    except OSError as error:  # its directory cannot be made
        raise errors.DatabaseProblem("cannot_open", path=path, detail=error.strerror) from None
    except sqlite3.DatabaseError as error:
        code = disk.primary_code(error)
        if code in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
            raise errors.DatabaseProblem("unreadable", path=path, detail=str(error)) from None
        raise errors.DatabaseProblem("cannot_open", path=path, detail=str(error)) from None


@contextlib.contextmanager
def checking(check: str, path: str) -> Iterator[None]:
    """A database problem found by `check` (open, database, write), said so; a write the
    file system refused while opening (migrating, seeding) as a problem of the database,
    naming its file."""
    try:
        yield
    except errors.Unwritable as refused:
        free = (disk.free_space(path) or 0) // 1024
        raise errors.DatabaseProblem(
            f"cannot_write_{refused.code}", path=path, check=check, free=free, **refused.facts
        ) from None
    except errors.DatabaseProblem as problem:
        problem.facts.setdefault("check", check)
        raise


def missing_directories(directory: Path) -> list[Path]:
    """The directories `mkdir(parents=True)` would make for `directory`, deepest first."""
    missing = []
    while not directory.exists() and directory != directory.parent:
        missing.append(directory)
        directory = directory.parent
    return missing


@contextlib.contextmanager
def nothing_left_if_refused(path: str) -> Iterator[None]:
    """Around opening a database that may not be there yet: when the opening fails, the
    file it created (with its WAL, shared-memory and journal files) and the directories
    made for it are removed, so that a refused start on a full disk leaves nothing. A
    database that was there is never touched."""
    target = Path(path)
    if path == ":memory:" or target.exists():
        yield
        return
    made = missing_directories(target.parent)
    try:
        yield
    except BaseException:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(OSError):
                Path(f"{target}{suffix}").unlink()
        for directory in made:
            with contextlib.suppress(OSError):
                directory.rmdir()
        raise


class Store:
    """Opens per-thread sqlite-utils databases on one file and runs transactions."""

    def __init__(
        self, path: str | Path | None = None, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT
    ) -> None:
        self.memory = str(path) == ":memory:"
        self.path = ":memory:" if self.memory else str(path or default_db_path())
        self.busy_timeout = busy_timeout
        self._local = threading.local()
        self._memory_lock = threading.RLock()
        self._write_lock = threading.Lock()
        self._memory_db: Database | None = None
        self._all: list[sqlite3.Connection] = []
        self._generation = 0
        self._generation_lock = threading.Lock()
        # Called after every committed write (any thread): an adapter refreshes what it
        # shows from the data (the Slack app's Home tabs). Keep it quick and non-blocking.
        self.on_commit: Callable[[], None] | None = None
        if not self.memory:
            with opening(self.path):
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
            with opening(self.path):
                conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
                try:
                    db = self._prepare(conn)
                except BaseException:
                    conn.close()
                    raise
            self._local.db = db
        return db

    def _prepare(self, conn: sqlite3.Connection) -> Database:
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
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
        so a read-check-write sequence inside cannot race another writer. Raises
        `errors.Busy` when the lock is not had within `busy_timeout`."""
        with self._memory_lock if self.memory else contextlib.nullcontext():
            db = self.db
            if db.conn.in_transaction:  # nested use case: a savepoint
                with db.atomic():
                    yield db
                return
            # Writers in this process queue on a lock, not in SQLite's busy handler,
            # which sleeps in growing steps; other processes wait through busy_timeout.
            started = time.monotonic()
            if not self.memory and not self._write_lock.acquire(timeout=self.busy_timeout):
                raise errors.Busy()
            # One deadline for both waits: what was spent queueing here is taken off
            # SQLite's wait for another process's lock (else two waits could add up).
            waited = time.monotonic() - started
            shortened = not self.memory and waited > 0.05
            try:
                if shortened:
                    left = max(1, int((self.busy_timeout - waited) * 1000))
                    db.conn.execute(f"PRAGMA busy_timeout = {left}")
                try:
                    with writing(self.path):
                        db.conn.execute("BEGIN IMMEDIATE")
                finally:
                    if shortened:
                        db.conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
                self._local.after_commit = []
                try:
                    with writing(self.path):
                        yield db  # nested db.atomic() blocks become savepoints
                except BaseException:
                    self._local.after_commit = []
                    if db.conn.in_transaction:
                        db.conn.execute("ROLLBACK")
                    raise
                try:
                    with writing(self.path):
                        db.conn.execute("COMMIT")
                except (errors.Busy, errors.Unwritable):  # not committed: nothing changed
                    self._local.after_commit = []
                    if db.conn.in_transaction:
                        db.conn.execute("ROLLBACK")
                    raise
                self._changed()  # after COMMIT: what was read under the old number is stale
                callbacks, self._local.after_commit = self._local.after_commit, []
            finally:
                if not self.memory:
                    self._write_lock.release()
        for callback in callbacks:
            callback()
        if self.on_commit is not None:
            self.on_commit()

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
                with busy_as_refusal():
                    yield db
            finally:
                if db.conn.in_transaction:
                    db.conn.execute("COMMIT")

    def check(self, *, writes: bool = True) -> None:
        """Whether this version can serve the database (`health.check`, and unless
        `writes=False` `health.check_writes`): raises a `DatabaseProblem` naming the
        reason, and the check that failed as its `check` fact (open, database, write)."""
        with checking("open", self.path):
            db = self.db
        with checking("database", self.path):
            health.check(db, self.path)
        if writes and not self.memory:
            with checking("write", self.path):
                health.check_writes(db, self.path)

    def migrate(
        self, before: Callable[[tuple[str, ...], tuple[str, ...]], None] | None = None
    ) -> bool:
        """Apply pending migrations; True if the schema changed. `before(applied,
        pending)` runs first when there are any, holding the write lock (a backup)."""
        with self.write() as db:
            health.refuse_newer(db, self.path)  # never run on a schema it does not know
            health.refuse_foreign(db, self.path)  # nor on objects no migration made
            pending = migrations.pending(db)
            if pending and before is not None:
                applied = tuple(m.name for m in migrations.applied(db))
                before(applied, tuple(m.name for m in pending))
            migrations.apply(db)
        return bool(pending)
