"""Snapshots of IMDi's figures in SQLite: the register of imported snapshots and the
series read from the history (their figures are written by `snapshot_writes`).

The history stays the one record of what IMDi's figures were when: a snapshot's figures
are history records dated the end of its day (`recorded_at`), so "as of" reads see them
in time order whatever order the snapshots were imported in. The current figure is the
latest record by time: an older snapshot imported after a newer one is kept in the
history and never replaces the newer figure.

Derived from the history and the register, rebuilt for a year at each import:
`snapshot_points` (settled and decision of each municipality at each of the year's
snapshots) and `snapshot_paces` (the country's change between consecutive snapshots), so
that a national answer reads one row per municipality and one per pair of snapshots,
not the history.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlite_utils import Database

from capacity.domain.pace import Interval, Point, interval
from capacity.domain.pace_scope import summed_intervals
from capacity.domain.snapshots import Snapshot, recorded_at
from capacity.models import Measure

SERIES = (Measure.SETTLED.value, Measure.DECISION.value)
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)  # for the end of a day, never cut at now


def marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


# -- the register -------------------------------------------------------------------------


def register(db: Database, snapshot: Snapshot) -> None:
    """The register's row of a snapshot (derived: its history record is the source)."""
    db.conn.execute(
        """INSERT INTO snapshots (day, year, name, digest, source, recorded_at, imported_at,
                                  actor, replaced, years)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            snapshot.day.isoformat(),
            snapshot.year,
            snapshot.name,
            snapshot.digest,
            snapshot.source,
            snapshot.recorded_at,
            snapshot.imported_at,
            snapshot.actor,
            int(snapshot.replaced),
            json.dumps(sorted(set(snapshot.years))),
        ],
    )


def snapshots(db: Database, year: int | None = None) -> list[Snapshot]:
    """The snapshots imported (of a year), oldest day first."""
    where, params = ("WHERE year = ?", [year]) if year is not None else ("", [])
    cursor = db.conn.execute(
        f"""SELECT day, year, name, digest, source, recorded_at, imported_at, actor, replaced,
                   years FROM snapshots {where} ORDER BY day, id""",
        params,
    )
    names = [column[0] for column in cursor.description]
    found = []
    for row in cursor:
        values = dict(zip(names, row, strict=True))
        values["years"] = tuple(json.loads(values["years"] or "[]"))
        found.append(Snapshot(**values))
    return found


def days(db: Database, year: int) -> list[tuple[date, str]]:
    """The year's snapshot days with the time their figures are read at (the latest
    import of a day: a replacement comes after what it replaces). A file imported with
    `--years` that left its own year out is no snapshot of that year."""
    found: dict[str, str] = {}
    for day, at, years in db.conn.execute(
        "SELECT day, recorded_at, years FROM snapshots WHERE year = ? ORDER BY day, id", [year]
    ):
        if year in json.loads(years or "[]"):
            found[day] = max(at, found.get(day, at))
    return [(date.fromisoformat(day), at) for day, at in found.items()]


def later(db: Database, day: date) -> list[tuple[date, str, str, frozenset[int]]]:
    """The snapshots of days after `day`, oldest first: (day, its time, its source, the
    years its file held)."""
    return [
        (date.fromisoformat(found), at, source, frozenset(json.loads(years or "[]")))
        for found, at, source, years in db.conn.execute(
            "SELECT day, recorded_at, source, years FROM snapshots WHERE day > ? ORDER BY day, id",
            [day.isoformat()],
        )
    ]


def registered(db: Database, day: date) -> bool:
    return (
        db.conn.execute("SELECT 1 FROM snapshots WHERE day = ?", [day.isoformat()]).fetchone()
        is not None
    )


def last_after(db: Database, year: int) -> date | None:
    """The latest snapshot day after `year` ended: the year's figures then are final."""
    row = db.conn.execute("SELECT max(day) FROM snapshots WHERE day > ?", [f"{year}-12-31"])
    value = row.fetchone()[0]
    return date.fromisoformat(value) if value else None


# -- the series -----------------------------------------------------------------------------


def rebuild(db: Database, year: int) -> None:
    """The year's points and the country's paces, anew from the history and the
    register (after every snapshot import of the year)."""
    found = days(db, year)
    db.conn.execute("DELETE FROM snapshot_points WHERE year = ?", [year])
    db.conn.execute("DELETE FROM snapshot_paces WHERE year = ?", [year])
    if not found:
        return
    numbers = [
        row[0]
        for row in db.conn.execute(
            "SELECT DISTINCT number FROM figures WHERE year = ? AND measure IN (?, ?)",
            [year, *SERIES],
        )
    ]
    keys = [f"{number}/{year}/{measure}" for number in numbers for measure in SERIES]
    history: dict[str, list[tuple[str, int | None]]] = {}
    for key, at, after in db.conn.execute(
        f"""SELECT key, at, after FROM changes WHERE entity = 'figure' AND key IN ({marks(keys)})
            ORDER BY at, id""",
        keys,
    ):
        value = json.loads(after) if after is not None else None
        history.setdefault(key, []).append((at, value if isinstance(value, int) else None))
    rows = []
    series: dict[str, dict[date, int | None]] = {}
    for number in numbers:
        settled = history.get(f"{number}/{year}/{SERIES[0]}", [])
        decision = history.get(f"{number}/{year}/{SERIES[1]}", [])
        for day, at in found:
            value = _as_of(settled, at)
            rows.append((year, day.isoformat(), number, value, _as_of(decision, at)))
            series.setdefault(number, {})[day] = value
    db.conn.executemany(
        "INSERT INTO snapshot_points (year, day, number, settled, decision) VALUES (?, ?, ?, ?, ?)",
        rows,
    )
    latest = found[-1][0]
    counted = [
        number
        for number, day, settled, decision in (
            (r[2], r[1], r[3], r[4]) for r in rows if r[1] == latest.isoformat()
        )
        if settled is not None and decision
    ]
    paces = summed_intervals([d for d, _ in found], series, counted)
    db.conn.executemany(
        "INSERT INTO snapshot_paces (year, start, end, delta) VALUES (?, ?, ?, ?)",
        [(year, p.start.isoformat(), p.end.isoformat(), p.delta) for p in paces],
    )


