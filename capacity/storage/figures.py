"""Figures in SQLite: a municipality's lines for a year (now, or as they stood at a
moment), the other years' figures, and setting a figure with its history record."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from capacity.models import (
    Actor,
    CapacityLine,
    Figure,
    Measure,
    Municipality,
    YearFigures,
    partial_date,
)
from capacity.storage.repository import ABSENT, marks, record, rows_of


def figure_key(number: str, year: int, measure: Measure) -> str:
    return f"{number}/{year}/{measure.value}"


FIGURE_COLUMNS = "c.at, c.actor, c.actor_name, c.source, c.source_date"
MEASURES = {m.value: m for m in Measure}
FEW = 200  # municipalities read by number; more, and the whole year is read  # a row's text to its measure, without Enum's call


def _figure(
    measure: str,
    value: int | None,
    at: str,
    actor: str,
    actor_name: str,
    source: str,
    source_date: str,
) -> Figure:
    return Figure(
        measure=MEASURES[measure],
        value=value,
        changed_at=at,
        actor=actor_name or actor,
        source=source,
        source_date=source_date,
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
        f"""SELECT f.measure, f.value, {FIGURE_COLUMNS}
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
        settled=settled_by_place(db, year, municipality.number).get(municipality.number, 0),
        years_with_figures=years,
    )


_SETTLED = """SELECT a.number, sum(a.persons) FROM allocations a
              JOIN batches b ON b.id = a.batch_id
              WHERE a.year = ? AND a.active = 1 AND b.status = 'settled'"""


def settled_by_place(db: Database, year: int, number: str | None = None) -> dict[str, int]:
    """Persons of settled batches per municipality: places used, not reserved."""
    sql, params = _SETTLED, [year]
    if number is not None:
        sql += " AND a.number = ?"
        params.append(number)
    return dict(db.conn.execute(sql + " GROUP BY a.number", params).fetchall())


def lines(
    db: Database, municipalities: Sequence[Municipality], year: int
) -> tuple[CapacityLine, ...]:
    """Many municipalities' lines for a year, in a few queries. Only their figures are
    read and built: a group's (a batch's scope, the network) are a few dozen of the
    year's 1,500."""
    figures: dict[str, dict[Measure, Figure]] = {}
    numbers = sorted({m.number for m in municipalities})
    few = len(numbers) <= FEW
    for row in db.conn.execute(
        f"""SELECT f.number, f.measure, f.value, {FIGURE_COLUMNS}
            FROM figures f JOIN changes c ON c.id = f.change_id
            WHERE f.year = ?{f" AND f.number IN ({marks(numbers)})" if few else ""}""",
        [year, *numbers] if few else [year],
    ):
        figures.setdefault(row[0], {})[MEASURES[row[1]]] = _figure(*row[1:])
    reserved = dict(
        db.conn.execute("SELECT number, persons FROM reserved WHERE year = ?", [year]).fetchall()
    )
    settled = settled_by_place(db, year)
    return _lines(municipalities, year, figures, reserved, settled)


def lines_as_of(
    db: Database, municipalities: Sequence[Municipality], year: int, moment: str
) -> tuple[CapacityLine, ...]:
    """The lines as they stood at `moment` (UTC ISO text): each figure's last change
    recorded by then, and the reservations active then (those of batches settled by
    then counted as used by settled batches)."""
    figures: dict[str, dict[Measure, Figure]] = {}
    for key, after, *rest in db.conn.execute(
        """SELECT key, after, at, actor, actor_name, source, source_date FROM changes
           WHERE entity = 'figure' AND key LIKE ? AND at <= ? ORDER BY at, id""",
        [f"%/{year}/%", moment],
    ):
        number, _, measure = key.split("/")
        value = json.loads(after) if after is not None else None
        if value == ABSENT:
            figures.get(number, {}).pop(MEASURES[measure], None)
        else:
            figures.setdefault(number, {})[MEASURES[measure]] = _figure(measure, value, *rest)
    statuses: dict[int, str] = {}
    for key, after in db.conn.execute(
        "SELECT key, after FROM changes WHERE entity = 'batch' AND at <= ? ORDER BY at, id",
        [moment],
    ):
        state = json.loads(after) if after else {}
        if isinstance(state, dict) and "status" in state:
            statuses[int(key.split("/")[1])] = state["status"]
    reserved: dict[str, int] = {}
    settled: dict[str, int] = {}
    for number, batch_id, persons in db.conn.execute(
        """SELECT number, batch_id, persons FROM allocations
           WHERE year = ? AND created_at <= ? AND (released_at IS NULL OR released_at > ?)""",
        [year, moment, moment],
    ):
        reserved[number] = reserved.get(number, 0) + persons
        if statuses.get(batch_id) == "settled":
            settled[number] = settled.get(number, 0) + persons
    return _lines(municipalities, year, figures, reserved, settled, datetime.fromisoformat(moment))


def _lines(
    municipalities: Sequence[Municipality],
    year: int,
    figures: dict[str, dict[Measure, Figure]],
    reserved: dict[str, int],
    settled: dict[str, int],
    as_of: datetime | None = None,
) -> tuple[CapacityLine, ...]:
    """Each municipality's line from its figures and the persons reserved and settled
    there (by number; none: 0)."""
    return tuple(
        CapacityLine(
            municipality=m,
            year=year,
            figures=figures.get(m.number, {}),
            reserved=reserved.get(m.number, 0),
            settled=settled.get(m.number, 0),
            as_of=as_of,
        )
        for m in municipalities
    )


def other_years(db: Database, numbers: Sequence[str], year: int) -> tuple[YearFigures, ...]:
    """IMDi's figures of a municipality (all its numbers) in the years other than
    `year`, oldest first, each with the date it was taken when before the year ended."""
    found: dict[int, dict[Measure, int | None]] = {}
    dates: dict[int, list[str]] = {}
    for y, measure, value, source_date in db.conn.execute(
        f"""SELECT f.year, f.measure, f.value, c.source_date
            FROM figures f JOIN changes c ON c.id = f.change_id
            WHERE f.number IN ({marks(numbers)}) AND f.year != ? AND f.measure != ?""",
        [*numbers, year, Measure.SPARE.value],
    ):
        if y not in found:
            found[y], dates[y] = {}, []
        found[y][MEASURES[measure]] = value
        dates[y].append(source_date)
    return tuple(
        YearFigures(year=y, values=found[y], partial=partial_date(y, dates[y]))
        for y in sorted(found)
    )


def batches_at(db: Database, number: str, year: int) -> tuple[tuple[str, int], ...]:
    """The batches holding places in a municipality and year: (name, persons)."""
    return tuple(
        db.conn.execute(
            """SELECT b.name, sum(a.persons) FROM allocations a
               JOIN batches b ON b.id = a.batch_id
               WHERE a.number = ? AND a.year = ? AND a.active = 1
               GROUP BY b.id ORDER BY b.id""",
            [number, year],
        ).fetchall()
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
    source_date: str = "",
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
        source_date=source_date,
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
                      c.at, c.actor, c.actor_name, c.source, c.source_date
               FROM figures f JOIN changes c ON c.id = f.change_id""",
        )
    )
