"""Backups that restore: SQLite's online backup API, checked with `PRAGMA integrity_check`,
and a restore that keeps the database it replaces beside it.

Copying `capacity.db` while the bot runs misses what is still in the write-ahead log and
may catch a page half-written. `Connection.backup` copies the database as one read
transaction sees it, WAL included, while the bot goes on reading and writing (WAL: a
reader never blocks the writer). A restore writes the backup into the database through
the same API, so a running bot sees the restored data at its next read as if another
process had committed it; the database it replaced is first copied, the same way, to
`capacity.db.replaced-<UTC time>`.

SQLite-level, so this module uses `sqlite3` itself; it knows no table of the domain.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from capacity import errors
from capacity.domain.clock import Clock, utc_now
from capacity.storage import copy_errors, health, replays
from capacity.storage import dump as dump_repository
from capacity.storage.schema import known_migrations, migrations, rebuild_totals
from capacity.storage.store import DEFAULT_BUSY_TIMEOUT, Store, missing_directories

SQLITE_HEADER = b"SQLite format 3\x00"
STAMP = "%Y%m%dT%H%M%S"


@dataclass(frozen=True)
class DatabaseInfo:
    """A checked capacity database: its size, the migrations it has applied and the rows
    of each table."""

    path: Path
    size: int
    migrations: tuple[str, ...]
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def schema_version(self) -> int:
        return len(self.migrations)

    @property
    def history_records(self) -> int:
        return self.rows.get(dump_repository.HISTORY_TABLE, 0)


@dataclass(frozen=True)
class BackupResult:
    source: Path
    target: Path
    info: DatabaseInfo
    seconds: float


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did: the database it wrote, the copy of the one it replaced (None
    when there was none), the migrations it applied after, and the restored data."""

    target: Path
    replaced: Path | None
    migrated: tuple[str, ...]
    info: DatabaseInfo


@contextlib.contextmanager
def _connect(path: Path, timeout: float = DEFAULT_BUSY_TIMEOUT) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def remove(path: Path) -> None:
    """A database file and its WAL and shared-memory files, if there."""
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        with contextlib.suppress(FileNotFoundError):
            name.unlink()


def beside(path: Path, label: str, clock: Clock = utc_now) -> Path:
    """A new file name beside `path`: `capacity.db.<label>-20261202T103000` (`-2`, `-3`
    after it when that exists)."""
    stem = f"{path.name}.{label}-{clock().strftime(STAMP)}"
    candidate, n = path.with_name(stem), 1
    while candidate.exists() or Path(f"{candidate}-wal").exists():
        n += 1
        candidate = path.with_name(f"{stem}-{n}")
    return candidate


# -- checking ------------------------------------------------------------------------------


