"""Whether a database can be served by this version: it opens, its schema is exactly the
one these migrations make (every migration applied and none unknown; the tables, their
columns, indexes and triggers in place, and nothing else), a read succeeds, and a write
would (`check_writes`). Each problem is a `DatabaseProblem` whose code names it, for
`/healthz`, the start, a restore and an import.

"Exactly" is by name and by SQL text: `sqlite_master` is compared with what the same
migrations make on an empty database in memory. A trigger the migrations do not make
runs with every write (one on the history table could grant a role with each report),
and one of the right name with another body does the same; either is refused. SQLite's
own objects (`sqlite_sequence`, `sqlite_stat1`-`4`, the indexes it makes for UNIQUE and
PRIMARY KEY constraints) are its own and allowed.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from dataclasses import dataclass

from sqlite_utils import Database

from capacity import errors
from capacity.storage import disk
from capacity.storage.schema import known_migrations, migrations

_STATISTICS = re.compile(r"sqlite_stat[1-4]")


@dataclass(frozen=True)
class Schema:
    """A database's schema objects: (type, name) to the SQL that made them, and each
    table's columns."""

    objects: dict[tuple[str, str], str | None]
    tables: dict[str, tuple[str, ...]]


def _sqlites_own(kind: str, name: str, sql: str | None) -> bool:
    """An object SQLite makes itself (the only ones whose names may start `sqlite_`)."""
    if kind == "table":
        return name == "sqlite_sequence" or bool(_STATISTICS.fullmatch(name))
    return kind == "index" and name.startswith("sqlite_autoindex_") and sql is None


def schema_of(conn: sqlite3.Connection) -> Schema:
    """Every schema object of the database but SQLite's own."""
    objects = {
        (kind, name): sql
        for kind, name, sql in conn.execute("SELECT type, name, sql FROM sqlite_master")
        if not _sqlites_own(kind, name, sql)
    }
    tables = {
        name: tuple(row[1] for row in conn.execute(f'PRAGMA table_info("{name}")'))
        for kind, name in objects
        if kind == "table"
    }
    return Schema(objects, tables)


def expected_schema() -> Schema:
    """The schema this code's migrations make."""
    return made_by(known_migrations())


@functools.cache
def made_by(names: tuple[str, ...]) -> Schema:
    """The schema the migrations `names` (the first ones of this code's) make."""
    db = Database(memory=True)
    later = [name for name in known_migrations() if name not in names]
    migrations.apply(db, stop_before=later[0] if later else None)
    return schema_of(db.conn)


def _applied(db: Database) -> tuple[str, ...]:
    if not db.table(migrations.migrations_table).exists():
        return ()
    return tuple(migration.name for migration in migrations.applied(db))


def refuse_newer(db: Database, path: str) -> None:
    """A database that has applied a migration this code does not know was written by
    a newer version: refused, never used."""
    known = set(known_migrations())
    unknown = [name for name in _applied(db) if name not in known]
    if unknown:
        raise errors.DatabaseProblem("newer_schema", path=path, names=", ".join(unknown))


def _named(keys: list[tuple[str, str]]) -> str:
    """`TRIGGER grant_admin, VIEW everything`: SQL's own words, in every language."""
    return ", ".join(f"{kind.upper()} {name}" for kind, name in sorted(keys))


def refuse_foreign(db: Database, path: str) -> None:
    """Refuse a database holding a schema object its applied migrations do not make, or
    one of theirs with other SQL: before anything runs on it (a migration, a restore)."""
    found, want = schema_of(db.conn), made_by(_applied(db))
    foreign = [key for key in found.objects if key not in want.objects]
    if foreign:
        raise errors.DatabaseProblem("foreign_objects", path=path, names=_named(foreign))
    altered = [key for key, sql in found.objects.items() if want.objects[key] != sql]
    if altered:
        raise errors.DatabaseProblem("altered_objects", path=path, names=_named(altered))


def check_schema(db: Database, path: str) -> None:
    """Raise a `DatabaseProblem` unless the schema is exactly what the migrations it has
    applied make: every object there, with the same SQL, and nothing else."""
    found, want = schema_of(db.conn), made_by(_applied(db))
    for table, columns in want.tables.items():
        if table not in found.tables:
            raise errors.DatabaseProblem("missing_table", path=path, table=table)
        missing = [c for c in columns if c not in found.tables[table]]
        if missing:
            raise errors.DatabaseProblem(
                "missing_column", path=path, table=table, column=", ".join(missing)
            )
    for kind, name in sorted(set(want.objects) - set(found.objects)):
        if kind == "trigger":
            raise errors.DatabaseProblem("missing_trigger", path=path, trigger=name)
        raise errors.DatabaseProblem("missing_object", path=path, names=_named([(kind, name)]))
    refuse_foreign(db, path)


def check(db: Database, path: str) -> None:
    """Raise a `DatabaseProblem` naming the first reason this database cannot be served."""
    try:
        refuse_newer(db, path)
        pending = [m.name for m in migrations.pending(db)]
        if pending:
            raise errors.DatabaseProblem("older_schema", path=path, names=", ".join(pending))
        check_schema(db, path)
        db.conn.execute("SELECT number, name FROM municipalities LIMIT 1").fetchall()
        db.conn.execute("SELECT count(*) FROM figures").fetchone()
    except sqlite3.DatabaseError as error:  # "file is not a database", "malformed", …
        raise errors.DatabaseProblem("damaged", path=path, problems=[str(error)]) from None


_PROBE = "UPDATE settings SET value = value WHERE 0"  # a write statement that changes no row


def check_writes(db: Database, path: str) -> None:
    """Raise a `DatabaseProblem` (`cannot_write_…`) when a write would fail: the disk
    holds less than `disk.MIN_FREE`, or SQLite refuses to begin a write (a read-only
    file, directory or mount). Writes nothing and grows nothing: the free space is the
    file system's figure, and the probe is a write statement that changes no row, in a
    transaction rolled back. Another writer holding the lock means writes work."""
    free = disk.free_space(path)
    if free is not None and free < disk.MIN_FREE:
        raise errors.DatabaseProblem(
            f"cannot_write_{disk.DISK_FULL}", path=path, free=free // 1024, check="write"
        )
    conn = db.conn
    if conn.in_transaction:  # a use case's own connection, mid-transaction: not probed
        return
    waits = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    conn.execute("PRAGMA busy_timeout = 0")  # never wait for a writer: busy is writable
    try:
        conn.execute("BEGIN")
        conn.execute(_PROBE)
    except sqlite3.OperationalError as error:
        why = disk.why_unwritable(error, path)
        if why is not None:
            raise errors.DatabaseProblem(
                f"cannot_write_{why}", path=path, detail=str(error), check="write"
            ) from None
        if disk.primary_code(error) not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            raise
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.execute(f"PRAGMA busy_timeout = {int(waits)}")
