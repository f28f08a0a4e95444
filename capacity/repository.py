"""Figures, history, roles and reference data in SQLite: rows in, models out.

With `batch_repository.py` and `outbox.py`, the only code that knows table names and
SQL. Functions take the transaction's `db` from `Store.write()` or `Store.read()`, so a
use case decides what is one unit of work. Hot paths read straight from the
connection: sqlite-utils wraps each statement in a savepoint guard.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlite_utils import Database

from capacity.geography import Geography
from capacity.models import Actor, CapacityLine, Change, Figure, Group, Measure, Municipality
from capacity.names import normalize

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
    return Geography(municipalities, crosswalk, groups, aliases)


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


# -- figures -------------------------------------------------------------------------------


def figure_key(number: str, year: int, measure: Measure) -> str:
    return f"{number}/{year}/{measure.value}"


def _figure(
    measure: str, value: int | None, at: str, actor: str, actor_name: str, source: str
) -> Figure:
    return Figure(
        measure=Measure(measure),
        value=value,
        changed_at=at,
        actor=actor_name or actor,
        source=source,
    )


def years_with_figures(db: Database, numbers: Sequence[str]) -> tuple[int, ...]:
    rows = db.conn.execute(
        f"SELECT DISTINCT year FROM figures WHERE number IN ({marks(numbers)}) ORDER BY year",
        list(numbers),
    ).fetchall()
    return tuple(row[0] for row in rows)


def latest_year(db: Database) -> int | None:
    row = db.conn.execute("SELECT max(year) FROM figures").fetchone()
    return row[0] if row else None


def line(
    db: Database, municipality: Municipality, year: int, years: tuple[int, ...] = ()
) -> CapacityLine:
    """One municipality's figures for a year, with its reservations."""
    rows = db.conn.execute(
        """SELECT f.measure, f.value, c.at, c.actor, c.actor_name, c.source
           FROM figures f JOIN changes c ON c.id = f.change_id
           WHERE f.number = ? AND f.year = ?""",
        [municipality.number, year],
    ).fetchall()
    row = db.conn.execute(
        "SELECT persons FROM reserved WHERE number = ? AND year = ?",
        [municipality.number, year],
    ).fetchone()
    return CapacityLine(
        municipality=municipality,
        year=year,
        figures={row[0]: _figure(*row) for row in rows},
        reserved=row[0] if row else 0,
        years_with_figures=years,
    )


def lines(
    db: Database, municipalities: Sequence[Municipality], year: int
) -> tuple[CapacityLine, ...]:
    """Many municipalities' lines for a year, in two queries."""
    figures: dict[str, dict[Measure, Figure]] = {}
    for row in db.conn.execute(
        """SELECT f.number, f.measure, f.value, c.at, c.actor, c.actor_name, c.source
           FROM figures f JOIN changes c ON c.id = f.change_id
           WHERE f.year = ?""",
        [year],
    ):
        figures.setdefault(row[0], {})[Measure(row[1])] = _figure(*row[1:])
    reserved = dict(
        db.conn.execute("SELECT number, persons FROM reserved WHERE year = ?", [year]).fetchall()
    )
    return tuple(
        CapacityLine(
            municipality=m,
            year=year,
            figures=figures.get(m.number, {}),
            reserved=reserved.get(m.number, 0),
        )
        for m in municipalities
    )


def line_as_of(
    db: Database, municipality: Municipality, year: int, moment: str, years: tuple[int, ...]
) -> CapacityLine:
    """The line as it stood at `moment` (UTC ISO text), from the history."""
    figures: dict[Measure, Figure] = {}
    for measure in Measure:
        row = db.conn.execute(
            """SELECT after, at, actor, actor_name, source FROM changes
               WHERE entity = 'figure' AND key = ? AND at <= ?
               ORDER BY at DESC, id DESC LIMIT 1""",
            [figure_key(municipality.number, year, measure), moment],
        ).fetchone()
        if row and row[0] is not None:
            value = json.loads(row[0])
            if value != "deleted":
                figures[measure] = _figure(measure.value, value, *row[1:])
    reserved = db.conn.execute(
        """SELECT coalesce(sum(persons), 0) FROM allocations
           WHERE number = ? AND year = ? AND created_at <= ?
             AND (released_at IS NULL OR released_at > ?)""",
        [municipality.number, year, moment, moment],
    ).fetchone()[0]
    return CapacityLine(
        municipality=municipality,
        year=year,
        figures=figures,
        reserved=reserved,
        years_with_figures=years,
    )


def figure_value(db: Database, number: str, year: int, measure: Measure) -> tuple[bool, Any]:
    """(whether the figure exists, its value: None for unknown)."""
    row = db.conn.execute(
        "SELECT value FROM figures WHERE number = ? AND year = ? AND measure = ?",
        [number, year, measure.value],
    ).fetchone()
    return (row is not None, row[0] if row else None)


def set_figure(
    db: Database,
    at: str,
    number: str,
    year: int,
    measure: Measure,
    value: int | None,
    actor: Actor,
    *,
    source: str = "",
    reason: str = "",
    force: bool = False,
) -> tuple[bool, int | None, int | None]:
    """Set one figure with the history record that explains it; a no-op when unchanged
    (unless `force`: a re-report is recorded as a confirmation)."""
    exists, before = figure_value(db, number, year, measure)
    if exists and before == value and not force:
        return False, before, value
    change_id = record(
        db,
        at,
        actor,
        "figure",
        figure_key(number, year, measure),
        before if exists else ABSENT,
        value,
        source=source,
        reason=reason,
    )
    db.conn.execute(
        """INSERT INTO figures (number, year, measure, value, change_id)
           VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (number, year, measure)
           DO UPDATE SET value = excluded.value, change_id = excluded.change_id""",
        [number, year, measure.value, value, change_id],
    )
    return True, before, value


def figure_records(db: Database) -> list[dict[str, Any]]:
    """Every current figure with the change that set it (for exports)."""
    return list(
        rows_of(
            db,
            """SELECT f.number, f.year, f.measure, f.value, f.change_id,
                      c.at, c.actor, c.actor_name, c.source
               FROM figures f JOIN changes c ON c.id = f.change_id""",
        )
    )


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
    reason: str = "",
) -> int:
    """Append a history record (the table refuses updates and deletes)."""
    cursor = db.conn.execute(
        """INSERT INTO changes (at, actor, actor_name, source, reason, entity, key,
                               before, after)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            at,
            actor.id,
            actor.name,
            source,
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


def ping(db: Database) -> None:
    db.conn.execute("SELECT 1 FROM municipalities LIMIT 1").fetchone()