def _is_sqlite(path: Path, shown: str) -> None:
    if not path.is_file():
        raise errors.DatabaseProblem("no_database", path=shown)
    with open(path, "rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise errors.DatabaseProblem("not_sqlite", path=shown)


def inspect(path: Path, *, name: Path | None = None, newer_ok: bool = True) -> DatabaseInfo:
    """Check that `path` is a capacity database that passes `PRAGMA integrity_check`,
    whose foreign keys hold and, when this code knows every migration it has applied,
    whose schema is exactly what they make (`health.check_schema`: no trigger, view,
    table or index of anyone else's); with `newer_ok=False`, that this code knows every
    migration it has applied. `name` is the file the refusal names (a copy's original)."""
    shown = str(name or path)
    _is_sqlite(path, shown)
    try:
        with _connect(path) as conn:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise errors.DatabaseProblem("damaged", path=shown, problems=problems)
            db = Database(conn)
            applied = tuple(migration.name for migration in migrations.applied(db))
            if not applied:
                raise errors.DatabaseProblem("not_capacity", path=shown)
            known = known_migrations()
            unknown = [migration for migration in applied if migration not in known]
            if unknown and not newer_ok:
                raise errors.DatabaseProblem("newer_schema", path=shown, names=", ".join(unknown))
            if not unknown:  # a schema this code knows: exactly what its migrations make
                health.check_schema(db, shown)
            broken = conn.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise errors.DatabaseProblem("damaged", path=shown, problems=broken[:10])
            rows = dump_repository.counts(db)
    except sqlite3.DatabaseError as error:  # "file is not a database", "malformed", …
        raise errors.DatabaseProblem("damaged", path=shown, problems=[str(error)]) from None
    return DatabaseInfo(path=Path(shown), size=path.stat().st_size, migrations=applied, rows=rows)


# -- backing up ----------------------------------------------------------------------------


def _copy(source: Path, target: Path, *, page_size: int | None = None) -> None:
    """`source` as one read transaction sees it, into the new file `target`, as a single
    self-contained file (rollback journal, not WAL); with `page_size`, rewritten to it."""
    try:
        open(target, "xb").close()  # a new file, and a clear error where none can be made
    except OSError as error:
        raise (copy_errors.refusal(error, target) or error) from None
    try:
        with _connect(source) as src, _connect(target) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
            if page_size and dst.execute("PRAGMA page_size").fetchone()[0] != page_size:
                dst.execute(f"PRAGMA page_size = {int(page_size)}")
                dst.execute("VACUUM")
    except sqlite3.DatabaseError as error:  # the disk full under the copy: not the source
        refused = copy_errors.refusal(error, target)
        if refused is None:
            raise
        raise refused from None


def backup(
    source: Path, target: Path, *, clock: Clock = utc_now, make_directory: bool = True
) -> BackupResult:
    """Copy the database at `source` to `target` (a new file, or a directory to put
    `<name>-<UTC time>.db` in) while other connections keep writing, then check the copy.
    A file that exists is never overwritten; a copy that fails its check is deleted.
    Without `make_directory`, a directory that is not there is a refusal, not made."""
    started = time.perf_counter()
    source, target = Path(source), Path(target)
    _is_sqlite(source, str(source))
    if target.is_dir():
        target = target / f"{source.stem}-{clock().strftime(STAMP)}{source.suffix or '.db'}"
    if target.exists() and target.resolve() == source.resolve():
        raise errors.DatabaseProblem("same_file", path=str(target))
    if target.exists():
        raise errors.DatabaseProblem("backup_exists", path=str(target))
    if make_directory:
        target.parent.mkdir(parents=True, exist_ok=True)
    partial = beside(target, "partial", clock)
    try:
        try:
            _copy(source, partial)
        except errors.DatabaseProblem as refused:  # the copy's file: the backup it was to be
            refused.facts["path"] = str(target)
            raise
        except sqlite3.DatabaseError as error:
            raise errors.DatabaseProblem(
                "damaged", path=str(source), problems=[str(error)]
            ) from None
        info = inspect(partial, name=source)
        if target.exists():
            raise errors.DatabaseProblem("backup_exists", path=str(target))
        os.replace(partial, target)
    finally:
        remove(partial)
    info = DatabaseInfo(path=target, size=info.size, migrations=info.migrations, rows=info.rows)
    return BackupResult(source, target, info, time.perf_counter() - started)


# -- restoring -----------------------------------------------------------------------------


def _page_size(path: Path) -> int | None:
    try:
        with _connect(path) as conn:
            return int(conn.execute("PRAGMA page_size").fetchone()[0])
    except sqlite3.DatabaseError:
        return None


def _keep(target: Path, clock: Clock) -> Path | None:
    """Copy the database about to be replaced beside it, checked, before anything is
    written to it. One that cannot be read as a sound database (the reason to restore,
    perhaps) is moved aside whole instead, with its WAL: it is never lost either way."""
    if not target.exists():
        return None
    kept = beside(target, "replaced", clock)
    try:
        _copy(target, kept)
        with _connect(kept) as conn:
            if [row[0] for row in conn.execute("PRAGMA integrity_check")] == ["ok"]:
                return kept
    except sqlite3.DatabaseError:
        pass
    remove(kept)
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.replace(f"{target}{suffix}", f"{kept}{suffix}")
    return kept


def install(new: Path, target: Path, *, clock: Clock = utc_now) -> Path | None:
    """Put the checked database `new` in place of `target`, keeping `target` beside it
    (the path of that copy, or None when there was no database). A database in use is
    written through SQLite's backup API, as one transaction other connections see at
    their next read; a missing one is created whole, never half-written."""
    kept = _keep(target, clock)
    if target.exists():
        with _connect(new) as src, _connect(target) as dst:
            src.backup(dst)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = beside(target, "partial", clock)
        try:
            _copy(new, partial)
            os.replace(partial, target)
        finally:
            remove(partial)
    return kept


def _migrate(path: Path) -> tuple[str, ...]:
    store = Store(path)
    try:
        pending = tuple(m.name for m in migrations.pending(store.db))
        store.migrate()
    finally:
        store.close()
    return pending


def _checked_rows(staged: Path, check: Callable[[dump_repository.Dump], None] | None) -> None:
    """Hand the staged copy's rows (as a JSON export holds them) to `check`, which raises
    for a row the bot could not have made; then recompute the reservation totals the
    triggers keep from the assignments (`rebuild_totals`, as an import does), so that no
    total of the copy's own is taken on trust. The schema has been checked already: no
    trigger but the bot's runs. (The snapshot register is left as it is: rebuilt, it
    would hold the same figures under other ids.)"""
    with _connect(staged) as conn:
        db = Database(conn)
        if check is not None:
            conn.execute("BEGIN")
            try:
                found = dump_repository.dump(db)
            finally:
                conn.execute("ROLLBACK")
            check(found)
        if not db.table("reserved").exists():  # older than m004: no totals
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            rebuild_totals(db)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def restore(
    source: Path,
    target: Path,
    *,
    clock: Clock = utc_now,
    check: Callable[[dump_repository.Dump], None] | None = None,
) -> RestoreResult:
    """Replace the database at `target` with the backup `source`, after checking that the
    backup is a sound capacity database of a schema this code knows and, with `check`,
    that its rows are ones the bot could have made (`check` takes them as a JSON export
    holds them and raises for one that is not: `transfer.restore.restore_backup`, which
    `capacity restore` runs); the totals triggers keep are recomputed from the rows. All
    of it on a copy beside `target`, so that a refusal leaves `target` as it was. The
    database it replaces is kept beside it (`beside(target, "replaced")`). An older
    backup is migrated once restored. The backup's replay keys (`replays`) are not
    restored: they were the keys of requests answered before it was taken, one of them
    perhaps still pending, whose retry would be answered "done" where the restored data
    may not hold its work."""
    source, target = Path(source), Path(target)
    if target.exists() and source.resolve() == target.resolve():
        raise errors.DatabaseProblem("same_file", path=str(target))
    inspect(source, newer_ok=False)
    made = missing_directories(target.parent)
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = beside(target, "restoring", clock)
    try:
        _copy(source, staged, page_size=_page_size(target) if target.exists() else None)
        info = inspect(staged, name=source, newer_ok=False)
        with _connect(staged) as conn:  # the keys of requests answered on another database
            replays.clear(conn)
        _checked_rows(staged, check)
        kept = install(staged, target, clock=clock)
    except BaseException:
        remove(staged)  # before the folders it is in
        for directory in made:  # a refused restore leaves no folder behind either
            with contextlib.suppress(OSError):
                directory.rmdir()
        raise
    finally:
        remove(staged)
    migrated = _migrate(target)
    info = (
        inspect(target) if migrated else DatabaseInfo(target, info.size, info.migrations, info.rows)
    )
    return RestoreResult(target=target, replaced=kept, migrated=migrated, info=info)
