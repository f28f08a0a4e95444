"""Figures, history, roles and reference data in SQLite: rows in, models out.

With `batch_repository.py` and `outbox.py`, the only code that knows table names and
SQL. Functions take the transaction's `db` from `Store.write()` or `Store.read()`, so a
use case decides what is one unit of work. Hot paths read straight from the
connection: sqlite-utils wraps each statement in a savepoint guard.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlite_utils import Database

from capacity.models import (
    Actor,
    Change,
    County,
    Group,
    Municipality,
)
from capacity.reference.geography import Geography
from capacity.reference.names import normalize
from capacity.storage.store import data_dir

ABSENT = "absent"  # a figure's "before" when it did not exist


def rows_of(db: Database, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
    cursor = db.conn.execute(sql, params)
    names = [column[0] for column in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))


def marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


# -- reference data ------------------------------------------------------------------------


def load_geography(db: Database) -> Geography:
    municipalities = [
        Municipality(**row)
        for row in rows_of(
            db,
            "SELECT structure, number, name, name_no FROM municipalities ORDER BY structure, number",
        )
    ]
    crosswalk = [
        (row["number_2020"], row["number_2024"])
        for row in rows_of(db, "SELECT number_2020, number_2024 FROM crosswalk")
    ]
    by_key = {(m.structure, m.number): m for m in municipalities}
    groups: dict[str, Group] = {}
    aliases: dict[str, str] = {}
    for row in rows_of(db, "SELECT name, title, aliases FROM groups ORDER BY name"):
        members = tuple(
            by_key[(2024, member["number_2024"])]
            for member in rows_of(
                db,
                "SELECT number_2024 FROM group_members WHERE group_name = ? ORDER BY rowid",
                [row["name"]],
            )
            if (2024, member["number_2024"]) in by_key
        )
        groups[row["name"]] = Group(name=row["name"], title=row["title"], members=members)
        for alias in filter(None, row["aliases"].split("|")):
            aliases[normalize(alias)] = row["name"]
    return Geography(municipalities, crosswalk, groups, aliases, load_counties())


def load_counties() -> list[County]:
    """The counties of 2020 and 2024 (SSB classification 104), from the bundled data."""
    with open(data_dir() / "fylker.csv", encoding="utf-8", newline="") as handle:
        return [County(**row) for row in csv.DictReader(handle)]


def add_reference(
    db: Database,
    municipalities: Iterable[tuple[int, str, str, str]],
    crosswalk: Iterable[tuple[str, str, str]],
    groups: Iterable[tuple[str, str, str, str]],
) -> None:
    """Municipalities (structure, number, name, name_no), the crosswalk (2020, 2024,
    change) and group members (group, title, aliases, number_2024), where missing."""
    db.conn.executemany(
        "INSERT OR IGNORE INTO municipalities (structure, number, name, name_no) "
        "VALUES (?, ?, ?, ?)",
        list(municipalities),
    )
    db.conn.executemany(
        "INSERT OR IGNORE INTO crosswalk (number_2020, number_2024, change) VALUES (?, ?, ?)",
        list(crosswalk),
    )
    for group, title, aliases, number in groups:
        db.conn.execute(
            "INSERT OR IGNORE INTO groups (name, title, aliases) VALUES (?, ?, ?)",
            [group, title, aliases],
        )
        db.conn.execute(
            "INSERT OR IGNORE INTO group_members (group_name, number_2024) VALUES (?, ?)",
            [group, number],
        )


def is_initialized(db: Database) -> bool:
    return db.table("municipalities").exists() and bool(
        db.conn.execute("SELECT 1 FROM municipalities LIMIT 1").fetchone()
    )


def has_figures(db: Database) -> bool:
    return db.conn.execute("SELECT 1 FROM figures LIMIT 1").fetchone() is not None


# -- history -------------------------------------------------------------------------------


def record(
    db: Database,
    at: str,
    actor: Actor,
    entity: str,
    key: str,
    before: Any,
    after: Any,
    *,
    source: str = "",
    source_date: str = "",
    reason: str = "",
) -> int:
    """Append a history record (the table refuses updates and deletes)."""
    cursor = db.conn.execute(
        """INSERT INTO changes (at, actor, actor_name, source, source_date, reason, entity,
                               key, before, after)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            at,
            actor.id,
            actor.name,
            source,
            source_date,
            reason,
            entity,
            key,
            json.dumps(before, ensure_ascii=False),
            json.dumps(after, ensure_ascii=False),
        ],
    )
    return int(cursor.lastrowid or 0)


