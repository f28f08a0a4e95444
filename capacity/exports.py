"""Figures, history and batches out, as CSV or JSON.

The figures CSV is the wide import format (`imports.py`), so an export imports back to
the same figures. Free text is written so that a spreadsheet never runs it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from capacity import errors
from capacity.imdi import shown
from capacity.import_formats import MEASURE_COLUMNS, WIDE_NUMBER, WIDE_YEAR
from capacity.models import Batch, Change, Measure
from capacity.service import Capacity

# Files `seed()` reads: reference data, and the figure files left empty for a bare database.

EXPORT_FORMATS = ("csv", "json")
EXPORT_TABLES = ("figures", "history", "batches")
FIGURE_FIELDS = (
    "number",
    "year",
    "measure",
    "value",
    "change_id",
    "at",
    "actor",
    "actor_name",
    "source",
)
HISTORY_COLUMNS = (
    "id",
    "at",
    "actor",
    "actor_name",
    "source",
    "reason",
    "entity",
    "key",
    "before",
    "after",
)
BATCH_COLUMNS = (
    "batch_id",
    "batch",
    "year",
    "persons",
    "households",
    "scope",
    "status",
    "created_at",
    "created_by",
    "allocation_id",
    "number",
    "municipality",
    "allocated_persons",
    "allocated_households",
    "active",
    "allocated_at",
    "allocated_by",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export(service: Capacity, fmt: str, what: str = "all") -> str:
    """Figures, history or batches as CSV or JSON text. JSON holds all three ("all");
    CSV holds one table, so it needs figures, history or batches."""
    fmt, what = fmt.strip().lower(), what.strip().lower()
    if fmt not in EXPORT_FORMATS:
        raise errors.InvalidInput("export_format", field="format", value=fmt)
    if what not in (*EXPORT_TABLES, "all"):
        raise errors.InvalidInput("export_what", field="what", value=what)
    if fmt == "csv" and what == "all":
        raise errors.InvalidInput("csv_one_table", field="what", value=what)
    tables = EXPORT_TABLES if what == "all" else (what,)
    with service.store.read():
        if fmt == "json":
            return _json_export(service, tables)
        return CSV_EXPORTS[what](service)


def _json_export(service: Capacity, tables: Sequence[str]) -> str:
    readers: dict[str, Callable[[Capacity], list[dict[str, Any]]]] = {
        "figures": figure_records,
        "history": lambda s: [change.model_dump(mode="json") for change in s.history()],
        "batches": lambda s: [batch.model_dump(mode="json") for batch in _batches(s)],
    }
    document = {table: readers[table](service) for table in tables}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def figure_records(service: Capacity) -> list[dict[str, Any]]:
    """Every current figure with the change that set it, by year, number and measure."""
    order = {measure.value: position for position, measure in enumerate(Measure)}
    rows = service.figure_records()
    rows.sort(key=lambda row: (row["year"], row["number"], order.get(row["measure"], len(order))))
    return [{field: row[field] for field in FIGURE_FIELDS} for row in rows]


def _batches(service: Capacity) -> list[Batch]:
    return sorted(service.batches(), key=lambda batch: batch.id)


def _write_csv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue()


def _figures_csv(service: Capacity) -> str:
    """The wide import format: `:` for unknown, empty for no figure."""
    places: dict[tuple[int, str], dict[str, int | None]] = {}
    for record in figure_records(service):
        values = places.setdefault((record["year"], record["number"]), {})
        values[record["measure"]] = record["value"]
    return _write_csv(
        (WIDE_NUMBER, WIDE_YEAR, *MEASURE_COLUMNS),
        (
            (number, year, *(_figure_cell(values, column) for column in MEASURE_COLUMNS))
            for (year, number), values in sorted(places.items())
        ),
    )


def _figure_cell(values: dict[str, int | None], column: str) -> str:
    if column not in values:
        return ""
    return shown(values[column])


def _history_csv(service: Capacity) -> str:
    return _write_csv(HISTORY_COLUMNS, (_history_row(change) for change in service.history()))


def _history_row(change: Change) -> list[object]:
    return [
        change.id,
        change.at.isoformat(timespec="microseconds"),
        _text(change.actor),
        _text(change.actor_name),
        _text(change.source),
        _text(change.reason),
        change.entity,
        _text(change.key),
        json.dumps(change.before, ensure_ascii=False),
        json.dumps(change.after, ensure_ascii=False),
    ]


def _batches_csv(service: Capacity) -> str:
    return _write_csv(BATCH_COLUMNS, (row for b in _batches(service) for row in _batch_rows(b)))


def _batch_rows(batch: Batch) -> Iterator[list[object]]:
    """One row per allocation, the batch repeated on each; one row for a batch without."""
    head = [
        batch.id,
        _text(batch.name),
        batch.year,
        batch.persons,
        json.dumps(list(batch.households)),
        _text(batch.scope),
        batch.status.value,
        batch.created_at.isoformat(timespec="microseconds"),
        _text(batch.created_by),
    ]
    if not batch.allocations:
        yield head + [""] * (len(BATCH_COLUMNS) - len(head))
    for allocation in batch.allocations:
        yield head + [
            allocation.id,
            allocation.number,
            _text(allocation.municipality),
            allocation.persons,
            json.dumps(list(allocation.households)),
            int(allocation.active),
            allocation.created_at.isoformat(timespec="microseconds"),
            _text(allocation.created_by),
        ]


def _text(value: str) -> str:
    """Free text for a spreadsheet: a cell starting like a formula gets a leading `'`,
    so that opening the export does not run what a user typed (CSV injection)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


CSV_EXPORTS: dict[str, Callable[[Capacity], str]] = {
    "figures": _figures_csv,
    "history": _history_csv,
    "batches": _batches_csv,
}