def _as_of(records: list[tuple[str, int | None]], at: str) -> int | None:
    value = None
    for when, after in records:
        if when > at:
            break
        value = after
    return value


def points(db: Database, year: int, numbers: Sequence[str]) -> dict[str, list[Point]]:
    """Each municipality's points of the year, oldest first."""
    found: dict[str, list[Point]] = {}
    for number, day, settled, decision in db.conn.execute(
        f"""SELECT number, day, settled, decision FROM snapshot_points
            WHERE year = ? AND number IN ({marks(numbers)}) ORDER BY number, day""",
        [year, *numbers],
    ):
        found.setdefault(number, []).append(
            Point(day=date.fromisoformat(day), settled=settled, decision=decision)
        )
    return found


def points_on(db: Database, year: int, day: date) -> dict[str, tuple[int | None, int | None]]:
    """Every municipality's (settled, decision) at one of the year's snapshots."""
    return {
        number: (settled, decision)
        for number, settled, decision in db.conn.execute(
            "SELECT number, settled, decision FROM snapshot_points WHERE year = ? AND day = ?",
            [year, day.isoformat()],
        )
    }


def paces(db: Database, year: int) -> tuple[Interval, ...]:
    """The country's changes between the year's consecutive snapshots."""
    return tuple(
        interval(date.fromisoformat(start), date.fromisoformat(end), delta)
        for start, end, delta in db.conn.execute(
            "SELECT start, end, delta FROM snapshot_paces WHERE year = ? ORDER BY start", [year]
        )
    )


def settled_by_batches(
    db: Database, year: int, numbers: Sequence[str]
) -> dict[str, list[tuple[str, int]]]:
    """Persons of the bot's own settled batches per municipality: (when the batch was
    marked settled, persons), oldest first."""
    found: dict[str, list[tuple[str, int]]] = {}
    for number, at, persons in db.conn.execute(
        f"""SELECT a.number, max(c.at), sum(a.persons) FROM allocations a
            JOIN batches b ON b.id = a.batch_id
            JOIN changes c ON c.entity = 'batch' AND c.key = 'batch/' || b.id
                AND json_extract(c.after, '$.status') = 'settled'
            WHERE a.year = ? AND a.active = 1 AND b.status = 'settled'
                AND a.number IN ({marks(numbers)})
            GROUP BY a.number, b.id ORDER BY 2""",
        [year, *numbers],
    ):
        found.setdefault(number, []).append((at, persons))
    return found


# -- the register made again from the history -----------------------------------------------


def rebuild_all(db: Database) -> None:
    """The register, the points and the paces anew from the history (after a bulk load:
    a JSON export leaves out what is derived): each snapshot import's own record, then the
    dated IMDi figures recorded as a snapshot without one (the bundled table)."""
    db.conn.execute("DELETE FROM snapshots")
    for day, at, actor, source, after in db.conn.execute(
        "SELECT key, at, actor, source, after FROM changes WHERE entity = 'snapshot' ORDER BY id"
    ).fetchall():
        register(db, Snapshot.of_record(day, at, actor, source, json.loads(after)))
    adopt(db, rebuild_years=False)
    for (year,) in db.conn.execute("SELECT DISTINCT year FROM snapshots").fetchall():
        rebuild(db, year)


def adopt(db: Database, *, rebuild_years: bool = True) -> list[int]:
    """Register, as snapshots, the dated IMDi figures recorded at the end of their
    source's day without one (the bundled table as of 25 September 2023, or a database
    from before snapshots were kept); rebuild the years they are about. The years."""
    if not db.table("snapshots").exists():
        return []
    rows = db.conn.execute(
        """SELECT c.source_date, c.at, c.source, c.actor,
                  max(CAST(substr(c.key, 6, 4) AS INTEGER))
           FROM changes c
           WHERE c.entity = 'figure' AND length(c.source_date) = 10 AND c.key LIKE '%/settled'
             AND NOT EXISTS (SELECT 1 FROM snapshots s WHERE s.day = c.source_date)
           GROUP BY c.source_date, c.at, c.source"""
    ).fetchall()
    years = set()
    for day_text, at, source, actor, year in rows:
        day = date.fromisoformat(day_text)
        if at != recorded_at(day, FAR_FUTURE) or year != day.year:
            continue  # not recorded as a snapshot is
        covered = [
            int(y)
            for (y,) in db.conn.execute(
                "SELECT DISTINCT CAST(substr(key, 6, 4) AS INTEGER) FROM changes "
                "WHERE entity = 'figure' AND source_date = ? AND at = ?",
                [day_text, at],
            )
        ]
        snapshot = Snapshot(
            day=day,
            year=year,
            name=source,
            digest="",
            source=source,
            recorded_at=at,
            imported_at=at,
            actor=actor,
            years=tuple(sorted(covered)),
        )
        register(db, snapshot)
        years.add(year)
    for year in sorted(years) if rebuild_years else ():
        rebuild(db, year)
    return sorted(years)