def _change(row: dict[str, Any]) -> Change:
    return Change(
        **{
            **row,
            "before": json.loads(row["before"]) if row["before"] is not None else None,
            "after": json.loads(row["after"]) if row["after"] is not None else None,
        }
    )


def latest_change(db: Database, entity: str, key: str) -> Change | None:
    """The latest history record of one thing (`allocation`, `5001/2020/allocation/7`)."""
    sql = "SELECT * FROM changes WHERE entity = ? AND key = ? ORDER BY at DESC, id DESC LIMIT 1"
    row = next(rows_of(db, sql, [entity, key]), None)
    return _change(row) if row else None


def changes_between(db: Database, since: str, until: str) -> list[Change]:
    """History records made in a period (by when they were recorded), in order."""
    sql = "SELECT * FROM changes WHERE at > ? AND at <= ? ORDER BY at, id"
    return [_change(row) for row in rows_of(db, sql, [since, until])]


def last_change(db: Database) -> Change:
    return _change(next(rows_of(db, "SELECT * FROM changes ORDER BY id DESC LIMIT 1")))


def history(
    db: Database, numbers: Sequence[str] | None = None, *, limit: int | None = None
) -> list[Change]:
    """The history records of some municipality numbers (keys `number/…`), or all."""
    where, params = "", []
    if numbers is not None:
        where = " WHERE (" + " OR ".join(["key LIKE ?"] * len(numbers)) + ")"
        params = [f"{number}/%" for number in numbers]
    if limit:
        sql = f"SELECT * FROM (SELECT * FROM changes{where} ORDER BY id DESC LIMIT ?) ORDER BY id"
        params.append(limit)
    else:
        sql = f"SELECT * FROM changes{where} ORDER BY id"
    return [_change(row) for row in rows_of(db, sql, params)]


# -- roles ---------------------------------------------------------------------------------


def roles(db: Database, user_id: str) -> list[tuple[str, str]]:
    """(role, municipality number or '') of a user."""
    return [
        (row[0], row[1])
        for row in db.conn.execute(
            "SELECT role, number FROM roles WHERE user_id = ? ORDER BY role, number", [user_id]
        )
    ]


def has_role(db: Database, user_id: str, role: str, numbers: Sequence[str] | None = None) -> bool:
    sql, params = "SELECT 1 FROM roles WHERE user_id = ? AND role = ?", [user_id, role]
    if numbers is not None:
        sql += f" AND number IN ({marks(numbers)})"
        params.extend(numbers)
    return db.conn.execute(sql, params).fetchone() is not None


def add_role(db: Database, at: str, user_id: str, role: str, number: str, by: str) -> bool:
    """True if the role was new."""
    cursor = db.conn.execute(
        "INSERT OR IGNORE INTO roles (user_id, role, number, granted_at, granted_by) "
        "VALUES (?, ?, ?, ?, ?)",
        [user_id, role, number, at, by],
    )
    return cursor.rowcount > 0


def remove_role(db: Database, user_id: str, role: str, number: str) -> bool:
    cursor = db.conn.execute(
        "DELETE FROM roles WHERE user_id = ? AND role = ? AND number = ?",
        [user_id, role, number],
    )
    return cursor.rowcount > 0


def setting(db: Database, key: str) -> str | None:
    row = db.conn.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_setting(db: Database, key: str, value: str) -> None:
    db.conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def ping(db: Database) -> None:
    db.conn.execute("SELECT 1 FROM municipalities LIMIT 1").fetchone()


# -- scores --------------------------------------------------------------------------------


def scores(db: Database) -> tuple[dict[str, float], str | None]:
    """(score per municipality number, their source); ({}, None) when none are kept."""
    rows = db.conn.execute("SELECT number, score, source FROM scores").fetchall()
    return {row[0]: row[1] for row in rows}, (rows[0][2] if rows else None)


def score_rows(db: Database) -> list[dict[str, Any]]:
    return list(rows_of(db, "SELECT * FROM scores ORDER BY number"))


def replace_scores(db: Database, values: dict[str, float], source: str, at: str, by: str) -> None:
    """One set of scores at a time: a new file replaces the last."""
    db.conn.execute("DELETE FROM scores")
    db.conn.executemany(
        "INSERT INTO scores (number, score, source, imported_at, imported_by) "
        "VALUES (?, ?, ?, ?, ?)",
        [(number, score, source, at, by) for number, score in sorted(values.items())],
    )
