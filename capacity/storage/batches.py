"""Relocation batches and their allocations (reservations) in SQLite: rows in, models out.

Totals of active reservations per place and per batch are kept by triggers (see
`schema.m004_reservation_totals`), so reading a batch's assigned total is one row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from capacity.domain.households import Unit, flat
from capacity.models import Allocation, Batch, BatchStatus, Preview
from capacity.storage.repository import rows_of

NameOf = Callable[[str, int], str]  # (number, year) → the municipality's name


def batch_exists(db: Database, name: str, year: int) -> bool:
    return (
        db.conn.execute(
            "SELECT 1 FROM batches WHERE name = ? COLLATE NOCASE AND year = ?", [name, year]
        ).fetchone()
        is not None
    )


def add_batch(
    db: Database,
    at: str,
    name: str,
    year: int,
    persons: int,
    units: tuple[Unit, ...],
    scope: str,
    by: str,
) -> int:
    cursor = db.conn.execute(
        """INSERT INTO batches (name, year, persons, households, units, scope, status,
                                created_at, created_by)
           VALUES (?, ?, ?, ?, ?, ?, 'planned', ?, ?)""",
        [name, year, persons, json.dumps(flat(units)), json.dumps(units), scope, at, by],
    )
    return int(cursor.lastrowid or 0)


def _units(households: str, units: str | None) -> tuple[Unit, ...]:
    """A row's units; a row from before linked households has each household alone."""
    if units is not None:
        return tuple(tuple(unit) for unit in json.loads(units))
    return tuple((size,) for size in json.loads(households))


def _placed(entries: str) -> tuple[Unit, ...]:
    """Units from `json_group_array` over allocations' units (or, on old rows, sizes)."""
    return tuple(
        tuple(item) if isinstance(item, list) else (item,)
        for entry in json.loads(entries)
        for item in entry
    )


def find_batch_id(db: Database, ref: str | int, year: int | None = None) -> int | None:
    """A batch's id from its id or its name (case-insensitive; the newest year first)."""
    if isinstance(ref, int) or re.fullmatch(r"[0-9]{1,18}", str(ref).strip()):
        try:
            row = db.conn.execute("SELECT id FROM batches WHERE id = ?", [int(ref)]).fetchone()
        except OverflowError:
            row = None
        return row[0] if row else None
    sql, params = (
        "SELECT id FROM batches WHERE name = ? COLLATE NOCASE",
        [" ".join(str(ref).split())],
    )
    if year is not None:
        sql += " AND year = ?"
        params.append(year)
    row = db.conn.execute(sql + " ORDER BY year DESC, id DESC LIMIT 1", params).fetchone()
    return row[0] if row else None


def batch_ids(
    db: Database, year: int | None = None, *, include_cancelled: bool = True
) -> list[int]:
    clauses, params = [], []
    if year is not None:
        clauses.append("year = ?")
        params.append(year)
    if not include_cancelled:
        clauses.append("status != 'cancelled'")
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    sql = f"SELECT id FROM batches{where} ORDER BY year DESC, id DESC"
    return [row[0] for row in db.conn.execute(sql, params).fetchall()]


def batch(db: Database, batch_id: int, name_of: NameOf, *, allocations: bool = False) -> Batch:
    """A batch with its assigned totals; with its allocations when asked for (the
    totals come from one aggregate, so a use case's cost does not grow with them)."""
    row = next(rows_of(db, "SELECT * FROM batches WHERE id = ?", [batch_id]))
    placed = "[]"
    if row["households"] != "[]":
        placed = db.conn.execute(
            "SELECT json_group_array(json(coalesce(units, households))) FROM allocations "
            "WHERE batch_id = ? AND active = 1",
            [batch_id],
        ).fetchone()[0]
    return Batch(
        id=row["id"],
        name=row["name"],
        year=row["year"],
        persons=row["persons"],
        households=tuple(json.loads(row["households"])),
        units=_units(row["households"], row["units"]),
        scope=row["scope"],
        status=BatchStatus(row["status"]),
        created_at=row["created_at"],
        created_by=row["created_by"],
        allocated=row["allocated"],
        placed_units=_placed(placed),
        allocations=tuple(
            _allocation(a, name_of)
            for a in rows_of(
                db, "SELECT * FROM allocations WHERE batch_id = ? ORDER BY id", [batch_id]
            )
        )
        if allocations
        else (),
    )


def set_status(db: Database, batch_id: int, status: BatchStatus) -> None:
    db.conn.execute("UPDATE batches SET status = ? WHERE id = ?", [status.value, batch_id])


# -- allocations ---------------------------------------------------------------------------


def _allocation(row: dict[str, Any], name_of: NameOf) -> Allocation:
    return Allocation(
        id=row["id"],
        batch_id=row["batch_id"],
        number=row["number"],
        municipality=name_of(row["number"], row["year"]),
        persons=row["persons"],
        households=tuple(json.loads(row["households"])),
        units=_units(row["households"], row["units"]),
        active=bool(row["active"]),
        created_at=row["created_at"],
        created_by=row["created_by"],
    )


def allocation(db: Database, allocation_id: int, name_of: NameOf) -> Allocation | None:
    row = next(rows_of(db, "SELECT * FROM allocations WHERE id = ?", [allocation_id]), None)
    return _allocation(row, name_of) if row else None


