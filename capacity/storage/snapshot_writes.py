"""A snapshot's figures into the history, at the snapshot's time (see `snapshots`): the
current figure is then the figure's latest record by time."""

from __future__ import annotations

import json
from datetime import date

from sqlite_utils import Database

from capacity.models import Actor, Measure
from capacity.storage.figures import figure_key
from capacity.storage.repository import ABSENT, record


class Record:
    """A figure's history record, as the snapshot import compares it."""

    __slots__ = ("id", "at", "value", "source_date")

    def __init__(self, id_: int, at: str, after: str | None, source_date: str) -> None:
        self.id = id_
        self.at = at
        self.value = json.loads(after) if after is not None else None
        self.source_date = source_date


_RECORD = "SELECT id, at, after, source_date FROM changes WHERE entity = 'figure' AND key = ?"


def effective(db: Database, key: str, at: str) -> Record | None:
    """The record that gives a figure's value at `at` (None: no figure then)."""
    row = db.conn.execute(
        _RECORD + " AND at <= ? ORDER BY at DESC, id DESC LIMIT 1", [key, at]
    ).fetchone()
    return Record(*row) if row else None


def recorded_between(db: Database, key: str, after: str, until: str) -> bool:
    """Whether a figure has a record later than `after`, up to `until`."""
    row = db.conn.execute(
        "SELECT 1 FROM changes WHERE entity = 'figure' AND key = ? AND at > ? AND at <= ? LIMIT 1",
        [key, after, until],
    ).fetchone()
    return row is not None


def latest(db: Database, key: str) -> Record | None:
    """A figure's latest record by time: the one that gives its current value."""
    row = db.conn.execute(_RECORD + " ORDER BY at DESC, id DESC LIMIT 1", [key]).fetchone()
    return Record(*row) if row else None


def write(
    db: Database,
    at: str,
    number: str,
    year: int,
    measure: Measure,
    before: object,
    value: int | None,
    actor: Actor,
    *,
    source: str,
    day: date,
    reason: str = "",
) -> Record:
    """A snapshot's figure into the history at `at` (`before`: its value just before
    then, or `ABSENT`); the current figure is then the figure's latest record by time
    (which may be a newer snapshot's). Returns that record."""
    key = figure_key(number, year, measure)
    record(
        db, at, actor, "figure", key, before, value,
        source=source, source_date=day.isoformat(), reason=reason,
    )  # fmt: skip
    now = latest(db, key)
    assert now is not None  # the record just written, or a later one
    db.conn.execute(
        """INSERT INTO figures (number, year, measure, value, change_id)
           VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (number, year, measure)
           DO UPDATE SET value = excluded.value, change_id = excluded.change_id""",
        [number, year, measure.value, now.value, now.id],
    )
    return now


def value_before(found: Record | None) -> object:
    """A record's value as the next record's `before`: `ABSENT` when there was none."""
    return ABSENT if found is None else found.value
