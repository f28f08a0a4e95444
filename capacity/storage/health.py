"""Whether a database can be served by this version: it opens, its schema is the one
these migrations make (every migration applied and none unknown; the tables, columns
and triggers in place), and a read succeeds. Each problem is a `DatabaseProblem` whose
code names it, for `/healthz` and for the start.
"""

from __future__ import annotations

import functools
import sqlite3

from sqlite_utils import Database

from capacity import errors
from capacity.storage.schema import known_migrations, migrations


def expected_schema() -> tuple[dict[str, tuple[str, ...]], frozenset[str]]:
    """The tables (with their columns) and triggers these migrations make."""
    return _made_by(known_migrations())


@functools.cache
def _made_by(names: tuple[str, ...]) -> tuple[dict[str, tuple[str, ...]], frozenset[str]]:
    db = Database(memory=True)
    migrations.apply(db)
    return _schema(db.conn)


def _schema(conn: sqlite3.Connection) -> tuple[dict[str, tuple[str, ...]], frozenset[str]]:
    rows = conn.execute(
        "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'trigger') "
        "AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    tables = {
        name: tuple(row[1] for row in conn.execute(f'PRAGMA table_info("{name}")'))
        for kind, name in rows
        if kind == "table"
    }
    return tables, frozenset(name for kind, name in rows if kind == "trigger")


def refuse_newer(db: Database, path: str) -> None:
    """A database that has applied a migration this code does not know was written by
    a newer version: refused, never used."""
    if not db.table("_sqlite_migrations").exists():
        return
    known = set(known_migrations())
    applied = [m.name for m in migrations.applied(db)]
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise errors.DatabaseProblem("newer_schema", path=path, names=", ".join(unknown))


def check(db: Database, path: str) -> None:
    """Raise a `DatabaseProblem` naming the first reason this database cannot be served."""
    try:
        refuse_newer(db, path)
        pending = [m.name for m in migrations.pending(db)]
        if pending:
            raise errors.DatabaseProblem("older_schema", path=path, names=", ".join(pending))
        tables, triggers = _schema(db.conn)
        want_tables, want_triggers = expected_schema()
        for table, columns in want_tables.items():
            if table not in tables:
                raise errors.DatabaseProblem("missing_table", path=path, table=table)
            missing = [c for c in columns if c not in tables[table]]
            if missing:
                raise errors.DatabaseProblem(
                    "missing_column", path=path, table=table, column=", ".join(missing)
                )
        for trigger in sorted(want_triggers - triggers):
            raise errors.DatabaseProblem("missing_trigger", path=path, trigger=trigger)
        db.conn.execute("SELECT number, name FROM municipalities LIMIT 1").fetchall()
        db.conn.execute("SELECT count(*) FROM figures").fetchone()
    except sqlite3.DatabaseError as error:  # "file is not a database", "malformed", …
        raise errors.DatabaseProblem("damaged", path=path, problems=[str(error)]) from None