def allocation_place(db: Database, allocation_id: int) -> tuple[int, str, int, int, bool] | None:
    """(batch id, number, year, persons, active) of an allocation."""
    try:
        row = db.conn.execute(
            "SELECT batch_id, number, year, persons, active FROM allocations WHERE id = ?",
            [allocation_id],
        ).fetchone()
    except OverflowError:
        return None
    return (row[0], row[1], row[2], row[3], bool(row[4])) if row else None


def released_at(db: Database, allocation_id: int) -> datetime:
    row = db.conn.execute(
        "SELECT released_at, created_at FROM allocations WHERE id = ?", [allocation_id]
    ).fetchone()
    return datetime.fromisoformat(row[0] or row[1])


def allocation_by_key(db: Database, request_key: str) -> int | None:
    row = db.conn.execute(
        "SELECT id FROM allocations WHERE request_key = ?", [request_key]
    ).fetchone()
    return row[0] if row else None


def add_allocation(
    db: Database,
    at: str,
    batch_id: int,
    number: str,
    year: int,
    persons: int,
    units: tuple[Unit, ...],
    by: str,
    request_key: str | None,
) -> int:
    cursor = db.conn.execute(
        """INSERT INTO allocations (batch_id, number, year, persons, households, units,
                                    created_at, created_by, request_key)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            batch_id, number, year, persons, json.dumps(flat(units)), json.dumps(units),
            at, by, request_key,
        ],
    )  # fmt: skip
    return int(cursor.lastrowid or 0)


def release(db: Database, allocation_id: int, at: str) -> None:
    db.conn.execute(
        "UPDATE allocations SET active = 0, released_at = ? WHERE id = ?", [at, allocation_id]
    )


def active_ids(db: Database, batch_id: int) -> list[int]:
    return [
        row[0]
        for row in db.conn.execute(
            "SELECT id FROM allocations WHERE batch_id = ? AND active = 1 ORDER BY id", [batch_id]
        )
    ]


# -- pages ---------------------------------------------------------------------------------


def count_batches(db: Database, year: int | None = None) -> int:
    sql, params = "SELECT count(*) FROM batches", []
    if year is not None:
        sql, params = sql + " WHERE year = ?", [year]
    return db.conn.execute(sql, params).fetchone()[0]


def batch_ids_page(db: Database, year: int | None, offset: int, limit: int) -> list[int]:
    sql, params = "SELECT id FROM batches", []
    if year is not None:
        sql, params = sql + " WHERE year = ?", [year]
    sql += " ORDER BY year DESC, id DESC LIMIT ? OFFSET ?"
    return [row[0] for row in db.conn.execute(sql, [*params, limit, offset])]


def allocation_counts(db: Database, batch_id: int) -> tuple[int, int, int]:
    """(assignments, active ones, municipalities with an active one) of a batch."""
    row = db.conn.execute(
        """SELECT count(*), coalesce(sum(active), 0),
                  count(DISTINCT CASE WHEN active = 1 THEN number END)
           FROM allocations WHERE batch_id = ?""",
        [batch_id],
    ).fetchone()
    return row[0], row[1], row[2]


def allocations_page(
    db: Database, batch_id: int, name_of: NameOf, offset: int, limit: int
) -> tuple[Allocation, ...]:
    """A page of a batch's assignments: the active ones first, then those released (a
    re-planned batch shows what holds now on its first page), each oldest first."""
    return tuple(
        _allocation(row, name_of)
        for row in rows_of(
            db,
            "SELECT * FROM allocations WHERE batch_id = ? ORDER BY active DESC, id "
            "LIMIT ? OFFSET ?",
            [batch_id, limit, offset],
        )
    )


# -- previews ------------------------------------------------------------------------------


def add_preview(
    db: Database,
    key: str,
    kind: str,
    batch_id: int,
    lines: list[Any],
    facts: dict[str, Any],
    by: str,
    at: str,
    expires_at: str,
) -> None:
    db.conn.execute(
        """INSERT INTO previews (key, kind, batch_id, lines, facts, created_by, created_at,
                                 expires_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
        [key, kind, batch_id, json.dumps(lines), json.dumps(facts), by, at, expires_at],
    )


def preview(db: Database, key: str) -> Preview | None:
    row = next(rows_of(db, "SELECT * FROM previews WHERE key = ?", [key]), None)
    if row is None:
        return None
    return Preview(
        key=row["key"],
        kind=row["kind"],
        batch_id=row["batch_id"],
        lines=json.loads(row["lines"]),
        facts=json.loads(row["facts"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        applied_at=row["applied_at"],
        applied_by=row["applied_by"],
        allocations=tuple(json.loads(row["allocations"] or "[]")),
    )


def mark_applied(db: Database, key: str, at: str, by: str, allocation_ids: list[int]) -> None:
    db.conn.execute(
        "UPDATE previews SET applied_at = ?, applied_by = ?, allocations = ? WHERE key = ?",
        [at, by, json.dumps(allocation_ids), key],
    )


def drop_previews(db: Database, before: str) -> None:
    """Forget previews never confirmed that expired before `before` (applied ones stay:
    their Undo and a repeated Confirm read them)."""
    db.conn.execute("DELETE FROM previews WHERE applied_at IS NULL AND expires_at < ?", [before])


def open_batch_ids(db: Database) -> list[int]:
    """Batches still under way (planned, allocated or arrived), the newest first."""
    sql = (
        "SELECT id FROM batches WHERE status NOT IN ('settled', 'cancelled') "
        "ORDER BY year DESC, id DESC"
    )
    return [row[0] for row in db.conn.execute(sql).fetchall()]
