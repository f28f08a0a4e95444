"""Every table's rows out and in, generically: what the JSON export holds and what loading
it writes back.

A module of its own rather than part of `repository.py`: it knows no domain table. It
reads SQLite's catalogue (`sqlite_master`, `table_info`), so a table or column a later
migration adds is dumped and loaded with no change here; and it holds the one query that
tells the bundled data from data people entered. What triggers derive (`schema.DERIVED_*`,
the reservation totals) is left out and rebuilt; the replay keys of the last minutes
(`schema.TRANSIENT_TABLES`) are left out; the migrations' bookkeeping is not a table of
ours (the document carries the schema version instead).
"""

from __future__ import annotations

import base64
import itertools
import sqlite3
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from capacity import errors
from capacity.storage.repository import marks
from capacity.storage.schema import DERIVED_COLUMNS, DERIVED_TABLES, TRANSIENT_TABLES, migrations

# Tables `seed()` fills with the bundled data (the history records of the bundled data are
# told apart by their actors).
SEEDED_TABLES = frozenset(
    {"municipalities", "crosswalk", "groups", "group_members", "figures", "settings"}
)
HISTORY_TABLE = "changes"
BLOB = "base64"  # a BLOB value is written as {"base64": "..."}


@dataclass(frozen=True)
class Dump:
    """Every table's rows (column name to value, in rowid order), the AUTOINCREMENT
    counters, and the names of the migrations applied."""

    migrations: tuple[str, ...]
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    sequences: dict[str, int] = field(default_factory=dict)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def tables(db: Database) -> list[str]:
    """Our tables, by name: not SQLite's own, not the migrations', not derived ones, not
    transient ones (the replay keys of the last minutes)."""
    names = [
        row[0]
        for row in db.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    skip = {migrations.migrations_table, *DERIVED_TABLES, *TRANSIENT_TABLES}
    return sorted(name for name in names if name not in skip)


def columns(db: Database, table: str) -> list[str]:
    """The columns a row of `table` is written with (generated and derived ones left out)."""
    derived = DERIVED_COLUMNS.get(table, frozenset())
    info = db.conn.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
    return [row[1] for row in info if row[1] not in derived]


def _order(db: Database, table: str) -> str:
    """Rowid order, which is insertion order (a WITHOUT ROWID table: its primary key)."""
    sql = db.conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
    ).fetchone()[0]
    if "WITHOUT ROWID" not in sql.upper():
        return "rowid"
    info = db.conn.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
    keys = sorted((row[5], row[1]) for row in info if row[5])
    return ", ".join(_quote(name) for _, name in keys)


def _out(value: Any) -> Any:
    return {BLOB: base64.b64encode(value).decode("ascii")} if isinstance(value, bytes) else value


_PLAIN = frozenset({str, int, float, type(None)})  # values SQLite holds as they are


def _in(table: str, column: str, value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {BLOB} and isinstance(value[BLOB], str):
        return base64.b64decode(value[BLOB])
    if value is None or isinstance(value, str | int | float):
        return value
    raise errors.InvalidInput("export_value", table=table, column=column)


def dump(db: Database) -> Dump:
    """Everything, read in the caller's transaction (so that it is one state)."""
    found = Dump(migrations=tuple(m.name for m in migrations.applied(db)))
    for table in tables(db):
        names = columns(db, table)
        select = ", ".join(_quote(name) for name in names)
        cursor = db.conn.execute(
            f"SELECT {select} FROM {_quote(table)} ORDER BY {_order(db, table)}"
        )
        found.tables[table] = [
            dict(zip(names, map(_out, row) if bytes in map(type, row) else row, strict=True))
            for row in cursor
        ]
    if db.table("sqlite_sequence").exists():
        for name, seq in db.conn.execute("SELECT name, seq FROM sqlite_sequence ORDER BY name"):
            if name in found.tables:
                found.sequences[name] = seq
    return found


def load(
    db: Database,
    rows: Mapping[str, Sequence[Mapping[str, Any]]],
    sequences: Mapping[str, int],
) -> int:
    """Insert every table's rows into an empty schema, in the caller's transaction, with
    the foreign keys checked once at the end; set the AUTOINCREMENT counters. Refuses a
    table or column the schema does not have, a value SQLite cannot hold, rows that break
    a constraint and references to rows that are not there. The number of rows loaded."""
    known = set(tables(db))
    for table in rows:
        if table not in known:
            raise errors.InvalidInput("export_table", table=table)
    db.conn.execute("PRAGMA defer_foreign_keys = ON")
    loaded = 0
    for table, records in rows.items():
        allowed = columns(db, table)
        for record in records:
            for column in record:
                if column not in allowed:
                    raise errors.InvalidInput("export_column", table=table, column=column)
        # Consecutive rows with the same columns go in one statement, in document order.
        for names, run in itertools.groupby(records, key=lambda record: tuple(record)):
            values = [
                [
                    value if type(value) in _PLAIN else _in(table, c, value)
                    for c, value in zip(names, record.values(), strict=True)
                ]
                for record in run
            ]
            sql = (
                f"INSERT INTO {_quote(table)} ({', '.join(map(_quote, names))}) "
                f"VALUES ({', '.join('?' * len(names))})"
            )
            try:
                db.conn.executemany(sql, values)
            except (sqlite3.Error, OverflowError) as error:  # a row the schema refuses
                raise errors.InvalidInput("export_rows", table=table, detail=str(error)) from None
            loaded += len(values)
    for table, seq in sequences.items():
        if table not in known or not isinstance(seq, int):
            raise errors.InvalidInput("export_table", table=table)
        db.conn.execute("DELETE FROM sqlite_sequence WHERE name = ?", [table])
        db.conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", [table, seq])
    broken = db.conn.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise errors.InvalidInput("export_links", table=broken[0][0], count=len(broken))
    return loaded


def counts(db: Database) -> dict[str, int]:
    """Rows per table."""
    return {
        table: db.conn.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()[0]
        for table in tables(db)
    }


def entered(db: Database, bundled_by: Collection[str]) -> dict[str, int]:
    """Rows that are not the bundled data, per table (empty for a database that holds
    nothing but what `capacity init` loads): history records by anyone but the actors
    the bundled data is recorded by, and every row of a table the seed does not fill."""
    found: dict[str, int] = {}
    actors = sorted(bundled_by)
    for table in tables(db):
        if table == HISTORY_TABLE:
            sql = f"SELECT count(*) FROM {table} WHERE actor NOT IN ({marks(actors)})"
            params = actors
        elif table in SEEDED_TABLES:
            continue
        else:
            sql, params = f"SELECT count(*) FROM {_quote(table)}", []
        count = db.conn.execute(sql, params).fetchone()[0]
        if count:
            found[table] = count
    return found
